import Foundation
#if canImport(Security)
import Security
#endif

/// The default `DeviceTokenStore` on Apple platforms: the device token (this client's
/// credential) as one Keychain item, so a signed-in user stays signed in across launches.
///
/// - A generic password item, readable after the device's first unlock and never leaving
///   this device (`kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly`): not in backups restored
///   to another device, not moved by a device transfer.
/// - Service `com.clerk.clerk-kit`, account `clerkDeviceToken.<Frontend API host>`, so two
///   Clerk instances never share a token. An access group shares it with app extensions.
/// - Never throws into the engine and never crashes: a Keychain failure (the device still
///   locked after a restart, a missing entitlement) counts as "no token" for that read, is
///   reported once (`os.Logger`, subsystem `com.clerk.clerk-kit`) without the value, and the
///   item is left as it is. Stored data that cannot be a device token (not UTF-8, not a
///   header value) counts as signed out and is removed; whitespace only counts as none.
/// - The item is read once, then served from memory: the last value read or written (a
///   write that failed included, for this run). A change another process makes to a shared
///   item is seen at the next launch. An item locked away until the first unlock is never
///   written over.
/// - The data protection keychain on every platform (`KeychainQuery`).
///
/// The Security framework calls live in `SystemKeychain` (Apple platforms only); everything
/// here is plain Swift, tested on every platform against a fake of `KeychainOperations`.
public final class KeychainDeviceTokenStore: DeviceTokenStore, @unchecked Sendable {
    /// The Keychain service of every item this SDK writes.
    public static let service = "com.clerk.clerk-kit"

    /// The token as this store last read or wrote it. The engine reads the store before every
    /// request, so the Keychain is read once per launch rather than once per request.
    private enum Memory {
        /// Nothing read or written yet, or the last read failed.
        case unknown
        /// `nil`: no item. `inKeychain` false: the last write or removal failed, so the
        /// Keychain may hold something else and the next save tries again.
        case known(String?, inKeychain: Bool)
    }

    let item: KeychainItem
    private let keychain: KeychainOperations
    private let report: @Sendable (KeychainFailure) -> Void
    private let lock = NSLock()
    private var memory = Memory.unknown
    /// Failures already reported, until their operation succeeds again: a persistent failure
    /// (e.g. a locked device) is reported once.
    private var reported: Set<KeychainFailure> = []

    init(item: KeychainItem, keychain: KeychainOperations, report: @escaping @Sendable (KeychainFailure) -> Void) {
        self.item = item
        self.keychain = keychain
        self.report = report
    }

    /// The item for one Clerk instance, named by its Frontend API host (from the URL, else
    /// from the publishable key), or by the string itself when it names none (the engine
    /// rejects such settings anyway).
    static func item(publishableKey: String?, frontendApiUrl: String?, accessGroup: String?) -> KeychainItem {
        let instance = frontendApiUrl.map(instanceName(frontendApiUrl:))
            ?? publishableKey.map(instanceName(publishableKey:))
            ?? ""
        let group = accessGroup?.trimmingCharacters(in: .whitespacesAndNewlines)
        return KeychainItem(
            service: service,
            account: "clerkDeviceToken.\(instance)",
            accessGroup: group?.isEmpty == false ? group : nil
        )
    }

    public func load() -> String? {
        lock.lock()
        defer { lock.unlock() }
        if case let .known(token, _) = memory {
            return token
        }
        let (status, data) = keychain.copy(item)
        switch status {
        case KeychainStatus.success:
            succeeded(.read)
            guard let data, let value = String(data: data, encoding: .utf8), Self.isHeaderValue(value) else {
                // Nothing a server could have sent: it would fail every request. Signed out.
                failed(KeychainFailure(operation: .read, cause: .unreadableValue))
                remove()
                return nil
            }
            if value.trimmingCharacters(in: .whitespaces).isEmpty {
                remove()
                return nil
            }
            memory = .known(value, inKeychain: true)
            return value
        case KeychainStatus.itemNotFound:
            succeeded(.read)
            memory = .known(nil, inKeychain: true)
            return nil
        default:
            // Left in place and not remembered: a locked device's item is readable again after
            // the first unlock, so the next load asks again.
            failed(KeychainFailure(operation: .read, cause: .status(status)))
            return nil
        }
    }

    public func save(token: String?) {
        lock.lock()
        defer { lock.unlock() }
        let token = token.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        // The engine saves the device token from every response that carries it, mostly
        // unchanged: what the Keychain already holds is not written again.
        if case .known(token, inKeychain: true) = memory {
            return
        }
        guard let token else {
            remove()
            return
        }
        let data = Data(token.utf8)
        let updating: Bool
        switch memory {
        case let .known(previous, _):
            updating = previous != nil
        case .unknown:
            // Nothing read yet, or the item could not be read: look first.
            let (found, stored) = keychain.copy(item)
            switch found {
            case KeychainStatus.success where stored == data:
                memory = .known(token, inKeychain: true)
                succeeded(.write)
                return
            case KeychainStatus.success:
                updating = true
            case KeychainStatus.itemNotFound:
                updating = false
            case KeychainStatus.interactionNotAllowed:
                // A device not unlocked since it started: its item may hold the signed-in
                // user's token, which a token from this launch must never replace.
                failed(KeychainFailure(operation: .write, cause: .status(found)))
                return
            default:
                // A Keychain this app cannot use (e.g. no entitlement): the run goes on from
                // memory, and each save tries the Keychain again.
                failed(KeychainFailure(operation: .write, cause: .status(found)))
                memory = .known(token, inKeychain: false)
                return
            }
        }
        write(token, data, updating: updating)
    }

    /// Adds the item or updates it: an add that finds one (another process or extension was
    /// first) becomes an update, an update that finds none becomes an add, once. Failed, the
    /// token is still served from memory for this run, and the next save tries again.
    private func write(_ token: String, _ data: Data, updating: Bool) {
        var status = updating ? keychain.update(item, data: data) : keychain.add(item, data: data)
        if !updating && status == KeychainStatus.duplicateItem {
            status = keychain.update(item, data: data)
        } else if updating && status == KeychainStatus.itemNotFound {
            status = keychain.add(item, data: data)
        }
        memory = .known(token, inKeychain: status == KeychainStatus.success)
        if status == KeychainStatus.success {
            succeeded(.write)
        } else {
            failed(KeychainFailure(operation: .write, cause: .status(status)))
        }
    }

    private func remove() {
        let status = keychain.delete(item)
        let removed = status == KeychainStatus.success || status == KeychainStatus.itemNotFound
        memory = .known(nil, inKeychain: removed)
        if removed {
            succeeded(.delete)
        } else {
            failed(KeychainFailure(operation: .delete, cause: .status(status)))
        }
    }

    private func succeeded(_ operation: KeychainFailure.Operation) {
        reported = reported.filter { $0.operation != operation }
    }

    private func failed(_ failure: KeychainFailure) {
        if reported.insert(failure).inserted {
            report(failure)
        }
    }

    /// What the engine can send as `Authorization`: visible ASCII, spaces and tabs.
    private static func isHeaderValue(_ value: String) -> Bool {
        value.utf8.allSatisfy { (0x20...0x7E).contains($0) || $0 == 0x09 }
    }

    private static func instanceName(frontendApiUrl url: String) -> String {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else {
            return url
        }
        let port = components.port.map { ":\($0)" } ?? ""
        var path = components.path
        while path.hasSuffix("/") {
            path.removeLast()
        }
        return host.lowercased() + port + path
    }

    /// `pk_test_` / `pk_live_` and base64 of the host followed by `$`, as the engine reads it.
    private static func instanceName(publishableKey key: String) -> String {
        guard key.hasPrefix("pk_test_") || key.hasPrefix("pk_live_") else {
            return key
        }
        var encoded = String(key.dropFirst("pk_test_".count))
        encoded += String(repeating: "=", count: (4 - encoded.count % 4) % 4)
        guard let decoded = Data(base64Encoded: encoded),
              let text = String(data: decoded, encoding: .utf8),
              text.hasSuffix("$"), text.count > 1
        else {
            return key
        }
        return String(text.dropLast()).lowercased()
    }
}

/// Printing or dumping a store shows where it keeps the token, never a token.
extension KeychainDeviceTokenStore: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "KeychainDeviceTokenStore(service: \(item.service), account: \(item.account), "
            + "accessGroup: \(item.accessGroup ?? "none"))"
    }

    public var debugDescription: String {
        description
    }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: ["service": item.service, "account": item.account, "accessGroup": item.accessGroup as Any],
            displayStyle: .class
        )
    }
}

/// One Keychain item: `kSecClassGenericPassword` with this service, account and access group.
struct KeychainItem: Hashable, Sendable {
    let service: String
    let account: String
    let accessGroup: String?
}

/// The Security framework's four item calls, for one generic password item; statuses are
/// `OSStatus` values. `SystemKeychain` is the real one (Apple platforms), tests use a fake.
/// Items are written readable after first unlock, this device only.
protocol KeychainOperations: Sendable {
    /// `SecItemCopyMatching`: the item's data.
    func copy(_ item: KeychainItem) -> (status: Int32, data: Data?)
    /// `SecItemAdd`.
    func add(_ item: KeychainItem, data: Data) -> Int32
    /// `SecItemUpdate`: the item's data (and accessibility).
    func update(_ item: KeychainItem, data: Data) -> Int32
    /// `SecItemDelete`.
    func delete(_ item: KeychainItem) -> Int32
}

/// The `OSStatus` codes the store tells apart (the Security framework's own where it exists).
enum KeychainStatus {
    #if canImport(Security)
    static let success: Int32 = errSecSuccess
    static let itemNotFound: Int32 = errSecItemNotFound
    static let duplicateItem: Int32 = errSecDuplicateItem
    static let interactionNotAllowed: Int32 = errSecInteractionNotAllowed
    static let missingEntitlement: Int32 = errSecMissingEntitlement
    #else
    static let success: Int32 = 0
    static let itemNotFound: Int32 = -25300
    static let duplicateItem: Int32 = -25299
    static let interactionNotAllowed: Int32 = -25308
    static let missingEntitlement: Int32 = -34018
    #endif
}

/// A Keychain operation that failed; it names the item's operation and status, never a value.
struct KeychainFailure: Hashable, Sendable, CustomStringConvertible {
    enum Operation: String, Sendable {
        case read, write, delete
    }

    enum Cause: Hashable, Sendable {
        case status(Int32)
        /// Stored data that is not a device token (not UTF-8, or not a header value).
        case unreadableValue
    }

    let operation: Operation
    let cause: Cause

    var description: String {
        switch cause {
        case .unreadableValue:
            return "Clerk: the device token in the Keychain is unreadable (not a token); "
                + "it was removed and the user is signed out"
        case let .status(status):
            let consequence = switch operation {
            case .read: "treated as signed out for now; the item is kept"
            case .write: "the device token was not stored, so the next launch may be signed out"
            case .delete: "the device token could not be removed"
            }
            return "Clerk: Keychain \(operation.rawValue) failed with OSStatus \(status)"
                + "\(Self.explanation(status)); \(consequence)"
        }
    }

    private static func explanation(_ status: Int32) -> String {
        switch status {
        case KeychainStatus.interactionNotAllowed: " (the device has not been unlocked since it started)"
        case KeychainStatus.missingEntitlement: " (the app is not entitled to the Keychain access group)"
        default: ""
        }
    }
}
