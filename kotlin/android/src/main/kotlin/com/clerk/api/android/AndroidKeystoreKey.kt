package com.clerk.api.android

import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import com.clerk.api.DeviceTokenKey
import java.security.KeyStore
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey

/**
 * The device token store's AES-256-GCM key in the Android Keystore, under [alias]: created on
 * first use, never exportable, never backed up or transferred with the app's data. The
 * encryption itself is [com.clerk.api.EncryptedDeviceTokenStore]'s, the same code the JVM
 * tests run with a software key.
 */
internal class AndroidKeystoreKey(private val alias: String) : DeviceTokenKey {
    @Volatile
    private var key: SecretKey? = null

    override fun get(): SecretKey = key ?: synchronized(LOCK) {
        key ?: (existing() ?: generate()).also { key = it }
    }

    override fun delete() = synchronized(LOCK) {
        key = null
        keyStore().deleteEntry(alias)
    }

    private fun existing(): SecretKey? = keyStore().getKey(alias, null) as? SecretKey

    private fun generate(): SecretKey {
        val spec = KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
            .setKeySize(256)
            .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
            .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
            // The Keystore draws every IV; the engine refreshes in the background, so no user
            // authentication or unlocked screen is required.
            .setRandomizedEncryptionRequired(true)
            .setUserAuthenticationRequired(false)
            .build()
        return KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, PROVIDER)
            .apply { init(spec) }
            .generateKey()
    }

    private fun keyStore(): KeyStore = KeyStore.getInstance(PROVIDER).apply { load(null) }

    private companion object {
        const val PROVIDER = "AndroidKeyStore"

        /** Every store shares one alias: two must never generate it at the same time. */
        val LOCK = Any()
    }
}
