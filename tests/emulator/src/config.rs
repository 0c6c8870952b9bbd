//! Start-up settings of an emulator instance.

use serde::{Deserialize, Serialize};

use crate::clock::ClockMode;
use crate::directory::{Organization, User};
use crate::state::JwtTemplate;

pub const DEFAULT_SECRET_KEY: &str = "sk_test_emulator";

#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    pub clock: ClockMode,
    /// BAPI secret expected in `Authorization: Bearer ...`.
    pub secret_key: String,
    /// Initial server clock skew; see `Emulator::set_skew_ms`.
    pub skew_ms: i64,
    /// Lifetime of session tokens (`exp - iat`), Clerk's 60 s by default.
    pub session_token_lifetime_secs: u64,
    /// How long a session stays active before it becomes `expired` (7 days by default).
    pub session_lifetime_secs: u64,
    /// JWT templates available at start and after `reset`.
    pub templates: Vec<JwtTemplate>,
    /// Users (with any memberships) at start and after `reset`.
    pub users: Vec<User>,
    /// Organizations and their members at start and after `reset`; members are users too.
    pub organizations: Vec<Organization>,
    /// The session token claims format: version 2, as Clerk issues today, unless a test needs
    /// version 1.
    pub session_token_version: SessionTokenVersion,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            port: 0,
            clock: ClockMode::default(),
            secret_key: DEFAULT_SECRET_KEY.to_string(),
            skew_ms: 0,
            session_token_lifetime_secs: 60,
            session_lifetime_secs: 7 * 24 * 3600,
            templates: JwtTemplate::defaults(),
            users: User::defaults(),
            organizations: Organization::defaults(),
            session_token_version: SessionTokenVersion::V2,
        }
    }
}

/// The format of session token claims. Version 2 (`v: 2`, `fva`, `sts`, the organization as
/// `o: {id, rol, slg}`) is what Clerk issues since April 2025; version 1 (`org_id`, `org_role`,
/// `org_slug`, `org_permissions`, no `v`) is deprecated. JSON: `1` or `2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum SessionTokenVersion {
    V1,
    #[default]
    V2,
}

impl TryFrom<u8> for SessionTokenVersion {
    type Error = String;

    fn try_from(version: u8) -> Result<Self, Self::Error> {
        match version {
            1 => Ok(SessionTokenVersion::V1),
            2 => Ok(SessionTokenVersion::V2),
            other => Err(format!(
                "session token version {other} does not exist; use 1 or 2"
            )),
        }
    }
}

impl From<SessionTokenVersion> for u8 {
    fn from(version: SessionTokenVersion) -> u8 {
        match version {
            SessionTokenVersion::V1 => 1,
            SessionTokenVersion::V2 => 2,
        }
    }
}
