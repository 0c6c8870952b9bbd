internal import ClerkKitBindings
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The engine's HTTP stack: every request the Rust core makes goes out through URLSession, so
/// the platform's proxies, VPNs, App Transport Security and pinning apply to it.
///
/// One `send` is one URLSession data task on a session of its own, under the core's rules: no
/// redirect followed (a 3xx is the answer), no cookie stored or sent, no cache, no credential
/// storage, no header added beyond the request's own and the few URLSession adds, the body cap
/// enforced while the body arrives, and the request's total timeout (URLSession has no connect
/// timeout of its own: the total covers the connection too). Retries, backoff and the overall
/// deadline stay in the core.
final class URLSessionTransport: ClerkKitBindings.HttpTransport {
    private let session: URLSession
    private let router: URLSessionRouter

    /// - Parameter configuration: the app's settings (proxies, `protocolClasses`, TLS), used on
    ///   a copy with the core's rules applied over them; `nil`: an ephemeral configuration.
    init(configuration: URLSessionConfiguration? = nil) {
        let router = URLSessionRouter()
        self.router = router
        session = URLSession(
            configuration: Self.sessionConfiguration(from: configuration),
            delegate: router,
            delegateQueue: nil  // a serial queue of the session's own
        )
    }

    deinit {
        // The session holds its delegate until it is invalidated; requests in flight finish.
        session.finishTasksAndInvalidate()
    }

    func send(request: ClerkKitBindings.HttpRequest, completion: HttpCompletion) -> HttpCall {
        guard let urlRequest = Self.urlRequest(for: request) else {
            completion.fail(failure: .network(detail: "the request URL is not valid"))
            return NoCall()
        }
        let task = session.dataTask(with: urlRequest)
        let exchange = URLSessionExchange(
            task: task, completion: completion, maxResponseBytes: request.maxResponseBytes
        )
        // Known to the delegate before the first event can arrive.
        router.register(exchange, for: task)
        exchange.startDeadline(after: Self.seconds(request.timeoutMs))
        task.resume()
        return exchange
    }

    /// The app's configuration (or an ephemeral one), copied, with the core's rules on top.
    static func sessionConfiguration(from base: URLSessionConfiguration?) -> URLSessionConfiguration {
        let configuration = base.flatMap { $0.copy() as? URLSessionConfiguration } ?? .ephemeral
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        configuration.urlCredentialStorage = nil
        // The request's headers are exactly the core's.
        configuration.httpAdditionalHeaders = nil
        // Each request carries its own total (a timer per request, see URLSessionExchange): an
        // app's shorter session-wide limit must not cut it, so the session's stays the default.
        configuration.timeoutIntervalForResource = URLSessionConfiguration.default.timeoutIntervalForResource
        #if !canImport(FoundationNetworking)
        // No network is an error now (the call fails at once as offline), not a wait until the
        // total timeout.
        configuration.waitsForConnectivity = false
        #endif
        return configuration
    }

    static func urlRequest(for request: ClerkKitBindings.HttpRequest) -> URLRequest? {
        guard let url = URL(string: request.url), url.host != nil else {
            return nil
        }
        var urlRequest = URLRequest(url: url)
        urlRequest.httpMethod = request.method == .post ? "POST" : "GET"
        urlRequest.cachePolicy = .reloadIgnoringLocalCacheData
        urlRequest.httpShouldHandleCookies = false
        // URLSession's per-request timer: idle time on Apple platforms, the whole request in
        // whole seconds on Linux (FoundationNetworking truncates, and 0 would fire at once).
        // Rounded up, it never fires before the exchange's own timer for the exact total.
        urlRequest.timeoutInterval = max(1, seconds(request.timeoutMs).rounded(.up))
        for header in request.headers {
            if urlRequest.value(forHTTPHeaderField: header.name) == nil {
                urlRequest.setValue(header.value, forHTTPHeaderField: header.name)
            } else {
                urlRequest.addValue(header.value, forHTTPHeaderField: header.name)
            }
        }
        // FoundationNetworking refuses a GET with a body, even an empty one.
        if request.method == .post || !request.body.isEmpty {
            urlRequest.httpBody = request.body
        }
        #if canImport(FoundationNetworking)
        // libcurl sends a request again, unasked, when a reused connection closes before any
        // answer: two requests for one attempt, which the core's single flight rules out. A
        // connection per request leaves it nothing to reuse (libcurl's own header would be
        // `Connection: keep-alive`).
        if urlRequest.value(forHTTPHeaderField: "Connection") == nil {
            urlRequest.setValue("close", forHTTPHeaderField: "Connection")
        }
        #endif
        return urlRequest
    }

    static func seconds(_ milliseconds: UInt64) -> TimeInterval {
        TimeInterval(milliseconds) / 1000
    }
}

/// The handle for a request that never started (it was answered at once).
private final class NoCall: HttpCall {
    func cancel() {}
}
