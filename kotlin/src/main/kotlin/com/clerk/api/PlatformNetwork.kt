package com.clerk.api

/**
 * The device's network as the platform's monitor last reported it (`ClerkAndroid` registers
 * one with `ConnectivityManager`); `null` without a monitor, as on the JVM, which assumes a
 * network. Written through [Clerk.networkChanged], which also tells the engine.
 */
internal object PlatformNetwork {
    @Volatile
    var online: Boolean? = null

    /** Whether the device may have a network: false only when the monitor says it has none. */
    fun hasNetwork(): Boolean = online != false
}
