//! Background refresh on the driven clock: callers never wait on the network for the active
//! session token, about one request per token lifetime, nothing while paused, bounded backoff,
//! and no refresh for an ended session.

mod support;

use std::time::Duration;

use clerk_core::{ClerkEvent, GetTokenOptions, RetryPolicy, Session};
use support::{Env, Fault, Route, StatusFault, zero_buffer};

/// Session tokens live 60 s; a refresh is due 2–5 s before the default 10 s buffer.
const LIFETIME_SECS: u64 = 60;
const SHORTEST_REFRESH_INTERVAL_SECS: u64 = LIFETIME_SECS - 10 - 5;

/// Steps the clock by `step_ms` for `total_secs`, making one `get_token` call per step the way
/// the facades do (cache peek first). Returns how many calls had to wait for the network.
async fn steady_calls(env: &Env, session: &Session, total_secs: u64, step_ms: u64) -> u32 {
    let mut waited = 0;
    for _ in 0..total_secs * 1000 / step_ms {
        env.clock.advance(Duration::from_millis(step_ms));
        env.settle().await;
        let options = GetTokenOptions::default();
        if session.cached_token(&options).is_none() {
            waited += 1;
        }
        let token = session
            .get_token(options)
            .await
            .unwrap()
            .expect("signed in");
        assert!(
            token.expires_at * 1000 - env.emu.now_ms() > 10_000,
            "served a token inside the buffer"
        );
    }
    waited
}

#[tokio::test]
async fn over_ten_minutes_of_steady_calls_no_caller_waits_and_requests_follow_token_lifetimes() {
    let env = Env::refreshing(|c| c).await;
    let session = env.sign_in("user_alice").await;
    env.settle().await;

    let waited = steady_calls(&env, &session, 600, 250).await;

    let requests = env.session_token_requests();
    assert_eq!(waited, 0, "callers that waited for the network");
    let lifetimes = 600 / LIFETIME_SECS;
    let most = 600 / SHORTEST_REFRESH_INTERVAL_SECS + 1;
    assert!(
        (lifetimes..=most).contains(&requests),
        "{requests} requests over {lifetimes} token lifetimes"
    );
}

#[tokio::test]
async fn a_caller_with_a_larger_buffer_moves_refreshes_earlier_so_it_never_waits_either() {
    let env = Env::refreshing(|c| c).await;
    let session = env.sign_in("user_alice").await;
    let options = GetTokenOptions {
        expiration_buffer: Duration::from_secs(30),
        ..Default::default()
    };
    session.get_token(options.clone()).await.unwrap();
    env.settle().await;

    let mut waited = 0;
    for _ in 0..300 {
        env.advance_secs(1.0);
        env.settle().await;
        if session.cached_token(&options).is_none() {
            waited += 1;
            session.get_token(options.clone()).await.unwrap();
        }
    }
    assert_eq!(waited, 0);
}

#[tokio::test]
async fn no_request_and_no_timer_while_paused_and_an_expired_token_is_left_to_the_next_caller() {
    let env = Env::refreshing(|c| c).await;
    let session = env.sign_in("user_alice").await;
    env.settle().await;
    env.clerk.pause();
    env.settle().await;
    let sleeps_before = env.clock.sleeps().len();

    for _ in 0..600 {
        env.advance_secs(1.0);
        env.settle().await;
    }
    assert_eq!(env.session_token_requests(), 0, "requests while paused");
    assert_eq!(
        env.clock.sleeps().len(),
        sleeps_before,
        "timers started while paused"
    );

    // Back in the foreground with the token long expired: no background request; the next
    // caller fetches on demand, and the refresher takes over from that token.
    env.clerk.resume();
    env.settle().await;
    assert_eq!(
        env.session_token_requests(),
        0,
        "an expired token is not refreshed in the background"
    );
    assert!(session.is_active(), "the session survives the long pause");
    session
        .get_token(GetTokenOptions::default())
        .await
        .unwrap()
        .expect("fetched on demand");
    assert_eq!(env.session_token_requests(), 1);
    env.settle().await;
    assert_eq!(steady_calls(&env, &session, 120, 500).await, 0);
}

#[tokio::test]
async fn resuming_with_a_stale_token_refreshes_at_once() {
    let env = Env::refreshing(|c| c).await;
    let session = env.sign_in("user_alice").await;
    env.settle().await;
    env.clerk.pause();
    env.settle().await;
    env.advance_secs(52.0); // 8 s of life left: stale for the 10 s buffer, not expired
    env.settle().await;
    assert_eq!(env.session_token_requests(), 0);

    env.clerk.resume();
    env.settle().await;
    assert_eq!(env.session_token_requests(), 1);
    assert!(
        session.cached_token(&GetTokenOptions::default()).is_some(),
        "fresh again without a caller"
    );
}

#[tokio::test]
async fn repeated_503s_back_off_exponentially_and_never_drop_the_valid_token() {
    let env = Env::refreshing(|c| c.with_retry(RetryPolicy::none())).await;
    let session = env.sign_in("user_alice").await;
    env.settle().await;
    let expires_ms = session.cached_token(&zero_buffer()).unwrap().expires_at * 1000;
    env.emu
        .inject(support::FaultRule::new(Route::SessionToken, Fault::status(503)).times(1_000));

    let mut attempts_at = Vec::new();
    let mut seen = 0;
    while env.emu.now_ms() < expires_ms + 120_000 {
        env.clock.advance(Duration::from_millis(100));
        env.settle().await;
        let count = env.session_token_requests();
        if count > seen {
            seen = count;
            attempts_at.push(env.emu.now_ms());
        }
        // The engine reads server time from `Date` (whole seconds): allow it that second.
        if env.emu.now_ms() < expires_ms - 1_000 {
            assert!(
                session.cached_token(&zero_buffer()).is_some(),
                "a failed refresh dropped a valid token"
            );
        }
    }

    assert!(attempts_at.len() >= 3, "attempts: {attempts_at:?}");
    assert!(
        attempts_at.iter().all(|&t| t < expires_ms),
        "a refresh after expiry: {attempts_at:?}"
    );
    for (n, gap) in attempts_at.windows(2).map(|w| w[1] - w[0]).enumerate() {
        let ceiling = 1_000 * (1 << n);
        assert!(
            gap >= ceiling / 2 && gap <= ceiling + 100,
            "gap {n} was {gap} ms: {attempts_at:?}"
        );
    }
    assert!(
        session.is_active(),
        "failed refreshes do not end the session"
    );
}

#[tokio::test]
async fn a_retry_after_longer_than_the_backoff_is_honoured() {
    let env = Env::refreshing(|c| c.with_retry(RetryPolicy::none())).await;
    let _session = env.sign_in("user_alice").await;
    env.settle().await;
    env.emu.inject(support::FaultRule::new(
        Route::SessionToken,
        StatusFault::new(429).retry_after("7"),
    ));

    let mut attempts_at = Vec::new();
    for _ in 0..600 {
        env.clock.advance(Duration::from_millis(100));
        env.settle().await;
        if env.session_token_requests() as usize > attempts_at.len() {
            attempts_at.push(env.emu.now_ms());
        }
    }
    assert_eq!(attempts_at.len(), 2, "{attempts_at:?}");
    assert!(attempts_at[1] - attempts_at[0] >= 7_000, "{attempts_at:?}");
}

#[tokio::test]
async fn sign_out_stops_the_refresher() {
    let env = Env::refreshing(|c| c).await;
    let _session = env.sign_in("user_alice").await;
    env.settle().await;
    env.clerk.sign_out().await.unwrap();
    env.emu.reset_counts();
    let sleeps_before = env.clock.sleeps().len();
    for _ in 0..600 {
        env.advance_secs(1.0);
        env.settle().await;
    }
    assert_eq!(env.session_token_requests(), 0);
    assert_eq!(
        env.clock.sleeps().len(),
        sleeps_before,
        "timers after sign-out"
    );
}

#[tokio::test]
async fn a_revoked_session_stops_the_refresher_and_says_why() {
    let env = Env::refreshing(|c| c).await;
    let session = env.sign_in("user_alice").await;
    let mut events = env.clerk.events();
    env.settle().await;
    env.emu.revoke_session(session.id());
    env.advance_secs(50.0);
    env.settle().await;
    assert_eq!(
        env.session_token_requests(),
        1,
        "the refresh that found the session revoked"
    );
    assert!(!session.is_active());
    match events.try_next() {
        Some(ClerkEvent::SessionEnded {
            session_id,
            reason,
            message,
        }) => {
            assert_eq!(session_id, session.id());
            assert!(
                !reason.is_empty() && reason != "ended",
                "the server's reason: {reason}"
            );
            assert!(message.is_some_and(|m| !m.is_empty()));
        }
        other => panic!("expected SessionEnded, got {other:?}"),
    }
    for _ in 0..300 {
        env.advance_secs(1.0);
        env.settle().await;
    }
    assert_eq!(env.session_token_requests(), 1);
}

#[tokio::test]
async fn a_caller_arriving_during_a_refresh_joins_it() {
    let env = Env::refreshing(|c| c).await;
    let session = env.sign_in("user_alice").await;
    env.settle().await;
    env.emu
        .inject(support::FaultRule::new(Route::SessionToken, Fault::Hang));
    env.advance_secs(47.0); // the refresh is due; it hangs on the server
    tokio::time::timeout(
        Duration::from_secs(20),
        env.emu.wait_for_requests(Route::SessionToken, 1),
    )
    .await
    .expect("the refresher made its request");

    // 13 s left: stale for this caller's 20 s buffer, so it needs the refresh's result.
    let options = GetTokenOptions {
        expiration_buffer: Duration::from_secs(20),
        ..Default::default()
    };
    let caller = tokio::spawn(session.get_token(options));
    tokio::task::yield_now().await;
    assert_eq!(env.clerk.requests_in_flight(), 1);
    env.emu.release_hangs();
    let token = caller.await.unwrap().unwrap().unwrap();
    env.settle().await;
    assert_eq!(
        env.session_token_requests(),
        1,
        "the caller made no request of its own"
    );
    assert_eq!(
        session.cached_token(&GetTokenOptions::default()),
        Some(token)
    );
}

#[tokio::test]
async fn events_carry_the_token_get_token_returns_and_device_token_rotation() {
    let env = Env::refreshing(|c| c).await;
    let session = env.sign_in("user_alice").await;
    let mut events = env.clerk.events();
    env.settle().await;
    env.emu.inject(support::FaultRule::new(
        Route::SessionToken,
        Fault::RotateDeviceToken,
    ));
    env.advance_secs(48.0);
    env.settle().await;

    assert_eq!(
        events.try_next(),
        Some(ClerkEvent::DeviceTokenChanged { cleared: false })
    );
    let Some(ClerkEvent::TokenRefreshed {
        session_id,
        template,
        organization_id,
        token,
    }) = events.try_next()
    else {
        panic!("expected TokenRefreshed");
    };
    assert_eq!(
        (session_id.as_str(), template, organization_id),
        (session.id(), None, None)
    );
    assert_eq!(
        session.get_token(GetTokenOptions::default()).await.unwrap(),
        Some(token)
    );
    assert_eq!(events.try_next(), None, "a cache hit is not an event");

    env.clerk.sign_out().await.unwrap();
    assert_eq!(
        events.try_next(),
        Some(ClerkEvent::SessionEnded {
            session_id: session.id().to_string(),
            reason: "ended".into(),
            message: None
        })
    );
}
