import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest
@testable import ClerkKit
import ClerkKitTesting

/// Runs every shared scenario in `tests/scenarios/*.json` through the Swift facade, exactly as
/// that folder's README describes (the Rust runner is `core/tests/support/scenarios.rs`). The
/// runner fails on anything it does not execute: a key it never read, a value of the wrong
/// type, a step with no action or two, an action it does not know.
final class ScenarioTests: XCTestCase {
    static let scenarioDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // ClerkKitTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // swift
        .deletingLastPathComponent()  // repository root
        .appendingPathComponent("tests/scenarios")

    /// Every runner pins the count, so a file that goes missing is noticed.
    static let scenarioCount = 37

    func testEverySharedScenarioPasses() async throws {
        let files = try FileManager.default
            .contentsOfDirectory(at: Self.scenarioDirectory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        XCTAssertEqual(files.count, Self.scenarioCount, "scenario files in \(Self.scenarioDirectory.path)")

        var failures: [String] = []
        for file in files {
            do {
                try await ScenarioRunner.run(try JSONValue.parse(Data(contentsOf: file)))
            } catch {
                failures.append("\(file.lastPathComponent): \(error)")
            }
        }
        print("\(files.count) scenarios, \(failures.count) failed")
        XCTAssertTrue(failures.isEmpty, "failed scenarios:\n" + failures.joined(separator: "\n"))
    }

    /// What a runner that reads keys optionally would skip in silence fails here, naming the
    /// key: each of these passes with the offending key taken out. (Steps after a sign-in.)
    func testTheRunnerFailsOnWhatItDoesNotExecute() async throws {
        let broken: [(String, String)] = [
            (#"{"get_token": {}, "expect": {"min_remaining_sec": 9}}"#, "min_remaining_sec"),
            (#"{"get_token": {}, "expect": {"token": "true"}}"#, "token takes a boolean"),
            (#"{"get_token": {"skipCache": true}}"#, "skipCache"),
            (#"{"sign_out": false}"#, "sign_out takes true"),
            (#"{"advance_secs": 1, "revoke_session": true}"#, "exactly one action"),
            (#"{"expect": {"device_token_stored": true}}"#, "exactly one action"),
            (#"{"refresh": true}"#, "unknown action refresh"),
            (#"{"advance_secs": 1, "expect": {"token": true}}"#, "expect.token"),
            (#"{"sign_out": true, "expect": {"signed_in": false}}"#, "expect.signed_in"),
            (
                #"{"fault": {"route": "session_token", "fault": {"kind": "status", "status": 401, "code": "session_revoked"}}}, "#
                    + #"{"get_token": {"skip_cache": true}, "expect": {"error": {"kind": "api", "status": 401}, "label": "t"}}"#,
                "expect.label"
            ),
            (#"{"expect_requests": {"session_token": 0}, "note": "x"}"#, "exactly one action"),
            (#"{"network": "down"}"#, "network takes"),
            (#"{"network": false}"#, "network takes a string"),
            (#"{"flap_network": 1.5}"#, "flap_network takes a whole number"),
            (#"{"transport_offline": -1}"#, "transport_offline"),
            (#"{"get_token": {"deadline": 1}}"#, "deadline"),
            (#"{"get_token": {"deadline_secs": "1"}}"#, "deadline_secs takes a number"),
            // The kinds are told apart: offline is not a network error of reason unreachable.
            (#"{"network": "offline"}, {"get_token": {"skip_cache": true}, "expect": {"error": {"kind": "network"}}}"#, "not of kind network"),
            (#"{"transport_offline": 1}, {"get_token": {"skip_cache": true}, "expect": {"error": {"kind": "network"}}}"#, "not of kind network"),
        ]
        for (step, named) in broken {
            let scenario = #"{"name": "broken", "steps": [{"sign_in": "user_alice"}, "# + step + "]}"
            do {
                try await ScenarioRunner.run(try JSONValue.parse(Data(scenario.utf8)))
                XCTFail("\(step) passed")
            } catch {
                XCTAssertTrue("\(error)".contains(named), "\(step): \(error)")
            }
        }
        do {
            try await ScenarioRunner.run(try JSONValue.parse(Data(#"{"name": "x", "steps": [], "sever": {}}"#.utf8)))
            XCTFail("a misspelt top-level key passed")
        } catch {
            XCTAssertTrue("\(error)".contains("scenario.sever"), "\(error)")
        }
        do {
            let scenario = #"{"name": "x", "steps": [], "device": {"autorefresh": true}}"#
            try await ScenarioRunner.run(try JSONValue.parse(Data(scenario.utf8)))
            XCTFail("a misspelt device key passed")
        } catch {
            XCTAssertTrue("\(error)".contains("scenario.device.autorefresh"), "\(error)")
        }
    }

    /// The metrics check runs after every step: a request the engine did not make (sent to the
    /// fake by hand here) is one the metrics do not count, and the scenario fails there.
    func testTheRunnerFailsWhenTheMetricsDisagreeWithTheEmulator() async throws {
        let scenario = #"{"name": "x", "steps": [{"sign_in": "user_alice"}, {"advance_secs": 1}]}"#
        do {
            try await ScenarioRunner.run(try JSONValue.parse(Data(scenario.utf8))) { step, fake in
                guard step == 1 else { return }
                var request = URLRequest(url: URL(string: fake.frontendApiUrl + "/v1/client")!)
                request.setValue("close", forHTTPHeaderField: "Connection")
                _ = try await URLSession(configuration: .ephemeral).data(for: request)
            }
            XCTFail("a request the engine did not make passed")
        } catch {
            XCTAssertTrue("\(error)".contains("step 1"), "\(error)")
            XCTAssertTrue("\(error)".contains("the metrics count 0 requests, the emulator received 1"), "\(error)")
        }
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
    private let store = MemoryTokenStore()
    private let transport = DeviceTransport()
    private var session: Session?
    private var labels: [String: String] = [:]
    /// The engine's request count when the emulator's counts were last reset (at sign-in).
    private var metricsBaseline = 0
    /// Runs after each step (its index), before the metrics check (tests of the runner itself).
    private let afterStep: ((Int, FakeClerk) async throws -> Void)?

    /// Runs `scenario` and fails on anything in it that was not executed.
    static func run(_ scenario: JSONValue, afterStep: ((Int, FakeClerk) async throws -> Void)? = nil) async throws {
        let file = try ScenarioFields(scenario, path: "scenario")
        _ = try file.string("name")
        guard let steps = try file.array("steps") else {
            throw ScenarioFailure("no steps")
        }
        let runner = try await ScenarioRunner(
            server: try file.object("server"), device: try file.object("device"), afterStep: afterStep
        )
        try file.finish()
        try await runner.run(steps)
    }

    private init(
        server: ScenarioFields?, device: ScenarioFields?, afterStep: ((Int, FakeClerk) async throws -> Void)?
    ) async throws {
        self.afterStep = afterStep
        // The scenarios count time themselves: waits between retries do not move the clock.
        fake = try FakeClerk(backoffsAdvanceClock: false)
        emulator = try Emulator(fake)
        try await emulator.setSkew(ms: try server?.integer("skew_ms") ?? 0)
        var timeout = Clerk.defaultRequestTimeout
        if let ms = try device?.integer("request_timeout_ms") {
            timeout = Double(ms) / 1000
        }
        Clerk.shared.configure(
            frontendApiUrl: fake.frontendApiUrl,
            tokenStore: store,
            requestTimeout: timeout,
            // Off unless the file says so: the scenarios count on-demand requests, and no timer
            // sleeps. With it on, the fake's advance and setOnline wait for what it does.
            autoRefresh: try device?.bool("auto_refresh") ?? false,
            transport: transport
        )
    }

    private func run(_ steps: [JSONValue]) async throws {
        do {
            for (index, value) in steps.enumerated() {
                do {
                    try await step(try ScenarioFields(value, path: "step"))
                    try await afterStep?(index, fake)
                    try checkMetricsAgree()
                } catch {
                    throw ScenarioFailure("step \(index) \(Self.render(value)): \(error)")
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

    /// Exactly one action, then what any step may expect, then nothing left unread.
    private func step(_ step: ScenarioFields) async throws {
        let actions = step.keys.subtracting(["expect"])
        guard actions.count == 1, let action = actions.first else {
            throw ScenarioFailure("a step takes exactly one action, this one has \(actions.sorted())")
        }
        let expect = try step.object("expect") ?? ScenarioFields(.object([:]), path: "step.expect")
        switch action {
        case "sign_in":
            let user = try step.string("sign_in")!
            session = try await fake.signIn(userId: user)
            fake.resetRequestCounts()
            metricsBaseline = Clerk.shared.metrics.requests
        case "advance_secs":
            let seconds = try step.number("advance_secs")!
            try check(seconds >= 0, "advance_secs takes seconds from 0")
            await fake.advance(by: seconds)
        case "network":
            switch try step.string("network")! {
            case "offline": await fake.setOnline(false)
            case "online": await fake.setOnline(true)
            case let other: throw ScenarioFailure("network takes \"offline\" or \"online\", not \(other)")
            }
        case "flap_network":
            let changes = try step.integer("flap_network")!
            try check(changes >= 0, "flap_network takes a count from 0")
            for _ in 0..<changes {
                await fake.setOnline(!Clerk.shared.isOnline)
                await fake.advance(by: 0.1)
            }
        case "transport_offline":
            let attempts = try step.integer("transport_offline")!
            try check(attempts >= 0, "transport_offline takes a count from 0")
            transport.failOffline(attempts: Int(attempts))
        case "fault":
            try await emulator.inject(step.raw("fault")!.foundation)
        case "revoke_session":
            try step.flag("revoke_session")
            let revoked = try await emulator.revokeSession(id: try activeSession().id)
            try check(revoked, "unknown session")
        case "sign_out":
            try step.flag("sign_out")
            try await Clerk.shared.signOut()
        case "load":
            try step.flag("load")
            // The loaded session (or none) is the one later steps use, as in an app.
            session = try await Clerk.shared.load()
            if let signedIn = try expect.bool("signed_in") {
                try check((session != nil) == signedIn, "signed_in should be \(signedIn)")
            }
        case "get_token":
            let options = try Self.options(step.object("get_token")!)
            let session = try activeSession()
            let result: Result<TokenResource?, Error>
            do {
                result = .success(try await session.getToken(options))
            } catch {
                result = .failure(error)
            }
            try await checkResult(result, expect)
        case "get_token_concurrently":
            try await getTokenConcurrently(step.object("get_token_concurrently")!, expect)
        case "expect_requests":
            try await checkRequests(step.object("expect_requests")!)
        default:
            throw ScenarioFailure("unknown action \(action)")
        }
        if let stored = try expect.bool("device_token_stored") {
            try check((store.load() != nil) == stored, "device_token_stored should be \(stored)")
        }
        try step.finish()
    }

    private func getTokenConcurrently(_ call: ScenarioFields, _ expect: ScenarioFields) async throws {
        guard let callers = try call.integer("callers"), callers > 0 else {
            throw ScenarioFailure("get_token_concurrently needs at least one caller")
        }
        let options = try Self.options(call.object("options"))
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
    }

    private func checkResult(_ result: Result<TokenResource?, Error>, _ expect: ScenarioFields) async throws {
        switch (result, try expect.object("error")) {
        case let (.failure(error), .some(wanted)):
            try Self.checkError(error, wanted)
        case let (.failure(error), .none):
            throw ScenarioFailure("unexpected error: \(error)")
        case let (.success, .some(wanted)):
            throw ScenarioFailure("expected error \(wanted.keys.sorted()), got a result")
        case let (.success(token), .none):
            try await checkToken(token, expect)
        }
        if let active = try expect.bool("session_active") {
            try check(try activeSession().isActive == active, "session_active should be \(active)")
        }
        if let slept = try expect.array("slept_secs") {
            // Every wait between retries since the scenario began (its fake is its own): the
            // kit records each backoff and `Retry-After` wait, and with background refresh off
            // the engine waits for nothing else.
            let wanted = try slept.map { value -> Int64 in
                guard case let .number(seconds) = value else {
                    throw ScenarioFailure("slept_secs takes numbers, not \(value.kind)")
                }
                return Int64((seconds * 1000).rounded())
            }
            let actual = fake.backoffs.map { Int64(($0 * 1000).rounded()) }
            try check(actual == wanted, "slept \(actual) ms, expected \(wanted) ms")
        }
        if let counts = try expect.object("requests") {
            try await checkRequests(counts)
        }
    }

    private func checkToken(_ token: TokenResource?, _ expect: ScenarioFields) async throws {
        if let wanted = try expect.bool("token") {
            try check((token != nil) == wanted, "token should be \(wanted)")
        }
        guard let token else {
            let needsToken = ["label", "same_as", "differs_from", "min_remaining_secs", "lifetime_secs"]
            try check(!needsToken.contains { expect.raw($0) != nil }, "no token came back")
            return
        }
        if let name = try expect.string("same_as") {
            try check(labels[name] == token.jwt, "token should be the same as \(name)")
        }
        if let name = try expect.string("differs_from") {
            guard let known = labels[name] else {
                throw ScenarioFailure("no token labelled \(name)")
            }
            try check(known != token.jwt, "token should differ from \(name)")
        }
        if let min = try expect.number("min_remaining_secs") {
            let serverNow = try await emulator.serverNowMs()
            let remaining = token.expiresAt * 1000 - serverNow
            try check(Double(remaining) > min * 1000, "\(remaining) ms left, wanted more than \(min) s")
        }
        if let lifetime = try expect.integer("lifetime_secs") {
            let actual = token.expiresAt - token.issuedAt
            try check(actual == lifetime, "lifetime \(actual)")
        }
        if let name = try expect.string("label") {
            labels[name] = token.jwt
        }
    }

    /// The engine's own request count never drifts from what the emulator received. An attempt
    /// is counted when it ends, so while one is still out (a call left it at its deadline) the
    /// emulator may be ahead; the next step that waits for it checks equality again.
    private func checkMetricsAgree() throws {
        let total = Clerk.shared.metrics.requests
        // Read after the count: equal means no attempt was out when the count was taken.
        let inFlight = transport.attemptsSent - total
        let counted = total - metricsBaseline
        let received = fake.requestCount(.any)
        let agree = inFlight == 0 ? counted == received : counted <= received
        try check(agree, "the metrics count \(counted) requests, the emulator received \(received)")
    }

    /// Request counts per route since sign-in; a route the emulator does not count fails.
    private func checkRequests(_ counts: ScenarioFields) async throws {
        let actual = try await emulator.counts()
        for route in counts.keys.sorted() {
            guard let wanted = try counts.integer(route) else {
                continue
            }
            guard let known = actual[route] else {
                throw ScenarioFailure("unknown route \(route)")
            }
            try check(Int64(known) == wanted, "\(route): \(known) requests, expected \(wanted)")
        }
    }

    private static func checkError(_ error: Error, _ wanted: ScenarioFields) throws {
        let kind: String
        switch error as? ClerkError {
        case .api?: kind = "api"
        case .network(_, .unreachable)?: kind = "network"
        case .network(_, .offline)?: kind = "offline"
        case .timeout?: kind = "timeout"
        case .invalidResponse?: kind = "invalid_response"
        case .configuration?: kind = "configuration"
        case .cancelled?: kind = "cancelled"
        case .internal?: kind = "internal"
        case nil: kind = "not a ClerkError (\(type(of: error)))"
        }
        let wantedKind = try wanted.string("kind")
        try check(kind == wantedKind, "error \(error) is not of kind \(wantedKind ?? "?")")
        let clerkError = error as? ClerkError
        if let status = try wanted.integer("status") {
            try check(clerkError?.status == Int(status), "error \(error): status should be \(status)")
        }
        if let code = try wanted.string("code") {
            try check(clerkError?.code == code, "error \(error): code should be \(code)")
        }
    }

    /// `get_token` options; absent keys keep the SDK defaults.
    private static func options(_ object: ScenarioFields?) throws -> GetTokenOptions {
        let defaults = GetTokenOptions()
        return GetTokenOptions(
            template: try object?.string("template"),
            expirationBuffer: try object?.number("expiration_buffer").map { max($0, 0) } ?? defaults.expirationBuffer,
            skipCache: try object?.bool("skip_cache") ?? defaults.skipCache,
            organizationId: try object?.string("organization_id"),
            deadline: try object?.number("deadline_secs")
        )
    }

    private static func render(_ step: JSONValue) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: step.foundation, options: [.sortedKeys]) else {
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
