import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A stand-in for an app's own backend, served by the emulator on 127.0.0.1 (its
/// `/__emulator/app_backends` routes), so the same tests run on Linux and on Apple platforms.
/// It answers 200 with the token's `sub` for `Authorization: Bearer <jwt>` when the JWT is
/// signed by the emulator and was not `reject`ed (as if revoked), and 401 otherwise;
/// `alwaysUnauthorized` answers 401 to everything. Every request is recorded in `hits()`.
struct AppBackend: Sendable {
    /// One request as the backend saw it.
    struct Hit: Equatable {
        let method: String
        let authorization: String?
        let body: String
    }

    let url: URL
    private let id: String
    private let emulator: Emulator

    /// A new backend served by the test's fake Clerk.
    static func start(on emulator: Emulator, alwaysUnauthorized: Bool = false) async throws -> AppBackend {
        let answer = try await emulator.control("POST", "app_backends", body: ["always_unauthorized": alwaysUnauthorized])
        guard let object = answer as? [String: Any],
              let id = object["id"] as? String,
              let address = object["url"] as? String,
              let url = URL(string: address)
        else {
            throw EmulatorError("the emulator made no app backend: \(answer)")
        }
        return AppBackend(url: url, id: id, emulator: emulator)
    }

    /// Every request so far, oldest first.
    func hits() async throws -> [Hit] {
        let answer = try await emulator.control("GET", "app_backends/\(id)/hits")
        guard let hits = (answer as? [String: Any])?["hits"] as? [[String: Any]] else {
            throw EmulatorError("no hits in \(answer)")
        }
        return hits.map { hit in
            Hit(
                method: hit["method"] as? String ?? "",
                authorization: hit["authorization"] as? String,
                body: hit["body"] as? String ?? ""
            )
        }
    }

    /// From now on, `jwt` is answered with 401.
    func reject(_ jwt: String) async throws {
        try await emulator.control("POST", "app_backends/\(id)/reject", body: ["token": jwt])
    }
}
