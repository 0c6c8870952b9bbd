package com.clerk.api

import com.clerk.api.support.EmulatorControl
import com.clerk.api.support.InMemoryTokenStore
import com.clerk.api.testing.FakeClerk
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.booleanOrNull
import kotlinx.serialization.json.doubleOrNull
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.longOrNull
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import java.io.File
import kotlin.time.Duration.Companion.seconds
import kotlin.test.assertTrue
import kotlin.test.fail

/**
 * Runs every shared scenario in `tests/scenarios/` through the facade, one dynamic test per
 * file, exactly as that folder's README (and the core's runner, `core/tests/scenarios.rs`) says,
 * each against a fake Clerk of its own from the test kit.
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
        assertTrue(files.size >= 20, "expected at least 20 scenarios in $dir, found ${files.size}")
        return files.map { file ->
            DynamicTest.dynamicTest(file.nameWithoutExtension) {
                val scenario = Json.parseToJsonElement(file.readText()).jsonObject
                // The scenarios' clock moves only at advance_secs; their expected waits are
                // recorded (slept_secs) without moving it.
                FakeClerk.start(backoffsAdvanceClock = false).use { fake ->
                    val emu = EmulatorControl(fake.frontendApiUrl)
                    try {
                        runBlocking { ScenarioRunner(fake, emu, scenario).run() }
                    } finally {
                        emu.releaseHangs()
                        Clerk.reset()
                    }
                }
            }
        }
    }
}

private class ScenarioRunner(
    private val fake: FakeClerk,
    private val emu: EmulatorControl,
    private val scenario: JsonObject,
) {
    private var session: Session? = null
    private val labels = mutableMapOf<String, String>()

    init {
        emu.setSkewMs(scenario.path("server", "skew_ms")?.jsonPrimitive?.longOrNull ?: 0)
        val timeoutMs = scenario.path("device", "request_timeout_ms")?.jsonPrimitive?.longOrNull
        fake.configure(
            tokenStore = InMemoryTokenStore(),
            requestTimeoutSeconds = timeoutMs?.let { it / 1000.0 } ?: 15.0,
            // The scenarios count on-demand requests; background refresh has its own tests.
            autoRefresh = false,
        )
    }

    suspend fun run() {
        val steps = scenario["steps"]?.jsonArray ?: fail("no steps")
        steps.forEachIndexed { index, step ->
            try {
                step(step.jsonObject)
            } catch (e: CancellationException) {
                throw e
            } catch (e: Throwable) {
                throw AssertionError("${scenario["name"]}: step $index $step: ${e.message ?: e}", e)
            }
        }
    }

    private fun session(): Session = session ?: fail("no session: sign_in first")

    private suspend fun step(step: JsonObject) {
        val expect = step["expect"]?.jsonObject ?: JsonObject(emptyMap())
        when {
            "sign_in" in step -> {
                val ticket = fake.signInToken(step.getValue("sign_in").jsonPrimitive.content)
                session = Clerk.signInWithTicket(ticket).orFail("sign in")
                fake.resetRequestCounts()
            }
            "advance_secs" in step -> fake.advance(step.getValue("advance_secs").jsonPrimitive.doubleOrNull!!.seconds)
            "fault" in step -> emu.addFault(step.getValue("fault"))
            "revoke_session" in step -> fake.revoke(session())
            "sign_out" in step -> Clerk.signOut().orFail("sign out")
            "load" in step -> {
                val loaded = Clerk.load().orFail("load")
                expect["signed_in"]?.jsonPrimitive?.booleanOrNull?.let { signedIn ->
                    check((loaded != null) == signedIn, "signed_in should be $signedIn")
                }
            }
            "get_token" in step -> {
                val result = session().fetchToken(options(step.getValue("get_token")))
                checkResult(result, expect)
            }
            "get_token_concurrently" in step -> {
                val concurrently = step.getValue("get_token_concurrently").jsonObject
                val callers = concurrently.getValue("callers").jsonPrimitive.longOrNull!!.toInt()
                val options = options(concurrently["options"] ?: JsonNull)
                val session = session()
                val results = coroutineScope {
                    List(callers) { async(Dispatchers.Default) { session.fetchToken(options) } }.awaitAll()
                }
                results.forEach { checkResult(it, expect) }
                val jwts = results.map { (it as? ClerkResult.Success)?.value?.jwt }
                check(jwts.distinct().size == 1, "concurrent callers got different tokens")
            }
            "expect_requests" in step -> checkRequests(step.getValue("expect_requests"))
            else -> fail("unknown step")
        }
    }

    private fun checkResult(result: ClerkResult<TokenResource, ClerkErrorResponse>, expect: JsonObject) {
        val wantedError = expect["error"]?.jsonObject
        val token: TokenResource? = when {
            result is ClerkResult.Success -> result.value
            result is ClerkResult.Failure && result.errorType == ErrorType.NO_SESSION -> null
            else -> {
                val failure = result as ClerkResult.Failure
                if (wantedError == null) fail("unexpected failure: $failure")
                checkError(failure, wantedError)
                null
            }
        }
        val failed = result is ClerkResult.Failure && result.errorType != ErrorType.NO_SESSION
        if (!failed) {
            if (wantedError != null) fail("expected error $wantedError, got $result")
            checkToken(token, expect)
        }
        expect["session_active"]?.jsonPrimitive?.booleanOrNull?.let { active ->
            check(session().isActive == active, "session_active should be $active")
        }
        expect["slept_secs"]?.jsonArray?.let { slept ->
            val wanted = slept.map { ((it.jsonPrimitive.doubleOrNull ?: -1.0) * 1000).toLong() }
            val actual = fake.backoffs.map { it.inWholeMilliseconds }
            check(actual == wanted, "slept $actual ms, expected $wanted ms")
        }
        expect["requests"]?.let(::checkRequests)
    }

    private fun checkToken(token: TokenResource?, expect: JsonObject) {
        expect["token"]?.jsonPrimitive?.booleanOrNull?.let { wanted ->
            check((token != null) == wanted, "token should be $wanted")
        }
        if (token == null) {
            val needsToken = listOf("label", "same_as", "differs_from", "min_remaining_secs", "lifetime_secs")
            check(needsToken.none { it in expect }, "no token came back")
            return
        }
        expect["same_as"]?.jsonPrimitive?.content?.let { name ->
            check(labels[name] == token.jwt, "token should be the same as $name")
        }
        expect["differs_from"]?.jsonPrimitive?.content?.let { name ->
            val known = labels[name] ?: fail("no token labelled $name")
            check(known != token.jwt, "token should differ from $name")
        }
        expect["min_remaining_secs"]?.jsonPrimitive?.doubleOrNull?.let { min ->
            val remaining = token.expiresAt * 1000 - emu.serverNowMs()
            check(remaining > min * 1000, "$remaining ms left, wanted more than $min s")
        }
        expect["lifetime_secs"]?.jsonPrimitive?.longOrNull?.let { lifetime ->
            check(token.expiresAt - token.issuedAt == lifetime, "lifetime ${token.expiresAt - token.issuedAt}")
        }
        expect["label"]?.jsonPrimitive?.content?.let { name -> labels[name] = token.jwt }
    }

    private fun checkError(failure: ClerkResult.Failure<ClerkErrorResponse>, wanted: JsonObject) {
        val kind = when (failure.errorType) {
            ErrorType.API -> "api"
            ErrorType.NETWORK -> "network"
            ErrorType.TIMEOUT -> "timeout"
            ErrorType.INVALID_RESPONSE -> "invalid_response"
            ErrorType.CONFIGURATION -> "configuration"
            ErrorType.CANCELLED -> "cancelled"
            ErrorType.INTERNAL -> "internal"
            ErrorType.NO_SESSION -> "no_session"
        }
        val wantedKind = wanted["kind"]?.jsonPrimitive?.content
        check(kind == wantedKind, "error $failure is not of kind $wantedKind")
        wanted["status"]?.jsonPrimitive?.longOrNull?.let { status ->
            check(failure.error?.status?.toLong() == status, "error $failure: status should be $status")
        }
        wanted["code"]?.jsonPrimitive?.content?.let { code ->
            check(failure.error?.errors?.firstOrNull()?.code == code, "error $failure: code should be $code")
        }
    }

    private fun checkRequests(counts: JsonElement) {
        val wanted = counts as? JsonObject ?: return
        val actual = emu.counts()
        for ((route, count) in wanted) {
            val seen = actual[route] ?: fail("the emulator has no route $route")
            check(seen == count.jsonPrimitive.longOrNull, "$route: $seen requests, expected $count")
        }
    }

    private fun options(value: JsonElement): GetTokenOptions {
        val json = value as? JsonObject ?: return GetTokenOptions()
        return GetTokenOptions(
            template = json["template"]?.jsonPrimitive?.content,
            // Whole seconds (Long) in the facade, as in the official SDK.
            expirationBuffer = json["expiration_buffer"]?.jsonPrimitive?.doubleOrNull?.let { seconds ->
                check(seconds % 1.0 == 0.0, "expiration_buffer is whole seconds in Kotlin, got $seconds")
                maxOf(seconds, 0.0).toLong()
            } ?: 10,
            skipCache = json["skip_cache"]?.jsonPrimitive?.booleanOrNull ?: false,
            organizationId = json["organization_id"]?.jsonPrimitive?.content,
        )
    }

    private fun <T> ClerkResult<T, ClerkErrorResponse>.orFail(what: String): T = when (this) {
        is ClerkResult.Success -> value
        is ClerkResult.Failure -> fail("$what failed: $this", throwable)
    }

    private fun check(ok: Boolean, why: String) {
        if (!ok) fail(why)
    }
}

private fun JsonObject.path(vararg keys: String): JsonElement? =
    keys.fold(this as JsonElement?) { element, key -> (element as? JsonObject)?.get(key) }
