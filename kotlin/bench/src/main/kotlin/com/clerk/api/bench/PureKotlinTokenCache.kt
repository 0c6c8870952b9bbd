package com.clerk.api.bench

import com.clerk.api.ClerkErrorResponse
import com.clerk.api.ClerkResult
import com.clerk.api.GetTokenOptions
import com.clerk.api.TokenResource
import java.util.concurrent.ConcurrentHashMap

/**
 * The baseline: the cache hit of an SDK written in Kotlin alone. A `ConcurrentHashMap` keyed by
 * session and template (and organization), an expiry check with the buffer against the system
 * clock, inside a suspend function that would fetch over the network on a miss. It returns the
 * same `ClerkResult<TokenResource, …>` as the facade, so both hand back the same shape.
 */
class PureKotlinTokenCache(
    private val sessionId: String,
    private val fetch: suspend (GetTokenOptions) -> TokenResource,
) {
    private val tokens = ConcurrentHashMap<String, TokenResource>()

    suspend fun fetchToken(
        options: GetTokenOptions = GetTokenOptions(),
    ): ClerkResult<TokenResource, ClerkErrorResponse> {
        val key = key(options)
        if (!options.skipCache) {
            val cached = tokens[key]
            if (cached != null && cached.expiresAt * 1000 - System.currentTimeMillis() > options.expirationBuffer * 1000) {
                return ClerkResult.Success(cached)
            }
        }
        val fresh = fetch(options)
        tokens[key] = fresh
        return ClerkResult.Success(fresh)
    }

    fun put(options: GetTokenOptions, token: TokenResource) {
        tokens[key(options)] = token
    }

    private fun key(options: GetTokenOptions): String =
        if (options.template == null && options.organizationId == null) {
            sessionId
        } else {
            "$sessionId|${options.template.orEmpty()}|${options.organizationId ?: "*"}"
        }
}
