package com.clerk.api.bench

import com.clerk.api.Clerk
import com.clerk.api.ClerkErrorResponse
import com.clerk.api.ClerkResult
import com.clerk.api.GetTokenOptions
import com.clerk.api.Session
import com.clerk.api.TokenPeek
import com.clerk.api.TokenResource
import com.clerk.api.fetchToken
import com.clerk.api.ffi.GetTokenOptions as NativeGetTokenOptions
import com.clerk.api.ffi.TokenResource as NativeTokenResource
import com.clerk.api.testing.FakeClerk
import com.clerk.api.testing.FakeRoute
import com.clerk.api.toNative
import kotlinx.coroutines.runBlocking

/**
 * Everything the benchmarks call, set up once per JMH fork: the test kit's fake Clerk (in
 * process, its clock never moved here, so the cached token never expires), Clerk configured
 * against it, `user_alice` signed in and her session token fetched once, so every measured call
 * is a cache hit. The baseline's cache holds the same token, valid for an hour by the system
 * clock.
 *
 * [close] checks that no token request reached the fake during the run: every call measured
 * was served from a cache.
 */
class TokenFixture private constructor(
    private val fake: FakeClerk,
    val session: Session,
    val baseline: PureKotlinTokenCache,
) : AutoCloseable {
    val nativeOptions: NativeGetTokenOptions = GetTokenOptions().toNative()
    private val defaultOptions = GetTokenOptions()
    private val peek = requireNotNull(TokenPeek.of(session)) { "the facade's peek is unavailable" }
    private val driver = CoroutineDriver()

    // --- Calls from a running coroutine (see CoroutineDriver) ---------------------------------

    /** `session.fetchToken()`: the facade, whose cache hit is one JNA call (`TokenPeek`). */
    fun facadeFetchToken(): Any? = driver.call(FACADE, session)

    /** The pure-Kotlin baseline's `fetchToken()`. */
    fun baselineFetchToken(): Any? = driver.call(BASELINE, baseline)

    /** The generated `requestToken(options)` alone: UniFFI's async call on the core's runtime. */
    fun asyncWithoutPeek(): Any? = driver.call(REQUEST_TOKEN, this)

    // --- The synchronous peeks alone: no coroutine at all ---------------------------------------

    /** The facade's peek: one JNA call with plain arguments, the token reused by its stamp. */
    fun tokenPeek(): TokenResource? = peek.peek(defaultOptions)

    /** The generated `cachedToken(options)`, what the facade called before: 4 native calls. */
    fun generatedCachedToken(): NativeTokenResource? = session.native.cachedToken(nativeOptions)

    // --- The facade and the baseline, each call inside its own runBlocking --------------------

    fun facadeFetchTokenRunBlocking(): Any = runBlocking { session.fetchToken() }

    fun baselineFetchTokenRunBlocking(): Any = runBlocking { baseline.fetchToken() }

    /** Fails when the cache stopped serving during the run, then stops everything. */
    override fun close() {
        try {
            val made = fake.requestCount(FakeRoute.SESSION_TOKEN)
            check(made == 0) { "$made token requests reached the fake Clerk during the run: not every call was a cache hit" }
            checkHits()
        } finally {
            Clerk.reset()
            fake.close()
        }
    }

    /** Every benchmarked call once, each of which must be a hit on the same token. */
    private fun checkHits() {
        val jwt = requireNotNull(generatedCachedToken()) { "cachedToken: no cached token" }.jwt
        fun ClerkResult<*, *>?.jwt() = ((this as? ClerkResult.Success<*>)?.value as? TokenResource)?.jwt
        val results = mapOf(
            "facade" to (facadeFetchToken() as? ClerkResult<*, *>).jwt(),
            "tokenPeek" to tokenPeek()?.jwt,
            "baseline" to (baselineFetchToken() as? ClerkResult<*, *>).jwt(),
            "requestToken" to (asyncWithoutPeek() as? NativeTokenResource)?.jwt,
            "facade (runBlocking)" to (facadeFetchTokenRunBlocking() as? ClerkResult<*, *>).jwt(),
            "baseline (runBlocking)" to (baselineFetchTokenRunBlocking() as? ClerkResult<*, *>).jwt(),
        )
        for ((name, got) in results) check(got == jwt) { "$name did not return the cached token" }
    }

    companion object {
        // Function references, created once: calling through them allocates nothing.
        private val FACADE: suspend (Session) -> ClerkResult<TokenResource, ClerkErrorResponse> = ::callFacade
        private val BASELINE: suspend (PureKotlinTokenCache) -> ClerkResult<TokenResource, ClerkErrorResponse> =
            ::callBaseline
        private val REQUEST_TOKEN: suspend (TokenFixture) -> NativeTokenResource? = ::callRequestToken

        fun start(): TokenFixture {
            val fake = FakeClerk.start()
            try {
                fake.configure(autoRefresh = false)
                val session = runBlocking { fake.signIn("user_alice") }
                val first = when (val result = runBlocking { session.fetchToken() }) {
                    is ClerkResult.Success -> result.value
                    is ClerkResult.Failure -> error("the first fetchToken failed: $result")
                }
                val baseline = PureKotlinTokenCache(session.id) { error("the baseline has no network") }
                baseline.put(
                    GetTokenOptions(),
                    TokenResource(first.jwt, System.currentTimeMillis() / 1000 + 3600, System.currentTimeMillis() / 1000),
                )
                fake.resetRequestCounts()
                return TokenFixture(fake, session, baseline).also { it.checkHits() }
            } catch (e: Throwable) {
                fake.close()
                throw e
            }
        }
    }
}

// Tail calls: no state machine of their own, so the driver measures the callee alone.
private suspend fun callFacade(session: Session) = session.fetchToken()

private suspend fun callBaseline(cache: PureKotlinTokenCache) = cache.fetchToken()

private suspend fun callRequestToken(fixture: TokenFixture) = fixture.session.native.requestToken(fixture.nativeOptions)
