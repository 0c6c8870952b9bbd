import ClerkKit
import Foundation
import LocalEmulator

// A cache hit through the facade (`getToken()` on a warm session) next to what a pure-Swift
// SDK does for one: an actor holding a dictionary of tokens, with an expiry check. Both are
// awaited from the same task, in the same run. Then a token refresh through the facade next
// to the same request sent directly (RefreshBench.swift). Prints one JSON array of rows for
// `scripts/bench`: benchmark, median (per call), note, requests made.
//
// Usage: ClerkKitBench [rounds]   (CLERK_EMULATOR_BIN or CLERK_EMULATOR_URL as for the demo)

/// What a pure-Swift SDK keeps: the token and when it expires, per cache key.
actor PureSwiftTokenCache {
    struct Entry {
        let jwt: String
        let expiresAt: Int64
    }

    private var entries: [String: Entry] = [:]

    func put(_ key: String, _ entry: Entry) {
        entries[key] = entry
    }

    func token(_ key: String, nowSeconds: Int64, buffer: Int64) -> String? {
        guard let entry = entries[key], entry.expiresAt - nowSeconds > buffer else {
            return nil
        }
        return entry.jwt
    }
}

@inline(never)
func consume(_ value: Int) {
    if value == -1 { print("") }
}

/// Median nanoseconds per call of each body, over `rounds` rounds of `batch` calls. The
/// bodies take turns round by round, so a busy machine slows them alike.
func measure(rounds: Int, batch: Int, _ bodies: [() async throws -> Int]) async throws -> [Double] {
    var perCall = Array(repeating: [Double](), count: bodies.count)
    for _ in 0..<rounds {
        for (index, body) in bodies.enumerated() {
            let started = DispatchTime.now().uptimeNanoseconds
            var sink = 0
            for _ in 0..<batch {
                sink &+= try await body()
            }
            let elapsed = DispatchTime.now().uptimeNanoseconds - started
            consume(sink)
            perCall[index].append(Double(elapsed) / Double(batch))
        }
    }
    return perCall.map { $0.sorted()[$0.count / 2] }
}

func format(_ ns: Double) -> String {
    switch ns {
    case 1_000_000...: return String(format: "%.3g ms", ns / 1_000_000)
    case 1000...: return String(format: "%.3g µs", ns / 1000)
    default: return String(format: "%.3g ns", ns)
    }
}

@main
struct ClerkKitBench {
    static func main() async {
        do {
            try await run()
        } catch {
            FileHandle.standardError.write(Data("benchmark failed: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run() async throws {
        let rounds = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 31
        let batch = 10_000
        let emulator = try LocalEmulator()
        // No background refresh: a refresh during a round would be measured as a hit.
        Clerk.shared.configure(frontendApiUrl: emulator.url.absoluteString, autoRefresh: false)
        let session = try await Clerk.shared.signIn(ticket: try await emulator.signInTicket(userId: "user_bench"))
        guard let warm = try await session.getToken() else {
            throw LocalEmulatorError("no token after signing in")
        }
        try await emulator.resetCounts()

        // Warm-up, then the measured rounds; every call must be a hit of the same token.
        for _ in 0..<batch {
            _ = try await session.getToken()
        }
        let cache = PureSwiftTokenCache()
        await cache.put("session", .init(jwt: warm.jwt, expiresAt: warm.expiresAt))
        let medians = try await measure(rounds: rounds, batch: batch, [
            {
                guard let token = try await session.getToken(), token.expiresAt == warm.expiresAt else {
                    throw LocalEmulatorError("a cache hit returned another token")
                }
                return token.jwt.utf8.count
            },
            {
                let now = Int64(Date().timeIntervalSince1970)
                guard let jwt = await cache.token("session", nowSeconds: now, buffer: 10) else {
                    throw LocalEmulatorError("the baseline missed")
                }
                return jwt.utf8.count
            },
        ])
        let (facade, baseline) = (medians[0], medians[1])
        let requests = try await emulator.tokenRequests()
        guard requests == 0 else {
            throw LocalEmulatorError("the cache-hit benchmark made \(requests) token requests")
        }
        try await Clerk.shared.signOut()

        let hitRows: [[String: String]] = [
            [
                "benchmark": "swift/getToken_cache_hit (facade)",
                "median": format(facade),
                "note": String(format: "%.1f x the pure-Swift baseline; %.2f x the 1 µs target", facade / baseline, facade / 1000),
                "requests": "0",
            ],
            [
                "benchmark": "swift/pure_swift_actor_baseline",
                "median": format(baseline),
                "note": "actor + dictionary + expiry check, same run",
                "requests": "-",
            ],
        ]
        let rows = hitRows + (try await benchmarkRefresh(rounds: rounds))
        let json = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }
}
