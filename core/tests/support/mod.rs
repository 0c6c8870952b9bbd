//! A device (the engine on a driven clock) talking to the emulator over loopback. The
//! device's clock drives the emulator's, so both see the same time unless a test skews the
//! server.
#![allow(dead_code, unused_imports)]

use std::sync::Arc;
use std::time::Duration;

use clerk_core::{
    Clerk, ClerkConfig, Clock as _, ManualClock, MemoryTokenStore, Session, TokenStore as _,
};
use clerk_emulator::{DEFAULT_START_MS, Emulator, EmulatorConfig};

pub use clerk_emulator::{Fault, FaultRule, Route, StatusFault};

pub mod log_capture;
pub mod scenario_file;
pub mod scenarios;
pub mod secrets;

pub struct Env {
    pub emu: Emulator,
    pub clock: ManualClock,
    pub store: Arc<MemoryTokenStore>,
    pub clerk: Clerk,
}

impl Env {
    pub async fn new() -> Env {
        Self::with_config(|c| c).await
    }

    pub async fn with_config(adjust: impl FnOnce(ClerkConfig) -> ClerkConfig) -> Env {
        // Retry backoff advances time instead of waiting, and the server's clock follows.
        Self::with_clock(ManualClock::auto_advancing(DEFAULT_START_MS), adjust).await
    }

    /// Background refresh on, on a clock that moves only when the test moves it (then call
    /// `settle`).
    pub async fn refreshing(adjust: impl FnOnce(ClerkConfig) -> ClerkConfig) -> Env {
        Self::with_clock(ManualClock::new(DEFAULT_START_MS), |c| {
            adjust(c.with_auto_refresh(true))
        })
        .await
    }

    pub async fn with_clock(
        clock: ManualClock,
        adjust: impl FnOnce(ClerkConfig) -> ClerkConfig,
    ) -> Env {
        let emu = Emulator::start(EmulatorConfig::default())
            .await
            .expect("emulator starts");
        let server_clock = emu.clock().clone();
        clock.on_change(move |now| server_clock.set_ms(now));
        let store = Arc::new(MemoryTokenStore::new());
        let config = ClerkConfig::from_frontend_api_url(emu.url())
            .unwrap()
            .with_clock(Arc::new(clock.clone()))
            .with_token_store(store.clone());
        let clerk = Clerk::new(adjust(config)).expect("engine starts");
        Env {
            emu,
            clock,
            store,
            clerk,
        }
    }

    /// An environment with a signed-in user and its session.
    pub async fn signed_in() -> (Env, Session) {
        let env = Env::new().await;
        let session = env.sign_in("user_alice").await;
        (env, session)
    }

    pub async fn sign_in(&self, user_id: &str) -> Session {
        let ticket = self.emu.create_sign_in_token(user_id).token;
        let session = self
            .clerk
            .sign_in_with_ticket(&ticket)
            .await
            .expect("sign-in succeeds");
        self.emu.reset_counts();
        session
    }

    pub fn advance_secs(&self, secs: f64) {
        self.clock.advance(Duration::from_secs_f64(secs));
    }

    /// Waits (in real time, bounded) until the background refresher has caught up with the
    /// clock; a refresher that never settles fails the test instead of hanging it.
    pub async fn settle(&self) {
        tokio::time::timeout(Duration::from_secs(20), self.clerk.settled())
            .await
            .expect("the refresher settles");
    }

    pub fn session_token_requests(&self) -> u64 {
        self.emu.count(Route::SessionToken)
    }

    pub fn inject(&self, route: Route, fault: impl Into<Fault>, times: u32) {
        self.emu.inject(FaultRule::new(route, fault).times(times));
    }

    /// The emulator's (server) time, for judging expiry as the server does.
    pub fn server_now_secs(&self) -> i64 {
        self.emu.now_ms() / 1000
    }

    pub fn device_now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The server's time as the engine estimates it: what "expired" means for a returned token.
    pub fn engine_now_ms(&self) -> i64 {
        self.device_now_ms() + self.clerk.server_clock_offset_ms()
    }

    pub fn device_token(&self) -> Option<String> {
        self.store.load()
    }
}

/// Default options with no expiration buffer: any unexpired cached token is served.
pub fn zero_buffer() -> clerk_core::GetTokenOptions {
    clerk_core::GetTokenOptions { expiration_buffer: Duration::ZERO, ..Default::default() }
}
