package com.clerk.api.okhttp

import com.clerk.api.Clerk
import com.clerk.api.ClerkException
import com.clerk.api.GetTokenOptions
import com.clerk.api.Session
import com.clerk.api.fetchToken
import com.clerk.api.support.AppBackend
import com.clerk.api.support.EmulatorTest
import com.clerk.api.support.getOrFail
import com.clerk.api.testing.FakeRoute
import kotlinx.coroutines.runBlocking
import okhttp3.MediaType
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody
import okhttp3.RequestBody.Companion.toRequestBody
import okhttp3.Response
import okio.BufferedSink
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import java.io.IOException
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertNotEquals

class ClerkAuthInterceptorTest : EmulatorTest() {
    private lateinit var backend: AppBackend
    private val clients = mutableListOf<OkHttpClient>()

    @BeforeEach
    fun startBackend() {
        backend = AppBackend.start(fake.frontendApiUrl)
    }

    @AfterEach
    fun stopBackend() {
        backend.close()
        clients.forEach { client ->
            client.dispatcher.executorService.shutdown()
            client.connectionPool.evictAll()
        }
        clients.clear()
    }

    private fun client(interceptor: ClerkAuthInterceptor = ClerkAuthInterceptor { Clerk.session }) =
        OkHttpClient.Builder().addInterceptor(interceptor).build().also { clients += it }

    private fun OkHttpClient.get(url: String = backend.url, authorization: String? = null): Response {
        val request = Request.Builder().url(url)
        authorization?.let { request.header("Authorization", it) }
        return newCall(request.build()).execute()
    }

    private fun currentToken() = runBlocking { session.fetchToken().getOrFail() }

    @Test
    fun `an authorized request carries the cached token and needs no token request`() {
        val cached = currentToken()
        client().get().use { response ->
            assertEquals(200, response.code)
            assertEquals("user_alice", response.body.string())
        }
        assertEquals(listOf("Bearer ${cached.jwt}"), backend.hits.map { it.authorization })
        assertEquals(0, fake.requestCount(FakeRoute.SESSION_TOKEN), "served from the cache")
    }

    @Test
    fun `options choose the token, and the interceptor replaces a header the request had`() {
        val template = runBlocking { session.fetchToken(GetTokenOptions(template = "test")).getOrFail() }
        client(ClerkAuthInterceptor(GetTokenOptions(template = "test")) { Clerk.session })
            .get(authorization = "Basic c29tZW9uZTplbHNl")
            .use { response -> assertEquals(200, response.code) }
        assertEquals(listOf("Bearer ${template.jwt}"), backend.hits.map { it.authorization })
        assertEquals(1, fake.requestCount(FakeRoute.TEMPLATE_TOKEN))
    }

    @Test
    fun `a 401 refreshes the token once and retries the request once`() {
        val cached = currentToken()
        backend.reject(cached.jwt)
        val post = Request.Builder().url(backend.url).post("order=42".toRequestBody()).build()
        client().newCall(post).execute().use { response ->
            assertEquals(200, response.code)
            assertEquals("user_alice", response.body.string())
        }
        assertEquals(1, fake.requestCount(FakeRoute.SESSION_TOKEN), "one refresh")
        val hits = backend.hits
        assertEquals(2, hits.size, "one retry")
        val fresh = currentToken()
        assertNotEquals(cached.jwt, fresh.jwt)
        assertEquals(listOf("Bearer ${cached.jwt}", "Bearer ${fresh.jwt}"), hits.map { it.authorization })
        assertEquals(listOf("POST" to "order=42", "POST" to "order=42"), hits.map { it.method to it.body })
        assertEquals(1, fake.requestCount(FakeRoute.SESSION_TOKEN), "the new token was cached")
    }

    @Test
    fun `a backend that always answers 401 is tried exactly twice and its 401 comes back`() {
        AppBackend.alwaysUnauthorized().use { always ->
            client().get(always.url).use { response ->
                assertEquals(401, response.code)
                assertEquals("rejects everything", response.body.string())
            }
            assertEquals(2, always.hits.size, "one retry, never a loop")
            val (first, second) = always.hits.map { it.authorization }
            assertNotEquals(first, second, "the retry carries a new token")
        }
        assertEquals(1, fake.requestCount(FakeRoute.SESSION_TOKEN), "one refresh")
    }

    @Test
    fun `signed out the request is sent without a header and not retried`() {
        runBlocking { Clerk.signOut().getOrFail() }
        val endedSession: Session = session
        for (interceptor in listOf(ClerkAuthInterceptor { Clerk.session }, ClerkAuthInterceptor { endedSession })) {
            client(interceptor).get(authorization = "Bearer stale").use { response -> assertEquals(401, response.code) }
        }
        assertEquals(listOf<String?>(null, null), backend.hits.map { it.authorization })
        assertEquals(0, fake.requestCount(FakeRoute.SESSION_TOKEN))
    }

    @Test
    fun `no token because of a failure fails the call with an IOException and sends nothing`() {
        val interceptor = ClerkAuthInterceptor(GetTokenOptions(template = "no_such_template")) { Clerk.session }
        val failure = assertFailsWith<IOException> { client(interceptor).get() }
        val cause = assertIs<ClerkException.Api>(failure.cause)
        assertEquals(404, cause.status)
        assertEquals(emptyList(), backend.hits)
    }

    @Test
    fun `a failed refresh after a 401 fails the call`() {
        backend.reject(currentToken().jwt)
        backend.onHit = { fake.failNext(FakeRoute.SESSION_TOKEN, status = 403) }
        val failure = assertFailsWith<IOException> { client().get() }
        assertEquals(403, assertIs<ClerkException.Api>(failure.cause).status)
        assertEquals(1, backend.hits.size)
        assertEquals(1, fake.requestCount(FakeRoute.SESSION_TOKEN))
    }

    @Test
    fun `a session that ends before the refresh gets the first 401 back`() {
        backend.reject(currentToken().jwt)
        backend.onHit = { runBlocking { Clerk.signOut().getOrFail() } }
        client().get().use { response ->
            assertEquals(401, response.code)
            assertEquals("revoked", response.body.string(), "the first response, still readable")
        }
        assertEquals(1, backend.hits.size)
        assertEquals(0, fake.requestCount(FakeRoute.SESSION_TOKEN))
    }

    @Test
    fun `a one-shot request body is not sent twice`() {
        backend.reject(currentToken().jwt)
        val oneShot = object : RequestBody() {
            override fun contentType(): MediaType? = null
            override fun isOneShot() = true
            override fun writeTo(sink: BufferedSink) {
                sink.writeUtf8("stream")
            }
        }
        client().newCall(Request.Builder().url(backend.url).post(oneShot).build()).execute().use { response ->
            assertEquals(401, response.code)
        }
        assertEquals(1, backend.hits.size)
        assertEquals(0, fake.requestCount(FakeRoute.SESSION_TOKEN))
    }

    @Test
    fun `a request without a session provider argument uses Clerk's session`() {
        val cached = currentToken()
        client(ClerkAuthInterceptor()).get().use { response -> assertEquals(200, response.code) }
        assertEquals(listOf("Bearer ${cached.jwt}"), backend.hits.map { it.authorization })
    }
}
