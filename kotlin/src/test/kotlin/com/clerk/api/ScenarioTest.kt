package com.clerk.api

import com.clerk.api.ffi.HttpCall
import com.clerk.api.ffi.HttpCompletion
import com.clerk.api.ffi.HttpFailure
import com.clerk.api.ffi.HttpRequest
import com.clerk.api.ffi.HttpResponse
import com.clerk.api.ffi.HttpTransport
import com.clerk.api.ffi.NoHandle
import com.clerk.api.support.EmulatorControl
import com.clerk.api.support.InMemoryTokenStore
import com.clerk.api.support.StrictObject
import com.clerk.api.support.number
import com.clerk.api.support.wholeNumber
import com.clerk.api.testing.FakeClerk
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import java.io.File
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.locks.ReentrantLock
import kotlin.concurrent.withLock
import kotlin.math.roundToLong
import kotlin.test.assertEquals
import kotlin.test.fail
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/**
 * Runs every shared scenario in `tests/scenarios/` through the facade, one dynamic test per
 * file, exactly as that folder's README (and the core's runner, `core/tests/support/scenarios.rs`)
 * says, each against a fake Clerk of its own from the test kit.
 *
 * Every file is read strictly ([StrictObject]): a key this runner does not execute (unknown,
 * misspelt, on a step that has nothing of the kind to check), a value of the wrong type, a step
 * with no action or two, or a flag set to `false` fails the scenario.
 *
 * After every step the engine's request count ([Clerk.metrics], since sign-in) must equal the
 * fake's, except while a request is still out (the fake counts it on arrival, the engine when
 * it ends): then it may only be behind.
 */
class ScenarioTest {
    @AfterEach
    fun unconfigure() {
        Clerk.reset()
    }

    @TestFactory
    fun scenarios(): List<DynamicTest> {
        val dir = File(System.getProperty("clerk.test.scenarios") ?: "../tests/scenarios")
        val files = dir.listFiles { file -> file.extension == "json" }.orEmpty().sortedBy { it.name }
        // Pinned: a file that disappears (or one added without a look at this runner) is noticed.
        assertEquals(SCENARIO_FILES, files.size, "scenario files in $dir: ${files.map { it.name }}")
        return files.map { file ->
            DynamicTest.dynamicTest(file.nameWithoutExtension) {
                val json = Json.parseToJsonElement(file.readText()) as? JsonObject ?: fail("${file.name} is not a JSON object")
                val scenario = StrictObject(json, file.name)
                // The scenarios' clock moves only at advance_secs; waits between retries are
                // recorded (slept_secs) without moving it.
                FakeClerk.start(backoffsAdvanceClock = false).use { fake ->
                    val emu = EmulatorControl(fake.frontendApiUrl)
                    val runner = ScenarioRunner(fake, emu, scenario)
                    try {
                        runBlocking { runner.run() }
                    } finally {
                        runner.close()
                        emu.releaseHangs()
                        Clerk.reset()
                    }
                }
            }
        }
    }

    private companion object {
        const val SCENARIO_FILES = 37
    }
}

private class ScenarioRunner(
    private val fake: FakeClerk,
    private val emu: EmulatorControl,
    private val scenario: StrictObject,
) : AutoCloseable {
    private val name = scenario.string("name") ?: fail("no name")
    private val store = InMemoryTokenStore()
    private var session: Session? = null
    private val labels = mutableMapOf<String, String>()
    private val transport = ScenarioTransport(OkHttpTransport.shared)
    private val records = RecordCount()
    private val observing: AutoCloseable

    /** The network as the scenario last set it; devices start online. */
    private var online = true

    /** The engine's request count at sign-in, when the fake's counts were reset. */
    private var metricsBaseline = 0L

    init {
        scenario.obj("server")?.let { server ->
            emu.setSkewMs(server.long("skew_ms") ?: fail("server needs skew_ms"))
        }
        val device = scenario.obj("device")
        val timeoutMs = device?.long("request_timeout_ms")
        check(timeoutMs == null || timeoutMs > 0, "device.request_timeout_ms must be positive")
        // Off unless the file turns it on: the scenarios count on-demand requests. Without a
        // timeout in the file, the SDK's own default applies.
        val autoRefresh = device?.boolean("auto_refresh") ?: false
        Clerk.configure(
            publishableKey = null,
            frontendApiUrl = fake.frontendApiUrl,
            tokenStore = store,
            requestTimeoutSeconds = timeoutMs?.let { it / 1000.0 } ?: DEFAULT_TIMEOUT_SECONDS,
            autoRefresh = autoRefresh,
            callDeadlineSeconds = DEFAULT_CALL_DEADLINE_SECONDS,
            transport = transport,
        )
        observing = Clerk.observeRequests(records::add) ?: fail("Clerk is not configured")
    }

    override fun close() = observing.close()

    suspend fun run() {
        val steps = scenario.array("steps") ?: fail("$name: no steps")
        scenario.assertAllRead()
        steps.forEachIndexed { index, element ->
            val where = "steps[$index]"
            val step = StrictObject(element as? JsonObject ?: fail("$where is not an object"), where)
            try {
                step(step)
                step.assertAllRead()
            } catch (e: CancellationException) {
                throw e
            } catch (e: Throwable) {
                throw AssertionError("$name: $where $element: ${e.message ?: e}", e)
            }
        }
    }

    private fun session(): Session = session ?: fail("no session: sign_in first")

    private suspend fun step(step: StrictObject) {
        val actions = step.keys.filter { it in ACTIONS }
        when (actions.size) {
            0 -> fail("a step needs one of ${ACTIONS.joinToString()}")
            1 -> Unit
            else -> fail("a step takes exactly one action, this one has $actions")
        }
        val expect = step.obj("expect") ?: StrictObject(JsonObject(emptyMap()), "expect")
        when (actions.single()) {
            "sign_in" -> {
                val ticket = fake.signInToken(step.string("sign_in")!!)
                session = Clerk.signInWithTicket(ticket).orFail("sign in")
                fake.resetRequestCounts()
                metricsBaseline = Clerk.metrics.requests
            }
            "advance_secs" -> {
                val secs = step.double("advance_secs")!!
                check(secs.isFinite() && secs >= 0, "advance_secs takes seconds from 0, not $secs")
                fake.advance(secs.seconds)
            }
            "network" -> when (val state = step.string("network")) {
                "online" -> setOnline(true)
                "offline" -> setOnline(false)
                else -> fail("network is online or offline, not $state")
            }
            "flap_network" -> {
                val changes = step.long("flap_network")!!
                check(changes in 1..Int.MAX_VALUE, "flap_network takes at least one change, not $changes")
                repeat(changes.toInt()) {
                    setOnline(!online)
                    fake.advance(FLAP_INTERVAL)
                }
            }
            "transport_offline" -> {
                val attempts = step.long("transport_offline")!!
                check(attempts in 1..Int.MAX_VALUE, "transport_offline takes at least one attempt, not $attempts")
                transport.offlineAttempts.set(attempts.toInt())
            }
            "fault" -> emu.addFault(step.raw("fault")!!)
            "revoke_session" -> if (step.flag("revoke_session")) fake.revoke(session())
            "sign_out" -> if (step.flag("sign_out")) Clerk.signOut().orFail("sign out")
            "load" -> if (step.flag("load")) {
                // What load returned, and the session later steps use, as in an app.
                val loaded = Clerk.load().orFail("load")
                expect.boolean("signed_in")?.let { signedIn ->
                    check((loaded != null) == signedIn, "signed_in should be $signedIn, load returned $loaded")
                }
                session = loaded
            }
            "get_token" -> {
                val options = options(step.obj("get_token")!!)
                checkResult(session().fetchToken(options), expect)
            }
            "get_token_concurrently" -> {
                val concurrently = step.obj("get_token_concurrently")!!
                val callers = concurrently.long("callers") ?: fail("get_token_concurrently needs callers")
                check(callers in 1..Int.MAX_VALUE, "callers must be at least 1, not $callers")
                val options = options(concurrently.obj("options"))
                val session = session()
                val results = coroutineScope {
                    List(callers.toInt()) { async(Dispatchers.Default) { session.fetchToken(options) } }.awaitAll()
                }
                results.forEach { checkResult(it, expect) }
                val jwts = results.map { (it as? ClerkResult.Success)?.value?.jwt }
                check(jwts.distinct().size == 1, "concurrent callers got different tokens")
            }
            "expect_requests" -> checkRequests(step, "expect_requests")
            else -> error("unreachable")
        }
        expect.boolean("device_token_stored")?.let { stored ->
            check(!store.load().isNullOrBlank() == stored, "device_token_stored should be $stored")
        }
        checkMetricsAgree()
    }

    /** The fake's `setOnline` returns once the engine acted on it (a refresh included). */
    private suspend fun setOnline(online: Boolean) {
        fake.setOnline(online)
        this.online = online
    }

    /**
     * The engine's request count since sign-in against the fake's (the Rust runner's
     * `check_metrics_agree`). Every attempt that reached the transport and was answered has a
     * record once the listener catches up; an attempt with none yet is still out, and then the
     * fake, which counts on arrival, may be ahead.
     */
    private fun checkMetricsAgree() {
        records.awaitAtLeast(transport.answered.get())
        val inFlight = transport.sent.get() - records.count
        val counted = Clerk.metrics.requests - metricsBaseline
        val received = fake.requestCount().toLong()
        val agree = if (inFlight == 0L) counted == received else counted <= received
        check(agree, "the metrics count $counted requests, the fake received $received ($inFlight in flight)")
    }

    private fun checkResult(result: ClerkResult<TokenResource, ClerkErrorResponse>, expect: StrictObject) {
        val wantedError = expect.obj("error")
        // No session is the README's "no token", not an error.
        val failure = (result as? ClerkResult.Failure)?.takeIf { it.errorType != ErrorType.NO_SESSION }
        when {
            failure != null && wantedError != null -> checkError(failure, wantedError)
            failure != null -> fail("unexpected failure: $failure")
            wantedError != null -> fail("expected an error, got $result")
            else -> checkToken((result as? ClerkResult.Success)?.value, expect)
        }
        expect.boolean("session_active")?.let { active ->
            check(session().isActive == active, "session_active should be $active")
        }
        expect.array("slept_secs")?.let { slept ->
            // Every wait between retries since the scenario (and its fake) began, to the millisecond.
            val wanted = slept.mapIndexed { i, secs -> (number(secs, "expect.slept_secs[$i]") * 1000).roundToLong() }
            val actual = fake.backoffs.map { it.inWholeMilliseconds }
            check(actual == wanted, "slept $actual ms, expected $wanted ms")
        }
        checkRequests(expect, "requests")
    }

    private fun checkToken(token: TokenResource?, expect: StrictObject) {
        expect.boolean("token")?.let { wanted ->
            check((token != null) == wanted, "token should be $wanted")
        }
        val sameAs = expect.string("same_as")
        val differsFrom = expect.string("differs_from")
        val minRemaining = expect.double("min_remaining_secs")
        val lifetime = expect.long("lifetime_secs")
        val label = expect.string("label")
        if (token == null) {
            check(listOf(sameAs, differsFrom, minRemaining, lifetime, label).all { it == null }, "no token came back")
            return
        }
        sameAs?.let { name ->
            val known = labels[name] ?: fail("no token labelled $name")
            check(known == token.jwt, "token should be the same as $name")
        }
        differsFrom?.let { name ->
            val known = labels[name] ?: fail("no token labelled $name")
            check(known != token.jwt, "token should differ from $name")
        }
        minRemaining?.let { min ->
            val remaining = token.expiresAt * 1000 - emu.serverNowMs()
            check(remaining > min * 1000, "$remaining ms left, wanted more than $min s")
        }
        lifetime?.let { check(token.expiresAt - token.issuedAt == it, "lifetime ${token.expiresAt - token.issuedAt}, expected $it") }
        label?.let { labels[it] = token.jwt }
    }

    private fun checkError(failure: ClerkResult.Failure<ClerkErrorResponse>, wanted: StrictObject) {
        val kind = when (failure.errorType) {
            ErrorType.API -> "api"
            ErrorType.NETWORK -> when (failure.networkReason) {
                NetworkReason.OFFLINE -> "offline"
                NetworkReason.UNREACHABLE -> "network"
                null -> fail("a network failure without a ClerkException.Network: $failure")
            }
            ErrorType.TIMEOUT -> "timeout"
            ErrorType.INVALID_RESPONSE -> "invalid_response"
            ErrorType.CONFIGURATION -> "configuration"
            // Not kinds a scenario can expect.
            ErrorType.CANCELLED, ErrorType.INTERNAL, ErrorType.NO_SESSION -> null
        }
        val wantedKind = wanted.string("kind") ?: fail("error needs a kind")
        check(wantedKind in ERROR_KINDS, "unknown error kind $wantedKind")
        check(kind == wantedKind, "error $failure is not of kind $wantedKind")
        val status = wanted.long("status")
        val code = wanted.string("code")
        check(wantedKind == "api" || (status == null && code == null), "status and code belong to api errors")
        status?.let { check(failure.error?.status?.toLong() == it, "error $failure: status should be $it") }
        code?.let { check(failure.error?.errors?.firstOrNull()?.code == it, "error $failure: code should be $it") }
    }

    /** The emulator's request counts since sign-in, for the routes named (others unchecked). */
    private fun checkRequests(holder: StrictObject, key: String) {
        val wanted = holder.entries(key) { route, count -> wholeNumber(count, "$key.$route") } ?: return
        val actual = emu.counts()
        for ((route, count) in wanted) {
            val seen = actual[route] ?: fail("the emulator has no route $route")
            check(seen == count, "$route: $seen requests, expected $count")
        }
    }

    /** Options as the README gives them; what a file leaves out is the SDK's default. */
    private fun options(json: StrictObject?): GetTokenOptions {
        val defaults = GetTokenOptions()
        json ?: return defaults
        return GetTokenOptions(
            template = json.string("template") ?: defaults.template,
            // Whole seconds (Long) in the facade, as in the official SDK.
            expirationBuffer = json.double("expiration_buffer")?.let { seconds ->
                check(seconds % 1.0 == 0.0, "expiration_buffer is whole seconds in Kotlin, got $seconds")
                seconds.toLong()
            } ?: defaults.expirationBuffer,
            skipCache = json.boolean("skip_cache") ?: defaults.skipCache,
            organizationId = json.string("organization_id") ?: defaults.organizationId,
            deadline = json.double("deadline_secs")?.let { seconds ->
                check(seconds.isFinite() && seconds > 0, "deadline_secs must be positive, not $seconds")
                seconds.seconds
            } ?: defaults.deadline,
        )
    }

    private fun <T> ClerkResult<T, ClerkErrorResponse>.orFail(what: String): T = when (this) {
        is ClerkResult.Success -> value
        is ClerkResult.Failure -> fail("$what failed: $this", throwable)
    }

    private fun check(ok: Boolean, why: String) {
        if (!ok) fail(why)
    }

    private companion object {
        val ACTIONS = listOf(
            "sign_in", "advance_secs", "fault", "revoke_session", "sign_out", "load",
            "get_token", "get_token_concurrently", "expect_requests", "network", "flap_network",
            "transport_offline",
        )
        val ERROR_KINDS = setOf("api", "network", "offline", "timeout", "invalid_response", "configuration")

        /** The SDK's defaults, as `Clerk.configure` has them. */
        const val DEFAULT_TIMEOUT_SECONDS = 15.0
        const val DEFAULT_CALL_DEADLINE_SECONDS = 10.0

        /** `flap_network`'s time between changes, on both clocks. */
        val FLAP_INTERVAL = 100.milliseconds
    }
}

/**
 * The facade's transport, except that the next [offlineAttempts] attempts find no network
 * before anything is sent ([HttpFailure.Offline], as `OkHttpTransport` reports a failure while
 * the platform has no network). Counts the attempts it passed on and those answered.
 */
private class ScenarioTransport(private val inner: HttpTransport) : HttpTransport {
    val offlineAttempts = AtomicInteger()
    val sent = AtomicLong()
    val answered = AtomicLong()

    override fun send(request: HttpRequest, completion: HttpCompletion): HttpCall {
        if (offlineAttempts.getAndUpdate { if (it > 0) it - 1 else 0 } > 0) {
            completion.use { it.fail(HttpFailure.Offline("not connected to the internet")) }
            return NothingSent
        }
        sent.incrementAndGet()
        return inner.send(request, Answered(completion))
    }

    private inner class Answered(private val core: HttpCompletion) : HttpCompletion(NoHandle) {
        override fun succeed(response: HttpResponse) {
            answered.incrementAndGet()
            core.succeed(response)
        }

        override fun fail(failure: HttpFailure) {
            answered.incrementAndGet()
            core.fail(failure)
        }

        override fun close() = core.close()
    }

    private object NothingSent : HttpCall {
        override fun cancel() = Unit
    }
}

/**
 * The request records [Clerk.observeRequests] delivered, attempts that found no network left
 * out (they sent nothing, and the engine does not count them as requests).
 */
private class RecordCount {
    private val lock = ReentrantLock()
    private val arrived = lock.newCondition()
    private var recorded = 0L

    val count: Long get() = lock.withLock { recorded }

    fun add(metric: RequestMetric) {
        if (metric.outcome == RequestOutcome.Offline) return
        lock.withLock {
            recorded++
            arrived.signalAll()
        }
    }

    /**
     * Waits until [wanted] records arrived: the engine records an attempt before its caller
     * returns, the listener's thread delivers it a moment later. Bounded, since an attempt the
     * engine gave up on may never be recorded; the check then treats it as in flight.
     */
    fun awaitAtLeast(wanted: Long) {
        var left = TimeUnit.SECONDS.toNanos(5)
        lock.withLock {
            while (recorded < wanted && left > 0) left = arrived.awaitNanos(left)
        }
    }
}
