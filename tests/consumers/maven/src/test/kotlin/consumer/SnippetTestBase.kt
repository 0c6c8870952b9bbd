package consumer

import com.clerk.api.example.ApiClient
import com.clerk.api.testing.FakeClerk
import com.sun.net.httpserver.HttpServer
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeEach
import java.net.InetSocketAddress

/**
 * What the docs' Kotlin `test` blocks (members of a test class) find: `clerk`, a FakeClerk the
 * facade is configured for, signed in (background refresh off, as the example's); `api`, the
 * example's ApiClient calling a loopback backend that answers 200.
 */
abstract class SnippetTestBase {
    protected val clerk: FakeClerk = FakeClerk.start()
    private val backend = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0).apply {
        createContext("/") { exchange -> exchange.sendResponseHeaders(200, -1); exchange.close() }
        start()
    }
    protected val api = ApiClient("http://127.0.0.1:${backend.address.port}")

    @BeforeEach
    fun signIn() {
        clerk.configure(autoRefresh = false)
        runBlocking { clerk.signIn("user_123") }
    }

    @AfterEach
    fun stop() {
        clerk.close()
        backend.stop(0)
    }
}
