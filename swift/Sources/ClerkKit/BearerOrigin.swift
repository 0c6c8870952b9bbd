import Foundation

/// Where a request authorized with the session token goes: scheme, host and port, the unit a
/// token may travel to (and a redirect may not leave while carrying it).
struct BearerOrigin: Hashable, Sendable {
    let scheme: String
    let host: String
    let port: Int?

    init?(_ url: URL?) {
        guard let url, let scheme = url.scheme?.lowercased(), var host = url.host?.lowercased(), !host.isEmpty else {
            return nil
        }
        // An IPv6 literal comes with or without its brackets, depending on the platform.
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        self.scheme = scheme
        self.host = host
        self.port = url.port ?? Self.defaultPorts[scheme]
    }

    /// The origin of `url` if the session token may be sent there: `https`, or plain `http` to
    /// this machine; otherwise `AuthorizationError.insecureURL`.
    static func authorized(_ url: URL?) throws -> BearerOrigin {
        guard let origin = BearerOrigin(url), origin.scheme == "https" || (origin.scheme == "http" && origin.isLoopback) else {
            throw AuthorizationError.insecureURL(origin: Self.describe(url))
        }
        return origin
    }

    /// `localhost`, `::1` or an address in `127.0.0.0/8`, written as four decimal octets: a
    /// name that merely starts like one (`127.0.0.1.example.com`) goes to the network.
    var isLoopback: Bool {
        if host == "localhost" || host == "::1" {
            return true
        }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { octet in
            (1...3).contains(octet.count) && octet.allSatisfy(\.isASCIIDigit) && Int(octet).map { $0 <= 255 } == true
        }
    }

    private static let defaultPorts = ["http": 80, "https": 443]

    /// Scheme and host only: a path or query may carry what an error message should not.
    private static func describe(_ url: URL?) -> String {
        guard let url else {
            return "a request without a URL"
        }
        guard let scheme = url.scheme else {
            return "a URL without a scheme"
        }
        return "\(scheme)://\(url.host ?? "")"
    }
}

private extension Character {
    var isASCIIDigit: Bool {
        ("0"..."9").contains(self)
    }
}
