package com.clerk.api

import com.clerk.api.ffi.GetTokenOptions as NativeGetTokenOptions
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** The facade's plain values, without the native library. */
class ValuesTest {
    private val success: ClerkResult<Int, ClerkErrorResponse> = ClerkResult.Success(2)
    private val failure: ClerkResult<Int, ClerkErrorResponse> =
        ClerkResult.Failure(ClerkErrorResponse(emptyList(), "trace"), ErrorType.API)

    @Test
    fun `TokenResource never shows its JWT`() {
        val token = TokenResource(jwt = "eyJhbGciOi.secret-payload.signature", expiresAt = 60, issuedAt = 0)
        assertFalse("secret" in token.toString())
        assertFalse("eyJ" in "$token")
        assertTrue("expiresAt=60" in token.toString())
    }

    @Test
    fun `GetTokenOptions defaults match the official SDKs`() {
        val options = SessionGetTokenOptions()
        assertEquals(GetTokenOptions(template = null, expirationBuffer = 10, skipCache = false), options)
        assertNull(options.organizationId)
        assertEquals(
            NativeGetTokenOptions(template = "t", expirationBuffer = 30.0, skipCache = true, organizationId = "org_1"),
            GetTokenOptions("t", 30, true, "org_1").toNative(),
        )
    }

    @Test
    fun `onSuccess and onFailure run only on their branch and chain`() {
        val seen = mutableListOf<String>()
        success.onSuccess { seen += "success $it" }.onFailure { seen += "failure" }
        failure.onSuccess { seen += "success $it" }.onFailure { seen += "failure ${it.errorType}" }
        assertEquals(listOf("success 2", "failure API"), seen)
    }

    @Test
    fun `fold and map`() {
        assertEquals("2", success.fold({ "$it" }, { "failed" }))
        assertEquals("failed", failure.fold({ "$it" }, { "failed" }))
        assertEquals(ClerkResult.Success(4), success.map { it * 2 })
        assertEquals(failure, failure.map { it * 2 })
    }
}
