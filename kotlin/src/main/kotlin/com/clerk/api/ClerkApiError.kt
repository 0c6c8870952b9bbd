package com.clerk.api

import com.clerk.api.ffi.ClerkApiError as NativeClerkApiError

/**
 * One entry of the `errors` of a Clerk API error response, exactly as the server sent it.
 *
 * @property code machine-readable, e.g. `session_revoked`; branch on this.
 * @property message a short description for developers.
 * @property longMessage a longer description, if the server gave one.
 * @property meta extra fields, e.g. `param_name`.
 */
data class ClerkApiError(
    val code: String,
    val message: String,
    val longMessage: String? = null,
    val meta: Map<String, String> = emptyMap(),
)

internal fun NativeClerkApiError.toClerkApiError() = ClerkApiError(code, message, longMessage, meta)
