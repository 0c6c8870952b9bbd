//! Frontend API handlers, as called by native clients (`_is_native=true`, device token in the
//! `Authorization` header).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::http::header::AUTHORIZATION;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{Value, json};

use crate::app::App;
use crate::error::ApiError;
use crate::intercept::{ClientRef, RequestCtx};
use crate::jwt::TokenSpec;
use crate::objects::{
    MintCtx, client_json, completed_sign_in_json, mint_session_token, session_json, token_json,
};
use crate::state::{Model, SessionStatus};

/// `GET /v1/client`
pub(crate) async fn get_client(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<RequestCtx>,
) -> Response {
    let now_ms = app.now_ms();
    let mut model = app.model();
    let Some(client_id) = model.client_id_for_token(ctx.device_token.as_deref()) else {
        return Json(json!({ "response": null, "client": null })).into_response();
    };
    let client = client_json(&app, &mut model, &client_id, mint_ctx(&ctx, now_ms));
    let body = json!({ "response": client, "client": client });
    for_client(&model, &client_id, Json(body).into_response())
}

/// `POST /v1/client/sign_ins` with `strategy=ticket&ticket=...`
pub(crate) async fn sign_in(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<RequestCtx>,
) -> Response {
    match ctx.form.get("strategy").map(String::as_str) {
        None | Some("") => return ApiError::param_missing("strategy").into_response(),
        Some("ticket") => {}
        Some(_) => {
            return ApiError::param_invalid(
                "strategy",
                "The emulator only supports the `ticket` strategy.",
            )
            .into_response();
        }
    }
    let Some(ticket) = ctx.form.get("ticket").filter(|t| !t.is_empty()) else {
        return ApiError::param_missing("ticket").into_response();
    };

    let now_ms = app.now_ms();
    let mut model = app.model();
    let (user_id, org_id) = match model.redeem_ticket(ticket, now_ms) {
        Ok(found) => found,
        Err(err) => return err.into_response(),
    };
    let client_id = match model.client_id_for_token(ctx.device_token.as_deref()) {
        Some(id) => id,
        None => {
            // No (or an unknown) device token: this sign-in creates the device's client.
            let id = model.create_client(now_ms);
            model.set_device_token(&id, app.new_device_token(&id));
            id
        }
    };
    let session_id = model.create_session(&client_id, &user_id, org_id, app.lifetimes(), now_ms);
    let client = client_json(&app, &mut model, &client_id, mint_ctx(&ctx, now_ms));
    let body = json!({ "response": completed_sign_in_json(&session_id, now_ms), "client": client });
    for_client(&model, &client_id, Json(body).into_response())
}

/// `POST /v1/client/sessions/{session_id}/tokens`
pub(crate) async fn session_token(
    State(app): State<Arc<App>>,
    Path(session_id): Path<String>,
    Extension(ctx): Extension<RequestCtx>,
) -> Response {
    let now_ms = app.now_ms();
    let mut model = app.model();
    let client_id = match live_session_of_client(&model, &ctx, &session_id, now_ms) {
        Ok(id) => id,
        Err(err) => return err.into_response(),
    };
    // Present-but-empty selects the personal account; absent keeps the current organization.
    // Only an organization the user belongs to can be selected.
    if let Some(org) = ctx.form.get("organization_id")
        && let Some(user_id) = model.sessions.get(&session_id).map(|s| s.user_id.clone())
    {
        if !org.is_empty() && model.directory.org_claims(org, &user_id).is_none() {
            return ApiError::not_a_member(org, "organization_id").into_response();
        }
        if let Some(session) = model.sessions.get_mut(&session_id) {
            session.active_org = (!org.is_empty()).then(|| org.clone());
        }
    }
    let jwt = mint_session_token(&app, &mut model, &session_id, mint_ctx(&ctx, now_ms))
        .unwrap_or_default();
    for_client(&model, &client_id, Json(token_json(&jwt)).into_response())
}

/// `POST /v1/client/sessions/{session_id}/tokens/{template_name}`
pub(crate) async fn template_token(
    State(app): State<Arc<App>>,
    Path((session_id, template_name)): Path<(String, String)>,
    Extension(ctx): Extension<RequestCtx>,
) -> Response {
    let now_ms = app.now_ms();
    let model = app.model();
    let client_id = match live_session_of_client(&model, &ctx, &session_id, now_ms) {
        Ok(id) => id,
        Err(err) => return err.into_response(),
    };
    match mint_template_token(
        &app,
        &model,
        &session_id,
        &template_name,
        None,
        &ctx,
        now_ms,
    ) {
        Ok(jwt) => for_client(&model, &client_id, Json(token_json(&jwt)).into_response()),
        Err(err) => err.into_response(),
    }
}

/// `POST /v1/client/sessions/{session_id}/end`
pub(crate) async fn end_session(
    State(app): State<Arc<App>>,
    Path(session_id): Path<String>,
    Extension(ctx): Extension<RequestCtx>,
) -> Response {
    let now_ms = app.now_ms();
    let mut model = app.model();
    let client_id = match session_of_client(&model, &ctx, &session_id) {
        Ok(id) => id,
        Err(err) => return err.into_response(),
    };
    let is_active = model
        .sessions
        .get(&session_id)
        .is_some_and(|s| s.status(now_ms) == SessionStatus::Active);
    if is_active {
        model.set_session_status(&session_id, SessionStatus::Ended, now_ms);
    }
    let session = session_json(&model, &session_id, now_ms);
    let client = client_json(&app, &mut model, &client_id, mint_ctx(&ctx, now_ms));
    for_client(
        &model,
        &client_id,
        Json(json!({ "response": session, "client": client })).into_response(),
    )
}

/// `GET /.well-known/jwks.json`
pub(crate) async fn jwks(State(app): State<Arc<App>>) -> Json<Value> {
    Json(app.signer.jwks())
}

/// Mints a token from a JWT template (shared with the BAPI).
pub(crate) fn mint_template_token(
    app: &App,
    model: &Model,
    session_id: &str,
    template_name: &str,
    lifetime_override_secs: Option<u64>,
    ctx: &RequestCtx,
    now_ms: i64,
) -> Result<String, ApiError> {
    let template = model.templates.get(template_name).ok_or_else(|| {
        ApiError::new(
            404,
            "resource_not_found",
            "not found",
            &format!("No JWT template exists with name: {template_name}"),
        )
    })?;
    let session = model
        .sessions
        .get(session_id)
        .ok_or_else(|| session_not_found(session_id))?;
    Ok(app.signer.mint(&TokenSpec {
        now_ms,
        lifetime_secs: lifetime_override_secs.unwrap_or(template.lifetime_secs),
        issuer: &app.base_url,
        subject: &session.user_id,
        azp: ctx.azp(),
        session: None,
        extra_claims: Some(&template.claims),
        fault: ctx.jwt_fault,
    }))
}

pub(crate) fn session_not_found(session_id: &str) -> ApiError {
    ApiError::new(
        404,
        "session_not_found",
        "Session not found",
        &format!("No session was found with id {session_id}"),
    )
}

fn mint_ctx(ctx: &RequestCtx, now_ms: i64) -> MintCtx<'_> {
    MintCtx {
        now_ms,
        azp: ctx.azp(),
        fault: ctx.jwt_fault,
    }
}

/// The requesting client's id, if the session belongs to it (another client's session is
/// reported as not found, like Clerk does).
fn session_of_client(
    model: &Model,
    ctx: &RequestCtx,
    session_id: &str,
) -> Result<String, ApiError> {
    let client_id = model
        .client_id_for_token(ctx.device_token.as_deref())
        .ok_or_else(|| {
            ApiError::authentication_invalid(
                "The device token is missing, unknown or no longer valid. Sign in again.",
            )
        })?;
    match model.sessions.get(session_id) {
        Some(s) if s.client_id == client_id => Ok(client_id),
        _ => Err(session_not_found(session_id)),
    }
}

fn live_session_of_client(
    model: &Model,
    ctx: &RequestCtx,
    session_id: &str,
    now_ms: i64,
) -> Result<String, ApiError> {
    let client_id = session_of_client(model, ctx, session_id)?;
    let status = model
        .sessions
        .get(session_id)
        .ok_or_else(|| session_not_found(session_id))?
        .status(now_ms);
    match status.token_error() {
        Some(err) => Err(err),
        None => Ok(client_id),
    }
}

/// Native responses carry the client's current device token in `Authorization`.
fn for_client(model: &Model, client_id: &str, mut response: Response) -> Response {
    if let Some(client) = model.clients.get(client_id)
        && let Ok(v) = HeaderValue::from_str(&client.device_token)
    {
        response.headers_mut().insert(AUTHORIZATION, v);
    }
    response
        .extensions_mut()
        .insert(ClientRef(client_id.to_string()));
    response
}
