//! The Frontend API as the engine uses it: wire shapes and the HTTP transport.

mod models;
mod transport;

pub(crate) use models::{ClientWire, SessionWire};
#[cfg(feature = "fuzzing")]
pub(crate) use models::{client_response, token_response};
pub(crate) use transport::FapiTransport;
