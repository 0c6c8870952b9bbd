//! What the engine's HTTP transport guarantees, against real servers on 127.0.0.1: plain
//! `http://` only to loopback hosts, and redirects never followed, so neither the device token
//! nor a ticket nor the Backend API secret key reaches another host. TLS verification is in
//! `tls.rs`.

mod support;

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::IntoResponse;
use clerk_core::{AuthorizedClient, Clerk, ClerkConfig, Error, GetTokenOptions, MemoryTokenStore, TokenStore as _};
use support::Env;

/// One request as a test server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    authorization: Option<String>,
    body: String,
}

/// A server on 127.0.0.1 that records every request and answers each with `answer(path)`.
struct Server {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    async fn start(answer: impl Fn(&str) -> axum::response::Response + Clone + Send + Sync + 'static) -> Server {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let handler = move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let (record, answer) = (record.clone(), answer.clone());
            async move {
                let authorization = headers.get(header::AUTHORIZATION).map(|v| v.to_str().unwrap().to_string());
                let body = String::from_utf8_lossy(&body).into_owned();
                record.lock().unwrap().push(Seen { method, path: uri.path().to_string(), authorization, body });
                answer(uri.path())
            }
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let router = axum::Router::new().fallback(handler);
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Server { port, seen }
    }

    /// Answers everything with `{"response":null,"client":null}`: a client without sessions.
    async fn empty_client() -> Server {
        Self::start(|_| {
            ([(header::CONTENT_TYPE, "application/json")], r#"{"response":null,"client":null}"#).into_response()
        })
        .await
    }

    /// Answers everything with `status` and a `Location` on `target_host`, same path.
    async fn redirecting(status: u16, target_host: String) -> Server {
        Self::start(move |path| {
            let location = format!("http://{target_host}{path}");
            (StatusCode::from_u16(status).unwrap(), [(header::LOCATION, location)]).into_response()
        })
        .await
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

const DEVICE_TOKEN: &str = "dvc_transport_test_device_token";

fn engine(url: &str) -> Clerk {
    let store = Arc::new(MemoryTokenStore::new());
    store.save(Some(DEVICE_TOKEN.to_string()));
    Clerk::new(ClerkConfig::from_frontend_api_url(url).unwrap().with_token_store(store)).unwrap()
}

#[tokio::test]
async fn plain_http_reaches_loopback_hosts_only() {
    let server = Server::empty_client().await;
    let port = server.port;
    for url in [format!("http://127.0.0.1:{port}"), format!("http://localhost:{port}/"), format!("http://127.1:{port}")]
    {
        assert!(engine(&url).load().await.unwrap().is_none(), "{url}");
    }
    let seen = server.seen();
    assert_eq!(seen.len(), 3, "every loopback URL reached the server");
    assert!(seen.iter().all(|s| s.path == "/v1/client" && s.authorization.as_deref() == Some(DEVICE_TOKEN)));

    // Refused when configured, before any connection could be made.
    let refused = [
        "http://example.com",
        "http://10.0.0.1",
        "http://0.0.0.0",
        "http://127.0.0.1.example.com",
        "http://localhost.example.com",
        "http://127.0.0.1@example.com",
        "ws://127.0.0.1",
        "file:///etc/hosts",
    ];
    for url in refused {
        let error = ClerkConfig::from_frontend_api_url(url).unwrap_err();
        assert!(matches!(error, Error::Configuration { .. }), "{url}: {error:?}");
    }
    #[cfg(feature = "backend")]
    for url in refused {
        let config = clerk_core::backend::BackendConfig::new("sk_test_x").unwrap();
        assert!(matches!(config.with_api_url(url), Err(Error::Configuration { .. })), "{url}");
    }
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_carries_nothing_to_the_other_host() {
    let elsewhere = Server::empty_client().await;
    for status in [301, 302, 303, 307, 308] {
        // Another host name (and port) for the same machine: a different origin.
        let redirecting = Server::redirecting(status, format!("localhost:{}", elsewhere.port)).await;
        let clerk = engine(&format!("http://127.0.0.1:{}", redirecting.port));

        let load = clerk.load().await.unwrap_err();
        let sign_in = clerk.sign_in_with_ticket("ticket_transport_test_secret").await.unwrap_err();
        for error in [load, sign_in] {
            assert_eq!(error.api().map(|api| api.status), Some(status), "{error:?}");
            assert!(!error.is_transient(), "a redirect is not retried: {error:?}");
        }
        let asked = redirecting.seen();
        assert_eq!(asked.len(), 2, "{status}: one request each, no retries");
        assert!(asked.iter().all(|s| s.authorization.as_deref() == Some(DEVICE_TOKEN)), "the token went to the API");
        assert!(asked[1].method == Method::POST && asked[1].body.contains("ticket_transport_test_secret"));
    }
    assert!(elsewhere.seen().is_empty(), "the other host saw: {:?}", elsewhere.seen());
}

#[cfg(feature = "backend")]
#[tokio::test]
async fn the_backend_client_does_not_follow_a_redirect_with_the_secret_key() {
    use clerk_core::backend::{BackendClient, BackendConfig};
    let elsewhere = Server::empty_client().await;
    let redirecting = Server::redirecting(307, format!("localhost:{}", elsewhere.port)).await;
    let config = BackendConfig::new("sk_test_transportSecret").unwrap();
    let client =
        BackendClient::new(config.with_api_url(&format!("http://127.0.0.1:{}", redirecting.port)).unwrap()).unwrap();
    let error = client.sign_in_tokens().create("user_alice").await.unwrap_err();
    assert_eq!(error.api().map(|api| api.status), Some(307));
    assert_eq!(redirecting.seen()[0].authorization.as_deref(), Some("Bearer sk_test_transportSecret"));
    assert!(elsewhere.seen().is_empty(), "the other host saw: {:?}", elsewhere.seen());
}

/// The app's own client (here reqwest's default, which follows redirects) drops the session
/// token when a redirect leaves the host it was meant for.
#[tokio::test]
async fn the_session_token_for_the_apps_backend_does_not_follow_a_redirect_to_another_host() {
    let (_env, session) = Env::signed_in().await;
    let elsewhere = Server::start(|_| "ok".into_response()).await;
    let backend = Server::redirecting(307, format!("localhost:{}", elsewhere.port)).await;
    let origin = format!("http://127.0.0.1:{}", backend.port);
    let client = AuthorizedClient::new(reqwest::Client::new(), session.clone(), [origin.as_str()]).unwrap();
    let request = reqwest::Client::new().get(format!("{origin}/me")).build().unwrap();
    let response = client.send(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let token = session.get_token(GetTokenOptions::default()).await.unwrap().unwrap().jwt;
    assert_eq!(backend.seen()[0].authorization, Some(format!("Bearer {token}")), "the backend got the token");
    let followed = elsewhere.seen();
    assert_eq!(followed.len(), 1, "the redirect was followed");
    assert_eq!(followed[0].authorization, None, "without the token");
}

/// The token goes only to the origins the client was given: a request to another host (or
/// another port or scheme of the same host) leaves exactly as built, its own `Authorization`
/// included; an origin that would carry the token in clear text is refused up front.
#[tokio::test]
async fn the_session_token_goes_only_to_the_origins_given_and_never_over_plain_http_elsewhere() {
    let (_env, session) = Env::signed_in().await;
    let backend = Server::start(|_| "ok".into_response()).await;
    let cdn = Server::start(|_| "ok".into_response()).await;
    let origin = format!("http://127.0.0.1:{}", backend.port);
    let client = AuthorizedClient::new(reqwest::Client::new(), session.clone(), [origin.as_str()]).unwrap();

    let own = reqwest::Client::new().get(format!("http://127.0.0.1:{}/asset.png", cdn.port)).header("authorization", "Basic cdn-own").build().unwrap();
    assert_eq!(client.send(own).await.unwrap().status(), StatusCode::OK);
    let bare = reqwest::Client::new().get(format!("http://localhost:{}/me", backend.port)).build().unwrap();
    assert_eq!(client.send(bare).await.unwrap().status(), StatusCode::OK, "localhost is another origin than 127.0.0.1");
    let seen = cdn.seen();
    assert_eq!(seen[0].authorization.as_deref(), Some("Basic cdn-own"), "its own header, untouched");
    assert_eq!(backend.seen()[0].authorization, None);

    let authorized = reqwest::Client::new().get(format!("{origin}/me")).build().unwrap();
    client.send(authorized).await.unwrap();
    assert!(backend.seen()[1].authorization.as_deref().is_some_and(|h| h.starts_with("Bearer ")));

    for refused in ["http://api.example.com", "ftp://127.0.0.1", "not an origin"] {
        let error = AuthorizedClient::new(reqwest::Client::new(), session.clone(), [refused]).err();
        assert!(matches!(error, Some(Error::Configuration { .. })), "{refused}: {error:?}");
    }
    let none = AuthorizedClient::new(reqwest::Client::new(), session.clone(), []).err();
    assert!(matches!(none, Some(Error::Configuration { .. })), "no default that matches everything");
}

/// Signing keys decide which tokens an app's backend accepts: they come over plain `http://`
/// only from loopback hosts, redirects included. 0.0.0.0 is not loopback; had it been fetched
/// anyway, the connection would have stayed on this machine (Linux routes it to 127.0.0.1).
#[cfg(feature = "backend")]
#[tokio::test]
async fn signing_keys_come_over_plain_http_from_loopback_hosts_only() {
    use clerk_core::backend::{JwksVerifier, VerifyError, VerifyOptions};
    let (env, session) = Env::signed_in().await;
    let jwt = session.get_token(GetTokenOptions::default()).await.unwrap().unwrap().jwt;
    let options = VerifyOptions::at(env.server_now_secs());
    let port = url::Url::parse(env.emu.url()).unwrap().port().unwrap();
    let keys_path = "/.well-known/jwks.json";
    let refused = |error: VerifyError| matches!(&error, VerifyError::Keys(m) if m.contains("http://"));

    let direct = JwksVerifier::new(format!("http://0.0.0.0:{port}{keys_path}"));
    assert!(refused(direct.verify(&jwt, &options).await.unwrap_err()));

    let to_loopback = Server::redirecting(307, format!("localhost:{port}")).await;
    let verifier = JwksVerifier::new(format!("http://127.0.0.1:{}{keys_path}", to_loopback.port));
    assert_eq!(verifier.verify(&jwt, &options).await.unwrap().sid.as_deref(), Some(session.id()));

    let to_elsewhere = Server::redirecting(307, format!("0.0.0.0:{port}")).await;
    let verifier = JwksVerifier::new(format!("http://127.0.0.1:{}{keys_path}", to_elsewhere.port));
    let error = verifier.verify(&jwt, &options).await.unwrap_err();
    assert!(matches!(error, VerifyError::Keys(_)), "the redirect was not followed: {error:?}");
    assert_eq!(to_elsewhere.seen().len(), 1);
}

/// An `https://` URL pointing at a plain HTTP server: rustls only sees that the first bytes back
/// are no TLS record ("received corrupt message of type InvalidContentType"); the error says
/// what that means.
#[tokio::test]
async fn https_to_a_plain_http_server_says_the_server_did_not_answer_with_tls() {
    let server = Server::empty_client().await;
    let config = ClerkConfig::from_frontend_api_url(&format!("https://127.0.0.1:{}", server.port))
        .unwrap()
        .with_retry(clerk_core::RetryPolicy::none());
    let error = Clerk::new(config).unwrap().load().await.unwrap_err();
    let Error::Network { message } = &error else { panic!("expected a network error, got {error:?}") };
    assert!(message.contains("did not answer with TLS") && message.contains("plain http://"), "{message}");
    assert!(!message.contains("InvalidContentType"), "{message}");
    assert!(server.seen().is_empty(), "no request was made of the plain server: {:?}", server.seen());
}
