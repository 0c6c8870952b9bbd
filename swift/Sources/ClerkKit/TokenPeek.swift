internal import ClerkKitBindings
internal import ClerkKitFFI
internal import ClerkKitPeek
import Foundation

/// A cache hit in one plain C call (`clerkkit_peek_token`): the core decides exactly as for
/// `cachedToken` (session active, the server's clock, the buffer, `skipCache`) and answers a
/// stamp naming the token. The JWT crosses the boundary only for a stamp not seen before;
/// tokens already seen are reused from here, so a hit copies and parses nothing.
enum TokenPeek {
    /// Tokens handed out lately, by stamp. Stamps are unique for the process's lifetime, so one
    /// table serves every session.
    private static let recent = RecentTokens()

    static func cachedToken(_ session: ClerkKitBindings.Session, _ options: GetTokenOptions) -> TokenResource? {
        let handle = session.uniffiCloneHandle()
        defer {
            var status = RustCallStatus()
            uniffi_clerkkit_fn_free_session(handle, &status)
        }
        let stamp = withText(options.template) { template, templateLength in
            withText(options.organizationId) { organization, organizationLength in
                clerkkit_peek_token(
                    handle, template, templateLength, organization, organizationLength,
                    options.expirationBuffer, options.skipCache ? 1 : 0
                )
            }
        }
        guard let stamp = stamp.flatMap({ $0 }), stamp > 0 else {
            return nil
        }
        if let known = recent.token(stamp) {
            return known
        }
        guard let token = copyToken(handle, stamp) else {
            return nil
        }
        recent.remember(stamp, token)
        return token
    }

    private static func copyToken(_ handle: UInt64, _ stamp: Int64) -> TokenResource? {
        var times: [Int64] = [0, 0]
        var capacity: Int32 = 2048
        while true {
            var bytes = [UInt8](repeating: 0, count: Int(capacity))
            let length = clerkkit_peeked_token(handle, stamp, &bytes, capacity, &times)
            if length < 0 {
                return nil
            }
            if length <= capacity {
                let jwt = String(decoding: bytes[0..<Int(length)], as: UTF8.self)
                return TokenResource(jwt: jwt, expiresAt: times[0], issuedAt: times[1])
            }
            capacity = length
        }
    }

    /// `body` with the UTF-8 of `text` as a pointer and a length (-1 for nil); nil without
    /// calling it for a text too long to pass, which the caller treats as a miss.
    private static func withText<R>(_ text: String?, _ body: (UnsafePointer<UInt8>?, Int32) -> R) -> R? {
        guard var text else {
            return body(nil, -1)
        }
        return text.withUTF8 { utf8 in
            Int32(exactly: utf8.count).map { body(utf8.baseAddress, $0) }
        }
    }
}

/// The last few tokens by stamp, behind a lock.
private final class RecentTokens: @unchecked Sendable {
    private static let capacity = 8
    private let lock = NSLock()
    private var entries: [(stamp: Int64, token: TokenResource)] = []

    func token(_ stamp: Int64) -> TokenResource? {
        lock.lock()
        defer { lock.unlock() }
        return entries.first { $0.stamp == stamp }?.token
    }

    func remember(_ stamp: Int64, _ token: TokenResource) {
        lock.lock()
        defer { lock.unlock() }
        if entries.count == Self.capacity {
            entries.removeFirst()
        }
        entries.append((stamp, token))
    }
}
