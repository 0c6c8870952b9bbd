//! The fault matrix of `tests/fault-matrix.md`: every fault × {get_token, skip_cache,
//! background refresh}, one test per cell, each checking the outcome the table gives.

mod support;

use std::collections::BTreeSet;
use std::time::{Duration, UNIX_EPOCH};

use clerk_core::{ClerkConfig, Error, GetTokenOptions, Session, TokenResource};
use support::{Env, Fault, FaultRule, Route, StatusFault, zero_buffer};

const TABLE: &str = include_str!("../../tests/fault-matrix.md");

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Mode {
    GetToken,
    SkipCache,
    Refresh,
}

impl Mode {
    const ALL: [Mode; 3] = [Mode::GetToken, Mode::SkipCache, Mode::Refresh];
}

/// The table's rows: fault id → the expected code per mode.
fn table() -> Vec<(String, [String; 3])> {
    let code = |cell: &str| cell.trim().trim_matches('`').to_string();
    TABLE
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| line.split('|').map(str::trim).collect::<Vec<_>>())
        .filter(|cells| cells.len() == 7 && !cells[1].contains(' '))
        .map(|cells| (code(cells[1]), [code(cells[3]), code(cells[4]), code(cells[5])]))
        .collect()
}

fn expected(fault: &str, mode: Mode) -> String {
    let row = table().into_iter().find(|(id, _)| id == fault);
    let (_, codes) = row.unwrap_or_else(|| panic!("`{fault}` is not in tests/fault-matrix.md"));
    codes[Mode::ALL.iter().position(|m| *m == mode).unwrap()].clone()
}

/// The fault, as injected for the next session token request (`connection-refused` instead
/// stops the server, so it is `None` here).
fn fault(id: &str, env: &Env) -> Option<Fault> {
    let status = |code: u16| Some(Fault::status(code));
    match id {
        "hang-past-timeout" => Some(Fault::Hang),
        "408" => status(408),
        "425" => status(425),
        "429-retry-after-seconds" => Some(StatusFault::new(429).retry_after("1").into()),
        "429-retry-after-date" => {
            let at = UNIX_EPOCH + Duration::from_millis(env.emu.now_ms() as u64 + 1_000);
            Some(StatusFault::new(429).retry_after(httpdate::fmt_http_date(at)).into())
        }
        "500" => status(500),
        "502" => status(502),
        "503" => status(503),
        "504" => status(504),
        "connection-reset" => Some(Fault::DropConnection),
        "connection-refused" => None,
        "truncated-body" => Some(Fault::TruncatedBody),
        "non-json-body" => Some(Fault::raw_body(200, "text/html", "<html>maintenance</html>")),
        "json-without-jwt" => Some(Fault::raw_body(200, "application/json", r#"{"object":"token"}"#)),
        "malformed-jwt" => Some(Fault::MalformedJwt),
        "jwt-without-exp" => Some(Fault::JwtWithoutExp),
        "jwt-expired-on-arrival" => Some(Fault::ExpiredJwt),
        "401-session-ending" => Some(
            StatusFault::new(401)
                .code("authentication_invalid")
                .message("Invalid authentication")
                .long_message("The session is no longer valid")
                .into(),
        ),
        "404-session-ending" => Some(
            StatusFault::new(404).code("session_not_found").message("Not found").long_message("No such session").into(),
        ),
        "422-missing-expired-token" => Some(Fault::MissingExpiredToken),
        "device-token-cleared" => Some(Fault::ClearDeviceToken),
        other => panic!("no fault named `{other}`"),
    }
}

fn with_timeout(config: ClerkConfig) -> ClerkConfig {
    config.with_request_timeout(Duration::from_millis(300))
}


fn inject(env: &Env, id: &str) {
    if let Some(fault) = fault(id, env) {
        env.emu.inject(FaultRule::new(Route::SessionToken, fault));
    }
}

/// The same engine and clock, with the server it talked to gone: its port now refuses.
async fn server_gone(env: Env) -> Env {
    let Env { emu, clock, store, clerk } = env;
    emu.stop();
    let emu = clerk_emulator::Emulator::start(clerk_emulator::EmulatorConfig::default()).await.unwrap();
    Env { emu, clock, store, clerk }
}

fn error_kind(error: &Error) -> String {
    match error {
        Error::Timeout => "timeout".into(),
        Error::Network { .. } => "network".into(),
        Error::InvalidResponse(_) => "invalid-response".into(),
        Error::Api(api) => format!("api-{}", api.status),
        other => format!("other({other})"),
    }
}

fn suffixes(code: &mut String, env: &Env, session: &Session, device_token_before: &Option<String>) {
    if !session.is_active() && !code.starts_with("ended") {
        code.push_str("+ended");
    }
    if device_token_before.is_some() && env.device_token().is_none() {
        code.push_str("+cleared");
    }
}

/// The engine's metrics count exactly the requests the emulator received since sign-in (at
/// most that many while one is still out). A server that is gone receives nothing to compare.
fn check_metrics_agree(env: &Env, id: &str, requests_at_sign_in: u64) {
    if id == "connection-refused" {
        return;
    }
    let counted = env.clerk.metrics().requests - requests_at_sign_in;
    let received = env.emu.count(Route::Any);
    if env.clerk.requests_in_flight() == 0 {
        assert_eq!(counted, received, "`{id}`: the metrics count {counted} requests, the emulator received {received}");
    } else {
        assert!(counted <= received, "`{id}`: the metrics count {counted} requests, the emulator received {received}");
    }
}

/// One `get_token` call (ordinary or `skip_cache`) against the fault.
async fn run_call(id: &str, mode: Mode) -> String {
    let env = Env::with_config(with_timeout).await;
    let session = env.sign_in("user_alice").await;
    let requests_at_sign_in = env.clerk.metrics().requests;
    if mode == Mode::GetToken {
        env.advance_secs(52.0);
    }
    let before = session.cached_token(&zero_buffer()).expect("a valid cached token");
    let device_token = env.device_token();
    let env = if id == "connection-refused" { server_gone(env).await } else { inject(&env, id); env };
    let outcome = call_outcome(&env, &session, mode, &before, &device_token).await;
    check_metrics_agree(&env, id, requests_at_sign_in);
    outcome
}

async fn call_outcome(
    env: &Env,
    session: &Session,
    mode: Mode,
    before: &TokenResource,
    device_token: &Option<String>,
) -> String {
    let options = GetTokenOptions { skip_cache: mode == Mode::SkipCache, ..Default::default() };
    let mut code = match session.get_token(options).await {
        Ok(Some(token)) => {
            assert!(!token.is_expired(env.engine_now_ms()), "an expired token was returned");
            if &token == before { "cached".to_string() } else { "fresh".to_string() }
        }
        Ok(None) => "none".to_string(),
        Err(error) => {
            if session.is_active() {
                let kept = session.cached_token(&zero_buffer());
                assert_eq!(kept.as_ref(), Some(before), "a failure that kept the session lost its valid token");
            }
            format!("error:{}", error_kind(&error))
        }
    };
    suffixes(&mut code, env, session, device_token);
    code
}

/// Background refresh against the fault, with no caller: 100 ms steps until 20 s after the
/// token expires.
async fn run_refresh(id: &str) -> String {
    let env = Env::refreshing(with_timeout).await;
    let session = env.sign_in("user_alice").await;
    let requests_at_sign_in = env.clerk.metrics().requests;
    env.settle().await;
    let before = session.cached_token(&zero_buffer()).expect("a token after sign-in");
    let device_token = env.device_token();
    let stale_at_ms = (before.expires_at - 10) * 1000;
    let env = if id == "connection-refused" { server_gone(env).await } else { inject(&env, id); env };

    let mut replaced_at = None;
    // Not later: the replacement token (minted 45–48 s in) falls due from 90 s on.
    let end_ms = before.expires_at * 1000 + 20_000;
    while env.device_now_ms() < end_ms {
        env.clock.advance(Duration::from_millis(100));
        env.settle().await;
        let now = env.device_now_ms();
        match session.cached_token(&zero_buffer()) {
            Some(token) => {
                assert!(token.expires_at * 1000 > now, "an expired token in the cache");
                if token != before && replaced_at.is_none() {
                    replaced_at = Some(now);
                }
            }
            None if session.is_active() => {
                assert!(now >= before.expires_at * 1000 - 1_000, "a valid token was dropped at {now}");
            }
            None => {}
        }
    }
    env.emu.release_hangs();
    check_metrics_agree(&env, id, requests_at_sign_in);

    let mut code = if !session.is_active() {
        "ended".to_string()
    } else {
        match replaced_at {
            Some(at) if at <= stale_at_ms => "refreshed".to_string(),
            Some(at) => format!("late by {} ms", at - stale_at_ms),
            None => "kept".to_string(),
        }
    };
    suffixes(&mut code, &env, &session, &device_token);
    code
}

async fn check(id: &str, mode: Mode) {
    let observed = match mode {
        Mode::Refresh => run_refresh(id).await,
        _ => run_call(id, mode).await,
    };
    assert_eq!(observed, expected(id, mode), "`{id}` × {mode:?}");
}

macro_rules! cells {
    ($($name:ident: $fault:literal, $mode:ident;)*) => {
        /// Every cell that has a test, to hold against the table.
        const CELLS: &[(&str, Mode)] = &[$(($fault, Mode::$mode)),*];
        $(
            #[tokio::test]
            async fn $name() {
                check($fault, Mode::$mode).await;
            }
        )*
    };
}

#[test]
fn every_cell_of_the_table_has_a_test_and_every_test_a_cell() {
    let in_table: BTreeSet<(String, Mode)> =
        table().into_iter().flat_map(|(id, _)| Mode::ALL.map(|mode| (id.clone(), mode))).collect();
    let tested: BTreeSet<(String, Mode)> = CELLS.iter().map(|(id, mode)| (id.to_string(), *mode)).collect();
    assert_eq!(in_table.len(), 63, "21 faults × 3 ways of fetching");
    assert_eq!(in_table, tested);
}

cells! {
    hang_get_token: "hang-past-timeout", GetToken;
    hang_skip_cache: "hang-past-timeout", SkipCache;
    hang_refresh: "hang-past-timeout", Refresh;
    s408_get_token: "408", GetToken;
    s408_skip_cache: "408", SkipCache;
    s408_refresh: "408", Refresh;
    s425_get_token: "425", GetToken;
    s425_skip_cache: "425", SkipCache;
    s425_refresh: "425", Refresh;
    s429_seconds_get_token: "429-retry-after-seconds", GetToken;
    s429_seconds_skip_cache: "429-retry-after-seconds", SkipCache;
    s429_seconds_refresh: "429-retry-after-seconds", Refresh;
    s429_date_get_token: "429-retry-after-date", GetToken;
    s429_date_skip_cache: "429-retry-after-date", SkipCache;
    s429_date_refresh: "429-retry-after-date", Refresh;
    s500_get_token: "500", GetToken;
    s500_skip_cache: "500", SkipCache;
    s500_refresh: "500", Refresh;
    s502_get_token: "502", GetToken;
    s502_skip_cache: "502", SkipCache;
    s502_refresh: "502", Refresh;
    s503_get_token: "503", GetToken;
    s503_skip_cache: "503", SkipCache;
    s503_refresh: "503", Refresh;
    s504_get_token: "504", GetToken;
    s504_skip_cache: "504", SkipCache;
    s504_refresh: "504", Refresh;
    reset_get_token: "connection-reset", GetToken;
    reset_skip_cache: "connection-reset", SkipCache;
    reset_refresh: "connection-reset", Refresh;
    refused_get_token: "connection-refused", GetToken;
    refused_skip_cache: "connection-refused", SkipCache;
    refused_refresh: "connection-refused", Refresh;
    truncated_get_token: "truncated-body", GetToken;
    truncated_skip_cache: "truncated-body", SkipCache;
    truncated_refresh: "truncated-body", Refresh;
    non_json_get_token: "non-json-body", GetToken;
    non_json_skip_cache: "non-json-body", SkipCache;
    non_json_refresh: "non-json-body", Refresh;
    no_jwt_get_token: "json-without-jwt", GetToken;
    no_jwt_skip_cache: "json-without-jwt", SkipCache;
    no_jwt_refresh: "json-without-jwt", Refresh;
    malformed_jwt_get_token: "malformed-jwt", GetToken;
    malformed_jwt_skip_cache: "malformed-jwt", SkipCache;
    malformed_jwt_refresh: "malformed-jwt", Refresh;
    no_exp_get_token: "jwt-without-exp", GetToken;
    no_exp_skip_cache: "jwt-without-exp", SkipCache;
    no_exp_refresh: "jwt-without-exp", Refresh;
    expired_get_token: "jwt-expired-on-arrival", GetToken;
    expired_skip_cache: "jwt-expired-on-arrival", SkipCache;
    expired_refresh: "jwt-expired-on-arrival", Refresh;
    s401_get_token: "401-session-ending", GetToken;
    s401_skip_cache: "401-session-ending", SkipCache;
    s401_refresh: "401-session-ending", Refresh;
    s404_get_token: "404-session-ending", GetToken;
    s404_skip_cache: "404-session-ending", SkipCache;
    s404_refresh: "404-session-ending", Refresh;
    s422_get_token: "422-missing-expired-token", GetToken;
    s422_skip_cache: "422-missing-expired-token", SkipCache;
    s422_refresh: "422-missing-expired-token", Refresh;
    cleared_get_token: "device-token-cleared", GetToken;
    cleared_skip_cache: "device-token-cleared", SkipCache;
    cleared_refresh: "device-token-cleared", Refresh;
}
