package com.clerk.api

import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.io.File
import java.util.UUID
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/**
 * Creating a store's key is serialised across threads (each with its own lock object, as two
 * stores of one file would have) and across processes, which share the Android Keystore.
 */
class KeyCreationLockTest {
    @TempDir
    lateinit var dir: File

    private val lockFile get() = File(dir, "device-token.lock")
    private val keyFile get() = File(dir, "key")

    @Test
    fun `threads holding their own lock objects never create at the same time`() {
        val inside = AtomicInteger()
        val most = AtomicInteger()
        val created = AtomicInteger()
        val pool = Executors.newFixedThreadPool(8)
        val start = CountDownLatch(1)
        try {
            val calls = List(32) {
                pool.submit<String> {
                    start.await()
                    KeyCreationLock(lockFile).withLock {
                        most.accumulateAndGet(inside.incrementAndGet(), ::maxOf)
                        try {
                            createOnce()
                        } finally {
                            inside.decrementAndGet()
                        }
                    }.also { if (it.second) created.incrementAndGet() }.first
                }
            }
            start.countDown()
            val keys = calls.map { it.get(60, TimeUnit.SECONDS) }
            assertEquals(1, most.get(), "one holder at a time")
            assertEquals(1, created.get(), "one key created")
            assertEquals(setOf(keyFile.readText()), keys.toSet(), "every caller got that key")
        } finally {
            pool.shutdownNow()
        }
    }

    @Test
    fun `processes racing to create the key all end with the same one`() {
        val java = File(System.getProperty("java.home"), "bin/java").path
        val children = List(3) {
            ProcessBuilder(
                java, "-cp", System.getProperty("java.class.path"),
                KeyCreationLockChild::class.java.name, lockFile.path, keyFile.path,
            ).redirectErrorStream(true).start()
        }
        val outputs = children.map { child ->
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "a child did not finish")
            child.inputStream.bufferedReader().readText().trim().also { output ->
                assertEquals(0, child.exitValue(), output)
            }
        }
        assertEquals(List(3) { keyFile.readText() }, outputs, "every process uses the key that is stored")
    }

    /** The key in [keyFile], created (slowly, to widen any race) if absent; whether this call created it. */
    private fun createOnce(): Pair<String, Boolean> {
        if (keyFile.exists()) return keyFile.readText() to false
        Thread.sleep(20)
        keyFile.writeText(UUID.randomUUID().toString())
        return keyFile.readText() to true
    }
}

/** A process of the app: creates the key under the lock unless another process did, and prints it. */
object KeyCreationLockChild {
    @JvmStatic
    fun main(args: Array<String>) {
        val key = File(args[1])
        val used = KeyCreationLock(File(args[0])).withLock {
            if (!key.exists()) {
                // Long enough for every other process to reach the lock meanwhile.
                Thread.sleep(500)
                key.writeText(UUID.randomUUID().toString())
            }
            key.readText()
        }
        println(used)
    }
}
