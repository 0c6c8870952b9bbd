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
    // The hit returns before any suspending call, and the miss is a tail call: a hit allocates
    // no coroutine state, only its result.
    val peek = TokenPeek.of(this)
    val cached = peek?.peek(options) ?: return fetchUncached(options, peeked = peek != null)
    return ClerkResult.Success(cached)
}

private suspend fun Session.fetchUncached(
    options: GetTokenOptions,
    peeked: Boolean,
): ClerkResult<TokenResource, ClerkErrorResponse> = clerkResult {
    tokenAfterPeek(options, peeked) ?: return ClerkResult.Failure(null, ErrorType.NO_SESSION)
}

/**
 * The token per [options]: from the core's cache without suspending ([TokenPeek], or the
 * generated `cachedToken` where the peek cannot be used), else from the shared request. Null
 * once the session is no longer active. Throws [ClerkException].
 */
internal suspend fun Session.token(options: GetTokenOptions): TokenResource? {
    val peek = TokenPeek.of(this)
    return peek?.peek(options) ?: native { tokenAfterPeek(options, peeked = peek != null) }
}

/** [token] after a peek that missed ([peeked]), or without one: the generated calls. */
private suspend fun Session.tokenAfterPeek(options: GetTokenOptions, peeked: Boolean): TokenResource? {
    val options = options.toNative()
    val token = (if (peeked) null else native.cachedToken(options)) ?: native.requestToken(options)
    return token?.toTokenResource()
}
