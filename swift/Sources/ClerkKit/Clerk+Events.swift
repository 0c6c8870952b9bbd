internal import ClerkKitBindings
import Foundation

extension Clerk {
    /// Refreshed tokens, ended sessions and device token changes, from the moment the stream
    /// is made, for the engine configured at that moment (it finishes at once if none is).
    ///
    /// ```swift
    /// for await event in Clerk.shared.events {
    ///     if case let .sessionEnded(_, reason, _) = event { showSignIn(reason) }
    /// }
    /// ```
    ///
    /// Tokens in `.tokenRefreshed` are what `getToken()` now returns. Ending the iteration (or
    /// cancelling its task) ends the subscription.
    public var events: AsyncStream<ClerkEvent> {
        AsyncStream(bufferingPolicy: .unbounded) { continuation in
            guard let core = currentCore else {
                continuation.finish()
                return
            }
            let subscription = core.subscribe(listener: EventForwarder(continuation))
            continuation.onTermination = { _ in subscription.cancel() }
        }
    }
}

/// Hands each event from the core's thread to the stream; `yield` never blocks.
private final class EventForwarder: ClerkKitBindings.ClerkEventListener, @unchecked Sendable {
    private let continuation: AsyncStream<ClerkEvent>.Continuation

    init(_ continuation: AsyncStream<ClerkEvent>.Continuation) {
        self.continuation = continuation
    }

    func onEvent(event: ClerkKitBindings.ClerkEvent) {
        continuation.yield(ClerkEvent(event))
    }
}
