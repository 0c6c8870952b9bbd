package com.clerk.api

import com.clerk.api.support.LogCapture
import com.clerk.api.support.SoftwareKey
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.ValueSource
import java.io.File
import java.security.ProviderException
import java.util.Base64
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import javax.crypto.Cipher
import javax.crypto.spec.GCMParameterSpec
import kotlin.random.Random
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue

/**
 * The default Android device token store's storage and crypto, on the JVM: the same code as on
 * a device, with a software AES key where the Android Keystore's would be.
 */
class EncryptedDeviceTokenStoreTest {
    @TempDir
    lateinit var dir: File

    private val key = SoftwareKey()
    private val logs = LogCapture()

    private val file get() = File(dir, "device-token")

    private fun store(key: SoftwareKey = this.key, instance: String = INSTANCE) =
        EncryptedDeviceTokenStore(file, key, instance)

    /** Whatever happened, no log line and no store text ever shows a token. */
    @AfterEach
    fun nothingLeaked() {
        logs.close()
        for (token in handedOut) {
            assertFalse(token in logs.text, "a device token is in the logs")
        }
    }

    private val handedOut = mutableListOf<String>()

    /** A device token as Clerk issues them: a JWT, opaque to the SDK. */
    private fun deviceToken(): String {
        val part = { n: Int -> Base64.getUrlEncoder().withoutPadding().encodeToString(Random.nextBytes(n)) }
        return "eyJ${part(24)}.${part(90)}.${part(256)}".also { handedOut += it }
    }

    /** A store that saved [token], then a new one on the same file, as after a restart. */
    private fun savedThenReopened(token: String = deviceToken()): String {
        store().save(token)
        assertTrue(file.isFile)
        return token
    }

    /** Like assertEquals, naming tokens by the order they were handed out, never by value. */
    private fun assertToken(expected: String?, actual: String?, message: String) {
        val name = { token: String? -> token?.let { "token #${handedOut.indexOf(it)}" } ?: "none" }
        assertTrue(expected == actual, "$message: expected ${name(expected)}, got ${name(actual)}")
    }

    /**
     * A store opened by [reopen] finds undecryptable data: no token, the file removed, one
     * warning naming [reason], and the store still works.
     */
    private fun assertDiscarded(reason: String, reopen: () -> EncryptedDeviceTokenStore = { store() }) {
        val reopened = reopen()
        assertNull(reopened.load(), "undecryptable data counts as no device token")
        assertFalse(file.exists(), "undecryptable data is removed")
        val warning = logs.warnings.single()
        assertTrue("discarded" in warning && reason in warning, warning)
        assertNull(reopened.load())
        assertNull(reopen().load(), "a later launch finds nothing")
        assertEquals(1, logs.warnings.size, "reported once")
        val next = deviceToken()
        reopened.save(next)
        assertToken(next, reopen().load(), "the store stays usable")
    }

    @Test
    fun `a saved token is read back by a new store on the same file and key`() {
        val token = savedThenReopened()
        val reopened = store()
        assertToken(token, reopened.load(), "after a restart")
        assertToken(token, reopened.load(), "again")
        assertTrue(logs.warnings.isEmpty(), logs.text)
    }

    @Test
    fun `the file is the format byte, a fresh 12-byte IV and AES-GCM under the key bound to the SDK and instance`() {
        val token = deviceToken()
        val store = store()
        store.save(token)
        val first = file.readBytes()
        assertEquals(1, first[0].toInt(), "format byte")
        assertEquals(1 + 12 + token.length + 16, first.size)
        assertFalse(first.toString(Charsets.ISO_8859_1).contains(token), "the token is not in the file")

        // Decrypted independently of the store: key, IV, tag length and associated data.
        val cipher = Cipher.getInstance("AES/GCM/NoPadding")
        cipher.init(Cipher.DECRYPT_MODE, key.key, GCMParameterSpec(128, first, 1, 12))
        cipher.updateAAD("clerk-kit device token v1\n$INSTANCE".encodeToByteArray())
        assertToken(token, cipher.doFinal(first, 13, first.size - 13).decodeToString(), "decrypted independently")

        store.save(token)
        assertContentEquals(first, file.readBytes(), "an unchanged token is not written again")
        store.save(deviceToken())
        store.save(token)
        val again = file.readBytes()
        assertFalse(first.copyOfRange(1, 13).contentEquals(again.copyOfRange(1, 13)), "a new IV for every write")
    }

    @Test
    fun `saving null or an empty token removes the file`() {
        for (cleared in listOf(null, "")) {
            val store = store()
            store.save(deviceToken())
            assertTrue(file.isFile)
            store.save(cleared)
            assertFalse(file.exists())
            assertNull(store.load())
            assertNull(store().load())
        }
        assertTrue(dir.listFiles().orEmpty().isEmpty(), "no temporary file is left: ${dir.list()?.toList()}")
        assertTrue(logs.warnings.isEmpty(), logs.text)
    }

    @Test
    fun `no file is no token, without a warning`() {
        assertNull(store().load())
        assertTrue(logs.warnings.isEmpty(), logs.text)
    }

    @ParameterizedTest(name = "byte {0} flipped")
    @ValueSource(ints = [1, 12, 13, 40, -16, -1])
    fun `a corrupt file is discarded, removed and reported once`(position: Int) {
        savedThenReopened()
        val bytes = file.readBytes()
        val at = if (position < 0) bytes.size + position else position
        bytes[at] = (bytes[at].toInt() xor 0x01).toByte()
        file.writeBytes(bytes)
        assertDiscarded("does not decrypt")
    }

    @ParameterizedTest(name = "cut to {0} bytes")
    @ValueSource(ints = [0, 1, 13, 28])
    fun `a truncated file is discarded`(length: Int) {
        savedThenReopened()
        file.writeBytes(file.readBytes().copyOf(length))
        assertDiscarded("truncated")
    }

    @Test
    fun `a file cut short by one byte is discarded`() {
        savedThenReopened()
        val bytes = file.readBytes()
        file.writeBytes(bytes.copyOf(bytes.size - 1))
        assertDiscarded("does not decrypt")
    }

    @Test
    fun `an unknown format version is discarded`() {
        savedThenReopened()
        val bytes = file.readBytes()
        bytes[0] = 2
        file.writeBytes(bytes)
        assertDiscarded("unknown format 2")
    }

    @Test
    fun `a file sealed with another key, as restored onto another device, is discarded`() {
        savedThenReopened()
        val otherDevice = SoftwareKey()
        assertDiscarded("does not decrypt") { store(key = otherDevice) }
    }

    @Test
    fun `another instance's file is discarded`() {
        savedThenReopened()
        assertDiscarded("does not decrypt") { store(instance = "https://other.clerk.accounts.dev") }
    }

    @Test
    fun `a key the platform permanently invalidated is deleted and the file discarded`() {
        savedThenReopened()
        key.invalidate()
        assertDiscarded("the key was permanently invalidated")
        assertEquals(1, key.deletions.get())
    }

    @Test
    fun `a permanently invalidated key is replaced on writing and the token stored under the new one`() {
        key.invalidate()
        val token = deviceToken()
        store().save(token)
        assertEquals(1, key.deletions.get())
        assertToken(token, store().load(), "stored under the new key")
        assertTrue(logs.warnings.isEmpty(), logs.text)
    }

    @Test
    fun `a key the cipher refuses for a reason not known to be final leaves key and file for the next launch`() {
        val token = savedThenReopened()
        key.refusing = true
        assertUnavailable("the key or the cipher failed: java.security.InvalidKeyException", token) { key.refusing = false }
    }

    @Test
    fun `a key that cannot be had leaves the stored token for the next launch`() {
        val token = savedThenReopened()
        key.failWith = ProviderException("Keystore operation failed")
        assertUnavailable("the key or the cipher failed: java.security.ProviderException", token) { key.failWith = null }
    }

    @Test
    fun `a file that cannot be read is unavailable this run, not discarded`() {
        val token = savedThenReopened()
        val sealed = file.readBytes()
        // Running as root defeats file modes; a folder in the file's place cannot be read either.
        file.delete()
        file.mkdir()
        val reopened = store()
        assertNull(reopened.load())
        assertTrue(file.isDirectory, "left as it is")
        assertTrue("unavailable this run (it cannot be read" in logs.warnings.single(), logs.text)
        file.delete()
        file.writeBytes(sealed)
        assertToken(token, store().load(), "the next launch reads it")
    }

    @Test
    fun `while the stored token is unavailable a new one stays in memory, and clearing removes the file`() {
        savedThenReopened()
        val sealed = file.readBytes()
        key.failWith = ProviderException("Keystore operation failed")
        val store = store()
        assertNull(store.load())
        key.failWith = null

        val next = deviceToken()
        store.save(next)
        assertToken(next, store.load(), "served from memory this run")
        assertContentEquals(sealed, file.readBytes(), "the stored token is not replaced")
        assertEquals(2, logs.warnings.size, logs.text)
        assertTrue("could not be stored (the stored one is unavailable" in logs.warnings.last(), logs.text)

        store.save(null)
        assertFalse(file.exists(), "a sign-out is never undone at the next launch")
        assertNull(store().load())
    }

    @Test
    fun `a key the cipher refuses on writing is a failed write and the key is kept`() {
        val store = store()
        key.refusing = true
        val token = deviceToken()
        store.save(token)
        assertToken(token, store.load(), "kept in memory")
        assertFalse(file.exists())
        assertEquals(0, key.deletions.get(), "not deleted for an error that may pass")
        assertTrue("could not be stored (java.security.InvalidKeyException)" in logs.warnings.single(), logs.text)
    }

    /**
     * A store opened now finds the token in [file] unavailable: no token this run, the file and
     * the key kept, one warning naming [reason]; once [recover] runs, the next launch reads [token].
     */
    private fun assertUnavailable(reason: String, token: String, recover: () -> Unit) {
        val sealed = file.readBytes()
        val reopened = store()
        assertNull(reopened.load(), "no token this run")
        assertNull(reopened.load())
        assertContentEquals(sealed, file.readBytes(), "the file is kept as it was")
        assertEquals(0, key.deletions.get(), "the key is kept")
        val warning = logs.warnings.single()
        assertTrue("unavailable this run ($reason)" in warning && "kept for the next launch" in warning, warning)
        recover()
        assertToken(token, store().load(), "the next launch reads it")
        assertEquals(1, logs.warnings.size, "reported once")
    }

    @Test
    fun `a write that fails keeps the token in memory, removes the old file and is reported once`() {
        val store = store()
        store.save(deviceToken())
        key.failWith = ProviderException("Keystore operation failed")
        val tokens = List(3) { deviceToken() }
        for (token in tokens) {
            store.save(token)
            assertToken(token, store.load(), "served from memory for this run")
        }
        assertFalse(file.exists(), "no stale token for the next launch")
        assertEquals(1, logs.warnings.size, logs.text)
        assertTrue("could not be stored" in logs.warnings.single())

        key.failWith = null
        store.save(tokens.last())
        assertToken(tokens.last(), store().load(), "the next save of the same token writes it")
    }

    @Test
    fun `a folder that cannot be created is a failed write, not an exception`() {
        val blocked = File(dir, "not-a-folder").apply { writeText("") }
        val store = EncryptedDeviceTokenStore(File(blocked, "device-token"), key, INSTANCE)
        val token = deviceToken()
        store.save(token)
        assertToken(token, store.load(), "kept in memory")
        assertTrue("could not be stored" in logs.warnings.single())
    }

    @Test
    fun `concurrent saves and loads from many threads never tear, throw or lose the last write`() {
        val store = store()
        val threads = 8
        val pool = Executors.newFixedThreadPool(threads)
        try {
            repeat(100) { round ->
                val tokens = List(threads) { deviceToken() }
                val start = CountDownLatch(1)
                val loads = tokens.map { token ->
                    pool.submit<List<String?>> {
                        start.await()
                        store.save(token)
                        // Another store on the same file, as the next launch: always a whole file.
                        listOf(store().load(), store.load())
                    }
                }
                start.countDown()
                val seen = loads.flatMap { it.get(60, TimeUnit.SECONDS) }
                assertTrue(seen.all { it in tokens }, "round $round: every load is a token some thread saved")
                assertToken(store.load(), store().load(), "round $round: the file holds the token the store serves")
            }
        } finally {
            pool.shutdownNow()
        }
        assertTrue(logs.warnings.isEmpty(), logs.text)
        assertEquals(listOf(file.name), dir.list()?.toList(), "no temporary file is left")
    }

    @Test
    fun `neither toString nor any failure shows the token`() {
        val token = deviceToken()
        val store = store()
        store.save(token)
        assertFalse(token in store.toString())
        assertFalse(token in "$store")
        // The failure paths above log; each test checks its own log in nothingLeaked().
    }

    private companion object {
        const val INSTANCE = "https://happy-hippo-1.clerk.accounts.dev"
    }
}
