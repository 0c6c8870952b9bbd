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
import com.sun.net.httpserver.HttpServer
import kotlinx.coroutines.runBlocking
import okhttp3.HttpUrl.Companion.toHttpUrl
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
import java.net.InetAddress
import java.net.InetSocketAddress
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertNotEquals
import kotlin.test.assertNotNull

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

    /** The backend's origin, the one the interceptors here may authorize. */
    private val origin get() = originOf(backend.url)

    private fun client(interceptor: ClerkAuthInterceptor = ClerkAuthInterceptor(listOf(origin)) { Clerk.session }) =
        client(OkHttpClient.Builder().addInterceptor(interceptor))

    private fun client(builder: OkHttpClient.Builder) = builder.build().also { clients += it }

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
        client(ClerkAuthInterceptor(listOf(origin), GetTokenOptions(template = "test")) { Clerk.session })
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
            client(ClerkAuthInterceptor(listOf(originOf(always.url))) { Clerk.session }).get(always.url).use { response ->
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
        for (interceptor in listOf(ClerkAuthInterceptor(listOf(origin)) { Clerk.session }, ClerkAuthInterceptor(listOf(origin)) { endedSession })) {
            client(interceptor).get(authorization = "Bearer stale").use { response -> assertEquals(401, response.code) }
        }
        assertEquals(listOf<String?>(null, null), backend.hits.map { it.authorization })
        assertEquals(0, fake.requestCount(FakeRoute.SESSION_TOKEN))
    }

    @Test
    fun `no token because of a failure fails the call with an IOException and sends nothing`() {
        val interceptor = ClerkAuthInterceptor(listOf(origin), GetTokenOptions(template = "no_such_template")) { Clerk.session }
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
        client(ClerkAuthInterceptor(listOf(origin))).get().use { response -> assertEquals(200, response.code) }
        assertEquals(listOf("Bearer ${cached.jwt}"), backend.hits.map { it.authorization })
    }

    @Test
    fun `a request to a host outside the list leaves exactly as built, its own header included`() {
        val cached = currentToken()
        val asked = AtomicInteger()
        val client = client(ClerkAuthInterceptor(listOf(origin)) { asked.incrementAndGet(); Clerk.session })
        AppBackend.alwaysUnauthorized().use { cdn ->
            client.get(cdn.url, authorization = "Basic Y2RuOm93bg==").use { assertEquals(401, it.code) }
            client.get(cdn.url).use { assertEquals(401, it.code) }
            assertEquals(listOf("Basic Y2RuOm93bg==", null), cdn.hits.map { it.authorization }, "untouched, and never retried")
        }
        // Same port, another host name: another origin.
        client.get(backend.url.replace("127.0.0.1", "localhost")).use { assertEquals(401, it.code) }
        assertEquals(listOf<String?>(null), backend.hits.map { it.authorization })
        assertEquals(0, asked.get(), "the session is not even asked for")

        client.get().use { assertEquals(200, it.code) }
        assertEquals("Bearer ${cached.jwt}", backend.hits.last().authorization, "the listed origin is authorized")
        assertEquals(0, fake.requestCount(FakeRoute.SESSION_TOKEN))
    }

    @Test
    fun `origins that are not https (loopback aside), or not origins at all, are refused`() {
        val refused = listOf(
            "http://api.example.com", "http://10.0.0.2", "http://[::2]", "http://127.0.0.1.example.com",
            "ftp://127.0.0.1", "not an origin", "", "https://api.example.com/v1", "https://api.example.com?x=1",
            "https://user:secret@api.example.com",
        )
        for (text in refused) {
            assertFailsWith<IllegalArgumentException>(text) { ClerkAuthInterceptor(listOf(text)) }
        }
        assertFailsWith<IllegalArgumentException>("no default that matches everything") { ClerkAuthInterceptor(emptyList()) }

        val accepted = listOf(
            "https://api.example.com", "https://API.example.com:8443/", "http://localhost:8080", "http://127.0.0.1",
            "http://127.1.2.3:9", "http://[::1]:8080",
        )
        for (text in accepted) ClerkAuthInterceptor(listOf(text))
    }

    @Test
    fun `a redirect from an authorized origin to another host does not carry the token`() {
        val cached = currentToken()
        AppBackend.alwaysUnauthorized().use { elsewhere ->
            Redirect.to(elsewhere.url).use { redirect ->
                val interceptor = ClerkAuthInterceptor(listOf(originOf(redirect.url))) { Clerk.session }

                // OkHttp follows it and drops Authorization on leaving the origin; the 401
                // from there is not the token's, so nothing is refreshed or retried.
                client(interceptor).get(redirect.url).use { assertEquals(401, it.code) }
                assertEquals(listOf("Bearer ${cached.jwt}"), redirect.authorizations)
                assertEquals(listOf<String?>(null), elsewhere.hits.map { it.authorization })

                // A client that does not follow redirects hands the 307 back; following it
                // through the same client is a request to a host outside the list.
                val manual = client(OkHttpClient.Builder().followRedirects(false).addInterceptor(interceptor))
                val location = manual.get(redirect.url).use { response ->
                    assertEquals(307, response.code)
                    assertNotNull(response.header("Location"))
                }
                manual.get(location).use { assertEquals(401, it.code) }
                assertEquals(listOf<String?>(null, null), elsewhere.hits.map { it.authorization })
            }
        }
        assertEquals(0, fake.requestCount(FakeRoute.SESSION_TOKEN), "no refresh for another host's 401")
    }

    /** A server on 127.0.0.1 that answers every request with a 307 to [target]. */
    private class Redirect private constructor(target: String) : AutoCloseable {
        private val server = HttpServer.create(InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0)
        private val seen = CopyOnWriteArrayList<String?>()
        val url: String
        val authorizations: List<String?> get() = seen.toList()

        init {
            server.createContext("/") { exchange ->
                try {
                    seen += exchange.requestHeaders.getFirst("Authorization")
                    exchange.responseHeaders.add("Location", target)
                    exchange.sendResponseHeaders(307, -1)
                } finally {
                    exchange.close()
                }
            }
            server.start()
            url = "http://127.0.0.1:${server.address.port}/start"
        }

        override fun close() = server.stop(0)

        companion object {
            fun to(target: String) = Redirect(target)
        }
    }

    private companion object {
        fun originOf(url: String): String = url.toHttpUrl().let { "${it.scheme}://${it.host}:${it.port}" }
    }
}
