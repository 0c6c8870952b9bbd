//! No input panics the emulator or slips past Clerk's rules: out-of-range lifetimes, bodies
//! that are not JSON, organizations the user does not belong to, and control requests that
//! would move time beyond what a server can report. Every refusal has Clerk's error shape.

mod common;

use clerk_emulator::{
    DEFAULT_START_MS, Emulator, EmulatorConfig, MAX_TIME_MS, Organization, Route,
};
use common::{Native, Reply, bapi, http_client, read, start};
use reqwest::Method;
use serde_json::{Value, json};

/// Asserts Clerk's error envelope with this status and code, and returns the error's `meta`.
fn refused(reply: &Reply, status: u16, code: &str) -> Value {
    assert_eq!(
        (reply.status.as_u16(), reply.error_code()),
        (status, code),
        "{}",
        reply.body
    );
    let error = &reply.body["errors"][0];
    for field in ["message", "long_message"] {
        assert!(error[field].is_string(), "{field} in {}", reply.body);
    }
    assert!(error["meta"].is_object() && reply.body["clerk_trace_id"].is_string());
    error["meta"].clone()
}

/// `POST {path}` on the BAPI with the secret key and exactly this body as JSON.
async fn raw_bapi(emu: &Emulator, path: &str, body: &str) -> Reply {
    let request = http_client()
        .post(format!("{}{path}", emu.url()))
        .bearer_auth(emu.secret_key())
        .header("content-type", "application/json")
        .body(body.to_string());
    read(request.send().await.expect("the emulator answers")).await
}

fn lifetime(emu: &Emulator, reply: &Reply) -> i64 {
    let claims = emu.decode_jwt(reply.jwt()).unwrap().claims;
    claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap()
}

#[tokio::test]
async fn token_lifetimes_outside_the_specs_bounds_are_refused() {
    let emu = start().await;
    let (_, sid) = Native::signed_in(&emu, "user_1").await;
    let sk = Some(emu.secret_key());
    for path in [
        format!("/v1/sessions/{sid}/tokens"),
        format!("/v1/sessions/{sid}/tokens/test"),
    ] {
        for bad in [
            json!(i64::MAX),
            json!(u64::MAX),
            json!(1e30),
            json!(315_360_001),
            json!(29),
            json!(0),
            json!(-1),
            json!(i64::MIN),
            json!(60.5),
            json!("60"),
        ] {
            let reply = bapi(&emu, &path, sk, Some(json!({ "expires_in_seconds": bad }))).await;
            let meta = refused(&reply, 422, "form_param_value_invalid");
            assert_eq!(meta["param_name"], "expires_in_seconds", "{path} {bad}");
        }
        for good in [30, 315_360_000] {
            let reply = bapi(&emu, &path, sk, Some(json!({ "expires_in_seconds": good }))).await;
            assert_eq!(reply.status, 200, "{path} {good}: {}", reply.body);
            assert_eq!(lifetime(&emu, &reply), good);
        }
    }
}

#[tokio::test]
async fn sign_in_token_lifetimes_have_a_minimum_and_cannot_overflow() {
    let emu = start().await;
    let sk = Some(emu.secret_key());
    let create = |seconds: Value| {
        let emu = &emu;
        async move {
            let body = json!({ "user_id": "user_alice", "expires_in_seconds": seconds });
            bapi(emu, "/v1/sign_in_tokens", sk, Some(body)).await
        }
    };
    for bad in [
        json!(i64::MAX),
        json!(i64::MAX / 1000),
        json!(u64::MAX),
        json!(0),
        json!(-5),
    ] {
        let meta = refused(&create(bad.clone()).await, 422, "form_param_value_invalid");
        assert_eq!(meta["param_name"], "expires_in_seconds", "{bad}");
    }
    // The spec has no maximum: a century is fine, and so is the last second of the year 9999.
    let last = (MAX_TIME_MS - DEFAULT_START_MS) / 1000;
    for good in [1, 100 * 365 * 24 * 3600, last] {
        assert_eq!(create(json!(good)).await.status, 200, "{good}");
    }
    assert_eq!(
        create(json!(last + 1)).await.error_code(),
        "form_param_value_invalid"
    );
}

#[tokio::test]
async fn a_bapi_body_that_is_not_a_json_object_is_refused_before_anything_is_minted() {
    let emu = start().await;
    let (_, sid) = Native::signed_in(&emu, "user_1").await;
    let paths = [
        format!("/v1/sessions/{sid}/tokens"),
        format!("/v1/sessions/{sid}/tokens/test"),
        "/v1/sign_in_tokens".to_string(),
    ];
    for path in &paths {
        for body in [
            "{\"expires_in_seconds\":",
            "not json",
            "{\"user_id\": \"u\"} trailing",
            "[1, 2]",
            "\"text\"",
            "42",
        ] {
            let reply = raw_bapi(&emu, path, body).await;
            refused(&reply, 400, "request_body_invalid");
            assert!(reply.body.get("jwt").is_none() && reply.body.get("token").is_none());
        }
    }
    assert!(
        emu.requests()
            .iter()
            .filter(|r| r.route != Route::SignIn)
            .all(|r| r.status == Some(400))
    );
    // `null` is an empty body, as an empty body is.
    assert_eq!(raw_bapi(&emu, &paths[0], "null").await.status, 200);
    assert_eq!(raw_bapi(&emu, &paths[0], "").await.status, 200);
}

#[tokio::test]
async fn an_organization_the_user_is_not_a_member_of_is_refused() {
    let config = EmulatorConfig {
        organizations: vec![
            Organization::new("org_a", "a").member("user_1", "org:member"),
            Organization::new("org_b", "b").member("user_2", "org:admin"),
        ],
        ..EmulatorConfig::default()
    };
    let emu = Emulator::start(config).await.unwrap();
    let (mut native, sid) = Native::signed_in(&emu, "user_1").await;
    let org = |reply: &Reply| emu.decode_jwt(reply.jwt()).unwrap().claims["o"]["id"].clone();

    let member = native
        .session_token(&sid, &[("organization_id", "org_a")])
        .await;
    assert_eq!(org(&member), "org_a");
    for other in ["org_b", "org_unknown"] {
        let reply = native
            .session_token(&sid, &[("organization_id", other)])
            .await;
        let meta = refused(&reply, 403, "not_a_member_in_organization");
        assert_eq!(meta["param_name"], "organization_id");
    }
    let kept = native.session_token(&sid, &[]).await;
    assert_eq!(
        org(&kept),
        "org_a",
        "a refused switch leaves the active organization"
    );

    // Sign-in tokens that would activate an organization, through the BAPI and the control API.
    let sk = Some(emu.secret_key());
    let ticket = |org: &str| json!({ "user_id": "user_1", "org_id": org });
    let refused_ticket = bapi(&emu, "/v1/sign_in_tokens", sk, Some(ticket("org_b"))).await;
    assert_eq!(
        refused(&refused_ticket, 403, "not_a_member_in_organization")["param_name"],
        "org_id"
    );
    let control = http_client()
        .post(format!("{}/__emulator/sign_in_tokens", emu.url()))
        .json(&ticket("org_b"));
    let reply = read(control.send().await.unwrap()).await;
    refused(&reply, 403, "not_a_member_in_organization");

    let granted = bapi(&emu, "/v1/sign_in_tokens", sk, Some(ticket("org_a"))).await;
    let mut device = Native::new(&emu);
    let signed_in = device
        .sign_in(granted.body["token"].as_str().unwrap())
        .await;
    let sid = signed_in.body["response"]["created_session_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(org(&device.session_token(&sid, &[]).await), "org_a");
}

#[tokio::test]
async fn control_requests_cannot_move_time_beyond_what_the_server_can_report() {
    let emu = start().await;
    let control = |method: Method, path: &str, body: Option<Value>| {
        let mut request = http_client().request(method, format!("{}/__emulator{path}", emu.url()));
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move { read(request.send().await.expect("the emulator answers")).await }
    };
    let cases = [
        ("/clock/set", json!({ "now_ms": i64::MAX })),
        ("/clock/set", json!({ "now_ms": -1 })),
        ("/clock/advance", json!({ "ms": i64::MAX })),
        ("/clock/advance", json!({ "ms": i64::MIN })),
        ("/skew", json!({ "skew_ms": i64::MAX })),
        ("/skew", json!({ "skew_ms": i64::MIN })),
    ];
    for (path, body) in cases {
        let reply = control(Method::POST, path, Some(body.clone())).await;
        refused(&reply, 422, "form_param_value_invalid");
        assert_eq!(
            emu.now_ms(),
            DEFAULT_START_MS,
            "{path} {body} changed nothing"
        );
    }
    for lifetime in [json!(0), json!(u64::MAX), json!(315_360_001)] {
        let body = json!({ "lifetime_secs": lifetime });
        let reply = control(Method::PUT, "/templates/huge", Some(body)).await;
        refused(&reply, 422, "form_param_value_invalid");
    }
    for (path, body) in [
        ("/clock/set", "{\"now_ms\": 1e400}"),
        ("/faults", "not json"),
        ("/skew", "{}"),
    ] {
        let request = http_client()
            .post(format!("{}/__emulator{path}", emu.url()))
            .header("content-type", "application/json")
            .body(body);
        refused(
            &read(request.send().await.unwrap()).await,
            400,
            "request_body_invalid",
        );
    }

    // The edge itself is fine, and a clock moved past it through the Rust API is reported at it.
    let edge = control(
        Method::POST,
        "/clock/set",
        Some(json!({ "now_ms": MAX_TIME_MS })),
    )
    .await;
    assert_eq!(edge.status, 200);
    assert_eq!(edge.date.as_deref(), Some("Fri, 31 Dec 9999 23:59:59 GMT"));
    emu.clock().set_ms(i64::MAX);
    emu.set_skew_ms(i64::MAX);
    let (mut native, sid) = Native::signed_in(&emu, "user_1").await;
    let reply = native.session_token(&sid, &[]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.date.as_deref(), Some("Fri, 31 Dec 9999 23:59:59 GMT"));
    let claims = emu.decode_jwt(reply.jwt()).unwrap().claims;
    assert_eq!(claims["iat"], MAX_TIME_MS / 1000);
}
