//! JSON shapes of FAPI objects (`Client`, `Session`, `SignIn`, `User` and its organization
//! memberships), following the `Client.Client-2`, `Client.Session-2`, `Client.SignIn-2`,
//! `Client.User`, `Client.OrganizationMembership` and `Client.Organization` schemas of the FAPI
//! spec.

use serde_json::{Value, json};

use crate::app::App;
use crate::directory::{Directory, MembershipView};
use crate::jwt::{JwtFault, SessionPart, TokenSpec, random_id};
use crate::state::{Model, SessionRec, SessionStatus};

/// Request details that end up in minted tokens.
#[derive(Clone, Copy)]
pub(crate) struct MintCtx<'a> {
    pub now_ms: i64,
    pub azp: &'a str,
    pub fault: Option<JwtFault>,
}

/// Mints a session token and remembers it as the session's `last_active_token`.
pub(crate) fn mint_session_token(
    app: &App,
    model: &mut Model,
    session_id: &str,
    ctx: MintCtx<'_>,
) -> Option<String> {
    let session = model.sessions.get(session_id)?;
    let jwt = app.signer.mint(&TokenSpec {
        now_ms: ctx.now_ms,
        lifetime_secs: app.config.session_token_lifetime_secs,
        issuer: &app.base_url,
        subject: &session.user_id,
        azp: ctx.azp,
        session: Some(session_part(app, model, session, ctx.now_ms)),
        extra_claims: None,
        fault: ctx.fault,
    });
    let session = model.sessions.get_mut(session_id)?;
    session.last_active_token = Some(jwt.clone());
    session.last_active_at = ctx.now_ms;
    session.updated_at = ctx.now_ms;
    Some(jwt)
}

/// The session's claims in the instance's current token version.
pub(crate) fn session_part<'s>(
    app: &App,
    model: &Model,
    session: &'s SessionRec,
    now_ms: i64,
) -> SessionPart<'s> {
    SessionPart {
        id: &session.id,
        version: app.session_token_version(),
        org: session
            .active_org
            .as_deref()
            .and_then(|org| model.directory.org_claims(org, &session.user_id)),
        first_factor_age_minutes: minutes_since(session.created_at, now_ms),
    }
}

/// Whole minutes from `since_ms` to `now_ms`, never negative.
fn minutes_since(since_ms: i64, now_ms: i64) -> i64 {
    now_ms.saturating_sub(since_ms).max(0) / 60_000
}

pub(crate) fn token_json(jwt: &str) -> Value {
    json!({ "object": "token", "jwt": jwt })
}

/// The user with every organization it belongs to, whichever organization is active.
pub(crate) fn user_json(directory: &Directory, user_id: &str, created_at: i64) -> Value {
    let memberships: Vec<Value> = directory
        .memberships_of(user_id)
        .iter()
        .map(|view| membership_json(view, user_id))
        .collect();
    json!({
        "id": user_id,
        "object": "user",
        "username": null,
        "first_name": null,
        "last_name": null,
        "image_url": "",
        "has_image": false,
        "primary_email_address_id": null,
        "primary_phone_number_id": null,
        "primary_web3_wallet_id": null,
        "password_enabled": false,
        "two_factor_enabled": false,
        "totp_enabled": false,
        "backup_code_enabled": false,
        "email_addresses": [],
        "phone_numbers": [],
        "web3_wallets": [],
        "passkeys": [],
        "organization_memberships": memberships,
        "external_accounts": [],
        "saml_accounts": [],
        "enterprise_accounts": [],
        "public_metadata": {},
        "private_metadata": {},
        "unsafe_metadata": {},
        "external_id": null,
        "last_sign_in_at": created_at,
        "banned": false,
        "locked": false,
        "lockout_expires_in_seconds": null,
        "verification_attempts_remaining": null,
        "created_at": created_at,
        "updated_at": created_at,
        "delete_self_enabled": true,
        "create_organization_enabled": true,
        "last_active_at": created_at,
        "mfa_enabled_at": null,
        "mfa_disabled_at": null,
        "legal_accepted_at": null,
    })
}

/// No permissions are emulated (tokens carry none either), so `permissions` is empty.
fn membership_json(view: &MembershipView<'_>, user_id: &str) -> Value {
    let (m, org) = (view.membership, view.organization);
    json!({
        "object": "organization_membership",
        "id": m.id,
        "public_metadata": {},
        "role": m.role,
        "role_name": role_name(&m.role),
        "permissions": [],
        "created_at": m.created_at,
        "updated_at": m.updated_at,
        "organization": {
            "object": "organization",
            "id": org.id,
            "name": org.name,
            "slug": org.slug,
            "image_url": "",
            "has_image": false,
            "members_count": view.members_count,
            "pending_invitations_count": 0,
            // 0: no limit on the number of members.
            "max_allowed_memberships": 0,
            "admin_delete_enabled": true,
            "public_metadata": {},
            "created_at": org.created_at,
            "updated_at": org.updated_at,
        },
        "public_user_data": public_user_data_json(user_id),
    })
}

/// The name Clerk's dashboard shows for a role key: `org:admin` → `Admin`,
/// `org:billing_manager` → `Billing manager`.
fn role_name(role: &str) -> String {
    let key = role.strip_prefix("org:").unwrap_or(role).replace('_', " ");
    let mut chars = key.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn public_user_data_json(user_id: &str) -> Value {
    json!({
        "first_name": null,
        "last_name": null,
        "image_url": "",
        "has_image": false,
        "identifier": format!("{user_id}@emulator.test"),
        "user_id": user_id,
        "username": null,
    })
}

/// A session as stored; `last_active_token` is only shown for active sessions.
pub(crate) fn session_json(model: &Model, session_id: &str, now_ms: i64) -> Value {
    let Some(s) = model.sessions.get(session_id) else {
        return Value::Null;
    };
    let status = s.status(now_ms);
    let token = match (&s.last_active_token, status) {
        (Some(jwt), SessionStatus::Active) => token_json(jwt),
        _ => Value::Null,
    };
    let user_created = model
        .directory
        .user_created_at(&s.user_id)
        .unwrap_or(s.created_at);
    let minutes_since_sign_in = minutes_since(s.created_at, now_ms);
    json!({
        "id": s.id,
        "object": "session",
        "status": status.as_str(),
        "expire_at": s.expire_at,
        "abandon_at": s.abandon_at,
        "last_active_at": s.last_active_at,
        "last_active_token": token,
        "last_active_organization_id": s.active_org,
        "actor": null,
        "tasks": null,
        "user": user_json(&model.directory, &s.user_id, user_created),
        "public_user_data": public_user_data_json(&s.user_id),
        // First factor age in minutes; -1 means no second factor was verified.
        "factor_verification_age": [minutes_since_sign_in, -1],
        "created_at": s.created_at,
        "updated_at": s.updated_at,
    })
}

/// The client with its active sessions, each carrying a freshly minted token as Clerk does.
pub(crate) fn client_json(
    app: &App,
    model: &mut Model,
    client_id: &str,
    ctx: MintCtx<'_>,
) -> Value {
    model.refresh_last_active(client_id, ctx.now_ms);
    let Some(client) = model.clients.get(client_id) else {
        return Value::Null;
    };
    let active: Vec<String> = client
        .session_ids
        .iter()
        .filter(|id| {
            model
                .sessions
                .get(*id)
                .is_some_and(|s| s.status(ctx.now_ms) == SessionStatus::Active)
        })
        .cloned()
        .collect();
    let (id, last_active, strategy, created_at, updated_at) = (
        client.id.clone(),
        client.last_active_session_id.clone(),
        client.last_authentication_strategy.clone(),
        client.created_at,
        client.updated_at,
    );
    for sid in &active {
        mint_session_token(app, model, sid, ctx);
    }
    let sessions: Vec<Value> = active
        .iter()
        .map(|sid| session_json(model, sid, ctx.now_ms))
        .collect();
    json!({
        "object": "client",
        "id": id,
        "sessions": sessions,
        "sign_in": null,
        "sign_up": null,
        "last_active_session_id": last_active,
        "last_authentication_strategy": strategy,
        "cookie_expires_at": null,
        "captcha_bypass": false,
        "created_at": created_at,
        "updated_at": updated_at,
    })
}

/// A completed ticket sign-in attempt.
pub(crate) fn completed_sign_in_json(session_id: &str, now_ms: i64) -> Value {
    json!({
        "object": "sign_in_attempt",
        "id": format!("sia_{}", random_id(27)),
        "status": "complete",
        "supported_identifiers": [],
        "supported_first_factors": [],
        "supported_second_factors": null,
        "first_factor_verification": {
            "object": "verification_ticket",
            "status": "verified",
            "strategy": "ticket",
            "attempts": null,
            "expire_at": null,
        },
        "second_factor_verification": null,
        "identifier": null,
        "user_data": null,
        "created_session_id": session_id,
        "abandon_at": now_ms.saturating_add(24 * 3600 * 1000),
        "client_trust_state": null,
    })
}
