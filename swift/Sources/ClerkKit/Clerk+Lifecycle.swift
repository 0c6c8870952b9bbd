internal import ClerkKitBindings
import Foundation
#if canImport(UIKit) && !os(watchOS)
import UIKit
#endif

extension Clerk {
    /// Stops background refresh (and every timer of it) until `resume()`; `getToken()` keeps
    /// working on demand. On UIKit platforms Clerk calls it when the app enters the background.
    public func pause() {
        currentCore?.pause()
    }

    /// Resumes background refresh: a token that went stale meanwhile is refreshed at once,
    /// one that expired is fetched by the next `getToken()`. On UIKit platforms Clerk calls it
    /// when the app returns to the foreground.
    public func resume() {
        currentCore?.resume()
    }

    /// What the engine was last told of the device's network (true when none is configured).
    var isOnline: Bool {
        currentCore?.isOnline() ?? true
    }

    #if canImport(UIKit) && !os(watchOS)
    /// Follows the app between background and foreground for as long as `Clerk.shared` lives.
    func observeApplicationLifecycle() -> [NSObjectProtocol] {
        let center = NotificationCenter.default
        return [
            center.addObserver(forName: UIApplication.didEnterBackgroundNotification, object: nil, queue: nil) {
                [weak self] _ in self?.pause()
            },
            center.addObserver(forName: UIApplication.willEnterForegroundNotification, object: nil, queue: nil) {
                [weak self] _ in self?.resume()
            },
        ]
    }
    #endif
}
