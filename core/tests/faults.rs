//! Every fault the emulator injects, with the error or fallback the engine must produce.

mod support;

use std::time::Duration;

use clerk_core::{Error, GetTokenOptions, InvalidResponse, RetryPolicy, TokenSource};
use support::{Env, Fault, Route, StatusFault};

fn skip_cache() -> GetTokenOptions {
    GetTokenOptions { skip_cache: true, ..Default::default() }
}

/// A signed-in session whose cached token is inside the default buffer, so the next
/// ordinary call goes to the network.
async fn due_for_refresh() -> (Env, clerk_core::Session) {
    let (env, session) = Env::signed_in().await;
    env.advance_secs(52.0);
    (env, session)
}

async fn fetch_err(session: &clerk_core::Session, options: GetTokenOptions) -> Error {
    session.get_token(options).await.expect_err("an error")
}

#[tokio::test]
async fn transient_statuses_are_retried_with_backoff() {
    for status in [408, 425, 429, 500, 502, 503, 504] {
        let (env, session) = due_for_refresh().await;
        env.inject(Route::SessionToken, StatusFault::new(status), 2);
        let token = session.get_token(skip_cache()).await.unwrap().unwrap();
        assert!(token.expires_at * 1000 > env.emu.now_ms(), "{status}");
        assert_eq!(env.session_token_requests(), 3, "{status}: two failures then success");
        let sleeps = env.clock.sleeps();
        assert_eq!(sleeps.len(), 2, "{status}");
        assert!(sleeps[0] >= Duration::from_millis(150) && sleeps[0] <= Duration::from_millis(300), "{sleeps:?}");
        assert!(sleeps[1] >= Duration::from_millis(300) && sleeps[1] <= Duration::from_millis(600), "{sleeps:?}");
    }
}

#[tokio::test]
async fn persistent_5xx_gives_up_after_the_attempt_budget_with_server_detail() {
    let (env, session) = due_for_refresh().await;
    let fault = StatusFault::new(503).code("service_unavailable").message("down").long_message("Try later");
    env.inject(Route::SessionToken, fault, 10);
    let Error::Api(api) = fetch_err(&session, skip_cache()).await else { panic!("api error") };
    assert_eq!(api.status, 503);
    assert_eq!(api.code(), Some("service_unavailable"));
    assert_eq!(api.errors[0].message, "down");
    assert_eq!(api.errors[0].long_message.as_deref(), Some("Try later"));
    assert!(api.clerk_trace_id.is_some());
    assert_eq!(env.session_token_requests(), 4);
}

#[tokio::test]
async fn retry_after_in_seconds_is_honoured() {
    let (env, session) = due_for_refresh().await;
    env.inject(Route::SessionToken, StatusFault::new(429).retry_after("3"), 1);
    session.get_token(skip_cache()).await.unwrap().unwrap();
    assert_eq!(env.clock.sleeps(), vec![Duration::from_secs(3)]);
    assert_eq!(env.session_token_requests(), 2);
}

#[tokio::test]
async fn retry_after_as_http_date_is_read_against_the_server_clock() {
    let (env, session) = due_for_refresh().await;
    // Even with the device ten minutes behind, the wait is the server's five seconds.
    env.emu.set_skew_ms(600_000);
    let at = std::time::UNIX_EPOCH + Duration::from_secs((env.emu.now_ms() / 1000 + 5) as u64);
    env.inject(Route::SessionToken, StatusFault::new(503).retry_after(httpdate::fmt_http_date(at)), 1);
    session.get_token(skip_cache()).await.unwrap().unwrap();
    let sleeps = env.clock.sleeps();
    assert_eq!(sleeps.len(), 1);
    assert!(sleeps[0] > Duration::from_secs(4) && sleeps[0] <= Duration::from_secs(5), "{sleeps:?}");
}

#[tokio::test]
async fn a_long_retry_after_is_reported_not_waited() {
    let (env, session) = due_for_refresh().await;
    env.inject(Route::SessionToken, StatusFault::new(429).code("too_many_requests").retry_after("3600"), 1);
    let error = fetch_err(&session, skip_cache()).await;
    let text = error.to_string();
    assert!(text.contains("the server asked to wait 1 h 0 min before retrying"), "{text}");
    let Error::Api(api) = error else { panic!() };
    assert_eq!((api.status, api.retry_after), (429, Some(Duration::from_secs(3600))));
    assert!(env.clock.sleeps().is_empty());
    assert_eq!(env.session_token_requests(), 1);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    for status in [400, 403, 404, 422] {
        let (env, session) = due_for_refresh().await;
        env.inject(Route::SessionToken, StatusFault::new(status).code("form_param_invalid"), 5);
        let Error::Api(api) = fetch_err(&session, skip_cache()).await else { panic!() };
        assert_eq!(api.status, status);
        assert_eq!(env.session_token_requests(), 1, "{status}");
        assert!(session.is_active(), "{status}: not a session-ending code");
    }
}

#[tokio::test]
async fn dropped_connections_and_truncated_bodies_are_retried() {
    for fault in [Fault::DropConnection, Fault::TruncatedBody] {
        let (env, session) = due_for_refresh().await;
        env.inject(Route::SessionToken, fault.clone(), 1);
        session.get_token(skip_cache()).await.unwrap().unwrap();
        assert_eq!(env.session_token_requests(), 2, "{fault:?}");
    }
    let (env, session) = due_for_refresh().await;
    env.inject(Route::SessionToken, Fault::DropConnection, 10);
    assert!(matches!(fetch_err(&session, skip_cache()).await, Error::Network { .. }));
    assert_eq!(env.session_token_requests(), 4);
}

#[tokio::test]
async fn a_request_past_the_timeout_is_a_timeout_error() {
    let env = Env::with_config(|c| c.with_request_timeout(Duration::from_millis(300)).with_retry(RetryPolicy::none())).await;
    let session = env.sign_in("user_alice").await;
    env.inject(Route::SessionToken, Fault::Hang, 1);
    assert_eq!(fetch_err(&session, skip_cache()).await, Error::Timeout);
    env.emu.release_hangs();
}

#[tokio::test]
async fn a_hung_request_is_retried_after_its_timeout() {
    let env = Env::with_config(|c| c.with_request_timeout(Duration::from_millis(300))).await;
    let session = env.sign_in("user_alice").await;
    env.inject(Route::SessionToken, Fault::Hang, 1);
    session.get_token(skip_cache()).await.unwrap().unwrap();
    assert_eq!(env.session_token_requests(), 2);
    env.emu.release_hangs();
}

#[tokio::test]
async fn malformed_token_responses_are_typed_errors_and_not_retried() {
    let cases = [
        (Fault::raw_body(200, "text/html", "<html>oops</html>"), InvalidResponse::NotJson),
        (Fault::raw_body(200, "application/json", r#"{"object":"token"}"#), InvalidResponse::MissingJwt),
        (Fault::MalformedJwt, InvalidResponse::MalformedJwt),
        (Fault::JwtWithoutExp, InvalidResponse::MissingExpiry),
        (Fault::ExpiredJwt, InvalidResponse::ExpiredOnArrival),
    ];
    for (fault, expected) in cases {
        let (env, session) = due_for_refresh().await;
        env.inject(Route::SessionToken, fault.clone(), 1);
        assert_eq!(fetch_err(&session, skip_cache()).await, Error::InvalidResponse(expected), "{fault:?}");
        assert_eq!(env.session_token_requests(), 1);
        // Nothing was lost: the previous token is still cached and the next call works.
        assert!(session.get_token(GetTokenOptions::default()).await.unwrap().is_some());
    }
}

#[tokio::test]
async fn missing_expired_token_is_retried_once_with_the_last_token() {
    let (env, session) = due_for_refresh().await;
    let last = session.cached_token(&GetTokenOptions { expiration_buffer: Duration::ZERO, ..Default::default() }).unwrap();
    env.inject(Route::SessionToken, Fault::MissingExpiredToken, 1);
    let token = session.get_token(GetTokenOptions::default()).await.unwrap().unwrap();
    assert_ne!(token, last);
    let sent = env.emu.requests_for(Route::SessionToken);
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].body_field("expired_token"), None);
    assert_eq!(sent[1].body_field("expired_token"), Some(last.jwt.as_str()));
}

#[tokio::test]
async fn missing_expired_token_twice_is_reported() {
    let (env, session) = due_for_refresh().await;
    env.inject(Route::SessionToken, StatusFault::new(422).code("missing_expired_token"), 2);
    let Error::Api(api) = fetch_err(&session, skip_cache()).await else { panic!() };
    assert_eq!(api.code(), Some("missing_expired_token"));
    assert_eq!(env.session_token_requests(), 2, "retried once, never looped");
}

#[tokio::test]
async fn session_ending_errors_end_the_session() {
    for code in ["session_revoked", "session_expired", "session_not_found", "authentication_invalid"] {
        let (env, session) = due_for_refresh().await;
        env.inject(Route::SessionToken, StatusFault::new(401).code(code), 1);
        let Error::Api(api) = fetch_err(&session, GetTokenOptions::default()).await else { panic!() };
        assert_eq!(api.code(), Some(code));
        assert!(!session.is_active(), "{code}");
        assert!(env.clerk.session().is_none());
        assert_eq!(session.get_token(GetTokenOptions::default()).await.unwrap(), None, "{code}");
        assert_eq!(env.session_token_requests(), 1);
    }
}

#[tokio::test]
async fn a_session_revoked_on_the_server_ends_on_the_next_fetch() {
    let (env, session) = due_for_refresh().await;
    assert!(env.emu.revoke_session(session.id()));
    let Error::Api(api) = fetch_err(&session, GetTokenOptions::default()).await else { panic!() };
    assert_eq!((api.status, api.code()), (401, Some("session_revoked")));
    assert_eq!(session.get_token(GetTokenOptions::default()).await.unwrap(), None);
}

#[tokio::test]
async fn stale_if_error_serves_a_still_valid_token_on_transient_failure() {
    let (env, session) = due_for_refresh().await;
    let cached = session.cached_token(&GetTokenOptions { expiration_buffer: Duration::ZERO, ..Default::default() }).unwrap();
    env.inject(Route::SessionToken, StatusFault::new(503), 4);
    let served = session.get_token(GetTokenOptions::default()).await.unwrap().unwrap();
    assert_eq!(served, cached);
    assert!(served.expires_at * 1000 > env.emu.now_ms(), "still valid by the server's clock");

    // Never for skip_cache...
    env.inject(Route::SessionToken, StatusFault::new(503), 4);
    assert!(matches!(fetch_err(&session, skip_cache()).await, Error::Api(_)));
    // ...and never an expired token.
    env.advance_secs(20.0);
    env.inject(Route::SessionToken, StatusFault::new(503), 4);
    assert!(matches!(fetch_err(&session, GetTokenOptions::default()).await, Error::Api(_)));
}

#[tokio::test]
async fn get_token_with_source_tells_the_cache_the_network_and_a_failed_refresh_apart() {
    let (env, session) = Env::signed_in().await;
    let source = |served: Option<(clerk_core::TokenResource, TokenSource)>| served.expect("a token").1;
    assert_eq!(source(session.get_token_with_source(GetTokenOptions::default()).await.unwrap()), TokenSource::Cache);
    env.advance_secs(52.0);
    env.inject(Route::SessionToken, StatusFault::new(503), 4);
    let TokenSource::CacheAfterFailedRefresh(error) =
        source(session.get_token_with_source(GetTokenOptions::default()).await.unwrap())
    else {
        panic!("the refresh failed and the cached token was served");
    };
    assert_eq!(error.api().map(|api| api.status), Some(503));
    assert_eq!(source(session.get_token_with_source(GetTokenOptions::default()).await.unwrap()), TokenSource::Network);
}

#[tokio::test]
async fn device_token_rotation_and_clearing_follow_the_server() {
    let (env, session) = due_for_refresh().await;
    let before = env.device_token().expect("signed-in device has a token");
    env.inject(Route::SessionToken, Fault::RotateDeviceToken, 1);
    session.get_token(skip_cache()).await.unwrap().unwrap();
    let rotated = env.device_token().unwrap();
    assert_ne!(rotated, before);
    // The emulator only accepts the rotated token now; this succeeds because it was stored.
    session.get_token(skip_cache()).await.unwrap().unwrap();

    env.inject(Route::SessionToken, Fault::ClearDeviceToken, 1);
    session.get_token(skip_cache()).await.unwrap().unwrap();
    assert_eq!(env.device_token(), None);
    let sent = env.emu.requests_for(Route::SessionToken);
    assert_eq!(sent.len(), 3);
}

#[tokio::test]
async fn api_errors_are_reported_from_sign_in_too() {
    let env = Env::new().await;
    let Err(Error::Api(api)) = env.clerk.sign_in_with_ticket("not-a-ticket").await else { panic!() };
    assert_eq!(api.status, 422);
    assert!(!api.errors.is_empty());
}
