//! Time is injected: the engine never reads the system clock directly, so tests drive it.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[cfg(feature = "testing")]
mod manual;
#[cfg(feature = "testing")]
pub use manual::{ManualClock, SleepMode};

pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// The device's wall clock (Unix milliseconds) and a way to wait on it.
pub trait Clock: Send + Sync + 'static {
    fn now_ms(&self) -> i64;
    fn sleep(&self, duration: Duration) -> SleepFuture;

    /// Sleeps until the clock reads `deadline_ms`. Clocks that tests move override it, so a
    /// move between reading the time and starting the sleep cannot push the wake-up later.
    fn sleep_until(&self, deadline_ms: i64) -> SleepFuture {
        self.sleep(Duration::from_millis(deadline_ms.saturating_sub(self.now_ms()).max(0) as u64))
    }
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }

    fn sleep(&self, duration: Duration) -> SleepFuture {
        Box::pin(tokio::time::sleep(duration))
    }
}
