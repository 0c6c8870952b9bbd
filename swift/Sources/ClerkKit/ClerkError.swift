import Foundation

/// Why a Clerk call failed, with the server's error detail whole.
public enum ClerkError: Error, Sendable, Hashable {
    /// The Clerk API answered with an error status: `errors` is its `errors` array,
    /// `description` a one-line summary.
    case api(status: Int, errors: [ClerkApiError], clerkTraceId: String?, retryAfterSeconds: Double?, description: String)
    /// No answer from the Clerk API: `reason` tells a device without a network (`.offline`:
    /// nothing was sent, the call failed at once) from a server that could not be reached
    /// (`.unreachable`: DNS, connection, TLS, a broken answer, after the retries).
    case network(detail: String, reason: NetworkReason)
    /// A request attempt took longer than the configured timeout.
    case timeout(detail: String)
    /// The Clerk API answered something that is not what it documents.
    case invalidResponse(detail: String)
    /// The SDK is not configured, or was configured with an invalid key or setting.
    case configuration(detail: String)
    /// The engine shut down while the call waited.
    case cancelled(detail: String)
    /// A bug in the SDK, reported instead of crashing.
    case `internal`(detail: String)
}

extension ClerkError {
    /// Why a `network` error happened.
    public enum NetworkReason: Sendable, Hashable {
        /// The device has no network, as the platform reports it or as the request found it.
        /// A call that needs the network fails at once: no request, no retry wait.
        case offline
        /// There is a network, but the Clerk API could not be reached.
        case unreachable
    }

    /// True for a `network` error of reason `.offline`: the device had no network, so a retry
    /// once it is back (or the next foreground) is the answer, not an error screen.
    public var isOffline: Bool {
        if case .network(_, .offline) = self {
            return true
        }
        return false
    }
}

/// One entry of the server's `errors` array.
public struct ClerkApiError: Sendable, Hashable {
    public let code: String
    public let message: String
    public let longMessage: String?
    /// `meta` values: strings as sent, other JSON values as JSON text.
    public let meta: [String: String]

    public init(code: String, message: String, longMessage: String?, meta: [String: String]) {
        self.code = code
        self.message = message
        self.longMessage = longMessage
        self.meta = meta
    }
}

extension ClerkError {
    /// The entries of the server's `errors` array; empty unless the API answered with an
    /// error status.
    public var errors: [ClerkApiError] {
        if case let .api(_, errors, _, _, _) = self {
            return errors
        }
        return []
    }

    /// The HTTP status of an API error (e.g. 401, 404, 429); `nil` for other kinds.
    public var status: Int? {
        if case let .api(status, _, _, _, _) = self {
            return status
        }
        return nil
    }

    /// The first API error's code (e.g. `"session_revoked"`), what callers usually branch on.
    public var code: String? {
        errors.first?.code
    }

    /// The first API error's message, or what went wrong for other kinds.
    public var message: String {
        switch self {
        case let .api(_, errors, _, _, description):
            return errors.first?.message ?? description
        case let .network(detail, _), let .timeout(detail), let .invalidResponse(detail),
             let .configuration(detail), let .cancelled(detail), let .internal(detail):
            return detail
        }
    }

    /// The first API error's long message, if the server sent one.
    public var longMessage: String? {
        errors.first?.longMessage
    }

    /// The first API error's `meta` (strings as sent; other JSON values as JSON text).
    public var meta: [String: String] {
        errors.first?.meta ?? [:]
    }

    /// The `clerk_trace_id` of an API error, for Clerk support.
    public var clerkTraceId: String? {
        if case let .api(_, _, clerkTraceId, _, _) = self {
            return clerkTraceId
        }
        return nil
    }

    /// The server's `Retry-After`, in seconds, when it sent one.
    public var retryAfterSeconds: Double? {
        if case let .api(_, _, _, retryAfterSeconds, _) = self {
            return retryAfterSeconds
        }
        return nil
    }
}

extension ClerkError: CustomStringConvertible, LocalizedError {
    /// A one-line summary; also what `localizedDescription` shows. Each detail already says
    /// what happened, so a kind is named only where the detail alone would not tell it.
    public var description: String {
        switch self {
        case let .api(_, _, _, _, description):
            return description
        case let .network(detail, .unreachable):
            return "network error: \(detail)"
        case let .network(detail, .offline):
            return "offline: \(detail)"
        case let .configuration(detail):
            return "configuration error: \(detail)"
        case let .internal(detail):
            return "internal error: \(detail)"
        case let .timeout(detail), let .invalidResponse(detail), let .cancelled(detail):
            return detail
        }
    }

    public var errorDescription: String? {
        description
    }
}
