internal import ClerkKitBindings
import Foundation

/// A signed-in session: `Clerk.shared.session`. Its tokens come from `getToken(_:)`.
public final class Session: Sendable {
    /// The session's id (`sess_...`).
    public let id: String
    /// The signed-in user's id (`user_...`).
    public let userId: String?
    let native: ClerkKitBindings.Session

    init(_ native: ClerkKitBindings.Session) {
        self.native = native
        self.id = native.id()
        self.userId = native.userId()
    }

    /// False once the session was signed out, revoked or otherwise ended. No I/O.
    public var isActive: Bool {
        native.isActive()
    }

    /// Ends this session. Its tokens are dropped at once, whatever the network does; when no
    /// session is left, the device token is removed from the store too, as by
    /// `Clerk.signOut()`.
    public func signOut() async throws {
        try await bridged { try await native.signOut() }
    }
}

extension Session: CustomStringConvertible {
    public var description: String {
        "Session(id: \(id), userId: \(userId ?? "nil"))"
    }
}
