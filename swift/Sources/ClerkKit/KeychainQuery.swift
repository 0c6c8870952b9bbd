import Foundation

/// The attribute dictionaries `SystemKeychain` hands to the Security framework, one per item
/// call. Plain Swift, so the tests check them on every platform.
///
/// Every query asks for the data protection keychain: on macOS the item would otherwise go to
/// the file-based login keychain, where `…ThisDeviceOnly` and access groups do not apply and
/// the item travels with backups and Migration Assistant. On iOS it is the only keychain.
enum KeychainQuery {
    /// The Security framework's attribute names and values, spelled as the framework defines
    /// its constants (`kSecClass` is `"class"`, and so on): the same dictionaries are built
    /// where Security does not exist, and `kSecUseDataProtectionKeychain` needs no
    /// availability check on the platforms the package does not declare. On Apple platforms
    /// `KeychainQueryTests` pins each to the framework's constant.
    enum Name {
        static let itemClass = "class"  // kSecClass
        static let genericPassword = "genp"  // kSecClassGenericPassword
        static let service = "svce"  // kSecAttrService
        static let account = "acct"  // kSecAttrAccount
        static let accessGroup = "agrp"  // kSecAttrAccessGroup
        static let useDataProtectionKeychain = "nleg"  // kSecUseDataProtectionKeychain
        static let accessible = "pdmn"  // kSecAttrAccessible
        static let afterFirstUnlockThisDeviceOnly = "cku"  // kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        static let valueData = "v_Data"  // kSecValueData
        static let returnData = "r_Data"  // kSecReturnData
        static let matchLimit = "m_Limit"  // kSecMatchLimit
        static let matchLimitOne = "m_LimitOne"  // kSecMatchLimitOne
    }

    /// `SecItemCopyMatching`: the item's data.
    static func copy(_ item: KeychainItem) -> [String: Any] {
        var query = matching(item)
        query[Name.returnData] = true
        query[Name.matchLimit] = Name.matchLimitOne
        return query
    }

    /// `SecItemAdd`: readable after the first unlock, on this device only.
    static func add(_ item: KeychainItem, data: Data) -> [String: Any] {
        var query = matching(item)
        query[Name.valueData] = data
        query[Name.accessible] = Name.afterFirstUnlockThisDeviceOnly
        return query
    }

    /// `SecItemUpdate`: the data, and the accessibility too, so an item written with another
    /// one is brought in line.
    static func update(_ item: KeychainItem, data: Data) -> (query: [String: Any], attributes: [String: Any]) {
        (matching(item), [Name.valueData: data, Name.accessible: Name.afterFirstUnlockThisDeviceOnly])
    }

    /// `SecItemDelete`.
    static func delete(_ item: KeychainItem) -> [String: Any] {
        matching(item)
    }

    /// What names the item, in every query.
    private static func matching(_ item: KeychainItem) -> [String: Any] {
        var query: [String: Any] = [
            Name.itemClass: Name.genericPassword,
            Name.service: item.service,
            Name.account: item.account,
            Name.useDataProtectionKeychain: true,
        ]
        if let group = item.accessGroup {
            query[Name.accessGroup] = group
        }
        return query
    }
}
