package com.clerk.api

import com.clerk.api.testing.ffi.ConformanceException
import com.clerk.api.testing.ffi.runTransportConformanceCase
import com.clerk.api.testing.ffi.transportConformanceCaseFiles
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import java.io.File
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.test.fail

/**
 * Every transport conformance case in `tests/transport/` against [OkHttpTransport], one
 * dynamic test per file: the test kit's runner sends the case's request through the same
 * adapter the engines use, to a server on a real socket that plays the case's fault, and
 * names whatever diverges from what the core expects of a transport (and reqwest does).
 */
class TransportConformanceTest {
    @TestFactory
    fun cases(): List<DynamicTest> {
        val dir = File(System.getProperty("clerk.test.transport.cases") ?: "../tests/transport")
        val files = transportConformanceCaseFiles(dir.path)
        assertTrue(files.isNotEmpty(), "no transport conformance cases in $dir")
        val onDisk = dir.listFiles { file -> file.extension == "json" }.orEmpty()
        assertEquals(onDisk.size, files.size, "the runner lists ${files.size} of the ${onDisk.size} case files in $dir")
        return files.map { path ->
            DynamicTest.dynamicTest(File(path).nameWithoutExtension) {
                // A transport of its own per case: no connection carried over from another.
                val transport = OkHttpTransport()
                try {
                    runBlocking { runTransportConformanceCase(transport, path) }
                } catch (e: ConformanceException.Failed) {
                    fail(e.detail, e)
                }
            }
        }
    }
}
