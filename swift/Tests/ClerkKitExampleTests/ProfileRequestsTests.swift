import ClerkKit
import ClerkKitTesting
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

// An app's own code and its unit tests, written as an app developer would with the test kit:
// no network, no mocks of the SDK, and time that moves only when the test says so.

/// The app's code under test: requests to the app's backend, signed with the session token.
struct ProfileRequests {
    struct SignedOut: Error {}

    let backend: URL

    func me() async throws -> URLRequest {
        guard let jwt = try await Clerk.shared.session?.getToken()?.jwt else {
            throw SignedOut()
        }
        var request = URLRequest(url: backend.appendingPathComponent("me"))
        request.setValue("Bearer \(jwt)", forHTTPHeaderField: "Authorization")
        return request
    }
}

final class ProfileRequestsTests: XCTestCase {
    private var fake: FakeClerk!
    private let requests = ProfileRequests(backend: URL(string: "https://api.example.com")!)

    override func setUp() async throws {
        fake = try FakeClerk()
        fake.configure()  // Clerk.shared now talks to the fake
    }

    func testRequestsCarryTheSessionTokenWhichStaysFreshWithoutWaiting() async throws {
        try await fake.signIn(userId: "user_123")
        let first = try await requests.me().value(forHTTPHeaderField: "Authorization")
        XCTAssertEqual(first?.hasPrefix("Bearer "), true)

        await fake.advance(by: 55)  // the token would expire within the 10 s buffer
        let later = try await requests.me().value(forHTTPHeaderField: "Authorization")
        XCTAssertNotEqual(later, first, "a new token")
        XCTAssertEqual(fake.requestCount(.sessionToken), 1, "refreshed once, in the background")
    }

    func testAnOutageIsReportedWithTheServersStatus() async throws {
        try await fake.signIn()
        await fake.advance(by: 120)  // the token expired; the app was paused meanwhile
        fake.failNext(.sessionToken, status: 503, times: 10)
        do {
            _ = try await requests.me()
            XCTFail("expected an error")
        } catch let error as ClerkError {
            XCTAssertEqual(error.status, 503)
        }
    }

    func testOfflineTheCachedTokenServesAndAnExpiredOneFailsAsOffline() async throws {
        try await fake.signIn()
        await fake.setOnline(false)  // as the device's network monitor would report it
        _ = try await requests.me()  // the token from sign-in is still fresh

        await fake.advance(by: 120)  // it expired while offline
        do {
            _ = try await requests.me()
            XCTFail("expected an error")
        } catch let error as ClerkError {
            XCTAssertTrue(error.isOffline, "offline, not an outage: \(error)")
        }
        XCTAssertEqual(fake.requestCount(.sessionToken), 0, "nothing was sent")

        await fake.setOnline(true)
        _ = try await requests.me()
        XCTAssertEqual(fake.requestCount(.sessionToken), 1)
    }

    func testARevokedSessionSignsTheUserOut() async throws {
        let session = try await fake.signIn()
        fake.revoke(session)
        await fake.advance(by: 50)  // background refresh finds out
        do {
            _ = try await requests.me()
            XCTFail("expected to be signed out")
        } catch is ProfileRequests.SignedOut {
            XCTAssertNil(Clerk.shared.session)
        }
    }
}
