import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest
@testable import ClerkKit

/// `Session.authorize(_:options:)` and `URLSession.data(for:authorizedBy:options:)` against the
/// emulator and a loopback app backend, mirroring the Kotlin facade's `authorizationHeader` and
/// `ClerkAuthInterceptor` tests; redirects against a loopback server of the test's own.
final class AuthorizeTests: EmulatorTestCase {
    private var backend: AppBackend!
    private let http = URLSession(configuration: .ephemeral)

    override func setUp() async throws {
        try await super.setUp()
        backend = try await AppBackend.start(on: emulator)
    }

    // MARK: - authorize(_:)

    func testAuthorizeSetsTheBearerHeaderOfTheCurrentToken() async throws {
        let session = try await signIn()
        var request = URLRequest(url: backend.url)
        try await session.authorize(&request)
        let current = try await token(session)
        XCTAssertEqual(request.value(forHTTPHeaderField: "Authorization"), "Bearer \(current.jwt)")
        let sessionTokenRequests = try await requests("session_token")
        XCTAssertEqual(sessionTokenRequests, 0, "served from the cache")
    }

    func testAuthorizeUsesTheTokenTheOptionsName() async throws {
        let session = try await signIn()
        var request = URLRequest(url: backend.url)
        try await session.authorize(&request, options: GetTokenOptions(template: "test"))
        let template = try await token(session, GetTokenOptions(template: "test"))
        XCTAssertEqual(request.value(forHTTPHeaderField: "Authorization"), "Bearer \(template.jwt)")
        let templateRequests = try await requests("template_token")
        XCTAssertEqual(templateRequests, 1)
    }

    func testAuthorizeWithoutATokenLeavesNoHeader() async throws {
        let session = try await signIn()
        try await Clerk.shared.signOut()
        var request = URLRequest(url: backend.url)
        request.setValue("Bearer stale", forHTTPHeaderField: "Authorization")
        try await session.authorize(&request)
        XCTAssertNil(request.value(forHTTPHeaderField: "Authorization"))
        let sessionTokenRequests = try await requests("session_token")
        XCTAssertEqual(sessionTokenRequests, 0)
    }

    func testAuthorizeThrowsWhenNoTokenCanBeHadAndLeavesTheRequestAlone() async throws {
        let session = try await signIn()
        var request = URLRequest(url: backend.url)
        request.setValue("Basic c29tZW9uZTplbHNl", forHTTPHeaderField: "Authorization")
        do {
            try await session.authorize(&request, options: GetTokenOptions(template: "no_such_template"))
            XCTFail("expected an API error")
        } catch let error as ClerkError {
            XCTAssertEqual(error.status, 404)
            XCTAssertEqual(error.code, "resource_not_found")
        }
        XCTAssertEqual(request.value(forHTTPHeaderField: "Authorization"), "Basic c29tZW9uZTplbHNl")
    }

    // MARK: - URLSession.data(for:authorizedBy:)

    func testAnAuthorizedRequestCarriesTheCachedTokenAndNeedsNoTokenRequest() async throws {
        let session = try await signIn()
        let cached = try await token(session)
        let (data, response) = try await http.data(for: URLRequest(url: backend.url), authorizedBy: session)
        XCTAssertEqual((response as? HTTPURLResponse)?.statusCode, 200)
        XCTAssertEqual(String(decoding: data, as: UTF8.self), "user_alice")
        let backendHits = try await backend.hits()
        XCTAssertEqual(backendHits.map(\.authorization), ["Bearer \(cached.jwt)"])
        let sessionTokenRequests = try await requests("session_token")
        XCTAssertEqual(sessionTokenRequests, 0, "served from the cache")
    }

    func testA401RefreshesTheTokenOnceAndRetriesTheRequestOnce() async throws {
        let session = try await signIn()
        let cached = try await token(session)
        try await backend.reject(cached.jwt)
        var request = URLRequest(url: backend.url)
        request.httpMethod = "POST"
        request.httpBody = Data("order=42".utf8)

        let (data, response) = try await http.data(for: request, authorizedBy: session)
        XCTAssertEqual((response as? HTTPURLResponse)?.statusCode, 200)
        XCTAssertEqual(String(decoding: data, as: UTF8.self), "user_alice")
        let sessionTokenRequests = try await requests("session_token")
        XCTAssertEqual(sessionTokenRequests, 1, "one refresh")
        let fresh = try await token(session)
        XCTAssertNotEqual(fresh.jwt, cached.jwt)
        let backendHits = try await backend.hits()
        XCTAssertEqual(backendHits, [
            AppBackend.Hit(method: "POST", authorization: "Bearer \(cached.jwt)", body: "order=42"),
            AppBackend.Hit(method: "POST", authorization: "Bearer \(fresh.jwt)", body: "order=42"),
        ], "one retry, with the new token, which is now cached")
    }

    func testABackendThatAlwaysAnswers401IsTriedExactlyTwiceAndItsAnswerComesBack() async throws {
        let session = try await signIn()
        let always = try await AppBackend.start(on: emulator, alwaysUnauthorized: true)
        let (data, response) = try await http.data(for: URLRequest(url: always.url), authorizedBy: session)
        XCTAssertEqual((response as? HTTPURLResponse)?.statusCode, 401)
        XCTAssertEqual(String(decoding: data, as: UTF8.self), "rejects everything")
        let hits = try await always.hits()
        XCTAssertEqual(hits.count, 2, "one retry, never a loop")
        XCTAssertNotEqual(hits.first?.authorization, hits.last?.authorization, "the retry carries a new token")
        let sessionTokenRequests = try await requests("session_token")
        XCTAssertEqual(sessionTokenRequests, 1, "one refresh")
    }

    func testSignedOutTheRequestIsSentWithoutAHeaderAndNotRetried() async throws {
        let session = try await signIn()
        try await Clerk.shared.signOut()
        var request = URLRequest(url: backend.url)
        request.setValue("Bearer stale", forHTTPHeaderField: "Authorization")
        let (_, response) = try await http.data(for: request, authorizedBy: session)
        XCTAssertEqual((response as? HTTPURLResponse)?.statusCode, 401)
        let backendHits = try await backend.hits()
        XCTAssertEqual(backendHits.map(\.authorization), [nil])
        let sessionTokenRequests = try await requests("session_token")
        XCTAssertEqual(sessionTokenRequests, 0)
    }

    func testNoTokenBecauseOfAFailureThrowsAndSendsNothing() async throws {
        let session = try await signIn()
        do {
            _ = try await http.data(
                for: URLRequest(url: backend.url),
                authorizedBy: session,
                options: GetTokenOptions(template: "no_such_template")
            )
            XCTFail("expected an API error")
        } catch let error as ClerkError {
            XCTAssertEqual(error.status, 404)
        }
        let backendHits = try await backend.hits()
        XCTAssertEqual(backendHits, [])
    }

    func testAFailedRefreshAfterA401Throws() async throws {
        let session = try await signIn()
        let always = try await AppBackend.start(on: emulator, alwaysUnauthorized: true)
        let fault: [String: Any] = [
            "route": "session_token",
            "fault": ["kind": "status", "status": 403, "code": "custom_forbidden"] as [String: Any],
        ]
        try await emulator.inject(fault)
        do {
            _ = try await http.data(for: URLRequest(url: always.url), authorizedBy: session)
            XCTFail("expected an API error")
        } catch let error as ClerkError {
            XCTAssertEqual(error.status, 403)
            XCTAssertEqual(error.code, "custom_forbidden")
        }
        let alwaysHits = try await always.hits()
        XCTAssertEqual(alwaysHits.count, 1, "no retry without a new token")
        let sessionTokenRequests = try await requests("session_token")
        XCTAssertEqual(sessionTokenRequests, 1)
    }

    func testABodyStreamIsNotSentTwice() async throws {
        let session = try await signIn()
        let always = try await AppBackend.start(on: emulator, alwaysUnauthorized: true)
        var request = URLRequest(url: always.url)
        request.httpMethod = "POST"
        request.httpBodyStream = InputStream(data: Data("stream".utf8))
        request.setValue("6", forHTTPHeaderField: "Content-Length")
        let (_, response) = try await http.data(for: request, authorizedBy: session)
        XCTAssertEqual((response as? HTTPURLResponse)?.statusCode, 401)
        let alwaysHits = try await always.hits()
        XCTAssertEqual(alwaysHits.count, 1)
        let sessionTokenRequests = try await requests("session_token")
        XCTAssertEqual(sessionTokenRequests, 0)
    }
    // MARK: - Where the token may go

    func testOnlyHttpsOrPlainHttpToThisMachineMayCarryTheToken() throws {
        let allowed = [
            "https://api.example.com/me", "HTTPS://API.example.com:8443/", "https://10.0.0.1/",
            "http://localhost:3000/me", "http://LOCALHOST/", "http://127.0.0.1/", "http://127.255.0.9:8080/",
            "http://[::1]:8080/me",
        ]
        for address in allowed {
            XCTAssertNoThrow(try BearerOrigin.authorized(URL(string: address)), address)
        }
        let refused = [
            "http://api.example.com/me", "http://10.0.0.1/", "http://[::2]/", "http://127.0.0.1.example.com/",
            "http://localhost.example.com/", "http://127.0.0/", "http://127.0.0.256/", "http://0x7f.0.0.1/",
            "http://127.0.0.1@api.example.com/", "ftp://127.0.0.1/", "ws://localhost/", "file:///etc/hosts",
        ]
        for address in refused {
            XCTAssertThrowsError(try BearerOrigin.authorized(URL(string: address)), address) { error in
                guard case AuthorizationError.insecureURL? = error as? AuthorizationError else {
                    return XCTFail("\(address): \(error)")
                }
            }
        }
        XCTAssertThrowsError(try BearerOrigin.authorized(nil))
    }

    func testAPlainHttpURLElsewhereIsRefusedAndNothingIsSent() async throws {
        let session = try await signIn()
        _ = try await token(session)
        var request = URLRequest(url: URL(string: "http://api.example.com/me?q=secret-query")!)
        request.setValue("Basic c29tZW9uZTplbHNl", forHTTPHeaderField: "Authorization")
        do {
            try await session.authorize(&request)
            XCTFail("expected AuthorizationError.insecureURL")
        } catch let error as AuthorizationError {
            XCTAssertEqual(error, .insecureURL(origin: "http://api.example.com"))
            XCTAssertFalse(error.description.contains("secret-query"), error.description)
        }
        XCTAssertEqual(request.value(forHTTPHeaderField: "Authorization"), "Basic c29tZW9uZTplbHNl", "the request is unchanged")

        // The sending helper refuses it before sending: no network error, no answer.
        do {
            _ = try await http.data(for: request, authorizedBy: session)
            XCTFail("expected AuthorizationError.insecureURL")
        } catch let error as AuthorizationError {
            XCTAssertEqual(error, .insecureURL(origin: "http://api.example.com"))
        }
    }

    func testARedirectToAnotherOriginDoesNotCarryTheToken() async throws {
        let session = try await signIn()
        let current = try await token(session)
        let server = try LoopbackHTTPServer { request in
            switch request.path {
            // Same port, another host: another origin.
            case "/elsewhere": return .init(status: 302, headers: ["Location": "http://localhost:\(request.port)/landing"])
            case "/here": return .init(status: 302, headers: ["Location": "/landing"])
            default: return .init(status: 200, body: "landed")
            }
        }
        defer { server.stop() }

        let (data, response) = try await http.data(for: URLRequest(url: server.url("/elsewhere")), authorizedBy: session)
        XCTAssertEqual((response as? HTTPURLResponse)?.statusCode, 200)
        XCTAssertEqual(String(decoding: data, as: UTF8.self), "landed")
        XCTAssertEqual(server.requests.map(\.path), ["/elsewhere", "/landing"])
        XCTAssertEqual(server.requests.map { $0.headers["host"] }, ["127.0.0.1:\(server.port)", "localhost:\(server.port)"])
        XCTAssertEqual(server.requests.first?.headers["authorization"], "Bearer \(current.jwt)")
        XCTAssertNil(server.requests.last?.headers["authorization"], "the token stayed with its origin")

        // A redirect within the origin keeps it.
        _ = try await http.data(for: URLRequest(url: server.url("/here")), authorizedBy: session)
        XCTAssertEqual(server.requests.suffix(2).map { $0.headers["authorization"] }, ["Bearer \(current.jwt)", "Bearer \(current.jwt)"])
    }

    func testA401FromAnotherOriginAfterARedirectIsNotRetriedWithANewToken() async throws {
        let session = try await signIn()
        _ = try await token(session)
        let server = try LoopbackHTTPServer { request in
            request.path == "/start"
                ? .init(status: 302, headers: ["Location": "http://localhost:\(request.port)/denied"])
                : .init(status: 401, body: "who are you")
        }
        defer { server.stop() }
        let (_, response) = try await http.data(for: URLRequest(url: server.url("/start")), authorizedBy: session)
        XCTAssertEqual((response as? HTTPURLResponse)?.statusCode, 401)
        XCTAssertEqual(server.requests.map(\.path), ["/start", "/denied"])
        let sessionTokenRequests = try await requests("session_token")
        XCTAssertEqual(sessionTokenRequests, 0, "that host never saw the token: no new one")
    }
}
