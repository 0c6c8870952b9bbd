import Foundation
@testable import ClerkKit

/// The Keychain as the Security framework behaves for generic password items, in memory:
/// add fails with a duplicate, update and delete with not-found, copy answers the data.
/// Shared by several stores it stands for one device's Keychain across app launches.
///
/// Tests can make calls answer a status instead (`answer`), lock it (every call answers
/// `errSecInteractionNotAllowed`, as before the first unlock after a restart), or run a step
/// just before a call (`before`), as another process sharing the item would.
final class FakeKeychain: KeychainOperations, @unchecked Sendable {
    enum Call: Hashable {
        case copy, add, update, delete
    }

    private let lock = NSLock()
    private var items: [KeychainItem: Data] = [:]
    private var answers: [Call: [Int32]] = [:]
    private var steps: [Call: [() -> Void]] = [:]
    private var recorded: [Call] = []
    private var isLocked = false

    // MARK: - What tests arrange and inspect

    subscript(item: KeychainItem) -> Data? {
        get { locked { items[item] } }
        set { locked { items[item] = newValue } }
    }

    var allItems: [KeychainItem: Data] {
        locked { items }
    }

    /// The calls made so far, oldest first.
    var calls: [Call] {
        locked { recorded }
    }

    func clearCalls() {
        locked { recorded = [] }
    }

    /// The next calls of this kind answer these statuses, in order, and change nothing.
    func answer(_ call: Call, _ statuses: Int32...) {
        locked { answers[call, default: []] += statuses }
    }

    /// Runs `step` just before the next call of this kind.
    func before(_ call: Call, _ step: @escaping () -> Void) {
        locked { steps[call, default: []].append(step) }
    }

    /// Locked, every call answers `errSecInteractionNotAllowed`.
    func setLocked(_ value: Bool) {
        locked { isLocked = value }
    }

    // MARK: - KeychainOperations

    func copy(_ item: KeychainItem) -> (status: Int32, data: Data?) {
        if let status = begin(.copy) {
            return (status, nil)
        }
        return locked {
            guard let data = items[item] else {
                return (KeychainStatus.itemNotFound, nil)
            }
            return (KeychainStatus.success, data)
        }
    }

    func add(_ item: KeychainItem, data: Data) -> Int32 {
        if let status = begin(.add) {
            return status
        }
        return locked {
            guard items[item] == nil else {
                return KeychainStatus.duplicateItem
            }
            items[item] = data
            return KeychainStatus.success
        }
    }

    func update(_ item: KeychainItem, data: Data) -> Int32 {
        if let status = begin(.update) {
            return status
        }
        return locked {
            guard items[item] != nil else {
                return KeychainStatus.itemNotFound
            }
            items[item] = data
            return KeychainStatus.success
        }
    }

    func delete(_ item: KeychainItem) -> Int32 {
        if let status = begin(.delete) {
            return status
        }
        return locked {
            items.removeValue(forKey: item) == nil ? KeychainStatus.itemNotFound : KeychainStatus.success
        }
    }

    /// Records the call, runs a step planned for it, and returns the status to answer
    /// instead of doing it, if any.
    private func begin(_ call: Call) -> Int32? {
        let step: (() -> Void)? = locked {
            recorded.append(call)
            return steps[call]?.isEmpty == false ? steps[call]?.removeFirst() : nil
        }
        step?()
        return locked {
            if isLocked {
                return KeychainStatus.interactionNotAllowed
            }
            return answers[call]?.isEmpty == false ? answers[call]?.removeFirst() : nil
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}

/// Collects what a store reports, for the tests to count and to search for secrets.
final class FailureLog: @unchecked Sendable {
    private let lock = NSLock()
    private var failures: [KeychainFailure] = []

    func record(_ failure: KeychainFailure) {
        lock.lock()
        defer { lock.unlock() }
        failures.append(failure)
    }

    var all: [KeychainFailure] {
        lock.lock()
        defer { lock.unlock() }
        return failures
    }

    /// Every report as the log shows it.
    var text: String {
        all.map(\.description).joined(separator: "\n")
    }
}
