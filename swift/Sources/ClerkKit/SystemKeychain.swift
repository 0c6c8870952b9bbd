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

/// The Security framework's item calls for one generic password item, with the queries
/// `KeychainQuery` builds. Nothing else in the SDK touches the Keychain; the store's logic on
/// top is plain Swift.
struct SystemKeychain: KeychainOperations {
    func copy(_ item: KeychainItem) -> (status: Int32, data: Data?) {
        var result: CFTypeRef?
        let status = SecItemCopyMatching(KeychainQuery.copy(item) as CFDictionary, &result)
        return (status, result as? Data)
    }

    func add(_ item: KeychainItem, data: Data) -> Int32 {
        SecItemAdd(KeychainQuery.add(item, data: data) as CFDictionary, nil)
    }

    func update(_ item: KeychainItem, data: Data) -> Int32 {
        let (query, attributes) = KeychainQuery.update(item, data: data)
        return SecItemUpdate(query as CFDictionary, attributes as CFDictionary)
    }

    func delete(_ item: KeychainItem) -> Int32 {
        SecItemDelete(KeychainQuery.delete(item) as CFDictionary)
    }
}
#endif
