package com.clerk.api

import java.io.File
import java.security.MessageDigest

/**
 * The default device token store of each Clerk instance (`ClerkAndroid.configure`): a file of
 * its own in [dir] and a key of its own, named after the file. A key error of one instance
 * (its key deleted as permanently invalid) never touches another instance's key or token.
 */
internal object DeviceTokenFiles {
    /**
     * @param key the key for an alias, created under the given lock file (on Android the
     *   Keystore's, `AndroidKeystoreKey`).
     */
    fun store(dir: File, instance: String, key: (alias: String, lockFile: File) -> DeviceTokenKey): EncryptedDeviceTokenStore {
        val name = "device-token-${fileId(instance)}"
        return EncryptedDeviceTokenStore(File(dir, name), key("$ALIAS_PREFIX$name", File(dir, "$name.lock")), instance)
    }

    /** A short file-name-safe name for an instance (its key or URL may hold any character). */
    private fun fileId(instance: String): String =
        MessageDigest.getInstance("SHA-256").digest(instance.encodeToByteArray())
            .take(8).joinToString("") { "%02x".format(it.toInt() and 0xff) }

    private const val ALIAS_PREFIX = "com.clerk.api."
}
