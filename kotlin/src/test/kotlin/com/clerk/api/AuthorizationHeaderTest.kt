package com.clerk.api

import com.clerk.api.support.EmulatorTest
import com.clerk.api.support.getOrFail
import com.clerk.api.testing.FakeRoute
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertNotEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue

class AuthorizationHeaderTest : EmulatorTest() {
    @Test
    fun `the header is Bearer and the current token, from the cache`() = runBlocking {
        val header = session.authorizationHeader()
        val current = session.fetchToken().getOrFail()
        assertEquals("Bearer ${current.jwt}", header)
        assertEquals(0, fake.requestCount(FakeRoute.SESSION_TOKEN), "the token from sign-in is served from the cache")
    }

    @Test
    fun `options choose the token`() = runBlocking {
        val template = session.authorizationHeader(GetTokenOptions(template = "test"))
        assertEquals("Bearer ${session.fetchToken(GetTokenOptions(template = "test")).getOrFail().jwt}", template)
        assertEquals(1, fake.requestCount(FakeRoute.TEMPLATE_TOKEN))

        advanceSecs(1)
        val cached = session.fetchToken().getOrFail()
        val fresh = session.authorizationHeader(GetTokenOptions(skipCache = true))
        assertNotEquals("Bearer ${cached.jwt}", fresh)
        assertEquals("Bearer ${session.fetchToken().getOrFail().jwt}", fresh, "the new token is cached")
        assertEquals(1, fake.requestCount(FakeRoute.SESSION_TOKEN))
    }

    @Test
    fun `signed out there is no header, without a request`() = runBlocking {
        Clerk.signOut().getOrFail()
        assertNull(session.authorizationHeader())
        assertNull(session.authorizationHeader(GetTokenOptions(skipCache = true)))
        assertEquals(0, fake.requestCount(FakeRoute.SESSION_TOKEN))
    }

    @Test
    fun `a revoked session throws its API error once, then has no header`() = runBlocking {
        fake.revoke(session)
        advanceSecs(52)
        val revoked = assertFailsWith<ClerkException.Api> { session.authorizationHeader() }
        assertEquals(401, revoked.status)
        assertEquals("session_revoked", revoked.errors.first().code)
        assertNull(session.authorizationHeader())
        assertEquals(1, fake.requestCount(FakeRoute.SESSION_TOKEN))
    }

    @Test
    fun `failures throw the core's exception instead of returning no header`() = runBlocking {
        val missing = assertFailsWith<ClerkException.Api> {
            session.authorizationHeader(GetTokenOptions(template = "no_such_template"))
        }
        assertEquals(404, missing.status)
        assertEquals("resource_not_found", missing.errors.first().code)

        emu.addFault("""{"route":"session_token","times":10,"fault":{"kind":"drop_connection"}}""")
        val network = assertFailsWith<ClerkException.Network> {
            session.authorizationHeader(GetTokenOptions(skipCache = true))
        }
        assertTrue(network.detail.isNotBlank())
        assertEquals(4, fake.requestCount(FakeRoute.SESSION_TOKEN), "retried by the core, then given up")
    }

    @Test
    fun `cancelling the caller throws CancellationException and the token still lands in the cache`() = runBlocking {
        advanceSecs(55)
        emu.addFault("""{"route":"session_token","fault":{"kind":"hang"}}""")

        var outcome: Any? = null
        val caller = launch(Dispatchers.Default) {
            try {
                outcome = session.authorizationHeader()
            } catch (e: CancellationException) {
                outcome = e
                throw e
            }
        }
        withContext(Dispatchers.IO) { emu.waitForRequests("session_token", 1) }
        caller.cancelAndJoin()
        assertIs<CancellationException>(outcome)

        withContext(Dispatchers.IO) { emu.releaseHangs() }
        val next = session.authorizationHeader()
        assertEquals("Bearer ${session.fetchToken().getOrFail().jwt}", next)
        assertEquals(1, fake.requestCount(FakeRoute.SESSION_TOKEN), "the cancelled caller's request served the next call")
    }
}
