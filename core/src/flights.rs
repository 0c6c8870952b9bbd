//! Single flight: one request per cache key at a time, shared by every caller that may use
//! its result.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::FutureExt as _;
use futures::future::{BoxFuture, Shared};

use crate::error::Error;
use crate::token::{CacheKey, TokenResource};

pub(crate) type FlightResult = Result<Option<TokenResource>, Error>;

#[derive(Clone)]
pub(crate) struct Flight {
    /// Flights are numbered in the order they start.
    pub seq: u64,
    pub result: Shared<BoxFuture<'static, FlightResult>>,
}

pub(crate) enum Joined {
    /// Await this flight's result.
    Flight(Flight),
    /// A flight started before the caller's call began and cannot serve it; wait for it to
    /// land, then try again (by then it may have been replaced by one that can).
    Older(Flight),
}

#[derive(Default)]
pub(crate) struct Flights {
    started: AtomicU64,
    map: Mutex<HashMap<CacheKey, Flight>>,
}

impl Flights {
    /// Taken when a call begins: flights numbered above it started after the call began.
    pub fn ticket(&self) -> u64 {
        self.started.load(Ordering::SeqCst)
    }

    /// Joins the flight for `key`, or starts one with `start`. With `newer_than`, only a
    /// flight that started after that ticket is joined (`skip_cache` callers).
    pub fn join_or_start(
        &self,
        key: &CacheKey,
        newer_than: Option<u64>,
        start: impl FnOnce(u64) -> BoxFuture<'static, FlightResult>,
    ) -> Joined {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(flight) = map.get(key) {
            return match newer_than {
                Some(ticket) if flight.seq <= ticket => Joined::Older(flight.clone()),
                _ => Joined::Flight(flight.clone()),
            };
        }
        let seq = self.started.fetch_add(1, Ordering::SeqCst) + 1;
        let flight = Flight { seq, result: start(seq).shared() };
        map.insert(key.clone(), flight.clone());
        Joined::Flight(flight)
    }

    /// Called by a flight as it lands, so later callers start afresh.
    pub fn finish(&self, key: &CacheKey, seq: u64) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.get(key).is_some_and(|f| f.seq == seq) {
            map.remove(key);
        }
    }

    pub fn in_flight(&self) -> usize {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}
