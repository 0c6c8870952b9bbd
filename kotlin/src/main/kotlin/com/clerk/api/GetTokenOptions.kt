package com.clerk.api

import com.clerk.api.ffi.GetTokenOptions as NativeGetTokenOptions

/**
 * Options of [fetchToken]; the defaults match the other Clerk SDKs.
 *
 * @property template a JWT template name from the Clerk Dashboard; `null` for the session token.
 * @property expirationBuffer seconds: a cached token expiring within them is refreshed first.
 *   At most 60.
 * @property skipCache always fetch a new token (it then replaces the cached one).
 * @property organizationId the organization the token is for; `""` for the personal account,
 *   `null` for the session's active one. Session tokens only: template tokens are minted for the
 *   session's active organization, so a [template] with an organization fails with a
 *   configuration error.
 */
data class GetTokenOptions(
    val template: String? = null,
    val expirationBuffer: Long = 10,
    val skipCache: Boolean = false,
    val organizationId: String? = null,
)

/** The name the Clerk Android SDK documents for [GetTokenOptions]. */
typealias SessionGetTokenOptions = GetTokenOptions

internal fun GetTokenOptions.toNative() = NativeGetTokenOptions(
    template = template,
    expirationBuffer = expirationBuffer.toDouble(),
    skipCache = skipCache,
    organizationId = organizationId,
)
