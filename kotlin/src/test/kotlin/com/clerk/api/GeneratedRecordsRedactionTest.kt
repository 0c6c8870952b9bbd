package com.clerk.api

import com.clerk.api.ffi.HttpHeader
import com.clerk.api.ffi.HttpMethod
import com.clerk.api.ffi.HttpRequest
import com.clerk.api.ffi.HttpResponse
import com.clerk.api.support.ShippedLibrary
import org.junit.jupiter.api.Test
import java.util.Base64
import kotlin.random.Random
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import com.clerk.api.ffi.ClerkEvent as NativeClerkEvent
import com.clerk.api.ffi.TokenResource as NativeTokenResource

/**
 * The generated records are public data classes, whose default `toString()` would print every
 * field: a JWT, the device token in `Authorization`, a body with a token in it. Their text is
 * the library's redacted Rust `Display` instead, so a log line or a crash report that prints one
 * shows no secret.
 */
@ShippedLibrary
class GeneratedRecordsRedactionTest {
    private val jwt = secret()
    private val deviceToken = secret()

    @Test
    fun `a token resource prints no JWT`() {
        val token = NativeTokenResource(jwt, expiresAt = 1_767_225_660, issuedAt = 1_767_225_600)
        assertRedacted(token.toString(), "1767225660")
        assertRedacted("$token in a template", "1767225600")
        assertRedacted(listOf(token).toString(), "TokenResource")
    }

    @Test
    fun `a token refreshed event prints no JWT`() {
        val token = NativeTokenResource(jwt, expiresAt = 1_767_225_660, issuedAt = 1_767_225_600)
        val event = NativeClerkEvent.TokenRefreshed("sess_1", template = "backend", organizationId = null, token = token)
        assertRedacted(event.toString(), "sess_1")
        assertRedacted((event as NativeClerkEvent).toString(), "backend")
    }

    @Test
    fun `a request prints neither the device token in Authorization nor its body`() {
        val request = HttpRequest(
            method = HttpMethod.POST,
            url = "https://clerk.example.com/v1/client/sessions/sess_1/tokens?_is_native=true",
            headers = listOf(
                HttpHeader("authorization", deviceToken),
                HttpHeader("content-type", "application/x-www-form-urlencoded"),
            ),
            body = "expired_token=$jwt&organization_id=org_1".encodeToByteArray(),
            maxResponseBytes = 65_536u,
            connectTimeoutMs = 10_000u,
            timeoutMs = 15_000u,
        )
        assertRedacted(request.toString(), "/v1/client/sessions/sess_1/tokens")
        assertRedacted(request.headers.toString(), "authorization")
    }

    @Test
    fun `a response prints neither the rotated device token nor the JWT in its body`() {
        val response = HttpResponse(
            status = 200u,
            headers = listOf(HttpHeader("Authorization", deviceToken), HttpHeader("Date", "Thu, 01 Jan 2026 00:00:00 GMT")),
            body = """{"object":"token","jwt":"$jwt"}""".encodeToByteArray(),
        )
        assertRedacted(response.toString(), "200")
    }

    /** No secret in [text], nor any of its dot-separated parts; [shown] still is. */
    private fun assertRedacted(text: String, shown: String) {
        for (secret in listOf(jwt, deviceToken)) {
            for (part in listOf(secret) + secret.split('.')) {
                assertFalse(part in text, "a secret is in: $text".replace(secret, "<the secret>"))
            }
        }
        assertTrue(shown in text, "the text still says what it is about ($shown): $text")
    }

    /** A JWT-shaped secret, random for each test. */
    private fun secret(): String {
        val part = { n: Int -> Base64.getUrlEncoder().withoutPadding().encodeToString(Random.nextBytes(n)) }
        return "eyJ${part(24)}.${part(90)}.${part(256)}"
    }
}
