package com.clerk.api

import com.clerk.api.support.EmulatorTest
import com.clerk.api.support.ShippedLibrary
import com.clerk.api.support.failureOrFail
import com.clerk.api.support.getOrFail
import com.clerk.api.testing.FakeRoute
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import java.nio.charset.CharacterCodingException
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotNull
import kotlin.test.assertNotSame
import kotlin.test.assertNull
import kotlin.test.assertSame
import kotlin.test.assertTrue

/** The one-call cache peek behind fetchToken answers exactly as the generated cachedToken. */
class TokenPeekTest : EmulatorTest() {
    @Test
    @ShippedLibrary
    fun `the library exports the peek's functions`() {
        assertTrue(TokenPeek.bound(), "clerkkit_peek_token and clerkkit_peeked_token are not in this libclerkkit")
    }

    @Test
    fun `the peek serves what cachedToken serves, for every kind of option, as time passes`() = runBlocking {
        session.fetchToken(GetTokenOptions(template = "test")).getOrFail()
        session.fetchToken(GetTokenOptions(organizationId = "org_1")).getOrFail()
        fake.resetRequestCounts()
        val peek = assertNotNull(TokenPeek.of(session))
        val cases = listOf(
            GetTokenOptions(template = "test"),
            GetTokenOptions(organizationId = "org_1"),
            GetTokenOptions(organizationId = ""),
            GetTokenOptions(template = "unknown"),
            GetTokenOptions(skipCache = true),
        ) + listOf(0L, 10, 29, 31, 59, 60, 600, -5).map { GetTokenOptions(expirationBuffer = it) }

        // Fresh, then the session token with about 30 s left, then expired.
        val hits = listOf(0L, 29, 40).map { seconds ->
            advanceSecs(seconds)
            cases.count { options ->
                val expected = session.native.cachedToken(options.toNative())?.toTokenResource()
                assertEquals(expected, peek.peek(options), "$options after another $seconds s")
                expected != null
            }
        }
        assertTrue(hits[0] > hits[1] && hits[1] > hits[2], "fewer hits as time passes: $hits")
        assertNull(peek.peek(GetTokenOptions(expirationBuffer = 0)), "the session token expired")
        assertEquals(0, fake.requestCount(FakeRoute.SESSION_TOKEN) + fake.requestCount(FakeRoute.TEMPLATE_TOKEN))
    }

    @Test
    fun `an unchanged token comes back as the same object, a new one as a new object`() = runBlocking {
        val first = session.fetchToken().getOrFail()
        assertSame(first, session.fetchToken().getOrFail())
        advanceSecs(1)
        val fresh = session.fetchToken(GetTokenOptions(skipCache = true)).getOrFail()
        val next = session.fetchToken().getOrFail()
        assertEquals(fresh, next)
        assertNotSame(first, next)
        assertEquals(1, fake.requestCount(FakeRoute.SESSION_TOKEN))
    }

    @Test
    fun `after sign-out the peek finds nothing and fetchToken fails with NO_SESSION`() = runBlocking {
        session.fetchToken().getOrFail()
        Clerk.signOut().getOrFail()
        assertNull(TokenPeek.of(session)?.peek(GetTokenOptions()))
        assertEquals(ErrorType.NO_SESSION, session.fetchToken().failureOrFail().errorType)
    }

    @Test
    fun `a closed session object is refused as the generated calls refuse it`() = runBlocking {
        val other = assertNotNull(Clerk.session)
        assertEquals(session.fetchToken().getOrFail(), other.fetchToken().getOrFail())
        other.native.close()
        assertNull(TokenPeek.of(other))
        assertFailsWith<IllegalStateException> { other.fetchToken() }
        session.fetchToken().getOrFail()
        Unit
    }

    @Test
    fun `text that is not UTF-16 fails as it does in the generated bindings`() = runBlocking {
        assertNull(assertNotNull(TokenPeek.of(session)).peek(GetTokenOptions(template = "\uD800")))
        assertFailsWith<CharacterCodingException> { session.fetchToken(GetTokenOptions(template = "\uD800")) }
        Unit
    }
}
