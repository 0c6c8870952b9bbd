import ClerkKit
import ClerkKitTesting
import Foundation
import LocalEmulator
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

// A token refresh through the facade (`getToken(skipCache: true)`: the engine, its single
// flight and retry policy, the URLSession transport) next to the same POST sent directly with
// URLSession, against the test kit's fake Clerk in this process, taking turns in one run.

/// The device token, kept where the direct request can read it.
final class BenchTokenStore: DeviceTokenStore, @unchecked Sendable {
    private let lock = NSLock()
    private var token: String?

    func load() -> String? {
        lock.lock()
        defer { lock.unlock() }
        return token
    }

    func save(token: String?) {
        lock.lock()
        defer { lock.unlock() }
        self.token = token
    }
}

func benchmarkRefresh(rounds: Int) async throws -> [[String: String]] {
    let batch = 20
    let fake = try FakeClerk()
    let store = BenchTokenStore()
    Clerk.shared.configure(frontendApiUrl: fake.frontendApiUrl, tokenStore: store, autoRefresh: false)
    let session = try await fake.signIn(userId: "user_bench")
    let refresh = GetTokenOptions(skipCache: true)
    guard try await session.getToken(refresh) != nil else {
        throw LocalEmulatorError("no token after signing in")
    }
    // The engine's request exactly as the fake received it, to be sent again directly.
    let direct = try await lastTokenRequest(of: fake, deviceToken: store.load())
    let urlSession = URLSession(configuration: .ephemeral)
    // A direct request's answer must be what the facade gets: a token.
    let send: @Sendable (URLRequest) async throws -> Int = { request in
        let (data, response) = try await urlSession.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200, data.count > 100 else {
            throw LocalEmulatorError("the direct request was answered \(response)")
        }
        return data.count
    }
    _ = try await send(direct)

    // On Linux the transport closes each connection (`Connection: close`, see swift/README.md),
    // and so does `direct`; the same request on a reused connection shows what that costs.
    var reusing = direct
    reusing.setValue(nil, forHTTPHeaderField: "Connection")
    _ = try await send(reusing)

    fake.resetRequestCounts()
    let medians = try await measure(rounds: rounds, batch: batch, [
        {
            guard let token = try await session.getToken(refresh) else {
                throw LocalEmulatorError("a refresh returned no token")
            }
            return token.jwt.utf8.count
        },
        { try await send(direct) },
        { try await send(reusing) },
    ])
    let (facade, baseline, reused) = (medians[0], medians[1], medians[2])
    // One each per call: the direct requests always make one, so the facade made one too.
    let requests = fake.requestCount(.sessionToken)
    guard requests == 3 * rounds * batch else {
        throw LocalEmulatorError("\(requests) token requests for \(3 * rounds * batch) calls")
    }
    try await Clerk.shared.signOut()

    let headers = direct.allHTTPHeaderFields ?? [:]
    let connection = headers.first { $0.key.lowercased() == "connection" }?.value
    return [
        [
            "benchmark": "swift/token_refresh (facade, skipCache)",
            "median": format(facade),
            "note": String(format: "%.2f x the direct URLSession POST (target 1.2 x); URLSessionTransport against the test kit's fake", facade / baseline),
            "requests": "1 per call",
        ],
        [
            "benchmark": "swift/token_refresh_direct_urlsession",
            "median": format(baseline),
            "note": "the same POST (URL, headers\(connection.map { ", Connection: \($0)" } ?? ""), body) with URLSession.data(for:), same run",
            "requests": "1 per call",
        ],
        [
            "benchmark": "swift/token_refresh_direct_urlsession_reused_connection",
            "median": format(reused),
            "note": String(format: "the same POST without Connection: close; the facade is %.2f x this", facade / reused),
            "requests": "1 per call",
        ],
    ]
}

/// The last `POST .../tokens` the fake logged, as a `URLRequest` with the device token
/// (which the log hides) and without the headers URLSession sets itself.
private func lastTokenRequest(of fake: FakeClerk, deviceToken: String?) async throws -> URLRequest {
    guard let deviceToken, let log = URL(string: "\(fake.frontendApiUrl)/__emulator/requests?route=session_token") else {
        throw LocalEmulatorError("no device token after signing in")
    }
    let (data, _) = try await URLSession.shared.data(from: log)
    guard let requests = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["requests"] as? [[String: Any]],
          let logged = requests.last,
          let method = logged["method"] as? String,
          let path = logged["path"] as? String,
          let headers = logged["headers"] as? [String: String]
    else {
        throw LocalEmulatorError("the fake logged no token request")
    }
    let query = (logged["query"] as? String).map { "?\($0)" } ?? ""
    guard let url = URL(string: fake.frontendApiUrl + path + query) else {
        throw LocalEmulatorError("not a URL: \(path)\(query)")
    }
    var request = URLRequest(url: url)
    request.httpMethod = method
    let setByURLSession: Set = ["host", "content-length", "user-agent", "accept", "accept-encoding", "accept-language"]
    for (name, value) in headers where !setByURLSession.contains(name) {
        request.setValue(name == "authorization" ? deviceToken : value, forHTTPHeaderField: name)
    }
    if let form = logged["body"] as? [String: String] {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        request.httpBody = Data(form.sorted { $0.key < $1.key }.map { name, value in
            "\(name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name)="
                + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)
        }.joined(separator: "&").utf8)
    } else if method == "POST" {
        request.httpBody = Data()
    }
    return request
}
