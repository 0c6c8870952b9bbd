//! The UniFFI surface over `clerk-core`. Thin by design: types cross the boundary here and
//! every call runs on the runtime this crate owns; behaviour lives in the core.

#[cfg(feature = "backend")]
mod backend;
mod engine;
mod error;
mod events;
mod http;
mod metrics;
mod panics;
mod peek;
mod runtime;
mod session;
mod stamps;
#[cfg(feature = "testing")]
pub mod test_hooks;
mod token_store;
mod types;

#[cfg(feature = "backend")]
pub use backend::BackendClient;
pub use engine::ClerkCore;
// The Kotlin facade binds these by symbol through JNA; public so that tests call them with
// their declared signatures rather than a second, unchecked declaration.
pub use peek::{clerkkit_peek_token, clerkkit_peeked_token};
pub use error::{ClerkApiError, ClerkError, NetworkReason};
pub use events::{ClerkEvent, ClerkEventListener, EventSubscription};
pub use http::{ForeignTransport, HttpCall, HttpCompletion, HttpFailure, HttpHeader, HttpMethod, HttpRequest, HttpResponse, HttpTransport};
pub use metrics::{MetricsSnapshot, MetricsSubscription, RequestMetric, RequestMetricListener, RequestOutcome, RequestRoute};
pub use session::Session;
pub use token_store::DeviceTokenStore;
pub use types::{ClerkSettings, GetTokenOptions, TokenResource};

/// The SDK's version: the workspace's, the one every artefact carries.
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The SDK's version, for the facades' `x-clerk-sdk` header and their own version constants.
#[uniffi::export]
pub fn sdk_version() -> String {
    SDK_VERSION.to_string()
}

uniffi::setup_scaffolding!("clerkkit");
