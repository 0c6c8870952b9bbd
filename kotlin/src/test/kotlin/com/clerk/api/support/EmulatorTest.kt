package com.clerk.api.support

import com.clerk.api.Clerk
import com.clerk.api.ManualClock
import com.clerk.api.Session
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.TestInstance

/**
 * One emulator process per test class. Before each test: emulator reset, a device clock at the
 * emulator's start time, Clerk configured against the emulator, and `user_alice` signed in
 * (request counts are reset after the sign-in).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class EmulatorTest {
    protected lateinit var emu: Emulator
    protected lateinit var clock: ManualClock
    protected lateinit var tokenStore: InMemoryTokenStore
    protected lateinit var session: Session

    @BeforeAll
    fun startEmulator() {
        emu = Emulator.start()
    }

    @AfterAll
    fun stopEmulator() {
        Clerk.reset()
        emu.close()
    }

    /** Background refresh; off here, so that request counts are the callers' own. */
    protected open val autoRefresh = false

    /** The device clock; by default its retry waits return at once (and are recorded). */
    protected open fun newClock() = ManualClock(Emulator.START_MS)

    @BeforeEach
    fun signIn() = runBlocking {
        emu.reset()
        clock = newClock()
        tokenStore = InMemoryTokenStore()
        Clerk.configure(frontendApiUrl = emu.url, tokenStore = tokenStore, autoRefresh = autoRefresh, clock = clock)
        session = Clerk.signInWithTicket(emu.signInTicket("user_alice")).getOrFail()
        emu.resetCounts()
    }

    /** Moves the device clock and the emulator's clock together. */
    protected fun advanceSecs(seconds: Long) {
        clock.advanceMs(seconds * 1000)
        emu.advanceMs(seconds * 1000)
    }
}
