//! The CLI end to end against its in-process emulator.

use std::process::Command;

fn clerk_token(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_clerk-token"))
        .args(args)
        .env_remove("CLERK_FRONTEND_API_URL")
        .env_remove("CLERK_PUBLISHABLE_KEY")
        .output()
        .expect("clerk-token runs");
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
    (output.status.success(), text(output.stdout), text(output.stderr))
}

fn claims(jwt: &str) -> serde_json::Value {
    use base64::Engine as _;
    let payload = jwt.trim().split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[test]
fn prints_a_session_token_and_a_template_token() {
    let (ok, jwt, stderr) = clerk_token(&["token"]);
    assert!(ok, "{stderr}");
    assert_eq!(claims(&jwt)["sub"], "user_demo");
    let (ok, jwt, _) = clerk_token(&["--user", "user_zed", "token", "--template", "test"]);
    assert!(ok);
    let claims = claims(&jwt);
    assert_eq!((claims["sub"].as_str(), claims["aud"].as_str()), (Some("user_zed"), Some("test")));
    assert!(!stderr.contains(jwt.trim()), "status output never shows the token");
}

#[test]
fn demo_shows_a_cache_hit_and_a_network_refresh() {
    let (ok, stdout, stderr) = clerk_token(&["demo"]);
    assert!(ok, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(lines[1].contains("cache hit"), "{stdout}");
    assert!(lines[3].contains("network"), "{stdout}");
    assert!(!stdout.contains("eyJ"), "no JWT in the tour output");
}

#[test]
fn backend_token_honours_the_requested_lifetime() {
    let (ok, jwt, stderr) = clerk_token(&["backend-token", "--expires-in", "90"]);
    assert!(ok, "{stderr}");
    let claims = claims(&jwt);
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 90);
}

#[test]
fn a_bad_configuration_is_a_clear_error() {
    let (ok, _, stderr) = clerk_token(&["--frontend-api", "http://example.com", "token"]);
    assert!(!ok);
    assert!(stderr.contains("only allowed for loopback"), "{stderr}");
}
