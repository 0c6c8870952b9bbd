//! A device clock ten minutes off either way: no expired tokens, no needless requests.

mod support;

use clerk_core::GetTokenOptions;
use support::Env;

/// Calls get_token every `step` seconds for `total` seconds; asserts every token is valid by
/// the server's clock for more than the buffer, and returns the number of requests made.
async fn steady_calls(env: &Env, session: &clerk_core::Session, step: f64, total: f64) -> u64 {
    let mut elapsed = 0.0;
    while elapsed < total {
        let token = session.get_token(GetTokenOptions::default()).await.unwrap().unwrap();
        let server_now_ms = env.emu.now_ms();
        assert!(
            token.expires_at * 1000 - server_now_ms > 9_000,
            "token with {} ms left at t={elapsed}",
            token.expires_at * 1000 - server_now_ms
        );
        env.advance_secs(step);
        elapsed += step;
    }
    env.session_token_requests()
}

#[tokio::test]
async fn device_ten_minutes_behind_or_ahead_gets_valid_tokens_at_the_normal_rate() {
    for skew_ms in [-600_000, 0, 600_000] {
        let env = Env::new().await;
        env.emu.set_skew_ms(skew_ms);
        let session = env.sign_in("user_alice").await;
        let requests = steady_calls(&env, &session, 1.0, 600.0).await;
        // One refresh per ~49 s of a 60 s token over 10 minutes: 12, never one per call.
        assert!((11..=13).contains(&requests), "skew {skew_ms}: {requests} requests");
        let offset = env.clerk.server_clock_offset_ms();
        assert!((offset - skew_ms).abs() <= 1_000, "estimated {offset} for {skew_ms}");
    }
}
