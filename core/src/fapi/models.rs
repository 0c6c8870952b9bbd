//! The parts of the Frontend API's JSON the engine reads (spec: `Client.Client`,
//! `Client.Session`, `Client.SignIn`, `Token`, `ClerkErrors`). Unknown fields are ignored so
//! additive server changes never break parsing.

use serde::Deserialize;

use crate::error::{Error, InvalidResponse};
use crate::http::parse_json;

/// `GET /v1/client`: the client, or `None` when the device has none yet.
pub(crate) fn client_response(body: &[u8]) -> Result<Option<ClientWire>, Error> {
    Ok(parse_json::<Wrapped<ClientWire>>(body)?.response)
}

/// `POST …/tokens[/{template}]`: the raw JWT, which must be there and non-empty.
pub(crate) fn token_response(body: &[u8]) -> Result<String, Error> {
    let token: TokenWire = parse_json(body)?;
    token.jwt.filter(|jwt| !jwt.is_empty()).ok_or(Error::InvalidResponse(InvalidResponse::MissingJwt))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_a_client_redacts_its_tokens() {
        let body = br#"{"response":{"sessions":[{"id":"sess_1","status":"active",
            "last_active_token":{"jwt":"eyJhbGciOiJub25lIn0.eyJleHAiOjF9.c2ln"}}]}}"#;
        let client = client_response(body).unwrap().unwrap();
        let text = format!("{client:?}");
        assert!(text.contains("sess_1") && text.contains("<redacted>"), "{text}");
        assert!(!text.contains("eyJ"), "{text}");
    }

    #[test]
    fn token_response_needs_a_non_empty_jwt() {
        assert_eq!(token_response(br#"{"jwt":"a.b.c"}"#), Ok("a.b.c".to_string()));
        for body in [&br#"{"jwt":""}"#[..], br#"{"object":"token"}"#, br#"{"jwt":null}"#] {
            assert_eq!(token_response(body), Err(Error::InvalidResponse(InvalidResponse::MissingJwt)));
        }
        assert_eq!(token_response(b"<html>"), Err(Error::InvalidResponse(InvalidResponse::NotJson)));
    }
}
