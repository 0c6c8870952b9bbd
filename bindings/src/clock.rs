//! A clock the host's tests can drive, so foreign-language tests are as deterministic as the
//! Rust ones. Apps never need it: without one, the system clock is used.

use std::sync::Arc;
use std::time::Duration;

use clerk_core::SleepMode;

#[derive(uniffi::Object)]
pub struct ManualClock {
    pub(crate) inner: clerk_core::ManualClock,
}

#[uniffi::export]
impl ManualClock {
    /// Sleeps (retry backoff) return at once and leave the clock where it is, so the test
    /// alone moves time; `sleeps_ms` tells what was slept. With `wait_for_advance`, sleeps
    /// (background refresh timers included) instead wait until the test moves the clock past
    /// them: use it with auto refresh, and call `ClerkCore.settled` after each move.
    #[uniffi::constructor(default(wait_for_advance = false))]
    pub fn new(start_ms: i64, wait_for_advance: bool) -> Arc<Self> {
        let mode = if wait_for_advance { SleepMode::Wait } else { SleepMode::Instant };
        Arc::new(Self { inner: clerk_core::ManualClock::with_sleep_mode(start_ms, mode) })
    }

    /// Every sleep requested so far, in milliseconds.
    pub fn sleeps_ms(&self) -> Vec<i64> {
        self.inner.sleeps().iter().map(|d| d.as_millis() as i64).collect()
    }

    pub fn now_ms(&self) -> i64 {
        use clerk_core::Clock as _;
        self.inner.now_ms()
    }

    pub fn advance_ms(&self, ms: i64) {
        self.inner.advance(Duration::from_millis(ms.max(0) as u64));
    }

    pub fn set_ms(&self, now_ms: i64) {
        self.inner.set_ms(now_ms);
    }
}
