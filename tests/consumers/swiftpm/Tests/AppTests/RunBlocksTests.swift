import ClerkKit
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest
@testable import App

/// The docs' `run` blocks, in order, against the emulator at CLERK_EMULATOR_URL, with a ticket
/// from its control API (what an app's backend would hand over).
final class RunBlocksTests: XCTestCase {
    func testTheDocsRunBlocksRunAgainstTheEmulator() async throws {
        guard let url = ProcessInfo.processInfo.environment["CLERK_EMULATOR_URL"] else {
            return XCTFail("CLERK_EMULATOR_URL is not set")
        }
        var request = URLRequest(url: URL(string: "\(url)/__emulator/sign_in_tokens")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "content-type")
        request.httpBody = Data(#"{"user_id":"user_alice"}"#.utf8)
        let (data, _) = try await URLSession.shared.data(for: request)
        let ticket = try XCTUnwrap((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["token"] as? String)

        let context = SnippetContext(ticketFromYourBackend: ticket)
        let blocks = runBlocks()
        XCTAssertFalse(blocks.isEmpty, "no Swift block of the docs is marked run")
        for (origin, block) in blocks {
            do {
                try await block(context)
            } catch {
                return XCTFail("\(origin) failed: \(error)")
            }
        }
        XCTAssertNotNil(Clerk.shared.session)
        XCTAssertEqual(context.headers["Authorization"]?.hasPrefix("Bearer ey"), true)
    }
}
