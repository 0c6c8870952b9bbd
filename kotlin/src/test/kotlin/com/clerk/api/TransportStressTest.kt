package com.clerk.api

import com.clerk.api.ffi.ClerkSettings
import com.clerk.api.ffi.FfiConverterTypeHttpCall
import com.clerk.api.support.CountingTransport
import com.clerk.api.support.EmulatorControl
import com.clerk.api.support.InMemoryTokenStore
import com.clerk.api.testing.FakeClerk
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import kotlinx.serialization.json.putJsonObject
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import java.util.EnumMap
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds

/**
 * The core's requests through the OkHttp transport and JNA under load: at least [REQUESTS]
 * attempts from [CALLERS] callers at once (each with an engine and a session of its own,
 * fetching with `skipCache` back to back), with every kind of answer from the fake Clerk
 * (tokens, a 400 with a Clerk error body, 500 and 503, a body over the cap, a dropped
 * connection, a truncated body) and a tenth of the attempts hanging until the core's deadline
 * ends them while OkHttp is still waiting.
 *
 * At the end every caller has had its answer, nothing failed as internal (a panic or a lost
 * callback), every completion was answered once and closed, no call handle is left in the
 * bindings' handle map, OkHttp has no call running or queued, and the server saw no more
 * requests than the core sent.
 */
class TransportStressTest {
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    fun `10,000 requests from 100 callers at once all end, with no handle left behind`() = runBlocking {
        val setupStarted = System.nanoTime()
        FakeClerk.start(backoffsAdvanceClock = false).use { fake ->
            val emu = EmulatorControl(fake.frontendApiUrl)
            val okHttp = OkHttpTransport()
            // OkHttp's own call timeout moved far past the core's deadline: a hung attempt is
            // ended by the core, which cancels the call while OkHttp still waits on the server.
            val transport = CountingTransport(okHttp) { it.copy(timeoutMs = it.timeoutMs * 20u) }
            val settings = ClerkSettings(
                frontendApiUrl = fake.frontendApiUrl,
                requestTimeoutSeconds = DEADLINE_SECONDS,
                sdkName = SdkInfo.NAME,
                autoRefresh = false,
            )
            // One after the other: a sign-in retried after the short deadline would find its
            // single-use ticket spent.
            val sessions = List(CALLERS) { i ->
                Engine.create(settings, InMemoryTokenStore(), transport)
                    .signInWithTicket(fake.signInToken("user_stress_$i"))
            }
            val signInRequests = transport.sent.get()
            faultRules().chunked(1_000).forEach { emu.addFault(JsonArray(it)) }
            emu.resetCounts()

            val outcomes = EnumMap<ErrorType, AtomicInteger>(ErrorType::class.java)
            ErrorType.entries.forEach { outcomes[it] = AtomicInteger() }
            val tokens = AtomicInteger()
            val unanswered = AtomicInteger()
            val started = System.nanoTime()
            coroutineScope {
                for (session in sessions) {
                    launch {
                        while (transport.sent.get() - signInRequests < REQUESTS) {
                            when (val result = withTimeoutOrNull(CALLER_LIMIT) { session.fetchToken(GetTokenOptions(skipCache = true)) }) {
                                null -> unanswered.incrementAndGet()
                                is ClerkResult.Success -> tokens.incrementAndGet()
                                is ClerkResult.Failure -> outcomes.getValue(result.errorType).incrementAndGet()
                            }
                        }
                    }
                }
            }
            val seconds = (System.nanoTime() - started) / 1e9
            val setupSeconds = (started - setupStarted) / 1e9
            emu.releaseHangs()

            val requests = transport.sent.get() - signInRequests
            val calls = tokens.get() + outcomes.values.sumOf { it.get() }
            println(
                "stress: $requests requests from $CALLERS callers in ${"%.1f".format(seconds)} s (set-up " +
                    "${"%.1f".format(setupSeconds)} s); $calls calls: " +
                    "${tokens.get()} tokens, failures $outcomes; transport: ${transport.succeeded} responses, " +
                    "${transport.tooLarge} over the cap, ${transport.timedOut} timeouts, ${transport.networkFailed} " +
                    "network failures, ${transport.cancelled} cancelled by the core",
            )

            assertEquals(0, unanswered.get(), "callers left without an answer")
            assertTrue(requests >= REQUESTS, "only $requests requests")
            assertEquals(0, outcomes.getValue(ErrorType.INTERNAL).get(), "internal failures: a panic or a lost answer")
            assertEquals(0, outcomes.getValue(ErrorType.CANCELLED).get(), "cancelled calls")
            // Every kind of answer reached the callers.
            assertTrue(tokens.get() > 0, "no token")
            for (kind in listOf(ErrorType.API, ErrorType.NETWORK, ErrorType.TIMEOUT, ErrorType.INVALID_RESPONSE)) {
                assertTrue(outcomes.getValue(kind).get() > 0, "no $kind failure: $outcomes")
            }
            assertTrue(transport.tooLarge.get() > 0, "no body over the cap")
            assertTrue(transport.cancelled.get() >= REQUESTS / 10, "attempts ended by the deadline: ${transport.cancelled}")

            // Each attempt had exactly one answer and its completion was closed.
            assertEquals(transport.sent.get(), transport.answered, "answers")
            assertEquals(transport.sent.get(), transport.closed.get(), "completions closed")
            assertEquals(0, transport.unclosed, "completions still alive")
            // The core dropped every call handle it was given (its handle map entry goes with it),
            // and OkHttp has nothing left in flight.
            eventually { FfiConverterTypeHttpCall.handleMap.size == 0 }
            assertEquals(0, FfiConverterTypeHttpCall.handleMap.size, "call handles left in the handle map")
            eventually { okHttp.client.dispatcher.runningCallsCount() == 0 }
            assertEquals(0, okHttp.client.dispatcher.runningCallsCount(), "OkHttp calls still running")
            assertEquals(0, okHttp.client.dispatcher.queuedCallsCount(), "OkHttp calls still queued")
            // No attempt was sent twice (a silent retry), none without the core asking.
            val served = emu.count("session_token")
            assertTrue(served <= requests, "the server saw $served requests, the core sent $requests")
            assertTrue(served >= requests - transport.cancelled.get(), "the server saw $served of $requests requests")
        }
    }

    /**
     * The fake's answers to the next [REQUESTS] token requests, first come first served: per
     * ten, a hang, a 400, a 500 or 503, a dropped connection, a truncated body and five
     * ordinary answers, one of which in a hundred has a body over the 64 KiB cap.
     */
    private fun faultRules(): List<JsonObject> = List(REQUESTS) { i ->
        buildJsonObject {
            put("route", "session_token")
            putJsonObject("fault") {
                when {
                    i % 10 == 0 -> put("kind", "hang")
                    i % 10 == 1 -> {
                        put("kind", "status")
                        put("status", 400)
                        put("code", "form_param_value_invalid")
                    }
                    i % 10 == 2 -> {
                        put("kind", "status")
                        put("status", if (i % 20 == 2) 500 else 503)
                    }
                    i % 10 == 3 -> put("kind", "drop_connection")
                    i % 10 == 4 -> put("kind", "truncated_body")
                    i % 100 == 5 -> {
                        put("kind", "raw_body")
                        put("body", "{\"jwt\":\"" + "x".repeat(OVERSIZED_BODY) + "\"}")
                    }
                    else -> {
                        put("kind", "delay_ms")
                        put("ms", 0)
                    }
                }
            }
        }
    }

    /** Waits up to five seconds for [condition]: the last callbacks return after their answer. */
    private fun eventually(condition: () -> Boolean) {
        val until = System.nanoTime() + 5_000_000_000
        while (!condition() && System.nanoTime() < until) Thread.sleep(10)
    }

    private companion object {
        const val REQUESTS = 10_000
        const val CALLERS = 100
        const val OVERSIZED_BODY = 70 * 1024

        /**
         * Each attempt's deadline: a hung one costs this much of its caller's time. With 100
         * attempts in flight on two cores an ordinary answer takes a few hundred milliseconds.
         */
        const val DEADLINE_SECONDS = 0.75

        /** Far beyond any caller's retries (four attempts of at most the deadline each). */
        val CALLER_LIMIT = 30.seconds
    }
}
