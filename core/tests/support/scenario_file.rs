//! The one schema of the shared scenario files (`tests/scenarios/`, see its README): every key
//! typed, unknown keys and wrong types refused, exactly one action per step, and `expect` only
//! where the action has something to check. `every_scenario_file_follows_the_schema` reads every
//! file with it, so a misspelt key cannot quietly switch a check off in any runner.

use std::collections::BTreeMap;
use std::path::Path;

use clerk_emulator::{FaultRule, Route};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub name: String,
    #[serde(default)]
    pub server: Server,
    #[serde(default)]
    pub device: Device,
    pub steps: Vec<Step>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Server {
    pub skew_ms: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Device {
    pub request_timeout_ms: Option<u64>,
    #[serde(default)]
    pub auto_refresh: bool,
}

#[derive(Debug, Deserialize)]
#[serde(try_from = "RawStep")]
pub struct Step {
    pub action: Action,
    pub expect: Expect,
}

#[derive(Debug)]
pub enum Action {
    SignIn(String),
    AdvanceSecs(f64),
    Fault(FaultRule),
    RevokeSession,
    SignOut,
    Load,
    GetToken(Options),
    GetTokenConcurrently { callers: u32, options: Options },
    ExpectRequests(BTreeMap<Route, u64>),
    /// The platform's monitor reports the network gone (`false`) or back (`true`).
    Network(bool),
    /// This many state changes, 0.1 s apart.
    FlapNetwork(u32),
    /// The next this-many attempts find no network in the transport.
    TransportOffline(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkState {
    Online,
    Offline,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    pub template: Option<String>,
    pub expiration_buffer: Option<f64>,
    #[serde(default)]
    pub skip_cache: bool,
    pub organization_id: Option<String>,
    pub deadline_secs: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub token: Option<bool>,
    pub error: Option<ExpectedError>,
    pub label: Option<String>,
    pub same_as: Option<String>,
    pub differs_from: Option<String>,
    pub min_remaining_secs: Option<f64>,
    pub lifetime_secs: Option<i64>,
    pub session_active: Option<bool>,
    pub slept_secs: Option<Vec<f64>>,
    pub requests: Option<BTreeMap<Route, u64>>,
    /// `load` only.
    pub signed_in: Option<bool>,
    /// Whether the device token store holds a token after the step (any action).
    pub device_token_stored: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedError {
    pub kind: ErrorKind,
    pub status: Option<u16>,
    pub code: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    Api,
    Network,
    Timeout,
    Offline,
    InvalidResponse,
    Configuration,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    sign_in: Option<String>,
    advance_secs: Option<f64>,
    fault: Option<FaultRule>,
    revoke_session: Option<bool>,
    sign_out: Option<bool>,
    load: Option<bool>,
    get_token: Option<Options>,
    get_token_concurrently: Option<Concurrently>,
    expect_requests: Option<BTreeMap<Route, u64>>,
    network: Option<NetworkState>,
    flap_network: Option<u32>,
    transport_offline: Option<u32>,
    expect: Option<Expect>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Concurrently {
    callers: u32,
    #[serde(default)]
    options: Options,
}

/// `true` is the only value a flag action takes: `"sign_out": false` would read as "do not",
/// yet every runner would sign out.
fn flag(name: &str, value: bool) -> Result<(), String> {
    if value { Ok(()) } else { Err(format!("{name} takes true, not false")) }
}

impl TryFrom<RawStep> for Step {
    type Error = String;

    fn try_from(raw: RawStep) -> Result<Self, String> {
        let mut actions = Vec::new();
        if let Some(user) = raw.sign_in {
            actions.push(Action::SignIn(user));
        }
        if let Some(secs) = raw.advance_secs {
            if !(secs.is_finite() && secs >= 0.0) {
                return Err(format!("advance_secs takes seconds from 0, not {secs}"));
            }
            actions.push(Action::AdvanceSecs(secs));
        }
        if let Some(rule) = raw.fault {
            actions.push(Action::Fault(rule));
        }
        if let Some(value) = raw.revoke_session {
            flag("revoke_session", value)?;
            actions.push(Action::RevokeSession);
        }
        if let Some(value) = raw.sign_out {
            flag("sign_out", value)?;
            actions.push(Action::SignOut);
        }
        if let Some(value) = raw.load {
            flag("load", value)?;
            actions.push(Action::Load);
        }
        if let Some(options) = raw.get_token {
            actions.push(Action::GetToken(options));
        }
        if let Some(Concurrently { callers, options }) = raw.get_token_concurrently {
            if callers == 0 {
                return Err("get_token_concurrently needs at least one caller".into());
            }
            actions.push(Action::GetTokenConcurrently { callers, options });
        }
        if let Some(counts) = raw.expect_requests {
            actions.push(Action::ExpectRequests(counts));
        }
        if let Some(state) = raw.network {
            actions.push(Action::Network(state == NetworkState::Online));
        }
        if let Some(changes) = raw.flap_network {
            if changes == 0 {
                return Err("flap_network needs at least one change".into());
            }
            actions.push(Action::FlapNetwork(changes));
        }
        if let Some(attempts) = raw.transport_offline {
            if attempts == 0 {
                return Err("transport_offline needs at least one attempt".into());
            }
            actions.push(Action::TransportOffline(attempts));
        }
        let action = match actions.len() {
            1 => actions.remove(0),
            0 => return Err("a step needs an action".into()),
            n => return Err(format!("a step takes exactly one action, this one has {n}")),
        };
        if let Action::GetToken(options) | Action::GetTokenConcurrently { options, .. } = &action {
            if let Some(secs) = options.deadline_secs {
                if !(secs.is_finite() && secs > 0.0) {
                    return Err(format!("deadline_secs takes seconds above 0, not {secs}"));
                }
            }
        }
        let expect = raw.expect.unwrap_or_default();
        let calls = matches!(action, Action::GetToken(_) | Action::GetTokenConcurrently { .. });
        let call_keys = expect.token.is_some()
            || expect.error.is_some()
            || expect.label.is_some()
            || expect.same_as.is_some()
            || expect.differs_from.is_some()
            || expect.min_remaining_secs.is_some()
            || expect.lifetime_secs.is_some()
            || expect.session_active.is_some()
            || expect.slept_secs.is_some()
            || expect.requests.is_some();
        if call_keys && !calls {
            return Err("only get_token and get_token_concurrently expect a call's result".into());
        }
        if expect.signed_in.is_some() && !matches!(action, Action::Load) {
            return Err("signed_in is expected of load only".into());
        }
        if let Some(error) = &expect.error {
            if error.kind != ErrorKind::Api && (error.status.is_some() || error.code.is_some()) {
                return Err("status and code belong to api errors".into());
            }
        }
        Ok(Step { action, expect })
    }
}

impl ScenarioFile {
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}
