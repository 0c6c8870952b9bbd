//! The engine's metrics for an app's own telemetry: a record per HTTP attempt delivered to a
//! listener (the facades turn it into an `AsyncStream` / a `Flow`), and a snapshot of counters.
//! Nothing here can carry a token or a secret: routes are named, outcomes are kinds.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use clerk_core as core;
use tokio::task::JoinHandle;

use crate::runtime;

/// Which Frontend API call an attempt made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum RequestRoute {
    /// `GET /v1/client` (load).
    Client,
    /// A session token.
    SessionToken,
    /// A JWT-template token.
    TemplateToken,
    SignIn,
    SignOut,
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum RequestOutcome {
    /// An HTTP answer with this status, error statuses included.
    Status { code: u16 },
    /// No answer: the connection failed or broke.
    Network,
    /// No answer within the attempt's timeout.
    Timeout,
    /// The device had no network: nothing was sent.
    Offline,
}

/// One HTTP attempt.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RequestMetric {
    pub route: RequestRoute,
    /// 1 for a call's first attempt, 2 for its first retry, ...
    pub attempt: u32,
    pub outcome: RequestOutcome,
    pub duration_seconds: f64,
    /// Body bytes read (0 without an answer).
    pub response_bytes: u64,
}

/// The counters since the engine started.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MetricsSnapshot {
    /// Token calls answered from the cache without waiting.
    pub cache_hits: u64,
    /// Token calls that needed the network.
    pub cache_misses: u64,
    /// Of those, the callers that joined a request already under way.
    pub joined_callers: u64,
    /// HTTP attempts sent, retries included.
    pub requests: u64,
    pub retries: u64,
    pub failed_4xx: u64,
    pub failed_5xx: u64,
    pub failed_network: u64,
    pub failed_timeout: u64,
    /// Calls refused at once because the device had no network.
    pub failed_offline: u64,
    /// Still-valid tokens served because a refresh failed.
    pub stale_served: u64,
    pub background_refreshes: u64,
    /// How long before the old token expired the last background refresh landed, and the
    /// shortest such lead (milliseconds; absent before the first).
    pub last_refresh_lead_ms: Option<i64>,
    pub min_refresh_lead_ms: Option<i64>,
}

impl From<core::RequestMetric> for RequestMetric {
    fn from(metric: core::RequestMetric) -> Self {
        Self {
            route: match metric.route {
                core::RequestRoute::Client => RequestRoute::Client,
                core::RequestRoute::SessionToken => RequestRoute::SessionToken,
                core::RequestRoute::TemplateToken => RequestRoute::TemplateToken,
                core::RequestRoute::SignIn => RequestRoute::SignIn,
                core::RequestRoute::SignOut => RequestRoute::SignOut,
            },
            attempt: metric.attempt,
            outcome: match metric.outcome {
                core::RequestOutcome::Status(code) => RequestOutcome::Status { code },
                core::RequestOutcome::Network => RequestOutcome::Network,
                core::RequestOutcome::Timeout => RequestOutcome::Timeout,
                core::RequestOutcome::Offline => RequestOutcome::Offline,
            },
            duration_seconds: metric.duration.as_secs_f64(),
            response_bytes: metric.response_bytes,
        }
    }
}

impl From<core::MetricsSnapshot> for MetricsSnapshot {
    fn from(s: core::MetricsSnapshot) -> Self {
        Self {
            cache_hits: s.cache_hits,
            cache_misses: s.cache_misses,
            joined_callers: s.joined_callers,
            requests: s.requests,
            retries: s.retries,
            failed_4xx: s.failed_4xx,
            failed_5xx: s.failed_5xx,
            failed_network: s.failed_network,
            failed_timeout: s.failed_timeout,
            failed_offline: s.failed_offline,
            stale_served: s.stale_served,
            background_refreshes: s.background_refreshes,
            last_refresh_lead_ms: s.last_refresh_lead_ms,
            min_refresh_lead_ms: s.min_refresh_lead_ms,
        }
    }
}

/// Called on a background thread, in order, one record at a time. Keep it short: hand the
/// record to your own queue.
#[uniffi::export(with_foreign)]
pub trait RequestMetricListener: Send + Sync {
    fn on_request(&self, metric: RequestMetric);
}

/// Delivery to one listener; it stops on `cancel` or when this object is released.
#[derive(uniffi::Object)]
pub struct MetricsSubscription {
    task: JoinHandle<()>,
}

impl MetricsSubscription {
    pub(crate) fn start(mut records: core::MetricStream, listener: Arc<dyn RequestMetricListener>) -> Arc<Self> {
        let task = runtime::handle().spawn(async move {
            while let Some(metric) = records.next().await {
                let metric = RequestMetric::from(metric);
                // A listener that throws must not end delivery, nor take the runtime down.
                if std::panic::catch_unwind(AssertUnwindSafe(|| listener.on_request(metric))).is_err() {
                    tracing::warn!("a metrics listener failed; delivery continues");
                }
            }
        });
        Arc::new(Self { task })
    }
}

#[uniffi::export]
impl MetricsSubscription {
    pub fn cancel(&self) {
        self.task.abort();
    }
}

impl Drop for MetricsSubscription {
    fn drop(&mut self) {
        self.task.abort();
    }
}
