package com.clerk.api.android

import android.content.Context
import android.net.ConnectivityManager
import android.net.Network
import com.clerk.api.clerkLog
import java.util.logging.Level

/**
 * Tells [report] whether the device has a default network: at once from
 * `ConnectivityManager.activeNetwork`, then at every change `registerDefaultNetworkCallback`
 * reports (the default network is the one the app's requests, Clerk's included, go out on).
 *
 * Without the callback (a system that refuses it) it reports nothing, and the engine assumes a
 * network: requests then fail as they would without the monitor, only later.
 */
internal class NetworkMonitor private constructor(
    private val connectivity: ConnectivityManager,
    private val callback: ConnectivityManager.NetworkCallback,
) {
    /** Stops the callbacks; nothing is reported after it returns. */
    fun stop() {
        try {
            connectivity.unregisterNetworkCallback(callback)
        } catch (e: RuntimeException) {
            // Never registered, or already unregistered: nothing to stop.
        }
    }

    companion object {
        fun start(context: Context, report: (online: Boolean) -> Unit): NetworkMonitor? {
            val connectivity = context.getSystemService(ConnectivityManager::class.java) ?: return null
            val callback = object : ConnectivityManager.NetworkCallback() {
                /** The default network now; a loss of any other (the one before) changes nothing. */
                private var current: Network? = null

                override fun onAvailable(network: Network) {
                    synchronized(this) { current = network }
                    report(true)
                }

                override fun onLost(network: Network) {
                    val lostDefault = synchronized(this) {
                        (current == null || current == network).also { if (it) current = null }
                    }
                    if (lostDefault) report(false)
                }
            }
            return try {
                report(connectivity.activeNetwork != null)
                connectivity.registerDefaultNetworkCallback(callback)
                NetworkMonitor(connectivity, callback)
            } catch (e: RuntimeException) {
                // SecurityException without ACCESS_NETWORK_STATE (the AAR's manifest asks for
                // it), or too many callbacks registered by the app.
                clerkLog.log(Level.WARNING, "Clerk: no network monitor (${e.javaClass.name}); assuming a network")
                report(true)
                null
            }
        }
    }
}
