package com.clerk.api.support

import com.clerk.api.DeviceTokenKey
import java.security.InvalidKeyException
import java.util.concurrent.atomic.AtomicInteger
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.SecretKeySpec

/**
 * The device token store's key as a software AES-256 key, in place of the Android Keystore's:
 * the store runs the same code with either. Its failures are the Keystore's:
 * - [failWith]: [get] throws, as a Keystore that cannot be reached;
 * - [refusing]: [get] hands out a key the cipher refuses (an [InvalidKeyException] not known to
 *   be final), as a Keystore that fails for a while;
 * - [invalidate]: the same, but permanently ([isPermanentlyInvalid], as Android's
 *   `KeyPermanentlyInvalidatedException`), until the store [delete]s the key and a new one is made.
 */
internal class SoftwareKey(var key: SecretKey = newAesKey()) : DeviceTokenKey {
    @Volatile
    var failWith: RuntimeException? = null

    @Volatile
    var refusing = false

    @Volatile
    private var invalidated = false

    val deletions = AtomicInteger()

    fun invalidate() {
        invalidated = true
    }

    override fun get(): SecretKey {
        failWith?.let { throw it }
        return if (refusing || invalidated) SecretKeySpec(ByteArray(5), "AES") else key
    }

    override fun isPermanentlyInvalid(error: Exception) = invalidated && error is InvalidKeyException

    override fun delete() {
        deletions.incrementAndGet()
        if (invalidated) {
            invalidated = false
            key = newAesKey()
        }
    }

    companion object {
        fun newAesKey(): SecretKey = KeyGenerator.getInstance("AES").apply { init(256) }.generateKey()
    }
}
