//! The runner of the shared scenarios in `tests/scenarios/` (see that folder's README): one
//! fresh engine per scenario against a reset emulator. Besides pass or fail it reports what
//! the scenario handed around (tokens, device tokens, tickets, errors), so that other tests can
//! check where those went.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clerk_core::{
    Clerk, ClerkConfig, Error, GetTokenOptions, ManualClock, MemoryTokenStore, Session, SleepMode,
    TokenResource, TokenStore,
};
use clerk_emulator::{DEFAULT_START_MS, Emulator, FaultRule, Route};
use futures::future::join_all;
use serde_json::Value;

pub fn scenario_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}

/// Runs one scenario file; `Err` says which step failed and why.
pub async fn run_file(emu: &Emulator, file: &std::path::Path) -> Result<Outcome, String> {
    let scenario: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    Runner::new(emu, &scenario).await.run(&scenario).await
}

/// What one scenario handed around.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Every JWT the engine returned.
    pub jwts: Vec<String>,
    /// Every device token the engine stored.
    pub device_tokens: Vec<String>,
    /// Every sign-in ticket the scenario used.
    pub tickets: Vec<String>,
    /// Every error a call returned.
    pub errors: Vec<Error>,
}

/// A memory store that also remembers every device token it was given.
#[derive(Default)]
struct RecordingStore {
    current: MemoryTokenStore,
    seen: Mutex<Vec<String>>,
}

impl TokenStore for RecordingStore {
    fn load(&self) -> Option<String> {
        self.current.load()
    }

    fn save(&self, token: Option<String>) {
        self.seen.lock().unwrap().extend(token.clone());
        self.current.save(token);
    }
}

struct Runner<'a> {
    emu: &'a Emulator,
    clock: ManualClock,
    clerk: Clerk,
    store: Arc<RecordingStore>,
    session: Option<Session>,
    labels: HashMap<String, String>,
    outcome: Outcome,
}

impl<'a> Runner<'a> {
    async fn new(emu: &'a Emulator, scenario: &Value) -> Runner<'a> {
        emu.reset();
        emu.set_skew_ms(scenario["server"]["skew_ms"].as_i64().unwrap_or(0));
        let clock = ManualClock::with_sleep_mode(DEFAULT_START_MS, SleepMode::Instant);
        let store = Arc::new(RecordingStore::default());
        let mut config = ClerkConfig::from_frontend_api_url(emu.url())
            .unwrap()
            .with_clock(Arc::new(clock.clone()))
            .with_token_store(store.clone());
        if let Some(ms) = scenario["device"]["request_timeout_ms"].as_u64() {
            config = config.with_request_timeout(Duration::from_millis(ms));
        }
        let clerk = Clerk::new(config).unwrap();
        Runner {
            emu,
            clock,
            clerk,
            store,
            session: None,
            labels: HashMap::new(),
            outcome: Outcome::default(),
        }
    }

    async fn run(mut self, scenario: &Value) -> Result<Outcome, String> {
        let steps = scenario["steps"].as_array().ok_or("no steps")?;
        for (index, step) in steps.iter().enumerate() {
            self.step(step)
                .await
                .map_err(|why| format!("step {index} {step}: {why}"))?;
        }
        self.emu.release_hangs();
        self.outcome.device_tokens = self.store.seen.lock().unwrap().clone();
        Ok(self.outcome)
    }

    fn session(&self) -> Result<&Session, String> {
        self.session
            .as_ref()
            .ok_or_else(|| "no session: sign_in first".to_string())
    }

    async fn step(&mut self, step: &Value) -> Result<(), String> {
        let expect = &step["expect"];
        if let Some(user) = step.get("sign_in") {
            let ticket = self
                .emu
                .create_sign_in_token(user.as_str().ok_or("sign_in takes a user id")?)
                .token;
            self.outcome.tickets.push(ticket.clone());
            self.session = Some(
                self.clerk
                    .sign_in_with_ticket(&ticket)
                    .await
                    .map_err(|e| e.to_string())?,
            );
            self.emu.reset_counts();
        } else if let Some(secs) = step.get("advance_secs") {
            let ms = (secs.as_f64().ok_or("advance_secs takes seconds")? * 1000.0).round() as i64;
            self.clock.set_ms(self.clock_now() + ms);
            self.emu.clock().advance_ms(ms);
        } else if let Some(rule) = step.get("fault") {
            let rule: FaultRule =
                serde_json::from_value(rule.clone()).map_err(|e| e.to_string())?;
            self.emu.inject(rule);
        } else if step.get("revoke_session").is_some() {
            let id = self.session()?.id().to_string();
            self.emu
                .revoke_session(&id)
                .then_some(())
                .ok_or("unknown session")?;
        } else if step.get("sign_out").is_some() {
            self.clerk.sign_out().await.map_err(|e| e.to_string())?;
        } else if step.get("load").is_some() {
            let session = self.clerk.load().await.map_err(|e| e.to_string())?;
            if let Some(signed_in) = expect["signed_in"].as_bool() {
                check(
                    session.is_some() == signed_in,
                    format!("signed_in should be {signed_in}"),
                )?;
            }
        } else if let Some(options) = step.get("get_token") {
            let result = self.session()?.get_token(options_from(options)?).await;
            self.check_result(&result, expect)?;
        } else if let Some(concurrent) = step.get("get_token_concurrently") {
            let callers = concurrent["callers"].as_u64().ok_or("callers")?;
            let options = options_from(&concurrent["options"])?;
            let session = self.session()?.clone();
            let calls = (0..callers).map(|_| tokio::spawn(session.get_token(options.clone())));
            let results: Vec<_> = join_all(calls)
                .await
                .into_iter()
                .map(|r| r.unwrap())
                .collect();
            for result in &results {
                self.check_result(result, expect)?;
            }
            let first = results[0]
                .as_ref()
                .ok()
                .and_then(|t| t.as_ref())
                .map(|t| &t.jwt);
            let all_same = results
                .iter()
                .all(|r| r.as_ref().ok().and_then(|t| t.as_ref()).map(|t| &t.jwt) == first);
            check(all_same, "concurrent callers got different tokens")?;
        } else if let Some(counts) = step.get("expect_requests") {
            self.check_requests(counts)?;
        } else {
            return Err("unknown step".into());
        }
        Ok(())
    }

    fn clock_now(&self) -> i64 {
        use clerk_core::Clock as _;
        self.clock.now_ms()
    }

    fn check_result(
        &mut self,
        result: &Result<Option<TokenResource>, Error>,
        expect: &Value,
    ) -> Result<(), String> {
        match result {
            Ok(token) => self
                .outcome
                .jwts
                .extend(token.as_ref().map(|t| t.jwt.clone())),
            Err(error) => self.outcome.errors.push(error.clone()),
        }
        match (result, expect.get("error")) {
            (Err(error), Some(wanted)) => check_error(error, wanted)?,
            (Err(error), None) => return Err(format!("unexpected error: {error}")),
            (Ok(_), Some(wanted)) => return Err(format!("expected error {wanted}, got a result")),
            (Ok(token), None) => self.check_token(token.as_ref(), expect)?,
        }
        if let Some(active) = expect["session_active"].as_bool() {
            check(
                self.session()?.is_active() == active,
                format!("session_active should be {active}"),
            )?;
        }
        if let Some(slept) = expect["slept_secs"].as_array() {
            let wanted: Vec<u64> = slept
                .iter()
                .map(|s| (s.as_f64().unwrap_or(-1.0) * 1000.0) as u64)
                .collect();
            let actual: Vec<u64> = self
                .clock
                .sleeps()
                .iter()
                .map(|d| d.as_millis() as u64)
                .collect();
            check(
                actual == wanted,
                format!("slept {actual:?} ms, expected {wanted:?} ms"),
            )?;
        }
        self.check_requests(&expect["requests"])
    }

    fn check_token(&mut self, token: Option<&TokenResource>, expect: &Value) -> Result<(), String> {
        if let Some(wanted) = expect["token"].as_bool() {
            check(
                token.is_some() == wanted,
                format!("token should be {wanted}"),
            )?;
        }
        let Some(token) = token else {
            let needs_token = [
                "label",
                "same_as",
                "differs_from",
                "min_remaining_secs",
                "lifetime_secs",
            ];
            return check(
                !needs_token.iter().any(|k| expect.get(*k).is_some()),
                "no token came back",
            );
        };
        if let Some(name) = expect["same_as"].as_str() {
            check(
                self.labels.get(name) == Some(&token.jwt),
                format!("token should be the same as {name}"),
            )?;
        }
        if let Some(name) = expect["differs_from"].as_str() {
            let known = self
                .labels
                .get(name)
                .ok_or(format!("no token labelled {name}"))?;
            check(
                known != &token.jwt,
                format!("token should differ from {name}"),
            )?;
        }
        if let Some(min) = expect["min_remaining_secs"].as_f64() {
            let remaining = token.expires_at * 1000 - self.emu.now_ms();
            check(
                remaining as f64 > min * 1000.0,
                format!("{remaining} ms left, wanted more than {min} s"),
            )?;
        }
        if let Some(lifetime) = expect["lifetime_secs"].as_i64() {
            check(
                token.expires_at - token.issued_at == lifetime,
                format!("lifetime {}", token.expires_at - token.issued_at),
            )?;
        }
        if let Some(name) = expect["label"].as_str() {
            self.labels.insert(name.to_string(), token.jwt.clone());
        }
        Ok(())
    }

    fn check_requests(&self, counts: &Value) -> Result<(), String> {
        let Some(counts) = counts.as_object() else {
            return Ok(());
        };
        for (route, wanted) in counts {
            let route: Route =
                serde_json::from_value(Value::String(route.clone())).map_err(|e| e.to_string())?;
            let actual = self.emu.count(route);
            check(
                Some(actual) == wanted.as_u64(),
                format!("{route:?}: {actual} requests, expected {wanted}"),
            )?;
        }
        Ok(())
    }
}

fn options_from(value: &Value) -> Result<GetTokenOptions, String> {
    let mut options = GetTokenOptions::default();
    if let Some(template) = value["template"].as_str() {
        options.template = Some(template.to_string());
    }
    if let Some(buffer) = value["expiration_buffer"].as_f64() {
        options.expiration_buffer = Duration::from_secs_f64(buffer.max(0.0));
    }
    options.skip_cache = value["skip_cache"].as_bool().unwrap_or(false);
    if let Some(org) = value["organization_id"].as_str() {
        options.organization_id = Some(org.to_string());
    }
    Ok(options)
}

fn check_error(error: &Error, wanted: &Value) -> Result<(), String> {
    let kind = match error {
        Error::Api(_) => "api",
        Error::Network { .. } => "network",
        Error::Timeout => "timeout",
        Error::InvalidResponse(_) => "invalid_response",
        Error::Configuration { .. } => "configuration",
        Error::Cancelled => "cancelled",
        Error::Internal { .. } => "internal",
    };
    check(
        wanted["kind"].as_str() == Some(kind),
        format!("error {error} is not of kind {}", wanted["kind"]),
    )?;
    if let Some(status) = wanted["status"].as_u64() {
        check(
            error.api().map(|a| a.status as u64) == Some(status),
            format!("error {error}: status should be {status}"),
        )?;
    }
    if let Some(code) = wanted["code"].as_str() {
        check(
            error.api().and_then(|a| a.code()) == Some(code),
            format!("error {error}: code should be {code}"),
        )?;
    }
    Ok(())
}

fn check(ok: bool, why: impl Into<String>) -> Result<(), String> {
    if ok { Ok(()) } else { Err(why.into()) }
}
