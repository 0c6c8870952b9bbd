package com.clerk.api

import com.clerk.api.ffi.ClerkCore
import com.clerk.api.ffi.ClerkEventListener
import com.clerk.api.ffi.ClerkSettings
import com.clerk.api.ffi.HttpTransport
import com.clerk.api.ffi.ClerkEvent as NativeClerkEvent
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import java.util.logging.Level

/** One configured engine and the app's store it was given, replaced together by [Clerk.configure]. */
internal class Engine private constructor(private val core: ClerkCore, private val tokenStore: DeviceTokenStore?) {
    val session: Session? get() = native { core.session() }?.let { Session(it, this) }

    suspend fun load(): Session? = native { core.load() }?.let { Session(it, this) }

    suspend fun signInWithTicket(ticket: String): Session = Session(native { core.signInWithTicket(ticket) }, this)

    /** Signs the active session out; see [signOut] below. */
    suspend fun signOut(): ClerkResult<Unit, ClerkErrorResponse> = signOut { core.signOut() }

    /**
     * Runs a sign-out; when no session is left, the device token is removed from the store
     * too, even if the Clerk API could not be reached, so that no later launch restores it.
     */
    suspend fun signOut(call: suspend () -> Unit): ClerkResult<Unit, ClerkErrorResponse> =
        try {
            clerkResult { call() }
        } finally {
            if (native { core.session() } == null) forgetDeviceToken()
        }

    /** A store that throws is the app's own; its failure must not hide the sign-out's result. */
    private fun forgetDeviceToken() {
        try {
            tokenStore?.save(null)
        } catch (e: Exception) {
            clerkLog.log(Level.WARNING, "Clerk: the token store failed to remove the device token at sign-out (${e.javaClass.name})")
        }
    }

    fun pause() = core.pause()

    fun resume() = core.resume()

    val events: Flow<ClerkEvent>
        get() = callbackFlow {
            val subscription = core.subscribe(object : ClerkEventListener {
                override fun onEvent(event: NativeClerkEvent) {
                    trySend(event.toClerkEvent())
                }
            })
            awaitClose { subscription.use { it.cancel() } }
        }.buffer(Channel.UNLIMITED)

    companion object {
        /**
         * @param transport sends the core's requests: the shipped library has no HTTP stack of
         *   its own.
         * @throws ClerkException.Configuration for settings the core rejects.
         */
        fun create(settings: ClerkSettings, tokenStore: DeviceTokenStore?, transport: HttpTransport): Engine =
            Engine(native { ClerkCore(settings, tokenStore?.let(::NativeTokenStore), transport) }, tokenStore)
    }
}
