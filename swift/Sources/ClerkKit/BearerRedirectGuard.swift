import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The task delegate of a request sent by `data(for:authorizedBy:)`: a redirect to another
/// origin (scheme, host or port) is followed without the `Authorization` header.
///
/// FoundationNetworking (Linux) builds a redirected request as a copy of the original, every
/// header included, whatever the new host, and Apple does not document what its URLSession
/// does; either way the token stays with the origin it was meant for. What is left of the
/// redirect is then the session delegate's to decide, as for any other request of the app's
/// session.
final class BearerRedirectGuard: NSObject, URLSessionTaskDelegate, Sendable {
    private let origin: BearerOrigin

    init(origin: BearerOrigin) {
        self.origin = origin
    }

    func urlSession(
        _ session: URLSession,
        task: URLSessionTask,
        willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        var next = request
        if BearerOrigin(request.url) != origin {
            next.setValue(nil, forHTTPHeaderField: "Authorization")
        }
        guard let appDelegate = session.delegate as? URLSessionTaskDelegate, appDelegate !== self else {
            completionHandler(next)
            return
        }
        #if canImport(FoundationNetworking)
        // Every method has a default here, which follows the redirect as given.
        appDelegate.urlSession(session, task: task, willPerformHTTPRedirection: response, newRequest: next,
                               completionHandler: completionHandler)
        #else
        // An optional Objective-C method: a delegate without it follows the redirect.
        if appDelegate.urlSession?(session, task: task, willPerformHTTPRedirection: response, newRequest: next,
                                   completionHandler: completionHandler) == nil {
            completionHandler(next)
        }
        #endif
    }
}

extension URLSession {
    /// `data(for:)` with `BearerRedirectGuard` as the task's delegate. A data task of its own:
    /// FoundationNetworking's `data(for:delegate:)` never asks its delegate about redirects.
    func data(for request: URLRequest, keepingAuthorizationWithin origin: BearerOrigin) async throws -> (Data, URLResponse) {
        let running = RunningTask()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let task = dataTask(with: request) { data, response, error in
                    if let error {
                        continuation.resume(throwing: error)
                    } else if let response {
                        continuation.resume(returning: (data ?? Data(), response))
                    } else {
                        continuation.resume(throwing: URLError(.badServerResponse))
                    }
                }
                task.delegate = BearerRedirectGuard(origin: origin)
                running.start(task)
            }
        } onCancel: {
            running.cancel()
        }
    }
}

/// A task and the caller's cancellation, whichever comes first: a task started after its
/// caller was cancelled is cancelled at once (and then answers `URLError.cancelled`).
private final class RunningTask: @unchecked Sendable {
    private let lock = NSLock()
    private var task: URLSessionTask?
    private var cancelled = false

    func start(_ task: URLSessionTask) {
        lock.lock()
        self.task = task
        let cancelled = self.cancelled
        lock.unlock()
        task.resume()
        if cancelled {
            task.cancel()
        }
    }

    func cancel() {
        lock.lock()
        cancelled = true
        let task = self.task
        lock.unlock()
        task?.cancel()
    }
}
