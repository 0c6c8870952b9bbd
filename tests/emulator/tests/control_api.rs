//! The `/__emulator` HTTP control API and the `clerk-emulator` binary.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use clerk_emulator::{DEFAULT_START_MS, Route};
use common::{Native, start};
use reqwest::Method;
use serde_json::{Value, json};

struct Control {
    http: reqwest::Client,
    base: String,
}

impl Control {
    fn new(base: &str) -> Self {
        Control {
            http: common::http_client(),
            base: format!("{base}/__emulator"),
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body) = self.call(Method::GET, path, None).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let (status, body) = self.call(Method::POST, path, Some(body)).await;
        assert_eq!(status, 200, "POST {path}: {body}");
        body
    }
}

#[tokio::test]
async fn clock_skew_and_health_routes() {
    let emu = start().await;
    let ctl = Control::new(emu.url());
    let health = ctl.get("/health").await;
    assert_eq!(health["ok"], true);
    assert_eq!(health["url"], emu.url());

    let clock = ctl.get("/clock").await;
    assert_eq!(
        clock["clock"],
        json!({ "mode": "manual", "start_ms": DEFAULT_START_MS })
    );
    assert_eq!(clock["now_ms"], DEFAULT_START_MS);

    assert_eq!(
        ctl.post("/clock/advance", json!({ "ms": 1500 })).await["now_ms"],
        DEFAULT_START_MS + 1500
    );
    assert_eq!(emu.clock().now_ms(), DEFAULT_START_MS + 1500);
    assert_eq!(
        ctl.post("/clock/set", json!({ "now_ms": 42_000 })).await["now_ms"],
        42_000
    );
    let skewed = ctl.post("/skew", json!({ "skew_ms": -2000 })).await;
    assert_eq!(
        (skewed["skew_ms"].as_i64(), skewed["server_now_ms"].as_i64()),
        (Some(-2000), Some(40_000))
    );
    assert_eq!(emu.now_ms(), 40_000);

    ctl.post("/reset", json!({})).await;
    assert_eq!(emu.now_ms(), DEFAULT_START_MS);
    // Control routes are dated by the emulator clock too, and are not counted.
    let resp = common::http_client().get(format!("{}/__emulator/health", emu.url())).send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["date"], "Thu, 01 Jan 2026 00:00:00 GMT");
    assert_eq!(
        resp.headers().get_all("date").iter().count(),
        1,
        "hyper adds no Date of its own"
    );
    let wrong_method = common::http_client().get(format!("{}/v1/client/sign_ins", emu.url())).send()
        .await
        .unwrap();
    assert_eq!(wrong_method.status(), 405);
    assert_eq!(wrong_method.headers().get_all("date").iter().count(), 1);
    let body: Value = wrong_method.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "method_not_allowed");
    assert_eq!(emu.count(Route::Any), 0);
}

#[tokio::test]
async fn fault_routes_queue_list_and_clear_rules() {
    let emu = start().await;
    let ctl = Control::new(emu.url());
    let added = ctl
        .post("/faults", json!({ "route": "client", "times": 2, "fault": { "kind": "status", "status": 503, "retry_after": "1" } }))
        .await;
    assert_eq!(added["pending"].as_array().unwrap().len(), 1);
    let added = ctl
        .post(
            "/faults",
            json!([
                { "route": "jwks", "fault": { "kind": "raw_body", "status": 200, "content_type": "text/plain", "body": "hi" } },
                { "route": "any", "fault": { "kind": "drop_connection" } }
            ]),
        )
        .await;
    assert_eq!(added["pending"].as_array().unwrap().len(), 3);
    assert_eq!(
        ctl.get("/faults").await["pending"][0]["fault"]["retry_after"],
        "1"
    );

    let mut native = Native::new(&emu);
    let r = native.get_client().await;
    assert_eq!(
        (r.status.as_u16(), r.retry_after.as_deref()),
        (503, Some("1"))
    );
    let jwks = common::http_client().get(format!("{}/.well-known/jwks.json", emu.url())).send()
        .await
        .unwrap();
    assert_eq!(jwks.text().await.unwrap(), "hi");

    let (status, body) = ctl
        .call(
            Method::POST,
            "/faults",
            Some(json!({ "route": "nope", "fault": { "kind": "hang" } })),
        )
        .await;
    assert!(status >= 400, "{body}");

    assert_eq!(ctl.call(Method::DELETE, "/faults", None).await.0, 200);
    assert_eq!(ctl.get("/faults").await["pending"], json!([]));
    assert_eq!(native.get_client().await.status, 200);
}

#[tokio::test]
async fn hang_wait_and_release_over_http() {
    let emu = start().await;
    let ctl = Control::new(emu.url());
    ctl.post(
        "/faults",
        json!({ "route": "jwks", "fault": { "kind": "hang" } }),
    )
    .await;
    let pending = tokio::spawn(common::http_client().get(format!("{}/.well-known/jwks.json", emu.url())).send());
    let waited = ctl
        .post(
            "/wait",
            json!({ "route": "jwks", "count": 1, "timeout_ms": 10000 }),
        )
        .await;
    assert_eq!(waited["count"], 1);
    ctl.post("/release_hangs", json!({})).await;
    assert_eq!(pending.await.unwrap().unwrap().status(), 200);

    let (status, body) = ctl
        .call(
            Method::POST,
            "/wait",
            Some(json!({ "route": "client", "count": 1, "timeout_ms": 50 })),
        )
        .await;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (408, Some("wait_timeout"))
    );
}

#[tokio::test]
async fn session_template_token_and_log_routes() {
    let emu = start().await;
    let ctl = Control::new(emu.url());
    let ticket = ctl
        .post("/sign_in_tokens", json!({ "user_id": "user_http" }))
        .await;
    assert_eq!(ticket["object"], "sign_in_token");
    let mut native = Native::new(&emu);
    let sid = native.sign_in(ticket["token"].as_str().unwrap()).await.body["response"]["created_session_id"]
        .as_str()
        .unwrap()
        .to_string();

    let sessions = ctl.get("/sessions").await;
    assert_eq!(sessions["sessions"][0]["id"], sid.as_str());
    assert_eq!(
        ctl.get(&format!("/sessions/{sid}")).await["status"],
        "active"
    );
    assert_eq!(
        ctl.post(
            &format!("/sessions/{sid}/status"),
            json!({ "status": "expired" })
        )
        .await["status"],
        "expired"
    );
    assert_eq!(
        ctl.post(&format!("/sessions/{sid}/revoke"), json!({}))
            .await["status"],
        "revoked"
    );
    assert_eq!(
        native.session_token(&sid, &[]).await.error_code(),
        "session_revoked"
    );
    assert_eq!(
        ctl.call(Method::POST, "/sessions/sess_nope/revoke", None)
            .await
            .0,
        404
    );

    let put = ctl
        .call(
            Method::PUT,
            "/templates/custom",
            Some(json!({ "lifetime_secs": 90, "claims": { "aud": "x" } })),
        )
        .await;
    assert_eq!(
        put,
        (
            200,
            json!({ "name": "custom", "lifetime_secs": 90, "claims": { "aud": "x" } })
        )
    );
    let names: Vec<_> = ctl.get("/templates").await["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].clone())
        .collect();
    assert_eq!(
        names,
        vec![json!("custom"), json!("firebase"), json!("test")]
    );
    assert_eq!(
        ctl.call(Method::DELETE, "/templates/custom", None).await.0,
        200
    );
    assert_eq!(
        ctl.call(Method::DELETE, "/templates/custom", None).await.0,
        404
    );

    let counts = ctl.get("/counts").await;
    assert_eq!(
        (
            counts["sign_in"].as_u64(),
            counts["session_token"].as_u64(),
            counts["any"].as_u64()
        ),
        (Some(1), Some(1), Some(2))
    );
    let log = ctl.get("/requests?route=session_token").await;
    assert_eq!(log["requests"].as_array().unwrap().len(), 1);
    assert_eq!(log["requests"][0]["headers"]["authorization"], "<present>");
    assert_eq!(log["requests"][0]["status"], 401);
    assert_eq!(ctl.post("/counts/reset", json!({})).await["any"], 0);
    assert_eq!(ctl.get("/requests").await["requests"], json!([]));
}

#[tokio::test]
async fn jwt_route_signs_the_given_claims_under_the_given_header() {
    let emu = start().await;
    let ctl = Control::new(emu.url());
    let claims = json!({ "sub": "user_x", "iss": "https://elsewhere.example", "exp": 1, "custom": [1, 2] });

    let plain = ctl.post("/jwt", json!({ "claims": claims })).await;
    let decoded = emu.decode_jwt(plain["jwt"].as_str().unwrap()).unwrap();
    assert_eq!(decoded.claims, claims, "exactly the claims given, nothing added");
    assert_eq!(
        decoded.header,
        json!({ "alg": "RS256", "typ": "JWT", "kid": emu.jwks()["keys"][0]["kid"] })
    );

    let odd = ctl
        .post(
            "/jwt",
            json!({ "claims": claims, "header": { "typ": null, "kid": "ins_unknown", "cat": "cl_B7d4PD111AAA" } }),
        )
        .await;
    let decoded = emu.decode_jwt(odd["jwt"].as_str().unwrap()).unwrap();
    assert_eq!(
        decoded.header,
        json!({ "alg": "RS256", "kid": "ins_unknown", "cat": "cl_B7d4PD111AAA" }),
        "null removes a field, others replace or add"
    );

    for header in [json!({ "alg": "HS256" }), json!({ "alg": "none" }), json!({ "kid": 7 })] {
        let (status, body) = ctl
            .call(Method::POST, "/jwt", Some(json!({ "claims": {}, "header": header })))
            .await;
        assert_eq!(status, 422, "{header}: {body}");
        assert_eq!(body["errors"][0]["code"], "form_param_value_invalid");
        assert_eq!(body["errors"][0]["meta"]["param_name"], "header");
    }
}

/// Starts the binary and reads its first line.
fn spawn_binary(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_clerk-emulator"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim_end()
        .strip_prefix("CLERK_EMULATOR_URL=")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    (child, url)
}

/// Waits for the process to exit, failing after a generous bound instead of hanging the suite.
fn wait_exit(mut child: Child) -> std::process::ExitStatus {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("emulator exits")
        .unwrap()
}

#[tokio::test]
async fn organization_and_token_version_routes() {
    let emu = start().await;
    let ctl = Control::new(emu.url());
    assert_eq!(ctl.get("/session_token_version").await, json!({ "version": 2 }));
    assert_eq!(
        ctl.get("/organizations").await["organizations"][0]["id"],
        "org_1"
    );
    let (status, org) = ctl
        .call(
            Method::PUT,
            "/organizations/org_team",
            Some(json!({ "slug": "team", "members": { "user_t": "org:billing" } })),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        org,
        json!({ "id": "org_team", "slug": "team", "name": "team", "members": { "user_t": "org:billing" } })
    );

    let ticket = ctl
        .post("/sign_in_tokens", json!({ "user_id": "user_t" }))
        .await;
    let mut native = Native::new(&emu);
    let signed_in = native.sign_in(ticket["token"].as_str().unwrap()).await;
    let sid = signed_in.body["response"]["created_session_id"]
        .as_str()
        .unwrap()
        .to_string();
    let org = [("organization_id", "org_team")];
    let v2 = native.session_token(&sid, &org).await;
    assert_eq!(
        emu.decode_jwt(v2.jwt()).unwrap().claims["o"],
        json!({ "id": "org_team", "rol": "billing", "slg": "team" })
    );

    assert_eq!(
        ctl.post("/session_token_version", json!({ "version": 1 }))
            .await,
        json!({ "version": 1 })
    );
    let v1 = native.session_token(&sid, &org).await;
    let c = emu.decode_jwt(v1.jwt()).unwrap().claims;
    assert_eq!((&c["org_id"], &c["org_role"]), (&json!("org_team"), &json!("org:billing")));
    let (status, _) = ctl
        .call(Method::POST, "/session_token_version", Some(json!({ "version": 3 })))
        .await;
    assert!((400..500).contains(&status), "{status}");

    let (status, removed) = ctl
        .call(Method::DELETE, "/organizations/org_team", None)
        .await;
    assert_eq!((status, &removed["id"]), (200, &json!("org_team")));
    let (status, _) = ctl
        .call(Method::DELETE, "/organizations/org_team", None)
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn binary_prints_its_url_and_exits_when_stdin_closes() {
    let (mut child, url) = spawn_binary(&[
        "--port",
        "0",
        "--clock",
        "manual",
        "--start-ms",
        "1000000",
        "--secret-key",
        "sk_test_custom",
        "--user",
        "user_cli",
        "--user=user_cli2",
    ]);
    let ctl = Control::new(&url);
    assert_eq!(ctl.get("/clock").await["now_ms"], 1_000_000);
    let ticket = |user: &str| {
        common::http_client()
            .post(format!("{url}/v1/sign_in_tokens"))
            .bearer_auth("sk_test_custom")
            .json(&json!({ "user_id": user }))
            .send()
    };
    // The users given on the command line, beside the default ones; no one else.
    for (user, status) in [("user_cli", 200), ("user_cli2", 200), ("user_alice", 200), ("u", 404)] {
        assert_eq!(ticket(user).await.unwrap().status(), status, "{user}");
    }
    drop(child.stdin.take());
    assert!(wait_exit(child).success());
}

#[cfg(unix)]
#[tokio::test]
async fn binary_exits_on_sigterm_with_a_real_clock() {
    let (child, url) = spawn_binary(&["--clock=real"]);
    let clock = Control::new(&url).get("/clock").await;
    assert_eq!(clock["clock"]["mode"], "real");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(wait_exit(child).success());
}

#[test]
fn binary_rejects_bad_arguments() {
    for (args, named) in [(["--clock", "sundial"], "--clock"), (["--user", ""], "--user")] {
        let out = Command::new(env!("CARGO_BIN_EXE_clerk-emulator"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        assert!(String::from_utf8_lossy(&out.stderr).contains(named), "{args:?}");
    }
}

/// `--help` explains every flag, the clock modes and how to get a ticket, on stdout, exit 0.
#[test]
fn binary_help_explains_the_flags_the_clock_and_signing_in() {
    let out = Command::new(env!("CARGO_BIN_EXE_clerk-emulator")).arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in ["--port", "--clock manual|real", "/__emulator/clock/advance", "--ignore-stdin", "--user", "/__emulator/sign_in_tokens", "signInWithTicket", "signIn(ticket:)", "frontendApiUrl"] {
        assert!(help.contains(needle), "--help says nothing of {needle}:\n{help}");
    }
}

/// The app backend stand-in: 200 with `sub` for a token this emulator signed, 401 for none, a
/// forged or a rejected one, 401 for everything when made so; every request recorded; gone
/// after a reset.
#[tokio::test]
async fn app_backends_check_bearer_tokens_and_record_every_request() {
    let emu = start().await;
    let ctl = Control::new(emu.url());
    let (mut native, session_id) = Native::signed_in(&emu, "user_backend").await;
    let jwt = native.session_token(&session_id, &[]).await.jwt().to_string();

    let made = ctl.post("/app_backends", json!({})).await;
    let (id, url) = (made["id"].as_str().unwrap(), made["url"].as_str().unwrap().to_string());
    assert_eq!(url, format!("{}/__app/{id}/me", emu.url()));
    let http = common::http_client();
    let call = |auth: Option<String>| {
        let mut req = http.post(&url).body("order=42");
        if let Some(auth) = auth {
            req = req.header("authorization", auth);
        }
        async move {
            let resp = req.send().await.unwrap();
            (resp.status().as_u16(), resp.text().await.unwrap())
        }
    };
    assert_eq!(call(Some(format!("Bearer {jwt}"))).await, (200, "user_backend".to_string()));
    assert_eq!(call(None).await.0, 401);
    let mut forged = jwt.clone();
    forged.replace_range(forged.len() - 4.., "AAAA");
    assert_eq!(call(Some(format!("Bearer {forged}"))).await, (401, "invalid token".to_string()));
    ctl.post(&format!("/app_backends/{id}/reject"), json!({ "token": jwt })).await;
    assert_eq!(call(Some(format!("Bearer {jwt}"))).await, (401, "revoked".to_string()));

    let hits = ctl.get(&format!("/app_backends/{id}/hits")).await["hits"].clone();
    let seen: Vec<(Value, Value, Value)> = hits
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["method"].clone(), h["authorization"].clone(), h["body"].clone()))
        .collect();
    assert_eq!(seen.len(), 4);
    assert_eq!(seen[0], (json!("POST"), json!(format!("Bearer {jwt}")), json!("order=42")));
    assert_eq!(seen[1].1, Value::Null);
    assert_eq!(emu.count(Route::SessionToken), 1, "app backend calls are not Clerk requests");

    let always = ctl.post("/app_backends", json!({ "always_unauthorized": true })).await;
    let status = http
        .get(always["url"].as_str().unwrap())
        .header("authorization", format!("Bearer {jwt}"))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 401);

    ctl.post("/reset", json!({})).await;
    let (status, _) = ctl.call(Method::GET, &format!("/app_backends/{id}/hits"), None).await;
    assert_eq!(status, 404, "a reset forgets every app backend");
}
