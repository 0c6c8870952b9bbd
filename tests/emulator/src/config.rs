//! Start-up settings of an emulator instance.

use crate::clock::ClockMode;
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
        }
    }
}
