//! Errors as Swift `Error` / Kotlin exceptions, carrying the server's detail whole.

use std::collections::HashMap;

use clerk_core::Error as CoreError;

/// One entry of the server's `errors` array.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ClerkApiError {
    pub code: String,
    pub message: String,
    pub long_message: Option<String>,
    /// `meta` values; strings as they are, anything else as JSON text.
    pub meta: HashMap<String, String>,
}

/// Why a network error happened, so an app can tell "no network on the device" from "the
/// server could not be reached".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum NetworkReason {
    /// The device has no network (the platform said so, or the request failed for that
    /// reason). Nothing was sent and no retry was waited for: the call failed at once.
    Offline,
    /// There is a network, but the Clerk API could not be reached (DNS, connection, TLS, a
    /// broken answer).
    Unreachable,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error, uniffi::Error)]
pub enum ClerkError {
    /// The Clerk API answered with an error status.
    #[error("{description}")]
    Api {
        status: u16,
        errors: Vec<ClerkApiError>,
        clerk_trace_id: Option<String>,
        retry_after_seconds: Option<f64>,
        description: String,
    },
    #[error("network error: {detail}")]
    Network { detail: String, reason: NetworkReason },
    #[error("request timed out")]
    Timeout { detail: String },
    #[error("{detail}")]
    InvalidResponse { detail: String },
    #[error("configuration error: {detail}")]
    Configuration { detail: String },
    #[error("cancelled")]
    Cancelled { detail: String },
    #[error("internal error: {detail}")]
    Internal { detail: String },
}

impl From<CoreError> for ClerkError {
    fn from(error: CoreError) -> Self {
        let description = error.to_string();
        match error {
            CoreError::Api(api) => ClerkError::Api {
                status: api.status,
                errors: api
                    .errors
                    .into_iter()
                    .map(|e| ClerkApiError {
                        code: e.code,
                        message: e.message,
                        long_message: e.long_message,
                        meta: e
                            .meta
                            .into_iter()
                            .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_string)))
                            .collect(),
                    })
                    .collect(),
                clerk_trace_id: api.clerk_trace_id,
                retry_after_seconds: api.retry_after.map(|d| d.as_secs_f64()),
                description,
            },
            CoreError::Network { message } => ClerkError::Network { detail: message, reason: NetworkReason::Unreachable },
            CoreError::Offline { message } => ClerkError::Network { detail: message, reason: NetworkReason::Offline },
            CoreError::Timeout => ClerkError::Timeout { detail: description },
            CoreError::InvalidResponse(_) => ClerkError::InvalidResponse { detail: description },
            CoreError::Configuration { message } => ClerkError::Configuration { detail: message },
            CoreError::Cancelled => ClerkError::Cancelled { detail: description },
            CoreError::Internal { message } => ClerkError::Internal { detail: message },
        }
    }
}

/// Foreign code that throws from a callback (e.g. a token store) surfaces here.
impl From<uniffi::UnexpectedUniFFICallbackError> for ClerkError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        ClerkError::Internal { detail: format!("callback failed: {}", error.reason) }
    }
}
