//! The transport for Rust apps, the CLI and servers: reqwest over rustls, with the platform's
//! certificate verifier where reqwest uses one. Mobile builds leave it out (feature `reqwest`).

use std::time::Duration;

use ::reqwest::header::{HeaderName, HeaderValue};
use ::reqwest::{Client, Method, Response};
use bytes::{Bytes, BytesMut};

use url::Url;

use super::{HttpMethod, HttpRequest, HttpResponse, HttpTransport, TransportError, TransportFuture};
use crate::config::is_loopback;
use crate::error::Error;

/// One reqwest client; its connection pool is shared by every request of an engine.
#[derive(Clone)]
pub struct ReqwestTransport {
    client: Client,
}

impl ReqwestTransport {
    /// A client for requests to `origin` that never follows a redirect (where secrets travel,
    /// a redirect must not take them elsewhere) and connects within `connect_timeout`. The
    /// environment's proxy (`HTTPS_PROXY`, `http_proxy`, ...) is used, except for a loopback
    /// origin: plain `http://` is allowed there only because the bytes never leave the machine,
    /// and a proxy would carry the device token elsewhere in clear text.
    pub fn for_origin(origin: &Url, connect_timeout: Duration) -> Result<Self, Error> {
        Self::build(connect_timeout, is_loopback(origin))
    }

    /// As [`for_origin`](Self::for_origin) for any origin: the environment's proxy, if any, is
    /// used for every request.
    pub fn new(connect_timeout: Duration) -> Result<Self, Error> {
        Self::build(connect_timeout, false)
    }

    fn build(connect_timeout: Duration, direct: bool) -> Result<Self, Error> {
        // rustls needs a process-wide crypto provider; keep the app's if it installed one.
        crate::tls::install_provider();
        let builder = Client::builder().connect_timeout(connect_timeout).redirect(::reqwest::redirect::Policy::none());
        let builder = if direct { builder.no_proxy() } else { builder };
        let client = builder.build().map_err(|e| Error::configuration(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self { client })
    }

    async fn exchange(client: Client, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let method = match request.method {
            HttpMethod::Get => Method::GET,
            HttpMethod::Post => Method::POST,
        };
        let mut builder = client.request(method, &request.url).timeout(request.timeout);
        for (name, value) in &request.headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid_header())?;
            let mut value = HeaderValue::from_str(value).map_err(|_| invalid_header())?;
            value.set_sensitive(name == ::reqwest::header::AUTHORIZATION);
            builder = builder.header(name, value);
        }
        if request.method == HttpMethod::Post {
            builder = builder.body(request.body);
        }
        let response = builder.send().await.map_err(transport_error)?;
        let status = response.status().as_u16();
        // A value that is not visible ASCII is left out: nothing the core reads can be one.
        let headers = response
            .headers()
            .iter()
            .filter_map(|(name, value)| Some((name.as_str().to_string(), value.to_str().ok()?.to_string())))
            .collect();
        let body = read_capped(response, request.max_response_bytes)
            .await
            .map_err(transport_error)?
            .map(|b| b.to_vec());
        Ok(HttpResponse { status, headers, body })
    }
}

impl HttpTransport for ReqwestTransport {
    fn send(&self, request: HttpRequest) -> TransportFuture {
        Box::pin(Self::exchange(self.client.clone(), request))
    }
}

fn invalid_header() -> TransportError {
    TransportError::Network { message: "a request header is not a valid HTTP header".into() }
}

/// The body, or `None` once it is known to exceed `limit` (from `Content-Length`, or while
/// reading a body of unknown length); either way no more than `limit` bytes are read.
pub(crate) async fn read_capped(mut response: Response, limit: usize) -> Result<Option<Bytes>, ::reqwest::Error> {
    if response.content_length().is_some_and(|length| length > limit as u64) {
        return Ok(None);
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body.freeze()))
}

fn transport_error(err: ::reqwest::Error) -> TransportError {
    if err.is_timeout() {
        return TransportError::Timeout;
    }
    TransportError::Network { message: network_message(err) }
}

/// A reqwest error as the engine reports it.
pub(crate) fn network_error(err: ::reqwest::Error) -> Error {
    transport_error(err).into()
}

/// The error and its causes, without the URL: it is not secret, but it is noise, and the
/// message stays stable.
fn network_message(err: ::reqwest::Error) -> String {
    let err = err.without_url();
    if answered_without_tls(&err) {
        return "the server did not answer with TLS: it may speak plain http://, not https://".into();
    }
    let mut message = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// Whether the TLS handshake failed because the first bytes back were not a TLS record, as
/// when an `https://` URL points at a plain HTTP server (rustls reports an invalid content
/// type). The rustls error arrives inside (nested) `io::Error`s, whose `source` skips it.
fn answered_without_tls(err: &::reqwest::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(error) = cause {
        let mut wrapped = Some(error);
        while let Some(candidate) = wrapped {
            if let Some(rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType)) =
                candidate.downcast_ref::<rustls::Error>()
            {
                return true;
            }
            wrapped = candidate
                .downcast_ref::<std::io::Error>()
                .and_then(std::io::Error::get_ref)
                .map(|inner| inner as &(dyn std::error::Error + 'static));
        }
        cause = error.source();
    }
    false
}
