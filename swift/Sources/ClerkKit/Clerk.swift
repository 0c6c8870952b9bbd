internal import ClerkKitBindings
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The app's Clerk instance: one configured engine, shared by every task.
///
/// ```swift
/// Clerk.shared.configure(publishableKey: "pk_live_...")
/// try await Clerk.shared.load()   // signed in again if the user was at the last launch
/// let session = Clerk.shared.session
/// if let token = try await session?.getToken()?.jwt {
///     headers["Authorization"] = "Bearer \(token)"
/// }
/// ```
///
/// Token caching, single-flight requests, retries and clock-skew handling live in the Rust
/// core; this class only holds the engine. Its state is guarded by a lock, so any task or
/// thread may call it.
public final class Clerk: @unchecked Sendable {
    /// The instance apps use.
    public static let shared = Clerk()

    /// The default per-request timeout, in seconds.
    public static let defaultRequestTimeout: TimeInterval = 15

    /// The default time a call may wait on the network, in seconds, every attempt and retry
    /// wait included.
    public static let defaultCallDeadline: TimeInterval = 10

    /// How this SDK names itself to the Clerk API: `x-clerk-sdk: clerk-kit-swift/<version>`,
    /// the version being the workspace's, which the core reports.
    static let sdkName = "clerk-kit-swift"
    static var sdkVersion: String { ClerkKitBindings.sdkVersion() }

    private enum State {
        case unconfigured
        /// The engine, with the app's store or the default one inside: the store is the
        /// engine's to use, sign-out included.
        case configured(ClerkKitBindings.ClerkCore)
        /// The last `configure` call was invalid; every call reports why.
        case invalid(Error)
    }

    private let lock = NSLock()
    private var state = State.unconfigured
    /// Notification observers that pause and resume background refresh with the app.
    private var lifecycleObservers: [NSObjectProtocol] = []
    /// Tells the engine when the device loses or regains its network (Apple platforms).
    private var connectivity: ConnectivityMonitor?
    /// The store `configure` uses when the app gives none.
    private let defaultTokenStore: @Sendable (Endpoint) -> DeviceTokenStore?

    /// What `configure` was pointed at.
    enum Endpoint {
        case publishableKey(String)
        case frontendApiUrl(String)
    }

    init(defaultTokenStore: @escaping @Sendable (Endpoint) -> DeviceTokenStore? = Clerk.platformTokenStore) {
        self.defaultTokenStore = defaultTokenStore
        #if canImport(UIKit) && !os(watchOS)
        lifecycleObservers = observeApplicationLifecycle()
        #endif
    }

    /// Points Clerk at the Frontend API encoded in a publishable key (`pk_test_...` /
    /// `pk_live_...`). Call once at launch, before `load()`.
    ///
    /// - Parameters:
    ///   - tokenStore: where the device token (this client's credential) survives app
    ///     restarts. `nil`: the Keychain on Apple platforms (`KeychainDeviceTokenStore`, this
    ///     device only, one item per instance), memory only elsewhere.
    ///   - requestTimeout: seconds before one request attempt is abandoned.
    ///   - callDeadline: seconds a call may wait on the network, every attempt and retry wait
    ///     included; past it the call throws `ClerkError.timeout` while the shared request goes
    ///     on and fills the cache. `GetTokenOptions.deadline` sets it for one call.
    ///   - autoRefresh: keeps the active session's token fresh in the background, so
    ///     `getToken()` never waits on the network for it once warmed up. On UIKit platforms
    ///     it pauses in the background and resumes in the foreground by itself.
    ///   - sessionConfiguration: the app's URLSession settings for Clerk's requests (proxies,
    ///     `protocolClasses`, TLS). A copy is used, with Clerk's rules applied over it: no cache,
    ///     no cookies, no credential storage, no additional headers, redirects never followed.
    ///     `nil`: an ephemeral configuration.
    ///
    /// On Apple platforms the engine follows the device's network (`NWPathMonitor`): offline,
    /// a call that needs the network throws `ClerkError.network` of reason `.offline` at once,
    /// and back online a stale token is refreshed at once. Elsewhere the device counts as online.
    ///
    /// Does no I/O. An invalid key or timeout is reported as `ClerkError.configuration` by
    /// `load()`, `signIn(ticket:)` and `signOut()`, as in Clerk's iOS SDK.
    public func configure(
        publishableKey: String,
        tokenStore: DeviceTokenStore? = nil,
        requestTimeout: TimeInterval = Clerk.defaultRequestTimeout,
        callDeadline: TimeInterval = Clerk.defaultCallDeadline,
        autoRefresh: Bool = true,
        sessionConfiguration: URLSessionConfiguration? = nil
    ) {
        install(
            .publishableKey(publishableKey), tokenStore, requestTimeout, callDeadline, autoRefresh,
            URLSessionTransport(configuration: sessionConfiguration)
        )
    }

    /// Points Clerk at an explicit Frontend API URL (`https://`, or `http://` on loopback
    /// for local testing). Otherwise as `configure(publishableKey:)`.
    public func configure(
        frontendApiUrl: String,
        tokenStore: DeviceTokenStore? = nil,
        requestTimeout: TimeInterval = Clerk.defaultRequestTimeout,
        callDeadline: TimeInterval = Clerk.defaultCallDeadline,
        autoRefresh: Bool = true,
        sessionConfiguration: URLSessionConfiguration? = nil
    ) {
        install(
            .frontendApiUrl(frontendApiUrl), tokenStore, requestTimeout, callDeadline, autoRefresh,
            URLSessionTransport(configuration: sessionConfiguration)
        )
    }

    /// As `configure(frontendApiUrl:...)`, with the engine's transport given (tests wrap the
    /// URLSession transport to make it find no network).
    func configure(
        frontendApiUrl: String,
        tokenStore: DeviceTokenStore?,
        requestTimeout: TimeInterval = Clerk.defaultRequestTimeout,
        callDeadline: TimeInterval = Clerk.defaultCallDeadline,
        autoRefresh: Bool,
        transport: ClerkKitBindings.HttpTransport
    ) {
        install(.frontendApiUrl(frontendApiUrl), tokenStore, requestTimeout, callDeadline, autoRefresh, transport)
    }

    /// The active session, if signed in. Reads local state only; never does I/O.
    public var session: Session? {
        currentCore?.session().map(Session.init)
    }

    /// Loads the client from the Frontend API, restoring the signed-in session from the
    /// stored device token, and returns that session (`nil`: signed out). Afterwards
    /// `session` tells the same.
    @discardableResult
    public func load() async throws -> Session? {
        let core = try configuredCore()
        return try await bridged { try await core.load() }.map(Session.init)
    }

    /// Signs in with a sign-in token (ticket) created by the app's backend.
    public func signIn(ticket: String) async throws -> Session {
        let core = try configuredCore()
        return Session(try await bridged { try await core.signInWithTicket(ticket: ticket) })
    }

    /// Ends the active session; its cached tokens are dropped at once. When no session is
    /// left, the engine removes the device token from the store too, even if the Frontend API
    /// could not be reached, so no later launch restores the session.
    public func signOut() async throws {
        let core = try configuredCore()
        try await bridged { try await core.signOut() }
    }

    private func install(
        _ endpoint: Endpoint, _ tokenStore: DeviceTokenStore?, _ requestTimeout: TimeInterval,
        _ callDeadline: TimeInterval, _ autoRefresh: Bool, _ transport: ClerkKitBindings.HttpTransport
    ) {
        let settings: ClerkSettings
        switch endpoint {
        case let .publishableKey(key):
            settings = ClerkSettings(
                publishableKey: key, requestTimeoutSeconds: requestTimeout, sdkName: Clerk.sdkName,
                autoRefresh: autoRefresh, callDeadlineSeconds: callDeadline
            )
        case let .frontendApiUrl(url):
            settings = ClerkSettings(
                frontendApiUrl: url, requestTimeoutSeconds: requestTimeout, sdkName: Clerk.sdkName,
                autoRefresh: autoRefresh, callDeadlineSeconds: callDeadline
            )
        }
        // Built outside the lock; the constructor validates the settings without I/O.
        let store = tokenStore ?? defaultTokenStore(endpoint)
        let next: State
        var monitor: ConnectivityMonitor?
        do {
            let core = try bridged {
                try ClerkCore(settings: settings, tokenStore: store.map(NativeTokenStore.init), transport: transport)
            }
            next = .configured(core)
            monitor = ConnectivityMonitor.start(reportingTo: core)
        } catch {
            next = .invalid(error)
        }
        lock.lock()
        state = next
        let previous = connectivity
        connectivity = monitor
        lock.unlock()
        // The engine it fed is replaced: its reports would go nowhere.
        previous?.cancel()
    }

    /// Where the device token lives when the app gives no store: the Keychain where the
    /// Security framework exists, the engine's memory elsewhere (Linux).
    @Sendable
    static func platformTokenStore(_ endpoint: Endpoint) -> DeviceTokenStore? {
        #if canImport(Security)
        switch endpoint {
        case let .publishableKey(key): return KeychainDeviceTokenStore(publishableKey: key)
        case let .frontendApiUrl(url): return KeychainDeviceTokenStore(frontendApiUrl: url)
        }
        #else
        return nil
        #endif
    }

    /// The configured engine, if any; for the extensions that only act when there is one.
    var currentCore: ClerkKitBindings.ClerkCore? {
        guard case let .configured(core) = currentState() else {
            return nil
        }
        return core
    }

    private func currentState() -> State {
        lock.lock()
        defer { lock.unlock() }
        return state
    }

    private func configuredCore() throws -> ClerkKitBindings.ClerkCore {
        switch currentState() {
        case let .configured(core):
            return core
        case let .invalid(error):
            throw error
        case .unconfigured:
            throw ClerkError.configuration(
                detail: "Clerk is not configured: call Clerk.shared.configure(publishableKey:) first"
            )
        }
    }
}
