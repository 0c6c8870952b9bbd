package com.clerk.api

/**
 * The outcome of a Clerk call: a value, or a failure that says what went wrong.
 *
 * Calls return this instead of throwing so that an expired session or a flaky network is an
 * ordinary branch in app code. Coroutine cancellation is not a failure: it is rethrown.
 */
sealed interface ClerkResult<out T, out E> {
    data class Success<out T>(val value: T) : ClerkResult<T, Nothing>

    /**
     * @property error what the Clerk API said, when it answered with an error status.
     * @property errorType the kind of failure; see [ErrorType].
     * @property throwable the underlying exception (e.g. [ClerkException.Network]), with the detail.
     */
    data class Failure<out E>(
        val error: E?,
        val errorType: ErrorType,
        val throwable: Throwable? = null,
    ) : ClerkResult<Nothing, E>
}

/** Runs [action] on the value if this is a [ClerkResult.Success]; returns this result. */
inline fun <T, E> ClerkResult<T, E>.onSuccess(action: (T) -> Unit): ClerkResult<T, E> {
    if (this is ClerkResult.Success) action(value)
    return this
}

/** Runs [action] on the failure if this is a [ClerkResult.Failure]; returns this result. */
inline fun <T, E> ClerkResult<T, E>.onFailure(action: (ClerkResult.Failure<E>) -> Unit): ClerkResult<T, E> {
    if (this is ClerkResult.Failure) action(this)
    return this
}

/** One value from either branch. */
inline fun <T, E, R> ClerkResult<T, E>.fold(
    onSuccess: (T) -> R,
    onFailure: (ClerkResult.Failure<E>) -> R,
): R = when (this) {
    is ClerkResult.Success -> onSuccess(value)
    is ClerkResult.Failure -> onFailure(this)
}

/** Transforms the value of a success; a failure passes through unchanged. */
inline fun <T, E, R> ClerkResult<T, E>.map(transform: (T) -> R): ClerkResult<R, E> = when (this) {
    is ClerkResult.Success -> ClerkResult.Success(transform(value))
    is ClerkResult.Failure -> this
}
