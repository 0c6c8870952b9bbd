internal import ClerkKitBindings
import Foundation
#if canImport(Network)
import Network
#endif

/// Tells the engine when the device loses or regains its network: `NWPathMonitor` on Apple
/// platforms, on a queue of its own. Elsewhere (Linux) there is no monitor and the engine
/// counts the device as online.
final class ConnectivityMonitor: @unchecked Sendable {
    #if canImport(Network)
    private let monitor = NWPathMonitor()

    private init(_ core: ClerkKitBindings.ClerkCore) {
        let transitions = ConnectivityTransitions()
        // Weak: a replaced engine is released, not kept alive by a monitor being cancelled.
        monitor.pathUpdateHandler = { [weak core] path in
            if let online = transitions.report(online: path.status == .satisfied) {
                core?.setOnline(online: online)
            }
        }
        monitor.start(queue: DispatchQueue(label: "com.clerk.kit.connectivity"))
    }
    #endif

    /// A monitor feeding `core`, or nil where the platform has none.
    static func start(reportingTo core: ClerkKitBindings.ClerkCore) -> ConnectivityMonitor? {
        #if canImport(Network)
        return ConnectivityMonitor(core)
        #else
        return nil
        #endif
    }

    /// Stops the reports (the engine was replaced).
    func cancel() {
        #if canImport(Network)
        monitor.cancel()
        #endif
    }
}

/// The monitor's reports reduced to changes. The engine starts online, so only a report that
/// differs from the last one is passed on: the monitor's first "satisfied" tells the engine
/// nothing, and must not undo what a test kit's fake set (an engine configured while the fake
/// is offline starts offline).
final class ConnectivityTransitions: @unchecked Sendable {
    private let lock = NSLock()
    private var online = true

    /// The state to tell the engine when `online` changes it; nil when it does not.
    func report(online: Bool) -> Bool? {
        lock.lock()
        defer { lock.unlock() }
        guard online != self.online else {
            return nil
        }
        self.online = online
        return online
    }
}
