//! The fake as an app's test would drive it, through the same calls the facades make.

use clerkkit::{ClerkCore, ClerkError, ClerkSettings, GetTokenOptions};
use clerkkit_testing::{FakeClerk, FakeRoute};
use futures::executor::block_on;

fn settings(url: String, auto_refresh: bool) -> ClerkSettings {
    ClerkSettings {
        publishable_key: None,
        frontend_api_url: Some(url),
        request_timeout_seconds: 15.0,
        sdk_name: "testkit-test".into(),
        auto_refresh,
        call_deadline_seconds: 10.0,
    }
}

fn options(skip_cache: bool) -> GetTokenOptions {
    GetTokenOptions { template: None, expiration_buffer: 10.0, skip_cache, organization_id: None, deadline_seconds: None }
}

#[test]
fn the_fake_drives_an_engines_clock_and_background_refresh() {
    let fake = FakeClerk::start(true).unwrap();
    let core = ClerkCore::new(settings(fake.frontend_api_url(), true), None, None).unwrap();
    let session = block_on(core.sign_in_with_ticket(fake.sign_in_token("user_1".into()))).unwrap();
    let first = block_on(session.request_token(options(false))).unwrap().unwrap();
    assert_eq!(first.issued_at * 1000, fake.now_ms() / 1000 * 1000, "the engine reads the fake's clock");
    fake.reset_request_counts();

    block_on(fake.advance(20.0));
    assert_eq!(fake.request_count(FakeRoute::SessionToken), 0, "nothing is due 20 s in");
    block_on(fake.advance(30.0));
    assert_eq!(fake.request_count(FakeRoute::SessionToken), 1, "refreshed ahead of expiry once advance returns");
    let refreshed = session.cached_token(options(false)).expect("fresh without asking");
    assert!(refreshed.expires_at > first.expires_at);
}

#[test]
fn failures_are_retried_on_the_fakes_time_and_revocation_ends_the_session() {
    let fake = FakeClerk::start(true).unwrap();
    let core = ClerkCore::new(settings(fake.frontend_api_url(), false), None, None).unwrap();
    let session = block_on(core.sign_in_with_ticket(fake.sign_in_token("user_1".into()))).unwrap();

    fake.fail_next(FakeRoute::SessionToken, 503, 1, None);
    let before = fake.now_ms();
    let token = block_on(session.request_token(options(true))).unwrap();
    assert!(token.is_some(), "a 503 is retried");
    assert_eq!(fake.request_count(FakeRoute::SessionToken), 2);
    let backoffs = fake.backoffs_ms();
    assert_eq!(backoffs.len(), 1);
    assert_eq!(fake.now_ms(), before + backoffs[0], "the backoff passed on the fake's clock, not the wall clock");

    fake.fail_next(FakeRoute::SessionToken, 429, 1, Some(600));
    match block_on(session.request_token(options(true))) {
        Err(ClerkError::Api { status: 429, retry_after_seconds: Some(wait), .. }) => assert_eq!(wait, 600.0),
        other => panic!("expected the 429 with its Retry-After, got {other:?}"),
    }

    assert!(fake.revoke_session(session.id()));
    assert!(!fake.revoke_session("sess_unknown".into()));
    let after = block_on(session.request_token(options(true)));
    assert!(matches!(after, Err(ClerkError::Api { status: 401 | 404, .. })), "{after:?}");
    assert!(!session.is_active());
}

#[test]
fn engines_for_other_urls_keep_their_own_clock() {
    let fake = FakeClerk::start(true).unwrap();
    let other = FakeClerk::start(true).unwrap();
    let core = ClerkCore::new(settings(other.frontend_api_url(), false), None, None).unwrap();
    let session = block_on(core.sign_in_with_ticket(other.sign_in_token("user_2".into()))).unwrap();
    block_on(fake.advance(3600.0));
    let token = block_on(session.request_token(options(false))).unwrap().unwrap();
    assert_eq!(token.issued_at, other.now_ms() / 1000, "the second fake's clock did not move");
    drop(fake);
    assert!(block_on(session.request_token(options(true))).unwrap().is_some());
}

#[test]
fn a_fake_can_keep_its_clock_still_through_backoffs() {
    let still = FakeClerk::start(false).unwrap();
    let core = ClerkCore::new(settings(still.frontend_api_url(), false), None, None).unwrap();
    let session = block_on(core.sign_in_with_ticket(still.sign_in_token("user_1".into()))).unwrap();
    still.fail_next(FakeRoute::SessionToken, 503, 1, None);
    let before = still.now_ms();
    assert!(block_on(session.request_token(options(true))).unwrap().is_some());
    assert_eq!((still.backoffs_ms().len(), still.now_ms()), (1, before), "retried with the clock kept still");
}

#[tokio::test]
async fn a_rust_engine_runs_on_the_fake_it_was_configured_for() {
    let fake = FakeClerk::start(true).unwrap();
    let clerk = clerk_core::Clerk::new(fake.config().unwrap().with_auto_refresh(true)).unwrap();
    fake.track(&clerk);
    let session = clerk.sign_in_with_ticket(&fake.sign_in_token("user_rust".into())).await.unwrap();
    let first = session.get_token(clerk_core::GetTokenOptions::default()).await.unwrap().unwrap();
    fake.reset_request_counts();
    fake.advance(50.0).await;
    assert_eq!(fake.request_count(FakeRoute::SessionToken), 1, "refreshed in the background");
    let later = session.cached_token(&clerk_core::GetTokenOptions::default()).expect("fresh");
    assert!(later.expires_at > first.expires_at);
}

#[test]
fn the_fake_switches_the_network_off_and_on_for_the_engines_on_it() {
    let fake = FakeClerk::start(true).unwrap();
    let core = ClerkCore::new(settings(fake.frontend_api_url(), true), None, None).unwrap();
    let session = block_on(core.sign_in_with_ticket(fake.sign_in_token("user_1".into()))).unwrap();
    fake.reset_request_counts();

    block_on(fake.set_online(false));
    assert!(!core.is_online());
    assert!(block_on(session.request_token(options(false))).unwrap().is_some(), "a fresh cached token is served");
    match block_on(session.request_token(options(true))) {
        Err(ClerkError::Network { reason: clerkkit::NetworkReason::Offline, .. }) => {}
        other => panic!("expected an offline error, got {other:?}"),
    }
    let later = ClerkCore::new(settings(fake.frontend_api_url(), false), None, None).unwrap();
    assert!(!later.is_online(), "an engine configured while offline starts offline");

    // The token goes stale while offline; back online, it is refreshed before anyone asks.
    block_on(fake.advance(55.0));
    assert_eq!(fake.request_count(FakeRoute::Any), 0);
    block_on(fake.set_online(true));
    assert_eq!(fake.request_count(FakeRoute::SessionToken), 1, "refreshed once on reconnecting");
    assert!(session.cached_token(options(false)).is_some(), "fresh in the cache for the next call");
}

#[test]
fn a_call_past_its_deadline_leaves_the_request_out_until_the_fake_answers() {
    let fake = FakeClerk::start(true).unwrap();
    let core = ClerkCore::new(settings(fake.frontend_api_url(), false), None, None).unwrap();
    let session = block_on(core.sign_in_with_ticket(fake.sign_in_token("user_1".into()))).unwrap();
    assert_eq!(fake.requests_in_flight(), 0);
    fake.hang_next(FakeRoute::SessionToken, 1);
    let hurried = GetTokenOptions { deadline_seconds: Some(0.2), ..options(true) };
    match block_on(session.request_token(hurried)) {
        Err(ClerkError::Timeout { .. }) => {}
        other => panic!("expected the deadline's timeout, got {other:?}"),
    }
    assert_eq!(fake.requests_in_flight(), 1, "the shared request is still out");
    let signed_in = session.cached_token(options(false)).unwrap();
    fake.release_hangs();
    while fake.requests_in_flight() > 0 {
        std::thread::yield_now();
    }
    let landed = session.cached_token(options(false)).unwrap();
    assert_ne!(landed.jwt, signed_in.jwt, "the request the caller left landed in the cache");
    assert_eq!(fake.request_count(FakeRoute::SessionToken), 1);
}
