package com.clerk.api.okhttp

import com.clerk.api.Clerk
import com.clerk.api.ClerkException
import com.clerk.api.GetTokenOptions
import com.clerk.api.Session
import com.clerk.api.authorizationHeader
import kotlinx.coroutines.runBlocking
import okhttp3.HttpUrl
import okhttp3.HttpUrl.Companion.toHttpUrlOrNull
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
 *     .addInterceptor(ClerkAuthInterceptor(listOf("https://api.example.com")) { Clerk.session })
 *     .build()
 * ```
 *
 * - Only requests to [origins] get the token. A request to any other host (an image CDN, an
 *   analytics endpoint sharing the client) passes through exactly as it was built, its own
 *   `Authorization` header included. A redirect followed by OkHttp to another host does not
 *   carry the token either: OkHttp drops `Authorization` when a redirect leaves the origin.
 * - The token comes from [authorizationHeader]: the cache when it is fresh, otherwise one
 *   request shared with every other caller.
 * - For those origins the interceptor owns the `Authorization` header: it replaces one the
 *   request already has, and without a session (signed out, ended) it removes it and sends the
 *   request without one.
 * - On a `401` to a request that carried the token, it closes that response, fetches a new
 *   token (`skipCache = true`) and retries once. Whatever the retry answers is returned, `401`
 *   included: never more than two attempts. There is no retry when no token was sent (a
 *   redirect to another origin included), when no new token can be had (the session ended
 *   meanwhile: the first `401` is returned), or when the request body is one-shot.
 * - When no token can be had because of a failure (network, timeout, an error from the Clerk
 *   API), the call fails with an [IOException] whose cause is the [ClerkException]; nothing is
 *   sent to your backend.
 *
 * Add it with `addInterceptor` (an application interceptor), not `addNetworkInterceptor`: a
 * network interceptor may not retry. It blocks the OkHttp thread while a token is fetched,
 * as any interceptor does for its I/O.
 *
 * @param origins your backends, e.g. `listOf("https://api.example.com")`: scheme, host and an
 *   optional port, nothing more. At least one; `https` only, except `http` for loopback hosts
 *   (`localhost`, `127.0.0.0/8`, `[::1]`), so the token never crosses a network in clear text.
 * @param options which token to send, e.g. `GetTokenOptions(template = "my-backend")`.
 * @param session the session to authorize with, asked for every request to [origins].
 * @throws IllegalArgumentException if [origins] is empty or names something else than an
 *   https (or loopback http) origin.
 */
class ClerkAuthInterceptor(
    origins: Collection<String>,
    private val options: GetTokenOptions = GetTokenOptions(),
    private val session: () -> Session? = { Clerk.session },
) : Interceptor {
    private val origins: Set<Origin> = origins.map { Origin.parse(it) }.toSet()

    init {
        // No default that matches everything: a client shared with other hosts must not leak.
        require(this.origins.isNotEmpty()) { "ClerkAuthInterceptor: give the origins of your backends, e.g. listOf(\"https://api.example.com\")" }
    }

    override fun intercept(chain: Interceptor.Chain): Response {
        val request = chain.request()
        if (Origin.of(request.url) !in origins) return chain.proceed(request)

        val session = session()
        val header = session?.let { bearer(it, options) }
        val response = chain.proceed(request.withAuthorization(header))
        // Only a 401 to the token itself says the token was refused: after a redirect to
        // another origin (which OkHttp sends without it) there is nothing to refresh.
        if (response.code != HTTP_UNAUTHORIZED || session == null || header == null ||
            response.request.header(AUTHORIZATION) != header || request.body?.isOneShot() == true
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

    /** Scheme, host and port: what the token is bound to. */
    private data class Origin(val scheme: String, val host: String, val port: Int) {
        companion object {
            fun of(url: HttpUrl) = Origin(url.scheme, url.host, url.port)

            fun parse(text: String): Origin {
                val url = text.toHttpUrlOrNull()
                require(url != null && url.username.isEmpty() && url.password.isEmpty() &&
                    url.encodedPath == "/" && url.query == null && url.fragment == null
                ) { "ClerkAuthInterceptor: \"$text\" is not an origin (scheme://host[:port])" }
                require(url.isHttps || isLoopback(url.host)) {
                    "ClerkAuthInterceptor: \"$text\" would send the token in clear text; use https:// (http:// is for loopback hosts only)"
                }
                return of(url)
            }

            /** This machine, by name or literal address; never a DNS lookup. */
            private fun isLoopback(host: String): Boolean =
                host == "localhost" || host == "::1" || LOOPBACK_V4.matches(host)

            // OkHttp gives IPv4 literals in dotted decimal and IPv6 ones compressed, unbracketed.
            private val LOOPBACK_V4 = Regex("""127\.\d{1,3}\.\d{1,3}\.\d{1,3}""")
        }
    }

    private companion object {
        const val AUTHORIZATION = "Authorization"
        const val HTTP_UNAUTHORIZED = 401
    }
}
