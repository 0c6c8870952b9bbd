//! The exported surface, called the way foreign code calls it: from plain threads with no
//! Tokio runtime, with futures driven by a foreign executor.

use std::sync::{Arc, Mutex};

use clerk_core::{Clock as _, ManualClock, SleepMode};
use clerk_emulator::{Emulator, EmulatorConfig, FaultRule, Route, StatusFault};
use clerkkit::{
    ClerkCore, ClerkError, ClerkEvent, ClerkEventListener, ClerkSettings, DeviceTokenStore, GetTokenOptions,
};
use futures::executor::block_on;
use support::settings;

mod support;

fn options() -> GetTokenOptions {
    GetTokenOptions { template: None, expiration_buffer: 10.0, skip_cache: false, organization_id: None, deadline_seconds: None }
}

#[derive(Default)]
struct RecordingStore(Mutex<Vec<Option<String>>>);

impl DeviceTokenStore for RecordingStore {
    fn load(&self) -> Option<String> {
        self.0.lock().unwrap().last().cloned().flatten()
    }
    fn save(&self, token: Option<String>) {
        self.0.lock().unwrap().push(token);
    }
}

#[test]
fn async_calls_work_without_a_runtime_on_the_calling_thread() {
    let emu = Emulator::start_blocking(EmulatorConfig::default()).unwrap();
    let store = Arc::new(RecordingStore::default());
    let clock = Arc::new(ManualClock::with_sleep_mode(clerk_emulator::DEFAULT_START_MS, SleepMode::Instant));
    let core = ClerkCore::with_clock(settings(emu.url()), Some(store.clone()), clock.clone()).unwrap();
    assert!(block_on(core.load()).unwrap().is_none());

    let ticket = emu.create_sign_in_token("user_alice").token;
    let session = block_on(core.sign_in_with_ticket(ticket)).unwrap();
    assert_eq!(session.user_id().as_deref(), Some("user_alice"));
    assert!(!store.0.lock().unwrap().is_empty(), "the device token went through the foreign store");

    let cached = session.cached_token(options()).expect("sign-in seeded the cache");
    let fetched = block_on(session.request_token(GetTokenOptions { skip_cache: true, ..options() })).unwrap().unwrap();
    assert_ne!(cached.jwt, fetched.jwt);
    assert!(!format!("{fetched:?}").contains(&fetched.jwt), "Debug redacts the JWT");

    block_on(core.sign_out()).unwrap();
    assert!(core.session().is_none());
    assert_eq!(block_on(session.request_token(options())).unwrap(), None);
}

#[test]
fn api_errors_cross_the_boundary_with_the_server_detail() {
    let emu = Emulator::start_blocking(EmulatorConfig::default()).unwrap();
    let clock = Arc::new(ManualClock::with_sleep_mode(clerk_emulator::DEFAULT_START_MS, SleepMode::Instant));
    let core = ClerkCore::with_clock(settings(emu.url()), None, clock).unwrap();
    let session = block_on(core.sign_in_with_ticket(emu.create_sign_in_token("user_bob").token)).unwrap();
    let fault = StatusFault::new(429).code("too_many_requests").message("Slow down").long_message("Too many").retry_after("120");
    emu.inject(FaultRule::new(Route::SessionToken, fault));
    let error = block_on(session.request_token(GetTokenOptions { skip_cache: true, ..options() })).unwrap_err();
    let ClerkError::Api { status, errors, clerk_trace_id, retry_after_seconds, .. } = error else {
        panic!("expected an API error, got {error:?}");
    };
    assert_eq!((status, retry_after_seconds), (429, Some(120.0)));
    assert_eq!(errors[0].code, "too_many_requests");
    assert_eq!(errors[0].long_message.as_deref(), Some("Too many"));
    assert!(clerk_trace_id.is_some());
}

#[test]
fn bad_configuration_is_an_error_not_a_crash() {
    let none = ClerkSettings { frontend_api_url: None, ..settings("x") };
    assert!(matches!(ClerkCore::new(none, None, None), Err(ClerkError::Configuration { .. })));
    let insecure = settings("http://example.com");
    assert!(matches!(ClerkCore::new(insecure, None, None), Err(ClerkError::Configuration { .. })));
    let zero_timeout = ClerkSettings { request_timeout_seconds: 0.0, ..settings("http://127.0.0.1:1") };
    assert!(matches!(ClerkCore::new(zero_timeout, None, None), Err(ClerkError::Configuration { .. })));
    let bad_key = ClerkSettings { frontend_api_url: None, publishable_key: Some("pk_live_!!".into()), ..settings("x") };
    assert!(matches!(ClerkCore::new(bad_key, None, None), Err(ClerkError::Configuration { .. })));
}

#[test]
fn expiration_buffers_that_are_not_numbers_mean_no_buffer() {
    for buffer in [f64::NAN, -5.0, f64::NEG_INFINITY] {
        let options = clerk_core::GetTokenOptions::from(GetTokenOptions { expiration_buffer: buffer, ..options() });
        assert_eq!(options.expiration_buffer, std::time::Duration::ZERO, "{buffer}");
    }
    let huge = clerk_core::GetTokenOptions::from(GetTokenOptions { expiration_buffer: f64::INFINITY, ..options() });
    assert!(huge.expiration_buffer >= clerk_core::MAX_EXPIRATION_BUFFER, "clamped to 60 s by the core");
}

/// Panics once when loaded, then behaves.
#[derive(Default)]
struct PanicsOnce {
    inner: RecordingStore,
    panicked: std::sync::atomic::AtomicBool,
}

impl DeviceTokenStore for PanicsOnce {
    fn load(&self) -> Option<String> {
        if !self.panicked.swap(true, std::sync::atomic::Ordering::SeqCst) {
            panic!("store exploded");
        }
        self.inner.load()
    }
    fn save(&self, token: Option<String>) {
        self.inner.save(token)
    }
}

#[test]
fn a_panic_inside_the_core_is_an_internal_error_and_the_library_keeps_working() {
    let emu = Emulator::start_blocking(EmulatorConfig::default()).unwrap();
    let store = Arc::new(PanicsOnce::default());
    let clock = Arc::new(ManualClock::with_sleep_mode(clerk_emulator::DEFAULT_START_MS, SleepMode::Instant));
    let core = ClerkCore::with_clock(settings(emu.url()), Some(store), clock).unwrap();
    let ticket = emu.create_sign_in_token("user_alice").token;
    match block_on(core.sign_in_with_ticket(ticket)) {
        Err(ClerkError::Internal { .. }) => {}
        Err(other) => panic!("expected an internal error, got {other:?}"),
        Ok(_) => panic!("the panicking store should have failed the sign-in"),
    }

    let session = block_on(core.sign_in_with_ticket(emu.create_sign_in_token("user_alice").token)).unwrap();
    assert!(block_on(session.request_token(GetTokenOptions { skip_cache: true, ..options() })).unwrap().is_some());
}

/// Collects events the way a foreign listener would: on a background thread, one at a time.
#[derive(Default)]
struct Collector(Mutex<Vec<ClerkEvent>>);

impl ClerkEventListener for Collector {
    fn on_event(&self, event: ClerkEvent) {
        self.0.lock().unwrap().push(event);
    }
}

#[test]
fn background_refresh_events_and_pause_cross_the_boundary() {
    let emu = Emulator::start_blocking(EmulatorConfig::default()).unwrap();
    let clock = Arc::new(ManualClock::new(clerk_emulator::DEFAULT_START_MS));
    let server_clock = emu.clock().clone();
    let core = ClerkCore::with_clock(ClerkSettings { auto_refresh: true, ..settings(emu.url()) }, None, clock.clone())
        .unwrap();
    let collector = Arc::new(Collector::default());
    let subscription = core.subscribe(collector.clone());
    let session = block_on(core.sign_in_with_ticket(emu.create_sign_in_token("user_alice").token)).unwrap();
    emu.reset_counts();
    let step = |secs: i64| {
        clock.advance(std::time::Duration::from_secs(secs as u64));
        server_clock.set_ms(clock.now_ms());
        block_on(core.settled());
    };

    step(50);
    assert_eq!(emu.count(Route::SessionToken), 1, "refreshed before the token went stale");
    let cached = session.cached_token(options()).expect("fresh without any caller");
    // Delivery is asynchronous: wait (bounded) for the listener to have it.
    let refreshed = || {
        collector.0.lock().unwrap().iter().find_map(|event| match event {
            ClerkEvent::TokenRefreshed { token, template: None, .. } => Some(token.clone()),
            _ => None,
        })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while refreshed().is_none() && std::time::Instant::now() < deadline {
        std::thread::yield_now();
    }
    assert_eq!(refreshed(), Some(cached), "events: {:?}", collector.0.lock().unwrap());
    assert!(
        matches!(collector.0.lock().unwrap().first(), Some(ClerkEvent::DeviceTokenChanged { cleared: false })),
        "signing in issued the device token"
    );

    core.pause();
    for _ in 0..20 {
        step(30);
    }
    assert_eq!(emu.count(Route::SessionToken), 1, "no request while paused");
    subscription.cancel();
}
