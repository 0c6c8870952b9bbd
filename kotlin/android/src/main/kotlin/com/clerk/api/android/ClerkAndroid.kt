package com.clerk.api.android

import android.content.Context
import com.clerk.api.Clerk
import com.clerk.api.DeviceTokenStore
import com.clerk.api.EncryptedDeviceTokenStore
import java.io.File
import java.security.MessageDigest

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
 * It [initialize]s the library, then configures [Clerk] with a device token store that keeps
 * the user signed in across launches: AES-256-GCM under a key in the Android Keystore, the
 * ciphertext in the app's no-backup files folder.
 *
 * The Rust core verifies the Clerk API's TLS certificates with Android's own trust manager
 * (rustls-platform-verifier), which it reaches through the JVM and the application context
 * handed over by [initialize]. Without it, every request fails certificate verification.
 *
 * Thread-safe.
 */
object ClerkAndroid {
    @Volatile
    private var initialized = false

    /** One key object and one store per file, so that every engine sees the same token. */
    private val keystoreKey by lazy { AndroidKeystoreKey(KEY_ALIAS) }
    private val stores = HashMap<File, EncryptedDeviceTokenStore>()

    /**
     * [Clerk.configure] for Android: [initialize]s the library, then points Clerk at your
     * instance (the [publishableKey] from the Clerk Dashboard, or its [frontendApiUrl]).
     *
     * @param tokenStore where the device token (this client's credential) lives between
     *   launches. By default it is encrypted under a non-exportable Android Keystore key in
     *   `noBackupFilesDir`, one file per instance: it survives app updates and restarts, and is
     *   gone after uninstalling or clearing the app's data. Auto Backup leaves it out, and on
     *   another device (a device transfer, a copied data folder) the Keystore key is missing,
     *   so the user signs in again there. Stored data that cannot be decrypted counts as signed
     *   out and is removed, with a warning in logcat.
     *   Give your own [DeviceTokenStore] to keep it elsewhere.
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
    ) {
        initialize(context)
        val store = tokenStore ?: defaultStore(context, instance = frontendApiUrl ?: publishableKey.orEmpty())
        Clerk.configure(
            publishableKey = publishableKey,
            frontendApiUrl = frontendApiUrl,
            tokenStore = store,
            requestTimeoutSeconds = requestTimeoutSeconds,
            autoRefresh = autoRefresh,
        )
    }

    /** Nothing is read or decrypted here: the store does that on the engine's first request. */
    private fun defaultStore(context: Context, instance: String): DeviceTokenStore {
        val app = context.applicationContext ?: context
        val file = File(File(app.noBackupFilesDir, "clerk-kit"), "device-token-${fileId(instance)}")
        return synchronized(stores) {
            stores.getOrPut(file) { EncryptedDeviceTokenStore(file, keystoreKey, instance) }
        }
    }

    /** A short file-name-safe name for an instance (its key or URL may hold any character). */
    private fun fileId(instance: String): String =
        MessageDigest.getInstance("SHA-256").digest(instance.encodeToByteArray())
            .take(8).joinToString("") { "%02x".format(it.toInt() and 0xff) }

    private const val KEY_ALIAS = "com.clerk.api.device-token"

    /**
     * Loads `libclerkkit` and hands the application context to the core's TLS verifier.
     * [configure] calls it; call it yourself only before configuring through [Clerk.configure]
     * (with your own [DeviceTokenStore]). Calls after the first return at once.
     */
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
