//! The token cache: a bounded map from `CacheKey` to token that forgets the least recently
//! used entry first.
//!
//! Laid out for memory, since an app may cache thousands of template and organization tokens.
//! A `HashMap<CacheKey, _>` spent about 236 B per token on bucket slack (whole keys and
//! entries in 16,384 buckets for 10,000 tokens) and 32 B on a copy of the session id in every
//! key. Here entries live in a dense slab (a `Vec`: capacity past its length is never
//! touched), the hash table holds only 4-byte slot numbers, a session id is stored once per
//! session, a key's template and organization id share one allocation, and use order is a
//! doubly linked list through the slab (O(1) eviction, no scan). About 96 B per entry plus
//! 8 B of table, beside the JWT itself.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

use hashbrown::HashTable;

use crate::token::{CacheKey, TokenResource};

/// No neighbour in the use-order list.
const NIL: u32 = u32::MAX;
/// Bits of `Entry::parts`: which parts of the key are present.
const TEMPLATE: u8 = 1;
const ORGANIZATION: u8 = 2;

pub(super) struct Entry {
    pub token: TokenResource,
    /// The flight (`Flights` sequence number) that fetched the token; 0 when replayed.
    pub fetched_by: u64,
    /// The key's template, then its organization id; `template_len` bytes are the template.
    text: Box<str>,
    template_len: u32,
    /// Neighbours in use order, towards the most and the least recently used.
    newer: u32,
    older: u32,
    /// Index into `TokenCache::sessions`.
    session: u16,
    parts: u8,
}

impl Entry {
    fn template(&self) -> Option<&str> {
        (self.parts & TEMPLATE != 0).then(|| &self.text[..self.template_len as usize])
    }

    fn organization_id(&self) -> Option<&str> {
        (self.parts & ORGANIZATION != 0).then(|| &self.text[self.template_len as usize..])
    }
}

/// A session id shared by that session's entries; free (empty, no entries) when it has none.
struct SessionSlot {
    id: Box<str>,
    entries: u32,
}

pub(super) struct TokenCache {
    /// Slot numbers into `entries`, hashed by their entry's key.
    slots: HashTable<u32>,
    entries: Vec<Entry>,
    sessions: Vec<SessionSlot>,
    newest: u32,
    oldest: u32,
    capacity: usize,
    hasher: RandomState,
}

impl TokenCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            slots: HashTable::new(),
            entries: Vec::new(),
            sessions: Vec::new(),
            newest: NIL,
            oldest: NIL,
            // Slot numbers are u32 and NIL is taken.
            capacity: capacity.clamp(1, NIL as usize - 1),
            hasher: RandomState::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The entry for `key`, without counting as a use.
    pub fn peek(&self, key: &CacheKey) -> Option<&Entry> {
        self.find(key).map(|slot| &self.entries[slot as usize])
    }

    /// The entry for `key`, now the most recently used.
    pub fn get(&mut self, key: &CacheKey) -> Option<&mut Entry> {
        let slot = self.find(key)?;
        self.touch(slot);
        Some(&mut self.entries[slot as usize])
    }

    /// Stores `token` under `key` as the most recently used entry, replacing what was there
    /// (its `fetched_by` starts at 0) or, in a full cache, evicting the least recently used.
    /// Returns false, storing nothing, for a key it cannot represent: a template name over
    /// 4 GiB, or a 65,536th session with cached tokens at the same time.
    pub fn insert(&mut self, key: CacheKey, token: TokenResource) -> bool {
        if let Some(slot) = self.find(&key) {
            self.touch(slot);
            let entry = &mut self.entries[slot as usize];
            (entry.token, entry.fetched_by) = (token, 0);
            return true;
        }
        let Ok(template_len) = u32::try_from(key.template.as_ref().map_or(0, String::len)) else {
            return false;
        };
        if self.entries.len() >= self.capacity {
            self.remove(self.oldest);
        }
        let Some(session) = self.session_index(&key.session_id) else {
            return false;
        };
        let hash = self.key_hash(&key.session_id, key.template.as_deref(), key.organization_id.as_deref());
        let parts = if key.template.is_some() { TEMPLATE } else { 0 }
            | if key.organization_id.is_some() { ORGANIZATION } else { 0 };
        let text = match (key.template, key.organization_id) {
            (Some(template), Some(organization_id)) => template + &organization_id,
            (template, organization_id) => template.or(organization_id).unwrap_or_default(),
        };
        let slot = self.entries.len() as u32;
        self.sessions[session as usize].entries += 1;
        self.entries.push(Entry {
            token,
            fetched_by: 0,
            text: text.into_boxed_str(),
            template_len,
            newer: NIL,
            older: NIL,
            session,
            parts,
        });
        let Self { slots, entries, sessions, hasher, .. } = self;
        slots.insert_unique(hash, slot, |&s| entry_hash(hasher, sessions, &entries[s as usize]));
        self.link_newest(slot);
        true
    }

    /// Drops every entry of session `id`.
    pub fn remove_session(&mut self, id: &str) {
        let Some(session) = self.sessions.iter().position(|s| s.entries > 0 && *s.id == *id) else {
            return;
        };
        // From the end: `remove` moves the last entry into the freed slot, and that one has
        // been looked at already.
        for slot in (0..self.entries.len()).rev() {
            if self.entries[slot].session as usize == session {
                self.remove(slot as u32);
            }
        }
        if self.entries.is_empty() {
            // Give the memory back after sign-out.
            *self = Self { hasher: self.hasher.clone(), ..Self::new(self.capacity) };
        }
    }

    fn find(&self, key: &CacheKey) -> Option<u32> {
        let hash = self.key_hash(&key.session_id, key.template.as_deref(), key.organization_id.as_deref());
        let matches = |entry: &Entry| {
            *self.sessions[entry.session as usize].id == *key.session_id
                && entry.template() == key.template.as_deref()
                && entry.organization_id() == key.organization_id.as_deref()
        };
        self.slots.find(hash, |&slot| matches(&self.entries[slot as usize])).copied()
    }

    /// Removes the entry in `slot`; the last entry moves into that slot.
    fn remove(&mut self, slot: u32) {
        self.unlink(slot);
        let hash = entry_hash(&self.hasher, &self.sessions, &self.entries[slot as usize]);
        if let Ok(found) = self.slots.find_entry(hash, |&s| s == slot) {
            found.remove();
        }
        let last = (self.entries.len() - 1) as u32;
        if slot != last {
            let hash = entry_hash(&self.hasher, &self.sessions, &self.entries[last as usize]);
            if let Some(moved) = self.slots.find_mut(hash, |&s| s == last) {
                *moved = slot;
            }
            let Entry { newer, older, .. } = self.entries[last as usize];
            self.set_older_of(newer, slot);
            self.set_newer_of(older, slot);
        }
        let removed = self.entries.swap_remove(slot as usize);
        let session = &mut self.sessions[removed.session as usize];
        session.entries -= 1;
        if session.entries == 0 {
            session.id = Box::default();
        }
    }

    /// Makes `slot` the most recently used entry.
    fn touch(&mut self, slot: u32) {
        if self.newest != slot {
            self.unlink(slot);
            self.link_newest(slot);
        }
    }

    fn unlink(&mut self, slot: u32) {
        let Entry { newer, older, .. } = self.entries[slot as usize];
        self.set_older_of(newer, older);
        self.set_newer_of(older, newer);
    }

    fn link_newest(&mut self, slot: u32) {
        let previous = self.newest;
        let entry = &mut self.entries[slot as usize];
        (entry.newer, entry.older) = (NIL, previous);
        self.set_newer_of(previous, slot);
        self.newest = slot;
    }

    /// Sets `slot`'s older neighbour. NIL stands beyond both ends of the list: its older
    /// neighbour is the newest entry.
    fn set_older_of(&mut self, slot: u32, older: u32) {
        match slot {
            NIL => self.newest = older,
            slot => self.entries[slot as usize].older = older,
        }
    }

    /// Sets `slot`'s newer neighbour; NIL's newer neighbour is the oldest entry.
    fn set_newer_of(&mut self, slot: u32, newer: u32) {
        match slot {
            NIL => self.oldest = newer,
            slot => self.entries[slot as usize].newer = newer,
        }
    }

    /// The slot of session `id`, taken if it has none yet. Sessions are few: a scan.
    fn session_index(&mut self, id: &str) -> Option<u16> {
        let index = match self.sessions.iter().position(|s| s.entries > 0 && *s.id == *id) {
            Some(index) => index,
            None => {
                let index = match self.sessions.iter().position(|s| s.entries == 0) {
                    Some(free) => free,
                    None if self.sessions.len() < usize::from(u16::MAX) => {
                        self.sessions.push(SessionSlot { id: Box::default(), entries: 0 });
                        self.sessions.len() - 1
                    }
                    None => return None,
                };
                self.sessions[index].id = id.into();
                index
            }
        };
        u16::try_from(index).ok()
    }

    fn key_hash(&self, session_id: &str, template: Option<&str>, organization_id: Option<&str>) -> u64 {
        key_hash(&self.hasher, session_id, template, organization_id)
    }
}

fn key_hash(hasher: &RandomState, session_id: &str, template: Option<&str>, organization_id: Option<&str>) -> u64 {
    hasher.hash_one((session_id, template, organization_id))
}

fn entry_hash(hasher: &RandomState, sessions: &[SessionSlot], entry: &Entry) -> u64 {
    key_hash(hasher, &sessions[entry.session as usize].id, entry.template(), entry.organization_id())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(session: &str, n: usize) -> CacheKey {
        let template = (n % 3 == 1).then(|| format!("t{}", n % 5));
        let organization_id = n.is_multiple_of(2).then(|| format!("org_{n}"));
        CacheKey { session_id: session.into(), template, organization_id }
    }

    fn token(n: usize) -> TokenResource {
        TokenResource { jwt: format!("jwt{n}"), expires_at: 60, issued_at: 0, oiat: None }
    }

    /// The cache against a plain list in use order, most recent last, over random operations.
    #[test]
    fn behaves_like_a_list_in_use_order() {
        let mut rng = fastrand::Rng::with_seed(7);
        for capacity in [1, 2, 3, 8, 50] {
            let mut cache = TokenCache::new(capacity);
            let mut model: Vec<(CacheKey, TokenResource)> = Vec::new();
            for step in 0..4000 {
                let session = ["sess_a", "sess_b", "sess_c"][rng.usize(..3)];
                let key = key(session, rng.usize(..60));
                match rng.u8(..10) {
                    0..=3 => {
                        let got = cache.get(&key).map(|e| e.token.clone());
                        let at = model.iter().position(|(k, _)| *k == key);
                        assert_eq!(got, at.map(|i| model[i].1.clone()), "step {step}");
                        if let Some(i) = at {
                            let used = model.remove(i);
                            model.push(used);
                        }
                    }
                    4..=8 => {
                        assert!(cache.insert(key.clone(), token(step)));
                        if let Some(i) = model.iter().position(|(k, _)| *k == key) {
                            model.remove(i);
                        } else if model.len() == capacity {
                            model.remove(0);
                        }
                        model.push((key, token(step)));
                    }
                    _ => {
                        cache.remove_session(session);
                        model.retain(|(k, _)| k.session_id != session);
                    }
                }
                assert_eq!(cache.len(), model.len(), "step {step}");
                assert_use_order(&cache, &model);
            }
        }
    }

    fn assert_use_order(cache: &TokenCache, model: &[(CacheKey, TokenResource)]) {
        let mut slot = cache.oldest;
        for (key, token) in model {
            assert_eq!(cache.find(key), Some(slot));
            let entry = &cache.entries[slot as usize];
            assert_eq!(entry.token, *token);
            slot = entry.newer;
        }
        assert_eq!(slot, NIL);
        for (index, session) in cache.sessions.iter().enumerate() {
            let entries = cache.entries.iter().filter(|e| e.session as usize == index).count();
            assert_eq!(session.entries as usize, entries);
        }
    }

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn an_entry_stays_small() {
        assert_eq!(std::mem::size_of::<Entry>(), 96);
    }

    #[test]
    fn replacing_a_token_resets_who_fetched_it_and_keeps_one_entry() {
        let mut cache = TokenCache::new(4);
        cache.insert(key("sess", 0), token(1));
        cache.get(&key("sess", 0)).unwrap().fetched_by = 9;
        cache.insert(key("sess", 0), token(2));
        let entry = cache.peek(&key("sess", 0)).unwrap();
        assert_eq!((entry.fetched_by, entry.token.clone()), (0, token(2)));
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn keys_differ_by_every_part_and_sessions_share_one_id() {
        let mut cache = TokenCache::new(16);
        let base = CacheKey { session_id: "sess".into(), template: None, organization_id: None };
        let variants = [
            base.clone(),
            CacheKey { template: Some(String::new()), ..base.clone() },
            CacheKey { organization_id: Some(String::new()), ..base.clone() },
            CacheKey { template: Some(String::new()), organization_id: Some(String::new()), ..base.clone() },
            CacheKey { template: Some("ab".into()), organization_id: Some("c".into()), ..base.clone() },
            CacheKey { template: Some("a".into()), organization_id: Some("bc".into()), ..base.clone() },
            CacheKey { template: Some("abc".into()), ..base.clone() },
            CacheKey { organization_id: Some("abc".into()), ..base.clone() },
            CacheKey { session_id: "sess2".into(), ..base.clone() },
        ];
        for (n, key) in variants.iter().enumerate() {
            cache.insert(key.clone(), token(n));
        }
        for (n, key) in variants.iter().enumerate() {
            assert_eq!(cache.peek(key).map(|e| e.token.clone()), Some(token(n)), "{key:?}");
        }
        assert_eq!(cache.sessions.len(), 2);
        cache.remove_session("sess");
        assert_eq!(cache.len(), 1);
        assert!(cache.peek(&variants[8]).is_some());
        cache.remove_session("sess2");
        assert_eq!((cache.len(), cache.entries.capacity(), cache.sessions.len()), (0, 0, 0));
    }
}
