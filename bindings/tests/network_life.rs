//! Connectivity and metrics as foreign code sees them: the offline error's reason, the
//! counters, and the per-attempt records delivered to a listener.

use std::sync::{Arc, Mutex};

use clerk_core::{ManualClock, SleepMode};
use clerk_emulator::{Emulator, EmulatorConfig, FaultRule, Route, StatusFault};
use clerkkit::{
    ClerkCore, ClerkError, GetTokenOptions, NetworkReason, RequestMetric, RequestMetricListener, RequestOutcome,
    RequestRoute,
};
use futures::executor::block_on;
use support::settings;

mod support;

fn options(skip_cache: bool) -> GetTokenOptions {
    GetTokenOptions { template: None, expiration_buffer: 10.0, skip_cache, organization_id: None, deadline_seconds: None }
}

#[derive(Default)]
struct Recorder(Mutex<Vec<RequestMetric>>);

impl RequestMetricListener for Recorder {
    fn on_request(&self, metric: RequestMetric) {
        self.0.lock().unwrap().push(metric);
    }
}

fn signed_in(emu: &Emulator) -> Arc<ClerkCore> {
    let clock = Arc::new(ManualClock::with_sleep_mode(clerk_emulator::DEFAULT_START_MS, SleepMode::Instant));
    let core = ClerkCore::with_clock(settings(emu.url()), None, clock).unwrap();
    block_on(core.sign_in_with_ticket(emu.create_sign_in_token("user_alice").token)).unwrap();
    core
}

#[test]
fn offline_fails_at_once_with_a_reason_apps_can_branch_on() {
    let emu = Emulator::start_blocking(EmulatorConfig::default()).unwrap();
    let core = signed_in(&emu);
    let session = core.session().unwrap();
    let before = emu.count(Route::Any);

    core.set_online(false);
    assert!(!core.is_online());
    assert!(block_on(session.request_token(options(false))).unwrap().is_some(), "a fresh cached token is still served");
    match block_on(session.request_token(options(true))) {
        Err(ClerkError::Network { reason: NetworkReason::Offline, detail }) => {
            assert!(detail.contains("no network"), "{detail}");
        }
        other => panic!("expected an offline network error, got {other:?}"),
    }
    assert_eq!(emu.count(Route::Any), before, "nothing was sent");
    assert_eq!(core.metrics().failed_offline, 1);

    core.set_online(true);
    assert!(block_on(session.request_token(options(true))).unwrap().is_some());
    assert_eq!(emu.count(Route::Any), before + 1);
}

#[test]
fn a_server_out_of_reach_is_unreachable_not_offline() {
    let emu = Emulator::start_blocking(EmulatorConfig::default()).unwrap();
    let core = signed_in(&emu);
    let session = core.session().unwrap();
    drop(emu);
    match block_on(session.request_token(options(true))) {
        Err(ClerkError::Network { reason: NetworkReason::Unreachable, .. }) => {}
        other => panic!("expected an unreachable network error, got {other:?}"),
    }
}

#[test]
fn every_attempt_reaches_the_listener_and_the_counters_match_the_server() {
    let emu = Emulator::start_blocking(EmulatorConfig::default()).unwrap();
    let core = signed_in(&emu);
    let session = core.session().unwrap();
    let recorder = Arc::new(Recorder::default());
    let subscription = core.observe_requests(recorder.clone());
    let before = core.metrics();

    emu.inject(FaultRule::new(Route::SessionToken, StatusFault::new(503)).times(1));
    block_on(session.request_token(options(true))).unwrap().unwrap();
    block_on(session.request_token(options(false))).unwrap().unwrap();

    let after = core.metrics();
    assert_eq!(after.requests - before.requests, 2, "one 503 and its retry");
    assert_eq!(after.retries - before.retries, 1);
    assert_eq!(after.failed_5xx - before.failed_5xx, 1);
    assert_eq!(after.cache_hits - before.cache_hits, 1);
    assert_eq!(after.requests, emu.count(Route::Any), "the counters cannot drift from the server's log");

    // Delivery is on the runtime's threads: wait for both records without a timed sleep.
    let records = loop {
        let records = recorder.0.lock().unwrap().clone();
        if records.len() >= 2 {
            break records;
        }
        std::thread::yield_now();
    };
    let outcomes: Vec<(RequestRoute, u32, RequestOutcome)> =
        records.iter().map(|r| (r.route, r.attempt, r.outcome)).collect();
    assert_eq!(
        outcomes,
        vec![
            (RequestRoute::SessionToken, 1, RequestOutcome::Status { code: 503 }),
            (RequestRoute::SessionToken, 2, RequestOutcome::Status { code: 200 }),
        ]
    );
    assert!(records[1].response_bytes > 0);
    let text = format!("{records:?}{after:?}");
    let jwt = session.cached_token(options(false)).unwrap().jwt;
    assert!(!text.contains(&jwt), "no token in the metrics");

    subscription.cancel();
}
