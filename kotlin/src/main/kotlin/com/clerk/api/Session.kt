package com.clerk.api

import com.clerk.api.ffi.Session as NativeSession

/**
 * A signed-in session: [Clerk.session], or what [Clerk.signInWithTicket] and [Clerk.load]
 * return. Fetch its tokens with [fetchToken] or [authorizationHeader].
 *
 * Thread-safe. Once the session ends (signed out, revoked, expired) [isActive] is `false` and
 * [fetchToken] fails with [ErrorType.NO_SESSION]; sign in again for a new one.
 */
class Session {
    internal val native: NativeSession

    internal constructor(native: NativeSession) {
        this.native = native
        id = native.id()
        userId = native.userId()
    }

    /** The session's id (`sess_...`). */
    val id: String

    /** The id of the signed-in user (`user_...`). */
    val userId: String?

    /** Whether the session is still active, as far as this client knows. No I/O. */
    val isActive: Boolean get() = native.isActive()

    /** The cache peek behind [fetchToken]; see [TokenPeek.of]. */
    @Volatile
    internal var peek: TokenPeek? = null

    /**
     * Signs this session out, as [Clerk.signOut] does for the active one: its cached tokens are
     * dropped at once, and with no session left the device token is removed from the
     * [DeviceTokenStore].
     */
    suspend fun signOut(): ClerkResult<Unit, ClerkErrorResponse> = clerkResult { native.signOut() }

    /** Sessions are equal when they have the same [id]. */
    override fun equals(other: Any?) = other is Session && other.id == id

    override fun hashCode() = id.hashCode()

    override fun toString() = "Session(id=$id, userId=$userId)"
}
