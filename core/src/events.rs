//! What the engine tells the app as it happens: new tokens, ended sessions and device token
//! rotation. Delivered to every subscriber; a subscriber that falls far behind skips what it
//! missed rather than holding the engine up.

use tokio::sync::broadcast;

use crate::token::TokenResource;

/// Enough for bursts of refreshes across templates; a subscriber more than this far behind
/// loses the oldest events.
const CAPACITY: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClerkEvent {
    /// A token was fetched and cached: the value `get_token` now returns for these options.
    TokenRefreshed {
        session_id: String,
        template: Option<String>,
        organization_id: Option<String>,
        token: TokenResource,
    },
    /// The session is over and its tokens are gone. `reason` is the session's status or the
    /// server's error code (`ended` for a sign-out from this device); `message` is the server's
    /// explanation when it gave one.
    SessionEnded {
        session_id: String,
        reason: String,
        message: Option<String>,
    },
    /// The server rotated or cleared the device token; the `TokenStore` already holds the new
    /// value, which is deliberately not repeated here.
    DeviceTokenChanged { cleared: bool },
}

pub(crate) struct Events {
    sender: broadcast::Sender<ClerkEvent>,
}

impl Default for Events {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(CAPACITY).0,
        }
    }
}

impl Events {
    pub fn emit(&self, event: ClerkEvent) {
        // No subscriber is not an error: events are optional.
        let _ = self.sender.send(event);
    }

    pub fn subscribe(&self) -> EventStream {
        EventStream {
            receiver: self.sender.subscribe(),
        }
    }
}

/// The events emitted after `Clerk::events` was called, in order.
pub struct EventStream {
    receiver: broadcast::Receiver<ClerkEvent>,
}

impl EventStream {
    /// The next event; `None` once the engine is gone.
    pub async fn next(&mut self) -> Option<ClerkEvent> {
        loop {
            match self.receiver.recv().await {
                Ok(event) => return Some(event),
                Err(broadcast::error::RecvError::Lagged(skipped)) => {
                    tracing::warn!(
                        skipped,
                        "event subscriber fell behind; oldest events dropped"
                    );
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// The next event if one is waiting, without blocking.
    pub fn try_next(&mut self) -> Option<ClerkEvent> {
        loop {
            match self.receiver.try_recv() {
                Ok(event) => return Some(event),
                Err(broadcast::error::TryRecvError::Lagged(_)) => continue,
                Err(_) => return None,
            }
        }
    }
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("pending", &self.receiver.len())
            .finish()
    }
}
