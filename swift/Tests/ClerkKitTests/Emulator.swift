import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ClerkKit
import ClerkKitTesting

/// The control API (`/__emulator/...`, see `tests/emulator/README.md`) of the fake Clerk a
/// test runs against (`ClerkKitTesting.FakeClerk`, the emulator in this process), for what the
/// test kit does not offer itself: templates, organizations, raw faults, the request log.
/// Time moves only through `FakeClerk.advance(by:)`.
final class Emulator: @unchecked Sendable {
    /// Where the fake's clock starts: 2026-01-01T00:00:00Z.
    static let startMs: Int64 = 1_767_225_600_000

    /// The repository root, from this file's path (`swift/Tests/ClerkKitTests/Emulator.swift`).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // ClerkKitTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // swift
        .deletingLastPathComponent()  // repository root

    let url: URL
    private let http: URLSession

    init(_ fake: FakeClerk) throws {
        guard let url = URL(string: fake.frontendApiUrl) else {
            throw EmulatorError("the fake's URL is not a URL: \(fake.frontendApiUrl)")
        }
        self.url = url
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 60
        self.http = URLSession(configuration: configuration)
    }

    // MARK: - Control API

    func setSkew(ms: Int64) async throws {
        _ = try await control("POST", "skew", body: ["skew_ms": ms])
    }

    /// The server's time: the emulator clock plus skew.
    func serverNowMs() async throws -> Int64 {
        let clock = try await control("GET", "clock")
        guard let now = (clock as? [String: Any])?["server_now_ms"] as? NSNumber else {
            throw EmulatorError("no server_now_ms in \(clock)")
        }
        return now.int64Value
    }

    /// A sign-in token (ticket) for `userId`.
    func signInTicket(userId: String) async throws -> String {
        let answer = try await control("POST", "sign_in_tokens", body: ["user_id": userId])
        guard let ticket = (answer as? [String: Any])?["token"] as? String else {
            throw EmulatorError("no token in \(answer)")
        }
        return ticket
    }

    /// Queues one fault rule (or an array of rules), exactly the `/__emulator/faults` body.
    func inject(_ rule: Any) async throws {
        _ = try await control("POST", "faults", body: rule)
    }

    func releaseHangs() async throws {
        _ = try await control("POST", "release_hangs")
    }

    /// Revokes a session; `false` when the emulator does not know it.
    func revokeSession(id: String) async throws -> Bool {
        do {
            _ = try await control("POST", "sessions/\(id)/revoke")
            return true
        } catch let error as EmulatorError where error.status == 404 {
            return false
        }
    }

    /// Requests per route since the last reset of the counts.
    func counts() async throws -> [String: Int] {
        let answer = try await control("GET", "counts")
        guard let object = answer as? [String: Any] else {
            throw EmulatorError("counts are not an object: \(answer)")
        }
        var counts: [String: Int] = [:]
        for (route, value) in object {
            if let number = value as? NSNumber {
                counts[route] = number.intValue
            }
        }
        return counts
    }

    func count(_ route: String) async throws -> Int {
        try await counts()[route] ?? 0
    }

    /// The request log for one route, oldest first (header names in lower case).
    func requests(route: String) async throws -> [[String: Any]] {
        let answer = try await control("GET", "requests?route=\(route)")
        guard let requests = (answer as? [String: Any])?["requests"] as? [[String: Any]] else {
            throw EmulatorError("no requests in \(answer)")
        }
        return requests
    }

    func resetCounts() async throws {
        _ = try await control("POST", "counts/reset")
    }

    /// Returns once `route` has seen `count` requests (hanging requests count on arrival).
    func waitForRequests(_ route: String, count: Int, timeoutMs: Int = 10_000) async throws {
        _ = try await control("POST", "wait", body: ["route": route, "count": count, "timeout_ms": timeoutMs] as [String: Any])
    }

    /// One control call; the decoded JSON answer.
    @discardableResult
    func control(_ method: String, _ path: String, body: Any? = nil) async throws -> Any {
        guard let target = URL(string: "\(url.absoluteString)/__emulator/\(path)") else {
            throw EmulatorError("not a URL: \(url.absoluteString)/__emulator/\(path)")
        }
        var request = URLRequest(url: target)
        request.httpMethod = method
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "content-type")
        }
        let (data, response) = try await http.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw EmulatorError(
                "\(method) /__emulator/\(path): HTTP \(status) \(String(decoding: data, as: UTF8.self))",
                status: status
            )
        }
        return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    }
}

struct EmulatorError: Error, CustomStringConvertible {
    let description: String
    let status: Int?

    init(_ description: String, status: Int? = nil) {
        self.description = description
        self.status = status
    }
}

/// A device token store in memory, standing in for the Keychain.
final class MemoryTokenStore: DeviceTokenStore, @unchecked Sendable {
    private let lock = NSLock()
    private var token: String?
    private var saveCount = 0

    func load() -> String? {
        lock.lock()
        defer { lock.unlock() }
        return token
    }

    func save(token: String?) {
        lock.lock()
        defer { lock.unlock() }
        self.token = token
        saveCount += 1
    }

    var saves: Int {
        lock.lock()
        defer { lock.unlock() }
        return saveCount
    }
}
