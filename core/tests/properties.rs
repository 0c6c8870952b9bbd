//! Invariants under arbitrary interleavings of callers, clock steps, faults and sign-outs
//! (proptest), and a ten-minute soak at a high call rate with random faults, both on the
//! driven clock with background refresh on:
//!
//! - no expired token is ever returned;
//! - the server never answers two requests for one token path at once (single flight);
//! - a session that ended never yields a token again;
//! - the cache stays within its cap.

mod support;

use std::time::Duration;

use clerk_core::{Error, GetTokenOptions, RetryPolicy, Session};
use proptest::prelude::*;
use support::{Env, Fault, FaultRule, Route, StatusFault};

const CACHE_CAP: usize = 4;

#[derive(Debug, Clone)]
enum Op {
    /// `callers` concurrent calls with the same options.
    Call { template: Option<&'static str>, skip_cache: bool, buffer_secs: u64, callers: usize },
    Advance { ms: u64 },
    Fault { template_route: bool, kind: usize },
    SignOut,
    SignIn,
    /// The server ends the session; the engine learns on its next request.
    Revoke,
    Pause,
    Resume,
}

fn fault(kind: usize) -> Fault {
    match kind % 9 {
        0 => Fault::status(503),
        1 => StatusFault::new(429).retry_after("1").into(),
        2 => Fault::DropConnection,
        3 => Fault::TruncatedBody,
        4 => Fault::MalformedJwt,
        5 => Fault::ExpiredJwt,
        6 => Fault::MissingExpiredToken,
        7 => Fault::raw_body(200, "text/html", "<html>"),
        _ => StatusFault::new(401).code("authentication_invalid").into(),
    }
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (prop::option::of(prop::sample::select(vec!["test", "firebase"])), any::<bool>(), 0..70u64, 1..8usize)
            .prop_map(|(template, skip_cache, buffer_secs, callers)| Op::Call { template, skip_cache, buffer_secs, callers }),
        4 => (0..70_000u64).prop_map(|ms| Op::Advance { ms }),
        2 => (any::<bool>(), 0..9usize).prop_map(|(template_route, kind)| Op::Fault { template_route, kind }),
        1 => Just(Op::SignOut),
        1 => Just(Op::SignIn),
        1 => Just(Op::Revoke),
        1 => Just(Op::Pause),
        1 => Just(Op::Resume),
    ]
}

async fn new_env() -> Env {
    // No retries inside a call: callers never wait on the driven clock, so every step ends.
    Env::refreshing(|c| {
        c.with_retry(RetryPolicy::none())
            .with_request_timeout(Duration::from_secs(5))
            .with_max_cached_tokens(CACHE_CAP)
    })
    .await
}

async fn sign_in(env: &Env) -> Session {
    let ticket = env.emu.create_sign_in_token("user_alice").token;
    env.clerk.sign_in_with_ticket(&ticket).await.expect("sign-in")
}

/// Runs `callers` concurrent calls and checks what they got.
async fn call(env: &Env, session: &Session, ended: bool, options: GetTokenOptions, callers: usize) {
    let active_before = session.is_active();
    let results = futures::future::join_all((0..callers).map(|_| session.get_token(options.clone()))).await;
    for result in results {
        match result {
            Ok(Some(token)) => {
                assert!(!ended && active_before, "a token for a session that had ended");
                assert!(!token.is_expired(env.engine_now_ms()), "an expired token was returned");
            }
            Ok(None) => assert!(!active_before || !session.is_active(), "no token for an active session"),
            Err(Error::Api(_) | Error::Network { .. } | Error::Timeout | Error::InvalidResponse(_)) => {}
            Err(other) => panic!("unexpected error kind: {other}"),
        }
    }
}

fn check_bounds(env: &Env) {
    assert!(env.emu.most_in_flight() <= 1, "two requests for one path at once");
    assert!(env.clerk.cached_token_count() <= CACHE_CAP, "the cache outgrew its cap");
}

async fn run(ops: Vec<Op>) {
    let env = new_env().await;
    let mut session = sign_in(&env).await;
    let mut ended = false;
    env.settle().await;
    for op in ops {
        match op {
            Op::Call { template, skip_cache, buffer_secs, callers } => {
                let options = GetTokenOptions {
                    template: template.map(str::to_string),
                    skip_cache,
                    expiration_buffer: Duration::from_secs(buffer_secs),
                    organization_id: None,
                    deadline: None,
                };
                call(&env, &session, ended, options, callers).await;
            }
            Op::Advance { ms } => {
                env.clock.advance(Duration::from_millis(ms));
                env.settle().await;
            }
            Op::Fault { template_route, kind } => {
                let route = if template_route { Route::TemplateToken } else { Route::SessionToken };
                env.emu.inject(FaultRule::new(route, fault(kind)));
            }
            Op::SignOut => {
                // Local sign-out happens whatever the server says (it may have revoked it).
                let _ = env.clerk.sign_out().await;
                ended = true;
            }
            Op::SignIn if env.clerk.session().is_none() => {
                session = sign_in(&env).await;
                ended = false;
            }
            Op::SignIn => {}
            Op::Revoke => {
                env.emu.revoke_session(session.id());
            }
            Op::Pause => env.clerk.pause(),
            Op::Resume => env.clerk.resume(),
        }
        env.settle().await;
        check_bounds(&env);
    }
    env.emu.clear_faults();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_under_any_interleaving(ops in prop::collection::vec(op(), 1..40)) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(run(ops));
    }
}

/// Resident memory of this process, from `/proc/self/statm` (Linux).
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_simulated_minutes_at_a_high_call_rate_with_random_faults() {
    let env = new_env().await;
    let session = sign_in(&env).await;
    env.settle().await;
    let mut rng = fastrand::Rng::with_seed(7);
    let resident_at_start = resident_bytes();
    let (mut calls, mut faults) = (0u64, 0u64);

    for step in 0..6_000u32 {
        env.clock.advance(Duration::from_millis(100));
        env.settle().await;
        if rng.u8(..100) < 3 {
            env.emu.inject(FaultRule::new(Route::SessionToken, fault(rng.usize(..8))));
            faults += 1;
        }
        for template in [None, Some("test")] {
            let skip_cache = rng.u16(..1000) < 5;
            let options = GetTokenOptions { template: template.map(str::to_string), skip_cache, ..Default::default() };
            call(&env, &session, false, options, 10).await;
            calls += 10;
        }
        check_bounds(&env);
        if step % 600 == 599 {
            assert_eq!(env.clerk.requests_in_flight(), 0, "a request outlived its step");
        }
    }

    assert!(session.is_active(), "random transient faults never end the session");
    let requests = env.emu.count(Route::SessionToken) + env.emu.count(Route::TemplateToken);
    eprintln!("soak: {calls} calls, {faults} faults, {requests} token requests");
    assert!(requests < calls / 100, "{requests} requests for {calls} calls");
    if let (Some(start), Some(end)) = (resident_at_start, resident_bytes()) {
        assert!(end.saturating_sub(start) < 32 << 20, "resident memory grew by {} bytes", end - start);
    }
}
