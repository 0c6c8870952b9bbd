import Foundation
import XCTest
@testable import ClerkKit

/// A fresh world per test: the emulator reset, a manual device clock at the emulator's start
/// instant (retry sleeps recorded, returning at once), an in-memory device token store, and
/// `Clerk.shared` configured against the emulator.
class EmulatorTestCase: XCTestCase {
    var emulator: Emulator!
    var clock: ManualClock!
    var store: MemoryTokenStore!

    override func setUp() async throws {
        try await super.setUp()
        emulator = try Emulator.shared()
        try await emulator.reset()
        clock = ManualClock(startMs: Emulator.startMs)
        store = MemoryTokenStore()
        Clerk.shared.configure(
            frontendApiUrl: emulator.url.absoluteString, tokenStore: store, autoRefresh: false, clock: clock
        )
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
        let ticket = try await emulator.signInTicket(userId: user)
        let session = try await Clerk.shared.signIn(ticket: ticket)
        try await emulator.resetCounts()
        return session
    }

    /// Moves the device clock and the emulator clock forward together.
    func advance(seconds: Double) async throws {
        let ms = Int64((seconds * 1000).rounded())
        clock.setMs(nowMs: clock.nowMs() + ms)
        try await emulator.advanceClock(ms: ms)
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
