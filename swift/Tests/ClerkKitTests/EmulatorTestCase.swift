import Foundation
import XCTest
@testable import ClerkKit
import ClerkKitTesting

/// A fresh world per test, made with the test kit: a fake Clerk of its own (its clock at
/// `Emulator.startMs`, retry waits passing at once on it), an in-memory device token store,
/// and `Clerk.shared` configured against the fake without background refresh.
class EmulatorTestCase: XCTestCase {
    var fake: FakeClerk!
    var emulator: Emulator!
    var store: MemoryTokenStore!

    override func setUp() async throws {
        try await super.setUp()
        fake = try FakeClerk()
        emulator = try Emulator(fake)
        store = MemoryTokenStore()
        Clerk.shared.configure(frontendApiUrl: fake.frontendApiUrl, tokenStore: store, autoRefresh: false)
    }

    override func tearDown() async throws {
        // Nothing may stay parked on a hang fault after a failed test.
        if let emulator {
            try? await emulator.releaseHangs()
        }
        try await super.tearDown()
    }

    /// Signs `user` in with a fresh ticket, then zeroes the emulator's request counts.
    @discardableResult
    func signIn(_ user: String = "user_alice") async throws -> Session {
        let session = try await fake.signIn(userId: user)
        fake.resetRequestCounts()
        return session
    }

    /// Moves the fake's clock, which is also the SDK's.
    func advance(seconds: Double) async throws {
        await fake.advance(by: seconds)
    }

    func requests(_ route: String) async throws -> Int {
        try await emulator.count(route)
    }

    /// `getToken` that must produce a token.
    func token(_ session: Session, _ options: GetTokenOptions = .init(),
               file: StaticString = #filePath, line: UInt = #line) async throws -> TokenResource {
        let token = try await session.getToken(options)
        return try XCTUnwrap(token, "expected a token", file: file, line: line)
    }
}
