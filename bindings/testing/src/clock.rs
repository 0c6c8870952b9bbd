//! The clock a fake gives the engines it serves.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use clerk_core::{Clock, ManualClock, SleepFuture};

/// Timers (the background refresh) wait until the test moves the clock past them; backoff
/// sleeps between retries return at once, so a test that makes the server fail sees the retries
/// happen and never hangs. By default their time passes on the clock, as it would on a device;
/// tests that count time themselves (the shared scenarios) can keep the clock still instead.
pub(crate) struct KitClock {
    pub(crate) clock: ManualClock,
    /// Every backoff slept, for tests that assert a retry schedule.
    pub(crate) backoffs: Arc<Mutex<Vec<Duration>>>,
    pub(crate) backoffs_advance_clock: bool,
}

impl Clock for KitClock {
    fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    fn sleep(&self, duration: Duration) -> SleepFuture {
        self.backoffs.lock().unwrap_or_else(|p| p.into_inner()).push(duration);
        if self.backoffs_advance_clock {
            self.clock.advance(duration);
        }
        Box::pin(std::future::ready(()))
    }

    fn sleep_until(&self, deadline_ms: i64) -> SleepFuture {
        self.clock.sleep_until(deadline_ms)
    }
}
