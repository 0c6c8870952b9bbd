//! `Clerk::settled`, a test hook: whether the background refresher can do nothing more until
//! the clock moves or something changes. Only with the `testing` feature; without it the
//! refresher reports nothing and requests sleep on the configured clock directly.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use crate::clock::{Clock, SleepFuture};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Refreshing, or deciding what to do next.
    Working,
    /// Nothing to refresh (signed out, no token yet, or the token expired while suspended)
    /// until something changes.
    Waiting,
    /// Asleep until this device-clock time, or until something changes.
    Sleeping {
        until_ms: i64,
    },
    Paused,
    Stopped,
}

/// What the refresher is doing; `seen` is the wake count it had handled when it got there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Status {
    phase: Phase,
    seen: u64,
}

/// What the refresher reports and requests' retry waits, as `settled` sees them.
pub(crate) struct Progress {
    /// Whether a refresher task runs for this engine at all.
    enabled: bool,
    wakes: AtomicU64,
    status: watch::Sender<Status>,
    /// Deadlines (device clock) of the retry waits requests are in, by wait id.
    request_waits: Mutex<Vec<(u64, i64)>>,
    next_wait: AtomicU64,
}

impl Progress {
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            wakes: AtomicU64::new(0),
            status: watch::Sender::new(Status {
                phase: Phase::Waiting,
                seen: 0,
            }),
            request_waits: Mutex::new(Vec::new()),
            next_wait: AtomicU64::new(0),
        }
    }

    /// Counted before the refresher is woken, so a `settled` waits for it to handle the change.
    pub fn woke(&self) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }

    pub fn wakes(&self) -> u64 {
        self.wakes.load(Ordering::SeqCst)
    }

    /// The refresher reached `phase` having handled `seen` wakes.
    pub fn set(&self, phase: Phase, seen: u64) {
        self.status.send_replace(Status { phase, seen });
    }

    /// Resolves once the refresher has handled every change and can do nothing more until the
    /// clock moves or something changes. Tests that drive the clock call it after each step.
    pub async fn settled(&self, clock: &dyn Clock) {
        if !self.enabled {
            return;
        }
        let mut status = self.status.subscribe();
        let _ = status
            .wait_for(|s| {
                s.seen == self.wakes()
                    && match s.phase {
                        // A refresh waiting out a retry delay moves only with the clock.
                        Phase::Working => self.request_waiting(clock.now_ms()),
                        Phase::Sleeping { until_ms } => until_ms > clock.now_ms(),
                        Phase::Waiting | Phase::Paused | Phase::Stopped => true,
                    }
            })
            .await;
    }

    fn request_waiting(&self, now_ms: i64) -> bool {
        self.request_waits.lock().unwrap_or_else(|p| p.into_inner()).iter().any(|&(_, until)| until > now_ms)
    }
}

/// The clock requests sleep on between retries. It records each wait's deadline so that
/// `settled` can tell a refresh waiting on the clock from one still at work.
pub(crate) struct RequestClock {
    clock: Arc<dyn Clock>,
    progress: Arc<Progress>,
}

impl RequestClock {
    pub fn new(clock: Arc<dyn Clock>, progress: Arc<Progress>) -> Self {
        Self { clock, progress }
    }
}

impl Clock for RequestClock {
    fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    fn sleep(&self, duration: Duration) -> SleepFuture {
        let progress = self.progress.clone();
        let id = progress.next_wait.fetch_add(1, Ordering::Relaxed);
        let until = self.clock.now_ms() + duration.as_millis() as i64;
        progress.request_waits.lock().unwrap_or_else(|p| p.into_inner()).push((id, until));
        // Whoever waits in `settled` looks again.
        progress.status.send_modify(|_| {});
        let sleep = self.clock.sleep(duration);
        Box::pin(async move {
            let _done = WaitDone { progress, id };
            sleep.await;
        })
    }
}

/// Forgets a wait when it ends or is dropped.
struct WaitDone {
    progress: Arc<Progress>,
    id: u64,
}

impl Drop for WaitDone {
    fn drop(&mut self) {
        self.progress.request_waits.lock().unwrap_or_else(|p| p.into_inner()).retain(|&(id, _)| id != self.id);
    }
}
