import Foundation
import XCTest
@testable import ClerkKit
import ClerkKitBindings

/// What a credential-carrying value prints: the facade's `TokenResource` and `ClerkEvent`, and
/// the generated records under them (their `description` and `debugDescription` are Rust's
/// redacted `Display` and `Debug`). Logging any of them never shows a JWT, a device token or a
/// body.
final class RedactionTests: XCTestCase {
    private let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyXzEyMyJ9.c2lnbmF0dXJl"
    private let deviceToken = "dvb_2xYdeviceTokenSecret"
    private let body = "ticket=sign-in-ticket-secret"

    private var secrets: [String] {
        [jwt, "eyJ", deviceToken, body, "sign-in-ticket-secret"]
    }

    /// `print`, string interpolation, `String(describing:)`, `String(reflecting:)`, and inside
    /// a collection or an optional (which print their elements with `debugDescription`).
    private func renderings<T>(_ value: T) -> [String] {
        let optional: T? = value
        return [
            String(describing: value),
            String(reflecting: value),
            "\(value)",
            "\([value])",
            String(describing: optional),
        ]
    }

    private func assertRedacted<T>(_ value: T, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        for rendering in renderings(value) {
            for secret in secrets {
                XCTAssertFalse(rendering.contains(secret), "\(name) printed a secret: \(rendering)", file: file, line: line)
            }
        }
    }

    func testTheFacadesTokenAndEventsPrintNoJwt() {
        let token = ClerkKit.TokenResource(jwt: jwt, expiresAt: 1_767_225_660, issuedAt: 1_767_225_600)
        let event = ClerkKit.ClerkEvent.tokenRefreshed(sessionId: "sess_1", template: nil, organizationId: nil, token: token)
        assertRedacted(token, "TokenResource")
        assertRedacted(event, "ClerkEvent")
        var dumped = ""
        dump(event, to: &dumped)
        XCTAssertFalse(dumped.contains("eyJ"), dumped)
        XCTAssertTrue(String(describing: event).contains("sess_1"), "the rest still shows")

        // As the engine delivers them.
        let native = ClerkKitBindings.ClerkEvent.tokenRefreshed(
            sessionId: "sess_1", template: "backend", organizationId: nil,
            token: ClerkKitBindings.TokenResource(jwt: jwt, expiresAt: 1_767_225_660, issuedAt: 1_767_225_600)
        )
        assertRedacted(ClerkKit.ClerkEvent(native), "ClerkEvent from the engine")
    }

    func testTheGeneratedTokenAndEventPrintNoJwt() {
        let token = ClerkKitBindings.TokenResource(jwt: jwt, expiresAt: 1_767_225_660, issuedAt: 1_767_225_600)
        assertRedacted(token, "generated TokenResource")
        XCTAssertTrue(String(describing: token).contains("1767225660"), String(describing: token))
        let event = ClerkKitBindings.ClerkEvent.tokenRefreshed(sessionId: "sess_1", template: nil, organizationId: nil, token: token)
        assertRedacted(event, "generated ClerkEvent")
    }

    func testTheGeneratedHttpRecordsPrintNoCredentialOrBody() {
        let authorization = ClerkKitBindings.HttpHeader(name: "Authorization", value: deviceToken)
        assertRedacted(authorization, "HttpHeader")
        XCTAssertTrue(String(describing: authorization).contains("Authorization"), String(describing: authorization))

        let request = ClerkKitBindings.HttpRequest(
            method: .post,
            url: "https://clerk.example.com/v1/client/sign_ins",
            headers: [authorization, ClerkKitBindings.HttpHeader(name: "Content-Type", value: "application/x-www-form-urlencoded")],
            body: Data(body.utf8),
            maxResponseBytes: 65_536,
            connectTimeoutMs: 15_000,
            timeoutMs: 15_000
        )
        assertRedacted(request, "HttpRequest")
        XCTAssertTrue(String(describing: request).contains("clerk.example.com"), String(describing: request))

        let response = ClerkKitBindings.HttpResponse(
            status: 200,
            headers: [authorization],
            body: Data(#"{"object":"token","jwt":"\#(jwt)"}"#.utf8)
        )
        assertRedacted(response, "HttpResponse")
        XCTAssertTrue(String(describing: response).contains("200"), String(describing: response))
    }
}
