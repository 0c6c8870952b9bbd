package com.clerk.api.support

import com.sun.net.httpserver.HttpExchange
import com.sun.net.httpserver.HttpServer
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.math.BigInteger
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.security.KeyFactory
import java.security.PublicKey
import java.security.Signature
import java.security.spec.RSAPublicKeySpec
import java.util.Base64
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList

/**
 * A stand-in for an app's own backend on 127.0.0.1: it answers `200` with the token's `sub`
 * for `Authorization: Bearer <jwt>` when the JWT's signature checks out against the
 * emulator's JWKS and the token has not been [reject]ed (as if revoked); `401` otherwise.
 * [alwaysUnauthorized] answers `401` to everything. Every request is recorded in [hits].
 */
class AppBackend private constructor(private val keys: Map<String, PublicKey>?) : AutoCloseable {
    /** One request as the backend saw it. */
    data class Hit(val method: String, val authorization: String?, val body: String)

    private val server = HttpServer.create(InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0)
    private val recorded = CopyOnWriteArrayList<Hit>()
    private val rejected = ConcurrentHashMap.newKeySet<String>()

    /** Runs on each request after it is recorded, before it is answered (with the hit count). */
    @Volatile
    var onHit: (Int) -> Unit = {}

    val url: String

    init {
        server.createContext("/") { exchange -> handle(exchange) }
        server.start()
        url = "http://127.0.0.1:${server.address.port}/me"
    }

    /** Every request so far, oldest first. */
    val hits: List<Hit> get() = recorded.toList()

    /** From now on, [jwt] is answered with `401`. */
    fun reject(jwt: String) {
        rejected += jwt
    }

    override fun close() = server.stop(0)

    private fun handle(exchange: HttpExchange) {
        try {
            val authorization = exchange.requestHeaders.getFirst("Authorization")
            val body = exchange.requestBody.readAllBytes().decodeToString()
            recorded += Hit(exchange.requestMethod, authorization, body)
            onHit(recorded.size)
            val (status, answer) = answer(authorization)
            val bytes = answer.encodeToByteArray()
            exchange.sendResponseHeaders(status, bytes.size.toLong())
            exchange.responseBody.use { it.write(bytes) }
        } finally {
            exchange.close()
        }
    }

    private fun answer(authorization: String?): Pair<Int, String> {
        val keys = keys ?: return 401 to "rejects everything"
        val jwt = authorization?.removePrefix("Bearer ")
            ?.takeIf { authorization.startsWith("Bearer ") }
            ?: return 401 to "no bearer token"
        if (jwt in rejected) return 401 to "revoked"
        return verify(jwt, keys)?.let { subject -> 200 to subject } ?: (401 to "invalid token")
    }

    /** The `sub` claim of a JWT signed with one of [keys] (RS256); `null` for anything else. */
    private fun verify(jwt: String, keys: Map<String, PublicKey>): String? = runCatching {
        val (header, payload, signature) = jwt.split('.').also { check(it.size == 3) }
        val kid = json(header).getValue("kid").jsonPrimitive.content
        val verifier = Signature.getInstance("SHA256withRSA")
        verifier.initVerify(keys.getValue(kid))
        verifier.update("$header.$payload".encodeToByteArray())
        check(verifier.verify(base64Url(signature)))
        json(payload).getValue("sub").jsonPrimitive.content
    }.getOrNull()

    companion object {
        /** A backend that verifies tokens with the JWKS of the emulator at [emulatorUrl]. */
        fun start(emulatorUrl: String): AppBackend = AppBackend(jwks("$emulatorUrl/.well-known/jwks.json"))

        /** A backend that answers `401` to every request. */
        fun alwaysUnauthorized(): AppBackend = AppBackend(null)

        private fun jwks(url: String): Map<String, PublicKey> {
            val response = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
            check(response.statusCode() == 200) { "GET $url: ${response.statusCode()}" }
            val factory = KeyFactory.getInstance("RSA")
            return Json.parseToJsonElement(response.body()).jsonObject.getValue("keys").jsonArray.associate { key ->
                val fields = key.jsonObject.mapValues { (_, value) -> value.jsonPrimitive.content }
                val spec = RSAPublicKeySpec(
                    BigInteger(1, base64Url(fields.getValue("n"))),
                    BigInteger(1, base64Url(fields.getValue("e"))),
                )
                fields.getValue("kid") to factory.generatePublic(spec)
            }
        }

        private fun base64Url(text: String): ByteArray = Base64.getUrlDecoder().decode(text)

        private fun json(part: String) = Json.parseToJsonElement(base64Url(part).decodeToString()).jsonObject
    }
}
