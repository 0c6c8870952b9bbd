package com.clerk.api

import com.clerk.api.support.EmulatorTest
import com.clerk.api.support.assertDifferentToken
import com.clerk.api.support.assertSameToken
import com.clerk.api.support.claims
import com.clerk.api.support.failureOrFail
import com.clerk.api.support.getOrFail
import com.clerk.api.testing.FakeRoute
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import org.junit.jupiter.api.Test
import kotlin.coroutines.Continuation
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.coroutines.intrinsics.COROUTINE_SUSPENDED
import kotlin.coroutines.intrinsics.startCoroutineUninterceptedOrReturn
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertTrue
import kotlin.test.fail

class FetchTokenTest : EmulatorTest() {
    @Test
    fun `a fresh cached token comes back without a request and without suspending`() {
        val first = runBlocking { session.fetchToken() }.getOrFail()
        assertEquals(60, first.expiresAt - first.issuedAt)

        val call: suspend () -> ClerkResult<TokenResource, ClerkErrorResponse> = { session.fetchToken() }
        val outcome = call.startCoroutineUninterceptedOrReturn(
            Continuation(EmptyCoroutineContext) { fail("a cache hit must not suspend") },
        )
        assertTrue(outcome !== COROUTINE_SUSPENDED, "a cache hit must not suspend")
        @Suppress("UNCHECKED_CAST")
        val second = (outcome as ClerkResult<TokenResource, ClerkErrorResponse>).getOrFail()
        assertSameToken(first, second)
        assertEquals(0, fake.requestCount(FakeRoute.SESSION_TOKEN))
    }

    @Test
    fun `a template token is fetched once and cached apart from the session token`() = runBlocking {
        val sessionToken = session.fetchToken().getOrFail()
        val template = session.fetchToken(GetTokenOptions(template = "test")).getOrFail()
        assertDifferentToken(sessionToken, template)
        assertEquals(120, template.expiresAt - template.issuedAt)
        assertEquals("test", template.claims()["aud"])

        assertSameToken(template, session.fetchToken(GetTokenOptions(template = "test")).getOrFail())
        assertSameToken(sessionToken, session.fetchToken().getOrFail())
        assertEquals(1, fake.requestCount(FakeRoute.TEMPLATE_TOKEN))
        assertEquals(0, fake.requestCount(FakeRoute.SESSION_TOKEN))
    }

    @Test
    fun `skipCache fetches a new token, which then serves later calls`() = runBlocking {
        val cached = session.fetchToken().getOrFail()
        // A second later, so the new token is strictly newer: the cache keeps the newest token
        // by issue time, and of two issued in the same second, the one it already has.
        advanceSecs(1)
        val fresh = session.fetchToken(GetTokenOptions(skipCache = true)).getOrFail()
        assertDifferentToken(cached, fresh)
        assertEquals(1, fake.requestCount(FakeRoute.SESSION_TOKEN))

        assertSameToken(fresh, session.fetchToken().getOrFail(), "the new token serves later calls:")
        assertEquals(1, fake.requestCount(FakeRoute.SESSION_TOKEN))
    }

    @Test
    fun `expirationBuffer decides when a cached token is refreshed`() = runBlocking {
        val cached = session.fetchToken().getOrFail()
        advanceSecs(45) // 15 s left

        assertSameToken(cached, session.fetchToken().getOrFail(), "the default 10 s buffer keeps it:")
        assertEquals(0, fake.requestCount(FakeRoute.SESSION_TOKEN))

        val refreshed = session.fetchToken(GetTokenOptions(expirationBuffer = 20)).getOrFail()
        assertDifferentToken(cached, refreshed, "a 20 s buffer refreshes it:")
        assertEquals(1, fake.requestCount(FakeRoute.SESSION_TOKEN))
        assertSameToken(refreshed, session.fetchToken().getOrFail())
    }

    @Test
    fun `200 concurrent callers share exactly one request`() = runBlocking(Dispatchers.Default) {
        advanceSecs(55) // the cached token is within the buffer: everyone needs a new one
        emu.addFault("""{"route":"session_token","fault":{"kind":"hang"}}""")

        // UNDISPATCHED: each caller has entered the core before the next one starts, and all
        // of them before the (held) request is answered.
        val calls = List(200) { async(start = CoroutineStart.UNDISPATCHED) { session.fetchToken() } }
        withContext(Dispatchers.IO) {
            emu.waitForRequests("session_token", 1)
            emu.releaseHangs()
        }
        val tokens = calls.awaitAll().map { it.getOrFail() }

        assertEquals(1, tokens.map { it.jwt }.distinct().size, "every caller gets the same token")
        assertEquals(1, fake.requestCount(FakeRoute.SESSION_TOKEN))
    }

    @Test
    fun `a cancelled caller leaves the request running and its token in the cache`() = runBlocking {
        val stale = session.fetchToken().getOrFail()
        advanceSecs(55)
        emu.addFault("""{"route":"session_token","fault":{"kind":"hang"}}""")

        var outcome: Any? = null
        val caller = launch(Dispatchers.Default) {
            try {
                outcome = session.fetchToken()
            } catch (e: CancellationException) {
                outcome = e
                throw e
            }
        }
        withContext(Dispatchers.IO) { emu.waitForRequests("session_token", 1) }
        caller.cancelAndJoin()
        assertTrue(caller.isCancelled)
        assertIs<CancellationException>(outcome, "cancellation propagates as cancellation, not a Failure")

        withContext(Dispatchers.IO) { emu.releaseHangs() }
        val next = session.fetchToken().getOrFail()
        assertDifferentToken(stale, next)
        assertTrue(next.expiresAt * 1000 - emu.serverNowMs() > 58_000)
        assertEquals(1, fake.requestCount(FakeRoute.SESSION_TOKEN), "the next call reuses the cancelled caller's request")
    }

    @Test
    fun `an unknown template is an API failure with the server's code, status and trace id`() = runBlocking {
        val failure = session.fetchToken(GetTokenOptions(template = "no_such_template")).failureOrFail()
        assertEquals(ErrorType.API, failure.errorType)
        val error = failure.error ?: fail("an API failure carries the server's error")
        assertEquals(404, error.status)
        assertEquals("resource_not_found", error.errors.first().code)
        assertTrue(!error.clerkTraceId.isNullOrBlank(), "the trace id is kept")
        assertIs<ClerkException.Api>(failure.throwable)
        assertEquals(1, fake.requestCount(FakeRoute.TEMPLATE_TOKEN), "a 404 is not retried")
    }

    @Test
    fun `the server's error details arrive whole`() = runBlocking {
        emu.addFault(
            """{"route":"session_token","fault":{"kind":"status","status":429,"retry_after":"3600",
               "code":"too_many_requests","message":"Slow down","long_message":"Try again later",
               "meta":{"param_name":"organization_id"}}}""",
        )
        val failure = session.fetchToken(GetTokenOptions(skipCache = true)).failureOrFail()
        assertEquals(ErrorType.API, failure.errorType)
        val error = failure.error ?: fail("an API failure carries the server's error")
        assertEquals(429, error.status)
        assertEquals(3600.0, error.retryAfterSeconds)
        val first = error.errors.single()
        assertEquals("too_many_requests", first.code)
        assertEquals("Slow down", first.message)
        assertEquals("Try again later", first.longMessage)
        assertEquals(mapOf("param_name" to "organization_id"), first.meta)
        assertEquals(1, fake.requestCount(FakeRoute.SESSION_TOKEN), "a Retry-After beyond the bound is reported at once")
    }

    @Test
    fun `a network failure carries its detail in the throwable`() = runBlocking {
        emu.addFault("""{"route":"session_token","times":10,"fault":{"kind":"drop_connection"}}""")
        val failure = session.fetchToken(GetTokenOptions(skipCache = true)).failureOrFail()
        assertEquals(ErrorType.NETWORK, failure.errorType)
        assertEquals(null, failure.error)
        val network = assertIs<ClerkException.Network>(failure.throwable)
        assertTrue(network.detail.isNotBlank())
        assertEquals(4, fake.requestCount(FakeRoute.SESSION_TOKEN), "retried, then given up")
        assertEquals(3, fake.backoffs.size, "with a backoff wait between attempts")
    }

    @Test
    fun `a revoked session fails with session_revoked, then with NO_SESSION`() = runBlocking {
        fake.revoke(session)
        advanceSecs(52)

        val revoked = session.fetchToken().failureOrFail()
        assertEquals(ErrorType.API, revoked.errorType)
        assertEquals(401, revoked.error?.status)
        assertEquals("session_revoked", revoked.error?.errors?.first()?.code)
        assertTrue(!session.isActive)

        val ended = session.fetchToken().failureOrFail()
        assertEquals(ErrorType.NO_SESSION, ended.errorType)
        assertEquals(null, Clerk.session)
        assertEquals(1, fake.requestCount(FakeRoute.SESSION_TOKEN))
    }
}
