package com.clerk.api

/**
 * The entry point: [configure] once when the app starts, then sign in and fetch tokens from
 * [session].
 *
 * Thread-safe. Before [configure], [session] is `null` and every call returns a
 * [ClerkResult.Failure] with [ErrorType.CONFIGURATION] instead of throwing.
 */
object Clerk {
    @Volatile
    private var core: ClerkCore? = null

    /**
     * Points Clerk at your instance: give the [publishableKey] from the Clerk Dashboard, or the
     * instance's [frontendApiUrl]. Calling it again starts over with a new engine.
     *
     * @param tokenStore keeps the device token (this client's credential) across app launches,
     *   e.g. backed by the Android Keystore. Without one it lives in memory only.
     * @param requestTimeoutSeconds the limit for each HTTP request.
     * @param clock for tests only: replaces the system clock, and retry waits return at once
     *   (they are recorded in [ManualClock.sleepsMs]). Apps leave it `null`.
     * @throws IllegalArgumentException if neither a key nor a URL is given, either is malformed,
     *   or the timeout is not positive.
     */
    fun configure(
        publishableKey: String? = null,
        frontendApiUrl: String? = null,
        tokenStore: DeviceTokenStore? = null,
        requestTimeoutSeconds: Double = 15.0,
        clock: ManualClock? = null,
    ) {
        val settings = ClerkSettings(
            publishableKey = publishableKey,
            frontendApiUrl = frontendApiUrl,
            requestTimeoutSeconds = requestTimeoutSeconds,
            sdkName = SdkInfo.NAME,
            sdkVersion = SdkInfo.version,
        )
        val configured = try {
            ClerkCore(settings, tokenStore, clock)
        } catch (e: ClerkException) {
            throw IllegalArgumentException("Clerk.configure: ${(e as? ClerkException.Configuration)?.detail ?: e.message}", e)
        }
        core = configured
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

    /** Signs the active session out; its cached tokens are dropped at once. */
    suspend fun signOut(): ClerkResult<Unit, ClerkErrorResponse> = withCore { it.signOut() }

    /** Forgets the configuration, as if [configure] had never been called. For tests. */
    internal fun reset() {
        core = null
    }

    private inline fun <T> withCore(call: (ClerkCore) -> T): ClerkResult<T, ClerkErrorResponse> {
        val core = core ?: return ClerkResult.Failure(
            null,
            ErrorType.CONFIGURATION,
            IllegalStateException("Clerk is not configured: call Clerk.configure(...) first"),
        )
        return clerkResult { call(core) }
    }
}
