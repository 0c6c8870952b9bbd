import ClerkKit
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The names the docs' Swift blocks use without declaring them (README.md, "The code in these
/// docs"): each block is the body of an `async throws` method of this class.
final class SnippetContext {
    /// Where the blocks put the request headers they make.
    var headers: [String: String] = [:]
    let ticketFromYourBackend: String
    let backendURL = URL(string: "https://api.example.com/me")!
    let configuration = URLSessionConfiguration.ephemeral
    let proxySettings: [AnyHashable: Any] = [:]

    /// The signed-in session.
    var session: Session {
        guard let session = Clerk.shared.session else {
            fatalError("no session: a block that signs in must run first")
        }
        return session
    }

    init(ticketFromYourBackend: String) {
        self.ticketFromYourBackend = ticketFromYourBackend
    }
}
