//! Calling the app's own backend with the session token as `Authorization: Bearer <jwt>`.

use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{Request, Response, StatusCode};

use crate::error::Error;
use crate::session::Session;
use crate::token::GetTokenOptions;

/// A reqwest client that authorizes every request with the session's token. On a 401 from
/// the app's backend it fetches a new token (`skip_cache`) and retries once; never more.
pub struct AuthorizedClient {
    http: reqwest::Client,
    session: Session,
    options: GetTokenOptions,
}

impl AuthorizedClient {
    pub fn new(http: reqwest::Client, session: Session) -> Self {
        Self { http, session, options: GetTokenOptions::default() }
    }

    /// Authorize with a JWT template token instead of the session token.
    pub fn with_options(mut self, options: GetTokenOptions) -> Self {
        self.options = options;
        self
    }

    /// The `Authorization` header value, or `None` when the session is no longer active.
    pub async fn authorization_header(&self) -> Result<Option<String>, Error> {
        bearer(&self.session, self.options.clone()).await
    }

    /// Sends `request` with the header set. Without an active session it is sent without one,
    /// and the backend's answer comes back as it is.
    pub async fn send(&self, request: Request) -> Result<Response, Error> {
        let retry = request.try_clone();
        let response = self.send_with(request, self.options.clone()).await?;
        let Some(retry) = retry.filter(|_| response.status() == StatusCode::UNAUTHORIZED) else {
            return Ok(response);
        };
        // The token may have been revoked or rotated server-side: one fresh token, one retry.
        let fresh = GetTokenOptions { skip_cache: true, ..self.options.clone() };
        self.send_with(retry, fresh).await
    }

    async fn send_with(&self, mut request: Request, options: GetTokenOptions) -> Result<Response, Error> {
        if let Some(header) = bearer(&self.session, options).await? {
            let mut value = HeaderValue::from_str(&header)
                .map_err(|_| Error::Internal { message: "token is not a valid header value".into() })?;
            value.set_sensitive(true);
            request.headers_mut().insert(AUTHORIZATION, value);
        }
        self.http.execute(request).await.map_err(crate::transport::network_error)
    }
}

async fn bearer(session: &Session, options: GetTokenOptions) -> Result<Option<String>, Error> {
    Ok(session.get_token(options).await?.map(|token| format!("Bearer {}", token.jwt)))
}
