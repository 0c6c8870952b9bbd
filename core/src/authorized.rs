//! Calling the app's own backend with the session token as `Authorization: Bearer <jwt>`.

use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{Request, Response, StatusCode};
use url::{Origin, Url};

use crate::config::check_transport_security;
use crate::error::Error;
use crate::session::Session;
use crate::token::GetTokenOptions;

/// A reqwest client that authorizes requests to the app's own backend with the session's
/// token. Only the origins it was given get the token; a request to any other host (a CDN,
/// an analytics endpoint sharing the client) is sent exactly as it was built, its own headers
/// included. On a 401 from an authorized origin it fetches a new token (`skip_cache`) and
/// retries once; never more.
pub struct AuthorizedClient {
    http: reqwest::Client,
    session: Session,
    options: GetTokenOptions,
    origins: Vec<Origin>,
}

impl AuthorizedClient {
    /// `origins`: the app's backends, e.g. `["https://api.example.com"]`; `https://` only
    /// (plain `http://` for loopback hosts), and at least one: no default authorizes
    /// everything.
    pub fn new<'a>(http: reqwest::Client, session: Session, origins: impl IntoIterator<Item = &'a str>) -> Result<Self, Error> {
        let origins = origins
            .into_iter()
            .map(|origin| {
                let url = Url::parse(origin).map_err(|e| Error::configuration(format!("{origin:?} is not an origin: {e}")))?;
                check_transport_security(&url)?;
                Ok(url.origin())
            })
            .collect::<Result<Vec<_>, Error>>()?;
        if origins.is_empty() {
            return Err(Error::configuration("give the origins of the app's backends the token may go to"));
        }
        Ok(Self { http, session, options: GetTokenOptions::default(), origins })
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

    /// Sends `request`, with the header set if it goes to one of the origins. Without an active
    /// session it is sent without one, and the backend's answer comes back as it is.
    pub async fn send(&self, request: Request) -> Result<Response, Error> {
        if !self.origins.contains(&request.url().origin()) {
            return self.http.execute(request).await.map_err(crate::transport::network_error);
        }
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
