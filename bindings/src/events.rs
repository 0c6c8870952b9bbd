//! Engine events delivered to a listener the app implements. The Kotlin facade turns them
//! into a `Flow`, the Swift facade into an `AsyncStream`.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use clerk_core::EventStream;
use tokio::task::JoinHandle;

use crate::runtime;
use crate::types::TokenResource;

/// Its text in Swift and Kotlin is Rust's `Debug`, whose token shows no JWT.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
#[uniffi::export(Debug, Display)]
pub enum ClerkEvent {
    /// A token was fetched and cached: what `getToken`/`fetchToken` now return for these
    /// options (template and organization `None` for the session token).
    TokenRefreshed {
        session_id: String,
        template: Option<String>,
        organization_id: Option<String>,
        token: TokenResource,
    },
    /// The session is over: `reason` is its status or the server's error code (`ended` after a
    /// sign-out from this device); `message` is the server's explanation, if any.
    SessionEnded {
        session_id: String,
        reason: String,
        message: Option<String>,
    },
    /// The server rotated or cleared the device token; the `DeviceTokenStore` already has it.
    DeviceTokenChanged { cleared: bool },
}

impl std::fmt::Display for ClerkEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

impl From<clerk_core::ClerkEvent> for ClerkEvent {
    fn from(event: clerk_core::ClerkEvent) -> Self {
        use clerk_core::ClerkEvent as Core;
        match event {
            Core::TokenRefreshed {
                session_id,
                template,
                organization_id,
                token,
            } => Self::TokenRefreshed {
                session_id,
                template,
                organization_id,
                token: token.into(),
            },
            Core::SessionEnded {
                session_id,
                reason,
                message,
            } => Self::SessionEnded {
                session_id,
                reason,
                message,
            },
            Core::DeviceTokenChanged { cleared } => Self::DeviceTokenChanged { cleared },
        }
    }
}

/// Called on a background thread, in order, one event at a time. Keep it short: hand the
/// event to your own queue (a channel, a flow, a stream).
#[uniffi::export(with_foreign)]
pub trait ClerkEventListener: Send + Sync {
    fn on_event(&self, event: ClerkEvent);
}

/// Delivery to one listener; it stops on `cancel` or when this object is released.
#[derive(uniffi::Object)]
pub struct EventSubscription {
    task: JoinHandle<()>,
}

impl EventSubscription {
    pub(crate) fn start(
        mut events: EventStream,
        listener: Arc<dyn ClerkEventListener>,
    ) -> Arc<Self> {
        let task = runtime::handle().spawn(async move {
            while let Some(event) = events.next().await {
                let event = ClerkEvent::from(event);
                // A listener that throws must not end delivery, nor take the runtime down.
                if std::panic::catch_unwind(AssertUnwindSafe(|| listener.on_event(event))).is_err()
                {
                    tracing::warn!("an event listener failed; delivery continues");
                }
            }
        });
        Arc::new(Self { task })
    }
}

#[uniffi::export]
impl EventSubscription {
    pub fn cancel(&self) {
        self.task.abort();
    }
}

impl Drop for EventSubscription {
    fn drop(&mut self) {
        self.task.abort();
    }
}
