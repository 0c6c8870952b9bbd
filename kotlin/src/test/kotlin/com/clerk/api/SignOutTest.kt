package com.clerk.api

import com.clerk.api.support.EmulatorTest
import com.clerk.api.support.InMemoryTokenStore
import com.clerk.api.support.failureOrFail
import com.clerk.api.support.getOrFail
import com.clerk.api.testing.FakeRoute
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.Test
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.Arguments
import org.junit.jupiter.params.provider.MethodSource
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/**
 * The sign-out rule, which lives in the engine (core `end_session`) and nowhere in the facade:
 * when a sign-out leaves no session, the device token is gone from the app's store, whichever
 * way the user signed out and whatever the server answered. A copy of a token left behind
 * would get the next sign-in's sessions on this device.
 */
class SignOutTest : EmulatorTest() {
    /** The two ways an app signs out. */
    enum class Way(val signOut: suspend (Session) -> ClerkResult<Unit, ClerkErrorResponse>) {
        CLERK({ Clerk.signOut() }),
        SESSION({ it.signOut() }),
    }

    /** What the server does with the sign-out request, and what the app is told. */
    enum class Answer(val fault: String?, val errorType: ErrorType?, val code: String?) {
        CONFIRMED(null, null, null),
        SESSION_ALREADY_GONE("""{"kind":"status","status":404,"code":"session_not_found"}""", ErrorType.API, "session_not_found"),
        REFUSED("""{"kind":"status","status":403,"code":"not_allowed"}""", ErrorType.API, "not_allowed"),
        UNREACHABLE("""{"kind":"drop_connection"}""", ErrorType.NETWORK, null),
    }

    @ParameterizedTest(name = "{0} sign-out, {1}")
    @MethodSource("everyWay")
    fun `a sign-out that leaves no session leaves no device token`(way: Way, answer: Answer) = runBlocking {
        assertNotNull(tokenStore.token, "signing in stored a device token")
        answer.fault?.let { fault -> emu.addFault("""{"route":"end_session","times":10,"fault":$fault}""") }

        val result = way.signOut(session)

        if (answer.errorType == null) {
            result.getOrFail()
        } else {
            val failure = result.failureOrFail()
            assertEquals(answer.errorType, failure.errorType, "$failure")
            answer.code?.let { assertEquals(it, failure.error?.errors?.firstOrNull()?.code, "$failure") }
        }
        assertNull(Clerk.session, "no session is left")
        assertFalse(session.isActive)
        assertNull(tokenStore.token, "the device token is gone")
        assertTrue(fake.requestCount(FakeRoute.SIGN_OUT) >= 1, "the server was asked")

        // The next launch has nothing to restore and sends no device token.
        fake.configure(autoRefresh = false, tokenStore = tokenStore)
        assertNull(Clerk.load().getOrFail())
        assertFalse(lastClientRequestHadDeviceToken())
    }

    @Test
    fun `a store that fails to remove the token does not hide the sign-out's result`() = runBlocking {
        val store = object : DeviceTokenStore {
            override fun load(): String? = tokenStore.load()

            override fun save(token: String?) {
                if (token == null) throw IllegalStateException("the keystore is locked")
                tokenStore.save(token)
            }
        }
        fake.configure(autoRefresh = false, tokenStore = store)
        val restored = assertNotNull(Clerk.load().getOrFail())

        Clerk.signOut().getOrFail()
        assertNull(Clerk.session)
        assertFalse(restored.isActive)
    }

    @Test
    fun `signing out the session of an earlier load also clears the token`() = runBlocking {
        val store = InMemoryTokenStore().apply { save(tokenStore.token) }
        fake.configure(autoRefresh = false, tokenStore = store)
        val restored = assertNotNull(Clerk.load().getOrFail())

        restored.signOut().getOrFail()
        assertNull(store.token)
        assertNull(Clerk.session)
    }

    /** Whether the emulator got the last `GET /v1/client` with a device token. */
    private fun lastClientRequestHadDeviceToken(): Boolean =
        emu.requests("client").last().getValue("headers").jsonObject["authorization"]?.jsonPrimitive?.content == "<present>"

    companion object {
        @JvmStatic
        fun everyWay(): List<Arguments> =
            Way.entries.flatMap { way -> Answer.entries.map { answer -> Arguments.of(way, answer) } }
    }
}
