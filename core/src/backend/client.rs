//! The Backend API as the seeds use it: `sessions.getToken(sessionId, template,
//! expiresInSeconds)` and sign-in tokens (tickets) for apps, tests and the demo.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use serde::Deserialize;
use serde_json::json;
use url::Url;

use crate::clock::{Clock, SystemClock};
use crate::config::{CLERK_API_VERSION, check_transport_security, is_loopback};
use crate::error::{Error, InvalidResponse};
use crate::http::{self, parse_json};
use crate::retry::RetryPolicy;
use crate::transport::{network_error, read_capped};

pub const DEFAULT_BACKEND_API_URL: &str = "https://api.clerk.com";

#[derive(Clone)]
pub struct BackendConfig {
    secret_key: String,
    pub api_url: Url,
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
    pub clock: Arc<dyn Clock>,
}

impl BackendConfig {
    /// `secret_key` is an `sk_test_…`/`sk_live_…` key; it is sent only as a Bearer header and
    /// never shown by `Debug` or in errors.
    pub fn new(secret_key: impl Into<String>) -> Result<Self, Error> {
        let secret_key = secret_key.into();
        if secret_key.trim().is_empty() {
            return Err(Error::configuration("the Backend API needs a secret key (sk_…)"));
        }
        if !secret_key.starts_with("sk_") {
            return Err(Error::configuration("a Backend API secret key starts with sk_"));
        }
        Ok(Self {
            secret_key,
            api_url: Url::parse(DEFAULT_BACKEND_API_URL).expect("valid default URL"),
            request_timeout: Duration::from_secs(15),
            retry: RetryPolicy::default(),
            clock: Arc::new(SystemClock),
        })
    }

    /// Another API URL (the emulator, a proxy). `http://` only for loopback hosts.
    pub fn with_api_url(mut self, url: &str) -> Result<Self, Error> {
        let url = Url::parse(url).map_err(|e| Error::configuration(format!("Backend API URL is not a URL: {e}")))?;
        check_transport_security(&url)?;
        self.api_url = url;
        Ok(self)
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// `Bearer <secret key>`, marked sensitive so no HTTP log shows it.
    pub(crate) fn authorization(&self) -> Result<HeaderValue, Error> {
        let mut authorization = HeaderValue::from_str(&format!("Bearer {}", self.secret_key))
            .map_err(|_| Error::configuration("the secret key is not a valid header value"))?;
        authorization.set_sensitive(true);
        Ok(authorization)
    }
}

impl std::fmt::Debug for BackendConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackendConfig")
            .field("secret_key", &"<redacted>")
            .field("api_url", &self.api_url.as_str())
            .field("request_timeout", &self.request_timeout)
            .finish_non_exhaustive()
    }
}

/// A token minted by the Backend API.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct Token {
    pub jwt: String,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token").field("jwt", &"<redacted>").finish()
    }
}

/// A sign-in token: `token` is the ticket a client signs in with.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct SignInToken {
    pub id: String,
    pub user_id: String,
    pub status: String,
    pub token: String,
    #[serde(default)]
    pub url: Option<String>,
}

impl std::fmt::Debug for SignInToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInToken")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("status", &self.status)
            .field("token", &"<redacted>")
            .finish()
    }
}

pub struct BackendClient {
    http: reqwest::Client,
    config: BackendConfig,
    authorization: HeaderValue,
}

impl BackendClient {
    pub fn new(config: BackendConfig) -> Result<Self, Error> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let builder = reqwest::Client::builder().timeout(config.request_timeout).redirect(reqwest::redirect::Policy::none());
        // No proxy for loopback: the secret key must not leave the machine over plain http.
        let builder = if is_loopback(&config.api_url) { builder.no_proxy() } else { builder };
        let http = builder
            .build()
            .map_err(|e| Error::configuration(format!("cannot build the HTTP client: {e}")))?;
        let authorization = config.authorization()?;
        Ok(Self { http, config, authorization })
    }

    pub fn sessions(&self) -> SessionTokens<'_> {
        SessionTokens(self)
    }

    pub fn sign_in_tokens(&self) -> SignInTokens<'_> {
        SignInTokens(self)
    }

    async fn post<T: for<'de> Deserialize<'de>>(&self, path: &[&str], body: serde_json::Value) -> Result<T, Error> {
        let mut url = self.config.api_url.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().push("v1").extend(path);
        }
        let clock = self.config.clock.as_ref();
        let body = serde_json::to_vec(&body).map_err(|e| Error::Internal { message: e.to_string() })?;
        let response = http::with_retries(clock, &self.config.retry, None, |_attempt| async {
            let response = self
                .http
                .request(Method::POST, url.clone())
                .header(AUTHORIZATION, self.authorization.clone())
                .header("clerk-api-version", CLERK_API_VERSION)
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone())
                .send()
                .await
                .map_err(network_error)?;
            let retry_after = response.headers().get(RETRY_AFTER).and_then(|v| v.to_str().ok());
            let retry_after = http::retry_after(retry_after, clock.now_ms());
            let status = response.status().as_u16();
            // A token or a sign-in token: a few KB at most.
            let body = read_capped(response, http::MAX_TOKEN_BODY).await.map_err(network_error)?;
            http::answer(status, body.map(|b| b.to_vec()), http::MAX_TOKEN_BODY, retry_after)
        })
        .await?;
        parse_json(&response)
    }
}

impl std::fmt::Debug for BackendClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackendClient").field("config", &self.config).finish()
    }
}

/// `client.sessions()`.
pub struct SessionTokens<'a>(&'a BackendClient);

impl SessionTokens<'_> {
    /// `POST /v1/sessions/{session_id}/tokens[/{template}]`, with `expires_in_seconds` only
    /// when given (otherwise the template's or session's default lifetime applies).
    pub async fn get_token(
        &self,
        session_id: &str,
        template: Option<&str>,
        expires_in_seconds: Option<u32>,
    ) -> Result<Token, Error> {
        let mut path = vec!["sessions", session_id, "tokens"];
        path.extend(template);
        let body = match expires_in_seconds {
            Some(seconds) => json!({ "expires_in_seconds": seconds }),
            None => json!({}),
        };
        let token: Token = self.0.post(&path, body).await?;
        if token.jwt.is_empty() {
            return Err(Error::InvalidResponse(InvalidResponse::MissingJwt));
        }
        Ok(token)
    }
}

/// `client.sign_in_tokens()`.
pub struct SignInTokens<'a>(&'a BackendClient);

impl SignInTokens<'_> {
    /// `POST /v1/sign_in_tokens` for `user_id`.
    pub async fn create(&self, user_id: &str) -> Result<SignInToken, Error> {
        self.0.post(&["sign_in_tokens"], json!({ "user_id": user_id })).await
    }
}
