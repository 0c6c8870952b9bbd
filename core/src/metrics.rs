//! What the engine does on the network and with its cache, for an app's own telemetry: one
//! record per HTTP attempt (route, attempt, outcome, duration, bytes) to subscribers, and
//! counters a snapshot reads. Never a token, device token or secret: routes are named, not
//! their URLs, and outcomes are a status or an error's kind.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::broadcast;

use crate::error::Error;

/// A subscriber more than this far behind loses the oldest records.
const CAPACITY: usize = 256;

/// Which Frontend API call an attempt made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestRoute {
    /// `GET /v1/client` (`load`).
    Client,
    /// `POST /v1/client/sessions/{id}/tokens`.
    SessionToken,
    /// `POST /v1/client/sessions/{id}/tokens/{template}`.
    TemplateToken,
    /// `POST /v1/client/sign_ins`.
    SignIn,
    /// `POST /v1/client/sessions/{id}/end`.
    SignOut,
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestOutcome {
    /// An HTTP answer with this status (an error status included).
    Status(u16),
    /// No answer: the connection failed or broke.
    Network,
    /// No answer within the attempt's timeout.
    Timeout,
    /// No network on the device: nothing was sent.
    Offline,
}

/// One HTTP attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestMetric {
    pub route: RequestRoute,
    /// 1 for the first attempt of a call, 2 for its first retry, ...
    pub attempt: u32,
    pub outcome: RequestOutcome,
    pub duration: Duration,
    /// Body bytes read (0 without an answer; what was read up to the limit for a body over it).
    pub response_bytes: u64,
}

/// The counters since the engine started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetricsSnapshot {
    /// `get_token` calls served a fresh token from the cache without waiting.
    pub cache_hits: u64,
    /// `get_token` calls that needed the network.
    pub cache_misses: u64,
    /// Of those, the callers that joined a request another caller had started.
    pub joined_callers: u64,
    /// HTTP attempts made, retries included.
    pub requests: u64,
    /// Of those, retries.
    pub retries: u64,
    /// Attempts that got an error status, by class.
    pub failed_4xx: u64,
    pub failed_5xx: u64,
    /// Attempts that got no answer.
    pub failed_network: u64,
    pub failed_timeout: u64,
    /// Calls that failed because the device had no network (nothing sent).
    pub failed_offline: u64,
    /// Still-valid tokens served because a refresh failed (stale-if-error).
    pub stale_served: u64,
    /// Background refreshes that landed a new token.
    pub background_refreshes: u64,
    /// How long before the old token's expiry the last background refresh landed, and the
    /// shortest such lead so far (milliseconds; `None` before the first).
    pub last_refresh_lead_ms: Option<i64>,
    pub min_refresh_lead_ms: Option<i64>,
}

pub(crate) struct Metrics {
    sender: broadcast::Sender<RequestMetric>,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
    joined_callers: AtomicU64,
    requests: AtomicU64,
    retries: AtomicU64,
    failed_4xx: AtomicU64,
    failed_5xx: AtomicU64,
    failed_network: AtomicU64,
    failed_timeout: AtomicU64,
    failed_offline: AtomicU64,
    stale_served: AtomicU64,
    background_refreshes: AtomicU64,
    last_refresh_lead_ms: AtomicI64,
    min_refresh_lead_ms: AtomicI64,
}

/// "None yet" in the lead counters.
const NO_LEAD: i64 = i64::MIN;

impl Default for Metrics {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(CAPACITY).0,
            cache_hits: AtomicU64::new(0),
            cache_misses: AtomicU64::new(0),
            joined_callers: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            failed_4xx: AtomicU64::new(0),
            failed_5xx: AtomicU64::new(0),
            failed_network: AtomicU64::new(0),
            failed_timeout: AtomicU64::new(0),
            failed_offline: AtomicU64::new(0),
            stale_served: AtomicU64::new(0),
            background_refreshes: AtomicU64::new(0),
            last_refresh_lead_ms: AtomicI64::new(NO_LEAD),
            min_refresh_lead_ms: AtomicI64::new(NO_LEAD),
        }
    }
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Metrics {
    pub fn cache_hit(&self) {
        bump(&self.cache_hits);
    }

    pub fn cache_miss(&self, joined: bool) {
        bump(&self.cache_misses);
        if joined {
            bump(&self.joined_callers);
        }
    }

    pub fn stale_served(&self) {
        bump(&self.stale_served);
    }

    pub fn offline_refused(&self) {
        bump(&self.failed_offline);
    }

    pub fn background_refresh(&self, lead_ms: i64) {
        bump(&self.background_refreshes);
        self.last_refresh_lead_ms.store(lead_ms, Ordering::Relaxed);
        let _ = self.min_refresh_lead_ms.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |min| {
            (min == NO_LEAD || lead_ms < min).then_some(lead_ms)
        });
    }

    /// An attempt. One the transport found no network for sent nothing: it is recorded but not
    /// counted as a request (the call's offline failure is counted once, by `offline_refused`).
    pub fn request(&self, metric: RequestMetric) {
        if metric.outcome != RequestOutcome::Offline {
            bump(&self.requests);
            if metric.attempt > 1 {
                bump(&self.retries);
            }
        }
        match metric.outcome {
            RequestOutcome::Status(400..=499) => bump(&self.failed_4xx),
            RequestOutcome::Status(500..) => bump(&self.failed_5xx),
            RequestOutcome::Status(_) | RequestOutcome::Offline => {}
            RequestOutcome::Network => bump(&self.failed_network),
            RequestOutcome::Timeout => bump(&self.failed_timeout),
        }
        // No subscriber is not an error: the records are optional.
        let _ = self.sender.send(metric);
    }

    pub fn subscribe(&self) -> MetricStream {
        MetricStream { receiver: self.sender.subscribe() }
    }

    pub fn snapshot(&self) -> MetricsSnapshot {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let lead = |counter: &AtomicI64| Some(counter.load(Ordering::Relaxed)).filter(|&ms| ms != NO_LEAD);
        MetricsSnapshot {
            cache_hits: read(&self.cache_hits),
            cache_misses: read(&self.cache_misses),
            joined_callers: read(&self.joined_callers),
            requests: read(&self.requests),
            retries: read(&self.retries),
            failed_4xx: read(&self.failed_4xx),
            failed_5xx: read(&self.failed_5xx),
            failed_network: read(&self.failed_network),
            failed_timeout: read(&self.failed_timeout),
            failed_offline: read(&self.failed_offline),
            stale_served: read(&self.stale_served),
            background_refreshes: read(&self.background_refreshes),
            last_refresh_lead_ms: lead(&self.last_refresh_lead_ms),
            min_refresh_lead_ms: lead(&self.min_refresh_lead_ms),
        }
    }
}

/// An attempt's outcome from what the transport and the body limit made of it.
pub(crate) fn outcome_of(result: &Result<(u16, u64), Error>) -> RequestOutcome {
    match result {
        Ok((status, _)) => RequestOutcome::Status(*status),
        Err(Error::Timeout) => RequestOutcome::Timeout,
        Err(Error::Offline { .. }) => RequestOutcome::Offline,
        Err(_) => RequestOutcome::Network,
    }
}

/// The records emitted after `Clerk::request_metrics` was called, in order.
pub struct MetricStream {
    receiver: broadcast::Receiver<RequestMetric>,
}

impl MetricStream {
    /// The next record; `None` once the engine is gone.
    pub async fn next(&mut self) -> Option<RequestMetric> {
        loop {
            match self.receiver.recv().await {
                Ok(metric) => return Some(metric),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// The next record if one is waiting, without blocking.
    pub fn try_next(&mut self) -> Option<RequestMetric> {
        loop {
            match self.receiver.try_recv() {
                Ok(metric) => return Some(metric),
                Err(broadcast::error::TryRecvError::Lagged(_)) => continue,
                Err(_) => return None,
            }
        }
    }
}

impl std::fmt::Debug for MetricStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricStream").field("pending", &self.receiver.len()).finish()
    }
}
