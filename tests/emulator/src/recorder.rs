//! Per-route request counts and the request log, with an async wait that needs no polling.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::watch;

use crate::faults::Route;

/// Stands in for the `Authorization` header value in the log, so secrets never leak into output.
pub const AUTH_PRESENT: &str = "<present>";
pub const AUTH_EMPTY: &str = "<empty>";

/// One request as the emulator saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// Position in the log since the last reset, from 0.
    pub seq: u64,
    pub route: Route,
    pub method: String,
    pub path: String,
    /// Raw query string without the `?`, if any.
    pub query: Option<String>,
    /// Lower-case header names; `authorization` is replaced by `<present>` or `<empty>`.
    pub headers: BTreeMap<String, String>,
    /// The form body as an object of strings, the JSON body as sent, or null.
    pub body: Value,
    /// Emulator time (including skew) when the request arrived.
    pub at_ms: i64,
    /// The status answered, or null while pending (a hang) or when no response was sent.
    pub status: Option<u16>,
    /// The `kind` of the fault applied, if any.
    pub fault: Option<String>,
}

impl RecordedRequest {
    /// A form field or top-level JSON field as a string, if present.
    pub fn body_field(&self, name: &str) -> Option<&str> {
        self.body.get(name).and_then(Value::as_str)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// Identifies a log entry across resets, so a request that outlives a reset cannot update an
/// entry of the new log.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EntryRef {
    epoch: u64,
    index: usize,
}

#[derive(Default)]
struct Log {
    epoch: u64,
    entries: Vec<RecordedRequest>,
}

pub(crate) struct Recorder {
    log: Mutex<Log>,
    /// Bumped on every arrival so waiters re-check the counts.
    arrivals: watch::Sender<u64>,
}

impl Recorder {
    pub fn new() -> Self {
        Recorder {
            log: Mutex::new(Log::default()),
            arrivals: watch::channel(0).0,
        }
    }

    /// Appends a request and wakes waiters; returns its `seq` for [`Recorder::finish`].
    pub fn record(&self, mut req: RecordedRequest) -> EntryRef {
        let entry = {
            let mut log = self.lock();
            let index = log.entries.len();
            req.seq = index as u64;
            log.entries.push(req);
            EntryRef {
                epoch: log.epoch,
                index,
            }
        };
        self.arrivals.send_modify(|n| *n += 1);
        entry
    }

    fn update(&self, entry: EntryRef, f: impl FnOnce(&mut RecordedRequest)) {
        let mut log = self.lock();
        if log.epoch == entry.epoch
            && let Some(e) = log.entries.get_mut(entry.index)
        {
            f(e);
        }
    }

    pub fn finish(&self, entry: EntryRef, status: Option<u16>) {
        self.update(entry, |e| e.status = status);
    }

    pub fn count(&self, route: Route) -> u64 {
        self.lock()
            .entries
            .iter()
            .filter(|r| route.matches(r.route))
            .count() as u64
    }

    pub fn counts(&self) -> BTreeMap<Route, u64> {
        let log = self.lock();
        let mut counts: BTreeMap<Route, u64> = Route::ALL.iter().map(|r| (*r, 0)).collect();
        for r in &log.entries {
            *counts.entry(r.route).or_default() += 1;
        }
        counts.insert(Route::Any, log.entries.len() as u64);
        counts
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().entries.clone()
    }

    /// Clears counts and the log. A wait in progress keeps waiting for new arrivals.
    pub fn reset(&self) {
        {
            let mut log = self.lock();
            log.epoch += 1;
            log.entries.clear();
        }
        self.arrivals.send_modify(|n| *n += 1);
    }

    /// Resolves once `route` has seen at least `n` requests since the last reset.
    pub async fn wait_for(&self, route: Route, n: u64) {
        let mut rx = self.arrivals.subscribe();
        loop {
            // Subscribing before checking means no arrival can slip between check and wait.
            rx.borrow_and_update();
            if self.count(route) >= n {
                return;
            }
            if rx.changed().await.is_err() {
                return;
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }
}
