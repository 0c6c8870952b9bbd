//! A phone's network life: offline calls fail at once without a request or a retry wait (a
//! fresh cached token is still served), coming back online refreshes a stale token once
//! however much the connection flaps, a call ends at its deadline while the shared request
//! lands for the next caller, and a transport that finds no network fails fast.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use clerk_core::{
    Error, GetTokenOptions, HttpRequest, HttpTransport, ReqwestTransport, TransportError, TransportFuture,
};
use support::{Env, Fault, Route};

#[tokio::test]
async fn offline_a_fresh_token_is_served_and_a_call_that_needs_the_network_fails_at_once() {
    let (env, session) = Env::signed_in().await;
    assert!(session.get_token(GetTokenOptions::default()).await.unwrap().is_some());
    let sleeps_before = env.clock.sleeps().len();
    env.clerk.set_online(false);
    assert!(!env.clerk.is_online());

    let fresh = session.get_token(GetTokenOptions::default()).await.unwrap();
    assert!(fresh.is_some(), "a fresh cached token needs no network");
    let forced = GetTokenOptions { skip_cache: true, ..GetTokenOptions::default() };
    let error = session.get_token(forced).await.unwrap_err();
    assert!(matches!(error, Error::Offline { .. }), "{error:?}");
    assert!(error.to_string().starts_with("offline:"), "{error}");
    // Past its life the cached token is no use either: the error, not a stale token.
    env.advance_secs(61.0);
    assert!(matches!(session.get_token(GetTokenOptions::default()).await, Err(Error::Offline { .. })));
    assert!(matches!(env.clerk.load().await, Err(Error::Offline { .. })));
    assert_eq!(env.emu.count(Route::Any), 0, "no request while offline");
    assert_eq!(env.clock.sleeps().len(), sleeps_before, "no retry wait slept");
}

#[tokio::test]
async fn a_stale_but_valid_token_is_served_while_offline() {
    let (env, session) = Env::signed_in().await;
    let token = session.get_token(GetTokenOptions::default()).await.unwrap().unwrap();
    env.advance_secs(55.0);
    env.clerk.set_online(false);
    let (served, source) = session.get_token_with_source(GetTokenOptions::default()).await.unwrap().unwrap();
    assert_eq!(served.jwt, token.jwt, "5 s left: inside the buffer, still valid");
    assert!(matches!(source, clerk_core::TokenSource::CacheAfterFailedRefresh(Error::Offline { .. })), "{source:?}");
    assert_eq!(env.emu.count(Route::Any), 0);
}

#[tokio::test]
async fn back_online_the_stale_token_is_refreshed_once_before_the_next_call() {
    let env = Env::refreshing(|c| c).await;
    let session = env.sign_in("user_alice").await;
    let first = session.get_token(GetTokenOptions::default()).await.unwrap().unwrap();
    env.settle().await;
    env.clerk.set_online(false);
    env.advance_secs(52.0);
    env.settle().await;
    assert_eq!(env.session_token_requests(), 0, "the sign-in's token is cached; nothing is refreshed while offline");

    // The connection flaps ten times; only the first return to online starts a request.
    for _ in 0..5 {
        env.clerk.set_online(true);
        env.clerk.set_online(false);
    }
    env.clerk.set_online(true);
    env.settle().await;
    refresh_lands(&session).await;
    let next = session.get_token(GetTokenOptions::default()).await.unwrap().unwrap();
    assert_ne!(next.jwt, first.jwt);
    assert_eq!(env.session_token_requests(), 1, "one refresh however many flaps, and the call was a cache hit");
    assert_eq!(env.clerk.metrics().background_refreshes, 1, "one landing, counted once");
}

#[tokio::test]
async fn a_call_ends_at_its_deadline_and_the_shared_request_still_lands() {
    let (env, session) = Env::signed_in().await;
    let signed_in = session.get_token(GetTokenOptions::default()).await.unwrap().unwrap();
    env.inject(Route::SessionToken, Fault::Hang, 1);
    let hurried =
        GetTokenOptions { skip_cache: true, deadline: Some(Duration::from_millis(200)), ..GetTokenOptions::default() };
    let error = session.get_token(hurried).await.unwrap_err();
    assert_eq!(error, Error::Timeout);
    env.emu.release_hangs();
    let landed = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match session.cached_token(&GetTokenOptions::default()) {
                Some(token) if token.jwt != signed_in.jwt => return token,
                _ => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
    })
    .await
    .expect("the request the caller gave up on lands in the cache");
    let next = session.get_token(GetTokenOptions::default()).await.unwrap().unwrap();
    assert_eq!(next.jwt, landed.jwt);
    assert_eq!(env.session_token_requests(), 1, "the next caller is served from the cache");
}

#[tokio::test]
async fn the_engine_s_deadline_bounds_every_call_that_needs_the_network() {
    let env = Env::with_config(|c| c.with_call_deadline(Duration::from_millis(200))).await;
    env.inject(Route::Client, Fault::Hang, 1);
    assert_eq!(env.clerk.load().await.unwrap_err(), Error::Timeout);
    env.emu.release_hangs();
}

/// A transport that reports no network, counting its attempts.
struct NoNetwork(Arc<AtomicUsize>);

impl HttpTransport for NoNetwork {
    fn send(&self, _request: HttpRequest) -> TransportFuture {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Err(TransportError::Offline { message: "not connected to the internet".into() }) })
    }
}

#[tokio::test]
async fn a_transport_that_finds_no_network_fails_fast_without_retries() {
    let attempts = Arc::new(AtomicUsize::new(0));
    let env = Env::with_config(|c| c.with_transport(Arc::new(NoNetwork(attempts.clone())))).await;
    let error = env.clerk.load().await.unwrap_err();
    assert_eq!(error, Error::Offline { message: "not connected to the internet".into() });
    assert_eq!(attempts.load(Ordering::SeqCst), 1, "no retry");
    assert!(env.clock.sleeps().is_empty(), "no backoff slept");
    assert!(env.clerk.is_online(), "the platform's monitor, not one request, decides the state");
    let _ = ReqwestTransport::new(Duration::from_secs(1)).unwrap();
}

#[tokio::test]
async fn back_online_after_the_token_expired_offline_it_is_refreshed_before_the_next_call() {
    let env = Env::refreshing(|c| c).await;
    let session = env.sign_in("user_alice").await;
    env.settle().await;
    env.clerk.set_online(false);
    env.advance_secs(120.0);
    env.settle().await;
    assert!(session.cached_token(&GetTokenOptions::default()).is_none(), "expired while offline");
    assert_eq!(env.session_token_requests(), 0);

    env.clerk.set_online(true);
    env.settle().await;
    refresh_lands(&session).await;
    assert_eq!(env.session_token_requests(), 1);
    assert_eq!(env.clerk.metrics().background_refreshes, 1, "one landing, counted once");

    // A later pause past expiry is the app's absence, not the network's: no late refresh.
    env.clerk.pause();
    env.advance_secs(120.0);
    env.clerk.resume();
    env.settle().await;
    assert_eq!(env.session_token_requests(), 1, "the next get_token fetches on demand instead");
}

/// Waits for the refresh started by reconnecting to put a fresh token in the cache.
async fn refresh_lands(session: &clerk_core::Session) {
    tokio::time::timeout(Duration::from_secs(20), async {
        while session.cached_token(&GetTokenOptions::default()).is_none() {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the refresh on reconnection lands");
}
