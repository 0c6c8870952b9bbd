import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The transport's session delegate: refuses every redirect and hands each task's events to
/// its exchange.
///
/// A session delegate rather than one per task: FoundationNetworking delivers a data task's
/// response and body only to the session's delegate.
final class URLSessionRouter: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let lock = NSLock()
    private var exchanges: [Int: URLSessionExchange] = [:]

    func register(_ exchange: URLSessionExchange, for task: URLSessionTask) {
        lock.lock()
        defer { lock.unlock() }
        exchanges[task.taskIdentifier] = exchange
    }

    private func exchange(for task: URLSessionTask, removing: Bool = false) -> URLSessionExchange? {
        lock.lock()
        defer { lock.unlock() }
        return removing ? exchanges.removeValue(forKey: task.taskIdentifier) : exchanges[task.taskIdentifier]
    }

    /// A 3xx is the answer, `Location` untouched: the target never sees the request, nor its
    /// `Authorization` header.
    func urlSession(
        _ session: URLSession,
        task: URLSessionTask,
        willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }

    func urlSession(
        _ session: URLSession,
        dataTask: URLSessionDataTask,
        didReceive response: URLResponse,
        completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
    ) {
        let proceed = exchange(for: dataTask)?.receive(response: response) ?? false
        // FoundationNetworking ignores the disposition; the exchange cancels the task itself.
        completionHandler(proceed ? .allow : .cancel)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        exchange(for: dataTask)?.receive(data: data)
    }

    func urlSession(
        _ session: URLSession,
        dataTask: URLSessionDataTask,
        willCacheResponse proposedResponse: CachedURLResponse,
        completionHandler: @escaping @Sendable (CachedURLResponse?) -> Void
    ) {
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        exchange(for: task, removing: true)?.complete(error: error, response: task.response)
    }
}
