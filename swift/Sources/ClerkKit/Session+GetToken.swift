internal import ClerkKitBindings
import Foundation

extension Session {
    /// The session token, or a JWT template token when `options.template` is set.
    ///
    /// A token is served from the in-memory cache while it has more than
    /// `options.expirationBuffer` seconds left (10 by default, at most 60); otherwise one
    /// request is made and shared by every concurrent caller. `skipCache` always fetches a
    /// new token. Returns `nil` when this session is no longer active (signed out, revoked,
    /// expired).
    ///
    /// A cache hit is a single synchronous call into the core (`TokenPeek`). Cancellation is cooperative:
    /// a task cancelled before a request is needed throws `CancellationError`; one cancelled
    /// while the shared request runs waits for it, and the request still completes and fills
    /// the cache for the next caller.
    ///
    /// - Throws: `ClerkError` (see its `code`, `message`, `status` conveniences).
    public func getToken(_ options: GetTokenOptions = .init()) async throws -> TokenResource? {
        if !options.skipCache, let token = TokenPeek.cachedToken(native, options) {
            return token
        }
        try Task.checkCancellation()
        return try await bridged { try await native.requestToken(options: options.native) }.map(TokenResource.init)
    }
}

extension Session {
    /// The generated layer's own cache lookup: what the peek must answer (`TokenPeekTests`).
    func cachedToken(_ options: GetTokenOptions) -> TokenResource? {
        native.cachedToken(options: options.native).map(TokenResource.init)
    }
}
