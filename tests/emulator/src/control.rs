//! `/__emulator/...`: the JSON control API mirroring the `Emulator` methods, for tests in other
//! languages. These requests are neither counted nor logged and never see faults.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::app::App;
use crate::app_backend;
use crate::bapi::{DEFAULT_SIGN_IN_TOKEN_SECS, expiry_ms};
use crate::clock::MAX_TIME_MS;
use crate::config::SessionTokenVersion;
use crate::error::ApiError;
use crate::faults::{FaultRule, Route};
use crate::intercept::CLERK_API_VERSION;
use crate::directory::{Membership, Organization, User};
use crate::state::{JwtTemplate, SessionStatus};

pub(crate) fn router() -> Router<Arc<App>> {
    routes().layer(axum::middleware::from_fn(read_whole_body))
}

/// Handlers that ignore the body would leave it unread, and the client's keep-alive
/// connection could not carry its next request; reading it first keeps the connection usable.
async fn read_whole_body(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, 1 << 20).await {
        Ok(bytes) => {
            next.run(axum::extract::Request::from_parts(
                parts,
                axum::body::Body::from(bytes),
            ))
            .await
        }
        Err(_) => axum::http::StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    }
}

/// A JSON body; one that does not parse gets Clerk's 400 `request_body_invalid`, like every
/// other error of the emulator, instead of axum's plain-text rejection.
struct ControlJson<T>(T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for ControlJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(body)) => Ok(ControlJson(body)),
            Err(rejection) => Err(ApiError::new(
                400,
                "request_body_invalid",
                "Request body invalid",
                &rejection.body_text(),
            )),
        }
    }
}

/// A time the emulator may report, or the 422 naming `param`.
fn reportable(param: &str, ms: Option<i64>) -> Result<i64, ApiError> {
    ms.filter(|ms| (0..=MAX_TIME_MS).contains(ms))
        .ok_or_else(|| {
            ApiError::param_invalid(
                param,
                &format!("{param} would move the server's time outside 1970..=9999."),
            )
        })
}

fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/health", get(health))
        .route("/reset", post(reset))
        .route("/clock", get(clock))
        .route("/clock/set", post(clock_set))
        .route("/clock/advance", post(clock_advance))
        .route("/skew", post(set_skew))
        .route(
            "/faults",
            get(list_faults).post(add_faults).delete(clear_faults),
        )
        .route("/release_hangs", post(release_hangs))
        .route("/templates", get(list_templates))
        .route(
            "/templates/{name}",
            put(put_template).delete(delete_template),
        )
        .route("/users", get(list_users))
        .route("/users/{id}", get(get_user).put(put_user))
        .route("/organizations", get(list_organizations))
        .route(
            "/organizations/{id}",
            put(put_organization).delete(delete_organization),
        )
        .route(
            "/session_token_version",
            get(session_token_version).post(set_session_token_version),
        )
        .route("/sessions", get(list_sessions))
        .route("/sessions/{id}", get(get_session))
        .route("/sessions/{id}/revoke", post(revoke_session))
        .route("/sessions/{id}/status", post(set_session_status))
        .route("/sign_in_tokens", post(sign_in_token))
        .route("/jwt", post(mint_jwt))
        .route("/counts", get(counts))
        .route("/counts/reset", post(reset_counts))
        .route("/requests", get(requests))
        .route("/wait", post(wait))
        .route("/app_backends", post(app_backend::create))
        .route("/app_backends/{id}/reject", post(app_backend::reject))
        .route("/app_backends/{id}/hits", get(app_backend::hits))
}

async fn health(State(app): State<Arc<App>>) -> Json<Value> {
    Json(json!({
        "ok": true,
        "url": app.base_url,
        "kid": app.signer.kid(),
        "clerk_api_version": CLERK_API_VERSION,
    }))
}

async fn reset(State(app): State<Arc<App>>) -> Json<Value> {
    app.reset();
    Json(json!({ "ok": true }))
}

async fn clock(State(app): State<Arc<App>>) -> Json<Value> {
    Json(clock_json(&app))
}

#[derive(Deserialize)]
struct SetClock {
    now_ms: i64,
}

async fn clock_set(
    State(app): State<Arc<App>>,
    ControlJson(body): ControlJson<SetClock>,
) -> Result<Json<Value>, ApiError> {
    reportable("now_ms", body.now_ms.checked_add(app.skew_ms()))?;
    app.clock.set_ms(body.now_ms);
    Ok(Json(clock_json(&app)))
}

#[derive(Deserialize)]
struct Advance {
    ms: i64,
}

async fn clock_advance(
    State(app): State<Arc<App>>,
    ControlJson(body): ControlJson<Advance>,
) -> Result<Json<Value>, ApiError> {
    let now_ms = app.clock.now_ms().checked_add(app.skew_ms());
    reportable("ms", now_ms.and_then(|now| now.checked_add(body.ms)))?;
    app.clock.advance_ms(body.ms);
    Ok(Json(clock_json(&app)))
}

#[derive(Deserialize)]
struct Skew {
    skew_ms: i64,
}

async fn set_skew(
    State(app): State<Arc<App>>,
    ControlJson(body): ControlJson<Skew>,
) -> Result<Json<Value>, ApiError> {
    reportable("skew_ms", app.clock.now_ms().checked_add(body.skew_ms))?;
    app.set_skew_ms(body.skew_ms);
    Ok(Json(clock_json(&app)))
}

fn clock_json(app: &App) -> Value {
    json!({
        "clock": app.clock.mode(),
        "now_ms": app.clock.now_ms(),
        "skew_ms": app.skew_ms(),
        "server_now_ms": app.now_ms(),
    })
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    Many(Vec<FaultRule>),
    One(FaultRule),
}

async fn add_faults(
    State(app): State<Arc<App>>,
    ControlJson(body): ControlJson<OneOrMany>,
) -> Json<Value> {
    let rules = match body {
        OneOrMany::Many(rules) => rules,
        OneOrMany::One(rule) => vec![rule],
    };
    let mut faults = app.faults();
    for rule in rules {
        faults.push(rule);
    }
    Json(json!({ "pending": faults.pending() }))
}

async fn list_faults(State(app): State<Arc<App>>) -> Json<Value> {
    Json(json!({ "pending": app.faults().pending() }))
}

async fn clear_faults(State(app): State<Arc<App>>) -> Json<Value> {
    app.faults().clear();
    Json(json!({ "pending": [] }))
}

async fn release_hangs(State(app): State<Arc<App>>) -> Json<Value> {
    app.release_hangs();
    Json(json!({ "ok": true }))
}

async fn list_templates(State(app): State<Arc<App>>) -> Json<Value> {
    let templates: Vec<JwtTemplate> = app.model().templates.values().cloned().collect();
    Json(json!({ "templates": templates }))
}

#[derive(Deserialize)]
struct TemplateBody {
    lifetime_secs: u64,
    #[serde(default)]
    claims: Map<String, Value>,
}

async fn put_template(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    ControlJson(body): ControlJson<TemplateBody>,
) -> Result<Json<JwtTemplate>, ApiError> {
    // Clerk's own bound on a token's lifetime: 10 years.
    if !(1..=315_360_000).contains(&body.lifetime_secs) {
        return Err(ApiError::param_invalid(
            "lifetime_secs",
            "lifetime_secs must be from 1 to 315360000.",
        ));
    }
    let template = JwtTemplate {
        name: name.clone(),
        lifetime_secs: body.lifetime_secs,
        claims: body.claims,
    };
    app.model().templates.insert(name, template.clone());
    Ok(Json(template))
}

async fn delete_template(State(app): State<Arc<App>>, Path(name): Path<String>) -> Response {
    match app.model().templates.remove(&name) {
        Some(t) => Json(t).into_response(),
        None => not_found("template", &name),
    }
}

async fn list_users(State(app): State<Arc<App>>) -> Json<Value> {
    Json(json!({ "users": app.model().directory.users() }))
}

async fn get_user(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    match app.model().directory.user(&id) {
        Some(user) => Json(user).into_response(),
        None => not_found("user", &id),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserBody {
    #[serde(default)]
    organization_memberships: Vec<Membership>,
}

/// Registers the user, or replaces its memberships: what an app's set-up does in Clerk's
/// dashboard before its tests sign anyone in.
async fn put_user(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    ControlJson(body): ControlJson<UserBody>,
) -> Result<Json<User>, ApiError> {
    for (i, membership) in body.organization_memberships.iter().enumerate() {
        if membership.organization_id.is_empty() || membership.role.is_empty() {
            return Err(ApiError::param_invalid(
                &format!("organization_memberships[{i}]"),
                "A membership needs a non-empty organization_id and role.",
            ));
        }
    }
    let user = User {
        id,
        organization_memberships: body.organization_memberships,
    };
    let now_ms = app.now_ms();
    Ok(Json(app.model().directory.put_user(&user, now_ms)))
}

async fn list_organizations(State(app): State<Arc<App>>) -> Json<Value> {
    Json(json!({ "organizations": app.model().directory.organizations() }))
}

#[derive(Deserialize)]
struct OrganizationBody {
    /// Defaults to the id.
    slug: Option<String>,
    /// Defaults to the slug.
    name: Option<String>,
    #[serde(default)]
    members: std::collections::BTreeMap<String, String>,
}

async fn put_organization(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    ControlJson(body): ControlJson<OrganizationBody>,
) -> Response {
    let slug = body.slug.unwrap_or_else(|| id.clone());
    let mut organization = Organization::new(id.clone(), slug);
    if let Some(name) = body.name {
        organization = organization.name(name);
    }
    organization.members = body.members;
    let now_ms = app.now_ms();
    let mut model = app.model();
    model.directory.put_organization(organization, now_ms);
    match model.directory.organization(&id) {
        Some(o) => Json(o).into_response(),
        None => not_found("organization", &id),
    }
}

async fn delete_organization(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    match app.model().directory.remove_organization(&id) {
        Some(o) => Json(o).into_response(),
        None => not_found("organization", &id),
    }
}

#[derive(Deserialize)]
struct VersionBody {
    version: SessionTokenVersion,
}

async fn session_token_version(State(app): State<Arc<App>>) -> Json<Value> {
    Json(json!({ "version": app.session_token_version() }))
}

async fn set_session_token_version(
    State(app): State<Arc<App>>,
    ControlJson(body): ControlJson<VersionBody>,
) -> Json<Value> {
    app.set_session_token_version(body.version);
    Json(json!({ "version": app.session_token_version() }))
}

async fn list_sessions(State(app): State<Arc<App>>) -> Json<Value> {
    let now_ms = app.now_ms();
    Json(json!({ "sessions": app.model().session_infos(now_ms) }))
}

async fn get_session(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let now_ms = app.now_ms();
    match app.model().session_info(&id, now_ms) {
        Some(info) => Json(info).into_response(),
        None => not_found("session", &id),
    }
}

async fn revoke_session(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    apply_status(&app, &id, SessionStatus::Revoked)
}

#[derive(Deserialize)]
struct StatusBody {
    status: SessionStatus,
}

async fn set_session_status(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    ControlJson(body): ControlJson<StatusBody>,
) -> Response {
    apply_status(&app, &id, body.status)
}

fn apply_status(app: &App, id: &str, status: SessionStatus) -> Response {
    let now_ms = app.now_ms();
    let mut model = app.model();
    if !model.set_session_status(id, status, now_ms) {
        return not_found("session", id);
    }
    Json(model.session_info(id, now_ms)).into_response()
}

#[derive(Deserialize)]
struct SignInTokenBody {
    user_id: String,
    expires_in_seconds: Option<i64>,
    org_id: Option<String>,
}

async fn sign_in_token(
    State(app): State<Arc<App>>,
    ControlJson(body): ControlJson<SignInTokenBody>,
) -> Response {
    if body.user_id.is_empty() {
        return ApiError::param_missing("user_id").into_response();
    }
    let now_ms = app.now_ms();
    // Any lifetime, zero or negative ones for tickets that have already expired, as long as
    // the expiry stays a time the emulator can tell.
    let seconds = body
        .expires_in_seconds
        .unwrap_or(DEFAULT_SIGN_IN_TOKEN_SECS);
    let Some(expires_at) = expiry_ms(now_ms, seconds) else {
        return ApiError::param_invalid(
            "expires_in_seconds",
            "expires_in_seconds puts the expiry outside 1970..=9999.",
        )
        .into_response();
    };
    let mut model = app.model();
    // This route stands for the app's backend and its own user database: whoever it names
    // becomes a user of the instance. `POST /v1/sign_in_tokens` refuses unknown users.
    model.directory.ensure_user(&body.user_id, now_ms);
    if let Some(org_id) = &body.org_id
        && model.directory.org_claims(org_id, &body.user_id).is_none()
    {
        return ApiError::not_a_member(org_id, "org_id").into_response();
    }
    let token = model.create_sign_in_token(
        &body.user_id,
        body.org_id,
        expires_at,
        now_ms,
        &app.base_url,
    );
    Json(token).into_response()
}

async fn counts(State(app): State<Arc<App>>) -> Json<Value> {
    Json(json!(app.recorder.counts()))
}

async fn reset_counts(State(app): State<Arc<App>>) -> Json<Value> {
    app.recorder.reset();
    Json(json!(app.recorder.counts()))
}

#[derive(Deserialize)]
struct RequestsQuery {
    route: Option<Route>,
}

async fn requests(State(app): State<Arc<App>>, Query(q): Query<RequestsQuery>) -> Json<Value> {
    let all = app.recorder.requests();
    let requests: Vec<_> = match q.route {
        Some(route) => all.into_iter().filter(|r| route.matches(r.route)).collect(),
        None => all,
    };
    Json(json!({ "requests": requests }))
}

#[derive(Deserialize)]
struct WaitBody {
    route: Route,
    count: u64,
    #[serde(default = "default_wait_ms")]
    timeout_ms: u64,
}

fn default_wait_ms() -> u64 {
    10_000
}

/// Long-polls until `route` has seen `count` requests; 408 after `timeout_ms` of real time.
async fn wait(State(app): State<Arc<App>>, ControlJson(body): ControlJson<WaitBody>) -> Response {
    let waited = tokio::time::timeout(
        Duration::from_millis(body.timeout_ms),
        app.recorder.wait_for(body.route, body.count),
    )
    .await;
    let count = app.recorder.count(body.route);
    match waited {
        Ok(()) => Json(json!({ "route": body.route, "count": count })).into_response(),
        Err(_) => ApiError::new(
            408,
            "wait_timeout",
            "Timed out",
            &format!(
                "{} saw {count} of {} requests within {} ms",
                body.route, body.count, body.timeout_ms
            ),
        )
        .into_response(),
    }
}

#[derive(Deserialize)]
struct JwtBody {
    claims: Map<String, Value>,
    #[serde(default)]
    header: Map<String, Value>,
}

/// Signs exactly the given claims with the emulator key, for verifier tests (the interop
/// corpus). The header starts as `{"alg":"RS256","typ":"JWT","kid":<the emulator's kid>}`;
/// `header` fields replace those (a `null` removes one) or are added.
async fn mint_jwt(State(app): State<Arc<App>>, Json(body): Json<JwtBody>) -> Response {
    let mut header = Map::new();
    header.insert("alg".into(), json!("RS256"));
    header.insert("typ".into(), json!("JWT"));
    header.insert("kid".into(), json!(app.signer.kid()));
    for (name, value) in body.header {
        if value.is_null() {
            header.remove(&name);
        } else {
            header.insert(name, value);
        }
    }
    let signed = serde_json::from_value::<jsonwebtoken::Header>(Value::Object(header))
        .map_err(|e| format!("not a JWT header: {e}"))
        .and_then(|header| app.signer.sign_with_header(&header, &Value::Object(body.claims)));
    match signed {
        Ok(jwt) => Json(json!({ "jwt": jwt })).into_response(),
        Err(reason) => ApiError::new(422, "form_param_value_invalid", "is invalid", &reason)
            .with_meta(json!({ "param_name": "header" }))
            .into_response(),
    }
}

fn not_found(what: &str, id: &str) -> Response {
    ApiError::new(
        404,
        "resource_not_found",
        "not found",
        &format!("No {what} named {id}"),
    )
    .into_response()
}
