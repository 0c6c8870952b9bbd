//! No response body is read past its limit, whatever the server sends: a server on 127.0.0.1
//! streams a 256 MiB body (valid JSON followed by spaces, so reading it whole would even
//! succeed), and counts the bytes it managed to hand to the socket before the client hung
//! up. The engine must fail with `InvalidResponse::TooLarge` (or, on an error status, keep the
//! status) having read no further than the limit; what the server got out is then bounded by
//! the limit plus what the loopback socket buffers hold, far below the body's size.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use clerk_core::{
    Clerk, ClerkConfig, Error, GetTokenOptions, InvalidResponse, MemoryTokenStore, RetryPolicy, TokenStore as _,
};
use tokio::sync::mpsc;

const HUGE: u64 = 256 * 1024 * 1024;
/// What may leave the server besides what the client reads: the socket buffers of both ends
/// (a few MiB each on Linux loopback) and a chunk in flight.
const SLACK: u64 = 32 * 1024 * 1024;
const MIB: usize = 1024 * 1024;

static SPACES: [u8; 64 * 1024] = [b' '; 64 * 1024];

/// Counts the bytes of one body as they are handed to hyper; reports the total when hyper drops
/// the body (it finished, or the client went away).
struct Counted {
    sent: u64,
    report: mpsc::UnboundedSender<u64>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        let _ = self.report.send(self.sent);
    }
}

/// `prefix` then spaces, `HUGE` bytes in all, produced chunk by chunk (the server never holds
/// the body either).
fn huge_body(prefix: &'static str, report: mpsc::UnboundedSender<u64>) -> Body {
    let state = Counted { sent: 0, report };
    let chunks = futures::stream::unfold(state, move |mut state| async move {
        if state.sent >= HUGE {
            return None;
        }
        let chunk = if state.sent == 0 {
            Bytes::from_static(prefix.as_bytes())
        } else {
            let left = (HUGE - state.sent).min(SPACES.len() as u64) as usize;
            Bytes::from_static(&SPACES[..left])
        };
        state.sent += chunk.len() as u64;
        Some((Ok::<_, std::convert::Infallible>(chunk), state))
    });
    Body::from_stream(chunks)
}

/// Answers `GET /v1/client` with a small client holding one active session, and everything
/// else with `status` and the huge body (with a `Content-Length` if `declare_length`).
struct Flood {
    url: String,
    finished: mpsc::UnboundedReceiver<u64>,
}

impl Flood {
    async fn start(status: StatusCode, prefix: &'static str, declare_length: bool, flood_client: bool) -> Flood {
        let (report, finished) = mpsc::unbounded_channel();
        let handler = move |uri: Uri| {
            let report = report.clone();
            async move {
                if uri.path() == "/v1/client" && !flood_client {
                    let client = r#"{"response":{"sessions":[{"id":"sess_1","status":"active"}],
                        "last_active_session_id":"sess_1"},"client":null}"#;
                    return ([(header::CONTENT_TYPE, "application/json")], client).into_response();
                }
                let mut response = Response::new(huge_body(prefix, report));
                *response.status_mut() = status;
                response.headers_mut().insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
                if declare_length {
                    response.headers_mut().insert(header::CONTENT_LENGTH, HUGE.into());
                }
                response
            }
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, axum::Router::new().fallback(handler)).await.unwrap() });
        Flood { url, finished }
    }

    fn engine(&self) -> Clerk {
        let store = Arc::new(MemoryTokenStore::new());
        store.save(Some("dvt_flood".into()));
        let config = ClerkConfig::from_frontend_api_url(&self.url)
            .unwrap()
            .with_retry(RetryPolicy::none())
            .with_token_store(store);
        Clerk::new(config).unwrap()
    }

    /// Bytes the server handed out for the one huge body, once the client let go of it.
    async fn served(&mut self) -> u64 {
        let served = tokio::time::timeout(Duration::from_secs(30), self.finished.recv())
            .await
            .expect("the client stopped reading and closed the connection")
            .unwrap();
        assert!(self.finished.try_recv().is_err(), "one huge body only: nothing was retried");
        served
    }
}

fn too_large(limit: usize) -> Error {
    Error::InvalidResponse(InvalidResponse::TooLarge { limit })
}

#[tokio::test]
async fn a_huge_client_is_refused_after_at_most_four_mib() {
    let prefix = r#"{"response":null,"client":null}"#;
    for declare_length in [false, true] {
        let mut flood = Flood::start(StatusCode::OK, prefix, declare_length, true).await;
        let error = flood.engine().load().await.unwrap_err();
        assert_eq!(error, too_large(4 * MIB), "Content-Length given: {declare_length}");
        let served = flood.served().await;
        assert!(served < 4 * MIB as u64 + SLACK, "{served} bytes left the server (Content-Length: {declare_length})");
    }
}

#[tokio::test]
async fn a_huge_token_response_is_refused_after_at_most_sixty_four_kib() {
    let mut flood = Flood::start(StatusCode::OK, r#"{"object":"token","jwt":"x.y.z"}"#, false, false).await;
    let clerk = flood.engine();
    let session = clerk.load().await.unwrap().expect("the small client has a session");
    let error = session.get_token(GetTokenOptions::default()).await.unwrap_err();
    assert_eq!(error, too_large(64 * 1024));
    assert!(!error.is_transient(), "not retried, not served stale");
    let served = flood.served().await;
    assert!(served < 64 * 1024 + SLACK, "{served} bytes left the server");
    assert!(session.is_active(), "a broken answer does not end the session");
}

#[tokio::test]
async fn an_error_status_with_a_huge_body_keeps_its_status_and_stays_transient() {
    let mut flood = Flood::start(StatusCode::SERVICE_UNAVAILABLE, "<html>", false, true).await;
    let error = flood.engine().load().await.unwrap_err();
    let api = error.api().expect("the status survives an unreadable body");
    assert_eq!((api.status, api.errors.len()), (503, 0));
    assert!(error.is_transient(), "a 503 is retried as any other");
    let served = flood.served().await;
    assert!(served < 4 * MIB as u64 + SLACK, "{served} bytes left the server");
}

#[cfg(feature = "backend")]
#[tokio::test]
async fn the_backend_client_reads_no_more_than_a_token_needs() {
    use clerk_core::backend::{BackendClient, BackendConfig};
    let mut flood = Flood::start(StatusCode::OK, r#"{"object":"token","jwt":"x.y.z"}"#, false, true).await;
    let config = BackendConfig::new("sk_test_flood").unwrap().with_api_url(&flood.url).unwrap();
    let client = BackendClient::new(config.with_retry(RetryPolicy::none())).unwrap();
    let error = client.sessions().get_token("sess_1", None, None).await.unwrap_err();
    assert_eq!(error, too_large(64 * 1024));
    let served = flood.served().await;
    assert!(served < 64 * 1024 + SLACK, "{served} bytes left the server");
}
