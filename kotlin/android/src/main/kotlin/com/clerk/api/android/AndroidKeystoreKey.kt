package com.clerk.api.android

import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyPermanentlyInvalidatedException
import android.security.keystore.KeyProperties
import com.clerk.api.DeviceTokenKey
import com.clerk.api.KeyCreationLock
import java.io.File
import java.security.KeyStore
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey

/**
 * A device token store's AES-256-GCM key in the Android Keystore, under [alias], which belongs
 * to that store alone (`DeviceTokenFiles`): created on first use, never exportable, never backed
 * up or transferred with the app's data. The encryption itself is
 * [com.clerk.api.EncryptedDeviceTokenStore]'s, the same code the JVM tests run with a software
 * key.
 *
 * Looking the key up and creating it happen under [lockFile] ([KeyCreationLock]), so that two
 * threads or two processes of the app never both generate it.
 */
internal class AndroidKeystoreKey(private val alias: String, lockFile: File) : DeviceTokenKey {
    private val creation = KeyCreationLock(lockFile)

    @Volatile
    private var key: SecretKey? = null

    override fun get(): SecretKey = key ?: creation.withLock {
        key ?: (existing() ?: generate()).also { key = it }
    }

    /** The Keystore's own verdict; any other failure may pass (a busy or locked Keystore). */
    override fun isPermanentlyInvalid(error: Exception) = error is KeyPermanentlyInvalidatedException

    override fun delete() = creation.withLock {
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
    }
}
