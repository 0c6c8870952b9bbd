package com.clerk.api

import com.clerk.api.support.EmulatorTest
import com.clerk.api.support.LogCapture
import com.clerk.api.support.SoftwareKey
import com.clerk.api.support.failureOrFail
import com.clerk.api.support.getOrFail
import com.clerk.api.testing.FakeRoute
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import java.io.File
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.io.path.createTempDirectory
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/**
 * The default Android device token store with the real engine and the emulator: the store's
 * own code with a software key, a restart being a new store object on the same file and key
 * and a new engine (what `ClerkAndroid.configure` does at every launch).
 */
class DeviceTokenPersistenceTest : EmulatorTest() {
    private lateinit var dir: File
    private lateinit var key: SoftwareKey
    private lateinit var store: CheckedStore
    private lateinit var logs: LogCapture

    private val file get() = File(dir, "device-token")

    /**
     * The store the engine gets, checking at every save that the file already holds exactly
     * what the engine handed over (nothing once it clears the token), as a restart would read it.
     */
    private inner class CheckedStore(private val inner: DeviceTokenStore) : DeviceTokenStore {
        val saved = CopyOnWriteArrayList<String?>()
        val disagreements = CopyOnWriteArrayList<String>()

        override fun load(): String? = inner.load()

        override fun save(token: String?) {
            inner.save(token)
            saved += token
            val onDisk = EncryptedDeviceTokenStore(file, key, fake.frontendApiUrl).load()
            if (onDisk != token) disagreements += "save #${saved.size}: ${if (token == null) "cleared" else "a token"}, the file holds ${if (onDisk == null) "none" else "another"}"
        }
    }

    /** An app launch: a new store on the same file and key, a new engine. */
    private fun launch() {
        store = CheckedStore(EncryptedDeviceTokenStore(file, key, fake.frontendApiUrl))
        fake.configure(autoRefresh = false, tokenStore = store)
    }

    @BeforeEach
    fun signInWithTheEncryptedStore() = runBlocking {
        dir = createTempDirectory("clerk-device-token").toFile()
        key = SoftwareKey()
        logs = LogCapture()
        launch()
        session = Clerk.signInWithTicket(fake.signInToken("user_alice")).getOrFail()
        assertNotNull(store.saved.lastOrNull(), "signing in handed over a device token")
        assertTrue(file.isFile)
        fake.resetRequestCounts()
    }

    @AfterEach
    fun storedAsTheEngineSaidAndNeverLogged() {
        logs.close()
        assertEquals(emptyList(), store.disagreements)
        for (token in store.saved.filterNotNull()) assertFalse(token in logs.text, "a device token is in the logs")
        dir.deleteRecursively()
    }

    /** Whether the emulator got the last `GET /v1/client` with a device token. */
    private fun lastClientRequestHadDeviceToken(): Boolean =
        emu.requests("client").last().getValue("headers").jsonObject["authorization"]?.jsonPrimitive?.content == "<present>"

    @Test
    fun `after a restart load restores the session without signing in again`() = runBlocking {
        val deviceToken = assertNotNull(store.saved.last())
        assertFalse(file.readBytes().toString(Charsets.ISO_8859_1).contains(deviceToken), "the file is encrypted")

        launch()
        assertNull(Clerk.session, "a new engine knows nothing before load")
        val restored = assertNotNull(Clerk.load().getOrFail(), "the stored device token restores the session")
        assertEquals(session.id, restored.id)
        restored.fetchToken().getOrFail()
        assertTrue(lastClientRequestHadDeviceToken())
        assertEquals(0, fake.requestCount(FakeRoute.SIGN_IN))
        assertEquals(1, fake.requestCount(FakeRoute.CLIENT))
        assertTrue(logs.warnings.isEmpty(), logs.text)
    }

    @Test
    fun `corrupt stored data gives a signed-out user and an SDK that signs in again`() = runBlocking {
        val bytes = file.readBytes()
        bytes[bytes.size / 2] = (bytes[bytes.size / 2].toInt() xor 0x40).toByte()
        file.writeBytes(bytes)

        launch()
        assertNull(Clerk.load().getOrFail(), "signed out")
        assertNull(Clerk.session)
        assertFalse(lastClientRequestHadDeviceToken(), "nothing undecryptable was sent")
        assertFalse(file.exists(), "the corrupt file is removed")
        assertTrue("discarded" in logs.warnings.single(), logs.text)

        val again = Clerk.signInWithTicket(fake.signInToken("user_alice")).getOrFail()
        again.fetchToken().getOrFail()
        launch()
        assertEquals(again.id, Clerk.load().getOrFail()?.id, "the new sign-in is stored")
        assertEquals(1, logs.warnings.size, "reported once")
    }

    @Test
    fun `sign-out leaves nothing stored and the next launch is signed out`() = runBlocking {
        Clerk.signOut().getOrFail()
        assertFalse(file.exists())
        assertTrue(store.saved.last() == null, "the store was told to remove the device token")
        assertEquals(1, fake.requestCount(FakeRoute.SIGN_OUT))

        launch()
        assertNull(Clerk.load().getOrFail())
        assertFalse(lastClientRequestHadDeviceToken())
        assertTrue(dir.listFiles().orEmpty().isEmpty(), "nothing at all is left: ${dir.list()?.toList()}")
    }

    @Test
    fun `sign-out that cannot reach the server still leaves nothing stored`() = runBlocking {
        fake.failNext(FakeRoute.SIGN_OUT, status = 503, times = 4)
        val failure = Clerk.signOut().failureOrFail()
        assertEquals(ErrorType.API, failure.errorType)
        assertEquals(503, failure.error?.status)
        assertNull(Clerk.session)
        assertFalse(file.exists(), "the device token is gone although the server still has the session")

        launch()
        assertNull(Clerk.load().getOrFail(), "the session the server kept is not restored")
    }

    @Test
    fun `a revoked session leaves the client's device token as the engine keeps it, and the next launch is signed out`() =
        runBlocking {
            fake.revoke(session)
            val failure = session.fetchToken(GetTokenOptions(skipCache = true)).failureOrFail()
            assertEquals("session_revoked", failure.error?.errors?.first()?.code)
            assertNull(Clerk.session)
            // The device token belongs to the client, which outlives its sessions: the engine
            // does not clear it, and the file holds what the engine holds (checked at every save).
            assertNotNull(store.saved.last())

            launch()
            assertNull(Clerk.load().getOrFail(), "no active session to restore")
            assertTrue(lastClientRequestHadDeviceToken())
            val again = Clerk.signInWithTicket(fake.signInToken("user_alice")).getOrFail()
            again.fetchToken().getOrFail()
            assertEquals(again.id, Clerk.session?.id, "signed in again")
        }

    @Test
    fun `a device token the server clears is removed from the file when the engine clears it`() = runBlocking {
        emu.addFault("""{"route":"session_token","fault":{"kind":"clear_device_token"}}""")
        session.fetchToken(GetTokenOptions(skipCache = true)).getOrFail()
        assertTrue(store.saved.last() == null, "the engine cleared the device token")
        assertFalse(file.exists())

        launch()
        assertNull(Clerk.load().getOrFail())
        assertFalse(lastClientRequestHadDeviceToken())
    }
}
