package com.clerk.api

import com.clerk.api.support.EmulatorTest
import com.clerk.api.support.getOrFail
import com.clerk.api.testing.FakeRoute
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertTrue
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds

/**
 * Background refresh as an Android app sees it: the facade's defaults (auto refresh on), the
 * fake's clock, which the test moves, and `Clerk.pause()`/`resume()` as the app's lifecycle
 * would call them.
 */
class BackgroundRefreshTest : EmulatorTest() {
    override val autoRefresh = true

    /** Lets background refresh catch up without moving time. */
    private suspend fun settled() = withTimeout(20_000) { fake.advance(Duration.ZERO) }

    @BeforeEach
    fun refresherSettled() = runBlocking { settled() }

    /** Moves the fake's clock (the server's and the SDK's) and waits for background refresh. */
    private suspend fun advanceMs(ms: Long) {
        withTimeout(20_000) { fake.advance(ms.milliseconds) }
    }

    private fun sessionTokenRequests() = fake.requestCount(FakeRoute.SESSION_TOKEN)

    /** Lets a collector just started on this thread's event loop reach its subscription. */
    private suspend fun subscribed() = repeat(3) { yield() }

    @Test
    fun `over ten simulated minutes of steady calls no caller waits for the network`() = runBlocking {
        var waited = 0
        repeat(600) {
            advanceMs(1_000)
            val before = sessionTokenRequests()
            val token = session.fetchToken().getOrFail()
            if (sessionTokenRequests() > before) waited++
            assertTrue(token.expiresAt * 1000 - emu.serverNowMs() > 10_000, "a token inside the buffer")
        }
        assertEquals(0, waited, "callers that waited for a network response")
        val requests = sessionTokenRequests()
        assertTrue(requests in 10..14, "$requests requests over 10 token lifetimes")
    }

    @Test
    fun `nothing is requested while paused and an expired token is left to the next caller`() = runBlocking {
        Clerk.pause()
        repeat(120) { advanceMs(5_000) }
        assertEquals(0, sessionTokenRequests(), "requests while paused")

        Clerk.resume()
        settled()
        assertEquals(0, sessionTokenRequests(), "an expired token is not refreshed in the background")
        session.fetchToken().getOrFail()
        assertEquals(1, sessionTokenRequests(), "fetched on demand")
        repeat(60) { advanceMs(1_000) }
        assertEquals(2, sessionTokenRequests(), "the refresher took over from the new token")
    }

    @Test
    fun `resuming with a stale token refreshes it at once`() = runBlocking {
        Clerk.pause()
        advanceMs(52_000)
        Clerk.resume()
        settled()
        assertEquals(1, sessionTokenRequests())
    }

    @Test
    fun `repeated failures back off exponentially and keep the valid token`() = runBlocking {
        // A body that is not JSON is not retried inside the request, so each failure reaches
        // the refresher's own backoff.
        emu.addFault("""{"route":"session_token","times":1000,"fault":{"kind":"raw_body","status":200,"body":"<html>"}}""")
        advanceMs(44_000) // just before the refresh falls due
        val attemptsAt = mutableListOf<Long>()
        repeat(200) {
            advanceMs(100)
            if (sessionTokenRequests() > attemptsAt.size) attemptsAt += emu.serverNowMs()
        }
        assertTrue(attemptsAt.size >= 3, "attempts at $attemptsAt")
        attemptsAt.zipWithNext { a, b -> b - a }.forEachIndexed { n, gap ->
            val ceiling = 1_000L shl n
            assertTrue(gap >= ceiling / 2 && gap <= ceiling + 100, "gap $n was $gap ms: $attemptsAt")
        }
        assertTrue(session.isActive, "failed refreshes do not end the session")
    }

    @Test
    fun `a 503 with Retry-After is honoured`() = runBlocking {
        // Beyond what a request waits out itself, so the refresher must honour it.
        emu.addFault("""{"route":"session_token","fault":{"kind":"status","status":503,"retry_after":"31"}}""")
        advanceMs(48_000)
        assertEquals(1, sessionTokenRequests())
        repeat(11) { advanceMs(1_000) }
        assertEquals(1, sessionTokenRequests(), "no attempt before Retry-After, nor after expiry")
        val token = session.fetchToken().getOrFail()
        assertEquals(2, sessionTokenRequests(), "the next caller fetches on demand")
        assertTrue(token.expiresAt * 1000 > emu.serverNowMs())
    }

    @Test
    fun `sign-out stops the refresher and events say so`() = runBlocking {
        val events = async { Clerk.events.take(2).toList() }
        subscribed()
        advanceMs(48_000)
        Clerk.signOut().getOrFail()
        val (refreshed, ended) = withTimeout(10_000) { events.await() }
        assertIs<ClerkEvent.TokenRefreshed>(refreshed)
        assertEquals(session.fetchToken().let { it as? ClerkResult.Failure }?.errorType, ErrorType.NO_SESSION)
        assertEquals(ClerkEvent.SessionEnded(session.id, "ended", null), ended)

        fake.resetRequestCounts()
        repeat(60) { advanceMs(10_000) }
        assertEquals(0, sessionTokenRequests())
    }

    @Test
    fun `a refreshed token in an event is the one fetchToken returns`() = runBlocking {
        val event = async { Clerk.events.take(1).toList().single() }
        subscribed()
        advanceMs(48_000)
        val refreshed = assertIs<ClerkEvent.TokenRefreshed>(withTimeout(10_000) { event.await() })
        assertEquals(null, refreshed.template)
        assertEquals(refreshed.token, session.fetchToken().getOrFail())
        assertTrue(!refreshed.toString().contains(refreshed.token.jwt), "events do not print tokens")
    }
}
