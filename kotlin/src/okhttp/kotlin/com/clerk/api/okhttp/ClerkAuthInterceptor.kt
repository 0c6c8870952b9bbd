package com.clerk.api.okhttp

import com.clerk.api.Clerk
import com.clerk.api.ClerkException
import com.clerk.api.GetTokenOptions
import com.clerk.api.Session
import com.clerk.api.authorizationHeader
import kotlinx.coroutines.runBlocking
import okhttp3.Interceptor
import okhttp3.Request
import okhttp3.Response
import java.io.IOException
import java.io.InterruptedIOException

/**
 * An OkHttp application interceptor that authorizes requests to your backend with the Clerk
 * session token: `Authorization: Bearer <jwt>`.
 *
 * ```kotlin
 * val client = OkHttpClient.Builder()
 *     .addInterceptor(ClerkAuthInterceptor { Clerk.session })
 *     .build()
 * ```
 *
 * - The token comes from [authorizationHeader]: the cache when it is fresh, otherwise one
 *   request shared with every other caller.
 * - The interceptor owns the `Authorization` header: it replaces one the request already has,
 *   and without a session (signed out, ended) it removes it and sends the request without one.
 * - On a `401` from your backend for a request it authorized, it closes that response, fetches
 *   a new token (`skipCache = true`) and retries once. Whatever the retry answers is returned,
 *   `401` included: never more than two attempts. There is no retry when no token was sent,
 *   when no new token can be had (the session ended meanwhile: the first `401` is returned),
 *   or when the request body is one-shot.
 * - When no token can be had because of a failure (network, timeout, an error from the Clerk
 *   API), the call fails with an [IOException] whose cause is the [ClerkException]; nothing is
 *   sent to your backend.
 *
 * Add it with `addInterceptor` (an application interceptor), not `addNetworkInterceptor`: a
 * network interceptor may not retry. It blocks the OkHttp thread while a token is fetched,
 * as any interceptor does for its I/O.
 *
 * OkHttp is an optional dependency of this library: add `com.squareup.okhttp3:okhttp` (4.x or
 * 5.x) to your app to use this class.
 *
 * @param options which token to send, e.g. `GetTokenOptions(template = "my-backend")`.
 * @param session the session to authorize with, asked for every request.
 */
class ClerkAuthInterceptor(
    private val options: GetTokenOptions = GetTokenOptions(),
    private val session: () -> Session? = { Clerk.session },
) : Interceptor {
    override fun intercept(chain: Interceptor.Chain): Response {
        val request = chain.request()
        val session = session()
        val header = session?.let { bearer(it, options) }
        val response = chain.proceed(request.withAuthorization(header))
        if (response.code != HTTP_UNAUTHORIZED || session == null || header == null ||
            request.body?.isOneShot() == true
        ) {
            return response
        }

        // The backend rejected the token (revoked, or judged expired on its clock): one new
        // token, one retry.
        val fresh = try {
            bearer(session, options.copy(skipCache = true))
        } catch (e: Throwable) {
            response.close()
            throw e
        } ?: return response
        response.close()
        return chain.proceed(request.withAuthorization(fresh))
    }

    private fun bearer(session: Session, options: GetTokenOptions): String? =
        try {
            runBlocking { session.authorizationHeader(options) }
        } catch (e: ClerkException) {
            throw IOException("no Clerk session token: ${e.message}", e)
        } catch (e: InterruptedException) {
            Thread.currentThread().interrupt()
            throw InterruptedIOException("interrupted while fetching the Clerk session token").apply { initCause(e) }
        }

    private fun Request.withAuthorization(header: String?): Request {
        val builder = newBuilder()
        if (header == null) builder.removeHeader(AUTHORIZATION) else builder.header(AUTHORIZATION, header)
        return builder.build()
    }

    private companion object {
        const val AUTHORIZATION = "Authorization"
        const val HTTP_UNAUTHORIZED = 401
    }
}
