import Foundation
import XCTest
@testable import ClerkKit
import ClerkKitTesting

/// Runs every shared scenario in `tests/scenarios/*.json` through the Swift facade, exactly as
/// that folder's README describes (the Rust runner is `core/tests/scenarios.rs`).
final class ScenarioTests: XCTestCase {
    static let scenarioDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // ClerkKitTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // swift
        .deletingLastPathComponent()  // repository root
        .appendingPathComponent("tests/scenarios")

    func testEverySharedScenarioPasses() async throws {
        let files = try FileManager.default
            .contentsOfDirectory(at: Self.scenarioDirectory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        XCTAssertGreaterThanOrEqual(files.count, 20, "expected at least 20 scenarios in \(Self.scenarioDirectory.path)")

        var failures: [String] = []
        for file in files {
            do {
                let json = try JSONSerialization.jsonObject(with: Data(contentsOf: file))
                guard let scenario = json as? [String: Any] else {
                    throw ScenarioFailure("not a JSON object")
                }
                let runner = try await ScenarioRunner(scenario: scenario)
                try await runner.run(scenario)
            } catch {
                failures.append("\(file.lastPathComponent): \(error)")
            }
        }
        print("\(files.count) scenarios, \(failures.count) failed")
        XCTAssertTrue(failures.isEmpty, "failed scenarios:\n" + failures.joined(separator: "\n"))
    }
}

struct ScenarioFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// One scenario: a fake Clerk of its own (the SDK on its clock), an in-memory device token
/// store and `Clerk.shared` configured afresh.
final class ScenarioRunner {
    private let fake: FakeClerk
    private let emulator: Emulator
    private var session: Session?
    private var labels: [String: String] = [:]

    init(scenario: [String: Any]) async throws {
        // The vectors count time themselves: waits between retries do not move the clock.
        fake = try FakeClerk(backoffsAdvanceClock: false)
        emulator = try Emulator(fake)
        let server = scenario["server"] as? [String: Any] ?? [:]
        try await emulator.setSkew(ms: (server["skew_ms"] as? NSNumber)?.int64Value ?? 0)

        let device = scenario["device"] as? [String: Any] ?? [:]
        var timeout = Clerk.defaultRequestTimeout
        if let ms = device["request_timeout_ms"] as? NSNumber {
            timeout = ms.doubleValue / 1000
        }
        Clerk.shared.configure(
            frontendApiUrl: fake.frontendApiUrl,
            tokenStore: MemoryTokenStore(),
            requestTimeout: timeout,
            autoRefresh: false  // the scenarios count on-demand requests
        )
    }

    func run(_ scenario: [String: Any]) async throws {
        guard let steps = scenario["steps"] as? [[String: Any]] else {
            throw ScenarioFailure("no steps")
        }
        do {
            for (index, step) in steps.enumerated() {
                do {
                    try await self.step(step)
                } catch {
                    throw ScenarioFailure("step \(index) \(Self.render(step)): \(error)")
                }
            }
        } catch {
            try? await emulator.releaseHangs()
            throw error
        }
        try await emulator.releaseHangs()
    }

    private func activeSession() throws -> Session {
        guard let session else {
            throw ScenarioFailure("no session: sign_in first")
        }
        return session
    }

    private func step(_ step: [String: Any]) async throws {
        let expect = step["expect"] as? [String: Any] ?? [:]
        if let value = step["sign_in"] {
            guard let user = value as? String else {
                throw ScenarioFailure("sign_in takes a user id")
            }
            session = try await fake.signIn(userId: user)
            fake.resetRequestCounts()
        } else if let value = step["advance_secs"] {
            guard let seconds = value as? NSNumber else {
                throw ScenarioFailure("advance_secs takes seconds")
            }
            await fake.advance(by: seconds.doubleValue)
        } else if let rule = step["fault"] {
            try await emulator.inject(rule)
        } else if step["revoke_session"] != nil {
            let id = try activeSession().id
            let revoked = try await emulator.revokeSession(id: id)
            guard revoked else {
                throw ScenarioFailure("unknown session")
            }
        } else if step["sign_out"] != nil {
            try await Clerk.shared.signOut()
        } else if step["load"] != nil {
            try await Clerk.shared.load()
            if let signedIn = expect["signed_in"] as? Bool {
                try check((Clerk.shared.session != nil) == signedIn, "signed_in should be \(signedIn)")
            }
        } else if let options = step["get_token"] {
            let session = try activeSession()
            let result: Result<TokenResource?, Error>
            do {
                result = .success(try await session.getToken(Self.options(options)))
            } catch {
                result = .failure(error)
            }
            try await checkResult(result, expect)
        } else if let concurrent = step["get_token_concurrently"] as? [String: Any] {
            guard let callers = (concurrent["callers"] as? NSNumber)?.intValue else {
                throw ScenarioFailure("callers")
            }
            let options = Self.options(concurrent["options"])
            let session = try activeSession()
            let results = await withTaskGroup(of: Result<TokenResource?, Error>.self) { group in
                for _ in 0..<callers {
                    group.addTask {
                        do {
                            return .success(try await session.getToken(options))
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                var all: [Result<TokenResource?, Error>] = []
                for await result in group {
                    all.append(result)
                }
                return all
            }
            for result in results {
                try await checkResult(result, expect)
            }
            let jwts = results.map { result -> String? in
                if case let .success(token) = result {
                    return token?.jwt
                }
                return nil
            }
            try check(jwts.allSatisfy { $0 == jwts.first ?? nil }, "concurrent callers got different tokens")
        } else if let counts = step["expect_requests"] {
            try await checkRequests(counts)
        } else {
            throw ScenarioFailure("unknown step")
        }
    }

    private func checkResult(_ result: Result<TokenResource?, Error>, _ expect: [String: Any]) async throws {
        switch (result, expect["error"]) {
        case let (.failure(error), .some(wanted)):
            try Self.checkError(error, wanted as? [String: Any] ?? [:])
        case let (.failure(error), .none):
            throw ScenarioFailure("unexpected error: \(error)")
        case let (.success, .some(wanted)):
            throw ScenarioFailure("expected error \(wanted), got a result")
        case let (.success(token), .none):
            try await checkToken(token, expect)
        }
        if let active = expect["session_active"] as? Bool {
            try check(try activeSession().isActive == active, "session_active should be \(active)")
        }
        if let slept = expect["slept_secs"] as? [Any] {
            let wanted = slept.map { Int64((($0 as? NSNumber)?.doubleValue ?? -1) * 1000) }
            let actual = fake.backoffs.map { Int64(($0 * 1000).rounded()) }
            try check(actual == wanted, "slept \(actual) ms, expected \(wanted) ms")
        }
        try await checkRequests(expect["requests"])
    }

    private func checkToken(_ token: TokenResource?, _ expect: [String: Any]) async throws {
        if let wanted = expect["token"] as? Bool {
            try check((token != nil) == wanted, "token should be \(wanted)")
        }
        guard let token else {
            let needsToken = ["label", "same_as", "differs_from", "min_remaining_secs", "lifetime_secs"]
            try check(!needsToken.contains { expect[$0] != nil }, "no token came back")
            return
        }
        if let name = expect["same_as"] as? String {
            try check(labels[name] == token.jwt, "token should be the same as \(name)")
        }
        if let name = expect["differs_from"] as? String {
            guard let known = labels[name] else {
                throw ScenarioFailure("no token labelled \(name)")
            }
            try check(known != token.jwt, "token should differ from \(name)")
        }
        if let min = expect["min_remaining_secs"] as? NSNumber {
            let serverNow = try await emulator.serverNowMs()
            let remaining = token.expiresAt * 1000 - serverNow
            try check(Double(remaining) > min.doubleValue * 1000, "\(remaining) ms left, wanted more than \(min) s")
        }
        if let lifetime = expect["lifetime_secs"] as? NSNumber {
            let actual = token.expiresAt - token.issuedAt
            try check(actual == lifetime.int64Value, "lifetime \(actual)")
        }
        if let name = expect["label"] as? String {
            labels[name] = token.jwt
        }
    }

    private func checkRequests(_ counts: Any?) async throws {
        guard let counts = counts as? [String: Any] else {
            return
        }
        let actual = try await emulator.counts()
        for (route, wanted) in counts.sorted(by: { $0.key < $1.key }) {
            guard let known = actual[route] else {
                throw ScenarioFailure("unknown route \(route)")
            }
            let expected = (wanted as? NSNumber)?.intValue
            try check(known == expected, "\(route): \(known) requests, expected \(wanted)")
        }
    }

    private static func checkError(_ error: Error, _ wanted: [String: Any]) throws {
        let kind: String
        switch error as? ClerkError {
        case .api?:
            kind = "api"
        case .network?:
            kind = "network"
        case .timeout?:
            kind = "timeout"
        case .invalidResponse?:
            kind = "invalid_response"
        case .configuration?:
            kind = "configuration"
        case .cancelled?:
            kind = "cancelled"
        case .internal?:
            kind = "internal"
        case nil:
            kind = "not a ClerkError (\(type(of: error)))"
        }
        let wantedKind = wanted["kind"] as? String
        try check(kind == wantedKind, "error \(error) is not of kind \(wantedKind ?? "?")")
        let clerkError = error as? ClerkError
        if let status = wanted["status"] as? NSNumber {
            try check(clerkError?.status == status.intValue, "error \(error): status should be \(status)")
        }
        if let code = wanted["code"] as? String {
            try check(clerkError?.code == code, "error \(error): code should be \(code)")
        }
    }

    /// `get_token` options; absent keys keep the SDK defaults.
    private static func options(_ value: Any?) -> GetTokenOptions {
        let object = value as? [String: Any] ?? [:]
        let defaults = GetTokenOptions()
        var buffer = defaults.expirationBuffer
        if let seconds = object["expiration_buffer"] as? NSNumber {
            buffer = max(seconds.doubleValue, 0)
        }
        return GetTokenOptions(
            template: object["template"] as? String,
            expirationBuffer: buffer,
            skipCache: object["skip_cache"] as? Bool ?? defaults.skipCache,
            organizationId: object["organization_id"] as? String
        )
    }

    private static func render(_ step: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: step, options: [.sortedKeys]) else {
            return "\(step)"
        }
        return String(decoding: data, as: UTF8.self)
    }
}

private func check(_ condition: Bool, _ why: @autoclosure () -> String) throws {
    if !condition {
        throw ScenarioFailure(why())
    }
}
