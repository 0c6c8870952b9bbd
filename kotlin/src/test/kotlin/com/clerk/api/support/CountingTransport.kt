package com.clerk.api.support

import com.clerk.api.ffi.HttpCall
import com.clerk.api.ffi.HttpCompletion
import com.clerk.api.ffi.HttpFailure
import com.clerk.api.ffi.HttpRequest
import com.clerk.api.ffi.HttpResponse
import com.clerk.api.ffi.HttpTransport
import com.clerk.api.ffi.NoHandle
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicInteger

/**
 * Wraps a platform transport and counts what crosses the boundary: requests the core sent,
 * the answers given them by kind, completions closed, and calls the core cancelled.
 *
 * @param adjust changes a request before [inner] sees it (the core never learns of it).
 */
class CountingTransport(
    private val inner: HttpTransport,
    private val adjust: (HttpRequest) -> HttpRequest = { it },
) : HttpTransport {
    val sent = AtomicInteger()
    val succeeded = AtomicInteger()
    val tooLarge = AtomicInteger()
    val timedOut = AtomicInteger()
    val networkFailed = AtomicInteger()
    val closed = AtomicInteger()
    val cancelled = AtomicInteger()

    /** Every completion the core handed over, to check at the end that each was closed. */
    private val completions = ConcurrentLinkedQueue<HttpCompletion>()

    val answered: Int get() = succeeded.get() + tooLarge.get() + timedOut.get() + networkFailed.get()

    /** Completions whose native half is still alive: the transport never closed them. */
    val unclosed: Int get() = completions.count { !it.uniffiIsDestroyed }

    override fun send(request: HttpRequest, completion: HttpCompletion): HttpCall {
        sent.incrementAndGet()
        completions += completion
        val call = inner.send(adjust(request), Counting(completion))
        return object : HttpCall {
            override fun cancel() {
                cancelled.incrementAndGet()
                call.cancel()
            }
        }
    }

    /** Counts, then passes everything on to the core's completion. */
    private inner class Counting(private val core: HttpCompletion) : HttpCompletion(NoHandle) {
        override fun succeed(response: HttpResponse) {
            succeeded.incrementAndGet()
            core.succeed(response)
        }

        override fun fail(failure: HttpFailure) {
            when (failure) {
                is HttpFailure.BodyTooLarge -> tooLarge
                is HttpFailure.Timeout -> timedOut
                // No network at all is a network failure that the core does not retry.
                is HttpFailure.Network, is HttpFailure.Offline -> networkFailed
            }.incrementAndGet()
            core.fail(failure)
        }

        override fun close() {
            closed.incrementAndGet()
            core.close()
        }
    }
}
