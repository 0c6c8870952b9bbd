import Foundation
import XCTest
@testable import ClerkKit

/// The Backend API client of the bindings, as server-side Swift uses it, against the emulator;
/// mirrors the Kotlin `BackendClientTest`.
final class BackendClientTests: EmulatorTestCase {
    /// The emulator's secret key (its default).
    private let secretKey = "sk_test_emulator"

    private func backend(_ secretKey: String? = nil) throws -> BackendClient {
        try BackendClient(secretKey: secretKey ?? self.secretKey, apiUrl: emulator.url.absoluteString)
    }

    func testSessionTokensWithAndWithoutATemplateAndALifetime() async throws {
        let session = try await signIn()
        let client = try backend()
        let cases: [(template: String?, expiresIn: UInt32?, lifetime: Int)] = [
            (nil, nil, 60),
            (nil, 300, 300),
            ("test", nil, 120),
            ("test", 45, 45),
        ]
        for (template, expiresIn, lifetime) in cases {
            let jwt = try await client.sessionToken(sessionId: session.id(), template: template, expiresInSeconds: expiresIn)
            let claims = try jwtClaims(jwt)
            let label = "template \(template ?? "none"), expiresInSeconds \(expiresIn.map { "\($0)" } ?? "none")"
            let exp = (claims["exp"] as? NSNumber)?.intValue ?? 0
            let iat = (claims["iat"] as? NSNumber)?.intValue ?? 0
            XCTAssertEqual(exp - iat, lifetime, label)
            XCTAssertEqual(claims["sub"] as? String, "user_alice", label)
            if template == nil {
                XCTAssertEqual(claims["sid"] as? String, session.id(), label)
            } else {
                XCTAssertEqual(claims["aud"] as? String, "test", label)
            }
        }
        let sessionTokens = try await requests("bapi_session_token")
        let templateTokens = try await requests("bapi_template_token")
        XCTAssertEqual(sessionTokens, 2)
        XCTAssertEqual(templateTokens, 2)
    }

    func testAWrongSecretKeyIsAnApiErrorWithStatus401ThatDoesNotShowTheKey() async throws {
        let session = try await signIn()
        let wrong = "sk_test_wrong_key"
        do {
            _ = try await backend(wrong).sessionToken(sessionId: session.id())
            XCTFail("expected an API error")
        } catch let error as ClerkError {
            XCTAssertEqual(error.status, 401)
            XCTAssertEqual(error.code, "authentication_invalid")
            XCTAssertFalse(error.description.contains(wrong))
        }
    }

    func testAKeyThatIsNotASecretKeyIsRefusedAtOnce() throws {
        XCTAssertThrowsError(try BackendClient(secretKey: "pk_test_not_a_secret_key")) { error in
            guard case .Configuration? = error as? ClerkError else {
                return XCTFail("expected ClerkError.Configuration, got \(error)")
            }
        }
    }

    func testASignInTokenFromCreateSignInTokenSignsAClientIn() async throws {
        let ticket = try await backend().createSignInToken(userId: "user_carol")
        XCTAssertFalse(ticket.isEmpty)
        let carol = try await Clerk.shared.signIn(ticket: ticket)
        XCTAssertEqual(carol.userId(), "user_carol")
        _ = try await token(carol)
        let signInTokens = try await requests("bapi_sign_in_token")
        XCTAssertEqual(signInTokens, 1)
    }
}
