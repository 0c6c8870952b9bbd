//! Backend API handlers (`Authorization: Bearer <secret key>`, JSON bodies).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::Value;

use crate::app::App;
use crate::clock::MAX_TIME_MS;
use crate::error::ApiError;
use crate::fapi::mint_template_token;
use crate::intercept::RequestCtx;
use crate::jwt::TokenSpec;
use crate::objects::{session_part, token_json};

/// Clerk's default sign-in token lifetime: 30 days.
pub const DEFAULT_SIGN_IN_TOKEN_SECS: i64 = 30 * 24 * 3600;

/// The spec's bounds of `expires_in_seconds` for session and template tokens (10 years).
const TOKEN_LIFETIME_SECS: std::ops::RangeInclusive<i64> = 30..=315_360_000;

/// `POST /v1/sign_in_tokens` with `{"user_id": ..., "expires_in_seconds"?: ..., "org_id"?: ...}`
pub(crate) async fn create_sign_in_token(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<RequestCtx>,
) -> Response {
    let Some(user_id) = ctx
        .json
        .get("user_id")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
    else {
        return ApiError::param_missing("user_id").into_response();
    };
    // The spec sets only a minimum; the ticket must still expire at a time the emulator can
    // tell (at the latest in the year 9999).
    let expires_in = match optional_int(&ctx.json, "expires_in_seconds", 1..=i64::MAX) {
        Ok(v) => v.unwrap_or(DEFAULT_SIGN_IN_TOKEN_SECS),
        Err(err) => return err.into_response(),
    };
    let now_ms = app.now_ms();
    let Some(expires_at_ms) = expiry_ms(now_ms, expires_in) else {
        return ApiError::param_invalid(
            "expires_in_seconds",
            "expires_in_seconds is too large: the sign-in token would expire after the year 9999.",
        )
        .into_response();
    };
    let org_id = ctx
        .json
        .get("org_id")
        .and_then(Value::as_str)
        .filter(|o| !o.is_empty())
        .map(str::to_string);
    let mut model = app.model();
    // A real backend names a user of the instance; Clerk refuses any other.
    if !model.directory.has_user(user_id) {
        return ApiError::user_not_found(user_id).into_response();
    }
    if let Some(org_id) = &org_id
        && model.directory.org_claims(org_id, user_id).is_none()
    {
        return ApiError::not_a_member(org_id, "org_id").into_response();
    }
    let token = model.create_sign_in_token(user_id, org_id, expires_at_ms, now_ms, &app.base_url);
    Json(token).into_response()
}

/// `now_ms` plus `seconds`, if that is a time the emulator can report (1970..=9999).
pub(crate) fn expiry_ms(now_ms: i64, seconds: i64) -> Option<i64> {
    seconds
        .checked_mul(1000)
        .and_then(|ms| now_ms.checked_add(ms))
        .filter(|at| (0..=MAX_TIME_MS).contains(at))
}

/// `POST /v1/sessions/{session_id}/tokens` with optional `{"expires_in_seconds": N}`
pub(crate) async fn session_token(
    State(app): State<Arc<App>>,
    Path(session_id): Path<String>,
    Extension(ctx): Extension<RequestCtx>,
) -> Response {
    let lifetime = match optional_int(&ctx.json, "expires_in_seconds", TOKEN_LIFETIME_SECS) {
        Ok(v) => v
            .map(|s| s.unsigned_abs())
            .unwrap_or(app.config.session_token_lifetime_secs),
        Err(err) => return err.into_response(),
    };
    let now_ms = app.now_ms();
    let model = app.model();
    let session = match live_session(&model, &session_id, now_ms) {
        Ok(s) => s,
        Err(err) => return err.into_response(),
    };
    let jwt = app.signer.mint(&TokenSpec {
        now_ms,
        lifetime_secs: lifetime,
        issuer: &app.base_url,
        subject: &session.user_id,
        azp: ctx.azp(),
        session: Some(session_part(&app, &model, session, now_ms)),
        extra_claims: None,
        fault: ctx.jwt_fault,
    });
    Json(token_json(&jwt)).into_response()
}

/// `POST /v1/sessions/{session_id}/tokens/{template_name}` with optional `{"expires_in_seconds": N}`
pub(crate) async fn template_token(
    State(app): State<Arc<App>>,
    Path((session_id, template_name)): Path<(String, String)>,
    Extension(ctx): Extension<RequestCtx>,
) -> Response {
    let lifetime = match optional_int(&ctx.json, "expires_in_seconds", TOKEN_LIFETIME_SECS) {
        Ok(v) => v.map(|s| s.unsigned_abs()),
        Err(err) => return err.into_response(),
    };
    let now_ms = app.now_ms();
    let model = app.model();
    if let Err(err) = live_session(&model, &session_id, now_ms) {
        return err.into_response();
    }
    match mint_template_token(
        &app,
        &model,
        &session_id,
        &template_name,
        lifetime,
        &ctx,
        now_ms,
    ) {
        Ok(jwt) => Json(token_json(&jwt)).into_response(),
        Err(err) => err.into_response(),
    }
}

/// `GET /v1/jwks`: the instance's signing keys, the same as the Frontend API's public
/// `/.well-known/jwks.json`, for servers that hold the secret key.
pub(crate) async fn jwks(State(app): State<Arc<App>>) -> Json<Value> {
    Json(app.signer.jwks())
}

fn live_session<'m>(
    model: &'m crate::state::Model,
    session_id: &str,
    now_ms: i64,
) -> Result<&'m crate::state::SessionRec, ApiError> {
    let session = model.sessions.get(session_id).ok_or_else(|| {
        ApiError::new(
            404,
            "resource_not_found",
            "not found",
            &format!("No session was found with id {session_id}"),
        )
    })?;
    match session.status(now_ms).token_error() {
        Some(err) => Err(err),
        None => Ok(session),
    }
}

/// An optional integer field within `bounds`; null counts as absent. A number out of range
/// (an integer too large for 64 bits included) is refused like Clerk refuses a value its
/// validation rejects: 422 `form_param_value_invalid`.
fn optional_int(
    body: &Value,
    name: &str,
    bounds: std::ops::RangeInclusive<i64>,
) -> Result<Option<i64>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_i64() {
            Some(n) if bounds.contains(&n) => Ok(Some(n)),
            _ => Err(ApiError::param_invalid(
                name,
                &match *bounds.end() {
                    i64::MAX => {
                        format!("{name} must be an integer of at least {}.", bounds.start())
                    }
                    end => format!(
                        "{name} must be an integer from {} to {end}.",
                        bounds.start()
                    ),
                },
            )),
        },
    }
}
