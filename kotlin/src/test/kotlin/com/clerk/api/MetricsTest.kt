package com.clerk.api

import com.clerk.api.support.EmulatorTest
import com.clerk.api.support.getOrFail
import com.clerk.api.testing.FakeClerk
import com.clerk.api.testing.FakeRoute
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds

/** `Clerk.metrics` and `Clerk.requestMetrics` against the fake's own request counts. */
class MetricsTest : EmulatorTest() {
    private val refresh = GetTokenOptions(skipCache = true)

    /** Collects [Clerk.requestMetrics], subscribed before this returns (undispatched start). */
    private fun CoroutineScope.recordRequests(): Pair<Channel<RequestMetric>, Job> {
        val records = Channel<RequestMetric>(Channel.UNLIMITED)
        val job = launch(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
            Clerk.requestMetrics.collect { records.send(it) }
        }
        return records to job
    }

    private suspend fun Channel<RequestMetric>.next(): RequestMetric = withTimeout(10.seconds) { receive() }

    @Test
    fun `every attempt is recorded with its route, attempt, outcome, duration and bytes`() = runBlocking {
        val (records, collecting) = recordRequests()
        fake.failNext(FakeRoute.SESSION_TOKEN, status = 503, times = 2)
        session.fetchToken(refresh).getOrFail()
        session.fetchToken(GetTokenOptions(template = "missing", skipCache = true))

        val attempts = List(4) { records.next() }
        assertEquals(List(3) { RequestRoute.SESSION_TOKEN } + RequestRoute.TEMPLATE_TOKEN, attempts.map { it.route })
        assertEquals(listOf(1, 2, 3, 1), attempts.map { it.attempt })
        assertEquals(listOf(503, 503, 200, 404).map { RequestOutcome.Status(it) }, attempts.map { it.outcome })
        assertTrue(attempts.all { it.duration > Duration.ZERO }, "$attempts")
        assertTrue(attempts[2].responseBytes > 500, "the token's body: $attempts")
        collecting.cancel()
        assertTrue(records.tryReceive().isFailure, "no record beyond the attempts: $attempts")
    }

    @Test
    fun `the snapshot counts cache hits, misses, requests, retries and failures as the fake saw them`() = runBlocking {
        val before = Clerk.metrics
        session.fetchToken().getOrFail()
        session.fetchToken().getOrFail()
        fake.failNext(FakeRoute.SESSION_TOKEN, status = 503, times = 2)
        session.fetchToken(refresh).getOrFail()
        fake.failNext(FakeRoute.SESSION_TOKEN, status = 400)
        session.fetchToken(refresh)
        val after = Clerk.metrics

        assertEquals(2, after.cacheHits - before.cacheHits)
        assertEquals(2, after.cacheMisses - before.cacheMisses)
        assertEquals(fake.requestCount().toLong(), after.requests - before.requests)
        assertEquals(4, after.requests - before.requests)
        assertEquals(2, after.retries - before.retries)
        assertEquals(2, after.failed5xx - before.failed5xx)
        assertEquals(1, after.failed4xx - before.failed4xx)
        assertEquals(0, after.failedNetwork - before.failedNetwork)
        assertEquals(0, after.failedOffline - before.failedOffline)

        fake.setOnline(false)
        session.fetchToken(refresh)
        val offline = Clerk.metrics
        assertEquals(1, offline.failedOffline - after.failedOffline)
        assertEquals(after.requests, offline.requests, "nothing sent offline")
    }

    @Test
    fun `callers that share a request are counted as joined`() = runBlocking {
        advanceSecs(120)
        emu.addFault("""{"route":"session_token","times":1,"fault":{"kind":"hang"}}""")
        val before = Clerk.metrics
        val callers = List(5) { async(Dispatchers.Default) { session.fetchToken() } }
        emu.waitForRequests("session_token", 1)
        emu.releaseHangs()
        assertEquals(1, callers.awaitAll().map { it.getOrFail().jwt }.distinct().size)
        val after = Clerk.metrics

        // Callers that came after the token landed are hits; every other one joined the first.
        val misses = after.cacheMisses - before.cacheMisses
        assertEquals(5, misses + after.cacheHits - before.cacheHits)
        assertEquals(misses - 1, after.joinedCallers - before.joinedCallers)
        assertEquals(1, after.requests - before.requests)
        assertEquals(1, fake.requestCount(FakeRoute.SESSION_TOKEN))
    }

    @Test
    fun `background refreshes and their lead are counted`() = runBlocking {
        FakeClerk.start().use { device ->
            device.configure(autoRefresh = true)
            device.signIn("user_bob").fetchToken().getOrFail()
            assertEquals(null, Clerk.metrics.lastRefreshLead)
            // Each step passes the refresh due 10 s before expiry, and stops short of the expiry.
            repeat(2) { device.advance(55.seconds) }
            val metrics = Clerk.metrics
            assertTrue(metrics.backgroundRefreshes >= 2, "$metrics")
            assertEquals(device.requestCount().toLong(), metrics.requests, "the sign-in and the refreshes: $metrics")
            val lead = metrics.lastRefreshLead ?: error("no lead after a background refresh: $metrics")
            assertTrue(lead > Duration.ZERO, "landed before the old token expired: $metrics")
            assertTrue(metrics.minRefreshLead!! <= lead)
        }
    }

    @Test
    fun `a collector that stops is unsubscribed, and metrics read zero before configure`() = runBlocking {
        val (records, collecting) = recordRequests()
        collecting.cancel()
        collecting.join()
        session.fetchToken(refresh).getOrFail()
        assertTrue(records.tryReceive().isFailure)

        Clerk.reset()
        assertEquals(ClerkMetrics.NONE, Clerk.metrics)
        val (none, ended) = recordRequests()
        ended.join()
        assertTrue(none.tryReceive().isFailure, "completes at once without an engine")
    }

    @Test
    fun `records and counters never show a token`() = runBlocking {
        val (records, collecting) = recordRequests()
        val token = session.fetchToken(refresh).getOrFail()
        val text = "${records.next()} ${Clerk.metrics}"
        collecting.cancel()
        for (secret in listOfNotNull(token.jwt, tokenStore.token)) {
            assertFalse(secret in text, text)
            assertFalse(secret.take(16) in text, text)
        }
        assertFalse("eyJ" in text, text)
        assertTrue("SESSION_TOKEN" in text && "requests=" in text, text)
    }
}
