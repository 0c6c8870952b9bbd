package com.clerk.api

import com.clerk.api.support.InMemoryTokenStore
import com.clerk.api.support.getOrFail
import com.clerk.api.testing.FakeClerk
import com.clerk.api.testing.FakeRoute
import kotlinx.coroutines.runBlocking
import okhttp3.Call
import okhttp3.Cookie
import okhttp3.CookieJar
import okhttp3.EventListener
import okhttp3.HttpUrl
import okhttp3.OkHttpClient
import okhttp3.Request
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Test
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/**
 * `Clerk.configure(okHttpClient = ...)`: the core's requests go through the app's client (its
 * connection pool) and never reach the app's interceptors, event listener or cookie jar,
 * which would see the device token.
 */
class AppOkHttpClientTest {
    private val interceptorCalls = AtomicInteger()
    private val networkInterceptorCalls = AtomicInteger()
    private val listenedCalls = AtomicInteger()
    private val cookieJarCalls = AtomicInteger()

    /** An app's client, as it might log and decorate every request it makes. */
    private val appClient = OkHttpClient.Builder()
        .addInterceptor { chain ->
            interceptorCalls.incrementAndGet()
            chain.proceed(chain.request().newBuilder().header("x-app", "1").build())
        }
        .addNetworkInterceptor { chain ->
            networkInterceptorCalls.incrementAndGet()
            chain.proceed(chain.request())
        }
        .eventListener(object : EventListener() {
            override fun callStart(call: Call) {
                listenedCalls.incrementAndGet()
            }
        })
        .cookieJar(object : CookieJar {
            override fun saveFromResponse(url: HttpUrl, cookies: List<Cookie>) {
                cookieJarCalls.incrementAndGet()
            }

            override fun loadForRequest(url: HttpUrl): List<Cookie> {
                cookieJarCalls.incrementAndGet()
                return emptyList()
            }
        })
        .build()

    @AfterEach
    fun unconfigure() {
        Clerk.reset()
    }

    @Test
    fun `the core's requests share the app's client and never reach its interceptors`() = runBlocking {
        FakeClerk.start().use { fake ->
            Clerk.configure(
                frontendApiUrl = fake.frontendApiUrl,
                tokenStore = InMemoryTokenStore(),
                autoRefresh = false,
                okHttpClient = appClient,
            )
            val session = fake.signIn("user_alice")
            session.fetchToken(GetTokenOptions(skipCache = true)).getOrFail()
            assertNotNull(Clerk.load().getOrFail())
            fake.failNext(FakeRoute.SESSION_TOKEN, status = 503)
            session.fetchToken(GetTokenOptions(skipCache = true)).getOrFail()
            assertTrue(fake.requestCount() >= 4, "requests: ${fake.requestCount()}")

            assertEquals(0, interceptorCalls.get(), "the app's interceptor saw the core's requests")
            assertEquals(0, networkInterceptorCalls.get(), "the app's network interceptor saw the core's requests")
            assertEquals(0, listenedCalls.get(), "the app's event listener saw the core's requests")
            assertEquals(0, cookieJarCalls.get(), "the app's cookie jar was used")
            assertTrue(appClient.connectionPool.connectionCount() > 0, "the app's connection pool holds no connection")

            // The app's own client is untouched and goes on working as it did.
            assertEquals(1, appClient.interceptors.size)
            appClient.newCall(Request.Builder().url("${fake.frontendApiUrl}/__emulator/health").build()).execute().use {
                assertEquals(200, it.code)
            }
            assertEquals(1, interceptorCalls.get())
            assertEquals(1, networkInterceptorCalls.get())
        }
    }
}
