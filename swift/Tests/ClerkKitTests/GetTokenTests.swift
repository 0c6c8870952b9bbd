import Foundation
import XCTest
@testable import ClerkKit
import ClerkKitTesting

/// `Session.getToken` against the emulator, mirroring the Kotlin facade's suite: cache,
/// templates, skipCache, expirationBuffer, single flight, cancellation, errors, sign-out.
final class GetTokenTests: EmulatorTestCase {
    func testSignInSeedsTheCacheAndServesHitsWithoutRequests() async throws {
        let session = try await signIn()
        let first = try await token(session)
        let again = try await token(session)
        XCTAssertEqual(first, again)
        XCTAssertEqual(first.expiresAt - first.issuedAt, 60)
        XCTAssertEqual(session.cachedToken(.init()), first, "a hit is one synchronous call")
        let sessionTokenRequests = try await requests("session_token")
        XCTAssertEqual(sessionTokenRequests, 0, "the token from sign-in is served from the cache")
    }

    func testRefreshesOnlyInsideTheDefaultTenSecondBuffer() async throws {
        let session = try await signIn()
        let seeded = try await token(session)
        // Tokens live 60 s; the core judges freshness with up to 1 s of skew margin.
        try await advance(seconds: 48.9)
        let stillCached = try await token(session)
        XCTAssertEqual(stillCached, seeded)
        var sessionTokenRequests = try await requests("session_token")
        XCTAssertEqual(sessionTokenRequests, 0)

        try await advance(seconds: 0.1)
        let refreshed = try await token(session)
        XCTAssertNotEqual(refreshed.jwt, seeded.jwt)
        XCTAssertGreaterThan(refreshed.issuedAt, seeded.issuedAt)
        sessionTokenRequests = try await requests("session_token")
        XCTAssertEqual(sessionTokenRequests, 1)
    }

    func testACustomExpirationBufferDecidesWhenToRefresh() async throws {
        let session = try await signIn()
        let thirtySeconds = GetTokenOptions(expirationBuffer: 30)
        try await advance(seconds: 28.5)
        _ = try await token(session, thirtySeconds)
        var sessionTokenRequests = try await requests("session_token")
        XCTAssertEqual(sessionTokenRequests, 0, "30.5 s left is more than the 30 s buffer")

        try await advance(seconds: 0.5)
        _ = try await token(session, thirtySeconds)
        sessionTokenRequests = try await requests("session_token")
        XCTAssertEqual(sessionTokenRequests, 1, "30 s left is within the buffer")
    }

    func testATemplateTokenIsFetchedOnceAndCachedApart() async throws {
        let session = try await signIn()
        let sessionToken = try await token(session)
        let template = try await token(session, GetTokenOptions(template: "test"))
        let again = try await token(session, GetTokenOptions(template: "test"))
        XCTAssertEqual(template, again)
        XCTAssertNotEqual(template.jwt, sessionToken.jwt)
        XCTAssertEqual(template.expiresAt - template.issuedAt, 120, "the `test` template lives 120 s")
        let templateRequests = try await requests("template_token")
        let sessionTokenRequests = try await requests("session_token")
        XCTAssertEqual(templateRequests, 1)
        XCTAssertEqual(sessionTokenRequests, 0)
        let sessionTokenAgain = try await token(session)
        XCTAssertEqual(sessionTokenAgain, sessionToken, "the session token's cache entry is untouched")
    }

    func testSkipCacheAlwaysFetchesANewTokenWhichThenServesOrdinaryCalls() async throws {
        let session = try await signIn()
        let seeded = try await token(session)
        try await advance(seconds: 1)
        let forced = try await token(session, GetTokenOptions(skipCache: true))
        XCTAssertNotEqual(forced.jwt, seeded.jwt)
        var sessionTokenRequests = try await requests("session_token")
        XCTAssertEqual(sessionTokenRequests, 1)

        let ordinary = try await token(session)
        XCTAssertEqual(ordinary, forced, "the forced token replaced the cached one")
        sessionTokenRequests = try await requests("session_token")
        XCTAssertEqual(sessionTokenRequests, 1)

        _ = try await token(session, GetTokenOptions(skipCache: true))
        sessionTokenRequests = try await requests("session_token")
        XCTAssertEqual(sessionTokenRequests, 2)
    }

    func testTwoHundredConcurrentTasksShareOneRequest() async throws {
        let session = try await signIn()
        try await advance(seconds: 55)
        // The request hangs until released, so every task finds it in flight.
        try await emulator.inject(["route": "session_token", "fault": ["kind": "hang"]] as [String: Any])

        async let results = Self.getTokenConcurrently(session, callers: 200)
        do {
            try await emulator.waitForRequests("session_token", count: 1)
        } catch {
            try? await emulator.releaseHangs()
            throw error
        }
        try await emulator.releaseHangs()

        let tokens = try await results
        XCTAssertEqual(tokens.count, 200)
        let jwts = Set(tokens.map { $0?.jwt })
        XCTAssertEqual(jwts.count, 1, "every task got the same token")
        XCTAssertNotNil(tokens.first ?? nil)
        let sessionTokenRequests = try await requests("session_token")
        XCTAssertEqual(sessionTokenRequests, 1)
    }

    func testACancelledTaskLeavesTheCacheConsistentAndTheNextCallWorks() async throws {
        let session = try await signIn()
        try await advance(seconds: 55)
        try await emulator.inject(["route": "session_token", "fault": ["kind": "hang"]] as [String: Any])

        let cancelled = Task { try await session.getToken() }
        do {
            try await emulator.waitForRequests("session_token", count: 1)
        } catch {
            try? await emulator.releaseHangs()
            throw error
        }
        cancelled.cancel()
        let waiting = Task { try await session.getToken() }
        try await emulator.releaseHangs()

        // The cancelled caller either still receives the shared result or reports
        // cancellation; either way it returns, and the request it started completes.
        let outcome = await cancelled.result
        switch outcome {
        case .success(let token):
            XCTAssertNotNil(token)
        case .failure(let error):
            XCTAssertTrue(error is CancellationError, "unexpected error \(error)")
        }
        let waited = try await waiting.value
        let next = try XCTUnwrap(waited)
        XCTAssertEqual(session.cachedToken(.init()), next, "the finished request filled the cache")
        let after = try await token(session)
        XCTAssertEqual(after, next)
        let sessionTokenRequests = try await requests("session_token")
        XCTAssertEqual(sessionTokenRequests, 1, "the next callers joined or reused the one request")
    }

    func testATaskCancelledBeforeARequestIsNeededMakesNone() async throws {
        let session = try await signIn()
        try await advance(seconds: 55)
        let task = Task { () async throws -> TokenResource? in
            // Returns early (throwing, ignored) as soon as the task is cancelled.
            try? await Task.sleep(nanoseconds: 30_000_000_000)
            return try await session.getToken()
        }
        task.cancel()
        do {
            _ = try await task.value
            XCTFail("expected CancellationError")
        } catch {
            XCTAssertTrue(error is CancellationError, "unexpected error \(error)")
        }
        let sessionTokenRequests = try await requests("session_token")
        XCTAssertEqual(sessionTokenRequests, 0)
        let next = try await token(session)
        XCTAssertGreaterThan(next.expiresAt, Emulator.startMs / 1000 + 60, "a fresh token afterwards")
    }

    func testAnUnknownTemplateIsA404WithItsRealCode() async throws {
        let session = try await signIn()
        do {
            _ = try await session.getToken(GetTokenOptions(template: "no_such_template"))
            XCTFail("expected an API error")
        } catch let error as ClerkError {
            guard case .api = error else {
                return XCTFail("expected ClerkError.api, got \(error)")
            }
            XCTAssertEqual(error.status, 404)
            XCTAssertEqual(error.code, "resource_not_found")
            XCTAssertFalse(error.message.isEmpty)
            XCTAssertNotNil(error.clerkTraceId)
            XCTAssertFalse(error.localizedDescription.isEmpty)
        }
        let templateRequests = try await requests("template_token")
        XCTAssertEqual(templateRequests, 1, "a 404 is not retried")
    }

    func testAnApiErrorCarriesEveryFieldTheServerSent() async throws {
        let session = try await signIn()
        let fault: [String: Any] = [
            "route": "session_token",
            "fault": [
                "kind": "status",
                "status": 403,
                "code": "custom_forbidden",
                "message": "Not allowed",
                "long_message": "This session may not mint tokens.",
                "meta": ["reason": "test"],
            ] as [String: Any],
        ]
        try await emulator.inject(fault)
        do {
            _ = try await session.getToken(GetTokenOptions(skipCache: true))
            XCTFail("expected an API error")
        } catch let error as ClerkError {
            XCTAssertEqual(error.status, 403)
            XCTAssertEqual(error.code, "custom_forbidden")
            XCTAssertEqual(error.message, "Not allowed")
            XCTAssertEqual(error.longMessage, "This session may not mint tokens.")
            XCTAssertEqual(error.meta["reason"], "test")
            XCTAssertEqual(error.errors.count, 1)
            XCTAssertNotNil(error.clerkTraceId)
        }
    }

    func testA429BeyondTheRetryBoundIsReportedWithItsRetryAfter() async throws {
        let session = try await signIn()
        let fault: [String: Any] = [
            "route": "session_token",
            "fault": ["kind": "status", "status": 429, "retry_after": "3600"] as [String: Any],
        ]
        try await emulator.inject(fault)
        do {
            _ = try await session.getToken(GetTokenOptions(skipCache: true))
            XCTFail("expected an API error")
        } catch let error as ClerkError {
            XCTAssertEqual(error.status, 429)
            XCTAssertEqual(error.code, "too_many_requests")
            XCTAssertEqual(error.retryAfterSeconds, 3600)
        }
        XCTAssertEqual(fake.backoffs, [], "not waited out")
    }

    func testANetworkFailureIsRetriedThenReported() async throws {
        let session = try await signIn()
        let fault: [String: Any] = ["route": "session_token", "times": 10, "fault": ["kind": "drop_connection"]]
        try await emulator.inject(fault)
        do {
            _ = try await session.getToken(GetTokenOptions(skipCache: true))
            XCTFail("expected a network error")
        } catch let error as ClerkError {
            guard case .network(_, .unreachable) = error else {
                return XCTFail("expected ClerkError.network of reason unreachable, got \(error)")
            }
            XCTAssertFalse(error.isOffline)
            XCTAssertFalse(error.message.isEmpty)
            XCTAssertNil(error.status)
            XCTAssertNil(error.code)
        }
        let sessionTokenRequests = try await requests("session_token")
        XCTAssertEqual(sessionTokenRequests, 4, "retried, then given up")
        XCTAssertEqual(fake.backoffs.count, 3, "with a backoff wait between attempts")
    }

    func testSigningInWithABadTicketIsAnApiError() async throws {
        do {
            _ = try await Clerk.shared.signIn(ticket: "not-a-ticket")
            XCTFail("expected an API error")
        } catch let error as ClerkError {
            XCTAssertEqual(error.status, 422)
            XCTAssertEqual(error.code, "ticket_invalid")
        }
        XCTAssertNil(Clerk.shared.session)
    }

    func testRequestsNameThisSdkAndItsVersion() async throws {
        let session = try await signIn()
        _ = try await token(session, GetTokenOptions(skipCache: true))
        let logged = try await emulator.requests(route: "session_token")
        XCTAssertEqual(logged.count, 1)
        let headers = logged.first?["headers"] as? [String: Any]
        XCTAssertEqual(headers?["x-clerk-sdk"] as? String, "clerk-kit-swift/\(Clerk.sdkVersion)")
        // The one version: the workspace's, in the root Cargo.toml.
        let manifest = try String(contentsOf: Emulator.repositoryRoot.appendingPathComponent("Cargo.toml"), encoding: .utf8)
        let section = try XCTUnwrap(manifest.range(of: "[workspace.package]"))
        let version = try XCTUnwrap(manifest[section.upperBound...].split(separator: "\n").first { $0.hasPrefix("version") })
        XCTAssertEqual(version.split(separator: "\"").dropFirst().first.map(String.init), Clerk.sdkVersion)
    }

    func testARevokedSessionThrowsItsCodeThenReturnsNil() async throws {
        let session = try await signIn()
        let revoked = try await emulator.revokeSession(id: session.id)
        XCTAssertTrue(revoked)
        try await advance(seconds: 52)
        do {
            _ = try await session.getToken()
            XCTFail("expected session_revoked")
        } catch let error as ClerkError {
            XCTAssertEqual(error.status, 401)
            XCTAssertEqual(error.code, "session_revoked")
        }
        XCTAssertFalse(session.isActive)
        XCTAssertNil(Clerk.shared.session)
        let afterwards = try await session.getToken()
        XCTAssertNil(afterwards)
        let sessionTokenRequests = try await requests("session_token")
        XCTAssertEqual(sessionTokenRequests, 1)
    }

    func testSignedOutThereIsNoSessionAndNoToken() async throws {
        let session = try await signIn()
        XCTAssertEqual(Clerk.shared.session?.id, session.id)
        try await Clerk.shared.signOut()
        XCTAssertNil(Clerk.shared.session)
        XCTAssertFalse(session.isActive)
        XCTAssertNil(session.cachedToken(.init()))
        let afterwards = try await session.getToken()
        XCTAssertNil(afterwards)
        let endRequests = try await requests("end_session")
        let sessionTokenRequests = try await requests("session_token")
        XCTAssertEqual(endRequests, 1)
        XCTAssertEqual(sessionTokenRequests, 0)
    }

    func testLoadRestoresTheSessionFromTheStoredDeviceToken() async throws {
        let session = try await signIn()
        XCTAssertNotNil(store.load(), "sign-in stored the device token")
        // A new engine over the same store, as after an app restart.
        Clerk.shared.configure(
            frontendApiUrl: fake.frontendApiUrl, tokenStore: store, autoRefresh: false
        )
        XCTAssertNil(Clerk.shared.session, "nothing is known before load")
        try await Clerk.shared.load()
        let restored = try XCTUnwrap(Clerk.shared.session)
        XCTAssertEqual(restored.id, session.id)
        XCTAssertEqual(restored.userId, "user_alice")
        _ = try await token(restored)
    }

    func testLoadWithoutADeviceTokenIsSignedOut() async throws {
        try await Clerk.shared.load()
        XCTAssertNil(Clerk.shared.session)
    }

    /// The snippet from Clerk's iOS `getToken()` reference, verbatim.
    func testTheDocumentedSnippet() async throws {
        var headers: [String: String] = [:]
        let signedIn = try await signIn()

        let session = Clerk.shared.session
        if let token = try await session?.getToken()?.jwt { // => "eyJhbGciOiJSUzI1NiIsImtpZC..."
            headers["Authorization"] = "Bearer \(token)"
        }

        let expected = try await token(signedIn)
        XCTAssertEqual(headers["Authorization"], "Bearer \(expected.jwt)")
        XCTAssertTrue(expected.jwt.hasPrefix("eyJ"))
    }

    func testTheDocumentedSnippetSignedOutLeavesTheHeadersAlone() async throws {
        var headers: [String: String] = [:]

        let session = Clerk.shared.session
        if let token = try await session?.getToken()?.jwt {
            headers["Authorization"] = "Bearer \(token)"
        }

        XCTAssertTrue(headers.isEmpty)
    }

    private static func getTokenConcurrently(_ session: Session, callers: Int) async throws -> [TokenResource?] {
        try await withThrowingTaskGroup(of: TokenResource?.self) { group in
            for _ in 0..<callers {
                group.addTask { try await session.getToken() }
            }
            var tokens: [TokenResource?] = []
            for try await token in group {
                tokens.append(token)
            }
            return tokens
        }
    }
}
