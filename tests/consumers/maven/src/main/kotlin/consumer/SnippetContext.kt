package consumer

import com.clerk.api.Clerk
import com.clerk.api.Session
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.joinAll

/**
 * The names the docs' Kotlin `body` blocks use without declaring them (README.md, "The code in
 * these docs"): each block is the body of `suspend fun SnippetContext.snippet()`.
 */
class SnippetContext(val ticketFromYourBackend: String) {
    /** Where the blocks put the request headers they make. */
    val headers = mutableMapOf<String, String>()

    private val job = SupervisorJob()

    /** The app's scope; [settle] waits for what the blocks launched in it. */
    val scope = CoroutineScope(Dispatchers.Default + job)

    /** The signed-in session. */
    val session: Session get() = Clerk.session ?: error("no session: a block that signs in must run first")

    suspend fun settle() = job.children.toList().joinAll()
}
