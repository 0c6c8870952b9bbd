//! The Frontend API as the engine uses it: wire shapes and the HTTP transport.

mod models;
mod transport;

pub(crate) use models::{ClientWire, SessionWire};
pub(crate) use transport::FapiTransport;
