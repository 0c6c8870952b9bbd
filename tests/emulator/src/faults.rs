//! Route names and the per-test fault queue.

use std::collections::VecDeque;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The emulated endpoints, as named in fault rules, counters and the request log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// `GET /v1/client`
    Client,
    /// `POST /v1/client/sign_ins`
    SignIn,
    /// `POST /v1/client/sessions/{session_id}/tokens`
    SessionToken,
    /// `POST /v1/client/sessions/{session_id}/tokens/{template_name}`
    TemplateToken,
    /// `POST /v1/client/sessions/{session_id}/end`
    EndSession,
    /// `GET /.well-known/jwks.json`
    Jwks,
    /// `POST /v1/sign_in_tokens` (BAPI)
    BapiSignInToken,
    /// `POST /v1/sessions/{session_id}/tokens` (BAPI)
    BapiSessionToken,
    /// `POST /v1/sessions/{session_id}/tokens/{template_name}` (BAPI)
    BapiTemplateToken,
    /// `GET /v1/jwks` (BAPI)
    BapiJwks,
    /// Matches every route above: in a fault rule it applies to the next request of any kind,
    /// and its count is the total.
    Any,
}

impl Route {
    pub const ALL: [Route; 10] = [
        Route::Client,
        Route::SignIn,
        Route::SessionToken,
        Route::TemplateToken,
        Route::EndSession,
        Route::Jwks,
        Route::BapiSignInToken,
        Route::BapiSessionToken,
        Route::BapiTemplateToken,
        Route::BapiJwks,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Route::Client => "client",
            Route::SignIn => "sign_in",
            Route::SessionToken => "session_token",
            Route::TemplateToken => "template_token",
            Route::EndSession => "end_session",
            Route::Jwks => "jwks",
            Route::BapiSignInToken => "bapi_sign_in_token",
            Route::BapiSessionToken => "bapi_session_token",
            Route::BapiTemplateToken => "bapi_template_token",
            Route::BapiJwks => "bapi_jwks",
            Route::Any => "any",
        }
    }

    pub fn is_bapi(self) -> bool {
        matches!(
            self,
            Route::BapiSignInToken
                | Route::BapiSessionToken
                | Route::BapiTemplateToken
                | Route::BapiJwks
        )
    }

    /// Frontend API routes that must be called the native way (JWKS is public and exempt).
    pub fn requires_native(self) -> bool {
        matches!(
            self,
            Route::Client
                | Route::SignIn
                | Route::SessionToken
                | Route::TemplateToken
                | Route::EndSession
        )
    }

    /// Whether a rule for `self` applies to a request on `other`.
    pub fn matches(self, other: Route) -> bool {
        self == Route::Any || self == other
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Route {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Route::ALL
            .into_iter()
            .chain([Route::Any])
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown route `{s}`"))
    }
}

/// An error response with a ClerkErrors body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusFault {
    pub status: u16,
    /// Defaults to a code that fits the status (e.g. `too_many_requests` for 429).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<serde_json::Value>,
    /// Sent verbatim as the `Retry-After` header: seconds (`"2"`) or an HTTP date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<String>,
}

impl StatusFault {
    pub fn new(status: u16) -> Self {
        StatusFault {
            status,
            code: None,
            message: None,
            long_message: None,
            meta: None,
            retry_after: None,
        }
    }

    pub fn code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    pub fn long_message(mut self, long_message: impl Into<String>) -> Self {
        self.long_message = Some(long_message.into());
        self
    }

    pub fn meta(mut self, meta: serde_json::Value) -> Self {
        self.meta = Some(meta);
        self
    }

    pub fn retry_after(mut self, value: impl Into<String>) -> Self {
        self.retry_after = Some(value.into());
        self
    }
}

/// What goes wrong. Serialized with a `kind` tag, e.g. `{"kind":"status","status":503}`.
/// Unknown fields are errors, as everywhere in a rule: a misspelt one must not quietly turn a
/// fault into another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// Answer with this status and a ClerkErrors body.
    Status(StatusFault),
    /// Never answer, until `release_hangs` (then answer normally) or the emulator stops.
    Hang,
    /// Answer normally after a real delay. Meant for benchmarks, not for tests.
    DelayMs { ms: u64 },
    /// Close the TCP connection without any response.
    DropConnection,
    /// Send the normal headers with a Content-Length larger than the body sent, then close.
    TruncatedBody,
    /// Answer with exactly this status, content type and body text.
    RawBody {
        #[serde(default = "default_raw_status")]
        status: u16,
        #[serde(default = "default_raw_content_type")]
        content_type: String,
        body: String,
    },
    /// Any JWT minted for this request is replaced by a string that is not a JWT.
    MalformedJwt,
    /// Any JWT minted for this request lacks the `exp` claim.
    JwtWithoutExp,
    /// Any JWT minted for this request has already expired by the emulator clock.
    ExpiredJwt,
    /// 422 `missing_expired_token` unless the form has a non-empty `expired_token`.
    MissingExpiredToken,
    /// Answer normally but with an empty `Authorization` response header.
    ClearDeviceToken,
    /// Answer normally but issue a new device token; the previous one stops working.
    RotateDeviceToken,
}

fn default_raw_status() -> u16 {
    200
}

fn default_raw_content_type() -> String {
    "application/json".to_string()
}

impl Fault {
    pub fn status(status: u16) -> Self {
        Fault::Status(StatusFault::new(status))
    }

    pub fn raw_body(status: u16, content_type: impl Into<String>, body: impl Into<String>) -> Self {
        Fault::RawBody {
            status,
            content_type: content_type.into(),
            body: body.into(),
        }
    }

    /// The `kind` tag, as recorded in the request log.
    pub fn kind(&self) -> &'static str {
        match self {
            Fault::Status(_) => "status",
            Fault::Hang => "hang",
            Fault::DelayMs { .. } => "delay_ms",
            Fault::DropConnection => "drop_connection",
            Fault::TruncatedBody => "truncated_body",
            Fault::RawBody { .. } => "raw_body",
            Fault::MalformedJwt => "malformed_jwt",
            Fault::JwtWithoutExp => "jwt_without_exp",
            Fault::ExpiredJwt => "expired_jwt",
            Fault::MissingExpiredToken => "missing_expired_token",
            Fault::ClearDeviceToken => "clear_device_token",
            Fault::RotateDeviceToken => "rotate_device_token",
        }
    }
}

impl From<StatusFault> for Fault {
    fn from(s: StatusFault) -> Self {
        Fault::Status(s)
    }
}

/// One queued fault: applies to the next `times` requests on `route`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    pub route: Route,
    #[serde(default = "default_times")]
    pub times: u32,
    pub fault: Fault,
}

fn default_times() -> u32 {
    1
}

impl FaultRule {
    pub fn new(route: Route, fault: impl Into<Fault>) -> Self {
        FaultRule {
            route,
            times: 1,
            fault: fault.into(),
        }
    }

    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }
}

/// FIFO of rules; the first rule matching a route with uses left is consumed.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    rules: VecDeque<FaultRule>,
}

impl FaultQueue {
    pub fn push(&mut self, rule: FaultRule) {
        if rule.times > 0 {
            self.rules.push_back(rule);
        }
    }

    pub fn take(&mut self, route: Route) -> Option<Fault> {
        let idx = self.rules.iter().position(|r| r.route.matches(route))?;
        let rule = &mut self.rules[idx];
        rule.times -= 1;
        let fault = rule.fault.clone();
        if rule.times == 0 {
            self.rules.remove(idx);
        }
        Some(fault)
    }

    pub fn pending(&self) -> Vec<FaultRule> {
        self.rules.iter().cloned().collect()
    }

    pub fn clear(&mut self) {
        self.rules.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_matching_rule_is_consumed_in_order() {
        let mut q = FaultQueue::default();
        q.push(FaultRule::new(Route::SessionToken, Fault::status(500)).times(2));
        q.push(FaultRule::new(Route::Any, Fault::Hang));
        assert_eq!(q.take(Route::Client), Some(Fault::Hang));
        assert_eq!(q.take(Route::Client), None);
        assert_eq!(q.take(Route::SessionToken), Some(Fault::status(500)));
        assert_eq!(q.take(Route::SessionToken), Some(Fault::status(500)));
        assert_eq!(q.take(Route::SessionToken), None);
    }

    #[test]
    fn rule_json_format() {
        let rule: FaultRule = serde_json::from_str(
            r#"{"route":"session_token","times":3,"fault":{"kind":"status","status":429,"retry_after":"2"}}"#,
        )
        .unwrap();
        assert_eq!(
            rule,
            FaultRule::new(Route::SessionToken, StatusFault::new(429).retry_after("2")).times(3)
        );
        let rule: FaultRule =
            serde_json::from_str(r#"{"route":"any","fault":{"kind":"delay_ms","ms":5}}"#).unwrap();
        assert_eq!(rule, FaultRule::new(Route::Any, Fault::DelayMs { ms: 5 }));
        let raw: Fault = serde_json::from_str(r#"{"kind":"raw_body","body":"x"}"#).unwrap();
        assert_eq!(raw, Fault::raw_body(200, "application/json", "x"));
    }
}

#[cfg(test)]
mod strict_rules {
    use super::*;

    #[test]
    fn unknown_fields_in_a_rule_are_errors() {
        let parse = |text: &str| serde_json::from_str::<FaultRule>(text);
        let ok = r#"{"route":"session_token","times":2,"fault":{"kind":"status","status":503,"retry_after":"2"}}"#;
        assert_eq!(parse(ok).unwrap().fault, Fault::Status(StatusFault::new(503).retry_after("2")));
        assert!(parse(r#"{"route":"session_token","fault":{"kind":"hang"}}"#).is_ok());
        for bad in [
            r#"{"route":"session_token","time":2,"fault":{"kind":"hang"}}"#,
            r#"{"route":"session_token","fault":{"kind":"status","status":503,"retry_afer":"2"}}"#,
            r#"{"route":"session_token","fault":{"kind":"raw_body","body":"x","stauts":500}}"#,
            r#"{"route":"session_token","fault":{"kind":"delay_ms","ms":5,"extra":1}}"#,
            r#"{"route":"session_token","fault":{"kind":"status","status":"503"}}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
