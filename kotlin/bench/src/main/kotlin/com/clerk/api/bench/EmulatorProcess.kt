package com.clerk.api.bench

import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.util.concurrent.TimeUnit

/**
 * The Clerk API emulator (`tests/emulator`) as a child process, started the way the Kotlin tests
 * start it: it prints its URL on the first stdout line and serves until its stdin closes, so
 * [close] (or this JVM dying) stops it. Its clock is manual and never moves here.
 */
class EmulatorProcess private constructor(private val process: Process, val url: String) : AutoCloseable {
    private val http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()

    /** A single-use sign-in ticket for [userId], as an app's backend would create it. */
    fun signInTicket(userId: String): String {
        val body = post("sign_in_tokens", """{"user_id":"$userId"}""")
        return Regex(""""token"\s*:\s*"([^"]+)"""").find(body)?.groupValues?.get(1)
            ?: error("no ticket in the emulator's answer: $body")
    }

    /** Requests to [route] (e.g. `session_token`) since the last [resetCounts]. */
    fun count(route: String): Long {
        val body = send(HttpRequest.newBuilder(control("counts")).GET())
        return Regex(""""$route"\s*:\s*(\d+)""").find(body)?.groupValues?.get(1)?.toLong()
            ?: error("the emulator counts no route $route: $body")
    }

    fun resetCounts() {
        post("counts/reset", null)
    }

    /** Closes the emulator's stdin, which stops it; kills it if it does not exit promptly. */
    override fun close() {
        runCatching { process.outputStream.close() }
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor()
    }

    private fun post(path: String, json: String?): String {
        val request = HttpRequest.newBuilder(control(path))
        if (json == null) {
            request.POST(HttpRequest.BodyPublishers.noBody())
        } else {
            request.header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json))
        }
        return send(request)
    }

    private fun control(path: String) = URI.create("$url/__emulator/$path")

    private fun send(request: HttpRequest.Builder): String {
        val built = request.build()
        val response = http.send(built, HttpResponse.BodyHandlers.ofString())
        check(response.statusCode() in 200..299) {
            "${built.method()} ${built.uri()}: ${response.statusCode()} ${response.body()}"
        }
        return response.body()
    }

    companion object {
        /** Where the emulator's manual clock, and the device clock, stand during the run. */
        const val START_MS = 1_767_225_600_000L

        private const val URL_PREFIX = "CLERK_EMULATOR_URL="

        /** Starts the binary named by the `clerk.bench.emulator` system property. */
        fun start(): EmulatorProcess {
            val binary = File(
                System.getProperty("clerk.bench.emulator")
                    ?: error("set -Dclerk.bench.emulator=<path of clerk-emulator> (scripts/bench-kotlin does)"),
            )
            check(binary.canExecute()) {
                "no emulator at $binary: run `cargo build -p clerk-emulator --release` or pass -Dclerk.emulator=<path>"
            }
            val log = File("target/clerk-emulator.log").apply { parentFile.mkdirs() }
            val process = ProcessBuilder(binary.path, "--clock", "manual", "--start-ms", START_MS.toString())
                .redirectError(ProcessBuilder.Redirect.appendTo(log))
                .start()
            val stdout = process.inputStream.bufferedReader()
            val first = stdout.readLine()
            if (first == null || !first.startsWith(URL_PREFIX)) {
                process.destroyForcibly()
                error("the emulator did not announce its URL (got ${first ?: "end of output"}); see $log")
            }
            // Keep reading so the emulator never blocks on a full pipe.
            Thread({ stdout.useLines { lines -> lines.forEach { } } }, "clerk-emulator-stdout")
                .apply { isDaemon = true }
                .start()
            return EmulatorProcess(process, first.removePrefix(URL_PREFIX).trim())
        }
    }
}
