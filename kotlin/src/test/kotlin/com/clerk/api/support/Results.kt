package com.clerk.api.support

import com.clerk.api.ClerkResult
import kotlin.test.fail

/** The value of a success, or a test failure that shows the whole [ClerkResult.Failure]. */
fun <T> ClerkResult<T, *>.getOrFail(): T = when (this) {
    is ClerkResult.Success -> value
    is ClerkResult.Failure -> fail("expected a success, got $this", throwable)
}

/** The failure, or a test failure if this is a success. */
fun <E> ClerkResult<*, E>.failureOrFail(): ClerkResult.Failure<E> = when (this) {
    is ClerkResult.Success -> fail("expected a failure, got $this")
    is ClerkResult.Failure -> this
}
