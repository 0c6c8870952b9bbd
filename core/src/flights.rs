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
    /// No flight was running and `cached` had a token: one that a flight stored after the
    /// caller last looked at the cache.
    Cached(TokenResource),
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
    /// flight that started after that ticket is joined (`skip_cache` callers). Before starting
    /// one, `cached` is asked again: a flight stores its token before it leaves the map, and
    /// leaves under this lock, so a caller that missed the cache just before a flight landed
    /// gets that token instead of making a second request.
    pub fn join_or_start(
        &self,
        key: &CacheKey,
        newer_than: Option<u64>,
        cached: impl FnOnce() -> Option<TokenResource>,
        start: impl FnOnce(u64) -> BoxFuture<'static, FlightResult>,
    ) -> Joined {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(flight) = map.get(key) {
            return match newer_than {
                Some(ticket) if flight.seq <= ticket => Joined::Older(flight.clone()),
                _ => Joined::Flight(flight.clone()),
            };
        }
        if let Some(token) = cached() {
            return Joined::Cached(token);
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

#[cfg(test)]
mod tests {
    use futures::FutureExt as _;

    use super::*;

    fn token() -> TokenResource {
        TokenResource { jwt: "jwt".into(), expires_at: 160, issued_at: 100, oiat: Some(100) }
    }

    fn never_started(_seq: u64) -> BoxFuture<'static, FlightResult> {
        panic!("no request may start")
    }

    #[test]
    fn a_token_that_landed_after_the_callers_cache_check_is_served_without_a_request() {
        let flights = Flights::default();
        let key = CacheKey::session_token("sess");
        // A flight ran and landed (stored its token, then left the map) between the caller's
        // first look at the cache and this call.
        match flights.join_or_start(&key, None, || Some(token()), never_started) {
            Joined::Cached(cached) => assert_eq!(cached, token()),
            _ => panic!("expected the cached token"),
        }
        assert_eq!(flights.in_flight(), 0);
    }

    #[test]
    fn a_running_flight_is_joined_without_asking_the_cache() {
        let flights = Flights::default();
        let key = CacheKey::session_token("sess");
        let first = flights.join_or_start(&key, None, || None, |_| async { Ok(None) }.boxed());
        assert!(matches!(first, Joined::Flight(_)));
        let second = flights.join_or_start(&key, None, || panic!("not asked"), never_started);
        assert!(matches!(second, Joined::Flight(_)));
        assert_eq!(flights.in_flight(), 1);
    }
}
