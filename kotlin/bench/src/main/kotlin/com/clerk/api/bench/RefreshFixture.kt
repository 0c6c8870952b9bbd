package com.clerk.api.bench

import com.clerk.api.Clerk
import com.clerk.api.ClerkErrorResponse
import com.clerk.api.ClerkResult
import com.clerk.api.DeviceTokenStore
import com.clerk.api.GetTokenOptions
import com.clerk.api.OkHttpTransport
import com.clerk.api.Session
import com.clerk.api.TokenResource
import com.clerk.api.fetchToken
import com.clerk.api.testing.FakeClerk
import com.clerk.api.testing.FakeRoute
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import okhttp3.Call
import okhttp3.Callback
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody
import okhttp3.Response
import java.io.IOException
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpResponse
import java.util.concurrent.CompletableFuture
import java.util.concurrent.atomic.AtomicLong

/**
 * A token refresh through the facade next to the same request sent with OkHttp alone, set up
 * once per JMH fork: the test kit's fake Clerk (in process; it signs every token it mints, as
 * Clerk does), Clerk configured against it with the SDK's own OkHttp client, `user_alice`
 * signed in.
 *
 * - [facadeSkipCache]: `session.fetchToken(GetTokenOptions(skipCache = true))` from a running
 *   coroutine: the engine (single flight, the request, its JSON and JWT read, the cache updated),
 *   the attempt through `OkHttpTransport` (an enqueued call whose answer reaches the core from
 *   OkHttp's thread through JNA), the caller resumed.
 * - [directOkHttp]: the same POST (URL, headers, device token, empty form) with `execute()` on
 *   the same `OkHttpClient`, the body read as text.
 * - [directOkHttpEnqueued]: the same again with `enqueue()`, the calling thread waiting for the
 *   answer from OkHttp's thread: the thread hops of the transport (which never blocks the
 *   core's thread on the network) without the engine or JNA, to tell those costs apart.
 *
 * At start the fake's request log shows that both send the same request; at the end, that
 * every call made exactly one.
 */
class RefreshFixture private constructor(
    private val fake: FakeClerk,
    private val session: Session,
    private val direct: Request,
) : AutoCloseable {
    private val client = OkHttpTransport.shared.client
    private val driver = CoroutineDriver()
    private val calls = AtomicLong()

    fun facadeSkipCache(): TokenResource {
        calls.incrementAndGet()
        return when (val result = driver.call(REFRESH, session)) {
            is ClerkResult.Success<*> -> result.value as TokenResource
            else -> error("the refresh failed: $result")
        }
    }

    fun directOkHttp(): String {
        calls.incrementAndGet()
        client.newCall(direct).execute().use { response ->
            check(response.code == 200) { "the direct request got ${response.code}" }
            return response.body.string()
        }
    }

    fun directOkHttpEnqueued(): String {
        calls.incrementAndGet()
        val answer = CompletableFuture<String>()
        client.newCall(direct).enqueue(object : Callback {
            override fun onFailure(call: Call, e: IOException) {
                answer.completeExceptionally(e)
            }

            override fun onResponse(call: Call, response: Response) {
                response.use {
                    if (it.code == 200) answer.complete(it.body.string()) else answer.completeExceptionally(IOException("got ${it.code}"))
                }
            }
        })
        return answer.get()
    }

    /** Fails unless every call made exactly one token request, then stops everything. */
    override fun close() {
        try {
            val made = fake.requestCount(FakeRoute.SESSION_TOKEN).toLong()
            check(made == calls.get()) { "${calls.get()} calls made $made token requests" }
        } finally {
            Clerk.reset()
            fake.close()
        }
    }

    companion object {
        private val SKIP_CACHE = GetTokenOptions(skipCache = true)
        private val REFRESH: suspend (Session) -> ClerkResult<TokenResource, ClerkErrorResponse> = ::refresh

        /** Headers OkHttp adds to every request, the facade's and the direct one alike. */
        private val ADDED_BY_OKHTTP = setOf("host", "connection", "content-length", "accept-encoding", "user-agent")

        private suspend fun refresh(session: Session) = session.fetchToken(SKIP_CACHE)

        fun start(): RefreshFixture {
            val fake = FakeClerk.start()
            try {
                val store = MemoryStore()
                Clerk.configure(frontendApiUrl = fake.frontendApiUrl, tokenStore = store, autoRefresh = false)
                val session = runBlocking { fake.signIn("user_alice") }
                fake.resetRequestCounts()

                check(runBlocking { session.fetchToken(SKIP_CACHE) } is ClerkResult.Success) { "the first refresh failed" }
                val facade = lastTokenRequest(fake)
                val direct = Request.Builder()
                    .url("${fake.frontendApiUrl}${facade.text("path")}?${facade.text("query")}")
                    .apply {
                        for ((name, value) in facade.getValue("headers").jsonObject) {
                            if (name in ADDED_BY_OKHTTP) continue
                            header(name, if (name == "authorization") checkNotNull(store.token) else value.jsonPrimitive.content)
                        }
                    }
                    // No media type: the Content-Type header is the one the core sent.
                    .post(ByteArray(0).toRequestBody(null))
                    .build()
                val fixture = RefreshFixture(fake, session, direct)
                fixture.directOkHttp()
                val sent = lastTokenRequest(fake)
                for (field in listOf("method", "path", "query", "headers", "body")) {
                    check(sent[field] == facade[field]) { "the direct request differs from the facade's in its $field: ${sent[field]} / ${facade[field]}" }
                }
                fake.resetRequestCounts()
                fixture.calls.set(0)
                return fixture
            } catch (e: Throwable) {
                Clerk.reset()
                fake.close()
                throw e
            }
        }

        /** The fake's log entry of the last token request (the device token shows as `<present>`). */
        private fun lastTokenRequest(fake: FakeClerk): JsonObject {
            val uri = URI.create("${fake.frontendApiUrl}/__emulator/requests?route=session_token")
            val body = HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body()
            return Json.parseToJsonElement(body).jsonObject.getValue("requests").jsonArray.last().jsonObject
        }

        private fun JsonObject.text(key: String) = getValue(key).jsonPrimitive.content
    }

    /** The app's store, in memory: the direct request sends the device token it holds. */
    private class MemoryStore : DeviceTokenStore {
        @Volatile
        var token: String? = null

        override fun load() = token

        override fun save(token: String?) {
            this.token = token
        }
    }
}
