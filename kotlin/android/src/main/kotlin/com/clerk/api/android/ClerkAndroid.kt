package com.clerk.api.android

import android.content.Context

/**
 * Android setup: call [initialize] once, before [com.clerk.api.Clerk.configure], typically in
 * `Application.onCreate`:
 *
 * ```kotlin
 * class App : Application() {
 *     override fun onCreate() {
 *         super.onCreate()
 *         ClerkAndroid.initialize(this)
 *         Clerk.configure(publishableKey = "pk_live_...")
 *     }
 * }
 * ```
 *
 * The Rust core verifies the Clerk API's TLS certificates with Android's own trust manager
 * (rustls-platform-verifier), which it reaches through the JVM and the application context
 * handed over here. Without it, every request fails certificate verification.
 *
 * Thread-safe; calls after the first return at once.
 */
object ClerkAndroid {
    @Volatile
    private var initialized = false

    /** Loads `libclerkkit` and hands the application context to the core's TLS verifier. */
    @JvmStatic
    fun initialize(context: Context) {
        if (initialized) return
        synchronized(this) {
            if (initialized) return
            System.loadLibrary("clerkkit")
            nativeInit(context.applicationContext ?: context)
            initialized = true
        }
    }

    /** Implemented in Rust: bindings/src/android.rs. */
    @JvmStatic
    private external fun nativeInit(context: Context)
}
