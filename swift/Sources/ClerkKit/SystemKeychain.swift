#if canImport(Security)
import Foundation
import Security
#if canImport(os)
import os
#endif

extension KeychainDeviceTokenStore {
    /// The Keychain store for the instance of this publishable key: what
    /// `Clerk.shared.configure(publishableKey:)` uses when given no store. Pass your own to
    /// share the token with app extensions through a Keychain access group (the app and each
    /// extension need it in their `keychain-access-groups` entitlement).
    public convenience init(publishableKey: String, accessGroup: String? = nil) {
        self.init(
            item: KeychainDeviceTokenStore.item(publishableKey: publishableKey, frontendApiUrl: nil, accessGroup: accessGroup),
            keychain: SystemKeychain(),
            report: { KeychainDeviceTokenStore.log($0) }
        )
    }

    /// The Keychain store for the instance at this Frontend API URL; otherwise as
    /// `init(publishableKey:accessGroup:)`.
    public convenience init(frontendApiUrl: String, accessGroup: String? = nil) {
        self.init(
            item: KeychainDeviceTokenStore.item(publishableKey: nil, frontendApiUrl: frontendApiUrl, accessGroup: accessGroup),
            keychain: SystemKeychain(),
            report: { KeychainDeviceTokenStore.log($0) }
        )
    }

    static func log(_ failure: KeychainFailure) {
        #if canImport(os)
        if #available(iOS 14, macOS 11, tvOS 14, watchOS 7, *) {
            Logger(subsystem: KeychainDeviceTokenStore.service, category: "keychain")
                .error("\(failure.description, privacy: .public)")
        }
        #endif
    }
}

/// The Security framework's item calls for one generic password item. Nothing else in the
/// SDK touches the Keychain; the store's logic on top is plain Swift.
struct SystemKeychain: KeychainOperations {
    func copy(_ item: KeychainItem) -> (status: Int32, data: Data?) {
        var query = Self.query(item)
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var result: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &result)
        return (status, result as? Data)
    }

    func add(_ item: KeychainItem, data: Data) -> Int32 {
        var query = Self.query(item)
        query[kSecValueData as String] = data
        query[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        return SecItemAdd(query as CFDictionary, nil)
    }

    func update(_ item: KeychainItem, data: Data) -> Int32 {
        // The accessibility too, so an item written with another one is brought in line.
        let attributes: [String: Any] = [
            kSecValueData as String: data,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
        ]
        return SecItemUpdate(Self.query(item) as CFDictionary, attributes as CFDictionary)
    }

    func delete(_ item: KeychainItem) -> Int32 {
        SecItemDelete(Self.query(item) as CFDictionary)
    }

    private static func query(_ item: KeychainItem) -> [String: Any] {
        var query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: item.service,
            kSecAttrAccount as String: item.account,
        ]
        if let group = item.accessGroup {
            query[kSecAttrAccessGroup as String] = group
        }
        return query
    }
}
#endif
