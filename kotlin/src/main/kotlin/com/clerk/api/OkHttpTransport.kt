package com.clerk.api

import com.clerk.api.ffi.HttpCall
import com.clerk.api.ffi.HttpCompletion
import com.clerk.api.ffi.HttpFailure
import com.clerk.api.ffi.HttpHeader
import com.clerk.api.ffi.HttpMethod
import com.clerk.api.ffi.HttpRequest
import com.clerk.api.ffi.HttpResponse
import com.clerk.api.ffi.HttpTransport
import okhttp3.Call
import okhttp3.Callback
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody
import okhttp3.Response
import okio.Buffer
import java.io.IOException
import java.io.InterruptedIOException
import java.util.concurrent.TimeUnit
import java.util.logging.Level

/**
 * The core's HTTP attempts, sent with OkHttp ([transportClient] has the client's rules).
 *
 * [send] only starts the call and returns: the core calls it on its own thread, which must
 * never wait on the network. The answer reaches the core through the [HttpCompletion] from an
 * OkHttp thread, every failure included, and the completion is closed right after, so its
 * native half is freed at once rather than by the cleaner.
 *
 * @param appClient the app's client to share the connection pool, dispatcher, proxy, DNS and
 *   TLS set-up of; `null` for one of the SDK's own.
 * @param hasNetwork whether the platform reports an active network, asked when an attempt
 *   fails: a failure without one is [HttpFailure.Offline], which the core fails fast on (no
 *   retry, no backoff) instead of waiting for the monitor's report. The JVM has no monitor and
 *   assumes a network.
 */
internal class OkHttpTransport(
    appClient: OkHttpClient? = null,
    private val hasNetwork: () -> Boolean = PlatformNetwork::hasNetwork,
) : HttpTransport {
    val client: OkHttpClient = transportClient(appClient)

    override fun send(request: HttpRequest, completion: HttpCompletion): HttpCall {
        val call = try {
            client.newCall(request.toOkHttp())
        } catch (e: RuntimeException) {
            // A URL or header OkHttp refuses. Its message may quote the URL, query included:
            // only the kind is reported.
            completion.deliver { fail(HttpFailure.Network("OkHttp refused the request (${e.javaClass.name})")) }
            return NotStarted
        }
        call.timeout().timeout(request.timeoutMs.toPositiveLong(), TimeUnit.MILLISECONDS)
        call.enqueue(Answer(request.maxResponseBytes.coerceAtMost(MAX_CAP).toLong(), completion, hasNetwork))
        return StartedCall(call)
    }

    companion object {
        /** The SDK's own client, one for every engine configured without the app's. */
        val shared: OkHttpTransport by lazy { OkHttpTransport() }
    }
}

private fun HttpRequest.toOkHttp(): Request {
    val connectMs = connectTimeoutMs.toPositiveLong().coerceAtMost(Int.MAX_VALUE.toLong()).toInt()
    val builder = Request.Builder().url(url).tag(AttemptTimeouts::class.java, AttemptTimeouts(connectMs))
    for (header in headers) builder.addHeader(header.name, header.value)
    return when (method) {
        HttpMethod.GET -> builder.get()
        // No media type on the body: OkHttp would replace the core's Content-Type header with it.
        HttpMethod.POST -> builder.post(body.toRequestBody(null))
    }.build()
}

/** A timeout as OkHttp takes it: 0 means "none" there, which the core never means. */
private fun ULong.toPositiveLong(): Long = coerceIn(1uL, Long.MAX_VALUE.toULong()).toLong()

/** The body cap plus the one byte read past it still fits a Long. */
private val MAX_CAP: ULong = (Long.MAX_VALUE - 1).toULong()

/** Reads one response, at most [cap] bytes of body, and hands the outcome to [completion]. */
private class Answer(
    private val cap: Long,
    private val completion: HttpCompletion,
    private val hasNetwork: () -> Boolean,
) : Callback {
    override fun onFailure(call: Call, e: IOException) {
        completion.deliver { fail(e.toFailure(hasNetwork)) }
    }

    override fun onResponse(call: Call, response: Response) {
        val outcome = try {
            response.use { read(call, it) }
        } catch (e: IOException) {
            Outcome.Failed(e.toFailure(hasNetwork))
        }
        completion.deliver {
            when (outcome) {
                is Outcome.Answered -> succeed(outcome.response)
                is Outcome.Failed -> fail(outcome.failure)
            }
        }
    }

    private fun read(call: Call, response: Response): Outcome {
        val status = response.code.toUShort()
        val headers = response.headers.map { (name, value) -> HttpHeader(name, value) }
        val body = response.body
        if (body.contentLength() <= cap) {
            val source = body.source()
            val buffer = Buffer()
            // One byte past the cap tells a body of exactly cap bytes from a longer one.
            while (buffer.size <= cap) {
                if (source.read(buffer, cap + 1 - buffer.size) == -1L) {
                    return Outcome.Answered(HttpResponse(status, headers, buffer.readByteArray()))
                }
            }
        }
        // Closing the body would read on to discard the rest; cancelling closes the socket.
        call.cancel()
        return Outcome.Failed(HttpFailure.BodyTooLarge(status, headers))
    }
}

private sealed interface Outcome {
    class Answered(val response: HttpResponse) : Outcome
    class Failed(val failure: HttpFailure) : Outcome
}

/**
 * A timeout is OkHttp's call timeout or a connect timeout ([java.net.SocketTimeoutException]
 * is one). Any other failure while the platform reports no active network is
 * [HttpFailure.Offline] (an [java.net.UnknownHostException] then means no network, not a bad
 * host); with a network it is a network failure.
 */
private fun IOException.toFailure(hasNetwork: () -> Boolean): HttpFailure = when {
    this is InterruptedIOException -> HttpFailure.Timeout(describe())
    !hasNetwork() -> HttpFailure.Offline(describe())
    else -> HttpFailure.Network(describe())
}

/** OkHttp's messages name hosts, never paths; a query (it could carry a secret) is cut all the same. */
private fun IOException.describe(): String = "${javaClass.simpleName}: ${message.orEmpty()}".replace(QUERY, "?…")

private val QUERY = Regex("""\?\S*""")

/**
 * Answers the core once, then closes the completion. A failure of the answer itself (the core
 * gone) is logged, never thrown: it would end OkHttp's thread, which on Android ends the app.
 */
private inline fun HttpCompletion.deliver(answer: HttpCompletion.() -> Unit) {
    try {
        answer()
    } catch (e: RuntimeException) {
        clerkLog.log(Level.WARNING, "Clerk: an HTTP answer could not reach the core (${e.javaClass.name})")
    } finally {
        close()
    }
}

/** What the core cancels when it stops waiting. OkHttp's cancel is idempotent and never blocks. */
private class StartedCall(private val call: Call) : HttpCall {
    override fun cancel() = call.cancel()
}

/** A request that failed before it started: the core has its answer already. */
private object NotStarted : HttpCall {
    override fun cancel() = Unit
}
