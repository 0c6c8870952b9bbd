import ClerkKit
internal import ClerkKitTestingBindings
import Foundation

/// A fake Clerk for your app's unit tests: the Clerk Frontend API on `127.0.0.1`, served from
/// the test process, with a clock that moves only when the test says so.
///
/// ```swift
/// let fake = try FakeClerk()
/// fake.configure()                                  // Clerk.shared now talks to the fake
/// let session = try await fake.signIn(userId: "user_1")
/// await fake.advance(by: 120)                       // tokens expire, background refresh runs
/// await fake.setOnline(false)                       // calls that need the network fail at once
/// fake.failNext(.sessionToken, status: 503)         // the next token request fails once
/// XCTAssertEqual(fake.requestCount(.sessionToken), 2)
/// ```
///
/// Every engine configured for `frontendApiUrl` while the fake lives runs on its clock: timers
/// (background refresh) wait for `advance(by:)`, and waits between retries pass at once on the
/// fake's clock. Releasing the fake stops its server.
public final class FakeClerk: Sendable {
    /// The endpoints a test can count or make fail.
    public enum Route: Sendable, Hashable {
        /// `GET /v1/client`: `Clerk.load()`.
        case client
        /// `POST /v1/client/sign_ins`: `Clerk.signIn(ticket:)`.
        case signIn
        /// `POST /v1/client/sessions/{id}/tokens`: session tokens.
        case sessionToken
        /// `POST /v1/client/sessions/{id}/tokens/{template}`: JWT template tokens.
        case templateToken
        /// `POST /v1/client/sessions/{id}/end`: signing out.
        case signOut
        /// Every route above.
        case any
    }

    private let native: ClerkKitTestingBindings.FakeClerk

    /// Starts a fake on a free loopback port. Its clock starts at 2026-01-01T00:00:00Z;
    /// session tokens live 60 s, as Clerk's. The waits between retries pass on its clock, as on
    /// a device, unless `backoffsAdvanceClock` is false (they are still recorded in `backoffs`).
    public init(backoffsAdvanceClock: Bool = true) throws {
        native = try ClerkKitTestingBindings.FakeClerk.start(backoffsAdvanceClock: backoffsAdvanceClock)
    }

    /// The URL to configure the SDK with.
    public var frontendApiUrl: String {
        native.frontendApiUrl()
    }

    /// Points `clerk` at this fake, with the device token kept in memory (never in the
    /// Keychain).
    public func configure(_ clerk: Clerk = .shared, autoRefresh: Bool = true) {
        clerk.configure(frontendApiUrl: frontendApiUrl, tokenStore: MemoryTokenStore(), autoRefresh: autoRefresh)
    }

    /// A sign-in token (ticket) for `userId`, as your backend would create one.
    public func signInToken(userId: String) -> String {
        native.signInToken(userId: userId)
    }

    /// Signs `userId` in on `clerk` (configured for this fake) and returns the session.
    @discardableResult
    public func signIn(userId: String = "user_test", on clerk: Clerk = .shared) async throws -> Session {
        try await clerk.signIn(ticket: signInToken(userId: userId))
    }

    /// The fake's time, which is also the SDK's.
    public var now: Date {
        Date(timeIntervalSince1970: Double(native.nowMs()) / 1000)
    }

    /// Moves time forward and returns once the SDK has done what that time asks of it, such as
    /// refreshing a token in the background.
    public func advance(by seconds: TimeInterval) async {
        await native.advance(seconds: seconds)
    }

    /// Switches the device's network off or on for every SDK engine on this fake, as the
    /// platform's network monitor would report it, and returns once they have acted on it (back
    /// online, a stale token is refreshed at once). Offline, a call that needs the network
    /// throws `ClerkError.network` of reason `.offline` at once; a fresh cached token is still
    /// served. Engines configured while the fake is offline start offline.
    public func setOnline(_ online: Bool) async {
        await native.setOnline(online: online)
    }

    /// Revokes the session on the server, as the Dashboard would; the SDK finds out at its next
    /// request. False if the fake has no such session.
    @discardableResult
    public func revoke(_ session: Session) -> Bool {
        native.revokeSession(sessionId: session.id)
    }

    /// Ends the session's lifetime on the server (status `expired`).
    @discardableResult
    public func expire(_ session: Session) -> Bool {
        native.expireSession(sessionId: session.id)
    }

    /// The next `times` requests to `route` fail with `status` and a Clerk error body, with
    /// `Retry-After: retryAfter` when given.
    public func failNext(_ route: Route, status: Int, times: Int = 1, retryAfter: Int? = nil) {
        native.failNext(
            route: route.native,
            status: UInt16(clamping: status),
            times: UInt32(clamping: max(times, 1)),
            retryAfterSeconds: retryAfter.map { UInt32(clamping: $0) }
        )
    }

    /// Requests the fake answered on `route` since it started or `resetRequestCounts()`.
    public func requestCount(_ route: Route) -> Int {
        Int(clamping: native.requestCount(route: route.native))
    }

    public func resetRequestCounts() {
        native.resetRequestCounts()
    }

    /// The waits between retries the SDK took so far, in seconds, oldest first.
    public var backoffs: [TimeInterval] {
        native.backoffsMs().map { Double($0) / 1000 }
    }
}

extension FakeClerk.Route {
    var native: FakeRoute {
        switch self {
        case .client: return .client
        case .signIn: return .signIn
        case .sessionToken: return .sessionToken
        case .templateToken: return .templateToken
        case .signOut: return .signOut
        case .any: return .any
        }
    }
}

/// A device token store in memory, so tests never touch the Keychain.
final class MemoryTokenStore: DeviceTokenStore, @unchecked Sendable {
    private let lock = NSLock()
    private var token: String?

    func load() -> String? {
        lock.lock()
        defer { lock.unlock() }
        return token
    }

    func save(token: String?) {
        lock.lock()
        defer { lock.unlock() }
        self.token = token
    }
}
