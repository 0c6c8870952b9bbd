package com.clerk.api.android

import android.content.Context
import com.clerk.api.Clerk
import com.clerk.api.DeviceTokenFiles
import com.clerk.api.DeviceTokenStore
import com.clerk.api.EncryptedDeviceTokenStore
import okhttp3.OkHttpClient
import java.io.File

/**
 * Android setup: call [configure] once, typically in `Application.onCreate`:
 *
 * ```kotlin
 * class App : Application() {
 *     override fun onCreate() {
 *         super.onCreate()
 *         ClerkAndroid.configure(this, publishableKey = "pk_live_...")
 *     }
 * }
 * ```
 *
 * It configures [Clerk] with a device token store that keeps the user signed in across
 * launches: AES-256-GCM under a key in the Android Keystore, the ciphertext in the app's
 * no-backup files folder.
 *
 * The core's requests go through OkHttp, so Android's proxy settings, Network Security Config
 * and user-installed CAs apply to them as to the app's own requests.
 *
 * It also watches the device's default network (`ConnectivityManager`): while there is none, a
 * call that needs the network fails at once with [com.clerk.api.NetworkReason.OFFLINE] instead
 * of retrying, and when it returns a stale token is refreshed at once.
 *
 * Thread-safe.
 */
object ClerkAndroid {
    /** One store (and key) per instance, so that every engine of an instance sees the same token. */
    private val stores = HashMap<String, EncryptedDeviceTokenStore>()

    /** The network monitor of the last [configure]; one for the process. */
    private var monitor: NetworkMonitor? = null

    /**
     * [Clerk.configure] for Android: points Clerk at your instance (the [publishableKey] from
     * the Clerk Dashboard, or its [frontendApiUrl]).
     *
     * @param tokenStore where the device token (this client's credential) lives between
     *   launches. By default it is encrypted under a non-exportable Android Keystore key in
     *   `noBackupFilesDir`, one file per instance: it survives app updates and restarts, and is
     *   gone after uninstalling or clearing the app's data. Auto Backup leaves it out, and on
     *   another device (a device transfer, a copied data folder) the Keystore key is missing,
     *   so the user signs in again there. Stored data that can never be decrypted (corrupt,
     *   another device's, a permanently invalidated key) counts as signed out and is removed;
     *   a Keystore failure that may pass leaves it for the next launch. Either way with a
     *   warning in logcat. Each instance has its own file and its own Keystore key.
     *   Give your own [DeviceTokenStore] to keep it elsewhere.
     * @param okHttpClient your app's client, for Clerk's requests to share its connection pool,
     *   proxy and certificate pinner (its interceptors are left out); see [Clerk.configure].
     * @see Clerk.configure for the other parameters.
     * @throws IllegalArgumentException if neither a key nor a URL is given, either is malformed,
     *   or the timeout is not positive.
     */
    @JvmStatic
    @JvmOverloads
    fun configure(
        context: Context,
        publishableKey: String? = null,
        frontendApiUrl: String? = null,
        tokenStore: DeviceTokenStore? = null,
        requestTimeoutSeconds: Double = 15.0,
        autoRefresh: Boolean = true,
        okHttpClient: OkHttpClient? = null,
        callDeadlineSeconds: Double = 10.0,
    ) {
        val store = tokenStore ?: defaultStore(context, instance = frontendApiUrl ?: publishableKey.orEmpty())
        Clerk.configure(
            publishableKey = publishableKey,
            frontendApiUrl = frontendApiUrl,
            tokenStore = store,
            requestTimeoutSeconds = requestTimeoutSeconds,
            autoRefresh = autoRefresh,
            okHttpClient = okHttpClient,
            callDeadlineSeconds = callDeadlineSeconds,
        )
        // Replaced rather than added to: a reconfigured app still has one callback registered.
        // The new monitor reports the current state at once, which reaches the new engine.
        synchronized(this) {
            monitor?.stop()
            monitor = NetworkMonitor.start(context.applicationContext ?: context, Clerk::networkChanged)
        }
    }

    /** Nothing is read or decrypted here: the store does that on the engine's first request. */
    private fun defaultStore(context: Context, instance: String): DeviceTokenStore {
        val app = context.applicationContext ?: context
        val dir = File(app.noBackupFilesDir, "clerk-kit")
        return synchronized(stores) {
            stores.getOrPut(instance) { DeviceTokenFiles.store(dir, instance, ::AndroidKeystoreKey) }
        }
    }
}
