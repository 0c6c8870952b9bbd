//! Every fault kind, observed with a plain HTTP client.

mod common;

use std::time::{Duration, Instant};

use clerk_emulator::{Fault, FaultRule, Route, StatusFault};
use common::{Native, bapi, start};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn status_faults_answer_clerk_errors_then_stop() {
    let emu = start().await;
    let (mut native, sid) = Native::signed_in(&emu, "user_1").await;
    emu.inject(
        FaultRule::new(Route::SessionToken, StatusFault::new(429).retry_after("2")).times(2),
    );
    emu.inject(FaultRule::new(
        Route::SessionToken,
        StatusFault::new(503)
            .code("service_down")
            .message("down")
            .long_message("really down")
            .meta(json!({ "k": 1 }))
            .retry_after("Wed, 21 Oct 2026 07:28:00 GMT"),
    ));

    for _ in 0..2 {
        let r = native.session_token(&sid, &[]).await;
        assert_eq!(r.status, 429);
        assert_eq!(r.retry_after.as_deref(), Some("2"));
        assert_eq!(r.error_code(), "too_many_requests");
        assert!(r.body["clerk_trace_id"].is_string());
        assert!(r.date.is_some());
    }
    let r = native.session_token(&sid, &[]).await;
    assert_eq!(r.status, 503);
    assert_eq!(
        r.retry_after.as_deref(),
        Some("Wed, 21 Oct 2026 07:28:00 GMT")
    );
    assert_eq!(
        r.body["errors"][0],
        json!({ "code": "service_down", "message": "down", "long_message": "really down", "meta": { "k": 1 } })
    );
    assert_eq!(
        native.session_token(&sid, &[]).await.status,
        200,
        "rules are used up"
    );
    assert!(emu.pending_faults().is_empty());

    let log = emu.requests_for(Route::SessionToken);
    assert_eq!(log[0].fault.as_deref(), Some("status"));
    assert_eq!(log[0].status, Some(429));
    assert_eq!(log[3].fault, None);
}

#[tokio::test]
async fn rules_only_hit_their_route_and_any_hits_everything() {
    let emu = start().await;
    let (mut native, sid) = Native::signed_in(&emu, "user_1").await;
    emu.inject(FaultRule::new(Route::TemplateToken, Fault::status(500)));
    assert_eq!(native.session_token(&sid, &[]).await.status, 200);
    assert_eq!(native.template_token(&sid, "test").await.status, 500);

    emu.inject(FaultRule::new(Route::Any, Fault::status(502)));
    let jwks = common::http_client().get(format!("{}/.well-known/jwks.json", emu.url())).send()
        .await
        .unwrap();
    assert_eq!(jwks.status(), 502);

    emu.inject(FaultRule::new(Route::BapiSessionToken, Fault::status(504)));
    let r = bapi(
        &emu,
        &format!("/v1/sessions/{sid}/tokens"),
        Some(emu.secret_key()),
        None,
    )
    .await;
    assert_eq!(r.status, 504);

    emu.inject(FaultRule::new(Route::Client, Fault::status(500)));
    emu.clear_faults();
    assert_eq!(native.get_client().await.status, 200);
}

#[tokio::test]
async fn hang_holds_the_request_until_released() {
    let emu = start().await;
    let (native, sid) = Native::signed_in(&emu, "user_h").await;
    emu.inject(FaultRule::new(Route::SessionToken, Fault::Hang));

    let pending = tokio::spawn(
        native
            .request(Method::POST, &format!("/v1/client/sessions/{sid}/tokens"))
            .send(),
    );
    emu.wait_for_requests(Route::SessionToken, 1).await;
    let entry = &emu.requests_for(Route::SessionToken)[0];
    assert_eq!(entry.fault.as_deref(), Some("hang"));
    assert_eq!(entry.status, None, "no answer yet");
    assert!(!pending.is_finished());

    emu.release_hangs();
    let resp = pending.await.unwrap().unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(emu.requests_for(Route::SessionToken)[0].status, Some(200));
}

#[tokio::test]
async fn hang_makes_client_timeouts_fire() {
    let emu = start().await;
    emu.inject(FaultRule::new(Route::Client, Fault::Hang));
    let native = Native::new(&emu);
    let err = native
        .request(Method::GET, "/v1/client")
        .timeout(Duration::from_millis(200))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
}

#[tokio::test]
async fn stopping_the_emulator_drops_hanging_requests() {
    let emu = start().await;
    emu.inject(FaultRule::new(Route::Jwks, Fault::Hang));
    let pending = tokio::spawn(common::http_client().get(format!("{}/.well-known/jwks.json", emu.url())).send());
    emu.wait_for_requests(Route::Jwks, 1).await;
    emu.stop();
    assert!(pending.await.unwrap().is_err());
}

#[tokio::test]
async fn delay_answers_normally_after_a_real_delay() {
    let emu = start().await;
    emu.inject(FaultRule::new(Route::Jwks, Fault::DelayMs { ms: 50 }));
    let started = Instant::now();
    let resp = common::http_client()
        .get(format!("{}/.well-known/jwks.json", emu.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(50));
}

#[tokio::test]
async fn drop_connection_closes_without_a_response() {
    let emu = start().await;
    let (native, sid) = Native::signed_in(&emu, "user_d").await;
    emu.inject(FaultRule::new(Route::SessionToken, Fault::DropConnection));
    let err = native
        .request(Method::POST, &format!("/v1/client/sessions/{sid}/tokens"))
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_timeout() && err.status().is_none(), "{err}");
    let entry = &emu.requests_for(Route::SessionToken)[0];
    assert_eq!(
        (entry.fault.as_deref(), entry.status),
        (Some("drop_connection"), None)
    );
    // The next request is served normally on a new connection.
    let ok = native
        .request(Method::POST, &format!("/v1/client/sessions/{sid}/tokens"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn truncated_body_breaks_mid_body() {
    let emu = start().await;
    let (native, sid) = Native::signed_in(&emu, "user_t").await;
    emu.inject(FaultRule::new(Route::SessionToken, Fault::TruncatedBody));
    let resp = native
        .request(Method::POST, &format!("/v1/client/sessions/{sid}/tokens"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "headers arrive intact");
    let announced = resp.content_length().unwrap();
    let err = resp.bytes().await.unwrap_err();
    assert!(err.is_body() || err.is_decode(), "{err}");
    assert!(announced > 0);
}

#[tokio::test]
async fn raw_body_is_sent_verbatim() {
    let emu = start().await;
    let (native, sid) = Native::signed_in(&emu, "user_r").await;
    emu.inject(FaultRule::new(
        Route::SessionToken,
        Fault::raw_body(502, "text/html", "<html>bad gateway</html>"),
    ));
    emu.inject(FaultRule::new(
        Route::SessionToken,
        Fault::raw_body(200, "application/json", r#"{"object":"token"}"#),
    ));

    let html = native
        .request(Method::POST, &format!("/v1/client/sessions/{sid}/tokens"))
        .send()
        .await
        .unwrap();
    assert_eq!(html.status(), 502);
    assert_eq!(html.headers()["content-type"], "text/html");
    assert_eq!(html.text().await.unwrap(), "<html>bad gateway</html>");

    let no_jwt = native
        .request(Method::POST, &format!("/v1/client/sessions/{sid}/tokens"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_jwt.status(), 200);
    assert_eq!(no_jwt.text().await.unwrap(), r#"{"object":"token"}"#);
}

#[tokio::test]
async fn jwt_faults_spoil_the_minted_token() {
    let emu = start().await;
    let (mut native, sid) = Native::signed_in(&emu, "user_j").await;
    emu.inject(FaultRule::new(Route::SessionToken, Fault::MalformedJwt));
    emu.inject(FaultRule::new(Route::SessionToken, Fault::JwtWithoutExp));
    emu.inject(FaultRule::new(Route::TemplateToken, Fault::ExpiredJwt));
    emu.inject(FaultRule::new(Route::Client, Fault::ExpiredJwt));

    let malformed = native.session_token(&sid, &[]).await;
    assert_eq!(malformed.status, 200);
    assert_eq!(
        malformed.jwt().split('.').count(),
        1,
        "not a JWT: {}",
        malformed.jwt()
    );

    let no_exp = native.session_token(&sid, &[]).await;
    let claims = emu.decode_jwt(no_exp.jwt()).unwrap().claims;
    assert!(claims.get("exp").is_none() && claims.get("iat").is_some());

    let now_s = emu.now_ms() / 1000;
    let expired = native.template_token(&sid, "test").await;
    assert!(
        emu.decode_jwt(expired.jwt()).unwrap().claims["exp"]
            .as_i64()
            .unwrap()
            < now_s
    );

    let client = native.get_client().await;
    let piggybacked = client.body["client"]["sessions"][0]["last_active_token"]["jwt"]
        .as_str()
        .unwrap();
    assert!(
        emu.decode_jwt(piggybacked).unwrap().claims["exp"]
            .as_i64()
            .unwrap()
            < now_s
    );

    let fine = native.session_token(&sid, &[]).await;
    assert!(
        emu.decode_jwt(fine.jwt()).unwrap().claims["exp"]
            .as_i64()
            .unwrap()
            > now_s
    );
}

#[tokio::test]
async fn missing_expired_token_requires_the_expired_token_field() {
    let emu = start().await;
    let (mut native, sid) = Native::signed_in(&emu, "user_m").await;
    emu.inject(FaultRule::new(Route::SessionToken, Fault::MissingExpiredToken).times(3));

    let without = native.session_token(&sid, &[]).await;
    assert_eq!(
        (without.status.as_u16(), without.error_code()),
        (422, "missing_expired_token")
    );
    let empty = native.session_token(&sid, &[("expired_token", "")]).await;
    assert_eq!(empty.status, 422);
    let with = native
        .session_token(&sid, &[("expired_token", "eyJold")])
        .await;
    assert_eq!(with.status, 200);
    assert!(emu.pending_faults().is_empty());
}

#[tokio::test]
async fn clear_device_token_empties_the_authorization_header() {
    let emu = start().await;
    let (mut native, sid) = Native::signed_in(&emu, "user_c").await;
    emu.inject(FaultRule::new(Route::SessionToken, Fault::ClearDeviceToken));
    let reply = native.session_token(&sid, &[]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.authorization.as_deref(), Some(""));
    assert!(
        native.device_token.is_none(),
        "the client dropped its device token"
    );
    assert_eq!(native.get_client().await.body["client"], json!(null));
}

#[tokio::test]
async fn rotate_device_token_invalidates_the_old_one() {
    let emu = start().await;
    let (mut native, sid) = Native::signed_in(&emu, "user_o").await;
    let old = native.device_token.clone().unwrap();
    emu.inject(FaultRule::new(
        Route::SessionToken,
        Fault::RotateDeviceToken,
    ));

    let reply = native.session_token(&sid, &[]).await;
    assert_eq!(reply.status, 200);
    let new = reply.authorization.clone().unwrap();
    assert_ne!(new, old);
    assert_eq!(native.device_token.as_deref(), Some(new.as_str()));
    assert_eq!(
        native.session_token(&sid, &[]).await.status,
        200,
        "the new token works"
    );

    let mut stale = Native::new(&emu);
    stale.device_token = Some(old);
    let refused = stale.session_token(&sid, &[]).await;
    assert_eq!(
        (refused.status.as_u16(), refused.error_code()),
        (401, "authentication_invalid")
    );
    assert_eq!(stale.get_client().await.body["client"], json!(null));
}

#[tokio::test]
async fn rejected_requests_do_not_consume_faults() {
    let emu = start().await;
    emu.inject(FaultRule::new(Route::Client, Fault::status(500)));
    let not_native = common::http_client().get(format!("{}/v1/client", emu.url())).send()
        .await
        .unwrap();
    assert_eq!(not_native.status(), 400);
    assert_eq!(emu.pending_faults().len(), 1);
    assert_eq!(emu.count(Route::Client), 1, "still counted");
}
