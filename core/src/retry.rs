//! When and how long to wait before trying a failed request again.

use std::time::Duration;

use crate::error::Error;

#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A `Retry-After` longer than this is not waited out: the error goes to the caller.
    pub max_retry_after: Duration,
    /// Total time one operation may spend, waits included, before giving up.
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(300),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
            deadline: Duration::from_secs(45),
        }
    }
}

impl RetryPolicy {
    pub fn none() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// The wait before attempt `attempt + 1`, or `None` to stop and report `error`.
    /// `elapsed` is the time already spent on the operation.
    pub fn delay_after(&self, error: &Error, attempt: u32, elapsed: Duration) -> Option<Duration> {
        if attempt + 1 >= self.max_attempts || !error.is_transient() {
            return None;
        }
        let delay = match error.api().and_then(|api| api.retry_after) {
            Some(asked) if asked > self.max_retry_after => return None,
            Some(asked) => asked,
            None => self.backoff(attempt),
        };
        (elapsed + delay <= self.deadline).then_some(delay)
    }

    /// Exponential backoff with "equal jitter": half fixed, half random, so many clients that
    /// failed together do not come back together.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.max_delay);
        let half = ceiling / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

/// `Retry-After` is either whole seconds or an HTTP date; a date is relative to the
/// server's own `Date` (so a skewed device clock does not distort it).
pub fn parse_retry_after(value: &str, server_now_ms: i64) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    let at_ms = at.duration_since(std::time::UNIX_EPOCH).ok()?.as_millis() as i64;
    Some(Duration::from_millis(at_ms.saturating_sub(server_now_ms).max(0) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ApiError, InvalidResponse};

    fn status(status: u16, retry_after: Option<Duration>) -> Error {
        Error::Api(ApiError { status, errors: vec![], clerk_trace_id: None, retry_after })
    }

    #[test]
    fn retry_after_in_seconds_and_http_date() {
        assert_eq!(parse_retry_after("7", 0), Some(Duration::from_secs(7)));
        let now = 1_445_412_480_000; // Wed, 21 Oct 2015 07:28:00 GMT
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:05 GMT", now), Some(Duration::from_secs(5)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn backoff_grows_is_jittered_and_capped() {
        let policy = RetryPolicy::default();
        for attempt in 0..10 {
            let ceiling = (policy.base_delay * (1 << attempt)).min(policy.max_delay);
            let delay = policy.backoff(attempt);
            assert!(delay >= ceiling / 2 && delay <= ceiling, "{attempt}: {delay:?}");
        }
    }

    #[test]
    fn honours_retry_after_within_bound_and_deadline() {
        let policy = RetryPolicy::default();
        let zero = Duration::ZERO;
        assert_eq!(policy.delay_after(&status(429, Some(Duration::from_secs(2))), 0, zero), Some(Duration::from_secs(2)));
        assert_eq!(policy.delay_after(&status(429, Some(Duration::from_secs(3600))), 0, zero), None);
        assert_eq!(policy.delay_after(&status(503, None), 3, zero), None, "attempts exhausted");
        assert_eq!(policy.delay_after(&status(503, Some(Duration::from_secs(10))), 0, Duration::from_secs(40)), None);
        assert_eq!(policy.delay_after(&status(404, None), 0, zero), None);
        assert_eq!(policy.delay_after(&Error::InvalidResponse(InvalidResponse::NotJson), 0, zero), None);
        assert!(policy.delay_after(&Error::Timeout, 0, zero).is_some());
    }
}
