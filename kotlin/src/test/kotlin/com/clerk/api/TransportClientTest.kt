package com.clerk.api

import com.clerk.api.support.ShippedLibrary
import okhttp3.Authenticator
import okhttp3.CertificatePinner
import okhttp3.ConnectionPool
import okhttp3.CookieJar
import okhttp3.Dispatcher
import okhttp3.Dns
import okhttp3.EventListener
import okhttp3.OkHttpClient
import okhttp3.Protocol
import okhttp3.Request
import org.junit.jupiter.api.Test
import java.net.InetAddress
import java.net.Proxy
import java.util.concurrent.TimeUnit
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertSame

/** The OkHttpClient the transport builds: the core's rules over the SDK's client or the app's. */
@ShippedLibrary
class TransportClientTest {
    @Test
    fun `the SDK's own client follows the core's rules and queues nothing`() {
        val client = OkHttpTransport().client
        assertRules(client)
        assertEquals(Int.MAX_VALUE, client.dispatcher.maxRequestsPerHost)
        assertEquals(Int.MAX_VALUE, client.dispatcher.maxRequests)
    }

    @Test
    fun `the app's client lends its connections, proxy, DNS and pinning, and nothing that sees requests`() {
        val pool = ConnectionPool()
        val dispatcher = Dispatcher()
        val dns = object : Dns {
            override fun lookup(hostname: String): List<InetAddress> = Dns.SYSTEM.lookup(hostname)
        }
        val pinner = CertificatePinner.Builder().add("clerk.example.com", "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").build()
        val app = OkHttpClient.Builder()
            .connectionPool(pool)
            .dispatcher(dispatcher)
            .proxy(Proxy.NO_PROXY)
            .dns(dns)
            .certificatePinner(pinner)
            .protocols(listOf(Protocol.HTTP_1_1))
            .addInterceptor { chain -> chain.proceed(chain.request()) }
            .addNetworkInterceptor { chain -> chain.proceed(chain.request()) }
            .eventListener(object : EventListener() {})
            .authenticator { _, _ -> null }
            .cookieJar(object : CookieJar by CookieJar.NO_COOKIES {})
            .followRedirects(true)
            .retryOnConnectionFailure(true)
            .callTimeout(5, TimeUnit.SECONDS)
            .readTimeout(5, TimeUnit.SECONDS)
            .build()

        val client = OkHttpTransport(app).client
        assertRules(client)
        assertSame(pool, client.connectionPool)
        assertSame(dispatcher, client.dispatcher)
        assertSame(Proxy.NO_PROXY, client.proxy)
        assertSame(dns, client.dns)
        assertEquals(pinner.pins, client.certificatePinner.pins)
        assertSame(app.sslSocketFactory, client.sslSocketFactory)
        assertEquals(listOf(Protocol.HTTP_1_1), client.protocols)
        // The app's client itself is left as it was.
        assertEquals(1, app.interceptors.size)
        assertEquals(1, app.networkInterceptors.size)
        assertEquals(true, app.followRedirects)
    }

    private fun assertRules(client: OkHttpClient) {
        assertFalse(client.followRedirects)
        assertFalse(client.followSslRedirects)
        assertFalse(client.retryOnConnectionFailure)
        assertNull(client.cache)
        assertSame(CookieJar.NO_COOKIES, client.cookieJar)
        assertSame(Authenticator.NONE, client.authenticator)
        // Only the SDK's own interceptor, which sets each request's connect timeout.
        assertEquals(1, client.interceptors.size)
        assertEquals(0, client.networkInterceptors.size)
        val call = client.newCall(Request.Builder().url("http://127.0.0.1/").build())
        assertSame(EventListener.NONE, client.eventListenerFactory.create(call))
        // The total is set per call; no idle timeout cuts an attempt short before it.
        assertEquals(0, client.callTimeoutMillis)
        assertEquals(0, client.readTimeoutMillis)
        assertEquals(0, client.writeTimeoutMillis)
    }
}
