//! Records the HTTP attempts behind each call, so a failure can say what was tried (how many
//! attempts, how long each took) instead of only its last error. It wraps the core's reqwest
//! transport through the engine's `HttpTransport` seam.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clerk_core::{HttpRequest, HttpTransport, ReqwestTransport, TransportFuture};

#[derive(Clone, Default)]
pub struct Attempts {
    /// How long each attempt since the last `take` ran, an unfinished one until it was dropped.
    durations: Arc<Mutex<Vec<Duration>>>,
}

impl Attempts {
    pub fn transport(&self, inner: ReqwestTransport) -> Arc<dyn HttpTransport> {
        Arc::new(Recording { inner, attempts: self.clone() })
    }

    /// The attempts made since the last call, oldest first.
    pub fn take(&self) -> Vec<Duration> {
        std::mem::take(&mut *self.durations.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// "3 attempts (15.0 s, 15.0 s, 15.0 s)".
    pub fn describe(durations: &[Duration]) -> String {
        let each: Vec<String> = durations.iter().map(|d| format!("{:.1} s", d.as_secs_f64())).collect();
        let noun = if durations.len() == 1 { "attempt" } else { "attempts" };
        format!("{} {noun} ({})", durations.len(), each.join(", "))
    }
}

struct Recording {
    inner: ReqwestTransport,
    attempts: Attempts,
}

/// Records the attempt's duration when it ends, answered or dropped at the core's deadline.
struct Timer {
    started: Instant,
    attempts: Attempts,
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.attempts.durations.lock().unwrap_or_else(|p| p.into_inner()).push(self.started.elapsed());
    }
}

impl HttpTransport for Recording {
    fn send(&self, request: HttpRequest) -> TransportFuture {
        let timer = Timer { started: Instant::now(), attempts: self.attempts.clone() };
        let attempt = self.inner.send(request);
        Box::pin(async move {
            let answer = attempt.await;
            drop(timer);
            answer
        })
    }
}
