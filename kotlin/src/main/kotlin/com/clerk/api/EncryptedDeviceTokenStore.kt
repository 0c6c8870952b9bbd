package com.clerk.api

import java.io.File
import java.io.FileNotFoundException
import java.io.FileOutputStream
import java.io.IOException
import java.nio.ByteBuffer
import java.nio.charset.CharacterCodingException
import java.security.GeneralSecurityException
import java.util.logging.Level
import javax.crypto.AEADBadTagException
import javax.crypto.Cipher
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * The AES key of an [EncryptedDeviceTokenStore], one per store: on Android a non-exportable key
 * in the Keystore under an alias of the store's own (`com.clerk.api.android.AndroidKeystoreKey`),
 * in tests a software key.
 */
internal interface DeviceTokenKey {
    /** The key, created on first use. May throw if the platform cannot provide it. */
    fun get(): SecretKey

    /**
     * Whether [error], thrown by [get] or by a cipher given the key, proves that the key can
     * never be used again (Android: `KeyPermanentlyInvalidatedException`). Anything else may
     * be the platform failing for a while.
     */
    fun isPermanentlyInvalid(error: Exception): Boolean

    /** Forgets a key proven unusable, so that the next [get] creates a new one. */
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
 * Never throws and never logs the token. Stored data is discarded (the file deleted, the user
 * signed out, a warning on the `com.clerk.api` logger, logcat on Android) only when it is
 * provably unusable: too short to hold a ciphertext, an unknown format, a tag that does not
 * verify (corrupt, another device's or instance's key), a key the platform permanently
 * invalidated (that key is deleted too), or decrypted data that is not a token. Any other
 * failure (the file cannot be read, the Keystore fails, the key is refused for a reason not
 * known to be final) makes it unavailable this run: no token until the app restarts, the file
 * kept as it is for the next launch, one warning. A token the engine saves meanwhile stays in
 * memory, since writing it would replace the stored one for good; clearing the token still
 * removes the file, so a sign-out is never undone.
 *
 * A failed write keeps the token in memory for this run, removes the old file and is reported
 * once. Writes go to a temporary file that replaces [file] by rename, so a crash mid-write
 * leaves the previous file intact.
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
    // `unavailable`: the file holds a token this run could not read.
    private var loaded = false
    private var cached: String? = null
    private var synced = false
    private var unavailable = false
    private var writeFailureReported = false

    override fun load(): String? = synchronized(lock) {
        if (!loaded) {
            cached = readFile()
            loaded = true
            synced = !unavailable
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
            if (unavailable && value != null) {
                synced = false
                reportWriteFailure("the stored one is unavailable this run and kept for the next launch")
                return
            }
            unavailable = false
            synced = try {
                if (value == null) deleteFile() else writeFile(encrypt(value))
                true
            } catch (e: Exception) {
                runCatching { deleteFile() }
                reportWriteFailure(e.javaClass.name)
                false
            }
        }
    }

    override fun toString() = "EncryptedDeviceTokenStore(file=${file.name})"

    private fun readFile(): String? {
        val bytes = try {
            file.readBytes()
        } catch (e: IOException) {
            // FileNotFoundException also means "permission denied" or "is a directory".
            return if (e is FileNotFoundException && !file.exists()) null else unavailable("it cannot be read", e)
        }
        if (bytes.size < HEADER + TAG_BYTES) return discard("it is truncated")
        if (bytes[0] != FORMAT_V1) return discard("unknown format ${bytes[0]}")
        val plain = try {
            decrypt(bytes, key.get())
        } catch (e: AEADBadTagException) {
            return discard("it does not decrypt: another device's or instance's key, or corrupt", e)
        } catch (e: Exception) {
            // GeneralSecurityException, and Keystore failures as runtime exceptions.
            if (!key.isPermanentlyInvalid(e)) return unavailable("the key or the cipher failed", e)
            runCatching { key.delete() }
            return discard("the key was permanently invalidated", e)
        }
        return try {
            Charsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(plain)).toString()
                .takeIf { it.isNotEmpty() } ?: discard("it is empty")
        } catch (e: CharacterCodingException) {
            discard("it is not text", e)
        } finally {
            plain.fill(0)
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
        } catch (e: Exception) {
            if (!key.isPermanentlyInvalid(e)) throw e
            // This store's key alone: the token being written gets a new one.
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
        val kept = if (removed) "" else "; the file could not be removed"
        report("the stored device token was discarded ($reason${causeOf(error)}), so the user is signed out$kept")
        return null
    }

    private fun unavailable(reason: String, error: Exception): String? {
        unavailable = true
        report("the stored device token is unavailable this run ($reason${causeOf(error)}); it is kept for the next launch")
        return null
    }

    private fun reportWriteFailure(why: String) {
        if (writeFailureReported) return
        writeFailureReported = true
        report("the device token could not be stored ($why); it is kept in memory until the app exits")
    }

    /** The exception's class only: messages from providers may quote key material or paths. */
    private fun causeOf(error: Exception?) = error?.let { ": ${it.javaClass.name}" }.orEmpty()

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
