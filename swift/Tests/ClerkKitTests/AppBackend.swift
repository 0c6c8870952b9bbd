import Foundation
import Network

/// A stand-in for an app's own backend on 127.0.0.1: it answers 200 with the token's `sub`
/// for `Authorization: Bearer <jwt>` unless the token was `reject`ed (as if revoked), and 401
/// otherwise; `alwaysUnauthorized` answers 401 to everything. Every request is recorded in
/// `hits`. One request per connection (`Connection: close`), which is all `URLSession` needs.
final class AppBackend: @unchecked Sendable {
    /// One request as the backend saw it.
    struct Hit: Equatable {
        let method: String
        let authorization: String?
        let body: String
    }

    private struct ParsedRequest {
        let method: String
        let headers: [String: String]
        let body: Data
    }

    private let listener: NWListener
    private let queue = DispatchQueue(label: "AppBackend")
    private let alwaysUnauthorized: Bool
    private let lock = NSLock()
    private var recorded: [Hit] = []
    private var rejected: Set<String> = []
    private var readyReported = false
    private(set) var url = URL(fileURLWithPath: "/")

    /// Starts a backend listening on an ephemeral loopback port.
    static func start(alwaysUnauthorized: Bool = false) async throws -> AppBackend {
        let backend = try AppBackend(alwaysUnauthorized: alwaysUnauthorized)
        try await backend.waitUntilReady()
        return backend
    }

    private init(alwaysUnauthorized: Bool) throws {
        let parameters = NWParameters.tcp
        parameters.requiredLocalEndpoint = .hostPort(host: .ipv4(.loopback), port: .any)
        parameters.acceptLocalOnly = true
        listener = try NWListener(using: parameters)
        self.alwaysUnauthorized = alwaysUnauthorized
    }

    /// Every request so far, oldest first.
    var hits: [Hit] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    /// From now on, `jwt` is answered with 401.
    func reject(_ jwt: String) {
        lock.lock()
        defer { lock.unlock() }
        rejected.insert(jwt)
    }

    func stop() {
        listener.cancel()
    }

    private func waitUntilReady() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            listener.stateUpdateHandler = { [self] state in
                switch state {
                case .ready:
                    reportReady { continuation.resume() }
                case let .failed(error):
                    reportReady { continuation.resume(throwing: error) }
                case .cancelled:
                    reportReady { continuation.resume(throwing: CancellationError()) }
                default:
                    break
                }
            }
            listener.newConnectionHandler = { [self] connection in
                connection.start(queue: queue)
                receive(on: connection, buffer: Data())
            }
            listener.start(queue: queue)
        }
        guard let port = listener.port?.rawValue, let url = URL(string: "http://127.0.0.1:\(port)/me") else {
            throw EmulatorError("the app backend has no port")
        }
        self.url = url
    }

    /// Runs `resume` for the first state that ends the wait, and never again.
    private func reportReady(_ resume: () -> Void) {
        lock.lock()
        let first = !readyReported
        readyReported = true
        lock.unlock()
        if first {
            resume()
        }
    }

    private func receive(on connection: NWConnection, buffer: Data) {
        connection.receive(minimumIncompleteLength: 1, maximumLength: 65_536) { [self] content, _, isComplete, error in
            var buffer = buffer
            if let content {
                buffer.append(content)
            }
            if let request = Self.parse(buffer) {
                respond(to: request, on: connection)
            } else if isComplete || error != nil {
                connection.cancel()
            } else {
                receive(on: connection, buffer: buffer)
            }
        }
    }

    /// The request, once its head and `Content-Length` bytes of body have arrived.
    private static func parse(_ buffer: Data) -> ParsedRequest? {
        guard let end = buffer.range(of: Data("\r\n\r\n".utf8)) else {
            return nil
        }
        let lines = String(decoding: buffer[buffer.startIndex..<end.lowerBound], as: UTF8.self)
            .components(separatedBy: "\r\n")
        let method = lines.first?.split(separator: " ").first.map(String.init) ?? ""
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else {
                continue
            }
            let name = line[line.startIndex..<colon].lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = headers["content-length"].flatMap { Int($0) } ?? 0
        let body = buffer[end.upperBound...]
        guard body.count >= length else {
            return nil
        }
        return ParsedRequest(method: method, headers: headers, body: Data(body.prefix(length)))
    }

    private func respond(to request: ParsedRequest, on connection: NWConnection) {
        let authorization = request.headers["authorization"]
        lock.lock()
        recorded.append(Hit(method: request.method, authorization: authorization, body: String(decoding: request.body, as: UTF8.self)))
        lock.unlock()

        let (status, text) = answer(authorization)
        let body = Data(text.utf8)
        let reason = status == 200 ? "OK" : "Unauthorized"
        let head = "HTTP/1.1 \(status) \(reason)\r\nContent-Type: text/plain\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        connection.send(
            content: Data(head.utf8) + body,
            contentContext: .finalMessage,
            isComplete: true,
            completion: .contentProcessed { _ in connection.cancel() }
        )
    }

    private func answer(_ authorization: String?) -> (Int, String) {
        if alwaysUnauthorized {
            return (401, "rejects everything")
        }
        guard let authorization, authorization.hasPrefix("Bearer ") else {
            return (401, "no bearer token")
        }
        let jwt = String(authorization.dropFirst("Bearer ".count))
        lock.lock()
        let revoked = rejected.contains(jwt)
        lock.unlock()
        if revoked {
            return (401, "revoked")
        }
        guard let subject = (try? jwtClaims(jwt))?["sub"] as? String else {
            return (401, "invalid token")
        }
        return (200, subject)
    }
}

/// The claims of a JWT's payload (not verified).
func jwtClaims(_ jwt: String) throws -> [String: Any] {
    let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 3 else {
        throw EmulatorError("not a JWT: \(parts.count) parts")
    }
    var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while base64.count % 4 != 0 {
        base64.append("=")
    }
    guard let payload = Data(base64Encoded: base64),
          let claims = try JSONSerialization.jsonObject(with: payload) as? [String: Any]
    else {
        throw EmulatorError("the JWT payload is not a JSON object")
    }
    return claims
}
