//! The emulated instance's data: its directory of users and organizations, clients (devices),
//! sessions, sign-in tokens and templates.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::directory::{Directory, Organization, User};
use crate::error::ApiError;
use crate::jwt::random_id;

/// A session's lifecycle state, as in Clerk's `Session.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    Active,
    Revoked,
    Ended,
    Expired,
    Removed,
    Abandoned,
}

impl SessionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Active => "active",
            SessionStatus::Revoked => "revoked",
            SessionStatus::Ended => "ended",
            SessionStatus::Expired => "expired",
            SessionStatus::Removed => "removed",
            SessionStatus::Abandoned => "abandoned",
        }
    }

    /// The 401 a token request gets for a session in this state.
    pub(crate) fn token_error(self) -> Option<ApiError> {
        let (code, message) = match self {
            SessionStatus::Active => return None,
            SessionStatus::Revoked => ("session_revoked", "Session has been revoked"),
            SessionStatus::Ended => ("session_ended", "Session has ended"),
            SessionStatus::Expired => ("session_expired", "Session has expired"),
            SessionStatus::Removed => ("session_removed", "Session has been removed"),
            SessionStatus::Abandoned => ("session_abandoned", "Session has been abandoned"),
        };
        Some(ApiError::new(
            401,
            code,
            message,
            &format!("{message}. Sign in again."),
        ))
    }
}

/// A JWT template: its lifetime and the claims merged into tokens minted from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JwtTemplate {
    pub name: String,
    pub lifetime_secs: u64,
    #[serde(default)]
    pub claims: Map<String, Value>,
}

impl JwtTemplate {
    pub fn new(name: impl Into<String>, lifetime_secs: u64) -> Self {
        JwtTemplate {
            name: name.into(),
            lifetime_secs,
            claims: Map::new(),
        }
    }

    pub fn claim(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.claims.insert(key.into(), value.into());
        self
    }

    /// `test` (120 s, `aud: "test"`) and `firebase` (3600 s).
    pub fn defaults() -> Vec<JwtTemplate> {
        vec![
            JwtTemplate::new("test", 120).claim("aud", "test"),
            JwtTemplate::new("firebase", 3600),
        ]
    }
}

/// BAPI `SignInToken` object; `token` is the ticket for `strategy=ticket`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignInToken {
    pub object: String,
    pub id: String,
    pub status: String,
    pub user_id: String,
    pub token: String,
    pub url: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A read-only view of a session for test assertions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub id: String,
    pub client_id: String,
    pub user_id: String,
    /// Effective status at the emulator's current time (an overdue active session is `expired`).
    pub status: SessionStatus,
    pub active_organization_id: Option<String>,
    pub created_at: i64,
    pub expire_at: i64,
    pub last_active_token: Option<String>,
}

pub(crate) struct ClientRec {
    pub id: String,
    pub device_token: String,
    pub session_ids: Vec<String>,
    pub last_active_session_id: Option<String>,
    pub last_authentication_strategy: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub(crate) struct SessionRec {
    pub id: String,
    pub client_id: String,
    pub user_id: String,
    status: SessionStatus,
    pub active_org: Option<String>,
    pub last_active_token: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_active_at: i64,
    pub expire_at: i64,
    pub abandon_at: i64,
}

impl SessionRec {
    pub fn status(&self, now_ms: i64) -> SessionStatus {
        match self.status {
            SessionStatus::Active if now_ms >= self.abandon_at => SessionStatus::Abandoned,
            SessionStatus::Active if now_ms >= self.expire_at => SessionStatus::Expired,
            s => s,
        }
    }
}

struct TicketRec {
    token: SignInToken,
    org_id: Option<String>,
    expires_at: i64,
}

/// Lifetimes used when creating sessions and tickets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lifetimes {
    pub session_ms: i64,
    pub abandon_ms: i64,
}

#[derive(Default)]
pub(crate) struct Model {
    pub directory: Directory,
    pub clients: HashMap<String, ClientRec>,
    device_tokens: HashMap<String, String>,
    pub sessions: HashMap<String, SessionRec>,
    tickets: HashMap<String, TicketRec>,
    pub templates: BTreeMap<String, JwtTemplate>,
}

/// What an instance starts with (and returns to on reset).
pub(crate) struct Seed<'c> {
    pub templates: &'c [JwtTemplate],
    pub users: &'c [User],
    pub organizations: &'c [Organization],
}

impl Model {
    pub fn new(seed: Seed<'_>, now_ms: i64) -> Self {
        Model {
            templates: seed
                .templates
                .iter()
                .map(|t| (t.name.clone(), t.clone()))
                .collect(),
            directory: Directory::new(seed.users, seed.organizations, now_ms),
            ..Model::default()
        }
    }

    pub fn client_id_for_token(&self, device_token: Option<&str>) -> Option<String> {
        self.device_tokens.get(device_token?).cloned()
    }

    /// A client without a device token yet; give it one with [`Model::set_device_token`].
    pub fn create_client(&mut self, now_ms: i64) -> String {
        let id = format!("client_{}", random_id(27));
        self.clients.insert(
            id.clone(),
            ClientRec {
                id: id.clone(),
                device_token: String::new(),
                session_ids: Vec::new(),
                last_active_session_id: None,
                last_authentication_strategy: None,
                created_at: now_ms,
                updated_at: now_ms,
            },
        );
        id
    }

    /// Replaces the client's device token; the old one is forgotten at once.
    pub fn set_device_token(&mut self, client_id: &str, device_token: String) {
        if let Some(client) = self.clients.get_mut(client_id) {
            self.device_tokens.remove(&client.device_token);
            self.device_tokens
                .insert(device_token.clone(), client_id.to_string());
            client.device_token = device_token;
        }
    }

    /// A ticket for `user_id`; the caller has checked (or made sure) that the user exists.
    pub fn create_sign_in_token(
        &mut self,
        user_id: &str,
        org_id: Option<String>,
        expires_at: i64,
        now_ms: i64,
        base_url: &str,
    ) -> SignInToken {
        let ticket = random_id(48);
        let token = SignInToken {
            object: "sign_in_token".into(),
            id: format!("sit_{}", random_id(27)),
            status: "pending".into(),
            user_id: user_id.to_string(),
            url: Some(format!("{base_url}/v1/tickets/accept?ticket={ticket}")),
            token: ticket.clone(),
            created_at: now_ms,
            updated_at: now_ms,
        };
        self.tickets.insert(
            ticket,
            TicketRec {
                token: token.clone(),
                org_id,
                expires_at,
            },
        );
        token
    }

    /// Marks a ticket used and returns its user and organization.
    pub fn redeem_ticket(
        &mut self,
        ticket: &str,
        now_ms: i64,
    ) -> Result<(String, Option<String>), ApiError> {
        let invalid = || {
            ApiError::new(
                422,
                "ticket_invalid",
                "is invalid",
                "The provided ticket is invalid or has already been used.",
            )
            .with_meta(serde_json::json!({ "param_name": "ticket" }))
        };
        let rec = self.tickets.get_mut(ticket).ok_or_else(invalid)?;
        if rec.token.status != "pending" {
            return Err(invalid());
        }
        if now_ms >= rec.expires_at {
            return Err(ApiError::new(
                422,
                "ticket_expired",
                "is expired",
                "The provided ticket has expired.",
            )
            .with_meta(serde_json::json!({ "param_name": "ticket" })));
        }
        rec.token.status = "accepted".into();
        rec.token.updated_at = now_ms;
        Ok((rec.token.user_id.clone(), rec.org_id.clone()))
    }

    pub fn create_session(
        &mut self,
        client_id: &str,
        user_id: &str,
        org_id: Option<String>,
        lifetimes: Lifetimes,
        now_ms: i64,
    ) -> String {
        let id = format!("sess_{}", random_id(27));
        self.sessions.insert(
            id.clone(),
            SessionRec {
                id: id.clone(),
                client_id: client_id.to_string(),
                user_id: user_id.to_string(),
                status: SessionStatus::Active,
                active_org: org_id,
                last_active_token: None,
                created_at: now_ms,
                updated_at: now_ms,
                last_active_at: now_ms,
                expire_at: now_ms.saturating_add(lifetimes.session_ms),
                abandon_at: now_ms.saturating_add(lifetimes.abandon_ms),
            },
        );
        if let Some(client) = self.clients.get_mut(client_id) {
            client.session_ids.push(id.clone());
            client.last_active_session_id = Some(id.clone());
            client.last_authentication_strategy = Some("ticket".into());
            client.updated_at = now_ms;
        }
        id
    }

    /// Forces a session's status; returns false for an unknown session.
    pub fn set_session_status(
        &mut self,
        session_id: &str,
        status: SessionStatus,
        now_ms: i64,
    ) -> bool {
        let Some(session) = self.sessions.get_mut(session_id) else {
            return false;
        };
        session.status = status;
        session.updated_at = now_ms;
        if status != SessionStatus::Active {
            session.last_active_token = None;
        }
        let client_id = session.client_id.clone();
        self.refresh_last_active(&client_id, now_ms);
        true
    }

    /// Keeps `last_active_session_id` pointing at a live session, as Clerk does after sign-outs.
    pub fn refresh_last_active(&mut self, client_id: &str, now_ms: i64) {
        let Some(client) = self.clients.get(client_id) else {
            return;
        };
        let live = |id: &String| {
            self.sessions
                .get(id)
                .is_some_and(|s| s.status(now_ms) == SessionStatus::Active)
        };
        let next = match &client.last_active_session_id {
            Some(id) if live(id) => Some(id.clone()),
            _ => client.session_ids.iter().rev().find(|id| live(id)).cloned(),
        };
        if let Some(client) = self.clients.get_mut(client_id) {
            client.last_active_session_id = next;
            client.updated_at = now_ms;
        }
    }

    pub fn session_info(&self, session_id: &str, now_ms: i64) -> Option<SessionInfo> {
        let s = self.sessions.get(session_id)?;
        Some(SessionInfo {
            id: s.id.clone(),
            client_id: s.client_id.clone(),
            user_id: s.user_id.clone(),
            status: s.status(now_ms),
            active_organization_id: s.active_org.clone(),
            created_at: s.created_at,
            expire_at: s.expire_at,
            last_active_token: s.last_active_token.clone(),
        })
    }

    /// Sessions in creation order.
    pub fn session_infos(&self, now_ms: i64) -> Vec<SessionInfo> {
        let mut infos: Vec<_> = self
            .sessions
            .keys()
            .filter_map(|id| self.session_info(id, now_ms))
            .collect();
        infos.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        infos
    }
}
