package com.clerk.api

import com.clerk.api.support.EmulatorTest
import com.clerk.api.support.ShippedLibrary
import com.clerk.api.support.failureOrFail
import com.clerk.api.support.getOrFail
import com.clerk.api.testing.FakeRoute
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

class ClerkTest : EmulatorTest() {
    @Test
    fun `the signed-in session is Clerk's session`() {
        val active = assertNotNull(Clerk.session)
        assertEquals(session.id, active.id)
        assertEquals("user_alice", active.userId)
        assertTrue(active.isActive)
    }

    @Test
    fun `after sign-out there is no session and no token, without a request`() = runBlocking {
        Clerk.signOut().getOrFail()
        assertNull(Clerk.session)
        assertTrue(!session.isActive)

        val failure = session.fetchToken().failureOrFail()
        assertEquals(ErrorType.NO_SESSION, failure.errorType)
        assertNull(failure.error)
        assertEquals(0, fake.requestCount(FakeRoute.SESSION_TOKEN))
        assertEquals(1, fake.requestCount(FakeRoute.SIGN_OUT))
    }

    @Test
    fun `load restores the session from the device token store`() = runBlocking {
        assertNotNull(tokenStore.token, "signing in saved the device token")
        // A new engine on the same store, as after an app restart.
        fake.configure(autoRefresh = false, tokenStore = tokenStore)
        val loaded = assertNotNull(Clerk.load().getOrFail())
        assertEquals(session.id, loaded.id)
        assertEquals(session.id, Clerk.session?.id)
        loaded.fetchToken().getOrFail()
        assertEquals(1, fake.requestCount(FakeRoute.CLIENT))
    }

    @Test
    fun `signing in with a bad ticket is an API failure`() = runBlocking {
        val failure = Clerk.signInWithTicket("not-a-ticket").failureOrFail()
        assertEquals(ErrorType.API, failure.errorType)
        assertEquals(422, failure.error?.status)
        assertEquals("ticket_invalid", failure.error?.errors?.first()?.code)
    }

    @Test
    fun `before configure nothing crashes and every call says so`() = runBlocking {
        Clerk.reset()
        assertNull(Clerk.session)
        for (result in listOf(Clerk.load(), Clerk.signInWithTicket("ticket"), Clerk.signOut())) {
            val failure = result.failureOrFail()
            assertEquals(ErrorType.CONFIGURATION, failure.errorType)
            assertIs<IllegalStateException>(failure.throwable)
            assertTrue("configure" in failure.throwable.message.orEmpty())
        }
    }

    @Test
    fun `an invalid configuration is rejected at configure`() {
        assertFailsWith<IllegalArgumentException> { Clerk.configure() }
        assertFailsWith<IllegalArgumentException> { Clerk.configure(publishableKey = "pk_test_garbage") }
        assertFailsWith<IllegalArgumentException> {
            Clerk.configure(frontendApiUrl = fake.frontendApiUrl, requestTimeoutSeconds = 0.0)
        }
        assertEquals(session.id, Clerk.session?.id, "the previous configuration stays in place")
    }

    @Test
    @ShippedLibrary
    fun `the core rejects an invalid configuration with its reason`() {
        val rejected = assertFailsWith<IllegalArgumentException> { Clerk.configure(publishableKey = "pk_test_garbage") }
        val reason = assertIs<ClerkException.Configuration>(rejected.cause)
        assertTrue(reason.detail.isNotBlank())
        assertTrue(reason.detail in rejected.message.orEmpty(), rejected.message)
        assertNull(Clerk.session)
    }

    @Test
    @ShippedLibrary
    fun `the library is this build's version`() {
        assertEquals(System.getProperty("clerk.test.version"), SdkInfo.version)
    }

    @Test
    fun `requests name this SDK and its version`() = runBlocking {
        session.fetchToken(GetTokenOptions(skipCache = true)).getOrFail()
        val headers = emu.requests("session_token").single().getValue("headers").jsonObject
        assertEquals("clerk-kit-kotlin/${SdkInfo.version}", headers["x-clerk-sdk"]?.jsonPrimitive?.content)
        assertTrue(SdkInfo.version.matches(Regex("""\d+\.\d+\.\d+.*""")), "the workspace version: ${SdkInfo.version}")
    }

    @Test
    fun `the SDK's clock is the fake's, which is the server's`() = runBlocking {
        val token = session.fetchToken().getOrFail()
        assertEquals(fake.now.epochSecond, token.issuedAt)
        assertEquals(fake.now.toEpochMilli(), emu.serverNowMs())
        advanceSecs(30)
        assertEquals(fake.now.toEpochMilli(), emu.serverNowMs())
        assertEquals(30, fake.now.epochSecond - token.issuedAt)
    }
}
