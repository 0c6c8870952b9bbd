package com.clerk.api

import com.clerk.api.support.EmulatorTest
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/** The example from Clerk's Android documentation of getToken() compiles and works as is. */
class OfficialSnippetTest : EmulatorTest() {
    @Test
    fun `the documented fetchToken example sets the Authorization header`() = runBlocking {
        val headers = mutableMapOf<String, String>()
        coroutineScope {
            val scope = this
            // The documented example, unchanged:
            val session = Clerk.session

            scope.launch {
                val token = session?.fetchToken()?.onSuccess { tokenResource ->
                    headers["Authorization"] = "Bearer ${tokenResource.jwt}"
                }
            }
        }
        val header = headers["Authorization"].orEmpty()
        assertTrue(header.startsWith("Bearer ey"), "got '${header.take(12)}'")
        assertEquals(3, header.removePrefix("Bearer ").split('.').size)
    }
}
