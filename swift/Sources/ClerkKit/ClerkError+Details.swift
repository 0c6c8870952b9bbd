import Foundation

extension ClerkError {
    /// The entries of the server's `errors` array; empty unless the API answered with an
    /// error status.
    public var errors: [ClerkApiError] {
        if case let .Api(_, errors, _, _, _) = self {
            return errors
        }
        return []
    }

    /// The HTTP status of an API error (e.g. 401, 404, 429); `nil` for other kinds.
    public var status: Int? {
        if case let .Api(status, _, _, _, _) = self {
            return Int(status)
        }
        return nil
    }

    /// The first API error's code (e.g. `"session_revoked"`), what callers usually branch on.
    public var code: String? {
        errors.first?.code
    }

    /// The first API error's message, or the error's own message for other kinds.
    public var message: String {
        switch self {
        case let .Api(_, errors, _, _, description):
            return errors.first?.message ?? description
        case let .Network(message),
             let .Timeout(message),
             let .InvalidResponse(message),
             let .Configuration(message),
             let .Cancelled(message),
             let .Internal(message):
            return message
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
        if case let .Api(_, _, clerkTraceId, _, _) = self {
            return clerkTraceId
        }
        return nil
    }

    /// The server's `Retry-After`, in seconds, when it sent one.
    public var retryAfterSeconds: Double? {
        if case let .Api(_, _, _, retryAfterSeconds, _) = self {
            return retryAfterSeconds
        }
        return nil
    }
}

extension ClerkError: CustomStringConvertible {
    /// A one-line summary; also what `localizedDescription` shows.
    public var description: String {
        switch self {
        case let .Api(_, _, _, _, description):
            return description
        case let .Network(message):
            return "network error: \(message)"
        case let .Timeout(message):
            return "timeout: \(message)"
        case let .InvalidResponse(message):
            return "invalid response: \(message)"
        case let .Configuration(message):
            return "configuration error: \(message)"
        case let .Cancelled(message):
            return "cancelled: \(message)"
        case let .Internal(message):
            return "internal error: \(message)"
        }
    }
}
