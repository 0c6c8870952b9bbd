//! What the engine knows about the client's sessions, and the token cache. Both live under
//! one lock so that "is this session still the one the token was fetched for?" and "store
//! the token" happen atomically with respect to sign-out.

mod cache;

use std::collections::HashMap;

use self::cache::TokenCache;
use crate::fapi::{ClientWire, SessionWire};
use crate::token::{CacheKey, TokenResource};

pub(crate) struct State {
    sessions: HashMap<String, SessionEntry>,
    active_session_id: Option<String>,
    /// At most `cache_capacity` tokens; the least recently used goes first.
    cache: TokenCache,
    next_generation: u64,
}

/// Where a token being stored comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Just minted for this engine's request.
    Fetched,
    /// Echoed back in a client object; may be older than what the cache holds.
    Replayed,
}

#[derive(Debug, Clone)]
pub(crate) struct SessionEntry {
    pub status: String,
    pub user_id: Option<String>,
    /// Changes whenever the session (re)becomes active, so results of requests started
    /// before a sign-out are recognised and dropped.
    pub generation: u64,
}

impl SessionEntry {
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }
}

impl State {
    pub fn new(cache_capacity: usize) -> Self {
        Self {
            sessions: HashMap::new(),
            active_session_id: None,
            cache: TokenCache::new(cache_capacity),
            next_generation: 0,
        }
    }

    pub fn active_session_id(&self) -> Option<&str> {
        self.active_session_id.as_deref()
    }

    pub fn session(&self, id: &str) -> Option<&SessionEntry> {
        self.sessions.get(id)
    }

    /// The generation of `id` while it is active.
    pub fn active_generation(&self, id: &str) -> Option<u64> {
        self.sessions.get(id).filter(|s| s.is_active()).map(|s| s.generation)
    }

    /// Replaces what is known with the server's view of the client. Sessions that are gone
    /// or no longer active lose their tokens; returns those that ended here, with their status.
    pub fn apply_client(&mut self, client: Option<&ClientWire>, server_now_ms: i64) -> Vec<(String, String)> {
        let wire_sessions: &[SessionWire] = client.map_or(&[], |c| &c.sessions);
        let known: Vec<String> = self.sessions.keys().cloned().collect();
        let mut ended = Vec::new();
        for id in known {
            if !wire_sessions.iter().any(|s| s.id == id && s.status == "active") {
                let status = wire_sessions.iter().find(|s| s.id == id).map_or("removed", |s| s.status.as_str());
                if self.end_session(&id, status) {
                    ended.push((id, status.to_string()));
                }
            }
        }
        for wire in wire_sessions {
            if wire.status != "active" {
                continue;
            }
            if !self.sessions.get(&wire.id).is_some_and(SessionEntry::is_active) {
                self.next_generation += 1;
                let entry = SessionEntry {
                    status: wire.status.clone(),
                    user_id: wire.user.as_ref().map(|u| u.id.clone()),
                    generation: self.next_generation,
                };
                self.sessions.insert(wire.id.clone(), entry);
            }
            let seed = wire.last_active_token.as_ref().and_then(|t| t.jwt.clone());
            if let Some(token) = seed.and_then(|jwt| TokenResource::from_jwt(jwt).ok()) {
                self.store(CacheKey::session_token(&wire.id), token, server_now_ms, Origin::Replayed);
            }
        }
        self.active_session_id = client
            .and_then(|c| c.last_active_session_id.clone())
            .filter(|id| self.active_generation(id).is_some());
        ended
    }

    /// Ends session `id` with `status` and drops its tokens. Returns whether it was active.
    pub fn end_session(&mut self, id: &str, status: &str) -> bool {
        let was_active = self.active_generation(id).is_some();
        if let Some(entry) = self.sessions.get_mut(id) {
            entry.status = status.to_string();
        }
        self.cache.remove_session(id);
        if self.active_session_id.as_deref() == Some(id) {
            self.active_session_id = None;
        }
        was_active
    }

    /// The cached token for `key`, marking it as used.
    pub fn cached(&mut self, key: &CacheKey) -> Option<&TokenResource> {
        self.cache.get(key).map(|entry| &entry.token)
    }

    /// Stores `token` unless the cache already holds a fresher one. Returns whether it did.
    /// On a tie (same expiry state, `oiat` and `iat` second) a `Fetched` token wins, as it was
    /// minted last; a `Replayed` one (a client's `last_active_token`) does not.
    pub fn store(&mut self, key: CacheKey, token: TokenResource, server_now_ms: i64, origin: Origin) -> bool {
        if let Some(existing) = self.cache.peek(&key) {
            let keep_existing = match origin {
                Origin::Fetched => existing.token.is_fresher_than(&token, server_now_ms),
                Origin::Replayed => !token.is_fresher_than(&existing.token, server_now_ms),
            };
            if keep_existing {
                return false;
            }
        }
        self.cache.insert(key, token)
    }

    /// Records which flight fetched the token just stored under `key`.
    pub fn set_fetched_by(&mut self, key: &CacheKey, seq: u64) {
        if let Some(entry) = self.cache.get(key) {
            entry.fetched_by = seq;
        }
    }

    /// The cached token for `key` if a flight that started after `ticket` fetched it, marking
    /// it as used.
    pub fn fetched_after(&mut self, key: &CacheKey, ticket: u64) -> Option<&TokenResource> {
        self.cache.get(key).filter(|entry| entry.fetched_by > ticket).map(|entry| &entry.token)
    }

    pub fn cache_len(&self) -> usize {
        self.cache.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(iat: i64) -> TokenResource {
        TokenResource { jwt: format!("jwt{iat}"), expires_at: iat + 60, issued_at: iat, oiat: Some(iat) }
    }

    fn key(n: usize) -> CacheKey {
        CacheKey { session_id: "sess".into(), template: Some(format!("t{n}")), organization_id: None }
    }

    #[test]
    fn the_cache_is_capped_and_evicts_the_least_recently_used() {
        let mut state = State::new(3);
        for n in 0..3 {
            state.store(key(n), token(100), 0, Origin::Fetched);
        }
        state.cached(&key(0)); // key 1 is now the least recently used
        state.store(key(3), token(100), 0, Origin::Fetched);
        assert_eq!(state.cache_len(), 3);
        assert!(state.cached(&key(1)).is_none());
        for n in [0, 2, 3] {
            assert!(state.cached(&key(n)).is_some(), "{n}");
        }
        for n in 4..1000 {
            state.store(key(n), token(100), 0, Origin::Fetched);
        }
        assert_eq!(state.cache_len(), 3);
    }

    #[test]
    fn a_staler_token_never_replaces_a_fresher_one() {
        let mut state = State::new(8);
        assert!(state.store(key(0), token(200), 200_000, Origin::Fetched));
        for origin in [Origin::Fetched, Origin::Replayed] {
            assert!(!state.store(key(0), token(150), 200_000, origin));
        }
        assert_eq!(state.cached(&key(0)).unwrap().issued_at, 200);
        assert!(state.store(key(0), token(201), 200_000, Origin::Replayed));
    }

    #[test]
    fn ties_go_to_the_token_fetched_last_never_to_a_replayed_one() {
        let mut state = State::new(8);
        let first = token(200);
        let same_second = TokenResource { jwt: "minted-later".into(), ..first.clone() };
        state.store(key(0), first.clone(), 200_000, Origin::Fetched);
        assert!(state.store(key(0), same_second.clone(), 200_000, Origin::Fetched));
        assert!(!state.store(key(0), first, 200_000, Origin::Replayed));
        assert_eq!(state.cached(&key(0)), Some(&same_second));
    }
}
