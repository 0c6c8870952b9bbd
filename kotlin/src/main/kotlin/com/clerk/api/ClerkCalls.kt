package com.clerk.api

import java.util.logging.Logger

/** The SDK's warnings (never with a token or secret); java.util.logging reaches logcat on Android. */
internal val clerkLog: Logger = Logger.getLogger("com.clerk.api")

/**
 * Runs a call into the Clerk core and turns the core's errors into [ClerkResult.Failure]s.
 *
 * Only the core's own exceptions are caught: coroutine cancellation (and programming errors)
 * propagate unchanged.
 */
internal inline fun <T> clerkResult(call: () -> T): ClerkResult<T, ClerkErrorResponse> =
    try {
        ClerkResult.Success(native(call))
    } catch (e: ClerkException) {
        e.toFailure()
    }

internal fun ClerkException.toFailure(): ClerkResult.Failure<ClerkErrorResponse> = when (this) {
    is ClerkException.Api -> ClerkResult.Failure(
        ClerkErrorResponse(errors, clerkTraceId, status, retryAfterSeconds),
        ErrorType.API,
        this,
    )
    is ClerkException.Network -> ClerkResult.Failure(null, ErrorType.NETWORK, this)
    is ClerkException.Timeout -> ClerkResult.Failure(null, ErrorType.TIMEOUT, this)
    is ClerkException.InvalidResponse -> ClerkResult.Failure(null, ErrorType.INVALID_RESPONSE, this)
    is ClerkException.Configuration -> ClerkResult.Failure(null, ErrorType.CONFIGURATION, this)
    is ClerkException.Cancelled -> ClerkResult.Failure(null, ErrorType.CANCELLED, this)
    is ClerkException.Internal -> ClerkResult.Failure(null, ErrorType.INTERNAL, this)
}
