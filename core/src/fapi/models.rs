//! The parts of the Frontend API's JSON the engine reads (spec: `Client.Client`,
//! `Client.Session`, `Client.SignIn`, `Token`, `ClerkErrors`). Unknown fields are ignored so
//! additive server changes never break parsing.

use serde::Deserialize;

/// Most client-scoped endpoints answer `{"response": <object>, "client": <client>}`.
#[derive(Debug, Deserialize)]
pub(crate) struct Wrapped<T> {
    pub response: Option<T>,
    #[serde(default)]
    pub client: Option<ClientWire>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ClientWire {
    #[serde(default)]
    pub sessions: Vec<SessionWire>,
    #[serde(default)]
    pub last_active_session_id: Option<String>,
}

#[derive(Clone, Deserialize)]
pub(crate) struct SessionWire {
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub last_active_token: Option<TokenWire>,
    #[serde(default)]
    pub user: Option<UserWire>,
}

impl std::fmt::Debug for SessionWire {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionWire")
            .field("id", &self.id)
            .field("status", &self.status)
            .field("last_active_token", &self.last_active_token.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Deserialize)]
pub(crate) struct TokenWire {
    #[serde(default)]
    pub jwt: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct UserWire {
    pub id: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SignInWire {
    pub status: String,
    #[serde(default)]
    pub created_session_id: Option<String>,
}
