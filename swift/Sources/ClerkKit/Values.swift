import Foundation

/// A session token or JWT template token.
///
/// Prints without its JWT, so logging one (`print`, string interpolation, `dump`, test
/// failure messages) never leaks a credential. Read `jwt` explicitly to use it.
public struct TokenResource: Sendable, Hashable {
    /// The token, for `Authorization: Bearer <jwt>`.
    public let jwt: String
    /// When it expires (`exp`), Unix seconds.
    public let expiresAt: Int64
    /// When it was issued (`iat`), Unix seconds.
    public let issuedAt: Int64

    public init(jwt: String, expiresAt: Int64, issuedAt: Int64) {
        self.jwt = jwt
        self.expiresAt = expiresAt
        self.issuedAt = issuedAt
    }
}

extension TokenResource: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "TokenResource(jwt: <redacted>, expiresAt: \(expiresAt), issuedAt: \(issuedAt))"
    }

    public var debugDescription: String {
        description
    }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: ["jwt": "<redacted>", "expiresAt": expiresAt, "issuedAt": issuedAt],
            displayStyle: .struct
        )
    }
}

/// Options of `Session.getToken(_:)`; the defaults are Clerk's.
public struct GetTokenOptions: Sendable, Hashable {
    /// A JWT template's name; `nil` for the session token.
    public var template: String?
    /// Seconds: a cached token expiring within them is replaced first. 10 by default, at most 60.
    public var expirationBuffer: Double
    /// Fetches a new token even when the cached one is fresh.
    public var skipCache: Bool
    /// The organization a session token is for: `""` for the personal account, `nil` for the
    /// session's active organization. Not with `template`.
    public var organizationId: String?
    /// Seconds this call may wait on the network, every attempt and retry wait included; past
    /// it the call throws `ClerkError.timeout` while the shared request goes on and fills the
    /// cache. `nil`: the `callDeadline` given to `configure` (10 s by default).
    public var deadline: TimeInterval?

    public init(
        template: String? = nil,
        expirationBuffer: Double = 10,
        skipCache: Bool = false,
        organizationId: String? = nil,
        deadline: TimeInterval? = nil
    ) {
        self.template = template
        self.expirationBuffer = expirationBuffer
        self.skipCache = skipCache
        self.organizationId = organizationId
        self.deadline = deadline
    }
}

/// What happened in the engine, as `Clerk.shared.events` delivers it.
public enum ClerkEvent: Sendable, Hashable {
    /// A token was fetched and cached: what `getToken` now returns for these options
    /// (`template` and `organizationId` nil for the session token).
    case tokenRefreshed(sessionId: String, template: String?, organizationId: String?, token: TokenResource)
    /// The session ended: signed out, or revoked or expired on the server (`reason` is the
    /// server's code, e.g. `session_revoked`).
    case sessionEnded(sessionId: String, reason: String, message: String?)
    /// The device token (this client's credential) was rotated, or cleared (`cleared`).
    case deviceTokenChanged(cleared: Bool)
}

/// Where the device token, this client's credential, survives app restarts.
/// `KeychainDeviceTokenStore` is the default on Apple platforms.
public protocol DeviceTokenStore: AnyObject, Sendable {
    /// The stored token, or nil.
    func load() -> String?
    /// Stores `token`; nil clears it.
    func save(token: String?)
}
