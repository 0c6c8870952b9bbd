//! The engine's metrics count what really happened: cache hits and misses, callers that joined
//! a shared request, every attempt with its route, number, outcome and bytes, retries, failures
//! by kind and stale tokens served, and nothing secret in any record.

mod support;

use clerk_core::{GetTokenOptions, RequestOutcome, RequestRoute};
use futures::future::join_all;
use support::{Env, Route, StatusFault};

#[tokio::test]
async fn counters_and_records_follow_what_happened() {
    let (env, session) = Env::signed_in().await;
    let before = env.clerk.metrics();
    let mut records = env.clerk.request_metrics();

    // A cache hit (the sign-in's token), then 20 concurrent callers of a fresh token: 1 request.
    assert!(session.get_token(GetTokenOptions::default()).await.unwrap().is_some());
    env.advance_secs(55.0);
    let calls = (0..20).map(|_| session.get_token(GetTokenOptions::default()));
    let tokens: Vec<_> = join_all(calls).await.into_iter().map(|t| t.unwrap().unwrap()).collect();
    assert!(tokens.iter().all(|t| t.jwt == tokens[0].jwt));

    // Two 503s, then a token: three attempts, two retries.
    env.inject(Route::SessionToken, StatusFault::new(503), 2);
    let forced = GetTokenOptions { skip_cache: true, ..GetTokenOptions::default() };
    session.get_token(forced).await.unwrap().unwrap();

    // A refresh that fails for good while the token is still valid: served stale.
    env.advance_secs(55.0);
    env.inject(Route::SessionToken, StatusFault::new(503), 10);
    session.get_token(GetTokenOptions::default()).await.unwrap().unwrap();

    let now = env.clerk.metrics();
    assert_eq!(now.cache_hits - before.cache_hits, 1);
    assert_eq!(now.cache_misses - before.cache_misses, 20 + 1 + 1);
    assert_eq!(now.joined_callers - before.joined_callers, 19, "one caller started the request, 19 joined it");
    assert_eq!(now.requests - before.requests, env.emu.count(Route::Any), "the metrics agree with the server");
    assert_eq!(now.requests - before.requests, 1 + 3 + 4);
    assert_eq!(now.retries - before.retries, 2 + 3);
    assert_eq!(now.failed_5xx - before.failed_5xx, 2 + 4);
    assert_eq!(now.stale_served - before.stale_served, 1);

    let mut seen = Vec::new();
    while let Some(record) = records.try_next() {
        seen.push(record);
    }
    assert_eq!(seen.len() as u64, now.requests - before.requests);
    assert!(seen.iter().all(|r| r.route == RequestRoute::SessionToken));
    assert_eq!(seen[0].outcome, RequestOutcome::Status(200));
    assert!(seen[0].response_bytes > 100, "the token response's size: {:?}", seen[0]);
    assert_eq!(seen[1..4].iter().map(|r| (r.attempt, r.outcome)).collect::<Vec<_>>(), vec![
        (1, RequestOutcome::Status(503)),
        (2, RequestOutcome::Status(503)),
        (3, RequestOutcome::Status(200)),
    ]);
    assert!(seen[1].response_bytes > 20, "an error answer's Clerk error body counts too: {:?}", seen[1]);
    let text = format!("{seen:?} {now:?}");
    assert!(!text.contains("eyJ") && !text.contains("dvt") && !text.contains("sess_"), "{text}");
}

#[tokio::test]
async fn an_offline_call_is_one_failure_and_no_request() {
    let (env, session) = Env::signed_in().await;
    env.clerk.set_online(false);
    let forced = GetTokenOptions { skip_cache: true, ..GetTokenOptions::default() };
    assert!(session.get_token(forced).await.is_err());
    let metrics = env.clerk.metrics();
    assert_eq!(metrics.failed_offline, 1);
    assert_eq!(metrics.requests, 1, "only the sign-in");
}
