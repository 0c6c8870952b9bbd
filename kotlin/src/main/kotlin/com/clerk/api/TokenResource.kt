package com.clerk.api

import com.clerk.api.ffi.TokenResource as NativeTokenResource

/**
 * A session token or JWT template token.
 *
 * @property jwt the token, for an `Authorization: Bearer` header.
 * @property expiresAt the `exp` claim, Unix seconds.
 * @property issuedAt the `iat` claim, Unix seconds.
 */
data class TokenResource(val jwt: String, val expiresAt: Long, val issuedAt: Long) {
    /** Never shows [jwt], so tokens do not end up in logs or crash reports. */
    override fun toString() = "TokenResource(jwt=<redacted>, expiresAt=$expiresAt, issuedAt=$issuedAt)"
}

internal fun NativeTokenResource.toTokenResource() = TokenResource(jwt, expiresAt, issuedAt)
