//! No session token, device token, sign-in ticket or secret key reaches a log line or an error
//! message. Every shared scenario runs with every log line down to TRACE captured (the core's
//! and hyper's `tracing` events, reqwest's `log` records), then the capture and every error's
//! `Display` and `Debug` are searched. The test shows that it can fail: the capture holds trace
//! output from each source, and a token planted in it is found.

mod support;

use clerk_core::{ClerkConfig, Error, GetTokenOptions, MemoryTokenStore, TokenStore as _};
use clerk_emulator::{Emulator, EmulatorConfig};
use support::log_capture::LogCapture;
use support::scenarios::{run_file, scenario_files};
use support::secrets::{Leak, find_leaks, shown};
use support::{Env, Route, StatusFault};

/// What the run handed around, and every error text it produced.
#[derive(Default)]
struct Seen {
    secrets: Vec<String>,
    error_texts: Vec<String>,
}

impl Seen {
    fn error(&mut self, error: &Error) {
        self.error_texts.push(shown(error));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_the_logs_or_an_error_message() {
    let capture = LogCapture::install();
    let emu = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let mut seen = Seen::default();

    let files = scenario_files();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy();
        let outcome = run_file(&emu, file).await.unwrap_or_else(|why| panic!("{name}: {why}"));
        seen.secrets.extend(outcome.jwts.into_iter().chain(outcome.device_tokens).chain(outcome.tickets));
        outcome.errors.iter().for_each(|error| seen.error(error));
    }
    #[cfg(feature = "backend")]
    backend_calls(&emu, &mut seen).await;
    seen.secrets.sort();
    seen.secrets.dedup();
    assert!(seen.secrets.len() > files.len(), "the scenarios handed out tokens to look for");
    assert!(seen.error_texts.len() >= 10, "the scenarios produced errors to look at");

    let logs = capture.text();
    // `CLERK_SECRETS_LOG=<file>` keeps the capture, to see what an app's logs would hold.
    if let Ok(path) = std::env::var("CLERK_SECRETS_LOG") {
        std::fs::write(path, &logs).unwrap();
    }
    let lines = logs.lines().count();
    // The capture sees what an app's subscriber would see, from every source.
    assert!(lines > 200, "only {lines} log lines captured");
    for (source, needle) in [
        ("trace level", " TRACE "),
        ("reqwest, through the log bridge", "log.target=\"reqwest::"),
        ("hyper-util's connection pool", " hyper_util::client::legacy::pool:"),
        ("the core's retry loop", "retrying request"),
    ] {
        assert!(logs.contains(needle), "no {source} output ({needle:?}) in the capture");
    }

    let leaks = find_leaks(&logs, &seen.secrets);
    assert!(leaks.is_empty(), "secrets in the logs: {}", describe(&logs, &leaks));
    for text in &seen.error_texts {
        let leaks = find_leaks(text, &seen.secrets);
        assert!(leaks.is_empty(), "secrets in an error message: {leaks:?}");
    }

    // A token logged by mistake would be found, whichever way it was logged.
    let jwt = seen.secrets.iter().find(|s| s.starts_with("eyJ")).unwrap().clone();
    tracing::trace!(target: "planted", "token {jwt}");
    log::trace!(target: "planted_log", "device token {}", reversed(&jwt));
    let planted = capture.text();
    let leaks = find_leaks(&planted, &[reversed(&jwt)]);
    let planted_lines: Vec<&str> = leaks.iter().map(|leak| planted.lines().nth(leak.line - 1).unwrap()).collect();
    assert!(leaks.iter().any(|l| l.kind == "jwt") && planted_lines.iter().any(|l| l.contains("planted:")), "{leaks:?}");
    assert!(leaks.iter().any(|l| l.kind == "known secret") && planted_lines.iter().any(|l| l.contains("planted_log")));
    println!(
        "secrets: {} scenarios, {lines} log lines, {} secrets, {} error messages checked; no leak",
        files.len(),
        seen.secrets.len(),
        seen.error_texts.len()
    );
}

/// A known secret that is not JWT-shaped, so only the exact-value search can find it.
fn reversed(text: &str) -> String {
    text.chars().rev().collect()
}

fn describe(text: &str, leaks: &[Leak]) -> String {
    let lines: Vec<&str> = text.lines().collect();
    leaks
        .iter()
        .take(5)
        .map(|leak| {
            let line = lines[leak.line - 1];
            let context: String = line.split(&leak.start).next().unwrap_or(line).chars().take(160).collect();
            format!("\n  line {} ({}, {}…): {context}…", leak.line, leak.kind, leak.start)
        })
        .collect()
}

/// The Backend API client with the emulator's secret key: a ticket, a session token, a
/// retried 503, a rejected key and a verifier rejecting a tampered token.
#[cfg(feature = "backend")]
async fn backend_calls(emu: &Emulator, seen: &mut Seen) {
    use std::sync::Arc;

    use clerk_core::backend::{BackendClient, BackendConfig, TokenVerifier, VerifyOptions};
    use clerk_core::{Clerk, ManualClock, SleepMode};
    use clerk_emulator::{DEFAULT_START_MS, FaultRule};

    emu.reset();
    let clock = ManualClock::with_sleep_mode(DEFAULT_START_MS, SleepMode::Instant);
    let backend = |secret: &str| {
        let config = BackendConfig::new(secret).unwrap().with_api_url(emu.url()).unwrap();
        BackendClient::new(config.with_clock(Arc::new(clock.clone()))).unwrap()
    };
    let client = backend(emu.secret_key());
    seen.secrets.push(emu.secret_key().to_string());
    let ticket = client.sign_in_tokens().create("user_alice").await.unwrap().token;
    seen.secrets.push(ticket.clone());
    let config = ClerkConfig::from_frontend_api_url(emu.url()).unwrap().with_clock(Arc::new(clock.clone()));
    let session = Clerk::new(config).unwrap().sign_in_with_ticket(&ticket).await.unwrap();

    emu.inject(FaultRule::new(Route::BapiSessionToken, StatusFault::new(503)).times(1));
    let jwt = client.sessions().get_token(session.id(), None, None).await.unwrap().jwt;
    seen.secrets.push(jwt.clone());

    let wrong_key = "sk_test_notTheEmulatorsKey0123";
    seen.secrets.push(wrong_key.to_string());
    let rejected = backend(wrong_key).sessions().get_token(session.id(), None, None).await.unwrap_err();
    assert_eq!(rejected.api().map(|api| api.status), Some(401));
    seen.error(&rejected);

    let verifier = TokenVerifier::from_jwks_json(&emu.jwks().to_string()).unwrap();
    let tampered = format!("{jwt}x");
    let error = verifier.verify(&tampered, &VerifyOptions::at(emu.now_ms() / 1000)).unwrap_err();
    seen.error_texts.push(shown(&error));
}

/// Every type that holds a token, a device token or a secret key shows it redacted.
#[tokio::test]
async fn debug_output_of_every_type_holding_a_secret_is_redacted() {
    let (env, session) = Env::signed_in().await;
    let device_token = env.device_token().expect("signed in");
    let token = session.get_token(GetTokenOptions::default()).await.unwrap().unwrap();
    #[cfg_attr(not(feature = "backend"), allow(unused_mut))]
    let mut secrets = vec![device_token, token.jwt.clone()];

    let mut texts = vec![
        format!("{token:?} {token:#?}"),
        format!("{:?}", env.store),
        format!("{session:?}"),
        format!("{:?}", ClerkConfig::from_frontend_api_url(env.emu.url()).unwrap().with_token_store(env.store.clone())),
    ];
    let store = MemoryTokenStore::new();
    store.save(Some(token.jwt.clone()));
    texts.push(format!("{store:?}"));
    assert!(texts[1].contains("<redacted>") && texts[0].contains("<redacted>"), "{texts:?}");

    #[cfg(feature = "backend")]
    {
        use clerk_core::backend::{BackendClient, BackendConfig};
        let config = BackendConfig::new(env.emu.secret_key()).unwrap().with_api_url(env.emu.url()).unwrap();
        texts.push(format!("{config:?}"));
        let client = BackendClient::new(config).unwrap();
        texts.push(format!("{client:?}"));
        let ticket = client.sign_in_tokens().create("user_bob").await.unwrap();
        let minted = client.sessions().get_token(session.id(), None, None).await.unwrap();
        texts.push(format!("{ticket:?} {minted:?}"));
        secrets.extend([env.emu.secret_key().to_string(), ticket.token.clone(), minted.jwt.clone()]);
    }

    for text in &texts {
        let leaks = find_leaks(text, &secrets);
        assert!(leaks.is_empty(), "{leaks:?} in {text}");
    }
    // The same search finds the secrets when they are not redacted.
    assert!(!find_leaks(&format!("{:?}", token.jwt), &secrets).is_empty());
    env.inject(Route::SessionToken, StatusFault::new(401).code("session_revoked"), 1);
    let error = session.get_token(GetTokenOptions { skip_cache: true, ..Default::default() }).await.unwrap_err();
    assert!(find_leaks(&shown(&error), &secrets).is_empty());
}
