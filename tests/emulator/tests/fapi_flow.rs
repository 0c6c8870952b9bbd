//! Sign-in, tokens, sessions and BAPI behaviour, observed over HTTP like the SDK would.

mod common;

use clerk_emulator::{
    AUTH_PRESENT, DEFAULT_START_MS, Emulator, EmulatorConfig, JwtTemplate, Organization, Route,
    SessionStatus, SessionTokenVersion, User,
};
use common::{Native, bapi, http_client, read, start};
use reqwest::Method;
use serde_json::json;

const START_S: i64 = DEFAULT_START_MS / 1000;

#[tokio::test]
async fn ticket_sign_in_creates_client_session_and_device_token() {
    let emu = start().await;
    let mut native = Native::new(&emu);

    let anonymous = native.get_client().await;
    assert_eq!(anonymous.status, 200);
    assert_eq!(anonymous.body, json!({ "response": null, "client": null }));
    assert!(anonymous.authorization.is_none());

    let ticket = emu.create_sign_in_token("user_123").token;
    let reply = native.sign_in(&ticket).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let device_token = reply
        .authorization
        .clone()
        .expect("new device token in Authorization");
    assert!(!device_token.starts_with("Bearer"));
    let sign_in = &reply.body["response"];
    assert_eq!(sign_in["object"], "sign_in_attempt");
    assert_eq!(sign_in["status"], "complete");
    let sid = sign_in["created_session_id"].as_str().unwrap();
    let client = &reply.body["client"];
    assert_eq!(client["last_active_session_id"], sid);
    let session = &client["sessions"][0];
    assert_eq!(session["id"], sid);
    assert_eq!(session["status"], "active");
    assert_eq!(session["user"]["id"], "user_123");
    assert_eq!(session["last_active_token"]["object"], "token");
    let jwt = session["last_active_token"]["jwt"].as_str().unwrap();
    assert_eq!(emu.decode_jwt(jwt).unwrap().claims["sid"], sid);

    // The stored device token identifies the client from now on.
    let again = native.get_client().await;
    assert_eq!(again.body["response"]["id"], client["id"]);
    assert_eq!(again.body["client"]["sessions"][0]["id"], sid);
    assert_eq!(again.authorization.as_deref(), Some(device_token.as_str()));

    // Tickets are single use; a second sign-in on the same client would need a new one.
    let reused = native.sign_in(&ticket).await;
    assert_eq!(reused.status, 422);
    assert_eq!(reused.error_code(), "ticket_invalid");
    assert!(reused.body["clerk_trace_id"].is_string());

    let second = native
        .sign_in(&emu.create_sign_in_token("user_456").token)
        .await;
    assert_eq!(second.status, 200);
    assert_eq!(
        second.body["client"]["id"], client["id"],
        "an existing client is reused"
    );
    assert_eq!(
        second.body["client"]["sessions"].as_array().unwrap().len(),
        2
    );
}

#[tokio::test]
async fn sign_in_validates_its_form() {
    let emu = start().await;
    let mut native = Native::new(&emu);
    let missing = native
        .send(
            native
                .request(Method::POST, "/v1/client/sign_ins")
                .form(&[("strategy", "ticket")]),
        )
        .await;
    assert_eq!(missing.status, 422);
    assert_eq!(missing.error_code(), "form_param_missing");
    assert_eq!(missing.body["errors"][0]["meta"]["param_name"], "ticket");

    let no_strategy = native
        .send(
            native
                .request(Method::POST, "/v1/client/sign_ins")
                .form(&[("ticket", "x")]),
        )
        .await;
    assert_eq!(no_strategy.error_code(), "form_param_missing");

    let bogus = native.sign_in("not-a-ticket").await;
    assert_eq!(bogus.status, 422);
    assert_eq!(bogus.error_code(), "ticket_invalid");
    assert!(
        native.device_token.is_none(),
        "a failed sign-in creates no client"
    );
}

#[tokio::test]
async fn session_token_claims_follow_the_manual_clock() {
    let emu = start().await;
    emu.set_organization(Organization::new("org_1", "org-1").member("user_1", "org:admin"));
    let (mut native, sid) = Native::signed_in(&emu, "user_1").await;

    let first = native.session_token(&sid, &[]).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body["object"], "token");
    let decoded = emu.decode_jwt(first.jwt()).unwrap();
    let (h, c) = (&decoded.header, &decoded.claims);
    assert_eq!(h["alg"], "RS256");
    assert_eq!(h["typ"], "JWT");
    assert_eq!(h["kid"], emu.jwks()["keys"][0]["kid"]);
    assert_eq!(h["oiat"], START_S);
    assert_eq!(c["iat"], START_S);
    assert_eq!(c["nbf"], START_S - 10);
    assert_eq!(c["exp"], START_S + 60);
    assert_eq!(c["iss"], emu.url());
    assert_eq!(c["azp"], "http://localhost");
    assert_eq!(c["sid"], sid.as_str());
    assert_eq!(c["sub"], "user_1");
    // Version 2 claims, as Clerk issues them today.
    assert_eq!(c["v"], 2);
    assert_eq!(c["sts"], "active");
    assert_eq!(c["fva"], json!([0, -1]));
    assert!(c.get("o").is_none() && c.get("org_id").is_none());

    emu.clock().advance_ms(61_000);
    let later = native.session_token(&sid, &[]).await;
    let c = emu.decode_jwt(later.jwt()).unwrap().claims;
    assert_eq!(c["iat"], START_S + 61);
    assert_eq!(c["fva"], json!([1, -1]), "minutes since the sign-in");
    assert_eq!(c["exp"], START_S + 121);
    assert_eq!(
        emu.session(&sid).unwrap().last_active_token.as_deref(),
        Some(later.jwt())
    );

    // organization_id selects an org; present-but-empty goes back to the personal account.
    let org = native
        .session_token(&sid, &[("organization_id", "org_1")])
        .await;
    let org_claim = json!({ "id": "org_1", "rol": "admin", "slg": "org-1" });
    assert_eq!(emu.decode_jwt(org.jwt()).unwrap().claims["o"], org_claim);
    let kept = native.session_token(&sid, &[]).await;
    assert_eq!(emu.decode_jwt(kept.jwt()).unwrap().claims["o"], org_claim);
    let personal = native.session_token(&sid, &[("organization_id", "")]).await;
    assert!(
        emu.decode_jwt(personal.jwt())
            .unwrap()
            .claims
            .get("o")
            .is_none()
    );

    // An expired_token form field is accepted.
    let with_expired = native
        .session_token(&sid, &[("expired_token", first.jwt())])
        .await;
    assert_eq!(with_expired.status, 200);

    let from_web = native
        .send(
            native
                .request(Method::POST, &format!("/v1/client/sessions/{sid}/tokens"))
                .header("origin", "https://app.example"),
        )
        .await;
    assert_eq!(
        emu.decode_jwt(from_web.jwt()).unwrap().claims["azp"],
        "https://app.example"
    );
}

#[tokio::test]
async fn template_tokens_use_template_lifetime_and_claims() {
    let emu = start().await;
    let (mut native, sid) = Native::signed_in(&emu, "user_t").await;

    let test = native.template_token(&sid, "test").await;
    assert_eq!(test.status, 200);
    let c = emu.decode_jwt(test.jwt()).unwrap().claims;
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 120);
    assert_eq!(c["aud"], "test");
    assert_eq!(c["sub"], "user_t");

    let firebase = emu
        .decode_jwt(native.template_token(&sid, "firebase").await.jwt())
        .unwrap()
        .claims;
    assert_eq!(
        firebase["exp"].as_i64().unwrap() - firebase["iat"].as_i64().unwrap(),
        3600
    );

    let missing = native.template_token(&sid, "nope").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.error_code(), "resource_not_found");

    emu.set_template(JwtTemplate::new("hasura", 300).claim("role", "admin"));
    let c = emu
        .decode_jwt(native.template_token(&sid, "hasura").await.jwt())
        .unwrap()
        .claims;
    assert_eq!(c["role"], "admin");
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 300);
    assert!(emu.remove_template("hasura").is_some());
    assert_eq!(native.template_token(&sid, "hasura").await.status, 404);
}

#[tokio::test]
async fn skew_shifts_the_date_header_and_token_times() {
    let emu = start().await;
    let (mut native, sid) = Native::signed_in(&emu, "user_s").await;
    let expected_date = |ms: i64| {
        httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms as u64))
    };

    let reply = native.session_token(&sid, &[]).await;
    assert_eq!(
        reply.date.as_deref(),
        Some(expected_date(DEFAULT_START_MS).as_str())
    );

    emu.set_skew_ms(-300_000);
    let skewed = native.session_token(&sid, &[]).await;
    assert_eq!(
        skewed.date.as_deref(),
        Some(expected_date(DEFAULT_START_MS - 300_000).as_str())
    );
    assert_eq!(
        emu.decode_jwt(skewed.jwt()).unwrap().claims["iat"],
        START_S - 300
    );
    assert_eq!(emu.now_ms(), DEFAULT_START_MS - 300_000);
    assert_eq!(
        emu.clock().now_ms(),
        DEFAULT_START_MS,
        "skew does not move the clock"
    );

    // Errors are dated too.
    let err = native.session_token("sess_unknown", &[]).await;
    assert_eq!(
        err.date.as_deref(),
        Some(expected_date(DEFAULT_START_MS - 300_000).as_str())
    );
}

#[tokio::test]
async fn token_requests_report_the_session_state() {
    let emu = start().await;
    let (mut native, sid) = Native::signed_in(&emu, "user_x").await;

    let unknown = native.session_token("sess_unknown", &[]).await;
    assert_eq!(
        (unknown.status.as_u16(), unknown.error_code()),
        (404, "session_not_found")
    );

    let (_, other_sid) = Native::signed_in(&emu, "user_other").await;
    let foreign = native.session_token(&other_sid, &[]).await;
    assert_eq!(
        (foreign.status.as_u16(), foreign.error_code()),
        (404, "session_not_found")
    );

    let mut signed_out = Native::new(&emu);
    let anonymous = signed_out.session_token(&sid, &[]).await;
    assert_eq!(
        (anonymous.status.as_u16(), anonymous.error_code()),
        (401, "authentication_invalid")
    );

    for (status, code) in [
        (SessionStatus::Revoked, "session_revoked"),
        (SessionStatus::Expired, "session_expired"),
        (SessionStatus::Removed, "session_removed"),
        (SessionStatus::Ended, "session_ended"),
    ] {
        assert!(emu.set_session_status(&sid, status));
        let reply = native.session_token(&sid, &[]).await;
        assert_eq!((reply.status.as_u16(), reply.error_code()), (401, code));
        let template = native.template_token(&sid, "test").await;
        assert_eq!(
            (template.status.as_u16(), template.error_code()),
            (401, code)
        );
    }
    assert!(!emu.revoke_session("sess_unknown"));

    // Sessions also expire on their own by the emulator clock (7 days by default).
    let (mut native2, sid2) = Native::signed_in(&emu, "user_y").await;
    emu.clock().advance_ms(7 * 24 * 3600 * 1000);
    let expired = native2.session_token(&sid2, &[]).await;
    assert_eq!(
        (expired.status.as_u16(), expired.error_code()),
        (401, "session_expired")
    );
    assert_eq!(emu.session(&sid2).unwrap().status, SessionStatus::Expired);
}

#[tokio::test]
async fn revoke_session_is_seen_by_the_next_token_request() {
    let emu = start().await;
    let (mut native, sid) = Native::signed_in(&emu, "user_r").await;
    assert_eq!(native.session_token(&sid, &[]).await.status, 200);
    assert!(emu.revoke_session(&sid));
    assert_eq!(
        native.session_token(&sid, &[]).await.error_code(),
        "session_revoked"
    );
    let client = native.get_client().await;
    assert_eq!(client.body["client"]["sessions"], json!([]));
    assert_eq!(client.body["client"]["last_active_session_id"], json!(null));
}

#[tokio::test]
async fn end_session_returns_the_ended_session_and_client() {
    let emu = start().await;
    let (mut native, sid) = Native::signed_in(&emu, "user_e").await;
    let reply = native.end_session(&sid).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["response"]["id"], sid.as_str());
    assert_eq!(reply.body["response"]["status"], "ended");
    assert_eq!(reply.body["response"]["last_active_token"], json!(null));
    assert_eq!(reply.body["client"]["sessions"], json!([]));
    assert_eq!(emu.session(&sid).unwrap().status, SessionStatus::Ended);
    assert_eq!(
        native.session_token(&sid, &[]).await.error_code(),
        "session_ended"
    );

    let unknown = native.end_session("sess_nope").await;
    assert_eq!(
        (unknown.status.as_u16(), unknown.error_code()),
        (404, "session_not_found")
    );
}

#[tokio::test]
async fn native_calling_conventions_are_enforced() {
    let emu = start().await;
    let http = common::http_client();
    let url = format!("{}/v1/client", emu.url());

    let no_flag = common::read(
        http.get(&url)
            .header("clerk-api-version", "2026-05-12")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (no_flag.status.as_u16(), no_flag.error_code()),
        (400, "native_api_required")
    );

    let no_version = common::read(
        http.get(format!("{url}?_is_native=true"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (no_version.status.as_u16(), no_version.error_code()),
        (400, "native_api_required")
    );

    let old_version = common::read(
        http.get(format!("{url}?_is_native=true"))
            .header("clerk-api-version", "2021-02-05")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (old_version.status.as_u16(), old_version.error_code()),
        (400, "api_version_invalid")
    );

    let mut native = Native::new(&emu);
    let json_body = native
        .send(
            native
                .request(Method::POST, "/v1/client/sign_ins")
                .json(&json!({ "strategy": "ticket" })),
        )
        .await;
    assert_eq!(
        (json_body.status.as_u16(), json_body.error_code()),
        (400, "request_body_invalid")
    );

    // JWKS is public and needs none of that.
    let jwks = common::read(
        http.get(format!("{}/.well-known/jwks.json", emu.url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(jwks.status, 200);
    assert_eq!(jwks.body["keys"][0]["kty"], "RSA");
    assert_eq!(jwks.body["keys"][0]["alg"], "RS256");
    assert_eq!(jwks.body["keys"][0]["use"], "sig");
    assert!(jwks.body["keys"][0]["n"].is_string() && jwks.body["keys"][0]["e"].is_string());

    let unknown = common::read(
        http.get(format!("{}/v1/nope", emu.url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (unknown.status.as_u16(), unknown.error_code()),
        (404, "resource_not_found")
    );
}

#[tokio::test]
async fn tokens_verify_against_the_served_jwks() {
    let emu = start().await;
    let (mut native, sid) = Native::signed_in(&emu, "user_j").await;
    let jwt = native.session_token(&sid, &[]).await.jwt().to_string();
    let jwks: jsonwebtoken::jwk::JwkSet =
        common::http_client().get(format!("{}/.well-known/jwks.json", emu.url())).send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let kid = jsonwebtoken::decode_header(&jwt).unwrap().kid.unwrap();
    let key =
        jsonwebtoken::DecodingKey::from_jwk(jwks.find(&kid).expect("kid is in the JWKS")).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.validate_exp = false;
    let data = jsonwebtoken::decode::<serde_json::Value>(&jwt, &key, &validation).unwrap();
    assert_eq!(data.claims["sid"], sid.as_str());
    assert!(
        jsonwebtoken::decode::<serde_json::Value>(&format!("{jwt}x"), &key, &validation).is_err()
    );
}

#[tokio::test]
async fn version_1_session_tokens_stay_available_per_instance_and_at_run_time() {
    let config = EmulatorConfig {
        session_token_version: SessionTokenVersion::V1,
        organizations: vec![
            Organization::new("org_acme", "acme").member("user_v1", "org:member"),
        ],
        ..EmulatorConfig::default()
    };
    let emu = Emulator::start(config).await.unwrap();
    let (mut native, sid) = Native::signed_in(&emu, "user_v1").await;
    let reply = native
        .session_token(&sid, &[("organization_id", "org_acme")])
        .await;
    let c = emu.decode_jwt(reply.jwt()).unwrap().claims;
    assert_eq!(
        (&c["org_id"], &c["org_role"], &c["org_slug"], &c["org_permissions"]),
        (&json!("org_acme"), &json!("org:member"), &json!("acme"), &json!([]))
    );
    assert!(c.get("v").is_none() && c.get("o").is_none() && c.get("sts").is_none());
    let path = format!("/v1/sessions/{sid}/tokens");
    let from_bapi = bapi(&emu, &path, Some(emu.secret_key()), None).await;
    let c = emu.decode_jwt(from_bapi.jwt()).unwrap().claims;
    assert_eq!((&c["org_id"], c.get("v")), (&json!("org_acme"), None));

    emu.set_session_token_version(SessionTokenVersion::V2);
    let from_bapi = bapi(&emu, &path, Some(emu.secret_key()), None).await;
    let c = emu.decode_jwt(from_bapi.jwt()).unwrap().claims;
    assert_eq!(c["v"], 2);
    assert_eq!(c["o"], json!({ "id": "org_acme", "rol": "member", "slg": "acme" }));
    assert!(c.get("org_id").is_none());
    // Template tokens carry neither shape: only what the template says.
    let template = native.template_token(&sid, "test").await;
    let c = emu.decode_jwt(template.jwt()).unwrap().claims;
    assert!(["v", "o", "sid", "org_id", "sts", "fva"].iter().all(|k| c.get(*k).is_none()));

    emu.reset();
    assert_eq!(emu.session_token_version(), SessionTokenVersion::V1, "reset keeps the configured version");
}

#[tokio::test]
async fn bapi_serves_the_jwks_to_the_secret_key_holder() {
    let emu = start().await;
    let get = |secret: Option<&str>| {
        let mut req = http_client().get(format!("{}/v1/jwks", emu.url()));
        if let Some(secret) = secret {
            req = req.bearer_auth(secret);
        }
        async move { read(req.send().await.unwrap()).await }
    };
    for secret in [None, Some("sk_test_wrong")] {
        let refused = get(secret).await;
        assert_eq!(
            (refused.status.as_u16(), refused.error_code()),
            (401, "authentication_invalid"),
            "{secret:?}"
        );
    }
    let keys = get(Some(emu.secret_key())).await;
    assert_eq!(keys.status, 200);
    assert_eq!(keys.body, emu.jwks());
    let public = read(
        http_client()
            .get(format!("{}/.well-known/jwks.json", emu.url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(keys.body, public.body, "the same keys as the Frontend API's");
    assert_eq!(emu.count(Route::BapiJwks), 3);
    assert_eq!(emu.count(Route::Jwks), 1);
}

#[tokio::test]
async fn bapi_requires_the_secret_key_and_mints_tokens() {
    let emu = start().await;
    let sk = Some(emu.secret_key());

    let missing = bapi(
        &emu,
        "/v1/sign_in_tokens",
        None,
        Some(json!({ "user_id": "u" })),
    )
    .await;
    assert_eq!(
        (missing.status.as_u16(), missing.error_code()),
        (401, "authentication_invalid")
    );
    let wrong = bapi(
        &emu,
        "/v1/sign_in_tokens",
        Some("sk_test_wrong"),
        Some(json!({ "user_id": "u" })),
    )
    .await;
    assert_eq!(
        (wrong.status.as_u16(), wrong.error_code()),
        (401, "authentication_invalid")
    );
    let no_user = bapi(&emu, "/v1/sign_in_tokens", sk, Some(json!({}))).await;
    assert_eq!(
        (no_user.status.as_u16(), no_user.error_code()),
        (422, "form_param_missing")
    );

    // The Backend API names users the instance has.
    emu.set_user(User::new("user_b"));
    let created = bapi(
        &emu,
        "/v1/sign_in_tokens",
        sk,
        Some(json!({ "user_id": "user_b", "expires_in_seconds": 60 })),
    )
    .await;
    assert_eq!(created.status, 200);
    assert_eq!(created.body["object"], "sign_in_token");
    assert_eq!(created.body["status"], "pending");
    assert_eq!(created.body["user_id"], "user_b");
    let ticket = created.body["token"].as_str().unwrap();

    // An expired ticket is refused.
    emu.clock().advance_ms(61_000);
    let mut native = Native::new(&emu);
    assert_eq!(native.sign_in(ticket).await.error_code(), "ticket_expired");

    let (_, sid) = Native::signed_in(&emu, "user_b").await;
    let path = format!("/v1/sessions/{sid}/tokens");
    let default = bapi(&emu, &path, sk, None).await;
    assert_eq!(default.status, 200);
    assert_eq!(default.body["object"], "token");
    let c = emu.decode_jwt(default.jwt()).unwrap().claims;
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 60);
    assert_eq!(c["sid"], sid.as_str());

    let longer = bapi(&emu, &path, sk, Some(json!({ "expires_in_seconds": 300 }))).await;
    let c = emu.decode_jwt(longer.jwt()).unwrap().claims;
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 300);

    let too_short = bapi(&emu, &path, sk, Some(json!({ "expires_in_seconds": 5 }))).await;
    assert_eq!(too_short.status, 422);

    let template = bapi(
        &emu,
        &format!("/v1/sessions/{sid}/tokens/test"),
        sk,
        Some(json!({ "expires_in_seconds": 45 })),
    )
    .await;
    let c = emu.decode_jwt(template.jwt()).unwrap().claims;
    assert_eq!(c["aud"], "test");
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 45);

    let unauthorized = bapi(&emu, &path, Some("sk_nope"), None).await;
    assert_eq!(unauthorized.status, 401);
    let unknown = bapi(&emu, "/v1/sessions/sess_nope/tokens", sk, None).await;
    assert_eq!(
        (unknown.status.as_u16(), unknown.error_code()),
        (404, "resource_not_found")
    );
    let no_template = bapi(&emu, &format!("/v1/sessions/{sid}/tokens/nope"), sk, None).await;
    assert_eq!(no_template.status, 404);
}

#[tokio::test]
async fn requests_are_counted_and_logged() {
    let emu = start().await;
    emu.set_organization(Organization::new("org_9", "nine").member("user_c", "org:member"));
    let (mut native, sid) = Native::signed_in(&emu, "user_c").await;
    native
        .session_token(&sid, &[("organization_id", "org_9")])
        .await;
    native.session_token(&sid, &[]).await;
    native.template_token(&sid, "test").await;
    native.session_token("sess_missing", &[]).await;

    assert_eq!(emu.count(Route::SignIn), 1);
    assert_eq!(emu.count(Route::SessionToken), 3);
    assert_eq!(emu.count(Route::TemplateToken), 1);
    assert_eq!(emu.count(Route::Client), 0);
    assert_eq!(emu.count(Route::Any), 5);
    assert_eq!(emu.counts()[&Route::SessionToken], 3);

    let log = emu.requests_for(Route::SessionToken);
    assert_eq!(log.len(), 3);
    let first = &log[0];
    assert_eq!(first.method, "POST");
    assert_eq!(first.path, format!("/v1/client/sessions/{sid}/tokens"));
    assert_eq!(first.query.as_deref(), Some("_is_native=true"));
    assert_eq!(first.header("authorization"), Some(AUTH_PRESENT));
    assert_eq!(first.header("clerk-api-version"), Some("2026-05-12"));
    assert_eq!(first.header("x-mobile"), Some("1"));
    assert_eq!(first.body_field("organization_id"), Some("org_9"));
    assert_eq!(first.status, Some(200));
    assert_eq!(log[2].status, Some(404));
    let sign_in = &emu.requests_for(Route::SignIn)[0];
    assert!(
        sign_in.header("authorization").is_none(),
        "the first sign-in has no device token"
    );
    assert_eq!(sign_in.body_field("strategy"), Some("ticket"));
    assert!(
        emu.requests()
            .iter()
            .all(|r| !serde_json::to_string(&r.headers).unwrap().contains("eyJ")),
        "no token leaks into the log headers"
    );

    emu.reset_counts();
    assert_eq!(emu.count(Route::Any), 0);
    assert!(emu.requests().is_empty());
    native.get_client().await;
    assert_eq!(emu.count(Route::Client), 1);
    assert_eq!(emu.requests()[0].seq, 0);
}

#[tokio::test]
async fn reset_forgets_everything() {
    let emu = start().await;
    let (mut native, sid) = Native::signed_in(&emu, "user_z").await;
    emu.clock().advance_ms(5_000);
    emu.set_skew_ms(1_000);
    emu.set_template(JwtTemplate::new("extra", 30));
    emu.reset();
    assert_eq!(emu.now_ms(), DEFAULT_START_MS);
    assert!(emu.sessions().is_empty());
    assert_eq!(emu.count(Route::Any), 0);
    let reply = native.session_token(&sid, &[]).await;
    assert_eq!(
        reply.error_code(),
        "authentication_invalid",
        "the old device token is unknown after reset"
    );
    let (mut fresh, sid) = Native::signed_in(&emu, "user_z").await;
    assert_eq!(fresh.template_token(&sid, "extra").await.status, 404);
}
