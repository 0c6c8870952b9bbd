//! The runner of the shared scenarios in `tests/scenarios/` (see that folder's README): one
//! fresh engine per scenario against a reset emulator. Besides pass or fail it reports what
//! the scenario handed around (tokens, device tokens, tickets, errors), so that other tests can
//! check where those went.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use std::sync::atomic::{AtomicU32, Ordering};

use clerk_core::{
    Clerk, ClerkConfig, Clock, Error, GetTokenOptions, HttpRequest, HttpTransport, ManualClock, MemoryTokenStore,
    ReqwestTransport, Session, SleepFuture, SleepMode, TokenResource, TokenStore, TransportError, TransportFuture,
};
use clerk_emulator::{DEFAULT_START_MS, Emulator, Route};
use futures::future::join_all;

use super::scenario_file::{Action, ErrorKind, Expect, ExpectedError, Options, ScenarioFile, Step};

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

/// Runs one scenario file; `Err` says which step failed and why (a file that does not follow
/// the schema fails before anything runs).
pub async fn run_file(emu: &Emulator, file: &std::path::Path) -> Result<Outcome, String> {
    let scenario = ScenarioFile::read(file)?;
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

/// The device's clock in a scenario, as the test kits' fake gives it: the waits between
/// retries return at once and are recorded (`slept_secs`) without moving time; timers (the
/// background refresh) wait until a step moves the clock past them.
#[derive(Clone)]
struct ScenarioClock {
    clock: ManualClock,
    sleeps: Arc<Mutex<Vec<Duration>>>,
}

impl Clock for ScenarioClock {
    fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    fn sleep(&self, duration: Duration) -> SleepFuture {
        self.sleeps.lock().unwrap().push(duration);
        Box::pin(std::future::ready(()))
    }

    fn sleep_until(&self, deadline_ms: i64) -> SleepFuture {
        self.clock.sleep_until(deadline_ms)
    }
}

/// reqwest, except that the next `offline` attempts find no network before sending anything,
/// as a platform stack does on a device without one.
struct DeviceTransport {
    inner: ReqwestTransport,
    offline: Arc<AtomicU32>,
}

impl HttpTransport for DeviceTransport {
    fn send(&self, request: HttpRequest) -> TransportFuture {
        let take = self.offline.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        if take.is_ok() {
            return Box::pin(async { Err(TransportError::Offline { message: "not connected to the internet".into() }) });
        }
        self.inner.send(request)
    }
}

struct Runner<'a> {
    emu: &'a Emulator,
    clock: ScenarioClock,
    auto_refresh: bool,
    transport_offline: Arc<AtomicU32>,
    clerk: Clerk,
    store: Arc<RecordingStore>,
    session: Option<Session>,
    labels: HashMap<String, String>,
    outcome: Outcome,
    /// The engine's request count when the emulator's counts were last reset.
    metrics_baseline: u64,
}

impl<'a> Runner<'a> {
    async fn new(emu: &'a Emulator, scenario: &ScenarioFile) -> Runner<'a> {
        emu.reset();
        emu.set_skew_ms(scenario.server.skew_ms);
        let clock = ScenarioClock {
            clock: ManualClock::with_sleep_mode(DEFAULT_START_MS, SleepMode::Wait),
            sleeps: Arc::default(),
        };
        let store = Arc::new(RecordingStore::default());
        let config = ClerkConfig::from_frontend_api_url(emu.url()).unwrap();
        let timeout = scenario.device.request_timeout_ms.map_or(config.request_timeout, Duration::from_millis);
        let transport_offline = Arc::new(AtomicU32::new(0));
        let reqwest = ReqwestTransport::for_origin(&config.frontend_api, timeout).unwrap();
        let transport = DeviceTransport { inner: reqwest, offline: transport_offline.clone() };
        let config = config
            .with_clock(Arc::new(clock.clone()))
            .with_token_store(store.clone())
            .with_request_timeout(timeout)
            .with_transport(Arc::new(transport))
            .with_auto_refresh(scenario.device.auto_refresh);
        let clerk = Clerk::new(config).unwrap();
        Runner {
            emu,
            clock,
            auto_refresh: scenario.device.auto_refresh,
            transport_offline,
            clerk,
            store,
            session: None,
            labels: HashMap::new(),
            outcome: Outcome::default(),
            metrics_baseline: 0,
        }
    }

    async fn run(mut self, scenario: &ScenarioFile) -> Result<Outcome, String> {
        for (index, step) in scenario.steps.iter().enumerate() {
            self.step(step).await.map_err(|why| format!("step {index} {:?}: {why}", step.action))?;
        }
        self.emu.release_hangs();
        self.outcome.device_tokens = self.store.seen.lock().unwrap().clone();
        Ok(self.outcome)
    }

    fn session(&self) -> Result<&Session, String> {
        self.session.as_ref().ok_or_else(|| "no session: sign_in first".to_string())
    }

    async fn step(&mut self, step: &Step) -> Result<(), String> {
        let expect = &step.expect;
        match &step.action {
            Action::SignIn(user) => {
                let ticket = self.emu.create_sign_in_token(user).token;
                self.outcome.tickets.push(ticket.clone());
                self.session = Some(self.clerk.sign_in_with_ticket(&ticket).await.map_err(|e| e.to_string())?);
                self.emu.reset_counts();
                self.metrics_baseline = self.clerk.metrics().requests;
            }
            Action::AdvanceSecs(secs) => self.advance_secs(*secs).await,
            Action::Network(online) => self.set_online(*online).await,
            Action::FlapNetwork(changes) => {
                for _ in 0..*changes {
                    self.set_online(!self.clerk.is_online()).await;
                    self.advance_secs(0.1).await;
                }
            }
            Action::TransportOffline(attempts) => self.transport_offline.store(*attempts, Ordering::SeqCst),
            Action::Fault(rule) => self.emu.inject(rule.clone()),
            Action::RevokeSession => {
                let id = self.session()?.id().to_string();
                self.emu.revoke_session(&id).then_some(()).ok_or("unknown session")?;
            }
            Action::SignOut => self.clerk.sign_out().await.map_err(|e| e.to_string())?,
            Action::Load => {
                // The loaded session is the one later steps use, as an app would.
                let loaded = self.clerk.load().await.map_err(|e| e.to_string())?;
                if let Some(signed_in) = expect.signed_in {
                    check(loaded.is_some() == signed_in, format!("signed_in should be {signed_in}"))?;
                }
                self.session = loaded;
            }
            Action::GetToken(options) => {
                let result = self.session()?.get_token(options_from(options)).await;
                self.check_result(&result, expect)?;
            }
            Action::GetTokenConcurrently { callers, options } => {
                let options = options_from(options);
                let session = self.session()?.clone();
                let calls = (0..*callers).map(|_| tokio::spawn(session.get_token(options.clone())));
                let results: Vec<_> = join_all(calls).await.into_iter().map(|r| r.unwrap()).collect();
                for result in &results {
                    self.check_result(result, expect)?;
                }
                let jwt = |r: &Result<Option<TokenResource>, Error>| r.as_ref().ok().and_then(|t| t.as_ref()).map(|t| t.jwt.clone());
                let first = jwt(&results[0]);
                check(results.iter().all(|r| jwt(r) == first), "concurrent callers got different tokens")?;
            }
            Action::ExpectRequests(counts) => self.check_requests(Some(counts))?,
        }
        if let Some(stored) = expect.device_token_stored {
            check(self.store.load().is_some() == stored, format!("device_token_stored should be {stored}"))?;
        }
        self.check_metrics_agree()
    }

    /// The engine's own request count never drifts from what the emulator received. An attempt
    /// is counted when it ends, so while a request is still out (a call left it at its deadline)
    /// the emulator may be ahead; the next step that waits for it checks equality again.
    fn check_metrics_agree(&self) -> Result<(), String> {
        let counted = self.clerk.metrics().requests - self.metrics_baseline;
        let received = self.emu.count(Route::Any);
        let agree = if self.clerk.requests_in_flight() == 0 { counted == received } else { counted <= received };
        check(agree, format!("the metrics count {counted} requests, the emulator received {received}"))
    }

    async fn advance_secs(&self, secs: f64) {
        let ms = (secs * 1000.0).round() as i64;
        self.clock.clock.set_ms(self.clock.now_ms() + ms);
        self.emu.clock().advance_ms(ms);
        self.settle().await;
    }

    async fn set_online(&self, online: bool) {
        self.clerk.set_online(online);
        self.settle().await;
    }

    /// With background refresh on, what the clock or the network asked for is done before the
    /// next step looks.
    async fn settle(&self) {
        if self.auto_refresh {
            tokio::time::timeout(Duration::from_secs(20), self.clerk.settled()).await.expect("background work settles");
        }
    }

    fn check_result(&mut self, result: &Result<Option<TokenResource>, Error>, expect: &Expect) -> Result<(), String> {
        match result {
            Ok(token) => self.outcome.jwts.extend(token.as_ref().map(|t| t.jwt.clone())),
            Err(error) => self.outcome.errors.push(error.clone()),
        }
        match (result, &expect.error) {
            (Err(error), Some(wanted)) => check_error(error, wanted)?,
            (Err(error), None) => return Err(format!("unexpected error: {error}")),
            (Ok(_), Some(wanted)) => return Err(format!("expected error {wanted:?}, got a result")),
            (Ok(token), None) => self.check_token(token.as_ref(), expect)?,
        }
        if let Some(active) = expect.session_active {
            check(self.session()?.is_active() == active, format!("session_active should be {active}"))?;
        }
        if let Some(slept) = &expect.slept_secs {
            let wanted: Vec<u64> = slept.iter().map(|s| (s * 1000.0).round() as u64).collect();
            let actual: Vec<u64> = self.clock.sleeps.lock().unwrap().iter().map(|d| d.as_millis() as u64).collect();
            check(actual == wanted, format!("slept {actual:?} ms, expected {wanted:?} ms"))?;
        }
        self.check_requests(expect.requests.as_ref())
    }

    fn check_token(&mut self, token: Option<&TokenResource>, expect: &Expect) -> Result<(), String> {
        if let Some(wanted) = expect.token {
            check(token.is_some() == wanted, format!("token should be {wanted}"))?;
        }
        let Some(token) = token else {
            let needs_token = expect.label.is_some()
                || expect.same_as.is_some()
                || expect.differs_from.is_some()
                || expect.min_remaining_secs.is_some()
                || expect.lifetime_secs.is_some();
            return check(!needs_token, "no token came back");
        };
        if let Some(name) = &expect.same_as {
            check(self.labels.get(name) == Some(&token.jwt), format!("token should be the same as {name}"))?;
        }
        if let Some(name) = &expect.differs_from {
            let known = self.labels.get(name).ok_or(format!("no token labelled {name}"))?;
            check(known != &token.jwt, format!("token should differ from {name}"))?;
        }
        if let Some(min) = expect.min_remaining_secs {
            let remaining = token.expires_at * 1000 - self.emu.now_ms();
            check(remaining as f64 > min * 1000.0, format!("{remaining} ms left, wanted more than {min} s"))?;
        }
        if let Some(lifetime) = expect.lifetime_secs {
            let actual = token.expires_at - token.issued_at;
            check(actual == lifetime, format!("lifetime {actual}"))?;
        }
        if let Some(name) = &expect.label {
            self.labels.insert(name.clone(), token.jwt.clone());
        }
        Ok(())
    }

    fn check_requests(&self, counts: Option<&BTreeMap<Route, u64>>) -> Result<(), String> {
        for (route, wanted) in counts.into_iter().flatten() {
            let actual = self.emu.count(*route);
            check(actual == *wanted, format!("{route:?}: {actual} requests, expected {wanted}"))?;
        }
        Ok(())
    }
}

fn options_from(options: &Options) -> GetTokenOptions {
    let mut converted = GetTokenOptions { skip_cache: options.skip_cache, ..GetTokenOptions::default() };
    converted.template = options.template.clone();
    if let Some(buffer) = options.expiration_buffer {
        converted.expiration_buffer = Duration::from_secs_f64(buffer.max(0.0));
    }
    converted.organization_id = options.organization_id.clone();
    converted.deadline = options.deadline_secs.map(Duration::from_secs_f64);
    converted
}

fn check_error(error: &Error, wanted: &ExpectedError) -> Result<(), String> {
    let kind = match error {
        Error::Api(_) => Some(ErrorKind::Api),
        Error::Network { .. } => Some(ErrorKind::Network),
        Error::Timeout => Some(ErrorKind::Timeout),
        Error::Offline { .. } => Some(ErrorKind::Offline),
        Error::InvalidResponse(_) => Some(ErrorKind::InvalidResponse),
        Error::Configuration { .. } => Some(ErrorKind::Configuration),
        Error::Cancelled | Error::Internal { .. } => None,
    };
    check(kind == Some(wanted.kind), format!("error {error} is not of kind {:?}", wanted.kind))?;
    if let Some(status) = wanted.status {
        check(error.api().map(|a| a.status) == Some(status), format!("error {error}: status should be {status}"))?;
    }
    if let Some(code) = &wanted.code {
        check(error.api().and_then(|a| a.code()) == Some(code.as_str()), format!("error {error}: code should be {code}"))?;
    }
    Ok(())
}

fn check(ok: bool, why: impl Into<String>) -> Result<(), String> {
    if ok { Ok(()) } else { Err(why.into()) }
}
