package com.clerk.api

/**
 * The session token, or a JWT template token per [options], for calls to your backend.
 *
 * A cached token that is still fresh comes back at once, without suspending. Otherwise one
 * request is made and shared by every concurrent caller; cancelling the calling coroutine does
 * not abort it, so its token still lands in the cache for the next call. Once the session is no
 * longer active the result is a [ClerkResult.Failure] with [ErrorType.NO_SESSION].
 */
suspend fun Session.fetchToken(
    options: GetTokenOptions = GetTokenOptions(),
): ClerkResult<TokenResource, ClerkErrorResponse> {
    val native = options.toNative()
    return clerkResult {
        val token = cachedToken(native) ?: requestToken(native)
            ?: return ClerkResult.Failure(null, ErrorType.NO_SESSION)
        token.toTokenResource()
    }
}
