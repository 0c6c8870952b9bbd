//! Stand-ins for an app's own backend, served by the emulator so tests in any language (Swift
//! on Linux and macOS alike, Kotlin, Rust) can check what the SDK's Bearer helpers send.
//!
//! `POST /__emulator/app_backends` makes one and answers its `url` (`/__app/{id}/me`). That
//! route answers `200` with the token's `sub` for `Authorization: Bearer <jwt>` when the JWT is
//! signed by this emulator and has not been rejected (as if revoked), and `401` otherwise; a
//! backend made with `always_unauthorized` answers `401` to everything. Every request is
//! recorded, readable at `GET /__emulator/app_backends/{id}/hits`. Like the control API, these
//! requests are not counted, logged or faulted: they are not Clerk's.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, header::AUTHORIZATION};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::app::App;
use crate::jwt::random_id;

/// Every app backend made since the last reset, by id.
#[derive(Default)]
pub(crate) struct AppBackends(Mutex<HashMap<String, Backend>>);

#[derive(Default)]
struct Backend {
    always_unauthorized: bool,
    rejected: HashSet<String>,
    hits: Vec<Hit>,
}

/// One request as the backend saw it.
#[derive(Clone, Serialize)]
struct Hit {
    method: String,
    authorization: Option<String>,
    body: String,
}

impl AppBackends {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Backend>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn clear(&self) {
        self.lock().clear();
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct NewBackend {
    #[serde(default)]
    always_unauthorized: bool,
}

/// `POST /__emulator/app_backends`
pub(crate) async fn create(
    State(app): State<Arc<App>>,
    body: Option<Json<NewBackend>>,
) -> Json<Value> {
    let always_unauthorized = body
        .map(|Json(b)| b.always_unauthorized)
        .unwrap_or_default();
    let id = format!("app_{}", random_id(12));
    app.app_backends.lock().insert(
        id.clone(),
        Backend {
            always_unauthorized,
            ..Backend::default()
        },
    );
    Json(json!({ "id": id, "url": format!("{}/__app/{id}/me", app.base_url) }))
}

#[derive(Deserialize)]
pub(crate) struct Reject {
    token: String,
}

/// `POST /__emulator/app_backends/{id}/reject`: from now on that token is answered with 401.
pub(crate) async fn reject(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Json(body): Json<Reject>,
) -> Response {
    match app.app_backends.lock().get_mut(&id) {
        Some(backend) => {
            backend.rejected.insert(body.token);
            Json(json!({ "ok": true })).into_response()
        }
        None => unknown(&id),
    }
}

/// `GET /__emulator/app_backends/{id}/hits`: every request so far, oldest first.
pub(crate) async fn hits(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    match app.app_backends.lock().get(&id) {
        Some(backend) => Json(json!({ "hits": backend.hits })).into_response(),
        None => unknown(&id),
    }
}

/// `ANY /__app/{id}/me`: the app backend itself.
pub(crate) async fn serve(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let authorization = headers
        .get(AUTHORIZATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let (always_unauthorized, rejected) = {
        let mut backends = app.app_backends.lock();
        let Some(backend) = backends.get_mut(&id) else {
            return unknown(&id);
        };
        backend.hits.push(Hit {
            method: method.to_string(),
            authorization: authorization.clone(),
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        let rejected = authorization
            .as_deref()
            .and_then(|a| a.strip_prefix("Bearer "))
            .is_some_and(|jwt| backend.rejected.contains(jwt));
        (backend.always_unauthorized, rejected)
    };
    let (status, text) = if always_unauthorized {
        (StatusCode::UNAUTHORIZED, "rejects everything".to_string())
    } else {
        match authorization
            .as_deref()
            .and_then(|a| a.strip_prefix("Bearer "))
        {
            None => (StatusCode::UNAUTHORIZED, "no bearer token".to_string()),
            Some(_) if rejected => (StatusCode::UNAUTHORIZED, "revoked".to_string()),
            Some(jwt) => match app.signer.verify(jwt) {
                Ok((_, claims)) => match claims.get("sub").and_then(Value::as_str) {
                    Some(sub) => (StatusCode::OK, sub.to_string()),
                    None => (StatusCode::UNAUTHORIZED, "no subject".to_string()),
                },
                Err(_) => (StatusCode::UNAUTHORIZED, "invalid token".to_string()),
            },
        }
    };
    (status, [("content-type", "text/plain")], text).into_response()
}

fn unknown(id: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "error": format!("no app backend {id}") })),
    )
        .into_response()
}
