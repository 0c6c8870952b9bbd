//! Clerk's error envelope: `{"errors":[{code,message,long_message,meta}],"clerk_trace_id":...}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A ClerkErrors response with a single error.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub long_message: String,
    pub meta: Value,
}

impl ApiError {
    pub fn new(status: u16, code: &str, message: &str, long_message: &str) -> Self {
        ApiError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code: code.to_string(),
            message: message.to_string(),
            long_message: long_message.to_string(),
            meta: json!({}),
        }
    }

    pub fn with_meta(mut self, meta: Value) -> Self {
        self.meta = meta;
        self
    }

    pub fn param_missing(param: &str) -> Self {
        ApiError::new(
            422,
            "form_param_missing",
            "is missing",
            &format!("{param} must be included."),
        )
        .with_meta(json!({ "param_name": param }))
    }

    pub fn param_invalid(param: &str, long_message: &str) -> Self {
        ApiError::new(422, "form_param_value_invalid", "is invalid", long_message)
            .with_meta(json!({ "param_name": param }))
    }

    /// What Clerk answers for an organization the user does not belong to.
    pub fn not_a_member(organization_id: &str, param: &str) -> Self {
        ApiError::new(
            403,
            "not_a_member_in_organization",
            "Not a member of the organization",
            &format!("The user is not a member of the organization {organization_id}."),
        )
        .with_meta(json!({ "param_name": param }))
    }

    /// What the Backend API answers for a user id the instance does not have.
    pub fn user_not_found(user_id: &str) -> Self {
        ApiError::new(
            404,
            "resource_not_found",
            "not found",
            &format!("No user was found with id {user_id}"),
        )
    }

    pub fn authentication_invalid(long_message: &str) -> Self {
        ApiError::new(
            401,
            "authentication_invalid",
            "Unauthorized request",
            long_message,
        )
    }

    pub fn body(&self) -> Value {
        json!({
            "errors": [{
                "code": self.code,
                "message": self.message,
                "long_message": self.long_message,
                "meta": self.meta,
            }],
            "clerk_trace_id": trace_id(),
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body())).into_response()
    }
}

/// Default code and wording for an injected status, so bare `{"status":503}` rules look real.
pub(crate) fn defaults_for_status(status: u16) -> (&'static str, &'static str) {
    match status {
        400 => ("bad_request", "Bad request"),
        401 => ("authentication_invalid", "Unauthorized request"),
        403 => ("authorization_invalid", "Forbidden"),
        404 => ("resource_not_found", "Not found"),
        408 => ("request_timeout", "Request timeout"),
        409 => ("conflict", "Conflict"),
        422 => ("form_param_value_invalid", "Unprocessable entity"),
        425 => ("too_early", "Too early"),
        429 => ("too_many_requests", "Too many requests"),
        500..=599 => ("internal_clerk_error", "Oops, an unexpected error occurred"),
        _ => ("emulated_error", "Emulated error"),
    }
}

fn trace_id() -> String {
    (0..32)
        .map(|_| char::from_digit(fastrand::u32(..16), 16).unwrap_or('0'))
        .collect()
}
