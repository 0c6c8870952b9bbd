//! Entry points for the cargo-fuzz targets in `core/fuzz/` (feature `fuzzing`, never on in
//! shipped builds). Each one runs exactly the code the engine runs on bytes from the network
//! or from the app, so a crash found here is a crash in the engine. Not a public API.

use std::time::Duration;

pub use crate::error::{ApiError, Error, InvalidResponse};
use crate::state::State;
use crate::token::{CacheKey, TokenResource};

/// The latest `exp`, `iat` or `oiat` a token may carry (9999-12-31T23:59:59Z).
pub const MAX_TIME_SECS: i64 = crate::jwt::MAX_TIME_SECS;

/// A token as the engine takes it from a `jwt` field.
pub fn decode_jwt(jwt: &str) -> Result<TokenResource, Error> {
    TokenResource::from_jwt(jwt.to_string())
}

/// The body of `POST /v1/client/sessions/{id}/tokens`, decoded as the engine caches it.
pub fn token_response(body: &[u8]) -> Result<TokenResource, Error> {
    crate::fapi::token_response(body).and_then(TokenResource::from_jwt)
}

/// What the engine made of a `GET /v1/client` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOutcome {
    pub active_session_id: Option<String>,
    /// Sessions of the body whose status is `active`, in body order.
    pub active_sessions: Vec<String>,
    pub cached_tokens: usize,
    /// Whether the active session has a cached session token, and its `exp`.
    pub active_token_expires_at: Option<i64>,
}

/// Parses a `GET /v1/client` body and applies it to `state`, as `Clerk::load` does.
pub fn client_response(state: &mut ClientState, body: &[u8], server_now_ms: i64) -> Result<ClientOutcome, Error> {
    let client = crate::fapi::client_response(body)?;
    state.0.apply_client(client.as_ref(), server_now_ms);
    let active_sessions =
        client.iter().flat_map(|c| &c.sessions).filter(|s| s.status == "active").map(|s| s.id.clone()).collect();
    Ok(state.outcome(active_sessions))
}

/// Signs the client out locally, as a `null` client in a response does.
pub fn clear_client(state: &mut ClientState, server_now_ms: i64) -> ClientOutcome {
    state.0.apply_client(None, server_now_ms);
    state.outcome(Vec::new())
}

/// The engine's session and token state.
pub struct ClientState(State);

impl ClientState {
    pub fn new(max_cached_tokens: usize) -> Self {
        Self(State::new(max_cached_tokens))
    }

    fn outcome(&mut self, active_sessions: Vec<String>) -> ClientOutcome {
        let active_session_id = self.0.active_session_id().map(str::to_string);
        let active_token_expires_at = active_session_id
            .as_deref()
            .and_then(|id| self.0.cached(&CacheKey::session_token(id)))
            .map(|token| token.expires_at);
        ClientOutcome { active_session_id, active_sessions, cached_tokens: self.0.cache_len(), active_token_expires_at }
    }
}

/// An error answer (`ClerkErrors` or anything else) with this status; `None` for a status
/// outside 100..=999, which HTTP cannot carry.
pub fn error_response(status: u16, body: &[u8], retry_after: Option<Duration>) -> Option<ApiError> {
    (100..=999).contains(&status).then(|| crate::http::api_error(status, body, retry_after))
}

/// A raw `Retry-After` header value, read as the transport reads it.
pub fn retry_after_header(value: &[u8], server_now_ms: i64) -> Option<Duration> {
    crate::http::retry_after(std::str::from_utf8(value).ok(), server_now_ms)
}
