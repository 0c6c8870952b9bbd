package com.clerk.api

import com.clerk.api.ffi.ClerkCore
import com.clerk.api.ffi.ClerkEventListener
import com.clerk.api.ffi.ClerkSettings
import com.clerk.api.ffi.HttpTransport
import com.clerk.api.ffi.RequestMetricListener
import com.clerk.api.ffi.RequestMetric as NativeRequestMetric
import com.clerk.api.ffi.ClerkEvent as NativeClerkEvent
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.flow.flow

/** One configured engine, replaced by [Clerk.configure]. */
internal class Engine private constructor(private val core: ClerkCore) {
    val session: Session? get() = native { core.session() }?.let { Session(it) }

    suspend fun load(): Session? = native { core.load() }?.let { Session(it) }

    suspend fun signInWithTicket(ticket: String): Session = Session(native { core.signInWithTicket(ticket) })

    /**
     * Signs the active session out. The engine removes the device token from the store when
     * no session is left, whatever the server answered (core `end_session`).
     */
    suspend fun signOut(): ClerkResult<Unit, ClerkErrorResponse> = clerkResult { core.signOut() }

    fun pause() = core.pause()

    fun resume() = core.resume()

    /** What the platform's network monitor reports; see [PlatformNetwork]. */
    fun setOnline(online: Boolean) = core.setOnline(online)

    val metrics: ClerkMetrics get() = native { core.metrics() }.toClerkMetrics()

    /**
     * A subscription per collector, made before the collector first suspends (so a collector
     * started undispatched sees every later attempt) and cancelled when it stops.
     */
    val requestMetrics: Flow<RequestMetric>
        get() = flow {
            val records = Channel<RequestMetric>(Channel.UNLIMITED)
            val subscription = observeRequests { records.trySend(it) }
            try {
                for (record in records) emit(record)
            } finally {
                subscription.close()
            }
        }

    /** Every attempt's record from now on to [onRequest], on a background thread, until closed. */
    fun observeRequests(onRequest: (RequestMetric) -> Unit): AutoCloseable {
        val subscription = core.observeRequests(object : RequestMetricListener {
            override fun onRequest(metric: NativeRequestMetric) {
                onRequest(metric.toRequestMetric())
            }
        })
        return AutoCloseable { subscription.use { it.cancel() } }
    }

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
            Engine(native { ClerkCore(settings, tokenStore?.let(::NativeTokenStore), transport) })
    }
}
