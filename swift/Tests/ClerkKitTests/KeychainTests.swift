import Foundation
import XCTest
@testable import ClerkKit

/// `KeychainDeviceTokenStore`'s logic over a fake of the Security framework's item calls:
/// which calls it makes, how it reads each status, what it reports, and that it never shows
/// the token.
final class KeychainTests: XCTestCase {
    private let deviceToken = "eyJhbGciOiJSUzI1NiJ9.eyJpZCI6ImNsaWVudF8xIn0.c2lnbmF0dXJl"
    private var keychain: FakeKeychain!
    private var failures: FailureLog!
    private var store: KeychainDeviceTokenStore!

    private var item: KeychainItem {
        store.item
    }

    override func setUp() {
        super.setUp()
        keychain = FakeKeychain()
        failures = FailureLog()
        store = makeStore(frontendApiUrl: "https://clerk.example.com")
    }

    private func makeStore(frontendApiUrl: String, accessGroup: String? = nil) -> KeychainDeviceTokenStore {
        let failures = failures!
        return KeychainDeviceTokenStore(
            item: KeychainDeviceTokenStore.item(publishableKey: nil, frontendApiUrl: frontendApiUrl, accessGroup: accessGroup),
            keychain: keychain,
            report: { failures.record($0) }
        )
    }

    private func publishableKey(_ prefix: String, _ host: String, padded: Bool = true) -> String {
        var encoded = Data("\(host)$".utf8).base64EncodedString()
        if !padded {
            encoded = encoded.replacingOccurrences(of: "=", with: "")
        }
        return prefix + encoded
    }

    /// The next launch's store: a new store over the same Keychain, remembering nothing.
    private func relaunch() -> KeychainDeviceTokenStore {
        makeStore(frontendApiUrl: "https://clerk.example.com")
    }

    // MARK: - Reading and writing

    func testAFirstTokenIsAddedAndReadBack() {
        XCTAssertNil(store.load(), "nothing stored yet")
        store.save(token: deviceToken)
        XCTAssertEqual(keychain[item], Data(deviceToken.utf8))
        XCTAssertEqual(store.load(), deviceToken)
        XCTAssertEqual(keychain.calls, [.copy, .add], "read once; the item known absent is added")
        XCTAssertEqual(relaunch().load(), deviceToken, "the next launch reads it")
        XCTAssertTrue(failures.all.isEmpty)
    }

    func testTheSameTokenAgainWritesNothing() {
        store.save(token: deviceToken)
        keychain.clearCalls()
        store.save(token: deviceToken)
        XCTAssertEqual(keychain.calls, [], "the engine saves the token of every response: no call when unchanged")
    }

    func testTheKeychainIsReadOncePerLaunchNotOncePerRequest() {
        store.save(token: deviceToken)
        let launch = relaunch()
        keychain.clearCalls()
        // What the engine does for each request: read the store, then save the token the
        // response carried, almost always the same.
        for _ in 0..<100 {
            XCTAssertEqual(launch.load(), deviceToken)
            launch.save(token: deviceToken)
        }
        XCTAssertEqual(keychain.calls, [.copy], "one Keychain read for 100 requests, no write")

        launch.save(token: "rotated-device-token")
        XCTAssertEqual(launch.load(), "rotated-device-token")
        XCTAssertEqual(keychain.calls, [.copy, .update], "a rotation is written once and read back from memory")

        launch.save(token: nil)
        XCTAssertNil(launch.load())
        launch.save(token: nil)
        XCTAssertEqual(keychain.calls, [.copy, .update, .delete])
        XCTAssertTrue(failures.all.isEmpty)
    }

    func testAFirstSaveWithoutALoadLooksBeforeItWrites() {
        store.save(token: deviceToken)
        keychain.clearCalls()
        let launch = relaunch()
        launch.save(token: deviceToken)
        XCTAssertEqual(keychain.calls, [.copy], "already there: nothing written")
        let other = relaunch()
        other.save(token: "rotated-device-token")
        XCTAssertEqual(keychain.calls, [.copy, .copy, .update])
        XCTAssertEqual(relaunch().load(), "rotated-device-token")
    }

    func testARotatedTokenUpdatesTheItem() {
        store.save(token: deviceToken)
        keychain.clearCalls()
        store.save(token: "rotated-device-token")
        XCTAssertEqual(keychain.calls, [.update])
        XCTAssertEqual(store.load(), "rotated-device-token")
        XCTAssertEqual(relaunch().load(), "rotated-device-token")
        XCTAssertEqual(keychain.allItems.count, 1)
    }

    func testAnAddThatFindsADuplicateItemUpdatesIt() {
        XCTAssertNil(store.load())
        keychain.clearCalls()
        // An app extension sharing the item adds it after this launch read none.
        keychain.before(.add) { [keychain, item] in keychain![item] = Data("the extension's token".utf8) }
        store.save(token: deviceToken)
        XCTAssertEqual(keychain.calls, [.add, .update])
        XCTAssertEqual(relaunch().load(), deviceToken)
        XCTAssertTrue(failures.all.isEmpty)
    }

    func testAnUpdateThatFindsNoItemAddsIt() {
        store.save(token: deviceToken)
        keychain.clearCalls()
        // Removed by another process since this launch wrote it.
        keychain.before(.update) { [keychain, item] in keychain![item] = nil }
        store.save(token: "rotated-device-token")
        XCTAssertEqual(keychain.calls, [.update, .add])
        XCTAssertEqual(relaunch().load(), "rotated-device-token")
        XCTAssertTrue(failures.all.isEmpty)
    }

    func testSavingNoTokenDeletesTheItem() {
        store.save(token: deviceToken)
        keychain.clearCalls()
        store.save(token: nil)
        XCTAssertEqual(keychain.calls, [.delete])
        XCTAssertNil(keychain[item])
        XCTAssertNil(store.load())

        relaunch().save(token: nil)
        XCTAssertTrue(failures.all.isEmpty, "deleting what is already gone is no failure")
    }

    func testAWhitespaceOnlyTokenCountsAsNone() {
        store.save(token: deviceToken)
        store.save(token: " \t ")
        XCTAssertNil(keychain[item], "saving whitespace removes the token")

        keychain[item] = Data("  \t".utf8)
        XCTAssertNil(relaunch().load())
        XCTAssertNil(keychain[item], "a stored blank is removed")
        XCTAssertTrue(failures.all.isEmpty, "a blank is no failure")
    }

    // MARK: - Data that cannot be a device token

    func testUndecodableDataCountsAsNoTokenIsRemovedAndReportedOnce() throws {
        keychain[item] = Data([0xFF, 0xFE, 0x80, 0x41])  // not UTF-8
        XCTAssertNil(store.load())
        XCTAssertNil(keychain[item], "removed, so the next launch starts clean")
        XCTAssertNil(store.load())
        XCTAssertEqual(failures.all, [KeychainFailure(operation: .read, cause: .unreadableValue)])
        XCTAssertTrue(failures.text.contains("unreadable"), failures.text)

        store.save(token: deviceToken)
        XCTAssertEqual(store.load(), deviceToken, "the store works again")
        XCTAssertEqual(relaunch().load(), deviceToken)
    }

    func testTextThatIsNoHeaderValueCountsAsNoToken() {
        // Each would make every request fail before it is sent, so none may come back.
        for stored in ["line\nbreak", "nul\u{0}byte", "caf\u{E9}", "\u{7F}"] {
            keychain[item] = Data(stored.utf8)
            XCTAssertNil(relaunch().load(), stored.debugDescription)
            XCTAssertNil(keychain[item], stored.debugDescription)
        }
        XCTAssertEqual(failures.all.count, 4)
    }

    // MARK: - Failures: never thrown, never a crash, reported once

    func testALockedDeviceReadsNoTokenKeepsTheItemAndReportsOnce() {
        store.save(token: deviceToken)
        keychain.setLocked(true)
        let launch = relaunch()
        keychain.clearCalls()
        XCTAssertNil(launch.load())
        XCTAssertNil(launch.load())
        XCTAssertNil(launch.load())
        XCTAssertEqual(keychain.calls, [.copy, .copy, .copy], "a failed read is not remembered")
        XCTAssertEqual(keychain[item], Data(deviceToken.utf8), "the item is not touched")
        XCTAssertEqual(
            failures.all,
            [KeychainFailure(operation: .read, cause: .status(KeychainStatus.interactionNotAllowed))],
            "the engine reads before every request: reported once"
        )
        XCTAssertTrue(failures.text.contains("unlocked"), failures.text)

        keychain.setLocked(false)
        XCTAssertEqual(launch.load(), deviceToken, "readable after the first unlock")
        keychain.setLocked(true)
        let next = relaunch()
        XCTAssertNil(next.load())
        XCTAssertEqual(failures.all.count, 2, "each launch reports its own")
    }

    func testAWriteThatFailsIsReportedServedFromMemoryAndTriedAgain() {
        store.save(token: deviceToken)
        keychain.answer(.update, KeychainStatus.missingEntitlement)
        store.save(token: "rotated-device-token")
        XCTAssertEqual(store.load(), "rotated-device-token", "this run goes on with the token the server gave")
        XCTAssertEqual(keychain[item], Data(deviceToken.utf8), "the Keychain keeps the old one")
        XCTAssertEqual(failures.all, [KeychainFailure(operation: .write, cause: .status(KeychainStatus.missingEntitlement))])
        XCTAssertTrue(failures.text.contains("access group"), failures.text)

        keychain.clearCalls()
        store.save(token: "rotated-device-token")
        XCTAssertEqual(keychain.calls, [.update], "the same token again: written this time")
        XCTAssertEqual(relaunch().load(), "rotated-device-token")

        keychain.answer(.update, KeychainStatus.missingEntitlement)
        store.save(token: "rotated-again")
        XCTAssertEqual(failures.all.count, 2, "a new failure after a success is reported again")
    }

    func testAnAddThatFailsIsReported() {
        keychain.answer(.add, -25291)  // errSecNotAvailable
        store.save(token: deviceToken)
        XCTAssertNil(keychain[item])
        XCTAssertEqual(failures.all, [KeychainFailure(operation: .write, cause: .status(-25291))])
        XCTAssertTrue(failures.text.contains("-25291"))
    }

    func testAWriteWhileLockedChangesNothingAndIsReportedOnce() {
        keychain.setLocked(true)
        store.save(token: deviceToken)
        store.save(token: deviceToken)
        XCTAssertEqual(keychain.calls, [.copy, .copy], "no write over an item that cannot even be read")
        XCTAssertEqual(failures.all, [KeychainFailure(operation: .write, cause: .status(KeychainStatus.interactionNotAllowed))])
        keychain.setLocked(false)
        XCTAssertNil(store.load())
    }

    func testAKeychainThatCannotBeUsedServesTheTokenFromMemoryForTheRun() {
        // An unsigned macOS build, say: no entitlement for the data protection keychain.
        let denied = KeychainStatus.missingEntitlement
        keychain.answer(.copy, denied, denied)
        keychain.answer(.add, denied)
        keychain.answer(.update, denied)
        XCTAssertNil(store.load())
        store.save(token: deviceToken)
        XCTAssertEqual(store.load(), deviceToken, "signed in for this run")
        store.save(token: "rotated-device-token")
        XCTAssertEqual(store.load(), "rotated-device-token")
        XCTAssertEqual(keychain.calls, [.copy, .copy, .update])
        XCTAssertEqual(keychain.allItems, [:])
        XCTAssertEqual(failures.all, [
            KeychainFailure(operation: .read, cause: .status(denied)),
            KeychainFailure(operation: .write, cause: .status(denied)),
        ])
    }

    func testADeleteThatFailsIsReportedAndTriedAgain() {
        store.save(token: deviceToken)
        keychain.answer(.delete, -26276)  // errSecInternalError
        store.save(token: nil)
        XCTAssertEqual(failures.all, [KeychainFailure(operation: .delete, cause: .status(-26276))])
        XCTAssertTrue(failures.text.contains("could not be removed"), failures.text)
        XCTAssertNil(store.load(), "signed out for this run")

        store.save(token: nil)
        XCTAssertNil(keychain[item], "removed at the next save")
    }

    func testAnyOtherReadStatusCountsAsNoTokenAndKeepsTheItem() {
        store.save(token: deviceToken)
        let launch = relaunch()
        keychain.answer(.copy, -26276)
        XCTAssertNil(launch.load())
        XCTAssertEqual(keychain[item], Data(deviceToken.utf8))
        XCTAssertEqual(launch.load(), deviceToken)
        XCTAssertEqual(failures.all, [KeychainFailure(operation: .read, cause: .status(-26276))])
    }

    func testConcurrentSavesAndLoadsLeaveOneWholeToken() async {
        let tokens = (0..<20).map { "device-token-\($0)" }
        let store = store!
        await withTaskGroup(of: Void.self) { group in
            for token in tokens {
                group.addTask {
                    store.save(token: token)
                    if let read = store.load() {
                        XCTAssertTrue(tokens.contains(read), read)
                    }
                }
            }
        }
        XCTAssertTrue(tokens.contains(store.load() ?? ""))
        XCTAssertEqual(keychain.allItems.count, 1)
        XCTAssertTrue(failures.all.isEmpty)
    }

    // MARK: - Naming

    func testItemsAreNamedForTheSdkAndTheInstance() {
        let fromKey = KeychainDeviceTokenStore.item(
            publishableKey: publishableKey("pk_live_", "clerk.shop.dev"), frontendApiUrl: nil, accessGroup: nil
        )
        XCTAssertEqual(fromKey, KeychainItem(service: "com.clerk.clerk-kit", account: "clerkDeviceToken.clerk.shop.dev", accessGroup: nil))
        XCTAssertEqual(KeychainDeviceTokenStore.service, "com.clerk.clerk-kit")

        let unpadded = KeychainDeviceTokenStore.item(
            publishableKey: publishableKey("pk_test_", "clerk.a.dev", padded: false), frontendApiUrl: nil, accessGroup: nil
        )
        XCTAssertEqual(unpadded.account, "clerkDeviceToken.clerk.a.dev")

        let fromURL = KeychainDeviceTokenStore.item(publishableKey: nil, frontendApiUrl: "https://Clerk.Shop.dev/", accessGroup: nil)
        XCTAssertEqual(fromURL, fromKey, "a key and a URL for one instance name one item")

        let local = ["http://127.0.0.1:4000", "http://127.0.0.1:4001", "https://example.com/__clerk", "https://example.com/other"]
            .map { KeychainDeviceTokenStore.item(publishableKey: nil, frontendApiUrl: $0, accessGroup: nil).account }
        XCTAssertEqual(Set(local).count, 4, "two instances never share a token: \(local)")
        XCTAssertEqual(local[0], "clerkDeviceToken.127.0.0.1:4000")
    }

    func testTheAccessGroupIsOptional() {
        XCTAssertEqual(makeStore(frontendApiUrl: "https://a.dev", accessGroup: " TEAM1234.com.example.shared ").item.accessGroup,
                       "TEAM1234.com.example.shared")
        XCTAssertNil(makeStore(frontendApiUrl: "https://a.dev", accessGroup: "  ").item.accessGroup)
        XCTAssertNil(makeStore(frontendApiUrl: "https://a.dev").item.accessGroup)
    }

    func testTwoInstancesKeepTheirOwnTokens() {
        let other = makeStore(frontendApiUrl: "https://other.example.com")
        store.save(token: deviceToken)
        other.save(token: "other-device-token")
        XCTAssertEqual(store.load(), deviceToken)
        XCTAssertEqual(other.load(), "other-device-token")
        other.save(token: nil)
        XCTAssertEqual(store.load(), deviceToken)
    }

    func testWithoutTheSecurityFrameworkTheDefaultStaysInMemory() {
        let settings = Clerk.Endpoint.publishableKey(publishableKey("pk_test_", "clerk.example.com"))
        #if canImport(Security)
        let store = Clerk.platformTokenStore(settings) as? KeychainDeviceTokenStore
        XCTAssertEqual(store?.item.account, "clerkDeviceToken.clerk.example.com")
        #else
        XCTAssertNil(Clerk.platformTokenStore(settings), "no Keychain: the engine keeps the token in memory")
        XCTAssertNil(Clerk.platformTokenStore(.frontendApiUrl("https://clerk.example.com")))
        #endif
    }

    // MARK: - Never the value

    func testTheTokenNeverShowsInPrintsDumpsOrReports() {
        store.save(token: deviceToken)
        // Every failure path once, with the token stored or being written.
        keychain.answer(.update, KeychainStatus.missingEntitlement)
        store.save(token: deviceToken + "-rotated")
        keychain.answer(.copy, KeychainStatus.interactionNotAllowed)
        _ = relaunch().load()
        keychain.answer(.delete, -26276)
        store.save(token: nil)
        keychain[item] = Data((deviceToken + "\n").utf8)
        _ = relaunch().load()
        XCTAssertEqual(failures.all.count, 4)

        var dumped = ""
        dump(store!, to: &dumped)
        let renderings = [
            String(describing: store!),
            String(reflecting: store!),
            "\(store!)",
            dumped,
            failures.text,
            failures.all.map { String(reflecting: $0) }.joined(),
        ]
        for rendering in renderings {
            XCTAssertFalse(rendering.contains("eyJ"), "the token leaked: \(rendering)")
        }
        XCTAssertTrue(String(describing: store!).contains("clerkDeviceToken.clerk.example.com"))
        XCTAssertTrue(dumped.contains("com.clerk.clerk-kit"), dumped)
    }
}
