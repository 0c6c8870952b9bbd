internal import ClerkKitBindings
import Foundation

extension Clerk {
    /// The engine's counters since it was configured (all zero when none is): for an app's own
    /// telemetry. Reading them does no I/O.
    public var metrics: ClerkMetrics {
        currentCore.map { ClerkMetrics($0.metrics()) } ?? ClerkMetrics()
    }

    /// A record of every HTTP attempt the engine makes from the moment the stream is made, for
    /// the engine configured at that moment (it finishes at once if none is). Records carry the
    /// route, the attempt, the outcome, the duration and the body size: never a URL, a token or
    /// a secret.
    ///
    /// ```swift
    /// for await request in Clerk.shared.requestMetrics {
    ///     telemetry.record("clerk.request", request.duration, tags: ["\(request.route)", "\(request.outcome)"])
    /// }
    /// ```
    ///
    /// Records arrive shortly after each attempt ends. Ending the iteration (or cancelling its
    /// task) ends the subscription.
    public var requestMetrics: AsyncStream<RequestMetric> {
        AsyncStream(bufferingPolicy: .unbounded) { continuation in
            guard let core = currentCore else {
                continuation.finish()
                return
            }
            let subscription = core.observeRequests(listener: RequestMetricForwarder(continuation))
            continuation.onTermination = { _ in subscription.cancel() }
        }
    }
}

/// The engine's counters, as `Clerk.shared.metrics` reads them.
public struct ClerkMetrics: Sendable, Hashable {
    /// `getToken` calls answered from the cache without waiting.
    public var cacheHits = 0
    /// `getToken` calls that needed the network.
    public var cacheMisses = 0
    /// Of those, the callers that joined a request another caller had started.
    public var joinedCallers = 0
    /// HTTP attempts sent, retries included (an attempt that found no network sent nothing and
    /// is not one).
    public var requests = 0
    /// Of those, retries.
    public var retries = 0
    /// Attempts answered with a 4xx, or a 5xx.
    public var failed4xx = 0
    public var failed5xx = 0
    /// Attempts with no answer: the connection failed or broke, or the attempt timed out.
    public var failedNetwork = 0
    public var failedTimeout = 0
    /// Calls that failed at once because the device had no network (nothing sent).
    public var failedOffline = 0
    /// Still-valid tokens served because a refresh failed.
    public var staleServed = 0
    /// Background refreshes that landed a new token.
    public var backgroundRefreshes = 0
    /// How long before the old token expired the last background refresh landed, and the
    /// shortest such lead, in seconds; `nil` before the first.
    public var lastRefreshLead: TimeInterval?
    public var minRefreshLead: TimeInterval?

    public init() {}
}

/// One HTTP attempt the engine made.
public struct RequestMetric: Sendable, Hashable {
    /// Which Frontend API call it was.
    public enum Route: String, Sendable, Hashable {
        /// `GET /v1/client`: `Clerk.load()`.
        case client
        /// A session token.
        case sessionToken
        /// A JWT template token.
        case templateToken
        /// `Clerk.signIn(ticket:)`.
        case signIn
        /// Signing out.
        case signOut
    }

    /// How it ended.
    public enum Outcome: Sendable, Hashable {
        /// An HTTP answer with this status, error statuses included.
        case status(Int)
        /// No answer: the connection failed or broke.
        case network
        /// No answer within the request timeout.
        case timeout
        /// The device had no network: nothing was sent.
        case offline
    }

    public var route: Route
    /// 1 for a call's first attempt, 2 for its first retry, ...
    public var attempt: Int
    public var outcome: Outcome
    /// Seconds from sending to the answer (or the failure).
    public var duration: TimeInterval
    /// Body bytes read (0 without an answer).
    public var responseBytes: Int

    public init(route: Route, attempt: Int, outcome: Outcome, duration: TimeInterval, responseBytes: Int) {
        self.route = route
        self.attempt = attempt
        self.outcome = outcome
        self.duration = duration
        self.responseBytes = responseBytes
    }
}

extension RequestMetric.Outcome: CustomStringConvertible {
    /// `"200"`, `"network"`, `"timeout"`, `"offline"`: ready for a telemetry tag.
    public var description: String {
        switch self {
        case let .status(code): return String(code)
        case .network: return "network"
        case .timeout: return "timeout"
        case .offline: return "offline"
        }
    }
}

extension ClerkMetrics {
    init(_ native: ClerkKitBindings.MetricsSnapshot) {
        cacheHits = Int(clamping: native.cacheHits)
        cacheMisses = Int(clamping: native.cacheMisses)
        joinedCallers = Int(clamping: native.joinedCallers)
        requests = Int(clamping: native.requests)
        retries = Int(clamping: native.retries)
        failed4xx = Int(clamping: native.failed4xx)
        failed5xx = Int(clamping: native.failed5xx)
        failedNetwork = Int(clamping: native.failedNetwork)
        failedTimeout = Int(clamping: native.failedTimeout)
        failedOffline = Int(clamping: native.failedOffline)
        staleServed = Int(clamping: native.staleServed)
        backgroundRefreshes = Int(clamping: native.backgroundRefreshes)
        lastRefreshLead = native.lastRefreshLeadMs.map { Double($0) / 1000 }
        minRefreshLead = native.minRefreshLeadMs.map { Double($0) / 1000 }
    }
}

extension RequestMetric {
    init(_ native: ClerkKitBindings.RequestMetric) {
        let route: Route
        switch native.route {
        case .client: route = .client
        case .sessionToken: route = .sessionToken
        case .templateToken: route = .templateToken
        case .signIn: route = .signIn
        case .signOut: route = .signOut
        }
        let outcome: Outcome
        switch native.outcome {
        case let .status(code): outcome = .status(Int(code))
        case .network: outcome = .network
        case .timeout: outcome = .timeout
        case .offline: outcome = .offline
        }
        self.init(
            route: route, attempt: Int(native.attempt), outcome: outcome, duration: native.durationSeconds,
            responseBytes: Int(clamping: native.responseBytes)
        )
    }
}

/// Hands each record from the core's thread to the stream; `yield` never blocks.
private final class RequestMetricForwarder: ClerkKitBindings.RequestMetricListener, @unchecked Sendable {
    private let continuation: AsyncStream<RequestMetric>.Continuation

    init(_ continuation: AsyncStream<RequestMetric>.Continuation) {
        self.continuation = continuation
    }

    func onRequest(metric: ClerkKitBindings.RequestMetric) {
        continuation.yield(RequestMetric(metric))
    }
}
