import Foundation
import XCTest
@testable import ClerkKit
#if canImport(Security)
import Security
#endif

/// The attribute dictionaries the Keychain store hands to the Security framework: every query
/// names the one item in the data protection keychain, and writes make it readable after the
/// first unlock, on this device only.
final class KeychainQueryTests: XCTestCase {
    private typealias Name = KeychainQuery.Name
    private let item = KeychainItem(service: "com.clerk.clerk-kit", account: "clerkDeviceToken.clerk.example.com", accessGroup: nil)
    private let shared = KeychainItem(
        service: "com.clerk.clerk-kit", account: "clerkDeviceToken.clerk.example.com", accessGroup: "TEAM1234.com.example.shared"
    )
    private let data = Data("device-token".utf8)

    func testEveryQueryUsesTheDataProtectionKeychainAndNamesTheItem() {
        for item in [item, shared] {
            let queries: [(String, [String: Any])] = [
                ("copy", KeychainQuery.copy(item)),
                ("add", KeychainQuery.add(item, data: data)),
                ("update", KeychainQuery.update(item, data: data).query),
                ("delete", KeychainQuery.delete(item)),
            ]
            for (call, query) in queries {
                XCTAssertEqual(query[Name.useDataProtectionKeychain] as? Bool, true, "\(call): the data protection keychain")
                XCTAssertEqual(query[Name.itemClass] as? String, Name.genericPassword, call)
                XCTAssertEqual(query[Name.service] as? String, "com.clerk.clerk-kit", call)
                XCTAssertEqual(query[Name.account] as? String, "clerkDeviceToken.clerk.example.com", call)
                XCTAssertEqual(query[Name.accessGroup] as? String, item.accessGroup, "\(call): the access group when there is one")
            }
        }
    }

    func testEachCallAsksForExactlyWhatItNeeds() {
        let matching: Set<String> = [Name.itemClass, Name.service, Name.account, Name.useDataProtectionKeychain]

        let copy = KeychainQuery.copy(item)
        XCTAssertEqual(Set(copy.keys), matching.union([Name.returnData, Name.matchLimit]))
        XCTAssertEqual(copy[Name.returnData] as? Bool, true)
        XCTAssertEqual(copy[Name.matchLimit] as? String, Name.matchLimitOne)

        let add = KeychainQuery.add(item, data: data)
        XCTAssertEqual(Set(add.keys), matching.union([Name.valueData, Name.accessible]))
        XCTAssertEqual(add[Name.valueData] as? Data, data)
        XCTAssertEqual(add[Name.accessible] as? String, Name.afterFirstUnlockThisDeviceOnly)

        let (query, attributes) = KeychainQuery.update(item, data: data)
        XCTAssertEqual(Set(query.keys), matching, "an update matches the item; the data goes in the attributes")
        XCTAssertEqual(Set(attributes.keys), [Name.valueData, Name.accessible])
        XCTAssertEqual(attributes[Name.valueData] as? Data, data)
        XCTAssertEqual(attributes[Name.accessible] as? String, Name.afterFirstUnlockThisDeviceOnly)

        XCTAssertEqual(Set(KeychainQuery.delete(item).keys), matching)
        XCTAssertEqual(Set(KeychainQuery.delete(shared).keys), matching.union([Name.accessGroup]))
    }

    #if canImport(Security)
    /// The names are the framework's own constants, spelled out.
    func testTheNamesAreTheSecurityFrameworksConstants() {
        XCTAssertEqual(Name.itemClass, kSecClass as String)
        XCTAssertEqual(Name.genericPassword, kSecClassGenericPassword as String)
        XCTAssertEqual(Name.service, kSecAttrService as String)
        XCTAssertEqual(Name.account, kSecAttrAccount as String)
        XCTAssertEqual(Name.accessGroup, kSecAttrAccessGroup as String)
        XCTAssertEqual(Name.useDataProtectionKeychain, kSecUseDataProtectionKeychain as String)
        XCTAssertEqual(Name.accessible, kSecAttrAccessible as String)
        XCTAssertEqual(Name.afterFirstUnlockThisDeviceOnly, kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly as String)
        XCTAssertEqual(Name.valueData, kSecValueData as String)
        XCTAssertEqual(Name.returnData, kSecReturnData as String)
        XCTAssertEqual(Name.matchLimit, kSecMatchLimit as String)
        XCTAssertEqual(Name.matchLimitOne, kSecMatchLimitOne as String)
    }
    #endif
}
