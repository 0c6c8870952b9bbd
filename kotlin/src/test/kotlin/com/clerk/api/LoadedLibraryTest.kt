package com.clerk.api

import com.clerk.api.support.ShippedLibrary
import com.sun.jna.Library
import com.sun.jna.NativeLibrary
import org.junit.jupiter.api.Test
import java.io.File
import java.nio.file.Files
import java.nio.file.Path
import kotlin.io.path.Path
import kotlin.io.path.exists
import kotlin.io.path.isRegularFile
import kotlin.io.path.name
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.test.fail

/**
 * The run tests the native library it names, not another copy: JNA falls back to the class
 * path (where the test kit's debug library sits) when the library path has none, so a run
 * meant for the stripped, shipped build could otherwise test the debug library and pass.
 * scripts/test-kotlin names the file (`clerk.test.expected.library`) and keeps this class in
 * every run, a `-Dtest` filter included.
 */
@ShippedLibrary
class LoadedLibraryTest {
    @Test
    fun `the native library in this JVM is the one the run names`() {
        val expected = Path(System.getProperty(PROPERTY) ?: fail("no $PROPERTY system property"))
        assertTrue(expected.isRegularFile(), "no library at $expected ($PROPERTY)")
        // Loads the library through the generated bindings, as every other test does.
        assertTrue(SdkInfo.version.isNotEmpty())

        val jna = NativeLibrary.getInstance(NAME, mapOf(Library.OPTION_CLASSLOADER to javaClass.classLoader)).file
            ?: fail("JNA does not say which file it loaded for $NAME")
        assertTrue(Files.isSameFile(jna.toPath(), expected), "JNA loaded $jna, the run names $expected")

        // What the process really mapped (Linux): that file, and no second copy of the library.
        val maps = File("/proc/self/maps")
        if (maps.isFile) {
            val mapped = maps.readLines().mapNotNull { line -> line.substringAfter(" /", "").takeIf { it.isNotEmpty() } }
                .map { Path("/$it") }.distinct().filter { it.exists() }
            val copies = mapped.filter { it.name.startsWith("lib$NAME") || runCatching { Files.isSameFile(it, expected) }.getOrDefault(false) }
            assertEquals(listOf(expected.toRealPath()), copies.map { it.toRealPath() }.distinct(), "mapped copies of lib$NAME")
        }
    }

    private companion object {
        const val PROPERTY = "clerk.test.expected.library"
        const val NAME = "clerkkit"
    }
}
