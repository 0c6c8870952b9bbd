package com.clerk.api.example

import com.clerk.api.Clerk
import com.clerk.api.ClerkResult
import com.clerk.api.ErrorType
import com.clerk.api.fetchToken
import com.clerk.api.isOffline
import com.clerk.api.testing.FakeClerk
import com.clerk.api.testing.FakeRoute
import com.sun.net.httpserver.HttpServer
import kotlinx.coroutines.future.await
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import java.net.InetSocketAddress
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.test.assertEquals
import kotlin.test.assertNotEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.minutes

/** The app's code under test: it calls the app's backend with the Clerk session token. */
class ApiClient(private val backendUrl: String) {
    sealed interface Outcome {
        data class Ok(val status: Int) : Outcome
        data object SignedOut : Outcome
        data class TryLater(val retryAfterSeconds: Double?) : Outcome
        data object Offline : Outcome
    }

    private val http = HttpClient.newHttpClient()

    suspend fun profile(): Outcome {
        val session = Clerk.session ?: return Outcome.SignedOut
        val token = when (val result = session.fetchToken()) {
            is ClerkResult.Success -> result.value
            is ClerkResult.Failure -> return when {
                result.errorType == ErrorType.NO_SESSION || result.error?.status == 401 -> Outcome.SignedOut
                result.isOffline -> Outcome.Offline
                else -> Outcome.TryLater(result.error?.retryAfterSeconds)
            }
        }
        val request = HttpRequest.newBuilder(URI("$backendUrl/profile"))
            .header("Authorization", "Bearer ${token.jwt}")
            .build()
        return Outcome.Ok(http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).await().statusCode())
    }
}

/** The app's test of that code, with the test kit's fake Clerk. */
class AppTokenTest {
    private val clerk = FakeClerk.start()
    private val backend = RecordingBackend()
    private val api = ApiClient(backend.url)

    @BeforeEach
    fun signIn() {
        clerk.configure(autoRefresh = false)
        runBlocking { clerk.signIn("user_123") }
    }

    @AfterEach
    fun stop() {
        clerk.close()
        backend.close()
    }

    @Test
    fun `calls carry the session token`() = runBlocking {
        assertEquals(ApiClient.Outcome.Ok(200), api.profile())
        assertTrue(backend.authorizations.single().startsWith("Bearer ey"))
        assertEquals(0, clerk.requestCount(FakeRoute.SESSION_TOKEN), "the token from sign-in, cached")
    }

    @Test
    fun `an expired token is replaced with one request`() = runBlocking {
        api.profile()
        clerk.advance(2.minutes)
        api.profile()
        api.profile()
        val (first, second, third) = backend.authorizations
        assertNotEquals(first, second)
        assertEquals(second, third)
        assertEquals(1, clerk.requestCount(FakeRoute.SESSION_TOKEN))
    }

    @Test
    fun `a rate limit is surfaced with its Retry-After`() = runBlocking {
        clerk.advance(2.minutes)
        clerk.failNext(FakeRoute.SESSION_TOKEN, status = 429, retryAfterSeconds = 600)
        assertEquals(ApiClient.Outcome.TryLater(600.0), api.profile())
        assertTrue(backend.authorizations.isEmpty(), "nothing was sent without a token")

        clerk.advance(10.minutes)
        assertEquals(ApiClient.Outcome.Ok(200), api.profile())
    }

    @Test
    fun `an outage is surfaced once the SDK's retries are spent`() = runBlocking {
        clerk.advance(2.minutes)
        clerk.failNext(FakeRoute.SESSION_TOKEN, status = 503, times = 10)
        assertEquals(ApiClient.Outcome.TryLater(null), api.profile())
        assertEquals(clerk.backoffs.size + 1, clerk.requestCount(FakeRoute.SESSION_TOKEN), "retried after each backoff")
    }

    @Test
    fun `offline the app says so at once, and works again when the network returns`() = runBlocking {
        api.profile()
        clerk.setOnline(false)
        assertEquals(ApiClient.Outcome.Ok(200), api.profile(), "the cached token needs no network")
        clerk.advance(2.minutes)
        assertEquals(ApiClient.Outcome.Offline, api.profile())
        assertEquals(0, clerk.requestCount(FakeRoute.SESSION_TOKEN))

        clerk.setOnline(true)
        assertEquals(ApiClient.Outcome.Ok(200), api.profile())
        assertEquals(1, clerk.requestCount(FakeRoute.SESSION_TOKEN))
    }

    @Test
    fun `a revoked session signs the user out`() = runBlocking {
        clerk.revoke(Clerk.session!!)
        clerk.advance(2.minutes)
        assertEquals(ApiClient.Outcome.SignedOut, api.profile())
        assertNull(Clerk.session)
    }
}

/** The app's backend, stood in for: answers 200 and remembers each Authorization header. */
private class RecordingBackend : AutoCloseable {
    val authorizations = CopyOnWriteArrayList<String>()
    private val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0).apply {
        createContext("/") { exchange ->
            authorizations += exchange.requestHeaders.getFirst("Authorization")
            exchange.sendResponseHeaders(200, -1)
            exchange.close()
        }
        start()
    }
    val url = "http://127.0.0.1:${server.address.port}"

    override fun close() = server.stop(0)
}
