//! The transport seam as the suite sees it: one request in, a response or a failure out.
//!
//! These mirror clerk-core's `HttpRequest`, `HttpResponse` and `TransportError` field for field,
//! plus the bindings' `HttpFailure::BodyTooLarge`, so an adapter from either side is a plain
//! copy. The emulator does not depend on the core, hence its own copies.

use std::time::Duration;

use futures::future::BoxFuture;
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// One attempt, as the core hands it to a transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    /// Absolute, with its query.
    pub url: String,
    /// Exactly the headers to send, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub max_response_bytes: usize,
    pub connect_timeout: Duration,
    /// Total time for this one attempt.
    pub timeout: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// One entry per header line, values never split or merged.
    pub headers: Vec<(String, String)>,
    /// `None`: the body passed `max_response_bytes` and reading stopped (the core's way of
    /// saying what [`Failure::BodyTooLarge`] says; the runner treats both alike).
    pub body: Option<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Reading stopped at `max_response_bytes`; the status and headers had arrived.
    BodyTooLarge {
        status: u16,
        headers: Vec<(String, String)>,
    },
    Timeout,
    /// Any other I/O failure: refused, reset, a body cut short.
    Network {
        message: String,
    },
}

/// What a transport returns for one request.
pub type SendFuture = BoxFuture<'static, Result<Response, Failure>>;
