import Foundation
import XCTest
@testable import ClerkKit
import ClerkKitTesting

/// The device's network as the facade sees it: offline through the test kit (as the platform's
/// monitor reports it) and in the transport itself, a call's deadline, and the metrics.
final class NetworkLifeTests: EmulatorTestCase {
    /// The next session token request hangs until its attempt times out.
    private let hangOnce: [String: Any] = ["route": "session_token", "times": 1, "fault": ["kind": "hang"]]

    private func assertOffline<T>(
        _ call: () async throws -> T, file: StaticString = #filePath, line: UInt = #line
    ) async {
        do {
            _ = try await call()
            XCTFail("expected an offline error", file: file, line: line)
        } catch let error as ClerkError {
            guard case .network(_, .offline) = error else {
                return XCTFail("expected ClerkError.network of reason offline, got \(error)", file: file, line: line)
            }
            XCTAssertTrue(error.isOffline, file: file, line: line)
        } catch {
            XCTFail("expected a ClerkError, got \(error)", file: file, line: line)
        }
    }

    private func assertTimeout<T>(
        _ call: () async throws -> T, file: StaticString = #filePath, line: UInt = #line
    ) async {
        do {
            _ = try await call()
            XCTFail("expected a timeout", file: file, line: line)
        } catch let error as ClerkError {
            guard case .timeout = error else {
                return XCTFail("expected ClerkError.timeout, got \(error)", file: file, line: line)
            }
        } catch {
            XCTFail("expected a ClerkError, got \(error)", file: file, line: line)
        }
    }

    func testOfflineAFreshTokenIsServedAndACallThatNeedsTheNetworkFailsAtOnce() async throws {
        let session = try await signIn()
        let signedIn = try await token(session)
        await fake.setOnline(false)
        XCTAssertFalse(Clerk.shared.isOnline, "the fake told the engine")

        let cached = try await token(session)
        XCTAssertEqual(cached, signedIn, "a fresh cached token is still served")
        await assertOffline { try await session.getToken(GetTokenOptions(skipCache: true)) }
        await fake.advance(by: 61)  // the cached token expired
        await assertOffline { try await session.getToken() }
        XCTAssertEqual(fake.requestCount(.any), 0, "nothing was sent")
        XCTAssertEqual(fake.backoffs, [], "no retry was waited for")
        XCTAssertEqual(Clerk.shared.metrics.failedOffline, 2)
        XCTAssertTrue(session.isActive, "offline ends no session")

        await fake.setOnline(true)
        XCTAssertTrue(Clerk.shared.isOnline)
        let fetched = try await token(session)
        XCTAssertNotEqual(fetched, signedIn)
        XCTAssertEqual(fake.requestCount(.sessionToken), 1)
    }

    func testBackOnlineAStaleTokenIsRefreshedOnceInTheBackground() async throws {
        Clerk.shared.configure(frontendApiUrl: fake.frontendApiUrl, tokenStore: store)  // auto refresh on
        let session = try await signIn()
        let signedIn = try await token(session)
        await fake.setOnline(false)
        await fake.advance(by: 52)  // within the 10 s buffer: stale
        XCTAssertEqual(fake.requestCount(.sessionToken), 0, "no refresh while offline")

        await fake.setOnline(true)  // returns once the engine has acted on it
        XCTAssertEqual(fake.requestCount(.sessionToken), 1, "refreshed at once")
        await fake.setOnline(true)
        XCTAssertEqual(fake.requestCount(.sessionToken), 1, "online again is no news")
        let refreshed = try await token(session)
        XCTAssertNotEqual(refreshed, signedIn)
        XCTAssertEqual(fake.requestCount(.sessionToken), 1, "the caller did not wait for the network")
        XCTAssertGreaterThanOrEqual(Clerk.shared.metrics.backgroundRefreshes, 1)
    }

    func testAnEngineConfiguredWhileTheFakeIsOfflineStartsOffline() async throws {
        await fake.setOnline(false)
        Clerk.shared.configure(frontendApiUrl: fake.frontendApiUrl, tokenStore: store, autoRefresh: false)
        XCTAssertFalse(Clerk.shared.isOnline)
        await assertOffline { try await fake.signIn() }
        XCTAssertEqual(fake.requestCount(.signIn), 0)

        await fake.setOnline(true)
        let session = try await fake.signIn()
        XCTAssertTrue(session.isActive)
    }

    /// URLSession finding no network is offline at once, whatever the monitor says.
    func testATransportThatFindsNoNetworkFailsAtOnceWithoutARetry() async throws {
        let transport = DeviceTransport()
        Clerk.shared.configure(frontendApiUrl: fake.frontendApiUrl, tokenStore: store, autoRefresh: false, transport: transport)
        let session = try await signIn()
        transport.failOffline(attempts: 1)
        await assertOffline { try await session.getToken(GetTokenOptions(skipCache: true)) }
        XCTAssertTrue(Clerk.shared.isOnline, "the transport's finding is not the monitor's")
        XCTAssertEqual(fake.requestCount(.sessionToken), 0)
        XCTAssertEqual(fake.backoffs, [])
        let metrics = Clerk.shared.metrics
        XCTAssertEqual(metrics.failedOffline, 1)
        XCTAssertEqual(metrics.requests, transport.attemptsSent, "an attempt that sent nothing is no request")

        _ = try await token(session, GetTokenOptions(skipCache: true))
        XCTAssertEqual(fake.requestCount(.sessionToken), 1)
    }

    func testACallsDeadlineEndsItWhileTheSharedRequestLandsForTheNextCaller() async throws {
        Clerk.shared.configure(frontendApiUrl: fake.frontendApiUrl, tokenStore: store, requestTimeout: 0.3, autoRefresh: false)
        let session = try await signIn()
        let signedIn = try await token(session)
        await fake.advance(by: 51)
        // The first attempt hangs until its 0.3 s timeout; the retry answers.
        try await emulator.inject(hangOnce)
        await assertTimeout { try await session.getToken(GetTokenOptions(skipCache: true, deadline: 0.1)) }

        let next = try await token(session)
        XCTAssertNotEqual(next, signedIn, "the shared request's token")
        let serverNow = try await emulator.serverNowMs()
        XCTAssertGreaterThan(next.expiresAt * 1000 - serverNow, 50_000)
        XCTAssertEqual(fake.requestCount(.sessionToken), 2, "the hung attempt and its retry, no more")
    }

    func testTheDeadlineGivenToConfigureAppliesToEveryCallUnlessACallSetsItsOwn() async throws {
        Clerk.shared.configure(
            frontendApiUrl: fake.frontendApiUrl, tokenStore: store, requestTimeout: 0.3, callDeadline: 0.1,
            autoRefresh: false
        )
        let session = try await signIn()
        try await emulator.inject(hangOnce)
        await assertTimeout { try await session.getToken(GetTokenOptions(skipCache: true)) }

        try await emulator.inject(hangOnce)
        let waited = try await token(session, GetTokenOptions(skipCache: true, deadline: 10))
        XCTAssertGreaterThan(waited.expiresAt, 0, "the call's own deadline outlasted the hang and its retry")
        XCTAssertEqual(GetTokenOptions().deadline, nil, "the engine's deadline by default")
        XCTAssertEqual(Clerk.defaultCallDeadline, 10)
    }

    func testTheMetricsCountWhatTheEngineDid() async throws {
        XCTAssertEqual(Clerk().metrics, ClerkMetrics(), "no engine, no counts")
        let session = try await fake.signIn(userId: "user_alice")
        XCTAssertEqual(Clerk.shared.metrics.requests, fake.requestCount(.any))
        let before = Clerk.shared.metrics

        fake.failNext(.sessionToken, status: 503)
        _ = try await token(session, GetTokenOptions(skipCache: true))
        _ = try await token(session)
        fake.failNext(.sessionToken, status: 404)
        _ = try? await session.getToken(GetTokenOptions(skipCache: true))

        let after = Clerk.shared.metrics
        XCTAssertEqual(after.requests - before.requests, 3)
        XCTAssertEqual(after.retries - before.retries, 1)
        XCTAssertEqual(after.failed5xx - before.failed5xx, 1)
        XCTAssertEqual(after.failed4xx - before.failed4xx, 1)
        XCTAssertEqual(after.cacheMisses - before.cacheMisses, 2)
        XCTAssertEqual(after.cacheHits - before.cacheHits, 1)
        XCTAssertEqual(after.failedOffline, 0)
        XCTAssertNil(after.lastRefreshLead, "no background refresh yet")
        XCTAssertEqual(after.requests, fake.requestCount(.any))
    }

    func testEveryAttemptIsRecordedWithoutATokenInIt() async throws {
        let session = try await signIn()
        var records = Clerk.shared.requestMetrics.makeAsyncIterator()
        fake.failNext(.sessionToken, status: 503)
        let token = try await token(session, GetTokenOptions(skipCache: true))

        let first = await records.next()
        let second = await records.next()
        let failed = try XCTUnwrap(first)
        let answered = try XCTUnwrap(second)
        XCTAssertEqual(failed.route, .sessionToken)
        XCTAssertEqual(failed.attempt, 1)
        XCTAssertEqual(failed.outcome, .status(503))
        XCTAssertEqual(answered.route, .sessionToken)
        XCTAssertEqual(answered.attempt, 2)
        XCTAssertEqual(answered.outcome, .status(200))
        XCTAssertGreaterThan(answered.responseBytes, token.jwt.utf8.count, "the body holds the JWT")
        XCTAssertGreaterThanOrEqual(answered.duration, 0)
        XCTAssertEqual("\(answered.outcome)", "200")

        let deviceToken = try XCTUnwrap(store.load())
        var dumped = ""
        dump([failed, answered], to: &dumped)
        for rendering in ["\(failed)", "\(answered)", String(reflecting: answered), dumped, "\(Clerk.shared.metrics)"] {
            XCTAssertFalse(rendering.contains(token.jwt), rendering)
            XCTAssertFalse(rendering.contains("eyJ"), rendering)
            XCTAssertFalse(rendering.contains(deviceToken), rendering)
            XCTAssertFalse(rendering.contains(fake.frontendApiUrl), rendering)
        }
    }

    func testTheRequestStreamOfAnUnconfiguredClerkEndsAtOnce() async {
        var count = 0
        for await _ in Clerk().requestMetrics {
            count += 1
        }
        XCTAssertEqual(count, 0)
    }

    /// The monitor passes on changes only: the engine starts online, and the monitor's first
    /// "satisfied" must not undo an offline state set before it (by a test kit's fake).
    func testTheMonitorsReportsReachTheEngineAsChangesOnly() {
        let transitions = ConnectivityTransitions()
        XCTAssertNil(transitions.report(online: true))
        XCTAssertEqual(transitions.report(online: false), false)
        XCTAssertNil(transitions.report(online: false))
        XCTAssertEqual(transitions.report(online: true), true)
        XCTAssertNil(transitions.report(online: true))
    }
}
