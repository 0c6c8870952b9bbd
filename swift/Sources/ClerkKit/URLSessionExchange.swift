internal import ClerkKitBindings
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One request in flight, and the engine's handle on it (`cancel()`).
///
/// Whatever comes first answers the engine, once: the whole response, the body passing the
/// cap, the total timeout, a failure, or the task ending after a cancel. Anything later is
/// dropped. URLSession's delegate queue, the deadline timer and the engine's threads all reach
/// it, so its state is behind a lock; the engine is always called outside it.
final class URLSessionExchange: ClerkKitBindings.HttpCall, @unchecked Sendable {
    private let lock = NSLock()
    private let task: URLSessionTask
    private let maxResponseBytes: UInt64
    /// `nil` once the engine has its answer.
    private var completion: HttpCompletion?
    private var status: UInt16 = 0
    private var headers: [HttpHeader] = []
    private var body = Data()

    init(task: URLSessionTask, completion: HttpCompletion, maxResponseBytes: UInt64) {
        self.task = task
        self.completion = completion
        self.maxResponseBytes = maxResponseBytes
    }

    /// The engine no longer wants the answer.
    func cancel() {
        cancelTask()
    }

    /// Ends the request after `seconds`, the total reqwest applies as `timeout`: URLSession's
    /// own total is per session, and FoundationNetworking has none.
    func startDeadline(after seconds: TimeInterval) {
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [weak self] in
            guard let self else { return }
            if self.fail(.timeout(detail: "no complete response within the request's timeout")) {
                self.cancelTask()
            }
        }
    }

    /// The status line and headers arrived. False when the declared length is already over
    /// the cap: the exchange is over and the task is being cancelled.
    func receive(response: URLResponse) -> Bool {
        guard let response = response as? HTTPURLResponse else {
            return true
        }
        let headers = Self.headers(of: response)
        let status = UInt16(clamping: response.statusCode)
        lock.lock()
        self.status = status
        self.headers = headers
        lock.unlock()
        // Only an identity body's length says how many bytes will arrive: a gzip body is
        // decoded by URLSession, and the cap applies to what is decoded.
        let identity = (response.value(forHTTPHeaderField: "Content-Encoding") ?? "identity")
            .trimmingCharacters(in: .whitespaces).lowercased() == "identity"
        let declared = response.expectedContentLength
        if identity, declared > 0, UInt64(declared) > maxResponseBytes {
            if fail(.bodyTooLarge(status: status, headers: headers)) {
                cancelTask()
            }
            return false
        }
        return true
    }

    /// A part of the body arrived; past the cap, reading stops and the task is cancelled.
    func receive(data: Data) {
        lock.lock()
        guard completion != nil else {
            lock.unlock()
            return
        }
        body.append(data)
        guard UInt64(body.count) > maxResponseBytes else {
            lock.unlock()
            return
        }
        let failure = HttpFailure.bodyTooLarge(status: status, headers: headers)
        lock.unlock()
        if fail(failure) {
            cancelTask()
        }
    }

    /// The task ended: the whole response, or why there is none.
    func complete(error: Error?, response: URLResponse?) {
        if let error {
            fail(Self.failure(for: error))
            return
        }
        guard let response = response as? HTTPURLResponse else {
            fail(.network(detail: "the server's answer is not an HTTP response"))
            return
        }
        lock.lock()
        let completion = self.completion
        self.completion = nil
        let body = self.body
        self.body = Data()
        lock.unlock()
        completion?.succeed(response: HttpResponse(
            status: UInt16(clamping: response.statusCode),
            headers: Self.headers(of: response),
            body: body
        ))
    }

    /// Answers the engine with `failure` unless it has its answer already; true if this did.
    @discardableResult
    private func fail(_ failure: HttpFailure) -> Bool {
        lock.lock()
        let completion = self.completion
        self.completion = nil
        body = Data()
        lock.unlock()
        completion?.fail(failure: failure)
        return completion != nil
    }

    /// Stops the transfer: the server sees the connection close, and no more of the body is
    /// read. FoundationNetworking's `cancel()` waits for the session's work queue, which a
    /// body streaming in keeps busy for up to hundreds of milliseconds, so it runs elsewhere:
    /// neither the engine's thread nor the session's delegate queue waits for it.
    private func cancelTask() {
        let task = self.task
        DispatchQueue.global().async {
            task.cancel()
        }
    }

    /// The response's headers as a list. URLSession gives one value per name: repeated lines
    /// come joined with ", " (on every platform). An empty value stays an empty string, which
    /// the core reads as "clear the device token" for `Authorization`.
    static func headers(of response: HTTPURLResponse) -> [HttpHeader] {
        response.allHeaderFields
            .compactMap { name, value -> HttpHeader? in
                guard let name = name as? String else { return nil }
                return HttpHeader(name: name, value: value as? String ?? "\(value)")
            }
            .sorted { $0.name.lowercased() < $1.name.lowercased() }
    }

    /// What the engine is told about a failed task: a timeout, no network on the device, or a
    /// network failure, each described by its code alone (URLSession's own text can carry the
    /// URL, and so the query).
    static func failure(for error: Error) -> HttpFailure {
        // As NSError: FoundationNetworking reports some failures as plain NSErrors.
        let error = error as NSError
        guard error.domain == NSURLErrorDomain else {
            return .network(detail: "URLSession failed (\(error.domain) \(error.code))")
        }
        // Optional: the initialiser is failable in FoundationNetworking only.
        let code: URLError.Code? = URLError.Code(rawValue: error.code)
        if code == .timedOut {
            return .timeout(detail: "URLSession: the request timed out")
        }
        if let code, isOffline(code) {
            // The engine fails the call at once instead of retrying into a network that is not
            // there, without waiting for the path monitor to say so.
            return .offline(detail: "URLSession: \(describe(code)) (URLError \(error.code))")
        }
        return .network(detail: "URLSession: \(describe(code)) (URLError \(error.code))")
    }

    /// The codes that mean the device has no network at all, not that the server is out of
    /// reach: no interface up, cellular data off for the app, roaming off.
    static func isOffline(_ code: URLError.Code) -> Bool {
        switch code {
        case .notConnectedToInternet, .dataNotAllowed, .internationalRoamingOff: return true
        default: return false
        }
    }

    private static func describe(_ code: URLError.Code?) -> String {
        guard let code else {
            return "the request failed"
        }
        switch code {
        case .cancelled: return "cancelled"
        case .cannotConnectToHost: return "could not connect to the server"
        case .cannotFindHost: return "server not found"
        case .dnsLookupFailed: return "DNS lookup failed"
        case .networkConnectionLost: return "the connection was lost"
        case .notConnectedToInternet: return "not connected to the internet"
        case .badServerResponse: return "bad server response"
        case .cannotParseResponse: return "the response could not be parsed"
        case .secureConnectionFailed: return "the TLS connection failed"
        case .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid,
             .serverCertificateHasUnknownRoot:
            return "the server's certificate is not trusted"
        case .internationalRoamingOff, .dataNotAllowed, .callIsActive: return "no network access"
        default: return "the request failed"
        }
    }
}
