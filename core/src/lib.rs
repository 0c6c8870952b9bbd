//! The shared engine of the mobile SDK: fetches Clerk session tokens from the Frontend API
//! and caches them, so that apps never get an expired token and never cause bursts of
//! requests. Pure Rust; the UniFFI layer lives in `bindings/`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), clerk_core::Error> {
//! use clerk_core::{Clerk, ClerkConfig, GetTokenOptions};
//! let clerk = Clerk::new(ClerkConfig::from_publishable_key("pk_test_Y2xlcmsuZXhhbXBsZS5jb20k")?)?;
//! if let Some(session) = clerk.load().await? {
//!     if let Some(token) = session.get_token(GetTokenOptions::default()).await? {
//!         let _header = format!("Bearer {}", token.jwt);
//!     }
//! }
//! # Ok(()) }
//! ```

#[cfg(feature = "reqwest")]
mod authorized;
#[cfg(feature = "backend")]
pub mod backend;
mod clerk;
mod clock;
mod config;
mod connectivity;
mod engine;
mod error;
mod events;
mod fapi;
mod flights;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod http;
mod jwt;
mod metrics;
mod refresher;
mod retry;
mod session;
#[cfg(feature = "testing")]
mod settle;
mod skew;
mod state;
#[cfg(feature = "reqwest")]
mod tls;
mod token;
mod token_store;
mod transport;

#[cfg(feature = "reqwest")]
pub use authorized::AuthorizedClient;
pub use clerk::Clerk;
pub use clock::{Clock, SleepFuture, SystemClock};
#[cfg(feature = "testing")]
pub use clock::{ManualClock, SleepMode};
pub use config::{CLERK_API_VERSION, ClerkConfig, DEFAULT_CALL_DEADLINE, frontend_api_host};
pub use events::{ClerkEvent, EventStream};
pub use error::{ApiError, ApiErrorEntry, Error, InvalidResponse, Result, SESSION_ENDING_CODES};
pub use retry::{RetryPolicy, parse_retry_after};
pub use metrics::{MetricStream, MetricsSnapshot, RequestMetric, RequestOutcome, RequestRoute};
pub use session::Session;
pub use token::{DEFAULT_EXPIRATION_BUFFER, GetTokenOptions, MAX_EXPIRATION_BUFFER, TokenResource, TokenSource};
pub use token_store::{MemoryTokenStore, TokenStore};
#[cfg(feature = "reqwest")]
pub use transport::ReqwestTransport;
pub use transport::{HttpMethod, HttpRequest, HttpResponse, HttpTransport, TransportError, TransportFuture};
