import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
@testable import ClerkKit
import ClerkKitBindings

/// The URLSession transport the facade uses, except that the attempts `failOffline(attempts:)`
/// names find no network before sending anything (as URLSession's `notConnectedToInternet` does on a
/// device without one). It counts the attempts it passes on, so the runner knows when one is
/// still out: the engine counts an attempt in its metrics when it ends.
final class DeviceTransport: ClerkKitBindings.HttpTransport, @unchecked Sendable {
    private let inner = URLSessionTransport()
    private let lock = NSLock()
    private var offline = 0
    private var sent = 0

    /// The next `attempts` attempts find no network.
    func failOffline(attempts: Int) {
        lock.lock()
        defer { lock.unlock() }
        offline = attempts
    }

    /// Attempts passed on to URLSession since the engine started.
    var attemptsSent: Int {
        lock.lock()
        defer { lock.unlock() }
        return sent
    }

    func send(request: ClerkKitBindings.HttpRequest, completion: HttpCompletion) -> HttpCall {
        lock.lock()
        let noNetwork = offline > 0
        if noNetwork {
            offline -= 1
        } else {
            sent += 1
        }
        lock.unlock()
        if noNetwork {
            completion.fail(failure: URLSessionExchange.failure(for: URLError(.notConnectedToInternet)))
            return NoCall()
        }
        return inner.send(request: request, completion: completion)
    }

    private final class NoCall: HttpCall {
        func cancel() {}
    }
}
