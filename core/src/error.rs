//! One typed error for everything the engine can report. The server's error detail is kept
//! whole; tokens never appear in any message.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// The API answered with an error status.
    #[error("{0}")]
    Api(ApiError),
    /// The connection failed or broke before a full response arrived.
    #[error("network error: {message}")]
    Network { message: String },
    /// No response within the request timeout, or the call's deadline passed.
    #[error("request timed out")]
    Timeout,
    /// The device has no network (the platform said so, or the transport found none): nothing
    /// was sent and nothing is retried until the network returns.
    #[error("offline: {message}")]
    Offline { message: String },
    /// The API answered 2xx with something that is not what the contract says.
    #[error("invalid response: {0}")]
    InvalidResponse(InvalidResponse),
    /// The SDK was set up or called wrongly (bad publishable key, insecure URL, no runtime,
    /// options the API cannot honour, ...).
    #[error("configuration error: {message}")]
    Configuration { message: String },
    /// The work was abandoned, e.g. because the engine shut down.
    #[error("cancelled")]
    Cancelled,
    /// A bug inside the engine (such as a panic) surfaced as an error instead of a crash.
    #[error("internal error: {message}")]
    Internal { message: String },
}

/// Why a 2xx response was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidResponse {
    #[error("body is not the expected JSON")]
    NotJson,
    #[error("token response has no jwt")]
    MissingJwt,
    #[error("jwt is malformed")]
    MalformedJwt,
    #[error("jwt has no exp claim")]
    MissingExpiry,
    #[error("jwt had already expired when it arrived")]
    ExpiredOnArrival,
    #[error("sign-in did not complete")]
    SignInIncomplete,
    /// Reading stopped at the limit; the rest of the body was never read.
    #[error("body is larger than the {limit} bytes allowed")]
    TooLarge { limit: usize },
}

/// An error answer from the Clerk API: `{"errors":[...],"clerk_trace_id":"..."}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub errors: Vec<ApiErrorEntry>,
    pub clerk_trace_id: Option<String>,
    /// From the `Retry-After` header, when the server sent one.
    pub retry_after: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ApiErrorEntry {
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub long_message: Option<String>,
    #[serde(default)]
    pub meta: serde_json::Map<String, serde_json::Value>,
}

/// Error codes after which the session can no longer mint tokens.
pub const SESSION_ENDING_CODES: &[&str] = &[
    "session_revoked",
    "session_expired",
    "session_ended",
    "session_removed",
    "session_abandoned",
    "session_not_found",
    "authentication_invalid",
    "signed_out",
];

impl ApiError {
    pub fn has_code(&self, code: &str) -> bool {
        self.errors.iter().any(|e| e.code == code)
    }

    /// The first code, which is what callers usually branch on.
    pub fn code(&self) -> Option<&str> {
        self.errors.first().map(|e| e.code.as_str())
    }

    pub fn ends_session(&self) -> bool {
        self.errors.iter().any(|e| SESSION_ENDING_CODES.contains(&e.code.as_str()))
    }

    pub fn is_transient(&self) -> bool {
        matches!(self.status, 408 | 425 | 429) || self.status >= 500
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "API error {}", self.status)?;
        for entry in &self.errors {
            write!(f, "; {}: {}", entry.code, entry.message)?;
            if let Some(long) = &entry.long_message {
                write!(f, " ({long})")?;
            }
        }
        if let Some(wait) = self.retry_after {
            write!(f, "; the server asked to wait {} before retrying", format_wait(wait))?;
        }
        if let Some(trace) = &self.clerk_trace_id {
            write!(f, " [trace {trace}]")?;
        }
        Ok(())
    }
}

/// `Retry-After` as a person reads it: "45 s", "2 min 5 s", "1 h 0 min".
fn format_wait(wait: Duration) -> String {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    match (secs / 3600, secs / 60 % 60, secs % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

impl Error {
    /// Worth trying again: the server or the network may behave differently next time. An
    /// offline error is not: the next attempt waits for the network to return.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Api(api) => api.is_transient(),
            Error::Network { .. } | Error::Timeout => true,
            _ => false,
        }
    }

    /// The failure says nothing about the token, only that it could not be fetched now (a
    /// transient error, or no network): a still-valid cached token may be served instead.
    pub fn is_temporary(&self) -> bool {
        self.is_transient() || matches!(self, Error::Offline { .. })
    }

    pub fn ends_session(&self) -> bool {
        matches!(self, Error::Api(api) if api.ends_session())
    }

    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }

    pub(crate) fn configuration(message: impl Into<String>) -> Self {
        Error::Configuration { message: message.into() }
    }
}

impl From<crate::transport::TransportError> for Error {
    fn from(error: crate::transport::TransportError) -> Self {
        match error {
            crate::transport::TransportError::Timeout => Error::Timeout,
            crate::transport::TransportError::Network { message } => Error::Network { message },
            crate::transport::TransportError::Offline { message } => Error::Offline { message },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: &str) -> ApiError {
        ApiError {
            status,
            errors: vec![ApiErrorEntry {
                code: code.into(),
                message: "m".into(),
                long_message: Some("long".into()),
                meta: Default::default(),
            }],
            clerk_trace_id: Some("trace_1".into()),
            retry_after: None,
        }
    }

    #[test]
    fn classifies_transient_and_session_ending() {
        for status in [408, 425, 429, 500, 502, 503, 504] {
            assert!(Error::Api(api(status, "x")).is_transient(), "{status}");
        }
        for status in [400, 401, 403, 404, 422] {
            assert!(!Error::Api(api(status, "x")).is_transient(), "{status}");
        }
        assert!(Error::Api(api(401, "session_revoked")).ends_session());
        assert!(!Error::Api(api(401, "form_param_missing")).ends_session());
        assert!(Error::Timeout.is_transient());
        assert!(!Error::InvalidResponse(InvalidResponse::NotJson).is_transient());
    }

    #[test]
    fn display_keeps_server_detail() {
        let text = Error::Api(api(422, "missing_expired_token")).to_string();
        assert_eq!(text, "API error 422; missing_expired_token: m (long) [trace trace_1]");
    }

    #[test]
    fn display_says_how_long_the_server_asked_to_wait() {
        let wait = |secs: f64| {
            let error = ApiError { retry_after: Some(Duration::from_secs_f64(secs)), ..api(429, "too_many_requests") };
            Error::Api(error).to_string()
        };
        assert_eq!(
            wait(3600.0),
            "API error 429; too_many_requests: m (long); \
             the server asked to wait 1 h 0 min before retrying [trace trace_1]"
        );
        assert!(wait(45.0).contains("asked to wait 45 s before"));
        assert!(wait(125.5).contains("asked to wait 2 min 6 s before"), "rounded up: {}", wait(125.5));
    }
}
