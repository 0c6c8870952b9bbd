import Foundation

/// Why `Session.authorize(_:options:)` or `URLSession.data(for:authorizedBy:options:)` refused
/// a request before anything was sent.
public enum AuthorizationError: Error, Sendable, Hashable {
    /// The request's URL is not `https`, so the session token could be read on the way. Plain
    /// `http` is accepted for this machine only (`localhost`, `127.0.0.0/8`, `::1`), for local
    /// development. `origin` is the URL's scheme and host, nothing of its path or query.
    case insecureURL(origin: String)
}

extension AuthorizationError: CustomStringConvertible, LocalizedError {
    public var description: String {
        switch self {
        case let .insecureURL(origin):
            return "the session token is sent over https only (plain http to localhost, 127.0.0.0/8 or ::1): "
                + "refused for \(origin)"
        }
    }

    public var errorDescription: String? {
        description
    }
}
