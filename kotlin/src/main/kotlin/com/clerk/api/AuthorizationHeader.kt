package com.clerk.api

/**
 * The `Authorization` header value for a call to your backend: `Bearer <jwt>` with the session
 * token, or the JWT template token per [options].
 *
 * Served like [fetchToken]: a fresh cached token comes back without suspending, otherwise one
 * shared request is made. Cancelling the calling coroutine throws `CancellationException` as
 * usual.
 *
 * @return `null` when this session has no token: it was signed out, ended, revoked or has
 *   expired. Send the request without the header then (the [fetchToken] failure for this case
 *   is [ErrorType.NO_SESSION]).
 * @throws ClerkException when a token could not be had: [ClerkException.Network],
 *   [ClerkException.Timeout], or [ClerkException.Api] with the Clerk API's status and errors
 *   (e.g. `session_revoked` the first time a revoked session is noticed; later calls return
 *   `null`). Unlike [fetchToken], this helper throws rather than returning a [ClerkResult], so
 *   a request is never sent unauthenticated because of a network failure; use [fetchToken] to
 *   branch on failures without exceptions.
 */
suspend fun Session.authorizationHeader(options: GetTokenOptions = GetTokenOptions()): String? {
    val token = token(options) ?: return null
    return "Bearer ${token.jwt}"
}
