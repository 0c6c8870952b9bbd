//! Records the HTTP attempts behind each call, so a failure can say what was tried (how many
//! attempts, how long each took, whether one was still under way when the call's deadline
//! ended it) instead of only its last error. It wraps the core's reqwest transport through the
//! engine's `HttpTransport` seam.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clerk_core::{HttpRequest, HttpTransport, ReqwestTransport, TransportFuture};

/// One attempt: when it started, and how long it took once it ended.
#[derive(Clone, Copy)]
struct Attempt {
    started: Instant,
    took: Option<Duration>,
}

#[derive(Clone, Default)]
pub struct Attempts {
    log: Arc<Mutex<Vec<Attempt>>>,
}

/// What `take` reports of one attempt.
#[derive(Debug, Clone, Copy)]
pub struct Tried {
    pub duration: Duration,
    pub finished: bool,
}

impl Attempts {
    pub fn transport(&self, inner: ReqwestTransport) -> Arc<dyn HttpTransport> {
        Arc::new(Recording { inner, attempts: self.clone() })
    }

    /// The attempts made since the last call, oldest first; one still under way is reported
    /// with the time it has run so far.
    pub fn take(&self) -> Vec<Tried> {
        let log = std::mem::take(&mut *self.lock());
        log.iter()
            .map(|a| match a.took {
                Some(duration) => Tried { duration, finished: true },
                None => Tried { duration: a.started.elapsed(), finished: false },
            })
            .collect()
    }

    /// "3 attempts (15.0 s, 15.0 s, 2.1 s, unfinished)".
    pub fn describe(tried: &[Tried]) -> String {
        let each: Vec<String> = tried
            .iter()
            .map(|t| {
                let seconds = format!("{:.1} s", t.duration.as_secs_f64());
                if t.finished { seconds } else { format!("{seconds}, unfinished") }
            })
            .collect();
        let noun = if tried.len() == 1 { "attempt" } else { "attempts" };
        format!("{} {noun} ({})", tried.len(), each.join("; "))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Attempt>> {
        self.log.lock().unwrap_or_else(|p| p.into_inner())
    }
}

struct Recording {
    inner: ReqwestTransport,
    attempts: Attempts,
}

/// Records the attempt's duration when it ends, answered or dropped at the core's deadline.
struct Timer {
    index: usize,
    started: Instant,
    attempts: Attempts,
}

impl Drop for Timer {
    fn drop(&mut self) {
        let mut log = self.attempts.lock();
        // A `take` in between emptied the log: this attempt belonged to an earlier call.
        if let Some(attempt) = log.get_mut(self.index).filter(|a| a.started == self.started) {
            attempt.took = Some(self.started.elapsed());
        }
    }
}

impl HttpTransport for Recording {
    fn send(&self, request: HttpRequest) -> TransportFuture {
        let started = Instant::now();
        let index = {
            let mut log = self.attempts.lock();
            log.push(Attempt { started, took: None });
            log.len() - 1
        };
        let timer = Timer { index, started, attempts: self.attempts.clone() };
        let attempt = self.inner.send(request);
        Box::pin(async move {
            let answer = attempt.await;
            drop(timer);
            answer
        })
    }
}
