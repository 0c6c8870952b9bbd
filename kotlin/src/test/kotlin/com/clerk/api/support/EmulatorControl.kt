package com.clerk.api.support

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import kotlinx.serialization.json.put
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse

/**
 * The emulator's `/__emulator/` control API (see `tests/emulator/README.md`), which a test
 * kit's fake Clerk serves too: for what `FakeClerk` does not offer. Time moves only through
 * `FakeClerk.advance`, which moves the SDK's clock with the server's.
 */
class EmulatorControl(val url: String) {
    private val http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()

    fun setSkewMs(ms: Long) {
        post("skew", buildJsonObject { put("skew_ms", ms) })
    }

    /** The server's time (clock plus skew), as it puts in tokens. */
    fun serverNowMs(): Long = get("clock").jsonObject.getValue("server_now_ms").jsonPrimitive.long

    /** Queues a fault rule, e.g. `{"route":"session_token","fault":{"kind":"hang"}}`. */
    fun addFault(rule: JsonElement) {
        post("faults", rule)
    }

    fun addFault(rule: String) = addFault(Json.parseToJsonElement(rule))

    fun releaseHangs() {
        post("release_hangs")
    }

    /** A single-use sign-in ticket for [userId], as an app's backend would create it. */
    fun signInTicket(userId: String): String =
        post("sign_in_tokens", buildJsonObject { put("user_id", userId) })
            .jsonObject.getValue("token").jsonPrimitive.content

    /** Requests per route since the last [resetCounts]. */
    fun counts(): Map<String, Long> =
        get("counts").jsonObject.mapValues { (_, value) -> value.jsonPrimitive.long }

    fun count(route: String): Long = counts()[route] ?: error("the emulator has no route $route")

    /** The request log for [route] since the last [resetCounts], oldest first. */
    fun requests(route: String): List<JsonObject> =
        get("requests?route=$route").jsonObject.getValue("requests").jsonArray.map { it.jsonObject }

    fun resetCounts() {
        post("counts/reset")
    }

    /** Blocks until [route] has seen [count] requests (a hanging request counts on arrival). */
    fun waitForRequests(route: String, count: Long) {
        post("wait", buildJsonObject { put("route", route); put("count", count) })
    }

    fun get(path: String): JsonElement = send(HttpRequest.newBuilder(control(path)).GET())

    /**
     * Routes that take no body get none: the emulator closes a keep-alive connection whose
     * request body was left unread, and the next request on it would fail.
     */
    fun post(path: String, body: JsonElement? = null): JsonElement {
        val request = HttpRequest.newBuilder(control(path))
        if (body == null) {
            request.POST(HttpRequest.BodyPublishers.noBody())
        } else {
            request.header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString()))
        }
        return send(request)
    }

    private fun control(path: String) = URI.create("$url/__emulator/$path")

    private fun send(request: HttpRequest.Builder): JsonElement {
        val built = request.build()
        val response = http.send(built, HttpResponse.BodyHandlers.ofString())
        check(response.statusCode() in 200..299) {
            "${built.method()} ${built.uri()}: ${response.statusCode()} ${response.body()}"
        }
        return Json.parseToJsonElement(response.body())
    }
}
