//! Backend getToken, the Bearer helper against a loopback "app backend" that verifies tokens,
//! and the verifier's distinct rejection reasons.

mod support;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use clerk_core::backend::{BackendClient, BackendConfig, JwksVerifier, TokenVerifier, VerifyError, VerifyOptions};
use clerk_core::{AuthorizedClient, Clock as _, Error, GetTokenOptions, ManualClock};
use clerk_emulator::SessionTokenVersion;
use support::{Env, Route, StatusFault};

fn backend(env: &Env) -> BackendClient {
    let config = BackendConfig::new(env.emu.secret_key())
        .unwrap()
        .with_api_url(env.emu.url())
        .unwrap()
        .with_clock(Arc::new(env.clock.clone()));
    BackendClient::new(config).unwrap()
}

fn verifier(env: &Env) -> TokenVerifier {
    TokenVerifier::from_jwks_json(&env.emu.jwks().to_string()).unwrap()
}

fn options(env: &Env) -> VerifyOptions {
    VerifyOptions { issuer: Some(env.emu.url().to_string()), ..VerifyOptions::at(env.emu.now_ms() / 1000) }
}

#[tokio::test]
async fn backend_get_token_with_and_without_template_and_lifetime() {
    let (env, session) = Env::signed_in().await;
    let client = backend(&env);
    let check = |jwt: &str| verifier(&env).verify(jwt, &options(&env)).unwrap();
    let cases = [(None, None, 60), (None, Some(300), 300), (Some("test"), None, 120), (Some("test"), Some(45), 45)];
    for (template, expires_in, lifetime) in cases {
        let token = client.sessions().get_token(session.id(), template, expires_in).await.unwrap();
        let claims = check(&token.jwt);
        assert_eq!(claims.exp - claims.iat.unwrap(), lifetime, "{template:?} {expires_in:?}");
        assert_eq!(claims.sub, "user_alice");
        if template.is_none() {
            assert_eq!(claims.sid.as_deref(), Some(session.id()));
        }
    }
    let sent = env.emu.requests_for(Route::BapiSessionToken);
    assert_eq!(sent[0].body, serde_json::json!({}));
    assert_eq!(sent[1].body, serde_json::json!({"expires_in_seconds": 300}));
    assert_eq!(env.emu.count(Route::BapiTemplateToken), 2);
    assert!(!format!("{client:?}").contains(env.emu.secret_key()), "secret never in Debug");
}

#[tokio::test]
async fn sign_in_tokens_from_the_backend_sign_a_client_in() {
    let env = Env::new().await;
    let ticket = backend(&env).sign_in_tokens().create("user_carol").await.unwrap();
    assert_eq!(ticket.status, "pending");
    let session = env.clerk.sign_in_with_ticket(&ticket.token).await.unwrap();
    assert_eq!(session.user_id(), Some("user_carol"));
    assert!(!format!("{ticket:?}").contains(&ticket.token));
}

#[tokio::test]
async fn missing_or_invalid_secret_keys_are_typed_errors() {
    for missing in ["", "  ", "pk_test_abc"] {
        assert!(matches!(BackendConfig::new(missing), Err(Error::Configuration { .. })), "{missing:?}");
    }
    let (env, session) = Env::signed_in().await;
    let config = BackendConfig::new("sk_test_wrong").unwrap().with_api_url(env.emu.url()).unwrap();
    let Err(Error::Api(api)) = BackendClient::new(config).unwrap().sessions().get_token(session.id(), None, None).await else {
        panic!("expected an API error");
    };
    assert_eq!(api.status, 401);
    assert!(!api.to_string().contains("sk_test_wrong"));
}

#[tokio::test]
async fn backend_rate_limits_honour_retry_after_or_report_it() {
    let (env, session) = Env::signed_in().await;
    let client = backend(&env);
    env.inject(Route::BapiSessionToken, StatusFault::new(429).retry_after("2"), 1);
    client.sessions().get_token(session.id(), None, None).await.unwrap();
    assert_eq!(env.clock.sleeps(), vec![Duration::from_secs(2)]);

    env.inject(Route::BapiSessionToken, StatusFault::new(429).code("too_many_requests").retry_after("600"), 1);
    let Err(Error::Api(api)) = client.sessions().get_token(session.id(), None, None).await else { panic!() };
    assert_eq!((api.status, api.retry_after), (429, Some(Duration::from_secs(600))));
}

/// The app's own backend: verifies the Bearer token, and can be told to reject given tokens
/// (as if revoked) to exercise the client's refresh-and-retry.
struct AppBackend {
    url: String,
    hits: Arc<AtomicUsize>,
    rejected: Arc<Mutex<HashSet<String>>>,
}

#[derive(Clone)]
struct AppState {
    verifier: TokenVerifier,
    issuer: String,
    clock: ManualClock,
    hits: Arc<AtomicUsize>,
    rejected: Arc<Mutex<HashSet<String>>>,
}

async fn me(State(app): State<AppState>, headers: HeaderMap) -> (StatusCode, String) {
    app.hits.fetch_add(1, Ordering::SeqCst);
    let Some(token) = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")) else {
        return (StatusCode::UNAUTHORIZED, "no token".into());
    };
    if app.rejected.lock().unwrap().contains(token) {
        return (StatusCode::UNAUTHORIZED, "revoked".into());
    }
    let options = VerifyOptions { issuer: Some(app.issuer.clone()), ..VerifyOptions::at(app.clock.now_ms() / 1000) };
    match app.verifier.verify(token, &options) {
        Ok(claims) => (StatusCode::OK, claims.sub),
        Err(why) => (StatusCode::UNAUTHORIZED, why.to_string()),
    }
}

async fn start_app_backend(env: &Env) -> AppBackend {
    let hits = Arc::new(AtomicUsize::new(0));
    let rejected = Arc::new(Mutex::new(HashSet::new()));
    let state = AppState {
        verifier: verifier(env),
        issuer: env.emu.url().to_string(),
        clock: env.clock.clone(),
        hits: hits.clone(),
        rejected: rejected.clone(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/me", listener.local_addr().unwrap());
    let router = axum::Router::new().route("/me", get(me)).with_state(state);
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    AppBackend { url, hits, rejected }
}

#[tokio::test]
async fn authorized_requests_reach_the_app_backend_with_a_verified_token() {
    let (env, session) = Env::signed_in().await;
    let app = start_app_backend(&env).await;
    let client = AuthorizedClient::new(reqwest::Client::new(), session, [app.url.as_str()]).unwrap();
    let response = client.send(reqwest::Client::new().get(&app.url).build().unwrap()).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "user_alice");
    assert_eq!(app.hits.load(Ordering::SeqCst), 1);
    assert_eq!(env.session_token_requests(), 0, "served from the cache");
}

#[tokio::test]
async fn a_401_from_the_app_backend_refreshes_once_and_retries_once() {
    let (env, session) = Env::signed_in().await;
    let app = start_app_backend(&env).await;
    let cached = session.cached_token(&GetTokenOptions::default()).unwrap();
    app.rejected.lock().unwrap().insert(cached.jwt.clone());
    let always = AlwaysReject::start().await;
    let client = AuthorizedClient::new(reqwest::Client::new(), session.clone(), [app.url.as_str(), always.0.as_str()]).unwrap();
    let response = client.send(reqwest::Client::new().get(&app.url).build().unwrap()).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(app.hits.load(Ordering::SeqCst), 2);
    assert_eq!(env.session_token_requests(), 1);

    // A backend that rejects everything: still exactly one refresh and one retry, no loop.
    env.advance_secs(1.0);
    let response = client.send(reqwest::Client::new().get(&always.0).build().unwrap()).await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(always.1.load(Ordering::SeqCst), 2);
    assert_eq!(env.session_token_requests(), 2);
}

/// A backend that answers 401 to everything.
struct AlwaysReject(String, Arc<AtomicUsize>);

impl AlwaysReject {
    async fn start() -> Self {
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        let router = axum::Router::new().route(
            "/",
            get(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                async { StatusCode::UNAUTHORIZED }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        AlwaysReject(url, hits)
    }
}

#[tokio::test]
async fn the_verifier_rejects_tampered_expired_and_foreign_tokens_with_distinct_reasons() {
    let (env, session) = Env::signed_in().await;
    let token = session.get_token(GetTokenOptions::default()).await.unwrap().unwrap().jwt;
    let verifier = verifier(&env);
    let claims = verifier.verify(&token, &options(&env)).unwrap();
    assert_eq!((claims.sub.as_str(), claims.sid.as_deref()), ("user_alice", Some(session.id())));

    let (head, signature) = token.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    let tampered = format!("{head}.{flipped}{}", &signature[1..]);
    assert_eq!(verifier.verify(&tampered, &options(&env)), Err(VerifyError::InvalidSignature));
    assert_eq!(verifier.verify("not.a.jwt", &options(&env)), Err(VerifyError::Malformed));

    let wrong_issuer = VerifyOptions { issuer: Some("https://evil.example".into()), ..options(&env) };
    assert_eq!(verifier.verify(&token, &wrong_issuer), Err(VerifyError::WrongIssuer));
    let parties = VerifyOptions { authorized_parties: vec!["https://app.example".into()], ..options(&env) };
    assert_eq!(verifier.verify(&token, &parties), Err(VerifyError::UnauthorizedParty));
    let localhost = VerifyOptions { authorized_parties: vec!["http://localhost".into()], ..options(&env) };
    assert!(verifier.verify(&token, &localhost).is_ok());
    let before = VerifyOptions { now_secs: claims.nbf.unwrap() - 60, ..options(&env) };
    assert_eq!(verifier.verify(&token, &before), Err(VerifyError::NotYetValid));

    env.advance_secs(64.0);
    assert!(verifier.verify(&token, &options(&env)).is_ok(), "within the 5 s leeway");
    env.advance_secs(2.0);
    assert_eq!(verifier.verify(&token, &options(&env)), Err(VerifyError::Expired));
}

/// An organization token of the signed-in session, fetched anew.
async fn organization_token(session: &clerk_core::Session) -> String {
    let options = GetTokenOptions { organization_id: Some("org_1".into()), skip_cache: true, ..Default::default() };
    session.get_token(options).await.unwrap().unwrap().jwt
}

#[tokio::test]
async fn keys_load_from_the_backend_api_with_the_secret_key() {
    let (env, session) = Env::signed_in().await;
    // On the system clock: the test clock here moves on every sleep, which would end the
    // fetch timeout at once.
    let config = BackendConfig::new(env.emu.secret_key()).unwrap().with_api_url(env.emu.url()).unwrap();
    let remote = JwksVerifier::from_backend_api(&config).unwrap();

    let from_frontend = remote.verify(&organization_token(&session).await, &options(&env)).await.unwrap();
    let from_backend = backend(&env).sessions().get_token(session.id(), None, Some(120)).await.unwrap();
    let from_backend = remote.verify(&from_backend.jwt, &options(&env)).await.unwrap();
    assert_eq!((env.emu.count(Route::BapiJwks), env.emu.count(Route::Jwks)), (1, 0));
    assert_eq!(env.emu.requests_for(Route::BapiJwks)[0].status, Some(200), "the secret key was accepted");
    for claims in [&from_frontend, &from_backend] {
        assert_eq!(claims.sid.as_deref(), Some(session.id()));
        assert_eq!((claims.version, claims.session_status.as_deref()), (Some(2), Some("active")));
    }
    assert_eq!(
        (from_frontend.org_id.as_deref(), from_frontend.org_role.as_deref(), from_frontend.org_slug.as_deref()),
        (Some("org_1"), Some("org:admin"), Some("org-1"))
    );
    assert!(!format!("{remote:?}").contains(env.emu.secret_key()));

    let wrong = BackendConfig::new("sk_test_wrong").unwrap().with_api_url(env.emu.url()).unwrap();
    let error = JwksVerifier::from_backend_api(&wrong)
        .unwrap()
        .verify(&organization_token(&session).await, &options(&env))
        .await
        .unwrap_err();
    assert!(matches!(&error, VerifyError::Keys(m) if m.contains("401")), "{error:?}");
    assert!(!error.to_string().contains("sk_test_wrong"));
}

#[tokio::test]
async fn version_1_and_version_2_tokens_give_the_same_organization() {
    let (env, session) = Env::signed_in().await;
    let verifier = verifier(&env);
    let v2 = verifier.verify(&organization_token(&session).await, &options(&env)).unwrap();
    env.emu.set_session_token_version(SessionTokenVersion::V1);
    let v1_token = organization_token(&session).await;
    assert!(env.emu.decode_jwt(&v1_token).unwrap().claims.get("org_id").is_some(), "a version 1 token");
    let v1 = verifier.verify(&v1_token, &options(&env)).unwrap();
    assert_eq!((v1.version, v2.version), (None, Some(2)));
    let organization = |c: &clerk_core::backend::SessionClaims| (c.org_id.clone(), c.org_role.clone(), c.org_slug.clone());
    assert_eq!(organization(&v1), organization(&v2));
    assert_eq!(organization(&v1).0.as_deref(), Some("org_1"));
}

#[tokio::test]
async fn the_jwks_is_fetched_once_and_reused() {
    let (env, session) = Env::signed_in().await;
    let token = session.get_token(GetTokenOptions::default()).await.unwrap().unwrap().jwt;
    let remote = JwksVerifier::new(format!("{}/.well-known/jwks.json", env.emu.url()));
    remote.verify(&token, &options(&env)).await.unwrap();
    remote.verify(&token, &options(&env)).await.unwrap();
    assert_eq!(env.emu.count(Route::Jwks), 1);
    let other = TokenVerifier::from_jwks_json(r#"{"keys":[]}"#);
    assert!(matches!(other, Err(VerifyError::Keys(_))));
}
