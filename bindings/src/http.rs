//! The HTTP seam across the boundary: the apps' platform stacks (URLSession in Swift, OkHttp in
//! Kotlin) send each request the core asks for.
//!
//! A callback, not an async foreign trait: `send` starts the request and returns a handle at
//! once, and the platform answers later through the `HttpCompletion` it was given. No foreign
//! future crosses the boundary, which keeps clear of the generated Swift that Swift 6 refuses
//! (uniffi-rs #2929) and of the async-callback crashes seen through JNA (uniffi-rs #2752).
//! Dropping the core's future (a deadline, a caller gone) calls `HttpCall::cancel`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clerk_core::{TransportError, TransportFuture};
use tokio::sync::oneshot;

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum HttpMethod {
    Get,
    Post,
}

#[derive(Clone, PartialEq, uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct HttpHeader {
    pub name: String,
    pub value: String,
}

/// One request, to be sent exactly as given: these headers (the platform may add only its
/// usual `User-Agent`, `Accept-Encoding`, ...), this body, one attempt, no redirect followed,
/// no cookie, no cache.
#[derive(Clone, PartialEq, uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct HttpRequest {
    pub method: HttpMethod,
    pub url: String,
    pub headers: Vec<HttpHeader>,
    /// Form-encoded for a POST (its `Content-Type` is among the headers); empty for a GET.
    pub body: Vec<u8>,
    /// Stop reading past this many bytes of body and answer `HttpFailure::BodyTooLarge`.
    pub max_response_bytes: u64,
    pub connect_timeout_ms: u64,
    /// The whole request, body included.
    pub timeout_ms: u64,
}

#[derive(Clone, PartialEq, uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct HttpResponse {
    pub status: u16,
    /// One entry per header line as received: never split on commas, empty values kept.
    pub headers: Vec<HttpHeader>,
    pub body: Vec<u8>,
}

/// Why a request has no whole response.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum HttpFailure {
    /// The status and headers arrived, then the body passed `max_response_bytes` and reading
    /// stopped.
    BodyTooLarge { status: u16, headers: Vec<HttpHeader> },
    /// The connect or total timeout passed.
    Timeout { detail: String },
    /// Anything else: no connection, a reset, a body cut short. No URL query or token in it.
    Network { detail: String },
    /// The device has no network at all (URLSession's `notConnectedToInternet`, OkHttp's
    /// unknown host with no active network): the engine fails fast instead of retrying.
    Offline { detail: String },
}

/// The handle the platform returns for a started request.
#[uniffi::export(with_foreign)]
pub trait HttpCall: Send + Sync {
    /// The core no longer wants the answer: stop the request. Idempotent, may come after the
    /// answer, must not block.
    fn cancel(&self);
}

/// The platform's HTTP stack, implemented by the facades.
#[uniffi::export(with_foreign)]
pub trait HttpTransport: Send + Sync {
    /// Starts `request` and returns at once; the answer goes to `completion`. Never throws:
    /// every failure is `completion.fail(...)`.
    fn send(&self, request: HttpRequest, completion: Arc<HttpCompletion>) -> Arc<dyn HttpCall>;
}

type Answer = Result<clerk_core::HttpResponse, TransportError>;

/// Where the platform delivers one request's answer. The first `succeed` or `fail` counts;
/// later ones, and answers after the core gave up, are ignored. Callable from any thread.
#[derive(uniffi::Object)]
pub struct HttpCompletion {
    sender: Mutex<Option<oneshot::Sender<Answer>>>,
    max_response_bytes: usize,
}

#[uniffi::export]
impl HttpCompletion {
    pub fn succeed(&self, response: HttpResponse) {
        // Checked again whatever the platform did: memory never follows what a server sends.
        let body = Some(response.body).filter(|body| body.len() <= self.max_response_bytes);
        self.deliver(Ok(clerk_core::HttpResponse { status: response.status, headers: pairs(response.headers), body }));
    }

    pub fn fail(&self, failure: HttpFailure) {
        self.deliver(match failure {
            HttpFailure::BodyTooLarge { status, headers } => {
                Ok(clerk_core::HttpResponse { status, headers: pairs(headers), body: None })
            }
            HttpFailure::Timeout { .. } => Err(TransportError::Timeout),
            HttpFailure::Network { detail } => Err(TransportError::Network { message: detail }),
            HttpFailure::Offline { detail } => Err(TransportError::Offline { message: detail }),
        });
    }
}

impl HttpCompletion {
    fn deliver(&self, answer: Answer) {
        let sender = self.sender.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(sender) = sender {
            let _ = sender.send(answer);
        }
    }
}

/// A platform transport as the core's.
pub struct ForeignTransport(pub Arc<dyn HttpTransport>);

impl clerk_core::HttpTransport for ForeignTransport {
    fn send(&self, request: clerk_core::HttpRequest) -> TransportFuture {
        let platform = self.0.clone();
        Box::pin(async move {
            let (sender, answer) = oneshot::channel();
            let completion = Arc::new(HttpCompletion {
                sender: Mutex::new(Some(sender)),
                max_response_bytes: request.max_response_bytes,
            });
            let request = HttpRequest::from(request);
            // A foreign exception surfaces as a panic here; it must not end the request's task.
            let call = catch_unwind(AssertUnwindSafe(|| platform.send(request, completion))).map_err(|_| {
                TransportError::Network { message: "the platform's HTTP stack failed to start the request".into() }
            })?;
            let mut pending = CancelOnDrop(Some(call));
            let answer = answer.await.unwrap_or_else(|_| {
                Err(TransportError::Network { message: "the platform's HTTP stack dropped the request unanswered".into() })
            });
            pending.0 = None;
            answer
        })
    }
}

/// Cancels the platform's request when the core stops waiting for it before it answered.
struct CancelOnDrop(Option<Arc<dyn HttpCall>>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(call) = self.0.take() {
            let _ = catch_unwind(AssertUnwindSafe(|| call.cancel()));
        }
    }
}

impl From<clerk_core::HttpRequest> for HttpRequest {
    fn from(request: clerk_core::HttpRequest) -> Self {
        let millis = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Self {
            method: match request.method {
                clerk_core::HttpMethod::Get => HttpMethod::Get,
                clerk_core::HttpMethod::Post => HttpMethod::Post,
            },
            url: request.url,
            headers: request.headers.into_iter().map(|(name, value)| HttpHeader { name, value }).collect(),
            body: request.body,
            max_response_bytes: request.max_response_bytes as u64,
            connect_timeout_ms: millis(request.connect_timeout),
            timeout_ms: millis(request.timeout),
        }
    }
}

fn pairs(headers: Vec<HttpHeader>) -> Vec<(String, String)> {
    headers.into_iter().map(|h| (h.name, h.value)).collect()
}

/// Requests and responses carry the device token in `Authorization` and tokens in their bodies:
/// their text, in Rust and in the generated Swift and Kotlin (`Debug`/`Display` are exported),
/// never shows header values or bodies.
impl std::fmt::Debug for HttpHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: <redacted>", self.name)
    }
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &self.headers)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

macro_rules! display_as_debug {
    ($($name:ty),*) => {$(
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(self, f)
            }
        }
    )*};
}

display_as_debug!(HttpHeader, HttpRequest, HttpResponse);
