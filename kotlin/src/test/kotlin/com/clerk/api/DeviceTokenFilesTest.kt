package com.clerk.api

import com.clerk.api.support.LogCapture
import com.clerk.api.support.SoftwareKey
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.io.File
import kotlin.test.assertEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue

/**
 * The default stores of two Clerk instances: a file, a key alias and a lock file each, so that
 * one instance's key error (its key deleted as permanently invalid) leaves the other alone. The
 * keys are software keys, one per alias, where Android has the Keystore's.
 */
class DeviceTokenFilesTest {
    @TempDir
    lateinit var dir: File

    private val keystore = mutableMapOf<String, SoftwareKey>()
    private val locks = mutableMapOf<String, File>()
    private val aliases = mutableMapOf<String, String>()
    private val logs = LogCapture()

    @AfterEach
    fun closeLogs() = logs.close()

    /** An app launch's store for [instance]: what `ClerkAndroid.configure` makes. */
    private fun store(instance: String) = DeviceTokenFiles.store(dir, instance) { alias, lock ->
        aliases[instance] = alias
        locks[alias] = lock
        keystore.getOrPut(alias) { SoftwareKey() }
    }

    @Test
    fun `each instance has its own file, key alias and lock file, the same at every launch`() {
        store(FIRST).save("token-of-the-first")
        store(SECOND).save("token-of-the-second")
        assertEquals(2, keystore.size, "one key alias per instance: ${keystore.keys}")
        assertTrue(keystore.keys.all { it.startsWith("com.clerk.api.device-token-") }, "${keystore.keys}")
        assertEquals(2, locks.values.toSet().size)
        assertTrue(locks.values.all { it.parentFile == dir && it.name.endsWith(".lock") })
        assertEquals(2, dir.listFiles { file -> file.name.startsWith("device-token-") && !file.name.endsWith(".lock") }?.size)

        assertEquals("token-of-the-first", store(FIRST).load(), "the next launch finds its own key")
        assertEquals("token-of-the-second", store(SECOND).load())
        assertEquals(2, keystore.size)
    }

    @Test
    fun `one instance's invalidated key leaves the other instance's key and token alone`() {
        store(FIRST).save("token-of-the-first")
        store(SECOND).save("token-of-the-second")
        val (first, second) = listOf(FIRST, SECOND).map { instance -> keystore.getValue(aliases.getValue(instance)) }

        first.invalidate()
        assertNull(store(FIRST).load(), "the first instance's token is gone with its key")
        assertEquals(1, first.deletions.get())
        assertEquals(0, second.deletions.get(), "the other instance's key is not touched")
        assertEquals("token-of-the-second", store(SECOND).load())
    }

    private companion object {
        const val FIRST = "https://happy-hippo-1.clerk.accounts.dev"
        const val SECOND = "https://sad-seal-2.clerk.accounts.dev"
    }
}
