package com.clerk.api

import okhttp3.Authenticator
import okhttp3.CookieJar
import okhttp3.Dispatcher
import okhttp3.EventListener
import okhttp3.Interceptor
import okhttp3.OkHttpClient
import okhttp3.Response
import java.util.concurrent.SynchronousQueue
import java.util.concurrent.ThreadPoolExecutor
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

/**
 * The OkHttpClient the core's requests go through: the app's [appClient] when given (its
 * connection pool, dispatcher, proxy, DNS, TLS set-up and certificate pinner), or one of our
 * own, with the core's rules on top:
 *
 * - one attempt per request: no retry on a failed connection (N callers sharing a request
 *   must cost the server one request), no redirect followed, no authenticator answering a 401;
 * - no cookie stored or sent, no cache;
 * - none of the app's interceptors or event listener, which would see the device token in
 *   `Authorization`;
 * - timeouts per request ([AttemptTimeouts]): connect, and a total for the whole attempt
 *   (`Call.timeout()`), with no idle read or write timeout under it, as reqwest has none.
 */
internal fun transportClient(appClient: OkHttpClient?): OkHttpClient =
    (appClient?.newBuilder() ?: OkHttpClient.Builder().dispatcher(sdkDispatcher()))
        .apply {
            interceptors().clear()
            networkInterceptors().clear()
        }
        .addInterceptor(ApplyAttemptTimeouts)
        .eventListener(EventListener.NONE)
        .retryOnConnectionFailure(false)
        .followRedirects(false)
        .followSslRedirects(false)
        .authenticator(Authenticator.NONE)
        .cookieJar(CookieJar.NO_COOKIES)
        .cache(null)
        .callTimeout(0, TimeUnit.MILLISECONDS)
        .readTimeout(0, TimeUnit.MILLISECONDS)
        .writeTimeout(0, TimeUnit.MILLISECONDS)
        .build()

/** One attempt's timeouts, carried to [ApplyAttemptTimeouts] as the request's tag. */
internal class AttemptTimeouts(val connectMs: Int)

/** OkHttp sets the connect timeout per call only from an application interceptor. */
private object ApplyAttemptTimeouts : Interceptor {
    override fun intercept(chain: Interceptor.Chain): Response {
        val request = chain.request()
        val timeouts = request.tag(AttemptTimeouts::class.java) ?: return chain.proceed(request)
        return chain.withConnectTimeout(timeouts.connectMs, TimeUnit.MILLISECONDS).proceed(request)
    }
}

/**
 * The dispatcher of the SDK's own client. The core bounds its own concurrency (one request per
 * token being fetched), so it holds no request back, as reqwest does not: a queued request's
 * deadline would run out before its attempt started (OkHttp allows 5 per host by default).
 * Its threads are daemons: OkHttp's default ones keep a JVM alive for a minute after the last
 * request.
 */
private fun sdkDispatcher(): Dispatcher {
    val count = AtomicInteger()
    val executor = ThreadPoolExecutor(0, Int.MAX_VALUE, 60, TimeUnit.SECONDS, SynchronousQueue()) { task ->
        Thread(task, "clerk-okhttp-${count.incrementAndGet()}").apply { isDaemon = true }
    }
    return Dispatcher(executor).apply {
        maxRequests = Int.MAX_VALUE
        maxRequestsPerHost = Int.MAX_VALUE
    }
}
