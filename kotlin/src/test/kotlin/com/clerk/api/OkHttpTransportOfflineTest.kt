package com.clerk.api

import com.clerk.api.ffi.HttpCompletion
import com.clerk.api.ffi.HttpFailure
import com.clerk.api.ffi.HttpMethod
import com.clerk.api.ffi.HttpRequest
import com.clerk.api.ffi.HttpResponse
import com.clerk.api.ffi.NoHandle
import okhttp3.OkHttpClient
import org.junit.jupiter.api.Test
import java.net.InetAddress
import java.net.ServerSocket
import java.net.UnknownHostException
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import kotlin.test.assertIs
import kotlin.test.assertTrue

/**
 * How `OkHttpTransport` reports a failed attempt, depending on whether the platform reports a
 * network: without one it is `HttpFailure.Offline` (the core fails the call at once), with one a
 * network failure (retried). Over real sockets on 127.0.0.1.
 */
class OkHttpTransportOfflineTest {
    /** A loopback port nothing listens on: connecting is refused. */
    private val refusedUrl: String = ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { "http://127.0.0.1:${it.localPort}/v1/client" }

    @Test
    fun `a refused connection without a network is offline`() {
        val failure = send(OkHttpTransport(hasNetwork = { false }), refusedUrl)
        assertIs<HttpFailure.Offline>(failure)
        assertTrue("ConnectException" in failure.detail, failure.detail)
    }

    @Test
    fun `a refused connection with a network is a network failure`() {
        assertIs<HttpFailure.Network>(send(OkHttpTransport(hasNetwork = { true }), refusedUrl))
    }

    @Test
    fun `the JVM has no monitor and assumes a network`() {
        assertIs<HttpFailure.Network>(send(OkHttpTransport(), refusedUrl))
    }

    @Test
    fun `an unknown host without a network is offline, with one a network failure`() {
        // DNS without a network answers "unknown host" for every name: the app's resolver,
        // which the transport uses, stands for it.
        val noDns = OkHttpClient.Builder().dns { host -> throw UnknownHostException(host) }.build()
        val url = "http://clerk.example.test/v1/client"
        assertIs<HttpFailure.Offline>(send(OkHttpTransport(noDns, hasNetwork = { false }), url))
        assertIs<HttpFailure.Network>(send(OkHttpTransport(noDns, hasNetwork = { true }), url))
    }

    /** One GET through [transport]; the failure it completes with. */
    private fun send(transport: OkHttpTransport, url: String): HttpFailure {
        val outcome = CompletableFuture<Any>()
        val completion = object : HttpCompletion(NoHandle) {
            override fun succeed(response: HttpResponse) {
                outcome.complete(response)
            }

            override fun fail(failure: HttpFailure) {
                outcome.complete(failure)
            }

            override fun close() = Unit
        }
        val request = HttpRequest(
            method = HttpMethod.GET,
            url = url,
            headers = emptyList(),
            body = ByteArray(0),
            maxResponseBytes = 65_536u,
            connectTimeoutMs = 5_000u,
            timeoutMs = 10_000u,
        )
        transport.send(request, completion)
        return assertIs<HttpFailure>(outcome.get(20, TimeUnit.SECONDS))
    }
}
