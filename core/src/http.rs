//! HTTP pieces shared by the Frontend API transport and the Backend API client, whatever sends
//! the requests: the body limits, decoding Clerk's error body, the `Retry-After` header, and
//! the retry loop.

use std::future::Future;
use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::clock::Clock;
use crate::connectivity::Connectivity;
use crate::error::{ApiError, ApiErrorEntry, Error, InvalidResponse};
use crate::retry::{RetryPolicy, parse_retry_after};

/// Body limits. A session token response is a few KB; a client object with many sessions and
/// users is larger, but far below 4 MiB. Whatever a server sends, no more is read.
pub(crate) const MAX_TOKEN_BODY: usize = 64 * 1024;
pub(crate) const MAX_CLIENT_BODY: usize = 4 * 1024 * 1024;

/// The body of a 2xx answer, or the error it means. `body` is `None` when reading stopped at
/// `limit`; a body over `limit` is refused here too, whatever the transport reported. A 2xx
/// body over the limit is `InvalidResponse::TooLarge`; an error status keeps its status (and
/// `retry_after`) without its body.
pub(crate) fn answer(status: u16, body: Option<Vec<u8>>, limit: usize, retry_after: Option<Duration>) -> Result<Vec<u8>, Error> {
    let body = body.filter(|body| body.len() <= limit);
    if !(200..300).contains(&status) {
        return Err(Error::Api(api_error(status, body.as_deref().unwrap_or_default(), retry_after)));
    }
    body.ok_or(Error::InvalidResponse(InvalidResponse::TooLarge { limit }))
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
pub(crate) fn api_error(status: u16, body: &[u8], retry_after: Option<Duration>) -> ApiError {
    let wire: ErrorsWire = serde_json::from_slice(body).unwrap_or(ErrorsWire { errors: vec![], clerk_trace_id: None });
    ApiError { status, errors: wire.errors, clerk_trace_id: wire.clerk_trace_id, retry_after }
}

/// A `Retry-After` header value as a duration; an HTTP date is measured from `server_now_ms`.
/// A value that is not visible ASCII (as an HTTP header value must be) means nothing.
pub(crate) fn retry_after(value: Option<&str>, server_now_ms: i64) -> Option<Duration> {
    let value = value.filter(|v| v.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b)))?;
    parse_retry_after(value, server_now_ms)
}

/// Runs `attempt` (given its number, from 1) until it succeeds or `policy` says to stop,
/// sleeping on `clock` between. With `connectivity`, nothing is attempted while the device is
/// offline (the error comes at once), and a reconnection ends a wait between attempts early.
pub(crate) async fn with_retries<T, F, Fut>(
    clock: &dyn Clock,
    policy: &RetryPolicy,
    connectivity: Option<&Connectivity>,
    mut attempt: F,
) -> Result<T, Error>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let started = clock.now_ms();
    let mut attempts = 0;
    loop {
        if connectivity.is_some_and(|c| !c.is_online()) {
            return Err(Error::Offline { message: "the device has no network connection".into() });
        }
        let error = match attempt(attempts + 1).await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let elapsed = Duration::from_millis((clock.now_ms() - started).max(0) as u64);
        let Some(delay) = policy.delay_after(&error, attempts, elapsed) else {
            return Err(error);
        };
        tracing::debug!(attempts, ?delay, %error, "retrying request");
        match connectivity {
            Some(connectivity) => {
                let reconnected = connectivity.reconnected();
                tokio::select! {
                    () = clock.sleep(delay) => {}
                    () = reconnected => tracing::debug!("back online: retrying at once"),
                }
            }
            None => clock.sleep(delay).await,
        }
        attempts += 1;
    }
}
