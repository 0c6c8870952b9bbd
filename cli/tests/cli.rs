//! The CLI end to end against its in-process emulator.

use std::process::Command;

/// `clerk-token` run to its end with these arguments and environment, its instance settings
/// and secrets otherwise unset.
fn run_with(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_clerk-token"));
    for name in ["CLERK_FRONTEND_API_URL", "CLERK_PUBLISHABLE_KEY", "CLERK_DEVICE_TOKEN", "CLERK_SIGN_IN_TICKET", "CLERK_SECRET_KEY"] {
        command.env_remove(name);
    }
    command.args(args).envs(env.iter().copied()).output().expect("clerk-token runs")
}

fn run(args: &[&str]) -> std::process::Output {
    run_with(args, &[])
}

fn clerk_token_with(args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let output = run_with(args, env);
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
    (output.status.success(), text(output.stdout), text(output.stderr))
}

fn clerk_token(args: &[&str]) -> (bool, String, String) {
    clerk_token_with(args, &[])
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

/// The whole run of `clerk-token` with these arguments: exit code and stderr.
fn exit_of(args: &[&str]) -> (Option<i32>, String) {
    let output = run(args);
    (output.status.code(), String::from_utf8(output.stderr).unwrap())
}

#[test]
fn nonsense_numbers_are_usage_errors_not_panics() {
    let table: &[(&[&str], &str)] = &[
        (&["token", "--buffer", "NaN"], "--buffer"),
        (&["token", "--buffer", "inf"], "--buffer"),
        (&["token", "--buffer", "-1"], "--buffer"),
        (&["token", "--buffer", "61"], "--buffer"),
        (&["token", "--buffer", "1e300"], "--buffer"),
        (&["token", "--buffer", "ten"], "--buffer"),
        (&["token", "--watch", "2", "--every", "inf"], "--every"),
        (&["token", "--watch", "2", "--every", "1e300"], "--every"),
        (&["token", "--watch", "2", "--every", "NaN"], "--every"),
        (&["token", "--watch", "2", "--every", "-1"], "--every"),
        (&["token", "--watch", "2", "--every", "0"], "--every"),
        (&["token", "--watch", "-5"], "--watch"),
        (&["token", "--watch", "1e3"], "--watch"),
        (&["token", "--watch", "18446744073709551616"], "--watch"),
        (&["token", "--watch", "86401"], "--watch"),
        (&["token", "--watch", "0"], "--watch"),
        (&["token", "--buffer", "-inf"], "--buffer"),
        (&["token", "--buffer", "-0.5"], "--buffer"),
        (&["token", "--watch", "2", "--every", "-inf"], "--every"),
        (&["--timeout", "0", "token"], "--timeout"),
        (&["--timeout", "-inf", "token"], "--timeout"),
        (&["--deadline", "0", "token"], "--deadline"),
        (&["backend-token", "--expires-in", "-1"], "--expires-in"),
        (&["backend-token", "--expires-in", "29"], "--expires-in"),
        (&["backend-token", "--expires-in", "315360001"], "--expires-in"),
        (&["backend-token", "--expires-in", "99999999999"], "--expires-in"),
    ];
    for (args, flag) in table {
        let (code, stderr) = exit_of(args);
        assert_eq!(code, Some(2), "{args:?} is a usage error: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(stderr.contains("invalid value") && stderr.contains(flag), "{args:?} names its argument: {stderr}");
    }
}

/// A token served from the cache because the refresh failed is labelled as such, with why.
/// The emulator runs here so the test can make every refresh fail (429 with a Retry-After far
/// beyond the retry bound: returned at once, not waited out). With --buffer 60 the 60 s token
/// is never fresh, so every call tries to refresh.
#[test]
fn watch_labels_a_token_served_after_a_failed_refresh() {
    use clerk_emulator::{Emulator, EmulatorConfig, FaultRule, Route, StatusFault};
    let emulator = Emulator::start_blocking(EmulatorConfig::default()).unwrap();
    let ticket = emulator.create_sign_in_token("user_watch").token;
    emulator.inject(FaultRule::new(Route::SessionToken, StatusFault::new(429).retry_after("3600")).times(1000));
    let args = ["--frontend-api", emulator.url(), "token", "--buffer", "60", "--watch", "1"];
    let (ok, stdout, stderr) = clerk_token_with(&args, &[("CLERK_SIGN_IN_TICKET", &ticket)]);
    assert!(ok, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(!lines.is_empty(), "{stdout}");
    for line in lines {
        assert!(line.contains("cached (refresh failed: API error 429"), "{line}");
        assert!(line.contains("the server asked to wait 1 h 0 min"), "{line}");
        assert!(!line.contains("network"), "{line}");
    }
    assert!(emulator.count(Route::SessionToken) >= 1, "refreshes were tried");
}

/// A server that accepts connections and never answers: the error says how many attempts of
/// how long were made (each ends at --timeout; the retry policy decides how many).
#[test]
fn a_server_that_never_answers_is_reported_with_the_attempts_made() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    // Accepted into the backlog and never read: no answer ever comes.
    let (ok, _, stderr) = clerk_token_with(&["--frontend-api", &url, "--timeout", "0.2", "token"], &[("CLERK_DEVICE_TOKEN", "dvt_x")]);
    assert!(!ok);
    let line = stderr.lines().find(|l| l.contains("request timed out")).unwrap_or_else(|| panic!("{stderr}"));
    assert!(line.contains("request timed out: 4 attempts (") && line.ends_with(" s), then gave up"), "{line}");
    assert_eq!(line.matches(" s; ").count() + 1, 4, "one duration per attempt: {line}");
    assert!(!line.contains("unfinished"), "{line}");
    assert!(!stderr.contains("dvt_x"), "{stderr}");
    drop(listener);
}

/// The same server with the default attempt timeout (15 s): the call's deadline (10 s by
/// default; here --deadline 0.5) ends the wait during the first attempt, not 4 attempts later.
#[test]
fn a_call_ends_at_its_deadline_whatever_the_attempts() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (ok, _, stderr) = clerk_token_with(&["--frontend-api", &url, "--deadline", "0.5", "token"], &[("CLERK_DEVICE_TOKEN", "dvt_x")]);
    assert!(!ok);
    let line = stderr.lines().find(|l| l.contains("request timed out")).unwrap_or_else(|| panic!("{stderr}"));
    assert!(line.contains("request timed out: 1 attempt (") && line.ends_with("), then gave up"), "{line}");
    drop(listener);
}

#[test]
fn https_to_a_plain_http_server_is_named_as_such() {
    use clerk_emulator::{Emulator, EmulatorConfig};
    let emulator = Emulator::start_blocking(EmulatorConfig::default()).unwrap();
    let https = emulator.url().replacen("http://", "https://", 1);
    let (ok, _, stderr) = clerk_token_with(&["--frontend-api", &https, "token"], &[("CLERK_DEVICE_TOKEN", "dvt_x")]);
    assert!(!ok);
    assert!(stderr.contains("the server did not answer with TLS"), "{stderr}");
    assert!(!stderr.contains("InvalidContentType"), "{stderr}");
}

/// Secrets never appear on the command line (`ps`, shell history): they come from the
/// environment, a file or standard input.
#[test]
fn secrets_come_from_the_environment_a_file_or_stdin_never_from_flags() {
    for flag in ["--device-token", "--ticket", "--secret-key"] {
        let (code, stderr) = exit_of(&[flag, "secret_value", "token"]);
        assert_eq!(code, Some(2), "{flag} is not an option: {stderr}");
        assert!(!stderr.contains("secret_value") || stderr.contains("unexpected argument"), "{stderr}");
    }
    use clerk_emulator::{Emulator, EmulatorConfig};
    let emulator = Emulator::start_blocking(EmulatorConfig::default()).unwrap();
    let ticket = emulator.create_sign_in_token("user_file").token;
    let file = std::env::temp_dir().join(format!("clerk-cli-ticket-{}", std::process::id()));
    std::fs::write(&file, format!("{ticket}\n")).unwrap();
    let (ok, stdout, stderr) = clerk_token(&["--frontend-api", emulator.url(), "--ticket-file", file.to_str().unwrap(), "token"]);
    std::fs::remove_file(&file).unwrap();
    assert!(ok, "{stderr}");
    assert_eq!(claims(stdout.trim())["sub"], "user_file");
    assert!(!stderr.contains(&ticket), "{stderr}");

    let (ok, _, stderr) = clerk_token(&["--ticket-file", "/nonexistent/ticket", "token"]);
    assert!(!ok && stderr.contains("cannot read /nonexistent/ticket"), "{stderr}");
}

/// With no Frontend API given the CLI starts its own emulator, which gets its own key: a real
/// secret key in the environment is never sent to it (it would refuse a key not its own, so
/// the call succeeding shows which key went).
#[test]
fn a_secret_key_from_the_environment_is_never_sent_to_the_in_process_emulator() {
    let live = "sk_live_a_real_key_that_must_stay_home";
    let (ok, stdout, stderr) = clerk_token_with(&["backend-token"], &[("CLERK_SECRET_KEY", live)]);
    assert!(ok, "{stderr}");
    assert_eq!(claims(stdout.trim())["sub"], "user_demo");
    assert!(!stderr.contains(live) && !stdout.contains(live));
}
