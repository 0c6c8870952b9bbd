package com.clerk.api.support

import com.clerk.api.TokenResource
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonObject
import java.util.Base64
import kotlin.test.assertTrue

/** The token's claims, strings as they are and anything else as JSON text. */
fun TokenResource.claims(): Map<String, String> = jwtClaims(jwt)

/** The claims of a JWT's payload (not verified), strings as they are, the rest as JSON text. */
fun jwtClaims(jwt: String): Map<String, String> {
    val payload = String(Base64.getUrlDecoder().decode(jwt.split('.')[1]))
    return Json.parseToJsonElement(payload).jsonObject.mapValues { (_, value) ->
        (value as? JsonPrimitive)?.content ?: value.toString()
    }
}

/** Names a token in failure messages by its `jti` claim, never by the JWT itself. */
private val TokenResource.name get() = "token ${claims()["jti"]}"

fun assertSameToken(expected: TokenResource, actual: TokenResource, message: String = "") =
    assertTrue(expected.jwt == actual.jwt, "$message expected ${expected.name}, got ${actual.name}".trim())

fun assertDifferentToken(old: TokenResource, new: TokenResource, message: String = "") =
    assertTrue(old.jwt != new.jwt, "$message expected a new token, got ${new.name} again".trim())
