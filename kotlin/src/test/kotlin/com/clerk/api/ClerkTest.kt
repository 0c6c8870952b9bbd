package com.clerk.api

import com.clerk.api.support.Emulator
import com.clerk.api.support.EmulatorTest
import com.clerk.api.support.failureOrFail
import com.clerk.api.support.getOrFail
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
        assertEquals(session.id(), active.id())
        assertEquals("user_alice", active.userId())
        assertTrue(active.isActive())
    }

    @Test
    fun `after sign-out there is no session and no token, without a request`() = runBlocking {
        Clerk.signOut().getOrFail()
        assertNull(Clerk.session)
        assertTrue(!session.isActive())

        val failure = session.fetchToken().failureOrFail()
        assertEquals(ErrorType.NO_SESSION, failure.errorType)
        assertNull(failure.error)
        assertEquals(0, emu.count("session_token"))
        assertEquals(1, emu.count("end_session"))
    }

    @Test
    fun `load restores the session from the device token store`() = runBlocking {
        assertNotNull(tokenStore.token, "signing in saved the device token")
        // A new engine on the same store, as after an app restart.
        Clerk.configure(frontendApiUrl = emu.url, tokenStore = tokenStore, autoRefresh = false, clock = clock)
        val loaded = assertNotNull(Clerk.load().getOrFail())
        assertEquals(session.id(), loaded.id())
        assertEquals(session.id(), Clerk.session?.id())
        loaded.fetchToken().getOrFail()
        assertEquals(1, emu.count("client"))
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
            Clerk.configure(frontendApiUrl = emu.url, requestTimeoutSeconds = 0.0)
        }
        assertEquals(session.id(), Clerk.session?.id(), "the previous configuration stays in place")
    }

    @Test
    fun `requests name this SDK and its version`() = runBlocking {
        session.fetchToken(GetTokenOptions(skipCache = true)).getOrFail()
        val headers = emu.requests("session_token").single().getValue("headers").jsonObject
        assertEquals("clerk-kit-kotlin/${SdkInfo.version}", headers["x-clerk-sdk"]?.jsonPrimitive?.content)
        assertTrue(SdkInfo.version.matches(Regex("""\d+\.\d+\.\d+.*""")), "version from the build: ${SdkInfo.version}")
    }

    @Test
    fun `the device clock starts where the emulator's does`() {
        assertEquals(Emulator.START_MS, clock.nowMs())
        assertEquals(Emulator.START_MS, emu.serverNowMs())
    }
}
