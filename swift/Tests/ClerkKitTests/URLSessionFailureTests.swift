import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest
@testable import ClerkKit
import ClerkKitBindings

/// What the engine is told about a failed URLSession task: the codes that mean the device has
/// no network are `offline` (the call fails at once), the rest stay network failures or
/// timeouts (retried).
final class URLSessionFailureTests: XCTestCase {
    func testNoNetworkOnTheDeviceIsOffline() {
        for code in [URLError.Code.notConnectedToInternet, .dataNotAllowed, .internationalRoamingOff] {
            guard case let .offline(detail) = URLSessionExchange.failure(for: URLError(code)) else {
                XCTFail("URLError \(code.rawValue): \(URLSessionExchange.failure(for: URLError(code)))")
                continue
            }
            XCTAssertTrue(detail.contains("URLError \(code.rawValue)"), detail)
        }
        // As FoundationNetworking reports some failures: a plain NSError of the URL domain.
        let plain = NSError(domain: NSURLErrorDomain, code: NSURLErrorNotConnectedToInternet)
        guard case .offline = URLSessionExchange.failure(for: plain) else {
            return XCTFail("\(URLSessionExchange.failure(for: plain))")
        }
    }

    func testAServerOutOfReachIsANetworkFailureAndATimeoutATimeout() {
        let unreachable: [URLError.Code] = [
            .cannotConnectToHost, .cannotFindHost, .dnsLookupFailed, .networkConnectionLost, .secureConnectionFailed,
            .badServerResponse,
        ]
        for code in unreachable {
            guard case .network = URLSessionExchange.failure(for: URLError(code)) else {
                XCTFail("URLError \(code.rawValue): \(URLSessionExchange.failure(for: URLError(code)))")
                continue
            }
        }
        guard case .timeout = URLSessionExchange.failure(for: URLError(.timedOut)) else {
            return XCTFail("\(URLSessionExchange.failure(for: URLError(.timedOut)))")
        }
        guard case .network = URLSessionExchange.failure(for: NSError(domain: "other", code: NSURLErrorNotConnectedToInternet)) else {
            return XCTFail("another domain's code is not URLSession's")
        }
    }
}
