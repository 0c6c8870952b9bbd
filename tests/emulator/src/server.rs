//! Routing and the HTTP/1 server loop. Connections are served with hyper directly so a fault
//! can close the socket without answering and so hyper never adds its own `Date`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::DATE;
use axum::http::{HeaderValue, Method};
use axum::middleware::{from_fn_with_state, map_response_with_state};
use axum::response::Response;
use axum::routing::{MethodRouter, any, get, post};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::app::App;
use crate::error::ApiError;
use crate::faults::Route;
use crate::intercept::{DropConnection, intercept};
use crate::{app_backend, bapi, control, fapi};

pub(crate) fn router(app: Arc<App>) -> Router {
    let tagged = |route: Route, methods: MethodRouter<Arc<App>>| {
        methods.route_layer(from_fn_with_state((app.clone(), route), intercept))
    };
    Router::new()
        .route("/v1/client", tagged(Route::Client, get(fapi::get_client)))
        .route(
            "/v1/client/sign_ins",
            tagged(Route::SignIn, post(fapi::sign_in)),
        )
        .route(
            "/v1/client/sessions/{session_id}/tokens",
            tagged(Route::SessionToken, post(fapi::session_token)),
        )
        .route(
            "/v1/client/sessions/{session_id}/tokens/{template_name}",
            tagged(Route::TemplateToken, post(fapi::template_token)),
        )
        .route(
            "/v1/client/sessions/{session_id}/end",
            tagged(Route::EndSession, post(fapi::end_session)),
        )
        .route(
            "/.well-known/jwks.json",
            tagged(Route::Jwks, get(fapi::jwks)),
        )
        .route(
            "/v1/sign_in_tokens",
            tagged(Route::BapiSignInToken, post(bapi::create_sign_in_token)),
        )
        .route(
            "/v1/sessions/{session_id}/tokens",
            tagged(Route::BapiSessionToken, post(bapi::session_token)),
        )
        .route(
            "/v1/sessions/{session_id}/tokens/{template_name}",
            tagged(Route::BapiTemplateToken, post(bapi::template_token)),
        )
        .route("/v1/jwks", tagged(Route::BapiJwks, get(bapi::jwks)))
        .nest("/__emulator", control::router())
        .route("/__app/{id}/me", any(app_backend::serve))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(map_response_with_state(app.clone(), date_header))
        .with_state(app)
}

async fn not_found(method: Method, req: Request) -> ApiError {
    ApiError::new(
        404,
        "resource_not_found",
        "not found",
        &format!("{method} {} is not emulated", req.uri().path()),
    )
}

async fn method_not_allowed(method: Method, req: Request) -> ApiError {
    ApiError::new(
        405,
        "method_not_allowed",
        "Method not allowed",
        &format!("{method} {} is not allowed", req.uri().path()),
    )
}

/// Every response is dated by the emulator's clock (plus skew), never the machine's.
async fn date_header(State(app): State<Arc<App>>, mut response: Response) -> Response {
    let now_ms = app.now_ms().max(0) as u64;
    let date = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_millis(now_ms));
    if let Ok(v) = HeaderValue::from_str(&date) {
        response.headers_mut().insert(DATE, v);
    }
    response
}

/// Accepts connections until the app's shutdown flag is raised; then drops them all, which
/// also ends requests held by a `hang` fault.
pub(crate) async fn serve(listener: TcpListener, app: Arc<App>) {
    let router = router(app.clone());
    let mut shutdown = app.shutdown.subscribe();
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.wait_for(|stopped| *stopped) => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                connections.spawn(serve_connection(stream, router.clone()));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.abort_all();
}

async fn serve_connection(stream: tokio::net::TcpStream, router: Router) {
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let router = router.clone();
        async move {
            let response = router
                .oneshot(req.map(Body::new))
                .await
                .unwrap_or_else(|e: Infallible| match e {});
            if response.extensions().get::<DropConnection>().is_some() {
                // A service error makes hyper close the connection without writing a response.
                return Err(std::io::Error::other("emulated dropped connection"));
            }
            Ok(response)
        }
    });
    let _ = http1::Builder::new()
        .auto_date_header(false)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}
