internal import ClerkKitBindings
import Foundation

// The generated layer's values, converted at the boundary of the facade. Apps never see the
// generated types: ClerkKitBindings is imported internally, not re-exported.

extension TokenResource {
    init(_ native: ClerkKitBindings.TokenResource) {
        self.init(jwt: native.jwt, expiresAt: native.expiresAt, issuedAt: native.issuedAt)
    }
}

extension GetTokenOptions {
    var native: ClerkKitBindings.GetTokenOptions {
        ClerkKitBindings.GetTokenOptions(
            template: template, expirationBuffer: expirationBuffer, skipCache: skipCache,
            organizationId: organizationId, deadlineSeconds: deadline
        )
    }
}

extension ClerkEvent {
    init(_ native: ClerkKitBindings.ClerkEvent) {
        switch native {
        case let .tokenRefreshed(sessionId, template, organizationId, token):
            self = .tokenRefreshed(
                sessionId: sessionId, template: template, organizationId: organizationId, token: TokenResource(token)
            )
        case let .sessionEnded(sessionId, reason, message):
            self = .sessionEnded(sessionId: sessionId, reason: reason, message: message)
        case let .deviceTokenChanged(cleared):
            self = .deviceTokenChanged(cleared: cleared)
        }
    }
}

extension ClerkError {
    init(_ native: ClerkKitBindings.ClerkError) {
        switch native {
        case let .Api(status, errors, clerkTraceId, retryAfterSeconds, description):
            self = .api(
                status: Int(status),
                errors: errors.map {
                    ClerkApiError(code: $0.code, message: $0.message, longMessage: $0.longMessage, meta: $0.meta)
                },
                clerkTraceId: clerkTraceId, retryAfterSeconds: retryAfterSeconds, description: description
            )
        case let .Network(detail, reason): self = .network(detail: detail, reason: ClerkError.NetworkReason(reason))
        case let .Timeout(detail): self = .timeout(detail: detail)
        case let .InvalidResponse(detail): self = .invalidResponse(detail: detail)
        case let .Configuration(detail): self = .configuration(detail: detail)
        case let .Cancelled(detail): self = .cancelled(detail: detail)
        case let .Internal(detail): self = .internal(detail: detail)
        }
    }
}

extension ClerkError.NetworkReason {
    init(_ native: ClerkKitBindings.NetworkReason) {
        switch native {
        case .offline: self = .offline
        case .unreachable: self = .unreachable
        }
    }
}

/// Runs a call into the generated layer, rethrowing its errors as the facade's `ClerkError`.
func bridged<T>(_ call: () async throws -> T) async throws -> T {
    do {
        return try await call()
    } catch let error as ClerkKitBindings.ClerkError {
        throw ClerkError(error)
    }
}

func bridged<T>(_ call: () throws -> T) throws -> T {
    do {
        return try call()
    } catch let error as ClerkKitBindings.ClerkError {
        throw ClerkError(error)
    }
}

/// The app's store, as the engine calls it.
final class NativeTokenStore: ClerkKitBindings.DeviceTokenStore {
    let store: DeviceTokenStore

    init(_ store: DeviceTokenStore) {
        self.store = store
    }

    func load() -> String? {
        store.load()
    }

    func save(token: String?) {
        store.save(token: token)
    }
}
