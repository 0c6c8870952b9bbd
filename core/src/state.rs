//! What the engine knows about the client's sessions, and the token cache. Both live under
//! one lock so that "is this session still the one the token was fetched for?" and "store
//! the token" happen atomically with respect to sign-out.

use std::collections::HashMap;

use crate::fapi::{ClientWire, SessionWire};
use crate::token::{CacheKey, TokenResource};

#[derive(Default)]
pub(crate) struct State {
    sessions: HashMap<String, SessionEntry>,
    active_session_id: Option<String>,
    cache: HashMap<CacheKey, TokenResource>,
    next_generation: u64,
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
    /// or no longer active lose their tokens.
    pub fn apply_client(&mut self, client: Option<&ClientWire>, server_now_ms: i64) {
        let wire_sessions: &[SessionWire] = client.map_or(&[], |c| &c.sessions);
        let known: Vec<String> = self.sessions.keys().cloned().collect();
        for id in known {
            if !wire_sessions.iter().any(|s| s.id == id && s.status == "active") {
                let status = wire_sessions.iter().find(|s| s.id == id).map_or("removed", |s| s.status.as_str());
                self.end_session(&id, status);
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
                self.store(CacheKey::session_token(&wire.id), token, server_now_ms);
            }
        }
        self.active_session_id = client
            .and_then(|c| c.last_active_session_id.clone())
            .filter(|id| self.active_generation(id).is_some());
    }

    pub fn end_session(&mut self, id: &str, status: &str) {
        if let Some(entry) = self.sessions.get_mut(id) {
            entry.status = status.to_string();
        }
        self.cache.retain(|key, _| key.session_id != id);
        if self.active_session_id.as_deref() == Some(id) {
            self.active_session_id = None;
        }
    }

    pub fn cached(&self, key: &CacheKey) -> Option<&TokenResource> {
        self.cache.get(key)
    }

    /// Stores `token` unless the cache already holds a fresher one. Returns whether it did.
    pub fn store(&mut self, key: CacheKey, token: TokenResource, server_now_ms: i64) -> bool {
        match self.cache.get(&key) {
            Some(existing) if !token.is_fresher_than(existing, server_now_ms) => false,
            _ => {
                self.cache.insert(key, token);
                true
            }
        }
    }
}
