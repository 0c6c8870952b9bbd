import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension Session {
    /// Sets `Authorization: Bearer <jwt>` on `request`, with the session token or the JWT
    /// template token per `options`, for a call to the app's backend.
    ///
    /// ```swift
    /// var request = URLRequest(url: backendURL)
    /// try await session.authorize(&request)
    /// ```
    ///
    /// The token comes from `getToken(_:)`: the cache when it is fresh, otherwise one request
    /// shared with every other caller. When this session has no token (signed out, ended,
    /// revoked), nothing is thrown: the request is left without an `Authorization` header
    /// (one it had is removed), as `getToken(_:)` returns `nil`.
    ///
    /// The token goes over `https` only: plain `http` is accepted for this machine alone
    /// (`localhost`, `127.0.0.0/8`, `::1`), for local development.
    ///
    /// - Throws: `AuthorizationError.insecureURL` for any other URL, before a token is asked
    ///   for. `ClerkError` when a token could not be had (network, timeout, an API error such
    ///   as `session_revoked` the first time it is noticed). Either way the request is
    ///   unchanged. `CancellationError` when the task is cancelled before a request is needed.
    public func authorize(_ request: inout URLRequest, options: GetTokenOptions = .init()) async throws {
        _ = try BearerOrigin.authorized(request.url)
        let token = try await getToken(options)
        request.setValue(token.map { "Bearer \($0.jwt)" }, forHTTPHeaderField: "Authorization")
    }
}

extension URLSession {
    /// Sends `request` to the app's backend authorized by `session` (see
    /// `Session.authorize(_:options:)`) and returns its data and response.
    ///
    /// ```swift
    /// let (data, response) = try await URLSession.shared.data(for: request, authorizedBy: session)
    /// ```
    ///
    /// On HTTP 401 for a request that carried a token, it fetches a new token (`skipCache`)
    /// and sends the request once more; whatever that answers is returned, 401 included: never
    /// more than two attempts. There is no retry when no token was sent (signed out), when no
    /// new token can be had (the first response is returned), when the 401 came from another
    /// origin after a redirect, or when the request has an `httpBodyStream` (it cannot be sent
    /// twice).
    ///
    /// A redirect to another origin (scheme, host or port) is followed without the
    /// `Authorization` header, whatever the platform's URLSession would copy; the session's
    /// delegate still decides whether to follow it.
    ///
    /// - Throws: `AuthorizationError.insecureURL` for a URL that is not `https` (plain `http`
    ///   to this machine aside), `ClerkError` when a token could not be had (nothing is sent
    ///   then, or the 401 is not retried), and the errors of `data(for:)`.
    public func data(
        for request: URLRequest,
        authorizedBy session: Session,
        options: GetTokenOptions = .init()
    ) async throws -> (Data, URLResponse) {
        let origin = try BearerOrigin.authorized(request.url)
        var authorized = request
        try await session.authorize(&authorized, options: options)
        let (data, response) = try await self.data(for: authorized, keepingAuthorizationWithin: origin)
        guard (response as? HTTPURLResponse)?.statusCode == 401,
              authorized.value(forHTTPHeaderField: "Authorization") != nil,
              BearerOrigin(response.url) == origin,
              request.httpBodyStream == nil
        else {
            return (data, response)
        }

        // The backend rejected the token (revoked, or judged expired on its clock): one new
        // token, one retry.
        let refresh = GetTokenOptions(
            template: options.template,
            expirationBuffer: options.expirationBuffer,
            skipCache: true,
            organizationId: options.organizationId
        )
        guard let fresh = try await session.getToken(refresh) else {
            return (data, response)
        }
        var retry = request
        retry.setValue("Bearer \(fresh.jwt)", forHTTPHeaderField: "Authorization")
        return try await self.data(for: retry, keepingAuthorizationWithin: origin)
    }
}
