package com.clerk.api

import com.clerk.api.support.EmulatorTest
import com.clerk.api.support.failureOrFail
import com.clerk.api.support.getOrFail
import com.clerk.api.testing.FakeClerk
import com.clerk.api.testing.FakeRoute
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds

/** Connectivity as an input (the test kit's switch and the platform monitor's hook) and the call deadline. */
class NetworkLifeTest : EmulatorTest() {
    private val refresh = GetTokenOptions(skipCache = true)

    @Test
    fun `offline a call that needs the network fails at once, typed, and sends nothing`() = runBlocking {
        fake.setOnline(false)
        val failure = session.fetchToken(refresh).failureOrFail()
        assertEquals(ErrorType.NETWORK, failure.errorType)
        assertEquals(NetworkReason.OFFLINE, failure.networkReason)
        assertTrue(failure.isOffline)
        assertEquals(NetworkReason.OFFLINE, assertIs<ClerkException.Network>(failure.throwable).reason)
        assertEquals(0, fake.requestCount(FakeRoute.ANY))
        assertEquals(emptyList(), fake.backoffs, "no retry waited for")
        assertEquals(1, Clerk.metrics.failedOffline)

        fake.setOnline(true)
        session.fetchToken(refresh).getOrFail()
        assertEquals(1, fake.requestCount(FakeRoute.SESSION_TOKEN))
    }

    @Test
    fun `offline a fresh cached token is still served, and an expired one is not fetched`() = runBlocking {
        val cached = session.fetchToken().getOrFail()
        fake.setOnline(false)
        assertEquals(cached.jwt, session.fetchToken().getOrFail().jwt)

        advanceSecs(61)
        assertTrue(session.fetchToken().failureOrFail().isOffline)
        assertTrue(session.isActive, "being offline ends no session")
        assertEquals(0, fake.requestCount(FakeRoute.ANY))
    }

    @Test
    fun `a server that cannot be reached is unreachable, not offline`() = runBlocking {
        emu.addFault("""{"route":"session_token","times":10,"fault":{"kind":"drop_connection"}}""")
        val failure = session.fetchToken(refresh).failureOrFail()
        assertEquals(ErrorType.NETWORK, failure.errorType)
        assertEquals(NetworkReason.UNREACHABLE, failure.networkReason)
        assertFalse(failure.isOffline)
        assertTrue(fake.backoffs.isNotEmpty(), "retried first")
    }

    @Test
    fun `only network failures have a network reason`() = runBlocking {
        fake.failNext(FakeRoute.SESSION_TOKEN, status = 404)
        val failure = session.fetchToken(refresh).failureOrFail()
        assertEquals(ErrorType.API, failure.errorType)
        assertNull(failure.networkReason)
        assertFalse(failure.isOffline)
    }

    @Test
    fun `back online a stale token is refreshed at once, in the background`() = runBlocking {
        // A fake of its own: one engine on it, with background refresh on as apps have it.
        FakeClerk.start().use { device ->
            device.configure(autoRefresh = true)
            val signedIn = device.signIn("user_bob")
            val first = signedIn.fetchToken().getOrFail()
            device.setOnline(false)
            device.advance(52.seconds)
            device.resetRequestCounts()
            device.setOnline(true)
            assertEquals(1, device.requestCount(FakeRoute.SESSION_TOKEN), "refreshed when the network returned")
            val next = signedIn.fetchToken().getOrFail()
            assertNotEquals(first.jwt, next.jwt)
            assertEquals(1, device.requestCount(FakeRoute.SESSION_TOKEN), "then served from the cache")
        }
    }

    @Test
    fun `an engine configured while the fake is offline starts offline`() = runBlocking {
        fake.setOnline(false)
        fake.configure(autoRefresh = false, tokenStore = tokenStore)
        assertTrue(Clerk.load().failureOrFail().isOffline)
        assertEquals(0, fake.requestCount(FakeRoute.ANY))
    }

    @Test
    fun `the platform monitor's report reaches the engine and every engine configured after it`() = runBlocking {
        Clerk.networkChanged(false)
        assertTrue(session.fetchToken(refresh).failureOrFail().isOffline)

        fake.configure(autoRefresh = false, tokenStore = tokenStore)
        val loaded = Clerk.load()
        assertTrue(loaded.failureOrFail().isOffline, "a new engine starts as the monitor last said")

        Clerk.networkChanged(true)
        val restored = Clerk.load().getOrFail()!!
        restored.fetchToken(refresh).getOrFail()
        assertEquals(1, Clerk.metrics.failedOffline, "the one offline call of this engine")
    }

    @Test
    fun `the deadline given to configure ends a call while the request goes on and lands`() = runBlocking {
        Clerk.configure(frontendApiUrl = fake.frontendApiUrl, tokenStore = tokenStore, autoRefresh = false, callDeadlineSeconds = 0.2)
        val loaded = Clerk.load().getOrFail()!!
        val first = loaded.fetchToken().getOrFail()
        advanceSecs(51)
        emu.addFault("""{"route":"session_token","times":1,"fault":{"kind":"hang"}}""")
        val failure = loaded.fetchToken(refresh).failureOrFail()
        assertEquals(ErrorType.TIMEOUT, failure.errorType)
        assertIs<ClerkException.Timeout>(failure.throwable)

        // The request that call left goes on: released, its token is the next call's, with no
        // request of its own (a per-call deadline longer than the engine's lets it wait for it).
        emu.releaseHangs()
        val next = loaded.fetchToken(GetTokenOptions(deadline = 5.seconds)).getOrFail()
        assertNotEquals(first.jwt, next.jwt)
        assertEquals(1, emu.count("session_token"))
    }

    @Test
    fun `a deadline that is not positive is refused at configure`() {
        assertFailsWith<IllegalArgumentException> {
            Clerk.configure(frontendApiUrl = fake.frontendApiUrl, callDeadlineSeconds = 0.0)
        }
        assertFailsWith<IllegalArgumentException> {
            Clerk.configure(frontendApiUrl = fake.frontendApiUrl, callDeadlineSeconds = Double.NaN)
        }
    }
}
