//! Sends Frontend API requests through the configured [`HttpTransport`]: native-app headers,
//! the device token and its rotation, clock skew sampling, error decoding, the deadline of each
//! attempt, and retries with backoff.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use url::Url;

use super::models::{ClientWire, SignInWire, Wrapped, client_response, token_response};
use crate::clock::Clock;
use crate::config::{CLERK_API_VERSION, ClerkConfig};
use crate::connectivity::Connectivity;
use crate::metrics::{Metrics, RequestMetric, RequestRoute, outcome_of};
use crate::error::{Error, InvalidResponse};
use crate::events::{ClerkEvent, Events};
use crate::http::{self, parse_json};
use crate::retry::RetryPolicy;
use crate::skew::SkewEstimator;
use crate::token_store::TokenStore;
use crate::transport::{HttpMethod, HttpRequest, HttpResponse, HttpTransport};

const FORM: &str = "application/x-www-form-urlencoded";

/// What one attempt that got an HTTP answer came back with.
struct Answered {
    status: u16,
    /// Body bytes received (0 for a body past the limit, which the transport stops reading).
    body_bytes: u64,
    /// The body, or the error the answer means.
    answer: Result<Vec<u8>, Error>,
}

pub(crate) struct FapiTransport {
    http: Arc<dyn HttpTransport>,
    base: Url,
    request_timeout: Duration,
    connect_timeout: Duration,
    store: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    skew: SkewEstimator,
    retry: RetryPolicy,
    sdk_header: String,
    events: Arc<Events>,
    connectivity: Arc<Connectivity>,
    metrics: Arc<Metrics>,
    /// Serialises every read-compare-write of the device token.
    device_token_lock: Mutex<()>,
}

impl FapiTransport {
    pub fn new(
        config: &ClerkConfig,
        events: Arc<Events>,
        connectivity: Arc<Connectivity>,
        metrics: Arc<Metrics>,
    ) -> Result<Self, Error> {
        let http = match &config.transport {
            Some(transport) => transport.clone(),
            None => default_transport(config)?,
        };
        let sdk_header = format!("{}/{}", config.sdk_name, config.sdk_version);
        if !is_header_value(&sdk_header) {
            return Err(Error::configuration("SDK name/version must be visible ASCII"));
        }
        Ok(Self {
            http,
            base: config.frontend_api.clone(),
            request_timeout: config.request_timeout,
            connect_timeout: config.connect_timeout,
            store: config.token_store.clone(),
            clock: config.clock.clone(),
            skew: SkewEstimator::default(),
            retry: config.retry.clone(),
            sdk_header,
            events,
            connectivity,
            metrics,
            device_token_lock: Mutex::new(()),
        })
    }

    /// The server's time as best known, in Unix milliseconds.
    pub fn server_now_ms(&self) -> i64 {
        self.skew.server_now_ms(self.clock.now_ms())
    }

    pub fn clock_offset_ms(&self) -> i64 {
        self.skew.offset_ms()
    }

    pub async fn get_client(&self) -> Result<Option<ClientWire>, Error> {
        let body = self.send(RequestRoute::Client, HttpMethod::Get, &["v1", "client"], &[], http::MAX_CLIENT_BODY).await?;
        client_response(&body)
    }

    pub async fn sign_in_with_ticket(&self, ticket: &str) -> Result<(String, Option<ClientWire>), Error> {
        let form = [("strategy", "ticket"), ("ticket", ticket)];
        let body = self.send(RequestRoute::SignIn, HttpMethod::Post, &["v1", "client", "sign_ins"], &form, http::MAX_CLIENT_BODY).await?;
        let wrapped: Wrapped<SignInWire> = parse_json(&body)?;
        let sign_in = wrapped.response.ok_or(Error::InvalidResponse(InvalidResponse::NotJson))?;
        match (sign_in.status.as_str(), sign_in.created_session_id) {
            ("complete", Some(session_id)) => Ok((session_id, wrapped.client)),
            _ => Err(Error::InvalidResponse(InvalidResponse::SignInIncomplete)),
        }
    }

    pub async fn end_session(&self, session_id: &str) -> Result<Option<ClientWire>, Error> {
        let path = ["v1", "client", "sessions", session_id, "end"];
        let body = self.send(RequestRoute::SignOut, HttpMethod::Post, &path, &[], http::MAX_CLIENT_BODY).await?;
        let wrapped: Wrapped<serde::de::IgnoredAny> = parse_json(&body)?;
        Ok(wrapped.client)
    }

    /// Mints a session token (or a JWT template token). Returns the raw JWT.
    pub async fn create_token(
        &self,
        session_id: &str,
        template: Option<&str>,
        organization_id: Option<&str>,
        expired_token: Option<&str>,
    ) -> Result<String, Error> {
        let mut path = vec!["v1", "client", "sessions", session_id, "tokens"];
        path.extend(template);
        let mut form = Vec::new();
        // The template route takes no organization (the engine refuses to ask for one).
        if template.is_none() {
            form.extend(organization_id.map(|org| ("organization_id", org)));
        }
        form.extend(expired_token.map(|token| ("expired_token", token)));
        let route = if template.is_some() { RequestRoute::TemplateToken } else { RequestRoute::SessionToken };
        let body = self.send(route, HttpMethod::Post, &path, &form, http::MAX_TOKEN_BODY).await?;
        token_response(&body)
    }

    /// Forgets the device token, whatever the store holds: the client it named is gone for
    /// this device.
    pub fn forget_device_token(&self) {
        let _serial = self.device_token_lock.lock().unwrap_or_else(PoisonError::into_inner);
        let stored = self.store.load();
        if stored.is_some() {
            self.store.save(None);
        }
        if normalize(stored).is_some() {
            self.events.emit(ClerkEvent::DeviceTokenChanged { cleared: true });
        }
    }

    /// One logical request: retried on transient failures within the retry policy. At most
    /// `limit` bytes of the answer are read.
    async fn send(
        &self,
        route: RequestRoute,
        method: HttpMethod,
        path: &[&str],
        form: &[(&str, &str)],
        limit: usize,
    ) -> Result<Vec<u8>, Error> {
        let connectivity = Some(self.connectivity.as_ref());
        let result = http::with_retries(self.clock.as_ref(), &self.retry, connectivity, |attempt| {
            self.measured(route, attempt, self.send_once(method, path, form, limit))
        })
        .await;
        if let Err(Error::Offline { .. }) = &result {
            self.metrics.offline_refused();
        }
        result
    }

    /// Runs one attempt and records it (its duration on real time: an app's telemetry wants
    /// what the user waited).
    async fn measured(
        &self,
        route: RequestRoute,
        attempt: u32,
        work: impl std::future::Future<Output = Result<Answered, Error>>,
    ) -> Result<Vec<u8>, Error> {
        let started = std::time::Instant::now();
        let sent = work.await;
        let (summary, answer) = match sent {
            Ok(Answered { status, body_bytes, answer }) => (Ok((status, body_bytes)), answer),
            // Refused before anything was sent (a stored device token that is no header value).
            Err(error @ Error::Configuration { .. }) => return Err(error),
            Err(error) => (Err(error.clone()), Err(error)),
        };
        let response_bytes = summary.as_ref().map_or(0, |(_, bytes)| *bytes);
        let outcome = outcome_of(&summary);
        self.metrics.request(RequestMetric { route, attempt, outcome, duration: started.elapsed(), response_bytes });
        answer
    }

    /// One attempt: the status that came back, and the body or the error it means. Its
    /// deadline runs on real time whatever the transport does, so a hang ends there; dropping
    /// the transport's future cancels the platform's request.
    async fn send_once(
        &self,
        method: HttpMethod,
        path: &[&str],
        form: &[(&str, &str)],
        limit: usize,
    ) -> Result<Answered, Error> {
        let sent_device_token = normalize(self.store.load());
        let request = self.request(method, path, form, limit, sent_device_token.as_deref())?;
        let response = match tokio::time::timeout(self.request_timeout, self.http.send(request)).await {
            Ok(response) => response?,
            Err(_elapsed) => return Err(Error::Timeout),
        };
        let device_now = self.clock.now_ms();
        let server_date_secs = response
            .header("date")
            .and_then(|v| httpdate::parse_http_date(v).ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs() as i64);
        if let Some(secs) = server_date_secs {
            self.skew.observe(secs, device_now);
        }
        if let Some(update) = device_token_update(&response) {
            self.rotate_device_token(sent_device_token.as_deref(), update);
        }
        let server_now_ms = server_date_secs.map_or_else(|| self.server_now_ms(), |s| s * 1000);
        let retry_after = http::retry_after(response.header("retry-after"), server_now_ms);
        // An error answer's body counts too: it is what the device downloaded.
        let body_bytes = response.body.as_ref().map_or(0, |body| body.len() as u64);
        Ok(Answered { status: response.status, body_bytes, answer: http::answer(response.status, response.body, limit, retry_after) })
    }

    /// The request exactly as the Frontend API expects it from a native app.
    fn request(
        &self,
        method: HttpMethod,
        path: &[&str],
        form: &[(&str, &str)],
        limit: usize,
        device_token: Option<&str>,
    ) -> Result<HttpRequest, Error> {
        let mut headers = vec![
            ("clerk-api-version".to_string(), CLERK_API_VERSION.to_string()),
            ("x-mobile".to_string(), "1".to_string()),
            ("x-clerk-sdk".to_string(), self.sdk_header.clone()),
        ];
        if let Some(device_token) = device_token {
            if !is_header_value(device_token) {
                return Err(Error::configuration("stored device token is not a valid header value"));
            }
            headers.push(("authorization".to_string(), device_token.to_string()));
        }
        let mut body = Vec::new();
        if method == HttpMethod::Post {
            headers.push(("content-type".to_string(), FORM.to_string()));
            body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish().into_bytes();
        }
        Ok(HttpRequest {
            method,
            url: self.url(path).into(),
            headers,
            body,
            max_response_bytes: limit,
            connect_timeout: self.connect_timeout,
            timeout: self.request_timeout,
        })
    }

    /// The server rotates the device token by answering with a new one (or clears it). Compare
    /// and swap: the answer replaces the stored token only if the store still holds the one its
    /// request was sent with. Otherwise a later answer (or a sign-out) changed it meanwhile, and
    /// this one must not undo that.
    fn rotate_device_token(&self, sent: Option<&str>, update: Option<String>) {
        let _serial = self.device_token_lock.lock().unwrap_or_else(PoisonError::into_inner);
        let stored = normalize(self.store.load());
        if stored.as_deref() != sent {
            tracing::debug!("the device token changed while the request was in flight; its rotation is dropped");
            return;
        }
        if update == stored {
            return;
        }
        let cleared = update.is_none();
        self.store.save(update);
        self.events.emit(ClerkEvent::DeviceTokenChanged { cleared });
    }

    fn url(&self, path: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().extend(path);
        }
        url.query_pairs_mut().append_pair("_is_native", "true");
        url
    }

    /// Records a token's `iat` as a server time sample (used when no `Date` header came).
    pub fn observe_issued_at(&self, iat_secs: i64) {
        let device_now = self.clock.now_ms();
        if iat_secs * 1000 > self.skew.server_now_ms(device_now) {
            self.skew.observe(iat_secs, device_now);
        }
    }
}

/// The device token as the app's store holds it, trimmed; a blank one counts as none.
fn normalize(token: Option<String>) -> Option<String> {
    token.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

/// The transport for an engine configured without one.
#[cfg(feature = "reqwest")]
fn default_transport(config: &ClerkConfig) -> Result<Arc<dyn HttpTransport>, Error> {
    Ok(Arc::new(crate::transport::ReqwestTransport::for_origin(&config.frontend_api, config.connect_timeout)?))
}

#[cfg(not(feature = "reqwest"))]
fn default_transport(_config: &ClerkConfig) -> Result<Arc<dyn HttpTransport>, Error> {
    Err(Error::configuration(
        "no HTTP transport: give the platform's with ClerkConfig::with_transport, or build with the reqwest feature",
    ))
}

/// Visible ASCII (and tabs), as an HTTP header value must be.
fn is_header_value(value: &str) -> bool {
    value.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
}

/// What a response's `Authorization` header does to the device token: `Some(None)` clears it
/// (an empty value, or the scheme `Bearer` alone), `Some(Some(token))` replaces it, `None`
/// leaves it (no header, or one that is not text).
fn device_token_update(response: &HttpResponse) -> Option<Option<String>> {
    let value = response.header("authorization").filter(|v| is_header_value(v))?.trim();
    if value.is_empty() || value.eq_ignore_ascii_case("bearer") {
        return Some(None);
    }
    Some(Some(value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(headers: Vec<(String, String)>) -> HttpResponse {
        HttpResponse { status: 200, headers, body: Some(Vec::new()) }
    }

    fn update(value: &[u8]) -> Option<Option<String>> {
        let value = String::from_utf8_lossy(value).into_owned();
        device_token_update(&response(vec![("Authorization".into(), value)]))
    }

    #[test]
    fn an_empty_value_or_the_scheme_alone_clears_the_device_token() {
        for clears in [&b""[..], b"Bearer", b"Bearer ", b"  bearer\t", b"BEARER"] {
            assert_eq!(update(clears), Some(None), "{:?}", String::from_utf8_lossy(clears));
        }
        assert_eq!(update(b" dvt_1 "), Some(Some("dvt_1".to_string())));
        assert_eq!(update(b"Bearer dvt_1"), Some(Some("Bearer dvt_1".to_string())), "kept as sent, as the SDKs do");
        assert_eq!(update(b"dvt_\xff"), None, "a value that is not text leaves the token alone");
        assert_eq!(device_token_update(&response(vec![])), None);
    }

    #[test]
    fn a_stored_device_token_is_trimmed_and_a_blank_one_is_none() {
        assert_eq!(normalize(Some(" dvt_1\n".into())), Some("dvt_1".to_string()));
        for blank in ["", "   ", "\t\r\n"] {
            assert_eq!(normalize(Some(blank.into())), None, "{blank:?}");
        }
        assert_eq!(normalize(None), None);
    }
}
