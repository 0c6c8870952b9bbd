import XCTest
@testable import ClerkKit

/// The one-call cache peek behind `getToken` answers exactly as the generated `cachedToken`.
final class TokenPeekTests: EmulatorTestCase {
    func testThePeekServesWhatCachedTokenServesForEveryKindOfOptionAsTimePasses() async throws {
        let session = try await signIn()
        _ = try await token(session, GetTokenOptions(template: "test"))
        _ = try await token(session, GetTokenOptions(organizationId: "org_1"))
        try await emulator.resetCounts()
        var cases = [
            GetTokenOptions(template: "test"),
            GetTokenOptions(organizationId: "org_1"),
            GetTokenOptions(organizationId: ""),
            GetTokenOptions(template: "unknown"),
            GetTokenOptions(template: ""),
            GetTokenOptions(skipCache: true),
        ]
        cases += [0, 10, 29, 31, 59, 60, 600, -5].map { GetTokenOptions(expirationBuffer: $0) }

        // Fresh, then the session token with about 30 s left, then expired.
        var hits: [Int] = []
        for seconds in [0.0, 29, 40] {
            try await advance(seconds: seconds)
            var count = 0
            for options in cases {
                let expected = session.cachedToken(options)
                XCTAssertEqual(TokenPeek.cachedToken(session.native, options), expected, "\(options) after another \(seconds) s")
                if expected != nil {
                    count += 1
                }
            }
            hits.append(count)
        }
        XCTAssertTrue(hits[0] > hits[1] && hits[1] > hits[2], "fewer hits as time passes: \(hits)")
        XCTAssertNil(TokenPeek.cachedToken(session.native, GetTokenOptions(expirationBuffer: 0)), "the session token expired")
        let tokenRequests = try await requests("session_token") + requests("template_token")
        XCTAssertEqual(tokenRequests, 0)
    }

    func testAnUnchangedTokenIsServedAgainAndANewOneReplacesIt() async throws {
        let session = try await signIn()
        let first = try await token(session)
        let again = try await token(session)
        XCTAssertEqual(first, again)
        try await advance(seconds: 1)
        let fresh = try await token(session, GetTokenOptions(skipCache: true))
        let next = try await token(session)
        XCTAssertEqual(next, fresh)
        XCTAssertNotEqual(next.jwt, first.jwt)
        let sessionTokenRequests = try await requests("session_token")
        XCTAssertEqual(sessionTokenRequests, 1)
    }

    func testTwoSessionObjectsOfOneSessionShareTheToken() async throws {
        let session = try await signIn()
        let other = try XCTUnwrap(Clerk.shared.session)
        let mine = try await token(session)
        XCTAssertEqual(TokenPeek.cachedToken(other.native, GetTokenOptions()), mine)
    }

    func testAfterSignOutThePeekFindsNothing() async throws {
        let session = try await signIn()
        _ = try await token(session)
        try await Clerk.shared.signOut()
        XCTAssertNil(TokenPeek.cachedToken(session.native, GetTokenOptions()))
        let afterSignOut = try await session.getToken()
        XCTAssertNil(afterSignOut)
    }
}
