package com.clerk.api

import com.clerk.api.ffi.ClerkException as NativeClerkException
import com.clerk.api.ffi.InternalException

/**
 * Why a Clerk call failed: the [ClerkResult.Failure.throwable] of a failure, and what
 * [authorizationHeader] throws. [ClerkResult.Failure.errorType] names the same kinds.
 */
sealed class ClerkException(message: String, cause: Throwable? = null) : Exception(message, cause) {
    /**
     * The Clerk API answered with an error status.
     *
     * @property status the HTTP status.
     * @property errors the server's `errors`, in order; `errors.first().code` is the main one.
     * @property clerkTraceId quote this when contacting Clerk support.
     * @property retryAfterSeconds the server's `Retry-After`, if it sent one.
     */
    class Api(
        val status: Int,
        val errors: List<ClerkApiError>,
        val clerkTraceId: String?,
        val retryAfterSeconds: Double?,
        message: String,
    ) : ClerkException(message)

    /**
     * The request could not be sent or its answer could not be read.
     *
     * @property reason [NetworkReason.OFFLINE] when the device has no network (nothing was
     *   sent, the call failed at once), [NetworkReason.UNREACHABLE] when the Clerk API could
     *   not be reached over the network there is.
     */
    class Network(
        val detail: String,
        val reason: NetworkReason = NetworkReason.UNREACHABLE,
    ) : ClerkException(detail)

    /** No answer within the configured request timeout. */
    class Timeout(val detail: String) : ClerkException(detail)

    /** The server answered, but not with anything usable (e.g. a malformed token). */
    class InvalidResponse(val detail: String) : ClerkException(detail)

    /** The configuration, or an option of the call, is invalid. */
    class Configuration(val detail: String) : ClerkException(detail)

    /** The Clerk core stopped the work (not coroutine cancellation, which is rethrown). */
    class Cancelled(val detail: String) : ClerkException(detail)

    /** A bug, or a [DeviceTokenStore] that threw: the Clerk core failed unexpectedly. */
    class Internal(val detail: String, cause: Throwable? = null) : ClerkException(detail, cause)
}

internal fun NativeClerkException.toClerkException(): ClerkException = when (this) {
    is NativeClerkException.Api ->
        ClerkException.Api(status.toInt(), errors.map { it.toClerkApiError() }, clerkTraceId, retryAfterSeconds, description)
    is NativeClerkException.Network -> ClerkException.Network(detail, reason.toNetworkReason())
    is NativeClerkException.Timeout -> ClerkException.Timeout(detail)
    is NativeClerkException.InvalidResponse -> ClerkException.InvalidResponse(detail)
    is NativeClerkException.Configuration -> ClerkException.Configuration(detail)
    is NativeClerkException.Cancelled -> ClerkException.Cancelled(detail)
    is NativeClerkException.Internal -> ClerkException.Internal(detail)
}

/**
 * Runs a call into the generated bindings and throws the facade's [ClerkException] for the
 * core's errors (and for the bindings' own [InternalException]). Anything else, coroutine
 * cancellation included, propagates unchanged.
 */
internal inline fun <T> native(call: () -> T): T =
    try {
        call()
    } catch (e: NativeClerkException) {
        throw e.toClerkException()
    } catch (e: InternalException) {
        throw ClerkException.Internal(e.message ?: "internal error in the Clerk bindings", e)
    }
