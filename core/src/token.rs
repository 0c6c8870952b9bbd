//! What callers ask for (`GetTokenOptions`) and what they get (`TokenResource`).

use std::time::Duration;

use crate::error::Error;
use crate::jwt;

/// The longest `expiration_buffer` honoured; session tokens live 60 s.
pub const MAX_EXPIRATION_BUFFER: Duration = Duration::from_secs(60);
pub const DEFAULT_EXPIRATION_BUFFER: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GetTokenOptions {
    /// A JWT template name from the Clerk Dashboard; `None` for the session token.
    pub template: Option<String>,
    /// A cached token expiring within this buffer is refreshed (clamped to 0..=60 s).
    pub expiration_buffer: Duration,
    /// Fetch a token minted after this call began, whatever the cache holds.
    pub skip_cache: bool,
    /// The organization to mint the session token for (`""`: the personal account); `None`
    /// keeps the session's active one. Session tokens only: the Frontend API mints template
    /// tokens for the session's active organization, so asking for a template together with an
    /// organization is refused (`Error::Configuration`).
    pub organization_id: Option<String>,
    /// How long this call may wait on the network, every attempt and retry wait included;
    /// `None` is the engine's (`ClerkConfig::call_deadline`, 10 s by default). Past it the call
    /// fails with `Error::Timeout` (or is served a still-valid cached token), while the shared
    /// request goes on and its token lands in the cache for the next caller.
    pub deadline: Option<Duration>,
}

impl Default for GetTokenOptions {
    fn default() -> Self {
        Self {
            template: None,
            expiration_buffer: DEFAULT_EXPIRATION_BUFFER,
            skip_cache: false,
            organization_id: None,
            deadline: None,
        }
    }
}

impl GetTokenOptions {
    pub fn template(name: impl Into<String>) -> Self {
        Self { template: Some(name.into()), ..Self::default() }
    }

    pub(crate) fn buffer(&self) -> Duration {
        self.expiration_buffer.min(MAX_EXPIRATION_BUFFER)
    }
}

/// Where a token `Session::get_token_with_source` returned came from.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenSource {
    /// The cache held a token fresh for the caller's buffer.
    Cache,
    /// A request to the Frontend API, possibly shared with other callers.
    Network,
    /// The refresh failed for a transient reason (`0`), so the cached token, unexpired but
    /// inside the caller's buffer, was served instead (stale-if-error).
    CacheAfterFailedRefresh(Error),
}

/// A session token or JWT template token, with the times the cache judges it by.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenResource {
    pub jwt: String,
    /// `exp`, Unix seconds.
    pub expires_at: i64,
    /// `iat`, Unix seconds.
    pub issued_at: i64,
    pub(crate) oiat: Option<i64>,
}

impl TokenResource {
    pub(crate) fn from_jwt(jwt: String) -> Result<Self, Error> {
        let decoded = jwt::decode(&jwt)?;
        Ok(Self { jwt, expires_at: decoded.expires_at, issued_at: decoded.issued_at, oiat: decoded.oiat })
    }

    /// Milliseconds of life left at `server_now_ms` (negative once expired).
    pub fn remaining_ms(&self, server_now_ms: i64) -> i64 {
        self.expires_at * 1000 - server_now_ms
    }

    pub fn is_expired(&self, server_now_ms: i64) -> bool {
        self.remaining_ms(server_now_ms) <= 0
    }

    /// Usable without refreshing: more than `buffer` of life left.
    pub fn is_fresh(&self, server_now_ms: i64, buffer: Duration) -> bool {
        self.remaining_ms(server_now_ms) > buffer.as_millis() as i64
    }

    /// The store rule: unexpired beats expired, then the larger `oiat`, then the larger `iat`.
    pub(crate) fn is_fresher_than(&self, other: &TokenResource, server_now_ms: i64) -> bool {
        let rank = |t: &TokenResource| (!t.is_expired(server_now_ms), t.oiat.unwrap_or(i64::MIN), t.issued_at);
        rank(self) > rank(other)
    }
}

impl std::fmt::Debug for TokenResource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResource")
            .field("jwt", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("issued_at", &self.issued_at)
            .finish()
    }
}

/// Tokens are cached per session, template and organization.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CacheKey {
    pub session_id: String,
    pub template: Option<String>,
    pub organization_id: Option<String>,
}

impl CacheKey {
    pub fn new(session_id: &str, options: &GetTokenOptions) -> Self {
        Self {
            session_id: session_id.to_string(),
            template: options.template.clone(),
            organization_id: options.organization_id.clone(),
        }
    }

    /// The key the session's `last_active_token` belongs to.
    pub fn session_token(session_id: &str) -> Self {
        Self { session_id: session_id.to_string(), template: None, organization_id: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(exp: i64, iat: i64, oiat: Option<i64>) -> TokenResource {
        TokenResource { jwt: "x.y.z".into(), expires_at: exp, issued_at: iat, oiat }
    }

    #[test]
    fn store_rule_prefers_unexpired_then_oiat_then_iat() {
        let now = 1_000_000;
        let expired_newer = token(999, 990, Some(990));
        let valid_older = token(1_050, 900, Some(900));
        assert!(valid_older.is_fresher_than(&expired_newer, now));
        assert!(!expired_newer.is_fresher_than(&valid_older, now));
        assert!(token(1_060, 950, Some(960)).is_fresher_than(&token(1_070, 955, Some(950)), now));
        assert!(token(1_060, 951, Some(950)).is_fresher_than(&token(1_060, 950, Some(950)), now));
        assert!(!token(1_060, 950, Some(950)).is_fresher_than(&token(1_060, 950, Some(950)), now));
    }

    #[test]
    fn freshness_respects_buffer_and_clamp() {
        let t = token(1_060, 1_000, None);
        let now = 1_000_000;
        assert!(t.is_fresh(now, Duration::from_secs(59)));
        assert!(!t.is_fresh(now, Duration::from_secs(60)));
        let huge = GetTokenOptions { expiration_buffer: Duration::from_secs(600), ..Default::default() };
        assert_eq!(huge.buffer(), MAX_EXPIRATION_BUFFER);
    }

    #[test]
    fn debug_redacts_the_jwt() {
        let text = format!("{:?}", token(1, 1, None));
        assert!(!text.contains("x.y.z") && text.contains("<redacted>"));
    }
}
