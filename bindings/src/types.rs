//! Plain values crossing the boundary.

use std::time::Duration;

/// Options of `getToken` / `fetchToken`. Defaults match the official SDKs.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct GetTokenOptions {
    #[uniffi(default)]
    pub template: Option<String>,
    /// Seconds; a cached token expiring within it is refreshed. Clamped to 0...60.
    #[uniffi(default = 10.0)]
    pub expiration_buffer: f64,
    #[uniffi(default = false)]
    pub skip_cache: bool,
    /// The organization the session token is for; `""` for the personal account, none for the
    /// session's active one. Not with `template`: template tokens are minted for the session's
    /// active organization, and asking for both is a configuration error.
    #[uniffi(default)]
    pub organization_id: Option<String>,
    /// Seconds this call may wait on the network, every attempt and retry wait included; none
    /// is the engine's (`ClerkSettings.call_deadline_seconds`, 10 by default).
    #[uniffi(default)]
    pub deadline_seconds: Option<f64>,
}

impl From<GetTokenOptions> for clerk_core::GetTokenOptions {
    fn from(options: GetTokenOptions) -> Self {
        let buffer = options.expiration_buffer;
        // NaN and negatives mean "no buffer"; the core clamps the upper end to 60 s.
        let seconds = if buffer > 0.0 { buffer.min(3600.0) } else { 0.0 };
        clerk_core::GetTokenOptions {
            template: options.template,
            expiration_buffer: Duration::from_secs_f64(seconds),
            skip_cache: options.skip_cache,
            organization_id: options.organization_id,
            deadline: options.deadline_seconds.map(duration_from_seconds),
        }
    }
}

/// Seconds as a duration: NaN and negatives are no time at all, and a day is the most.
pub(crate) fn duration_from_seconds(value: f64) -> Duration {
    Duration::from_secs_f64(if value > 0.0 { value.min(86_400.0) } else { 0.0 })
}

/// A session token or JWT template token. Its text in Swift and Kotlin (`description`,
/// `toString()`) is Rust's below, without the JWT: the generated classes would print it.
#[derive(Clone, PartialEq, uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct TokenResource {
    pub jwt: String,
    /// `exp`, Unix seconds.
    pub expires_at: i64,
    /// `iat`, Unix seconds.
    pub issued_at: i64,
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

impl std::fmt::Display for TokenResource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

impl From<clerk_core::TokenResource> for TokenResource {
    fn from(token: clerk_core::TokenResource) -> Self {
        Self { jwt: token.jwt, expires_at: token.expires_at, issued_at: token.issued_at }
    }
}

/// How to reach the Frontend API. Give a publishable key or an explicit Frontend API URL.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ClerkSettings {
    #[uniffi(default)]
    pub publishable_key: Option<String>,
    #[uniffi(default)]
    pub frontend_api_url: Option<String>,
    #[uniffi(default = 15.0)]
    pub request_timeout_seconds: f64,
    /// Sent as `x-clerk-sdk: {sdk_name}/{sdk_version()}`.
    #[uniffi(default = "clerk-kit")]
    pub sdk_name: String,
    /// Keep the active session's token fresh in the background (see `pause`/`resume`).
    #[uniffi(default = true)]
    pub auto_refresh: bool,
    /// Seconds a call may wait on the network, every attempt and retry wait included.
    #[uniffi(default = 10.0)]
    pub call_deadline_seconds: f64,
}
