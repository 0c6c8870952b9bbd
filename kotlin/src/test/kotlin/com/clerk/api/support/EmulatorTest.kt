package com.clerk.api.support

import com.clerk.api.Clerk
import com.clerk.api.Session
import com.clerk.api.testing.FakeClerk
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.TestInfo
import kotlin.time.Duration.Companion.seconds

/**
 * A fake Clerk for each test, from the test kit, with its emulator control API ([emu]) for
 * what the kit does not offer (faults beyond a status, held requests, request logs, the
 * server's clock skew). Before each test: Clerk configured against the fake and `user_alice`
 * signed in (request counts are reset after the sign-in). Tests marked [ShippedLibrary] get
 * none of this: they run on the shipped library too, which has no test kit.
 */
abstract class EmulatorTest {
    protected lateinit var fake: FakeClerk
    protected lateinit var emu: EmulatorControl
    protected lateinit var tokenStore: InMemoryTokenStore
    protected lateinit var session: Session

    /** Background refresh; off here, so that request counts are the callers' own. */
    protected open val autoRefresh = false

    @BeforeEach
    fun signIn(test: TestInfo) = runBlocking {
        if (ShippedLibrary.TAG in test.tags) return@runBlocking
        fake = FakeClerk.start()
        emu = EmulatorControl(fake.frontendApiUrl)
        tokenStore = InMemoryTokenStore()
        fake.configure(autoRefresh = autoRefresh, tokenStore = tokenStore)
        session = fake.signIn("user_alice")
        fake.resetRequestCounts()
    }

    @AfterEach
    fun stopFake() {
        Clerk.reset()
        if (::fake.isInitialized) fake.close()
    }

    /** Moves the fake's clock, which is also the SDK's. */
    protected suspend fun advanceSecs(seconds: Long) = fake.advance(seconds.seconds)
}
