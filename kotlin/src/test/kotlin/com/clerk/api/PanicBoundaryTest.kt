package com.clerk.api

import com.clerk.api.support.EmulatorTest
import com.clerk.api.support.ShippedLibrary
import com.clerk.api.support.InMemoryTokenStore
import com.clerk.api.support.assertSameToken
import com.clerk.api.support.failureOrFail
import com.clerk.api.support.getOrFail
import com.clerk.api.testing.FakeRoute
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/**
 * A device token store that throws, as a Keystore may: the exception reaches Rust as a failed
 * uniffi callback, which panics inside the request. The caller must get a typed failure, not a
 * crash, and the engine must go on serving once the store recovers.
 */
class PanicBoundaryTest : EmulatorTest() {
    /** The signed-in device token, behind a switch that makes every call throw. */
    private class FlakyStore(private val inner: InMemoryTokenStore) : DeviceTokenStore {
        @Volatile
        var throwing = false
        val thrown = AtomicInteger()

        override fun load(): String? {
            failIfThrowing()
            return inner.load()
        }

        override fun save(token: String?) {
            failIfThrowing()
            inner.save(token)
        }

        private fun failIfThrowing() {
            if (throwing) {
                thrown.incrementAndGet()
                throw IllegalStateException("the keystore is locked")
            }
        }
    }

    @Test
    @ShippedLibrary
    fun `a store that throws before any request is an internal failure, not a crash`() = runBlocking {
        val store = FlakyStore(InMemoryTokenStore()).apply { throwing = true }
        // Nothing listens there: the store is read before any request would be sent.
        Clerk.configure(frontendApiUrl = "http://127.0.0.1:9", tokenStore = store, autoRefresh = false)
        repeat(2) {
            val load = Clerk.load().failureOrFail()
            assertEquals(ErrorType.INTERNAL, load.errorType, "$load")
            assertIs<ClerkException.Internal>(load.throwable)
            val signIn = Clerk.signInWithTicket("ticket").failureOrFail()
            assertEquals(ErrorType.INTERNAL, signIn.errorType, "$signIn")
        }
        assertEquals(4, store.thrown.get(), "every call reached the store")
        assertNull(Clerk.session)
    }

    @Test
    fun `a throwing token store is an internal failure, and the engine serves tokens after it recovers`() = runBlocking {
        val store = FlakyStore(tokenStore)
        fake.configure(autoRefresh = false, tokenStore = store)
        val session = assertNotNull(Clerk.load().getOrFail(), "the device token restores the session")
        fake.resetRequestCounts()

        store.throwing = true
        for (options in listOf(GetTokenOptions(skipCache = true), GetTokenOptions(template = "test"))) {
            val failure = session.fetchToken(options).failureOrFail()
            assertEquals(ErrorType.INTERNAL, failure.errorType, "$failure")
            assertIs<ClerkException.Internal>(failure.throwable)
            assertNull(failure.error)
        }
        val load = Clerk.load().failureOrFail()
        assertEquals(ErrorType.INTERNAL, load.errorType, "$load")
        assertTrue(store.thrown.get() >= 3, "every call reached the store: ${store.thrown.get()}")
        assertEquals(0, fake.requestCount(FakeRoute.ANY), "nothing was sent without the device token")

        store.throwing = false
        assertTrue(session.isActive, "a failed store read does not end the session")
        val token = session.fetchToken(GetTokenOptions(skipCache = true)).getOrFail()
        assertSameToken(token, session.fetchToken().getOrFail(), "the new token is cached:")
        session.fetchToken(GetTokenOptions(template = "test")).getOrFail()
        assertEquals(1, fake.requestCount(FakeRoute.SESSION_TOKEN))
        assertEquals(1, fake.requestCount(FakeRoute.TEMPLATE_TOKEN))
        assertEquals(session.id, Clerk.load().getOrFail()?.id)
    }
}
