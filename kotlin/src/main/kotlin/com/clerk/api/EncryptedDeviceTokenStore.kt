package com.clerk.api

import java.io.File
import java.io.FileNotFoundException
import java.io.FileOutputStream
import java.io.IOException
import java.nio.ByteBuffer
import java.nio.charset.CharacterCodingException
import java.security.GeneralSecurityException
import java.security.InvalidKeyException
import java.util.logging.Level
import javax.crypto.AEADBadTagException
import javax.crypto.Cipher
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * The AES key of an [EncryptedDeviceTokenStore]: on Android a non-exportable key in the
 * Keystore (`com.clerk.api.android.AndroidKeystoreKey`), in tests a software key.
 */
internal interface DeviceTokenKey {
    /** The key, created on first use. May throw if the platform cannot provide it. */
    fun get(): SecretKey

    /** Forgets a key the platform rejected, so that the next [get] creates a new one. */
    fun delete()
}

/**
 * Keeps the device token in [file], encrypted with AES-256-GCM under [key], so that a user
 * stays signed in across app launches.
 *
 * File format: one format byte (`1`), the 12-byte IV (new for every write), then the
 * ciphertext with its 16-byte tag. The associated data binds the file to this SDK and to
 * [instance], so a file swapped in from another instance does not decrypt either.
 *
 * Never throws and never logs the token: a file that cannot be read back (corrupt, truncated,
 * restored onto a device whose Keystore lacks the key, an invalidated key) counts as no token
 * (signed out), is deleted and is reported once as a warning on the `com.clerk.api` logger
 * (logcat on Android). A failed write keeps the token in memory for this run, removes the old
 * file and is reported once. Writes go to a temporary file that replaces [file] by rename, so a
 * crash mid-write leaves the previous file intact.
 *
 * The engine reads the store before every request, so the token is decrypted once and then
 * served from memory; one instance should own [file].
 */
internal class EncryptedDeviceTokenStore(
    private val file: File,
    private val key: DeviceTokenKey,
    instance: String,
) : DeviceTokenStore {
    private val aad = "$SDK device token v$FORMAT_V1\n$instance".encodeToByteArray()
    private val lock = Any()

    // Guarded by lock. `synced`: the file holds `cached` (or is absent when it is null).
    private var loaded = false
    private var cached: String? = null
    private var synced = false
    private var writeFailureReported = false

    override fun load(): String? = synchronized(lock) {
        if (!loaded) {
            cached = readFile()
            loaded = true
            synced = true
        }
        cached
    }

    /** `null` (or empty) removes the stored token. */
    override fun save(token: String?) {
        val value = token?.takeIf { it.isNotEmpty() }
        synchronized(lock) {
            // The engine saves the token on every response that carries it; most are unchanged.
            if (loaded && synced && value == cached) return
            cached = value
            loaded = true
            synced = try {
                if (value == null) deleteFile() else writeFile(encrypt(value))
                true
            } catch (e: Exception) {
                writeFailed(e)
                false
            }
        }
    }

    override fun toString() = "EncryptedDeviceTokenStore(file=${file.name})"

    private fun readFile(): String? {
        val bytes = try {
            file.readBytes()
        } catch (_: FileNotFoundException) {
            return null
        } catch (e: IOException) {
            return discard("it cannot be read", e)
        }
        if (bytes.size < HEADER + TAG_BYTES) return discard("it is truncated")
        if (bytes[0] != FORMAT_V1) return discard("unknown format ${bytes[0]}")
        val secretKey = try {
            key.get()
        } catch (e: Exception) {
            return discard("the key is unavailable", e)
        }
        return try {
            val plain = decrypt(bytes, secretKey)
            try {
                Charsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(plain)).toString()
                    .takeIf { it.isNotEmpty() } ?: discard("it is empty")
            } finally {
                plain.fill(0)
            }
        } catch (e: AEADBadTagException) {
            discard("it does not decrypt: another device's or instance's key, or corrupt", e)
        } catch (e: InvalidKeyException) {
            runCatching { key.delete() }
            discard("the key was rejected", e)
        } catch (e: CharacterCodingException) {
            discard("it is not text", e)
        } catch (e: Exception) {
            // GeneralSecurityException, and Keystore failures as runtime exceptions.
            discard("it does not decrypt", e)
        }
    }

    private fun decrypt(bytes: ByteArray, secretKey: SecretKey): ByteArray {
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.DECRYPT_MODE, secretKey, GCMParameterSpec(TAG_BYTES * 8, bytes, 1, IV_BYTES))
        cipher.updateAAD(aad)
        return cipher.doFinal(bytes, HEADER, bytes.size - HEADER)
    }

    private fun encrypt(value: String): ByteArray {
        val cipher = try {
            encryptingCipher()
        } catch (_: InvalidKeyException) {
            key.delete()
            encryptingCipher()
        }
        val iv = cipher.iv
        if (iv?.size != IV_BYTES) throw GeneralSecurityException("the cipher chose an IV of ${iv?.size} bytes")
        cipher.updateAAD(aad)
        val plain = value.encodeToByteArray()
        try {
            return byteArrayOf(FORMAT_V1) + iv + cipher.doFinal(plain)
        } finally {
            plain.fill(0)
        }
    }

    /** The cipher draws the IV itself: Keystore keys refuse one chosen by the caller. */
    private fun encryptingCipher(): Cipher =
        Cipher.getInstance(TRANSFORMATION).apply { init(Cipher.ENCRYPT_MODE, key.get()) }

    private fun writeFile(bytes: ByteArray) {
        val dir = file.absoluteFile.parentFile
        if (!dir.isDirectory && !dir.mkdirs()) throw IOException("cannot create ${dir.name}")
        val temp = File.createTempFile(file.name, ".tmp", dir)
        try {
            FileOutputStream(temp).use { out ->
                out.write(bytes)
                out.fd.sync()
            }
            // rename(2) replaces the target atomically.
            if (!temp.renameTo(file)) throw IOException("cannot replace ${file.name}")
        } finally {
            temp.delete()
        }
    }

    private fun deleteFile() {
        if (!file.delete() && file.exists()) throw IOException("cannot delete ${file.name}")
    }

    private fun discard(reason: String, error: Exception? = null): String? {
        val removed = runCatching { deleteFile() }.isSuccess
        val cause = error?.let { ": ${it.javaClass.name}" }.orEmpty()
        val kept = if (removed) "" else "; the file could not be removed"
        report("the stored device token was discarded ($reason$cause), so the user is signed out$kept")
        return null
    }

    private fun writeFailed(error: Exception) {
        runCatching { deleteFile() }
        if (writeFailureReported) return
        writeFailureReported = true
        report("the device token could not be stored (${error.javaClass.name}); it is kept in memory until the app exits")
    }

    private fun report(message: String) = clerkLog.log(Level.WARNING, "Clerk: $message [${file.name}]")

    companion object {
        private const val SDK = "clerk-kit"
        private const val TRANSFORMATION = "AES/GCM/NoPadding"
        internal const val FORMAT_V1: Byte = 1
        internal const val IV_BYTES = 12
        internal const val TAG_BYTES = 16
        private const val HEADER = 1 + IV_BYTES
    }
}
