import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest
@testable import ClerkKit
import ClerkKitTestingBindings

/// Runs every shared transport case in `tests/transport/*.json` through the facade's URLSession
/// transport, with the test kit's conformance runner (the fault servers on real sockets and
/// the checks are the same for reqwest and OkHttp).
final class TransportConformanceTests: XCTestCase {
    static let caseDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // ClerkKitTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // swift
        .deletingLastPathComponent()  // repository root
        .appendingPathComponent("tests/transport")

    /// swift-corelibs-foundation (Linux) delivers a task's cancellation only after libcurl has
    /// read on for a while: a body over the cap is still refused at once and nothing past the
    /// cap reaches the core, but the server may write well past 8 MiB before the connection
    /// closes. Apple's URLSession is not built on libcurl; on Apple platforms the full bound
    /// applies.
    #if canImport(FoundationNetworking)
    static let allowances: [ConformanceAllowance] = [.readsOnAfterCancel]
    #else
    static let allowances: [ConformanceAllowance] = []
    #endif

    func testEveryCasePassesOnTheDefaultSession() async throws {
        try await runEveryCase(through: URLSessionTransport())
    }

    /// The core's rules hold over an app's configuration that asks for the opposite of each.
    func testEveryCasePassesOverAnAppsConfiguration() async throws {
        try await runEveryCase(through: URLSessionTransport(configuration: Self.contraryConfiguration()))
    }

    func testTheAppsConfigurationIsCopiedWithTheCoresRulesOverIt() {
        let app = Self.contraryConfiguration()
        let used = URLSessionTransport.sessionConfiguration(from: app)
        XCTAssertFalse(used === app, "the app's object is never changed nor kept")
        XCTAssertNil(used.urlCache)
        XCTAssertEqual(used.requestCachePolicy, .reloadIgnoringLocalCacheData)
        XCTAssertNil(used.httpCookieStorage)
        XCTAssertFalse(used.httpShouldSetCookies)
        XCTAssertEqual(used.httpCookieAcceptPolicy, .never)
        XCTAssertNil(used.urlCredentialStorage)
        XCTAssertNil(used.httpAdditionalHeaders)
        XCTAssertEqual(used.timeoutIntervalForResource, URLSessionConfiguration.default.timeoutIntervalForResource)
        // What the app decides stays.
        XCTAssertEqual(used.httpMaximumConnectionsPerHost, 3)
        XCTAssertEqual(app.httpAdditionalHeaders?["X-App-Header"] as? String, "app")
        XCTAssertNotNil(app.urlCache)
    }

    private func runEveryCase(through transport: URLSessionTransport,
                              file: StaticString = #filePath, line: UInt = #line) async throws {
        // The kit lists the files as Rust does (sorted, each checked against the case schema).
        let cases = try transportConformanceCaseFiles(directory: Self.caseDirectory.path)
        XCTAssertEqual(cases.count, 22, "transport cases in \(Self.caseDirectory.path)", file: file, line: line)
        var failed = 0
        for caseFile in cases {
            let name = URL(fileURLWithPath: caseFile).lastPathComponent
            do {
                try await runTransportConformanceCaseAllowing(
                    transport: transport, caseFile: caseFile, allowances: Self.allowances)
            } catch let ConformanceError.Failed(detail) {
                failed += 1
                XCTFail("\(name):\n\(detail)", file: file, line: line)
            }
        }
        print("\(cases.count) transport cases, \(failed) failed")
    }

    /// An app's configuration wanting a cache, cookies, stored credentials, extra headers and a
    /// resource timeout far shorter than any request's.
    private static func contraryConfiguration() -> URLSessionConfiguration {
        let configuration = URLSessionConfiguration.default
        configuration.urlCache = URLCache(memoryCapacity: 1 << 20, diskCapacity: 0, diskPath: nil)
        configuration.requestCachePolicy = .returnCacheDataElseLoad
        configuration.httpCookieStorage = HTTPCookieStorage.shared
        configuration.httpShouldSetCookies = true
        configuration.httpCookieAcceptPolicy = .always
        configuration.urlCredentialStorage = URLCredentialStorage.shared
        configuration.httpAdditionalHeaders = ["X-App-Header": "app"]
        configuration.timeoutIntervalForResource = 0.05
        configuration.httpMaximumConnectionsPerHost = 3
        return configuration
    }
}
