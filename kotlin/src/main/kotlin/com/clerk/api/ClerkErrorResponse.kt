package com.clerk.api

/**
 * The error body of the Clerk API, exactly as the server sent it, for [ErrorType.API] failures.
 *
 * @property errors the server's `errors`, in order; `errors.first().code` is the main one.
 * @property clerkTraceId quote this when contacting Clerk support.
 * @property status the HTTP status.
 * @property retryAfterSeconds the server's `Retry-After`, if it sent one.
 */
data class ClerkErrorResponse(
    val errors: List<ClerkApiError>,
    val clerkTraceId: String?,
    val status: Int? = null,
    val retryAfterSeconds: Double? = null,
)
