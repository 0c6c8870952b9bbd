package com.clerk.api.support

import java.util.concurrent.CopyOnWriteArrayList
import java.util.logging.Handler
import java.util.logging.Level
import java.util.logging.LogRecord
import java.util.logging.Logger
import java.util.logging.SimpleFormatter

/**
 * Every record of the SDK's `com.clerk.api` logger while open, formatted as a handler would
 * print it (message, parameters and any exception with its stack trace).
 */
class LogCapture : AutoCloseable {
    private val logger = Logger.getLogger("com.clerk.api")
    private val records = CopyOnWriteArrayList<LogRecord>()
    private val handler = object : Handler() {
        override fun publish(record: LogRecord) {
            records += record
        }

        override fun flush() {}

        override fun close() {}
    }

    init {
        handler.level = Level.ALL
        logger.addHandler(handler)
    }

    /** The warnings so far, formatted. */
    val warnings: List<String>
        get() = records.filter { it.level.intValue() >= Level.WARNING.intValue() }.map { formatter.format(it) }

    /** Everything logged so far, as one text. */
    val text: String get() = records.joinToString("\n") { formatter.format(it) }

    fun clear() = records.clear()

    override fun close() {
        logger.removeHandler(handler)
    }

    private companion object {
        val formatter = SimpleFormatter()
    }
}
