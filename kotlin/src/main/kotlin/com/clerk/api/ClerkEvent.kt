package com.clerk.api

import com.clerk.api.ffi.ClerkEvent as NativeClerkEvent

/** Something that happened to the session or its tokens; collect them from [Clerk.events]. */
sealed interface ClerkEvent {
    /**
     * A token was fetched and cached: [token] is what [fetchToken] now returns for the same
     * [template] and [organizationId] (both `null` for the session token).
     */
    data class TokenRefreshed(
        val sessionId: String,
        val template: String?,
        val organizationId: String?,
        val token: TokenResource,
    ) : ClerkEvent

    /**
     * The session is over and its tokens are gone: [reason] is its status or the server's
     * error code (`ended` after [Clerk.signOut]); [message] is the server's explanation, if any.
     */
    data class SessionEnded(val sessionId: String, val reason: String, val message: String?) : ClerkEvent

    /**
     * The server rotated ([cleared] `false`) or cleared the device token; your
     * [DeviceTokenStore] has already been given the new value.
     */
    data class DeviceTokenChanged(val cleared: Boolean) : ClerkEvent
}

internal fun NativeClerkEvent.toClerkEvent(): ClerkEvent = when (this) {
    is NativeClerkEvent.TokenRefreshed ->
        ClerkEvent.TokenRefreshed(sessionId, template, organizationId, token.toTokenResource())
    is NativeClerkEvent.SessionEnded -> ClerkEvent.SessionEnded(sessionId, reason, message)
    is NativeClerkEvent.DeviceTokenChanged -> ClerkEvent.DeviceTokenChanged(cleared)
}
