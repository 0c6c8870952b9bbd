//! A fake Clerk Frontend API for apps' unit tests.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use clerk_core::{Clerk, ClerkConfig, Clock as _, ManualClock};
use clerk_emulator::{Emulator, EmulatorConfig, Fault, FaultRule, Route, SessionStatus, StatusFault};
use clerkkit::test_hooks::{self, Attachment};

use crate::clock::KitClock;

/// The endpoints a test can count or make fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum FakeRoute {
    /// `GET /v1/client`: what `load` asks.
    Client,
    /// `POST /v1/client/sign_ins`: signing in with a ticket.
    SignIn,
    /// `POST /v1/client/sessions/{id}/tokens`: session tokens.
    SessionToken,
    /// `POST /v1/client/sessions/{id}/tokens/{template}`: JWT template tokens.
    TemplateToken,
    /// `POST /v1/client/sessions/{id}/end`: signing out.
    SignOut,
    /// Every route above.
    Any,
}

impl From<FakeRoute> for Route {
    fn from(route: FakeRoute) -> Route {
        match route {
            FakeRoute::Client => Route::Client,
            FakeRoute::SignIn => Route::SignIn,
            FakeRoute::SessionToken => Route::SessionToken,
            FakeRoute::TemplateToken => Route::TemplateToken,
            FakeRoute::SignOut => Route::EndSession,
            FakeRoute::Any => Route::Any,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error, uniffi::Error)]
pub enum FakeClerkError {
    /// No loopback port could be bound, or the server thread could not start.
    #[error("the fake Clerk could not start: {detail}")]
    Start { detail: String },
}

/// A Clerk Frontend API on `127.0.0.1`, in this process, with a clock that moves only when the
/// test says so. Configure the SDK with [`frontend_api_url`](Self::frontend_api_url): engines
/// configured for that URL while the fake lives run on its clock. Dropping it stops the server.
#[derive(uniffi::Object)]
pub struct FakeClerk {
    emulator: Emulator,
    clock: ManualClock,
    backoffs: Arc<Mutex<Vec<Duration>>>,
    kit_clock: Arc<KitClock>,
    attachment: Attachment,
    /// Rust engines configured with [`FakeClerk::config`], which `advance` waits for too.
    tracked: Mutex<Vec<Clerk>>,
}

#[uniffi::export]
impl FakeClerk {
    /// Starts a fake on a free loopback port. Its clock starts at 2026-01-01T00:00:00Z;
    /// session tokens live 60 s, as Clerk's. The waits between retries pass on its clock
    /// unless `backoffs_advance_clock` is false (see `backoffs_ms`).
    #[uniffi::constructor(default(backoffs_advance_clock = true))]
    pub fn start(backoffs_advance_clock: bool) -> Result<Arc<Self>, FakeClerkError> {
        let emulator = Emulator::start_blocking(EmulatorConfig::default())
            .map_err(|e| FakeClerkError::Start { detail: e.to_string() })?;
        let clock = ManualClock::new(emulator.now_ms());
        let server_clock = emulator.clock().clone();
        clock.on_change(move |now_ms| server_clock.set_ms(now_ms));
        let backoffs = Arc::new(Mutex::new(Vec::new()));
        let kit_clock = KitClock { clock: clock.clone(), backoffs: backoffs.clone(), backoffs_advance_clock };
        let kit_clock = Arc::new(kit_clock);
        let attachment = test_hooks::attach(emulator.url(), kit_clock.clone());
        Ok(Arc::new(Self { emulator, clock, backoffs, kit_clock, attachment, tracked: Mutex::default() }))
    }

    /// The URL to configure the SDK with (`Clerk.configure(frontendApiUrl:)`).
    pub fn frontend_api_url(&self) -> String {
        self.emulator.url().to_string()
    }

    /// A sign-in token (ticket) for `user_id`, as an app's backend would create one.
    pub fn sign_in_token(&self, user_id: String) -> String {
        self.emulator.create_sign_in_token(&user_id).token
    }

    /// The fake's time, which is also the SDK's: Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Moves time forward (negative or non-finite amounts count as 0) and returns once every
    /// engine on this fake has done what that time asks of it, such as a background refresh.
    pub async fn advance(&self, seconds: f64) {
        let seconds = if seconds.is_finite() { seconds.clamp(0.0, 10.0 * 365.0 * 86_400.0) } else { 0.0 };
        self.clock.advance(Duration::from_secs_f64(seconds));
        self.attachment.settled().await;
        let tracked: Vec<Clerk> = self.tracked.lock().unwrap_or_else(|p| p.into_inner()).clone();
        for engine in tracked {
            engine.settled().await;
        }
    }

    /// Revokes the session on the server, as the Dashboard or the Backend API would; the SDK
    /// finds out at its next request. False if there is no such session.
    pub fn revoke_session(&self, session_id: String) -> bool {
        self.emulator.revoke_session(&session_id)
    }

    /// Ends the session's lifetime on the server (status `expired`). False if there is no such
    /// session.
    pub fn expire_session(&self, session_id: String) -> bool {
        self.emulator.set_session_status(&session_id, SessionStatus::Expired)
    }

    /// The next `times` requests to `route` fail with `status` and a Clerk error body (for 429
    /// and 503, with `Retry-After` when given).
    pub fn fail_next(&self, route: FakeRoute, status: u16, times: u32, retry_after_seconds: Option<u32>) {
        let mut fault = StatusFault::new(status);
        if let Some(seconds) = retry_after_seconds {
            fault = fault.retry_after(seconds.to_string());
        }
        self.emulator.inject(FaultRule::new(route.into(), fault).times(times.max(1)));
    }

    /// The next `times` requests to `route` get no answer until [`release_hangs`](Self::release_hangs)
    /// (or the fake is dropped): for testing what an app does when a call reaches its deadline.
    pub fn hang_next(&self, route: FakeRoute, times: u32) {
        self.emulator.inject(FaultRule::new(route.into(), Fault::Hang).times(times.max(1)));
    }

    /// Answers every request held by [`hang_next`](Self::hang_next), as the server normally would.
    pub fn release_hangs(&self) {
        self.emulator.release_hangs();
    }

    /// Requests the fake has answered on `route` since it started or the counts were reset.
    pub fn request_count(&self, route: FakeRoute) -> u64 {
        self.emulator.count(route.into())
    }

    pub fn reset_request_counts(&self) {
        self.emulator.reset_counts();
    }

    /// Switches the device's network off or on for every SDK engine on this fake, as the
    /// platform's network monitor would report it, and returns once they have acted on it (back
    /// online, a stale token is refreshed at once). Offline, a call that needs the network fails
    /// at once with a network error of reason `offline`; a fresh cached token is still served.
    pub async fn set_online(&self, online: bool) {
        self.attachment.set_online(online);
        let tracked: Vec<Clerk> = self.tracked.lock().unwrap_or_else(|p| p.into_inner()).clone();
        for engine in &tracked {
            engine.set_online(online);
        }
        self.attachment.settled().await;
        for engine in tracked {
            engine.settled().await;
        }
    }

    /// Requests the SDK engines on this fake have sent and not yet seen answered (a caller may
    /// have stopped waiting at its deadline while the shared request goes on).
    pub fn requests_in_flight(&self) -> u64 {
        let tracked: usize = self.tracked.lock().unwrap_or_else(|p| p.into_inner()).iter().map(Clerk::requests_in_flight).sum();
        u64::try_from(self.attachment.requests_in_flight() + tracked).unwrap_or(u64::MAX)
    }

    /// The waits between retries the SDK took so far, in milliseconds, oldest first.
    pub fn backoffs_ms(&self) -> Vec<i64> {
        let backoffs = self.backoffs.lock().unwrap_or_else(|p| p.into_inner());
        backoffs.iter().map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)).collect()
    }
}

/// For Rust apps, which configure `clerk_core` themselves.
impl FakeClerk {
    /// An engine configuration for this fake: its URL and its clock.
    pub fn config(&self) -> Result<ClerkConfig, clerk_core::Error> {
        Ok(ClerkConfig::from_frontend_api_url(self.emulator.url())?.with_clock(self.kit_clock.clone()))
    }

    /// Makes `advance` wait for `clerk`'s background refresh too (and keeps it alive as long
    /// as the fake).
    pub fn track(&self, clerk: &Clerk) {
        if !self.attachment.online() {
            clerk.set_online(false);
        }
        self.tracked.lock().unwrap_or_else(|p| p.into_inner()).push(clerk.clone());
    }
}
