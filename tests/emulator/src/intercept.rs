//! Runs in front of every FAPI/BAPI handler: records the request, enforces the native/BAPI
//! calling conventions, and applies the next queued fault for the route.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::app::App;
use crate::error::{ApiError, defaults_for_status};
use crate::faults::{Fault, Route, StatusFault};
use crate::in_flight::Entered;
use crate::jwt::JwtFault;
use crate::recorder::{AUTH_EMPTY, AUTH_PRESENT, RecordedRequest};

/// The API version the emulated FAPI speaks; native requests must ask for it.
pub const CLERK_API_VERSION: &str = "2026-05-12";

const MAX_BODY_BYTES: usize = 1 << 20;

/// What handlers need from the request, parsed once here.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestCtx {
    pub form: BTreeMap<String, String>,
    pub json: Value,
    /// The raw `Authorization` value (FAPI native clients send the device token bare).
    pub device_token: Option<String>,
    pub origin: Option<String>,
    pub jwt_fault: Option<JwtFault>,
}

impl RequestCtx {
    /// `azp` claim: the caller's origin, as Clerk does, else the native default.
    pub fn azp(&self) -> &str {
        self.origin.as_deref().unwrap_or("http://localhost")
    }
}

/// Response extension asking the connection layer to close the socket without answering.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

/// Response extension naming the client a FAPI response was for (used to rotate its token).
#[derive(Debug, Clone)]
pub(crate) struct ClientRef(pub String);

pub(crate) async fn intercept(
    State((app, route)): State<(Arc<App>, Route)>,
    req: Request,
    next: Next,
) -> Response {
    let hang_guard = app.hang_guard();
    let _open = Entered::new(app.clone(), req.uri().path());
    let (mut parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return ApiError::new(
            413,
            "request_body_too_large",
            "Request body too large",
            "The request body is too large.",
        )
        .into_response();
    };
    let content_type = header_str(&parts.headers, CONTENT_TYPE.as_str())
        .unwrap_or("")
        .to_string();
    let parsed = ParsedBody::parse(&content_type, &bytes);

    // Checks and fault selection happen before recording, so the log entry a waiting test sees
    // already names its fault; the request still counts on arrival, before any hang.
    let rejected = precheck(&app, route, &parts, &content_type, &bytes, &parsed)
        .map(IntoResponse::into_response);
    let fault = if rejected.is_none() {
        app.faults().take(route)
    } else {
        None
    };
    let entry = app.recorder.record(RecordedRequest {
        seq: 0,
        route,
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: loggable_headers(&parts.headers),
        body: parsed.logged.clone(),
        at_ms: app.now_ms(),
        status: rejected.as_ref().map(|r| r.status().as_u16()),
        fault: fault.as_ref().map(|f| f.kind().to_string()),
    });
    if let Some(response) = rejected {
        return response;
    }

    let ctx = RequestCtx {
        device_token: header_str(&parts.headers, AUTHORIZATION.as_str())
            .filter(|v| !v.is_empty())
            .map(str::to_string),
        origin: header_str(&parts.headers, "origin").map(str::to_string),
        jwt_fault: fault.as_ref().and_then(JwtFault::from_fault),
        form: parsed.form,
        json: parsed.json,
    };
    parts.extensions.insert(ctx.clone());
    let req = Request::from_parts(parts, Body::from(bytes));

    let response = match fault {
        None | Some(Fault::MalformedJwt) | Some(Fault::JwtWithoutExp) | Some(Fault::ExpiredJwt) => {
            next.run(req).await
        }
        Some(Fault::Status(s)) => status_fault(&s),
        Some(Fault::Hang) => {
            if hang_guard.wait().await {
                next.run(req).await
            } else {
                drop_connection()
            }
        }
        Some(Fault::DelayMs { ms }) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            next.run(req).await
        }
        Some(Fault::DropConnection) => drop_connection(),
        Some(Fault::TruncatedBody) => truncate(next.run(req).await).await,
        Some(Fault::RawBody {
            status,
            content_type,
            body,
        }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut response = (status, body).into_response();
            if let Ok(v) = HeaderValue::from_str(&content_type) {
                response.headers_mut().insert(CONTENT_TYPE, v);
            }
            response
        }
        Some(Fault::MissingExpiredToken) => {
            if ctx.form.get("expired_token").is_some_and(|t| !t.is_empty()) {
                next.run(req).await
            } else {
                ApiError::new(
                    422,
                    "missing_expired_token",
                    "Missing expired token",
                    "The expired session token must be sent in the `expired_token` parameter.",
                )
                .with_meta(json!({ "param_name": "expired_token" }))
                .into_response()
            }
        }
        Some(Fault::ClearDeviceToken) => {
            let mut response = next.run(req).await;
            response
                .headers_mut()
                .insert(AUTHORIZATION, HeaderValue::from_static(""));
            response
        }
        Some(Fault::RotateDeviceToken) => {
            let mut response = next.run(req).await;
            if let Some(ClientRef(client_id)) = response.extensions().get::<ClientRef>().cloned() {
                let token = app.new_device_token(&client_id);
                app.model().set_device_token(&client_id, token.clone());
                if let Ok(v) = HeaderValue::from_str(&token) {
                    response.headers_mut().insert(AUTHORIZATION, v);
                }
            }
            response
        }
    };

    let answered = response.extensions().get::<DropConnection>().is_none();
    app.recorder
        .finish(entry, answered.then(|| response.status().as_u16()));
    response
}

/// Rejects requests that break the calling conventions the SDK must follow.
fn precheck(
    app: &App,
    route: Route,
    parts: &Parts,
    content_type: &str,
    body: &Bytes,
    parsed: &ParsedBody,
) -> Option<ApiError> {
    if route.requires_native() {
        let native = parts
            .uri
            .query()
            .map(|q| {
                form_urlencoded_pairs(q.as_bytes()).any(|(k, v)| k == "_is_native" && v == "true")
            })
            .unwrap_or(false);
        let version = header_str(&parts.headers, "clerk-api-version");
        if !native || version.is_none() {
            return Some(ApiError::new(
                400,
                "native_api_required",
                "Native API required",
                "Native clients must send `_is_native=true` and the `Clerk-API-Version` header.",
            ));
        }
        if version != Some(CLERK_API_VERSION) {
            return Some(ApiError::new(
                400,
                "api_version_invalid",
                "Unsupported API version",
                &format!("This server only speaks Clerk API version {CLERK_API_VERSION}."),
            ));
        }
        if !body.is_empty() && !content_type.starts_with("application/x-www-form-urlencoded") {
            return Some(ApiError::new(
                400,
                "request_body_invalid",
                "Request body invalid",
                "The Frontend API only accepts application/x-www-form-urlencoded bodies.",
            ));
        }
    }
    if route.is_bapi() {
        let expected = format!("Bearer {}", app.config.secret_key);
        match header_str(&parts.headers, AUTHORIZATION.as_str()) {
            None => {
                return Some(ApiError::authentication_invalid(
                    "The request was not authenticated: the Authorization header is missing.",
                ));
            }
            Some(v) if v != expected => {
                return Some(ApiError::authentication_invalid(
                    "The provided secret key is invalid. Use `Authorization: Bearer <secret key>`.",
                ));
            }
            Some(_) => {}
        }
        if !body.is_empty() && !content_type.starts_with("application/json") {
            return Some(ApiError::new(
                400,
                "request_body_invalid",
                "Request body invalid",
                "The Backend API only accepts application/json bodies.",
            ));
        }
        // Read as no fields at all, a body that is not a JSON object would mint a token.
        if !body.is_empty() && !parsed.json.is_object() && !parsed.json.is_null() {
            return Some(request_body_invalid(
                "The request body must be a JSON object.",
            ));
        }
        if parsed.json_invalid {
            return Some(request_body_invalid("The request body is not valid JSON."));
        }
    }
    None
}

fn request_body_invalid(long_message: &str) -> ApiError {
    ApiError::new(
        400,
        "request_body_invalid",
        "Request body invalid",
        long_message,
    )
}

fn status_fault(s: &StatusFault) -> Response {
    let (code, message) = defaults_for_status(s.status);
    let message = s.message.clone().unwrap_or_else(|| message.to_string());
    let long_message = s.long_message.clone().unwrap_or_else(|| message.clone());
    let mut err = ApiError::new(
        s.status,
        s.code.as_deref().unwrap_or(code),
        &message,
        &long_message,
    );
    if let Some(meta) = &s.meta {
        err = err.with_meta(meta.clone());
    }
    let mut response = err.into_response();
    if let Some(v) = s
        .retry_after
        .as_deref()
        .and_then(|v| HeaderValue::from_str(v).ok())
    {
        response.headers_mut().insert(RETRY_AFTER, v);
    }
    response
}

fn drop_connection() -> Response {
    let mut response = Response::new(Body::empty());
    response.extensions_mut().insert(DropConnection);
    response
}

/// Sends the real headers, announces more bytes than it sends, then fails the stream so the
/// connection is closed mid-body.
async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let full = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let sent = full.slice(..full.len() / 2);
    parts
        .headers
        .insert(CONTENT_LENGTH, HeaderValue::from(full.len() as u64 + 16));
    let body = futures::stream::unfold(Some(Some(sent)), |state| async move {
        match state? {
            Some(sent) => Some((Ok(sent), Some(None))),
            None => {
                // Let hyper flush the headers and partial body before the stream fails and
                // the connection is torn down.
                tokio::task::yield_now().await;
                Some((Err(std::io::Error::other("emulated truncated body")), None))
            }
        }
    });
    Response::from_parts(parts, Body::from_stream(body))
}

struct ParsedBody {
    form: BTreeMap<String, String>,
    json: Value,
    /// A body that is neither a form nor valid JSON.
    json_invalid: bool,
    logged: Value,
}

impl ParsedBody {
    fn parse(content_type: &str, bytes: &Bytes) -> Self {
        let mut parsed = ParsedBody {
            form: BTreeMap::new(),
            json: Value::Null,
            json_invalid: false,
            logged: Value::Null,
        };
        if bytes.is_empty() {
            return parsed;
        }
        if content_type.starts_with("application/x-www-form-urlencoded") {
            parsed.form = form_urlencoded_pairs(bytes).collect();
            parsed.logged = Value::Object(
                parsed
                    .form
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect::<Map<_, _>>(),
            );
        } else if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
            parsed.json = v.clone();
            parsed.logged = v;
        } else {
            parsed.json_invalid = true;
            parsed.logged = Value::String(String::from_utf8_lossy(bytes).into_owned());
        }
        parsed
    }
}

fn form_urlencoded_pairs(bytes: &[u8]) -> impl Iterator<Item = (String, String)> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes)
        .unwrap_or_default()
        .into_iter()
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn loggable_headers(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let value = if name == AUTHORIZATION {
            if value.is_empty() {
                AUTH_EMPTY
            } else {
                AUTH_PRESENT
            }
            .to_string()
        } else {
            String::from_utf8_lossy(value.as_bytes()).into_owned()
        };
        out.entry(name.as_str().to_string())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert(value);
    }
    out
}
