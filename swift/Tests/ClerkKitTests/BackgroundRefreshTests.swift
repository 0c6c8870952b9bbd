import Foundation
import XCTest
@testable import ClerkKit
import ClerkKitTesting

/// Background refresh as an iOS app sees it: the facade's defaults (auto refresh on), the
/// fake's clock whose timers wait until the test moves it, and `pause()`/`resume()` as the app
/// lifecycle calls them.
final class BackgroundRefreshTests: EmulatorTestCase {
    private var session: Session!

    override func setUp() async throws {
        try await super.setUp()
        Clerk.shared.configure(frontendApiUrl: fake.frontendApiUrl, tokenStore: store)
        session = try await signIn()
        await settled()
    }

    /// Lets background refresh catch up without moving time.
    private func settled() async {
        await fake.advance(by: 0)
    }

    /// Moves the clock and waits until background refresh has caught up.
    private func step(ms: Int64) async throws {
        await fake.advance(by: Double(ms) / 1000)
    }

    func testTenSimulatedMinutesOfSteadyCallsNeverWaitForTheNetwork() async throws {
        var waited = 0
        for _ in 0..<600 {
            try await step(ms: 1_000)
            let before = try await requests("session_token")
            let jwt = try await session.getToken()?.jwt
            XCTAssertNotNil(jwt)
            if try await requests("session_token") > before {
                waited += 1
            }
        }
        XCTAssertEqual(waited, 0, "callers that waited for a network response")
        let total = try await requests("session_token")
        XCTAssertTrue((10...14).contains(total), "\(total) requests over 10 token lifetimes")
    }

    func testNothingIsRequestedWhilePausedAndAnExpiredTokenIsLeftToTheNextCaller() async throws {
        Clerk.shared.pause()
        for _ in 0..<120 {
            try await step(ms: 5_000)
        }
        let whilePaused = try await requests("session_token")
        XCTAssertEqual(whilePaused, 0)

        Clerk.shared.resume()
        await settled()
        let afterResume = try await requests("session_token")
        XCTAssertEqual(afterResume, 0, "an expired token is not refreshed in the background")
        _ = try await token(session)
        let onDemand = try await requests("session_token")
        XCTAssertEqual(onDemand, 1)
    }

    func testSignOutEndsTheSessionInTheEventStreamAndStopsTheRefresher() async throws {
        let events = Clerk.shared.events
        try await step(ms: 48_000)
        try await Clerk.shared.signOut()
        var iterator = events.makeAsyncIterator()
        guard case let .tokenRefreshed(_, template, _, refreshed)? = await iterator.next() else {
            return XCTFail("expected tokenRefreshed first")
        }
        XCTAssertNil(template)
        XCTAssertGreaterThan(refreshed.expiresAt, Emulator.startMs / 1000 + 60)
        guard case let .sessionEnded(sessionId, reason, _)? = await iterator.next() else {
            return XCTFail("expected sessionEnded")
        }
        XCTAssertEqual(sessionId, session.id)
        XCTAssertEqual(reason, "ended")

        try await emulator.resetCounts()
        for _ in 0..<60 {
            try await step(ms: 10_000)
        }
        let afterSignOut = try await requests("session_token")
        XCTAssertEqual(afterSignOut, 0)
    }
}
