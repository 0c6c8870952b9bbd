//! HTTP pieces shared by the Frontend API transport and the Backend API client: reading a
//! response body within a size limit, decoding Clerk's error body, the `Retry-After` header,
//! and the retry loop.

use std::future::Future;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Response, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::clock::Clock;
use crate::error::{ApiError, ApiErrorEntry, Error, InvalidResponse};
use crate::retry::{RetryPolicy, parse_retry_after};

/// Body limits. A session token response is a few KB; a client object with many sessions and
/// users is larger, but far below 4 MiB. Whatever a server sends, no more is read.
pub(crate) const MAX_TOKEN_BODY: usize = 64 * 1024;
pub(crate) const MAX_CLIENT_BODY: usize = 4 * 1024 * 1024;

/// Reads `response` whole if its body is at most `limit` bytes. A 2xx body over the limit is
/// `InvalidResponse::TooLarge`; an error status keeps its status (and `retry_after`) with the
/// body left unread. Either way reading stops at the limit and the connection is dropped, so
/// memory never follows what the server sends.
pub(crate) async fn read_response(
    response: Response,
    limit: usize,
    retry_after: Option<Duration>,
) -> Result<Bytes, Error> {
    let status = response.status();
    let body = read_capped(response, limit).await?;
    if !status.is_success() {
        return Err(Error::Api(api_error(status, body.as_deref().unwrap_or_default(), retry_after)));
    }
    body.ok_or(Error::InvalidResponse(InvalidResponse::TooLarge { limit }))
}

/// The body, or `None` once it is known to exceed `limit` (from `Content-Length`, or while
/// reading a body of unknown length).
pub(crate) async fn read_capped(mut response: Response, limit: usize) -> Result<Option<Bytes>, Error> {
    if response.content_length().is_some_and(|length| length > limit as u64) {
        return Ok(None);
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(Error::from_reqwest)? {
        if body.len() + chunk.len() > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body.freeze()))
}

#[derive(Deserialize)]
struct ErrorsWire {
    #[serde(default)]
    errors: Vec<ApiErrorEntry>,
    #[serde(default)]
    clerk_trace_id: Option<String>,
}

pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|_| Error::InvalidResponse(InvalidResponse::NotJson))
}

/// Keeps every error entry the server sent. A body that is not `ClerkErrors` (a proxy's HTML
/// page, say) still yields the status.
pub(crate) fn api_error(status: StatusCode, body: &[u8], retry_after: Option<Duration>) -> ApiError {
    let wire: ErrorsWire = serde_json::from_slice(body).unwrap_or(ErrorsWire { errors: vec![], clerk_trace_id: None });
    ApiError { status: status.as_u16(), errors: wire.errors, clerk_trace_id: wire.clerk_trace_id, retry_after }
}

/// `Retry-After` as a duration; an HTTP date is measured from `server_now_ms`.
pub(crate) fn retry_after(headers: &HeaderMap, server_now_ms: i64) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, server_now_ms)
}

/// Runs `attempt` until it succeeds or `policy` says to stop, sleeping on `clock` between.
pub(crate) async fn with_retries<T, F, Fut>(clock: &dyn Clock, policy: &RetryPolicy, mut attempt: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let started = clock.now_ms();
    let mut attempts = 0;
    loop {
        let error = match attempt().await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let elapsed = Duration::from_millis((clock.now_ms() - started).max(0) as u64);
        let Some(delay) = policy.delay_after(&error, attempts, elapsed) else {
            return Err(error);
        };
        tracing::debug!(attempts, ?delay, %error, "retrying request");
        clock.sleep(delay).await;
        attempts += 1;
    }
}
