package com.clerk.api

import com.clerk.api.ffi.ClerkSettings
import com.clerk.api.ffi.HttpTransport
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.emitAll
import kotlinx.coroutines.flow.flow
import okhttp3.OkHttpClient

/**
 * The entry point: [configure] once when the app starts, then sign in and fetch tokens from
 * [session].
 *
 * Thread-safe. Before [configure], [session] is `null` and every call returns a
 * [ClerkResult.Failure] with [ErrorType.CONFIGURATION] instead of throwing.
 */
object Clerk {
    @Volatile
    private var engine: Engine? = null

    /**
     * Points Clerk at your instance: give the [publishableKey] from the Clerk Dashboard, or the
     * instance's [frontendApiUrl]. Calling it again starts over with a new engine.
     *
     * @param tokenStore keeps the device token (this client's credential) across app launches.
     *   Without one it lives in memory only. On Android, `ClerkAndroid.configure` gives one
     *   backed by the Android Keystore.
     * @param requestTimeoutSeconds the limit for each HTTP request.
     * @param callDeadlineSeconds how long a call may wait on the network, every attempt and
     *   retry wait included; past it the call fails with [ErrorType.TIMEOUT] while the shared
     *   request goes on and its token lands in the cache. [GetTokenOptions.deadline] overrides it
     *   per call.
     * @param autoRefresh keeps the active session's token fresh in the background, so
     *   [fetchToken] never waits on the network for it once warmed up. Call [pause] and
     *   [resume] from your app's lifecycle (e.g. `ProcessLifecycleOwner`) so no timer runs while
     *   the app is in the background.
     * @param okHttpClient your app's client, for Clerk's requests to share its connection pool,
     *   dispatcher, proxy, DNS, TLS set-up and certificate pinner. Its interceptors and event
     *   listener are left out (they would see the device token), and so are its redirects,
     *   retries, authenticator, cookies, cache and timeouts: Clerk's requests follow the SDK's
     *   rules whatever the client says. Without one, the SDK uses an OkHttp client of its own.
     * @throws IllegalArgumentException if neither a key nor a URL is given, either is malformed,
     *   or the timeout or the deadline is not positive.
     */
    fun configure(
        publishableKey: String? = null,
        frontendApiUrl: String? = null,
        tokenStore: DeviceTokenStore? = null,
        requestTimeoutSeconds: Double = 15.0,
        autoRefresh: Boolean = true,
        okHttpClient: OkHttpClient? = null,
        callDeadlineSeconds: Double = 10.0,
    ) {
        configure(
            publishableKey, frontendApiUrl, tokenStore, requestTimeoutSeconds, autoRefresh, callDeadlineSeconds,
            okHttpClient?.let { OkHttpTransport(it) } ?: OkHttpTransport.shared,
        )
    }

    /** [configure] with the transport given: tests wrap the facade's own. */
    internal fun configure(
        publishableKey: String?,
        frontendApiUrl: String?,
        tokenStore: DeviceTokenStore?,
        requestTimeoutSeconds: Double,
        autoRefresh: Boolean,
        callDeadlineSeconds: Double,
        transport: HttpTransport,
    ) {
        require(callDeadlineSeconds > 0) { "Clerk.configure: callDeadlineSeconds must be positive, not $callDeadlineSeconds" }
        val settings = ClerkSettings(
            publishableKey = publishableKey,
            frontendApiUrl = frontendApiUrl,
            requestTimeoutSeconds = requestTimeoutSeconds,
            sdkName = SdkInfo.NAME,
            autoRefresh = autoRefresh,
            callDeadlineSeconds = callDeadlineSeconds,
        )
        val created = try {
            Engine.create(settings, tokenStore, transport)
        } catch (e: ClerkException) {
            throw IllegalArgumentException("Clerk.configure: ${e.message}", e)
        }
        // Under the lock, so that a change the monitor reports meanwhile reaches this engine.
        // Without a monitor (the JVM) the engine keeps its own start state, which is online
        // (or, for a test kit's fake, the fake's).
        synchronized(PlatformNetwork) {
            PlatformNetwork.online?.let(created::setOnline)
            engine = created
        }
    }

    /** The active session, or `null` when signed out (or not configured). No I/O. */
    val session: Session?
        get() = engine?.session

    /**
     * Loads this client from the Clerk API (e.g. at app start, with a persisted device token)
     * and returns its active session, if any.
     */
    suspend fun load(): ClerkResult<Session?, ClerkErrorResponse> = withEngine { it.load() }

    /** Signs in with a sign-in token (ticket) that your backend created for the user. */
    suspend fun signInWithTicket(ticket: String): ClerkResult<Session, ClerkErrorResponse> =
        withEngine { it.signInWithTicket(ticket) }

    /**
     * Signs the active session out; its cached tokens are dropped at once. When no session is
     * left, the device token is removed from the [DeviceTokenStore] too, even if the Clerk API
     * could not be reached, so that no later launch restores the session (as Clerk's Android
     * SDK does).
     */
    suspend fun signOut(): ClerkResult<Unit, ClerkErrorResponse> {
        val current = engine ?: return notConfigured()
        return current.signOut()
    }

    /**
     * The app went to the background: background refresh stops and no timer runs until
     * [resume]. [fetchToken] keeps working, fetching on demand.
     */
    fun pause() {
        engine?.pause()
    }

    /**
     * The app is in the foreground again: a token that went stale meanwhile is refreshed at
     * once; one that expired is fetched by the next [fetchToken].
     */
    fun resume() {
        engine?.resume()
    }

    /**
     * Refreshed tokens, ended sessions and device token changes, from the moment collection
     * starts, for the engine configured at that moment (completes at once if none is).
     * Events arrive on a background thread; collect them on the dispatcher you need.
     */
    val events: Flow<ClerkEvent>
        get() = flow { engine?.let { emitAll(it.events) } }

    /**
     * The counters of the engine configured now, since it was configured ([ClerkMetrics.NONE]
     * before [configure]): cache hits and misses, requests, retries, failures by kind, stale
     * tokens served, background refreshes. No token or secret in them.
     */
    val metrics: ClerkMetrics
        get() = engine?.metrics ?: ClerkMetrics.NONE

    /**
     * One [RequestMetric] per HTTP attempt (route, attempt number, outcome, duration, response
     * bytes) from the moment collection starts, for the engine configured at that moment
     * (completes at once if none is). For your own telemetry; no token or secret in them.
     * Collection subscribes before it first suspends: a collector launched with
     * `start = CoroutineStart.UNDISPATCHED` sees every attempt made after the launch. Records
     * arrive on a background thread; a collector far behind loses the oldest.
     */
    val requestMetrics: Flow<RequestMetric>
        get() = flow { engine?.let { emitAll(it.requestMetrics) } }

    /**
     * What the platform's network monitor reports (on Android, `ClerkAndroid`'s): offline, a
     * call that needs the network fails at once with [NetworkReason.OFFLINE]; back online, a
     * stale token is refreshed at once. Engines configured later start in the last state
     * reported.
     */
    internal fun networkChanged(online: Boolean) {
        synchronized(PlatformNetwork) {
            PlatformNetwork.online = online
            engine?.setOnline(online)
        }
    }

    /**
     * [requestMetrics] as a callback, subscribed before it returns (a collector's subscription
     * starts a little later): for tests that must not miss a record. `null` if not configured.
     */
    internal fun observeRequests(onRequest: (RequestMetric) -> Unit): AutoCloseable? =
        engine?.observeRequests(onRequest)

    /** Forgets the configuration and the network reported, as if [configure] had never been called. For tests. */
    internal fun reset() {
        synchronized(PlatformNetwork) {
            PlatformNetwork.online = null
            engine = null
        }
    }

    private inline fun <T> withEngine(call: (Engine) -> T): ClerkResult<T, ClerkErrorResponse> {
        val current = engine ?: return notConfigured()
        return clerkResult { call(current) }
    }

    private fun notConfigured() = ClerkResult.Failure(
        null,
        ErrorType.CONFIGURATION,
        IllegalStateException("Clerk is not configured: call Clerk.configure(...) first"),
    )
}
