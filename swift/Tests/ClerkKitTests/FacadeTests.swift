import Foundation
import XCTest
@testable import ClerkKit
import ClerkKitTesting

/// The hand-written facade on its own: no emulator needed.
final class FacadeTests: XCTestCase {
    private let token = TokenResource(
        jwt: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyXzEyMyJ9.c2lnbmF0dXJl",
        expiresAt: 1_767_225_660,
        issuedAt: 1_767_225_600
    )

    func testATokenNeverPrintsItsJwt() {
        var dumped = ""
        dump(token, to: &dumped)
        let optional: TokenResource? = token
        let renderings = [
            token.description,
            token.debugDescription,
            String(describing: token),
            String(reflecting: token),
            "\(token)",
            "\(String(describing: optional))",
            "\([token])",
            dumped,
        ]
        for rendering in renderings {
            XCTAssertFalse(rendering.contains("eyJ"), "the JWT leaked: \(rendering)")
            XCTAssertTrue(rendering.contains("<redacted>"), rendering)
        }
        XCTAssertTrue(token.description.contains("expiresAt: 1767225660"))
        XCTAssertTrue(token.jwt.hasPrefix("eyJ"), "the value itself is intact")
    }

    func testGetTokenOptionsDefaultsMatchTheOfficialSdk() {
        let options = GetTokenOptions()
        XCTAssertNil(options.template)
        XCTAssertEqual(options.expirationBuffer, 10)
        XCTAssertFalse(options.skipCache)
        XCTAssertNil(options.organizationId)
        XCTAssertEqual(GetTokenOptions(template: "firebase").template, "firebase")
    }

    func testApiErrorConveniences() {
        let error = ClerkError.api(
            status: 401,
            errors: [
                ClerkApiError(
                    code: "session_revoked",
                    message: "Session revoked",
                    longMessage: "The session was revoked.",
                    meta: ["session_id": "sess_1"]
                ),
                ClerkApiError(code: "second", message: "Second", longMessage: nil, meta: [:]),
            ],
            clerkTraceId: "trace_1",
            retryAfterSeconds: nil,
            description: "API error 401; session_revoked: Session revoked"
        )
        XCTAssertEqual(error.status, 401)
        XCTAssertEqual(error.code, "session_revoked")
        XCTAssertEqual(error.message, "Session revoked")
        XCTAssertEqual(error.longMessage, "The session was revoked.")
        XCTAssertEqual(error.meta, ["session_id": "sess_1"])
        XCTAssertEqual(error.clerkTraceId, "trace_1")
        XCTAssertNil(error.retryAfterSeconds)
        XCTAssertEqual(error.errors.count, 2)
        XCTAssertEqual(error.description, "API error 401; session_revoked: Session revoked")
        XCTAssertEqual(error.localizedDescription, error.description)
    }

    func testOtherErrorKindsHaveAMessageButNoApiDetails() {
        let error = ClerkError.network(detail: "connection refused", reason: .unreachable)
        XCTAssertNil(error.status)
        XCTAssertNil(error.code)
        XCTAssertNil(error.longMessage)
        XCTAssertNil(error.clerkTraceId)
        XCTAssertEqual(error.meta, [:])
        XCTAssertEqual(error.errors, [])
        XCTAssertEqual(error.message, "connection refused")
        XCTAssertEqual(error.description, "network error: connection refused")
        XCTAssertFalse(error.isOffline)
    }

    func testAnOfflineErrorIsANetworkErrorAnAppCanTellApart() {
        let offline = ClerkError.network(detail: "the device has no network connection", reason: .offline)
        XCTAssertTrue(offline.isOffline)
        XCTAssertEqual(offline.message, "the device has no network connection")
        XCTAssertEqual(offline.description, "offline: the device has no network connection")
        XCTAssertNil(offline.status)
        XCTAssertNotEqual(offline, ClerkError.network(detail: "the device has no network connection", reason: .unreachable))
        for other in [ClerkError.timeout(detail: "t"), .configuration(detail: "c"), .cancelled(detail: "x")] {
            XCTAssertFalse(other.isOffline, "\(other)")
        }
    }

    func testInvalidSettingsAreReportedByTheCallsThatNeedThem() async {
        let clerk = Clerk()
        clerk.configure(publishableKey: "not-a-publishable-key")
        XCTAssertNil(clerk.session)
        await assertConfigurationError { try await clerk.load() }
        await assertConfigurationError { _ = try await clerk.signIn(ticket: "ticket") }
        await assertConfigurationError { try await clerk.signOut() }

        clerk.configure(frontendApiUrl: "http://clerk.example.com")  // plain http is for loopback only
        await assertConfigurationError { try await clerk.load() }
        clerk.configure(frontendApiUrl: "http://127.0.0.1:9", requestTimeout: 0)
        await assertConfigurationError { try await clerk.load() }
    }

    func testValidSettingsConfigureWithoutIO() {
        let clerk = Clerk()
        // A well-formed key for clerk.example.com.
        clerk.configure(publishableKey: "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k")
        XCTAssertNil(clerk.session, "configured, not signed in")
        clerk.configure(frontendApiUrl: "http://127.0.0.1:9", requestTimeout: 0.5)
        XCTAssertNil(clerk.session)
    }

    func testCallsBeforeConfigureThrowAConfigurationError() async {
        let clerk = Clerk()
        XCTAssertNil(clerk.session)
        await assertConfigurationError { try await clerk.load() }
    }

    func testTheSharedTypesAreSendable() {
        func requireSendable<T: Sendable>(_: T.Type) {}
        requireSendable(Clerk.self)
        requireSendable(Session.self)
        requireSendable(FakeClerk.self)
        requireSendable(TokenResource.self)
        requireSendable(GetTokenOptions.self)
        requireSendable(ClerkEvent.self)
        requireSendable(ClerkError.self)
        requireSendable(ClerkApiError.self)
    }

    /// Configures, sign-ins and reads of one `Clerk` at once: every reader sees a whole state,
    /// so a session it finds is one a sign-in made, and every sign-in lands.
    func testClerkIsSafeToUseFromManyTasksAtOnce() async throws {
        enum Outcome: Sendable {
            case configured
            case signedIn(String?)
            case read(String?)
        }
        let fake = try FakeClerk()
        let clerk = Clerk()
        fake.configure(clerk, autoRefresh: false)
        let outcomes = await withTaskGroup(of: Outcome.self) { group in
            for index in 0..<100 {
                group.addTask {
                    switch index % 10 {
                    case 0:
                        fake.configure(clerk, autoRefresh: false)
                        return .configured
                    case 5:
                        return .signedIn(try? await fake.signIn(userId: "user_\(index)", on: clerk).id)
                    default:
                        return .read(clerk.session?.id)
                    }
                }
            }
            var all: [Outcome] = []
            for await outcome in group {
                all.append(outcome)
            }
            return all
        }

        var signedIn: [String?] = []
        var seen: [String] = []
        for outcome in outcomes {
            switch outcome {
            case .configured: break
            case let .signedIn(id): signedIn.append(id)
            case let .read(id): seen.append(contentsOf: id.map { [$0] } ?? [])
            }
        }
        let sessions = Set(signedIn.compactMap { $0 })
        XCTAssertEqual(signedIn.count, 10)
        XCTAssertEqual(sessions.count, 10, "every sign-in made a session of its own: \(signedIn)")
        XCTAssertEqual(fake.requestCount(.signIn), 10)
        XCTAssertTrue(Set(seen).isSubset(of: sessions), "a reader saw a session no sign-in made: \(seen)")
        if let current = clerk.session {
            XCTAssertTrue(sessions.contains(current.id), "the session left is one a sign-in made")
        }
    }

    private func assertConfigurationError(
        _ call: () async throws -> Void,
        file: StaticString = #filePath,
        line: UInt = #line
    ) async {
        do {
            try await call()
            XCTFail("expected ClerkError.configuration", file: file, line: line)
        } catch let error as ClerkError {
            guard case .configuration = error else {
                return XCTFail("expected ClerkError.configuration, got \(error)", file: file, line: line)
            }
        } catch {
            XCTFail("expected ClerkError.configuration, got \(error)", file: file, line: line)
        }
    }
}
