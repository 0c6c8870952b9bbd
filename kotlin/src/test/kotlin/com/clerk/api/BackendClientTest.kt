package com.clerk.api

import com.clerk.api.support.EmulatorTest
import com.clerk.api.support.getOrFail
import com.clerk.api.support.jwtClaims
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue

/** The Backend API client of the bindings, as server-side Kotlin uses it, against the emulator. */
class BackendClientTest : EmulatorTest() {
    private fun backend(secretKey: String = SECRET_KEY) = BackendClient(secretKey, apiUrl = emu.url)

    @Test
    fun `session tokens with and without a template and a lifetime`() = runBlocking {
        backend().use { client ->
            val cases = listOf<Triple<String?, UInt?, Long>>(
                Triple(null, null, 60),
                Triple(null, 300u, 300),
                Triple("test", null, 120),
                Triple("test", 45u, 45),
            )
            for ((template, expiresIn, lifetime) in cases) {
                val claims = jwtClaims(client.sessionToken(session.id(), template, expiresIn))
                val case = "template $template, expiresInSeconds $expiresIn"
                assertEquals(lifetime, claims.getValue("exp").toLong() - claims.getValue("iat").toLong(), case)
                assertEquals("user_alice", claims["sub"], case)
                if (template == null) {
                    assertEquals(session.id(), claims["sid"], case)
                } else {
                    assertEquals("test", claims["aud"], case)
                }
            }
            assertEquals(60, jwtClaims(client.sessionToken(session.id())).let { it.getValue("exp").toLong() - it.getValue("iat").toLong() })
        }
        assertEquals(3, emu.count("bapi_session_token"))
        assertEquals(2, emu.count("bapi_template_token"))
        val bodies = emu.requests("bapi_session_token").map { it["body"] }
        assertEquals(JsonObject(emptyMap()), bodies[0])
        assertEquals("300", (bodies[1] as JsonObject)["expires_in_seconds"]?.jsonPrimitive?.content)
    }

    @Test
    fun `a wrong secret key is an API error with status 401 that does not show the key`() = runBlocking {
        val wrong = "sk_test_wrong_key"
        val error = assertFailsWith<ClerkException.Api> {
            backend(wrong).use { it.sessionToken(session.id()) }
        }
        assertEquals(401, error.status.toInt())
        assertEquals("authentication_invalid", error.errors.first().code)
        assertFalse(wrong in error.message.orEmpty())
        assertFalse(wrong in error.description)
    }

    @Test
    fun `an unknown session is a 404, and a key that is not a secret key is refused at once`() = runBlocking {
        val error = assertFailsWith<ClerkException.Api> { backend().use { it.sessionToken("sess_unknown") } }
        assertEquals(404, error.status.toInt())
        assertEquals("resource_not_found", error.errors.first().code)

        assertFailsWith<ClerkException.Configuration> { BackendClient("pk_test_not_a_secret_key") }
        assertEquals(1, emu.count("bapi_session_token"), "only the unknown session's request was sent")
    }

    @Test
    fun `a sign-in token from createSignInToken signs a client in`() = runBlocking {
        val ticket = backend().use { it.createSignInToken("user_carol") }
        assertTrue(ticket.isNotBlank())
        assertEquals(1, emu.count("bapi_sign_in_token"))

        val carol = Clerk.signInWithTicket(ticket).getOrFail()
        assertEquals("user_carol", carol.userId())
        assertEquals("user_carol", Clerk.session?.userId())
        carol.fetchToken().getOrFail()
        val reused = Clerk.signInWithTicket(ticket)
        assertEquals(ErrorType.API, (reused as ClerkResult.Failure).errorType, "a ticket is single use")
    }

    private companion object {
        /** The emulator's secret key (its default). */
        const val SECRET_KEY = "sk_test_emulator"
    }
}
