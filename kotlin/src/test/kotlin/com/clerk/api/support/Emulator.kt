package com.clerk.api.support

import java.io.File
import java.util.concurrent.TimeUnit

/**
 * The Clerk API emulator (`tests/emulator`) as a child process. It serves until its stdin
 * closes, so [close] (or this JVM dying) stops it.
 */
class Emulator private constructor(private val process: Process, url: String) : EmulatorControl(url), AutoCloseable {
    /** Closes the emulator's stdin, which stops it; kills it if it does not exit promptly. */
    override fun close() {
        runCatching { process.outputStream.close() }
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor()
    }

    companion object {
        /** Where the emulator's manual clock starts, and where device clocks start too. */
        const val START_MS = 1_767_225_600_000L

        /**
         * Starts the binary named by the `clerk.test.emulator` system property, which the pom
         * sets from its `clerk.emulator` property.
         */
        fun start(): Emulator {
            val binary = File(System.getProperty("clerk.test.emulator") ?: "../target/debug/clerk-emulator")
            check(binary.canExecute()) {
                "no emulator at $binary: run `cargo build -p clerk-emulator` or pass -Dclerk.emulator=<path>"
            }
            File("target").mkdirs()
            val process = ProcessBuilder(binary.path)
                .redirectError(ProcessBuilder.Redirect.appendTo(File("target/clerk-emulator.log")))
                .start()
            val stdout = process.inputStream.bufferedReader()
            val first = stdout.readLine()
            if (first == null || !first.startsWith(URL_PREFIX)) {
                process.destroyForcibly()
                error("the emulator did not announce its URL (got ${first ?: "end of output"}); see target/clerk-emulator.log")
            }
            // Keep reading so the emulator never blocks on a full pipe.
            Thread({ stdout.useLines { lines -> lines.forEach { } } }, "clerk-emulator-stdout")
                .apply { isDaemon = true }
                .start()
            return Emulator(process, first.removePrefix(URL_PREFIX).trim())
        }

        private const val URL_PREFIX = "CLERK_EMULATOR_URL="
    }
}
