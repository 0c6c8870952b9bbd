package com.clerk.api

import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import java.util.logging.Level

/**
 * The entry point: [configure] once when the app starts, then sign in and fetch tokens from
 * [session].
 *
 * Thread-safe. Before [configure], [session] is `null` and every call returns a
 * [ClerkResult.Failure] with [ErrorType.CONFIGURATION] instead of throwing.
 */
object Clerk {
    /** The engine and the store it was given, replaced together by [configure]. */
    private class Configured(val core: ClerkCore, val tokenStore: DeviceTokenStore?)

    @Volatile
    private var configured: Configured? = null

    private val core: ClerkCore? get() = configured?.core

    /**
     * Points Clerk at your instance: give the [publishableKey] from the Clerk Dashboard, or the
     * instance's [frontendApiUrl]. Calling it again starts over with a new engine.
     *
     * @param tokenStore keeps the device token (this client's credential) across app launches.
     *   Without one it lives in memory only. On Android, `ClerkAndroid.configure` gives one
     *   backed by the Android Keystore.
     * @param requestTimeoutSeconds the limit for each HTTP request.
     * @param autoRefresh keeps the active session's token fresh in the background, so
     *   [fetchToken] never waits on the network for it once warmed up. Call [pause] and
     *   [resume] from your app's lifecycle (e.g. `ProcessLifecycleOwner`) so no timer runs while
     *   the app is in the background.
     * @param clock for tests only: replaces the system clock. With `ManualClock(start)`, retry
     *   waits return at once (they are recorded in [ManualClock.sleepsMs]) and background
     *   refresh cannot time anything, so pass `autoRefresh = false`; with
     *   `ManualClock(start, waitForAdvance = true)` waits last until the test moves the clock.
     *   Apps leave it `null`.
     * @throws IllegalArgumentException if neither a key nor a URL is given, either is malformed,
     *   or the timeout is not positive.
     */
    fun configure(
        publishableKey: String? = null,
        frontendApiUrl: String? = null,
        tokenStore: DeviceTokenStore? = null,
        requestTimeoutSeconds: Double = 15.0,
        autoRefresh: Boolean = true,
        clock: ManualClock? = null,
    ) {
        val settings = ClerkSettings(
            publishableKey = publishableKey,
            frontendApiUrl = frontendApiUrl,
            requestTimeoutSeconds = requestTimeoutSeconds,
            sdkName = SdkInfo.NAME,
            sdkVersion = SdkInfo.version,
            autoRefresh = autoRefresh,
        )
        val core = try {
            ClerkCore(settings, tokenStore, clock)
        } catch (e: ClerkException) {
            throw IllegalArgumentException("Clerk.configure: ${(e as? ClerkException.Configuration)?.detail ?: e.message}", e)
        }
        configured = Configured(core, tokenStore)
    }

    /** The active session, or `null` when signed out (or not configured). No I/O. */
    val session: Session?
        get() = core?.session()

    /**
     * Loads this client from the Clerk API (e.g. at app start, with a persisted device token)
     * and returns its active session, if any.
     */
    suspend fun load(): ClerkResult<Session?, ClerkErrorResponse> = withCore { it.load() }

    /** Signs in with a sign-in token (ticket) that your backend created for the user. */
    suspend fun signInWithTicket(ticket: String): ClerkResult<Session, ClerkErrorResponse> =
        withCore { it.signInWithTicket(ticket) }

    /**
     * Signs the active session out; its cached tokens are dropped at once. When no session is
     * left, the device token is removed from the [DeviceTokenStore] too, even if the Clerk API
     * could not be reached, so that no later launch restores the session (as Clerk's Android
     * SDK does).
     */
    suspend fun signOut(): ClerkResult<Unit, ClerkErrorResponse> = withConfigured { current ->
        try {
            current.core.signOut()
        } finally {
            if (current.core.session() == null) current.forgetDeviceToken()
        }
    }

    /** A store that throws is the app's own; its failure must not hide the sign-out's result. */
    private fun Configured.forgetDeviceToken() {
        try {
            tokenStore?.save(null)
        } catch (e: Exception) {
            clerkLog.log(Level.WARNING, "Clerk: the token store failed to remove the device token at sign-out (${e.javaClass.name})")
        }
    }

    /**
     * The app went to the background: background refresh stops and no timer runs until
     * [resume]. [fetchToken] keeps working, fetching on demand.
     */
    fun pause() {
        core?.pause()
    }

    /**
     * The app is in the foreground again: a token that went stale meanwhile is refreshed at
     * once; one that expired is fetched by the next [fetchToken].
     */
    fun resume() {
        core?.resume()
    }

    /**
     * Refreshed tokens, ended sessions and device token changes, from the moment collection
     * starts, for the engine configured at that moment (completes at once if none is).
     * Events arrive on a background thread; collect them on the dispatcher you need.
     */
    val events: Flow<ClerkEvent>
        get() = callbackFlow {
            val current = core
            if (current == null) {
                close()
                return@callbackFlow
            }
            val subscription = current.subscribe(object : ClerkEventListener {
                override fun onEvent(event: NativeClerkEvent) {
                    trySend(event.toClerkEvent())
                }
            })
            awaitClose { subscription.use { it.cancel() } }
        }.buffer(Channel.UNLIMITED)

    /** Returns once background refresh has caught up with a test's [ManualClock]. For tests. */
    internal suspend fun settled() {
        core?.settled()
    }

    /** Forgets the configuration, as if [configure] had never been called. For tests. */
    internal fun reset() {
        configured = null
    }

    private inline fun <T> withCore(call: (ClerkCore) -> T): ClerkResult<T, ClerkErrorResponse> =
        withConfigured { call(it.core) }

    private inline fun <T> withConfigured(call: (Configured) -> T): ClerkResult<T, ClerkErrorResponse> {
        val current = configured ?: return ClerkResult.Failure(
            null,
            ErrorType.CONFIGURATION,
            IllegalStateException("Clerk is not configured: call Clerk.configure(...) first"),
        )
        return clerkResult { call(current) }
    }
}
