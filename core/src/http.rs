//! HTTP pieces shared by the Frontend API transport and the Backend API client: decoding
//! Clerk's error body, the `Retry-After` header, and the retry loop.

use std::future::Future;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::clock::Clock;
use crate::error::{ApiError, ApiErrorEntry, Error, InvalidResponse};
use crate::retry::{RetryPolicy, parse_retry_after};

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
