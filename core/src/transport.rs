//! The one place the engine meets the network: a single HTTP attempt behind a trait, so the
//! apps' builds can send each request through the platform's own stack (URLSession, OkHttp)
//! while Rust apps, the CLI and servers use reqwest.
//!
//! Everything above one attempt stays in the core and is the same whatever the transport:
//! retries and backoff, `Retry-After`, clock-skew sampling from `Date`, device-token rotation,
//! error-body decoding, the body limits (checked again here whatever the transport reports),
//! single flight and the deadline of each attempt. A transport only sends one request and
//! reports what came back. The shape follows Mozilla viaduct's `Backend`: one request type,
//! one response type, and no `http` crate in the seam.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

#[cfg(feature = "reqwest")]
mod reqwest;
#[cfg(feature = "reqwest")]
pub use self::reqwest::ReqwestTransport;
#[cfg(feature = "reqwest")]
pub(crate) use self::reqwest::network_error;
#[cfg(feature = "backend")]
pub(crate) use self::reqwest::read_capped;

/// The methods the Frontend API needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Post,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        }
    }
}

/// One request, exactly as the core wants it sent.
#[derive(Clone, PartialEq)]
pub struct HttpRequest {
    pub method: HttpMethod,
    /// Absolute, query included.
    pub url: String,
    /// Sent as given, in this order. The platform may add its own (`User-Agent`,
    /// `Accept-Encoding`, ...), never replace these.
    pub headers: Vec<(String, String)>,
    /// `application/x-www-form-urlencoded` for a POST (its `Content-Type` is in `headers`);
    /// empty for a GET.
    pub body: Vec<u8>,
    /// Reading stops once the body is known to be longer: [`HttpResponse::body`] is `None`.
    pub max_response_bytes: usize,
    pub connect_timeout: Duration,
    /// The whole attempt, connecting and reading the body included.
    pub timeout: Duration,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), if is_secret(name) { "<redacted>" } else { value.as_str() }))
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .field("max_response_bytes", &self.max_response_bytes)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// What came back.
#[derive(Clone, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    /// One entry per header line, as received: values are never split or merged (a `Date`
    /// holds a comma), and a header with an empty value is kept.
    pub headers: Vec<(String, String)>,
    /// `None`: the body was longer than the request's `max_response_bytes` and reading stopped.
    pub body: Option<Vec<u8>>,
}

impl HttpResponse {
    /// The first value of the header `name`, whatever its case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("header_names", &headers)
            .field("body", &self.body.as_ref().map(|b| format!("<{} bytes>", b.len())))
            .finish()
    }
}

/// Why no response came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// The attempt's timeout passed.
    Timeout,
    /// Connecting failed, or the connection broke before the whole response arrived. The
    /// message names neither a token nor the URL's query.
    Network { message: String },
    /// The platform reports no network at all (URLSession's not-connected, OkHttp's unknown
    /// host with no active network): the engine fails fast instead of retrying.
    Offline { message: String },
}

pub type TransportFuture = Pin<Box<dyn Future<Output = Result<HttpResponse, TransportError>> + Send + 'static>>;

/// Sends one HTTP request. Implementations make exactly one attempt: no retries, no redirect
/// followed (a 3xx is the response), no cookie stored or sent, nothing from a cache. Dropping
/// the future cancels the request.
pub trait HttpTransport: Send + Sync + 'static {
    fn send(&self, request: HttpRequest) -> TransportFuture;
}

/// Headers whose values never appear in `Debug` output.
fn is_secret(name: &str) -> bool {
    name.eq_ignore_ascii_case("authorization") || name.eq_ignore_ascii_case("cookie")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_device_token_and_the_body() {
        let request = HttpRequest {
            method: HttpMethod::Post,
            url: "https://clerk.example.com/v1/client/sessions/sess_1/tokens?_is_native=true".into(),
            headers: vec![("Authorization".into(), "dvt_secret".into()), ("x-mobile".into(), "1".into())],
            body: b"expired_token=eyJsecret".to_vec(),
            max_response_bytes: 10,
            connect_timeout: Duration::from_secs(1),
            timeout: Duration::from_secs(2),
        };
        let text = format!("{request:?}");
        assert!(!text.contains("dvt_secret") && !text.contains("eyJsecret"), "{text}");
        assert!(text.contains("x-mobile") && text.contains("<redacted>"), "{text}");
        let response = HttpResponse {
            status: 200,
            headers: vec![("authorization".into(), "dvt_next".into())],
            body: Some(b"{\"jwt\":\"eyJsecret\"}".to_vec()),
        };
        let text = format!("{response:?}");
        assert!(!text.contains("dvt_next") && !text.contains("eyJsecret"), "{text}");
    }

    #[test]
    fn headers_are_found_whatever_their_case() {
        let response = HttpResponse {
            status: 200,
            headers: vec![("date".into(), "Wed, 21 Oct 2015 07:28:00 GMT".into()), ("Date".into(), "x".into())],
            body: None,
        };
        assert_eq!(response.header("DATE"), Some("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(response.header("retry-after"), None);
    }
}
