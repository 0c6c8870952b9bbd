import Foundation
import XCTest
@testable import ClerkKit
import ClerkKitTesting

/// The default Keychain store with the real engine and the emulator. Each launch is a new
/// `Clerk` configured without a store, as an app does, whose default store is the Keychain
/// store's own code over one `FakeKeychain` that outlives the launches, as the device's
/// Keychain does.
final class DeviceTokenPersistenceTests: EmulatorTestCase {
    private var keychain: FakeKeychain!
    private var failures: FailureLog!
    private var clerk: Clerk!
    private var launched: [CheckedStore] = []
    private var session: Session!

    /// The store of the current launch.
    private var deviceTokenStore: CheckedStore {
        launched[launched.count - 1]
    }

    /// The item the stores use; the instance is the emulator's URL.
    private var item: KeychainItem {
        deviceTokenStore.item
    }

    override func setUp() async throws {
        try await super.setUp()
        keychain = FakeKeychain()
        failures = FailureLog()
        launched = []
        try launch()
        session = try await clerk.signIn(ticket: try await emulator.signInTicket(userId: "user_alice"))
        XCTAssertNotNil(deviceTokenStore.saved.last ?? nil, "signing in handed over a device token")
        XCTAssertNotNil(keychain[item])
        try await emulator.resetCounts()
    }

    override func tearDown() async throws {
        for store in launched {
            XCTAssertEqual(store.disagreements, [])
            for token in store.saved.compactMap({ $0 }) {
                XCTAssertFalse(failures.text.contains(token), "a device token was reported")
                XCTAssertFalse(String(reflecting: store.inner).contains(token))
            }
        }
        try await super.tearDown()
    }

    /// An app launch: a new `Clerk`, configured without a store.
    private func launch() throws {
        let (keychain, failures) = (keychain!, failures!)
        let made = LaunchStores()
        clerk = Clerk(defaultTokenStore: { endpoint in
            let (publishableKey, frontendApiUrl): (String?, String?)
            switch endpoint {
            case let .publishableKey(key): (publishableKey, frontendApiUrl) = (key, nil)
            case let .frontendApiUrl(url): (publishableKey, frontendApiUrl) = (nil, url)
            }
            let inner = KeychainDeviceTokenStore(
                item: KeychainDeviceTokenStore.item(
                    publishableKey: publishableKey, frontendApiUrl: frontendApiUrl, accessGroup: nil
                ),
                keychain: keychain,
                report: { failures.record($0) }
            )
            return made.add(CheckedStore(inner, keychain: keychain))
        })
        clerk.configure(frontendApiUrl: fake.frontendApiUrl, autoRefresh: false)
        XCTAssertEqual(made.stores.count, 1, "configure without a store uses the default one")
        launched.append(try XCTUnwrap(made.stores.first))
    }

    /// Whether the last `GET /v1/client` carried a device token.
    private func lastClientRequestHadDeviceToken() async throws -> Bool {
        let requests = try await emulator.requests(route: "client")
        let headers = try XCTUnwrap(requests.last?["headers"] as? [String: Any])
        return headers["authorization"] as? String == "<present>"
    }

    func testAfterARestartLoadRestoresTheSessionWithoutSigningInAgain() async throws {
        XCTAssertEqual(item.service, "com.clerk.clerk-kit")
        XCTAssertEqual(item.account, "clerkDeviceToken.127.0.0.1:\(emulator.url.port ?? 0)")

        try launch()
        XCTAssertNil(clerk.session, "a new engine knows nothing before load")
        try await clerk.load()
        let restored = try XCTUnwrap(clerk.session, "the stored device token restores the session")
        XCTAssertEqual(restored.id, session.id)
        _ = try await token(restored)
        let hadDeviceToken = try await lastClientRequestHadDeviceToken()
        XCTAssertTrue(hadDeviceToken)
        let signIns = try await requests("sign_in")
        let clients = try await requests("client")
        XCTAssertEqual(signIns, 0)
        XCTAssertEqual(clients, 1)
        XCTAssertEqual(failures.all, [])
    }

    func testCorruptStoredDataGivesASignedOutUserAndAnSdkThatSignsInAgain() async throws {
        keychain[item] = Data([0xC3, 0x28, 0xFF, 0xFE])  // not UTF-8

        try launch()
        try await clerk.load()
        XCTAssertNil(clerk.session, "signed out")
        let hadDeviceToken = try await lastClientRequestHadDeviceToken()
        XCTAssertFalse(hadDeviceToken, "nothing unreadable was sent")
        XCTAssertNil(keychain[item], "the corrupt item is removed")
        XCTAssertEqual(failures.all, [KeychainFailure(operation: .read, cause: .unreadableValue)])

        let again = try await clerk.signIn(ticket: try await emulator.signInTicket(userId: "user_alice"))
        _ = try await token(again)
        try launch()
        try await clerk.load()
        XCTAssertEqual(clerk.session?.id, again.id, "the new sign-in is stored")
        XCTAssertEqual(failures.all.count, 1, "reported once")
    }

    func testSignOutLeavesNothingStoredAndTheNextLaunchIsSignedOut() async throws {
        try await clerk.signOut()
        XCTAssertNil(clerk.session)
        XCTAssertEqual(keychain.allItems, [:])
        XCTAssertEqual(deviceTokenStore.saved.last, .some(nil), "the store was told to remove the device token")
        let ends = try await requests("end_session")
        XCTAssertEqual(ends, 1)

        try launch()
        try await clerk.load()
        XCTAssertNil(clerk.session)
        let hadDeviceToken = try await lastClientRequestHadDeviceToken()
        XCTAssertFalse(hadDeviceToken)
    }

    /// Both ways to sign out, whatever the server answers: once no session is left, the
    /// Keychain holds no device token (`Session.signOut()` used to leave it there).
    func testEverySignOutThatLeavesNoSessionLeavesNoDeviceToken() async throws {
        let answers: [(name: String, fault: [String: Any]?)] = [
            ("confirmed", nil),
            ("refused, the session already over", ["kind": "status", "status": 401, "code": "session_revoked"]),
            ("the server unreachable", ["kind": "drop_connection"]),
        ]
        for viaSession in [false, true] {
            for answer in answers {
                let label = "\(viaSession ? "Session.signOut()" : "Clerk.signOut()"), \(answer.name)"
                // A fresh install: the sign-in makes a client of its own, whose one session
                // the sign-out ends.
                keychain[item] = nil
                try launch()
                let session = try await clerk.signIn(ticket: try await emulator.signInTicket(userId: "user_alice"))
                XCTAssertNotNil(keychain[item], label)
                try await emulator.control("DELETE", "faults")
                if let fault = answer.fault {
                    // Enough for every attempt the engine makes.
                    try await emulator.inject(["route": "end_session", "times": 10, "fault": fault] as [String: Any])
                }
                do {
                    if viaSession {
                        try await session.signOut()
                    } else {
                        try await clerk.signOut()
                    }
                    XCTAssertNil(answer.fault, "\(label): expected an error")
                } catch let error as ClerkError {
                    XCTAssertNotNil(answer.fault, "\(label): \(error)")
                }
                XCTAssertNil(clerk.session, label)
                XCTAssertFalse(session.isActive, label)
                XCTAssertEqual(keychain.allItems, [:], label)
                XCTAssertEqual(deviceTokenStore.saved.last, .some(nil), "\(label): the store was told to remove it")

                try launch()
                let restored = try await clerk.load()
                XCTAssertNil(restored, label)
                let hadDeviceToken = try await lastClientRequestHadDeviceToken()
                XCTAssertFalse(hadDeviceToken, label)
            }
        }
        try await emulator.control("DELETE", "faults")
    }

    /// The engine reads the store before every request and saves the device token each
    /// response carries: the Keychain itself is read once a launch and not written at all
    /// while the token does not change.
    func testTheKeychainIsReadOnceALaunchNotOncePerRequest() async throws {
        try launch()
        keychain.clearCalls()
        let restored = try await clerk.load()
        let session = try XCTUnwrap(restored)
        for _ in 0..<10 {
            _ = try await token(session, GetTokenOptions(skipCache: true))
        }
        let tokenRequests = try await requests("session_token")
        let clientRequests = try await requests("client")
        XCTAssertEqual(tokenRequests + clientRequests, 11)
        XCTAssertEqual(keychain.calls, [.copy], "one read for 11 requests, no write")
    }

    func testSignOutThatCannotReachTheServerStillLeavesNothingStored() async throws {
        try await emulator.inject(["route": "end_session", "times": 4, "fault": ["kind": "status", "status": 503]] as [String: Any])
        do {
            try await clerk.signOut()
            XCTFail("expected the server's 503")
        } catch let error as ClerkError {
            XCTAssertEqual(error.status, 503)
        }
        XCTAssertNil(clerk.session)
        XCTAssertEqual(keychain.allItems, [:], "the device token is gone although the server still has the session")

        try launch()
        try await clerk.load()
        XCTAssertNil(clerk.session, "the session the server kept is not restored")
    }

    func testARevokedSessionKeepsTheClientsDeviceTokenAsTheEngineDoes() async throws {
        let stored = try XCTUnwrap(keychain[item])
        let revoked = try await emulator.revokeSession(id: session.id)
        XCTAssertTrue(revoked)
        do {
            _ = try await session.getToken(GetTokenOptions(skipCache: true))
            XCTFail("expected session_revoked")
        } catch let error as ClerkError {
            XCTAssertEqual(error.code, "session_revoked")
        }
        XCTAssertNil(clerk.session, "the engine ended the session")
        // The device token belongs to the client, which outlives its sessions: the engine does
        // not clear it, so neither does the Keychain (checked at every save, see CheckedStore).
        XCTAssertEqual(keychain[item], stored)

        try launch()
        try await clerk.load()
        XCTAssertNil(clerk.session, "no active session to restore")
        let hadDeviceToken = try await lastClientRequestHadDeviceToken()
        XCTAssertTrue(hadDeviceToken)
        let again = try await clerk.signIn(ticket: try await emulator.signInTicket(userId: "user_alice"))
        _ = try await token(again)
        XCTAssertEqual(clerk.session?.id, again.id, "signed in again")
    }

    func testADeviceTokenTheServerClearsIsRemovedWhenTheEngineClearsIt() async throws {
        try await emulator.inject(["route": "session_token", "fault": ["kind": "clear_device_token"]] as [String: Any])
        _ = try await token(session, GetTokenOptions(skipCache: true))
        XCTAssertEqual(deviceTokenStore.saved.last, .some(nil), "the engine cleared the device token")
        XCTAssertNil(keychain[item])

        try launch()
        try await clerk.load()
        XCTAssertNil(clerk.session)
        let hadDeviceToken = try await lastClientRequestHadDeviceToken()
        XCTAssertFalse(hadDeviceToken)
    }

    func testALaunchBeforeTheFirstUnlockIsSignedOutUntilTheKeychainOpens() async throws {
        keychain.setLocked(true)  // e.g. launched in the background after a reboot
        try launch()
        try await clerk.load()
        XCTAssertNil(clerk.session)
        XCTAssertNotNil(keychain[item], "the item is kept")
        XCTAssertEqual(failures.all.count, 1)

        keychain.setLocked(false)
        try await clerk.load()
        XCTAssertEqual(clerk.session?.id, session.id, "restored once the device is unlocked")
    }

    func testAStoreTheAppGivesReplacesTheKeychain() async throws {
        let own = MemoryTokenStore()
        let before = launched.count
        clerk.configure(frontendApiUrl: fake.frontendApiUrl, tokenStore: own, autoRefresh: false)
        keychain.clearCalls()
        let mine = try await clerk.signIn(ticket: try await emulator.signInTicket(userId: "user_bob"))
        XCTAssertNotNil(own.load())
        XCTAssertEqual(keychain.calls, [], "the Keychain is not touched")
        XCTAssertEqual(launched.count, before, "no default store was made")
        try await clerk.signOut()
        XCTAssertNil(own.load(), "sign-out clears the app's store too")
        XCTAssertFalse(mine.isActive)
    }
}

/// The store the engine gets: the Keychain store, checking at each save that the Keychain
/// holds exactly what the engine handed over (nothing once it clears the token), as the next
/// launch would read it.
private final class CheckedStore: DeviceTokenStore, @unchecked Sendable {
    let inner: KeychainDeviceTokenStore
    private let keychain: FakeKeychain
    private let lock = NSLock()
    private var saves: [String?] = []
    private var mismatches: [String] = []

    init(_ inner: KeychainDeviceTokenStore, keychain: FakeKeychain) {
        self.inner = inner
        self.keychain = keychain
    }

    var item: KeychainItem {
        inner.item
    }

    var saved: [String?] {
        lock.lock()
        defer { lock.unlock() }
        return saves
    }

    var disagreements: [String] {
        lock.lock()
        defer { lock.unlock() }
        return mismatches
    }

    func load() -> String? {
        inner.load()
    }

    func save(token: String?) {
        inner.save(token: token)
        let held = keychain[inner.item].map { String(decoding: $0, as: UTF8.self) }
        lock.lock()
        defer { lock.unlock() }
        saves.append(token)
        if held != token {
            let handed = token == nil ? "cleared" : "a token"
            mismatches.append("save #\(saves.count): \(handed), the Keychain holds \(held == nil ? "none" : "another")")
        }
    }
}

/// The stores one launch's `configure` made.
private final class LaunchStores: @unchecked Sendable {
    private let lock = NSLock()
    private var made: [CheckedStore] = []

    func add(_ store: CheckedStore) -> CheckedStore {
        lock.lock()
        defer { lock.unlock() }
        made.append(store)
        return store
    }

    var stores: [CheckedStore] {
        lock.lock()
        defer { lock.unlock() }
        return made
    }
}
