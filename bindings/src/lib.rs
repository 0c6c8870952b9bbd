//! The UniFFI surface over `clerk-core`. Thin by design: types cross the boundary here and
//! every call runs on the runtime this crate owns; behaviour lives in the core.

#[cfg(target_os = "android")]
mod android;
#[cfg(feature = "backend")]
mod backend;
mod clock;
mod engine;
mod error;
mod events;
mod panics;
mod peek;
mod runtime;
mod session;
mod token_store;
mod types;

#[cfg(feature = "backend")]
pub use backend::BackendClient;
pub use clock::ManualClock;
pub use engine::ClerkCore;
// The Kotlin facade binds these by symbol through JNA; public so that tests call them with
// their declared signatures rather than a second, unchecked declaration.
pub use peek::{clerkkit_peek_token, clerkkit_peeked_token};
pub use error::{ClerkApiError, ClerkError};
pub use events::{ClerkEvent, ClerkEventListener, EventSubscription};
pub use session::Session;
pub use token_store::DeviceTokenStore;
pub use types::{ClerkSettings, GetTokenOptions, TokenResource};

uniffi::setup_scaffolding!("clerkkit");
