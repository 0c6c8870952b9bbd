package com.clerk.api

/** Why a [ClerkResult.Failure] failed, so apps can branch without inspecting exceptions. */
enum class ErrorType {
    /** The Clerk API answered with an error status; see [ClerkErrorResponse]. */
    API,

    /**
     * The request could not be sent or its answer could not be read; [networkReason] says
     * whether the device was offline or the Clerk API unreachable.
     */
    NETWORK,

    /** No answer within the request timeout, or the call's deadline passed. */
    TIMEOUT,

    /** The server answered, but not with anything usable (e.g. a malformed token). */
    INVALID_RESPONSE,

    /** Clerk is not configured, or its configuration is invalid. */
    CONFIGURATION,

    /** The Clerk core stopped the work (not coroutine cancellation, which is rethrown). */
    CANCELLED,

    /** A bug: the Clerk core failed unexpectedly. */
    INTERNAL,

    /** There is no active session (never signed in, signed out, revoked or expired). */
    NO_SESSION,
}
