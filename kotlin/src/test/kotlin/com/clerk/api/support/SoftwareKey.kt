package com.clerk.api.support

import com.clerk.api.DeviceTokenKey
import java.util.concurrent.atomic.AtomicInteger
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.SecretKeySpec

/**
 * The device token store's key as a software AES-256 key, in place of the Android Keystore's:
 * the store runs the same code with either. [failWith] makes [get] throw, as a Keystore that
 * cannot be reached does; [rejectOnce] hands out a key the cipher refuses, as an invalidated
 * Keystore key is, until the store [delete]s it.
 */
internal class SoftwareKey(var key: SecretKey = newAesKey()) : DeviceTokenKey {
    @Volatile
    var failWith: RuntimeException? = null

    @Volatile
    private var rejected = false

    val deletions = AtomicInteger()

    /** From now on [get] returns a key the cipher rejects, until the store deletes it. */
    fun rejectOnce() {
        rejected = true
    }

    override fun get(): SecretKey {
        failWith?.let { throw it }
        return if (rejected) SecretKeySpec(ByteArray(5), "AES") else key
    }

    override fun delete() {
        deletions.incrementAndGet()
        if (rejected) {
            rejected = false
            key = newAesKey()
        }
    }

    companion object {
        fun newAesKey(): SecretKey = KeyGenerator.getInstance("AES").apply { init(256) }.generateKey()
    }
}
