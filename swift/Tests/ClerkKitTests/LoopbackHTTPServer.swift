import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal HTTP/1.1 server on 127.0.0.1 for what the emulator's app backends cannot answer
/// (a redirect): every request is recorded and answered by `respond`, one connection at a
/// time, each closed after its answer. Runs until `stop()`.
final class LoopbackHTTPServer: @unchecked Sendable {
    /// One request as it arrived; header names in lower case.
    struct Request: Sendable {
        let method: String
        let path: String
        let headers: [String: String]

        /// The port the client named in `Host`.
        var port: String {
            headers["host"].flatMap { $0.split(separator: ":").last.map(String.init) } ?? ""
        }
    }

    struct Response: Sendable {
        var status: Int
        var headers: [String: String] = [:]
        var body: String = ""
    }

    let port: Int
    private let listener: Int32
    private let respond: @Sendable (Request) -> Response
    private let lock = NSLock()
    private var recorded: [Request] = []
    private var stopped = false

    init(respond: @escaping @Sendable (Request) -> Response) throws {
        self.respond = respond
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else {
            throw EmulatorError("socket() failed: \(errno)")
        }
        var address = sockaddr_in()
        #if canImport(Darwin)
        address.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
        #endif
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw EmulatorError("cannot listen on 127.0.0.1: \(errno)")
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in serve() }.start()
    }

    /// `http://127.0.0.1:<port><path>`
    func url(_ path: String, host: String = "127.0.0.1") -> URL {
        URL(string: "http://\(host):\(port)\(path)")!
    }

    /// Every request so far, oldest first.
    var requests: [Request] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    func stop() {
        lock.lock()
        let first = !stopped
        stopped = true
        lock.unlock()
        if first {
            close(listener)
        }
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    /// Polls, so that `stop()` ends the loop without relying on a blocked `accept` waking up.
    private func serve() {
        while !isStopped {
            var waiting = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&waiting, 1, 50) > 0, !isStopped else {
                continue
            }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else {
                continue
            }
            #if canImport(Darwin)
            var one: Int32 = 1
            setsockopt(connection, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
            #endif
            answer(connection)
            close(connection)
        }
    }

    private func answer(_ connection: Int32) {
        guard let request = read(connection) else {
            return
        }
        lock.lock()
        recorded.append(request)
        lock.unlock()
        let response = respond(request)
        let body = Data(response.body.utf8)
        let reasons = [200: "OK", 302: "Found", 401: "Unauthorized"]
        var head = "HTTP/1.1 \(response.status) \(reasons[response.status] ?? "Status")\r\n"
        for (name, value) in response.headers.sorted(by: { $0.key < $1.key }) {
            head += "\(name): \(value)\r\n"
        }
        head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let bytes = Data(head.utf8) + body
        bytes.withUnsafeBytes { buffer in
            var sent = 0
            while sent < buffer.count {
                let written = send(connection, buffer.baseAddress! + sent, buffer.count - sent, Self.noSignal)
                guard written > 0 else { return }
                sent += written
            }
        }
    }

    /// A client that hung up must not end the test process with SIGPIPE.
    #if canImport(Glibc)
    private static let noSignal = Int32(MSG_NOSIGNAL)
    #else
    private static let noSignal: Int32 = 0
    #endif

    /// The request head, and its body read past (by `Content-Length`).
    private func read(_ connection: Int32) -> Request? {
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        let separator = Data("\r\n\r\n".utf8)
        while received.range(of: separator) == nil {
            let count = recv(connection, &buffer, buffer.count, 0)
            guard count > 0 else { return nil }
            received.append(contentsOf: buffer[0..<count])
        }
        let headEnd = received.range(of: separator)!
        let lines = String(decoding: received[..<headEnd.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = received.count - headEnd.upperBound
        let length = headers["content-length"].flatMap(Int.init) ?? 0
        while body < length {
            let count = recv(connection, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            body += count
        }
        return Request(method: String(requestLine[0]), path: String(requestLine[1]), headers: headers)
    }
}
