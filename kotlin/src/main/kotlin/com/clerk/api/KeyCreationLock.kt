package com.clerk.api

import java.io.File
import java.io.RandomAccessFile
import java.util.concurrent.ConcurrentHashMap

/**
 * Serialises looking up and creating a store's key across threads and processes. An app's
 * processes (a `:service` process beside the main one, say) share the Android Keystore, and a
 * key generated under an alias replaces the one already there: two processes creating the same
 * key at once would each encrypt under a key the other just replaced. The lock is a file lock on
 * [file] (kept, never deleted: removing a lock file lets two holders lock different files),
 * taken under a monitor of this process, since one JVM may not lock a file twice.
 */
internal class KeyCreationLock(private val file: File) {
    fun <T> withLock(block: () -> T): T = synchronized(monitor(file)) {
        file.absoluteFile.parentFile?.mkdirs()
        RandomAccessFile(file, "rw").use { lockFile ->
            lockFile.channel.lock().use { block() }
        }
    }

    private companion object {
        val monitors = ConcurrentHashMap<String, Any>()

        fun monitor(file: File): Any = monitors.computeIfAbsent(file.absoluteFile.normalize().path) { Any() }
    }
}
