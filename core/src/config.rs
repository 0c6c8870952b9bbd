//! How an engine instance is set up: which Frontend API, timeouts, retries, clock and store.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use url::Url;

use crate::clock::{Clock, SystemClock};
use crate::error::Error;
use crate::retry::RetryPolicy;
use crate::token_store::{MemoryTokenStore, TokenStore};
use crate::transport::HttpTransport;

/// The Frontend API version this engine speaks (see the OpenAPI spec of the same date).
pub const CLERK_API_VERSION: &str = "2026-05-12";

#[derive(Clone)]
pub struct ClerkConfig {
    pub frontend_api: Url,
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    pub retry: RetryPolicy,
    /// Sent as `x-clerk-sdk: <name>/<version>` so the server can tell SDKs apart.
    pub sdk_name: String,
    pub sdk_version: String,
    pub clock: Arc<dyn Clock>,
    pub token_store: Arc<dyn TokenStore>,
    /// Cap on cached tokens (sessions × templates × organizations); least recently used go.
    pub max_cached_tokens: usize,
    /// Refresh the active session's token in the background before it turns stale, so callers
    /// never wait on the network for it. Off by default in the core; the app facades turn it on.
    pub auto_refresh: bool,
    /// What sends each request; `None` is reqwest (feature `reqwest`). The app builds give the
    /// platform's own stack.
    pub transport: Option<Arc<dyn HttpTransport>>,
    /// The longest a `get_token` call waits on the network, every attempt and retry wait
    /// included, unless the call gives its own (`GetTokenOptions::deadline`).
    pub call_deadline: Duration,
}

/// How long a `get_token` call waits on the network by default.
pub const DEFAULT_CALL_DEADLINE: Duration = Duration::from_secs(10);

impl ClerkConfig {
    /// `pk_test_…` / `pk_live_…`: base64 of the Frontend API host followed by `$`.
    pub fn from_publishable_key(key: &str) -> Result<Self, Error> {
        Self::from_frontend_api_url(&format!("https://{}", frontend_api_host(key)?))
    }

    /// An explicit Frontend API URL. Plain `http://` is accepted for loopback hosts only.
    pub fn from_frontend_api_url(url: &str) -> Result<Self, Error> {
        let frontend_api = Url::parse(url)
            .map_err(|e| Error::configuration(format!("Frontend API URL is not a URL: {e}")))?;
        check_transport_security(&frontend_api)?;
        Ok(Self {
            frontend_api,
            request_timeout: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            sdk_name: "clerk-rust-core".into(),
            sdk_version: env!("CARGO_PKG_VERSION").into(),
            clock: Arc::new(SystemClock),
            token_store: Arc::new(MemoryTokenStore::new()),
            max_cached_tokens: 1024,
            auto_refresh: false,
            transport: None,
            call_deadline: DEFAULT_CALL_DEADLINE,
        })
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn with_token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.token_store = store;
        self
    }

    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    pub fn with_max_cached_tokens(mut self, max: usize) -> Self {
        self.max_cached_tokens = max;
        self
    }

    pub fn with_auto_refresh(mut self, enabled: bool) -> Self {
        self.auto_refresh = enabled;
        self
    }

    pub fn with_call_deadline(mut self, deadline: Duration) -> Self {
        self.call_deadline = deadline;
        self
    }

    pub fn with_transport(mut self, transport: Arc<dyn HttpTransport>) -> Self {
        self.transport = Some(transport);
        self
    }

    pub fn with_sdk(mut self, name: impl Into<String>, version: impl Into<String>) -> Self {
        self.sdk_name = name.into();
        self.sdk_version = version.into();
        self
    }
}

impl std::fmt::Debug for ClerkConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClerkConfig")
            .field("frontend_api", &self.frontend_api.as_str())
            .field("request_timeout", &self.request_timeout)
            .field("call_deadline", &self.call_deadline)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("max_cached_tokens", &self.max_cached_tokens)
            .field("auto_refresh", &self.auto_refresh)
            .field("transport", &if self.transport.is_some() { "given" } else { "default" })
            .field("sdk", &format_args!("{}/{}", self.sdk_name, self.sdk_version))
            .finish_non_exhaustive()
    }
}

/// The Frontend API host encoded in a publishable key.
pub fn frontend_api_host(key: &str) -> Result<String, Error> {
    let invalid = |why: &str| Error::configuration(format!("invalid publishable key: {why}"));
    let encoded = key
        .strip_prefix("pk_test_")
        .or_else(|| key.strip_prefix("pk_live_"))
        .ok_or_else(|| invalid("it must start with pk_test_ or pk_live_"))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(encoded))
        .map_err(|_| invalid("it is not base64"))?;
    let text = String::from_utf8(decoded).map_err(|_| invalid("it is not text"))?;
    let host = text.strip_suffix('$').ok_or_else(|| invalid("it does not end with '$'"))?;
    let valid_host = !host.is_empty()
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    if !valid_host {
        return Err(invalid("it does not name a host"));
    }
    Ok(host.to_string())
}

/// Device tokens and session tokens must never cross the network in clear text, except to
/// this machine (the emulator, a local proxy).
pub(crate) fn check_transport_security(url: &Url) -> Result<(), Error> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(Error::configuration(
            "plain http:// is only allowed for loopback hosts; use https://",
        )),
        other => Err(Error::configuration(format!("unsupported URL scheme {other:?}"))),
    }
}

/// This machine: `localhost` or a loopback address.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(prefix: &str, host: &str) -> String {
        format!("{prefix}{}", base64::engine::general_purpose::STANDARD.encode(format!("{host}$")))
    }

    #[test]
    fn publishable_key_decodes_to_https_frontend_api() {
        let config = ClerkConfig::from_publishable_key(&key("pk_test_", "clerk.example.com")).unwrap();
        assert_eq!(config.frontend_api.as_str(), "https://clerk.example.com/");
        let live = ClerkConfig::from_publishable_key(&key("pk_live_", "clerk.shop.dev")).unwrap();
        assert_eq!(live.frontend_api.host_str(), Some("clerk.shop.dev"));
    }

    #[test]
    fn bad_publishable_keys_are_configuration_errors() {
        let no_dollar = format!("pk_test_{}", base64::engine::general_purpose::STANDARD.encode("host"));
        for bad in ["", "sk_test_abc", "pk_test_***", &no_dollar, &key("pk_test_", ""), &key("pk_test_", "a b")] {
            let err = ClerkConfig::from_publishable_key(bad).unwrap_err();
            assert!(matches!(err, Error::Configuration { .. }), "{bad}: {err:?}");
        }
    }

    #[test]
    fn plain_http_only_for_loopback() {
        for ok in ["http://127.0.0.1:8080", "http://localhost:3000", "http://[::1]:1", "https://x.dev"] {
            ClerkConfig::from_frontend_api_url(ok).unwrap();
        }
        for bad in ["http://example.com", "http://10.0.0.1", "ftp://127.0.0.1", "not a url"] {
            assert!(matches!(
                ClerkConfig::from_frontend_api_url(bad),
                Err(Error::Configuration { .. })
            ), "{bad}");
        }
    }
}
