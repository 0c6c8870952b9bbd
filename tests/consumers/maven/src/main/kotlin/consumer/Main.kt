package consumer

import com.clerk.api.Clerk
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import kotlinx.coroutines.runBlocking
import snippets.runBlocks
import kotlin.system.exitProcess

/**
 * Runs the docs' `run` blocks in order against the emulator at CLERK_EMULATOR_URL, with a
 * ticket from its control API (what an app's backend would hand over), then checks what they
 * left: a signed-in session and a Bearer header.
 */
fun main() {
    val url = System.getenv("CLERK_EMULATOR_URL") ?: fail("CLERK_EMULATOR_URL is not set")
    val context = SnippetContext(ticketFromYourBackend = ticket(url))
    runBlocking {
        for ((origin, block) in runBlocks) {
            try {
                context.block()
                context.settle()
            } catch (e: Throwable) {
                fail("$origin failed: $e")
            }
            println("ran $origin")
        }
    }
    if (runBlocks.isEmpty()) fail("no block of the docs is marked run")
    if (Clerk.session == null) fail("no session after the blocks ran")
    val header = context.headers["Authorization"] ?: fail("no block set headers[\"Authorization\"]")
    if (!header.startsWith("Bearer ey")) fail("headers[\"Authorization\"] is not a Bearer JWT")
    println("${runBlocks.size} passed, 0 failed")
    exitProcess(0)
}

private fun ticket(url: String): String {
    val request = HttpRequest.newBuilder(URI("$url/__emulator/sign_in_tokens"))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("""{"user_id":"user_alice"}"""))
        .build()
    val body = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).body()
    return Regex("\"token\"\\s*:\\s*\"([^\"]+)\"").find(body)?.groupValues?.get(1)
        ?: fail("no ticket from the emulator: $body")
}

private fun fail(message: String): Nothing {
    System.err.println("consumer: $message")
    exitProcess(1)
}
