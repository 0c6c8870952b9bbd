import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A `clerk-emulator` to talk to: the one at `CLERK_EMULATOR_URL`, or a process of the binary
/// at `CLERK_EMULATOR_BIN` started for this program (it exits when this program does, as it
/// reads its stdin). Only the few control calls the demo and the benchmark need.
public final class LocalEmulator: @unchecked Sendable {
    public let url: URL
    private let process: Process?
    private let stdin: Pipe?

    public init() throws {
        let environment = ProcessInfo.processInfo.environment
        if let address = environment["CLERK_EMULATOR_URL"], !address.isEmpty {
            guard let url = URL(string: address) else { throw LocalEmulatorError("CLERK_EMULATOR_URL is not a URL") }
            self.url = url
            process = nil
            stdin = nil
            return
        }
        guard let binary = environment["CLERK_EMULATOR_BIN"], FileManager.default.isExecutableFile(atPath: binary) else {
            throw LocalEmulatorError("set CLERK_EMULATOR_URL to a running emulator or CLERK_EMULATOR_BIN to target/<profile>/clerk-emulator")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--port", "0", "--clock", "real"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        // Its first stdout line is `CLERK_EMULATOR_URL=http://127.0.0.1:PORT`.
        var received = Data()
        while !received.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            received.append(chunk)
        }
        let line = String(decoding: received, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        let prefix = "CLERK_EMULATOR_URL="
        guard line.hasPrefix(prefix), let url = URL(string: String(line.dropFirst(prefix.count))) else {
            process.terminate()
            throw LocalEmulatorError("the emulator did not announce its URL")
        }
        self.url = url
        self.process = process
        self.stdin = input
    }

    deinit {
        process?.terminate()
    }

    /// A sign-in ticket for `userId`, as an app's backend would create with the Backend API.
    public func signInTicket(userId: String) async throws -> String {
        let answer = try await control("POST", "sign_in_tokens", body: ["user_id": userId])
        guard let ticket = (answer as? [String: Any])?["token"] as? String else {
            throw LocalEmulatorError("the emulator made no sign-in token")
        }
        return ticket
    }

    /// Token requests per route since the last reset of the counts.
    public func tokenRequests() async throws -> Int {
        let counts = try await control("GET", "counts") as? [String: Any] ?? [:]
        return ["session_token", "template_token"].reduce(0) { $0 + ((counts[$1] as? NSNumber)?.intValue ?? 0) }
    }

    public func resetCounts() async throws {
        _ = try await control("POST", "counts/reset")
    }

    private func control(_ method: String, _ path: String, body: [String: Any]? = nil) async throws -> Any {
        guard let target = URL(string: "\(url.absoluteString)/__emulator/\(path)") else {
            throw LocalEmulatorError("not a URL: \(path)")
        }
        var request = URLRequest(url: target)
        request.httpMethod = method
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "content-type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let status = (response as? HTTPURLResponse)?.statusCode, (200..<300).contains(status) else {
            throw LocalEmulatorError("\(method) /__emulator/\(path) failed")
        }
        return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    }
}

public struct LocalEmulatorError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
