package com.clerk.api

import com.clerk.api.ffi.DeviceTokenStore as NativeDeviceTokenStore

/**
 * Keeps the device token, this client's credential, across app launches: give one to
 * [Clerk.configure]. On Android, `ClerkAndroid.configure` uses one backed by the Android
 * Keystore unless you pass your own.
 *
 * The engine calls it from its own threads, before requests and whenever the server sends a
 * new token, so both methods must be thread-safe and quick (keep the value in memory). An
 * exception thrown here fails the call that needed the store with [ErrorType.INTERNAL]; it
 * does not crash the app.
 */
interface DeviceTokenStore {
    /** The stored token, or `null` if there is none. */
    fun load(): String?

    /** Stores [token]; `null` removes the stored one (signed out, or cleared by the server). */
    fun save(token: String?)
}

/** The app's store as the generated bindings take it. */
internal class NativeTokenStore(private val store: DeviceTokenStore) : NativeDeviceTokenStore {
    override fun load(): String? = store.load()

    override fun save(token: String?) = store.save(token)
}
