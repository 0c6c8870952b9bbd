import ClerkKit
import Foundation
import LocalEmulator

// A tour of the Swift facade against a Clerk API emulator: sign in with a ticket, then a
// session token, a cache hit, a JWT template token and a skipCache refresh, then sign out.
// `scripts/demo` runs it; it never prints a usable token.

@main
struct ClerkKitDemo {
    static func main() async {
        do {
            try await tour()
        } catch {
            FileHandle.standardError.write(Data("demo failed: \(error)\n".utf8))
            exit(1)
        }
    }

    static func tour() async throws {
        let emulator = try LocalEmulator()
        print("Clerk Frontend API: \(emulator.url.absoluteString)")
        Clerk.shared.configure(frontendApiUrl: emulator.url.absoluteString)

        // An app's backend creates the sign-in ticket; here the emulator does.
        let ticket = try await emulator.signInTicket(userId: "user_demo")
        let session = try await Clerk.shared.signIn(ticket: ticket)
        print("signed in: session \(session.id) of \(session.userId ?? "unknown user")")
        try await emulator.resetCounts()

        let steps: [(String, GetTokenOptions)] = [
            ("session token", GetTokenOptions()),
            ("same again (cache)", GetTokenOptions()),
            ("template \"test\"", GetTokenOptions(template: "test")),
            ("skipCache refresh", GetTokenOptions(skipCache: true)),
        ]
        var previous: String?
        for (label, options) in steps {
            let started = DispatchTime.now().uptimeNanoseconds
            guard let token = try await session.getToken(options) else {
                throw LocalEmulatorError("\(label): no token")
            }
            let millis = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
            let requests = try await emulator.tokenRequests()
            let which = token.jwt == previous ? "same token" : "new token "
            let padded = label.padding(toLength: 20, withPad: " ", startingAt: 0)
            print("\(padded) \(which)  valid \(token.expiresAt - token.issuedAt) s  "
                + String(format: "%6.2f ms", millis) + "  token requests so far: \(requests)")
            previous = token.jwt
        }

        try await Clerk.shared.signOut()
        print("signed out; Clerk.shared.session is \(Clerk.shared.session.map { _ in "set" } ?? "nil")")
    }
}
