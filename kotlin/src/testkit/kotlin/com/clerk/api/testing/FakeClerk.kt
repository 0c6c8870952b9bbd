package com.clerk.api.testing

import com.clerk.api.Clerk
import com.clerk.api.ClerkResult
import com.clerk.api.DeviceTokenStore
import com.clerk.api.Session
import com.clerk.api.testing.ffi.FakeRoute as NativeFakeRoute
import java.time.Instant
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.DurationUnit
import com.clerk.api.testing.ffi.FakeClerk as NativeFakeClerk

/**
 * A fake Clerk for your app's unit tests: the Clerk Frontend API on `127.0.0.1`, served from
 * the test's own process, with a clock that moves only when the test says so.
 *
 * ```kotlin
 * @Test
 * fun `the API client sends the session token`() = runTest {
 *     FakeClerk.start().use { clerk ->
 *         clerk.configure()
 *         val session = clerk.signIn("user_123")
 *         // ... exercise your code, which calls session.fetchToken() ...
 *         clerk.advance(5.minutes)          // tokens expire, background refresh runs
 *         clerk.revoke(session)             // as from the Dashboard
 *         clerk.failNext(FakeRoute.SESSION_TOKEN, status = 503)
 *         clerk.setOnline(false)            // as Android's network monitor reports it
 *     }
 * }
 * ```
 *
 * The SDK runs for real against it: every engine configured with [frontendApiUrl] while the
 * fake is open (through [configure] or your own `Clerk.configure(frontendApiUrl = ...)` call)
 * uses the fake's clock. Timers such as the background refresh wait until [advance] moves the
 * clock past them; waits between retries pass at once, moving the clock as they would take
 * time on a device, and are recorded in [backoffs]. Session tokens live 60 seconds, as Clerk's
 * do.
 *
 * Comes with the test kit, `com.clerk:clerk-kit` with the `tests` classifier (type
 * `test-jar`), which carries the native library for the machine the tests run on.
 */
class FakeClerk private constructor(private val native: NativeFakeClerk) : AutoCloseable {
    /** The URL to configure the SDK with, as your app configures it with a publishable key. */
    val frontendApiUrl: String = native.frontendApiUrl()

    /** The fake's time, which is also the SDK's. It starts at 2026-01-01T00:00:00Z. */
    val now: Instant get() = Instant.ofEpochMilli(native.nowMs())

    /**
     * `Clerk.configure(frontendApiUrl = frontendApiUrl, ...)`: points the SDK at this fake. Or
     * call `Clerk.configure` yourself (or the setup code of your app that does) with
     * [frontendApiUrl].
     */
    fun configure(
        autoRefresh: Boolean = true,
        tokenStore: DeviceTokenStore? = null,
        requestTimeoutSeconds: Double = 15.0,
    ) {
        Clerk.configure(
            frontendApiUrl = frontendApiUrl,
            tokenStore = tokenStore,
            requestTimeoutSeconds = requestTimeoutSeconds,
            autoRefresh = autoRefresh,
        )
    }

    /** A sign-in token (ticket) for [userId], as your backend would create one. */
    fun signInToken(userId: String): String = native.signInToken(userId)

    /**
     * Signs [userId] in through the SDK (`Clerk.signInWithTicket`), as your app would after
     * its backend created a ticket; Clerk must be configured for this fake. Throws
     * [IllegalStateException] if the sign-in fails.
     */
    suspend fun signIn(userId: String = "user_test"): Session =
        when (val result = Clerk.signInWithTicket(signInToken(userId))) {
            is ClerkResult.Success -> result.value
            is ClerkResult.Failure -> throw IllegalStateException(
                "signing $userId in to the fake Clerk failed ($result): is Clerk configured with its frontendApiUrl?",
                result.throwable,
            )
        }

    /**
     * Moves time forward by [by], for the fake and for the SDK, and returns once the SDK has
     * done what that time asks of it (a background refresh that fell due, for one).
     */
    suspend fun advance(by: Duration) {
        native.advance(by.toDouble(DurationUnit.SECONDS))
    }

    /**
     * Switches the device's network off ([online] `false`) or on for every engine on this fake,
     * as the platform's network monitor would report it, and returns once they have acted on it.
     * Offline, a call that needs the network fails at once with an [com.clerk.api.ErrorType.NETWORK]
     * failure whose `networkReason` is [com.clerk.api.NetworkReason.OFFLINE], and sends nothing;
     * a fresh cached token is still served. Back online, a stale token is refreshed at once (one
     * request, however often the network flapped). Engines configured while it is off start
     * offline.
     */
    suspend fun setOnline(online: Boolean) {
        native.setOnline(online)
    }

    /** Revokes [session] on the server, as the Dashboard would; the SDK finds out at its next request. */
    fun revoke(session: Session) {
        check(native.revokeSession(session.id)) { "the fake Clerk has no session ${session.id}" }
    }

    /** Ends [session]'s lifetime on the server (status `expired`); the SDK finds out at its next request. */
    fun expire(session: Session) {
        check(native.expireSession(session.id)) { "the fake Clerk has no session ${session.id}" }
    }

    /**
     * The next [times] requests to [route] fail with [status] and a Clerk error body; for 429
     * and 503, with a `Retry-After` of [retryAfterSeconds] when given. The SDK retries some
     * failures itself (a 503, for one): see [requestCount] and [backoffs].
     */
    fun failNext(route: FakeRoute, status: Int, times: Int = 1, retryAfterSeconds: Int? = null) {
        require(status in 100..599) { "not an HTTP status: $status" }
        require(times >= 1) { "times must be at least 1, got $times" }
        require(retryAfterSeconds == null || retryAfterSeconds >= 0) { "retryAfterSeconds is negative: $retryAfterSeconds" }
        native.failNext(route.native, status.toUShort(), times.toUInt(), retryAfterSeconds?.toUInt())
    }

    /** The requests the fake answered on [route] since it started or [resetRequestCounts]. */
    fun requestCount(route: FakeRoute = FakeRoute.ANY): Int = native.requestCount(route.native).toInt()

    fun resetRequestCounts() = native.resetRequestCounts()

    /** The waits between retries the SDK took so far, oldest first. */
    val backoffs: List<Duration> get() = native.backoffsMs().map { it.milliseconds }

    /** Stops the server; engines configured for it fail their requests from then on. */
    override fun close() = native.close()

    companion object {
        /**
         * Starts a fake on a free loopback port. Close it when the test ends (`use { }`).
         *
         * @param backoffsAdvanceClock whether the SDK's waits between retries move the clock,
         *   as they take time on a device. With `false` they pass without time passing (they
         *   are still recorded in [backoffs]).
         */
        fun start(backoffsAdvanceClock: Boolean = true): FakeClerk =
            FakeClerk(NativeFakeClerk.start(backoffsAdvanceClock))
    }
}

/** The Frontend API endpoints a test can make fail or count. */
enum class FakeRoute(internal val native: NativeFakeRoute) {
    /** `GET /v1/client`: what `Clerk.load()` asks. */
    CLIENT(NativeFakeRoute.CLIENT),

    /** Signing in with a ticket. */
    SIGN_IN(NativeFakeRoute.SIGN_IN),

    /** Session tokens (`fetchToken()`, background refresh). */
    SESSION_TOKEN(NativeFakeRoute.SESSION_TOKEN),

    /** JWT template tokens (`fetchToken(GetTokenOptions(template = ...))`). */
    TEMPLATE_TOKEN(NativeFakeRoute.TEMPLATE_TOKEN),

    /** Signing out. */
    SIGN_OUT(NativeFakeRoute.SIGN_OUT),

    /** Every route above. */
    ANY(NativeFakeRoute.ANY),
}
