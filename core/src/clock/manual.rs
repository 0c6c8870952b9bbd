//! A clock that tests move by hand; only with the `testing` feature.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;

use super::{Clock, SleepFuture};

/// A clock that moves only when told to. Every sleep is recorded so tests can assert backoff
/// schedules; what a sleep does depends on the [`SleepMode`].
#[derive(Clone)]
pub struct ManualClock {
    inner: Arc<Mutex<ManualState>>,
}

/// What `ManualClock::sleep` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SleepMode {
    /// Wait until the clock is advanced past the deadline.
    Wait,
    /// Move the clock forward by the duration at once: retries run to completion
    /// deterministically, and time passes as it would have.
    AdvanceClock,
    /// Return at once without moving the clock, for tests that move time only themselves
    /// (and keep another clock, such as a test server's, in step with it).
    Instant,
}

struct ManualState {
    now_ms: i64,
    mode: SleepMode,
    sleepers: Vec<(i64, oneshot::Sender<()>)>,
    sleeps: Vec<Duration>,
    listeners: Vec<Box<dyn Fn(i64) + Send>>,
}

impl ManualClock {
    pub fn new(start_ms: i64) -> Self {
        Self {
            inner: Arc::new(Mutex::new(ManualState {
                now_ms: start_ms,
                mode: SleepMode::Wait,
                sleepers: Vec::new(),
                sleeps: Vec::new(),
                listeners: Vec::new(),
            })),
        }
    }

    pub fn with_sleep_mode(start_ms: i64, mode: SleepMode) -> Self {
        let clock = Self::new(start_ms);
        clock.lock().mode = mode;
        clock
    }

    /// Sleeps advance the clock instead of waiting.
    pub fn auto_advancing(start_ms: i64) -> Self {
        Self::with_sleep_mode(start_ms, SleepMode::AdvanceClock)
    }

    /// Calls `listener` with the new time whenever the clock moves (e.g. to keep a test
    /// server's clock in step).
    pub fn on_change(&self, listener: impl Fn(i64) + Send + 'static) {
        self.lock().listeners.push(Box::new(listener));
    }

    pub fn advance(&self, by: Duration) {
        let now = self.now_ms() + by.as_millis() as i64;
        self.set_ms(now);
    }

    pub fn set_ms(&self, now_ms: i64) {
        let mut state = self.lock();
        state.now_ms = now_ms;
        let (due, pending): (Vec<_>, Vec<_>) =
            state.sleepers.drain(..).partition(|(deadline, _)| *deadline <= now_ms);
        state.sleepers = pending;
        for listener in &state.listeners {
            listener(now_ms);
        }
        drop(state);
        for (_, waker) in due {
            let _ = waker.send(());
        }
    }

    /// Every duration passed to `sleep`, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    /// How many sleepers are waiting for the clock to move.
    pub fn pending_sleepers(&self) -> usize {
        self.lock().sleepers.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ManualState> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl std::fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManualClock").field("now_ms", &self.now_ms()).finish()
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.lock().now_ms
    }

    fn sleep(&self, duration: Duration) -> SleepFuture {
        let state = self.lock();
        let deadline = state.now_ms + duration.as_millis() as i64;
        self.sleep_to(state, deadline)
    }

    fn sleep_until(&self, deadline_ms: i64) -> SleepFuture {
        self.sleep_to(self.lock(), deadline_ms)
    }
}

impl ManualClock {
    fn sleep_to(&self, mut state: std::sync::MutexGuard<'_, ManualState>, deadline: i64) -> SleepFuture {
        let duration = Duration::from_millis(deadline.saturating_sub(state.now_ms).max(0) as u64);
        state.sleeps.push(duration);
        match state.mode {
            SleepMode::AdvanceClock => {
                drop(state);
                self.set_ms(deadline);
                return Box::pin(std::future::ready(()));
            }
            SleepMode::Instant => return Box::pin(std::future::ready(())),
            SleepMode::Wait => {}
        }
        if deadline <= state.now_ms {
            return Box::pin(std::future::ready(()));
        }
        let (tx, rx) = oneshot::channel();
        state.sleepers.push((deadline, tx));
        Box::pin(async move {
            let _ = rx.await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_sleepers_wake_only_when_advanced_past_deadline() {
        let clock = ManualClock::new(1_000);
        let sleep = clock.sleep(Duration::from_secs(5));
        let handle = tokio::spawn(sleep);
        clock.advance(Duration::from_secs(4));
        tokio::task::yield_now().await;
        assert!(!handle.is_finished());
        assert_eq!(clock.pending_sleepers(), 1);
        clock.advance(Duration::from_secs(1));
        handle.await.unwrap();
        assert_eq!(clock.now_ms(), 6_000);
    }

    #[tokio::test]
    async fn auto_advancing_sleep_moves_time_and_records() {
        let clock = ManualClock::auto_advancing(0);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        clock.on_change(move |t| sink.lock().unwrap().push(t));
        clock.sleep(Duration::from_millis(250)).await;
        clock.sleep(Duration::from_secs(2)).await;
        assert_eq!(clock.now_ms(), 2_250);
        assert_eq!(clock.sleeps(), vec![Duration::from_millis(250), Duration::from_secs(2)]);
        assert_eq!(*seen.lock().unwrap(), vec![250, 2_250]);
    }

    #[tokio::test]
    async fn instant_sleeps_record_without_moving_time() {
        let clock = ManualClock::with_sleep_mode(7, SleepMode::Instant);
        clock.sleep(Duration::from_secs(3)).await;
        assert_eq!((clock.now_ms(), clock.sleeps()), (7, vec![Duration::from_secs(3)]));
    }
}
