//! The instance's users and their organization memberships: the FAPI user object lists them as
//! the spec says, the Backend API refuses users the instance does not have, and the
//! configuration, the Rust API and the control API all register into the same directory.

mod common;

use clerk_emulator::{Emulator, EmulatorConfig, Membership, Organization, User};
use common::{Native, Reply, bapi, http_client, read};
use reqwest::Method;
use serde_json::{Value, json};

/// `user_ann`: admin of `org_acme` (registered per organization) and billing manager of
/// `org_beta` (registered per user, with its slug and name).
async fn instance() -> Emulator {
    let config = EmulatorConfig {
        users: vec![
            User::new("user_ann").membership(
                Membership::new("org_beta", "org:billing_manager")
                    .slug("beta")
                    .name("Beta Team"),
            ),
        ],
        organizations: vec![
            Organization::new("org_acme", "acme")
                .name("Acme Inc")
                .member("user_ann", "org:admin")
                .member("user_bo", "org:member"),
        ],
        ..EmulatorConfig::default()
    };
    Emulator::start(config).await.unwrap()
}

/// The user object of the session `sid` in a client.
fn user_of(client: &Value, sid: &str) -> Value {
    client["sessions"]
        .as_array()
        .and_then(|sessions| sessions.iter().find(|s| s["id"] == sid))
        .map(|s| s["user"].clone())
        .unwrap_or_else(|| panic!("no session {sid} in {client}"))
}

fn memberships(user: &Value) -> Vec<Value> {
    user["organization_memberships"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("no organization_memberships in {user}"))
}

/// (organization id, role) of each membership, in the order listed.
fn roles(user: &Value) -> Vec<(String, String)> {
    memberships(user)
        .iter()
        .map(|m| {
            let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
            (text(&m["organization"]["id"]), text(&m["role"]))
        })
        .collect()
}

fn created_session(reply: &Reply) -> String {
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["response"]["created_session_id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn control(emu: &Emulator, method: Method, path: &str, body: Option<Value>) -> Reply {
    let mut req = http_client().request(method, format!("{}/__emulator{path}", emu.url()));
    if let Some(body) = body {
        req = req.json(&body);
    }
    read(req.send().await.unwrap()).await
}

#[tokio::test]
async fn the_client_lists_the_users_memberships_as_the_fapi_spec_says() {
    let emu = instance().await;
    let mut native = Native::new(&emu);
    let signed_in = native
        .sign_in(&emu.create_sign_in_token("user_ann").token)
        .await;
    let sid = created_session(&signed_in);

    let client = native.get_client().await;
    let user = user_of(&client.body["response"], &sid);
    let listed = memberships(&user);
    assert_eq!(
        roles(&user),
        [
            ("org_acme".into(), "org:admin".into()),
            ("org_beta".into(), "org:billing_manager".into())
        ]
    );
    let acme = &listed[0];
    assert_eq!(acme["object"], "organization_membership");
    assert!(
        acme["id"].as_str().unwrap().starts_with("orgmem_"),
        "{acme}"
    );
    assert_eq!(
        (
            &acme["role_name"],
            &acme["permissions"],
            &acme["public_metadata"]
        ),
        (&json!("Admin"), &json!([]), &json!({}))
    );
    assert_eq!(listed[1]["role_name"], "Billing manager");
    for field in ["created_at", "updated_at"] {
        assert_eq!(acme[field], emu.now_ms(), "{field}");
    }
    assert_eq!(acme["public_user_data"]["user_id"], "user_ann");
    let org = &acme["organization"];
    assert_eq!(
        (&org["object"], &org["id"], &org["slug"], &org["name"]),
        (
            &json!("organization"),
            &json!("org_acme"),
            &json!("acme"),
            &json!("Acme Inc")
        )
    );
    assert_eq!(org["members_count"], 2);
    assert_eq!(
        (
            &org["has_image"],
            &org["max_allowed_memberships"],
            &org["admin_delete_enabled"]
        ),
        (&json!(false), &json!(0), &json!(true))
    );
    assert_eq!(
        (
            &listed[1]["organization"]["slug"],
            &listed[1]["organization"]["name"]
        ),
        (&json!("beta"), &json!("Beta Team"))
    );
    assert_eq!(listed[1]["organization"]["members_count"], 1);

    // Every FAPI answer that embeds the client shows the same user.
    assert_eq!(user_of(&signed_in.body["client"], &sid), user);
    let ended = native.end_session(&sid).await;
    assert_eq!(ended.body["response"]["user"], user);

    // A user of no organization lists none.
    let (mut other, sid) = Native::signed_in(&emu, "user_alone").await;
    let client = other.get_client().await;
    assert_eq!(
        memberships(&user_of(&client.body["response"], &sid)),
        Vec::<Value>::new()
    );
}

#[tokio::test]
async fn after_an_organization_sign_in_the_client_lists_every_membership_and_the_token_carries_o() {
    let emu = instance().await;
    let ticket = bapi(
        &emu,
        "/v1/sign_in_tokens",
        Some(emu.secret_key()),
        Some(json!({ "user_id": "user_ann", "org_id": "org_beta" })),
    )
    .await;
    assert_eq!(ticket.status, 200, "{}", ticket.body);
    let mut native = Native::new(&emu);
    let sid = created_session(&native.sign_in(ticket.body["token"].as_str().unwrap()).await);

    let client = native.get_client().await;
    let session = &client.body["response"]["sessions"][0];
    assert_eq!(session["last_active_organization_id"], "org_beta");
    let claims = emu
        .decode_jwt(session["last_active_token"]["jwt"].as_str().unwrap())
        .unwrap()
        .claims;
    assert_eq!(
        claims["o"],
        json!({ "id": "org_beta", "rol": "billing_manager", "slg": "beta" })
    );
    assert_eq!(
        roles(&user_of(&client.body["response"], &sid)),
        [
            ("org_acme".into(), "org:admin".into()),
            ("org_beta".into(), "org:billing_manager".into())
        ],
        "the active organization does not narrow the list"
    );

    // Switching to the other organization keeps the list as it is.
    native
        .session_token(&sid, &[("organization_id", "org_acme")])
        .await;
    let client = native.get_client().await;
    let session = &client.body["response"]["sessions"][0];
    assert_eq!(session["last_active_organization_id"], "org_acme");
    assert_eq!(memberships(&session["user"]).len(), 2);
}

#[tokio::test]
async fn the_backend_api_refuses_a_user_the_instance_does_not_have() {
    let emu = instance().await;
    let sk = Some(emu.secret_key());
    for body in [
        json!({ "user_id": "user_nobody" }),
        json!({ "user_id": "user_nobody", "org_id": "org_acme" }),
    ] {
        let reply = bapi(&emu, "/v1/sign_in_tokens", sk, Some(body.clone())).await;
        assert_eq!(
            (reply.status.as_u16(), reply.error_code()),
            (404, "resource_not_found"),
            "{body}: {}",
            reply.body
        );
        let error = &reply.body["errors"][0];
        assert_eq!(error["message"], "not found");
        assert!(
            error["long_message"]
                .as_str()
                .unwrap()
                .contains("user_nobody")
        );
        assert!(error["meta"].is_object() && reply.body["clerk_trace_id"].is_string());
    }
    assert!(
        emu.user("user_nobody").is_none(),
        "a refusal registers no one"
    );

    // Configured users and the members of configured organizations are users (this
    // configuration replaces the default users).
    for user in ["user_ann", "user_bo"] {
        let reply = bapi(
            &emu,
            "/v1/sign_in_tokens",
            sk,
            Some(json!({ "user_id": user })),
        )
        .await;
        assert_eq!(reply.status, 200, "{user}: {}", reply.body);
    }
    let default_user = json!({ "user_id": "user_alice" });
    assert_eq!(
        bapi(&emu, "/v1/sign_in_tokens", sk, Some(default_user))
            .await
            .status,
        404
    );
    // The app backend's own helpers register the user they name; the Backend API then knows it.
    emu.create_sign_in_token("user_from_helper");
    let reply = control(
        &emu,
        Method::POST,
        "/sign_in_tokens",
        Some(json!({ "user_id": "user_from_control" })),
    )
    .await;
    assert_eq!(reply.status, 200);
    for user in ["user_from_helper", "user_from_control"] {
        let reply = bapi(
            &emu,
            "/v1/sign_in_tokens",
            sk,
            Some(json!({ "user_id": user })),
        )
        .await;
        assert_eq!(reply.status, 200, "{user}");
    }
    let empty = control(
        &emu,
        Method::POST,
        "/sign_in_tokens",
        Some(json!({ "user_id": "" })),
    )
    .await;
    assert_eq!(
        (empty.status.as_u16(), empty.error_code()),
        (422, "form_param_missing")
    );

    // Reset keeps the configured users and forgets the others.
    emu.reset();
    assert!(emu.user("user_from_helper").is_none());
    let reply = bapi(
        &emu,
        "/v1/sign_in_tokens",
        sk,
        Some(json!({ "user_id": "user_from_helper" })),
    )
    .await;
    assert_eq!(reply.status, 404);
    assert!(emu.user("user_ann").is_some());
}

#[tokio::test]
async fn the_control_api_adds_users_and_their_memberships() {
    let emu = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let put = |body: Value| control(&emu, Method::PUT, "/users/user_kim", Some(body));
    let added = put(json!({
        "organization_memberships": [
            { "organization_id": "org_kim", "slug": "kims", "name": "Kim's", "role": "org:admin" },
            { "organization_id": "org_1", "role": "org:member" }
        ]
    }))
    .await;
    assert_eq!(added.status, 200, "{}", added.body);
    let expected = json!({
        "id": "user_kim",
        "organization_memberships": [
            { "organization_id": "org_1", "slug": "org-1", "name": "Organization 1", "role": "org:member" },
            { "organization_id": "org_kim", "slug": "kims", "name": "Kim's", "role": "org:admin" }
        ]
    });
    assert_eq!(
        added.body, expected,
        "an existing organization keeps its slug and name"
    );
    assert_eq!(
        control(&emu, Method::GET, "/users/user_kim", None)
            .await
            .body,
        expected
    );
    let listed = control(&emu, Method::GET, "/users", None).await.body;
    let ids: Vec<&str> = listed["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["id"].as_str())
        .collect();
    assert_eq!(ids, ["user_alice", "user_bob", "user_carol", "user_kim"]);
    let orgs = control(&emu, Method::GET, "/organizations", None)
        .await
        .body;
    assert_eq!(
        orgs["organizations"][0]["members"],
        json!({ "user_alice": "org:admin", "user_kim": "org:member" }),
        "registered per user, seen per organization"
    );

    // The memberships sign in, mint tokens and show in the client.
    let ticket = bapi(
        &emu,
        "/v1/sign_in_tokens",
        Some(emu.secret_key()),
        Some(json!({ "user_id": "user_kim", "org_id": "org_kim" })),
    )
    .await;
    let mut native = Native::new(&emu);
    let sid = created_session(&native.sign_in(ticket.body["token"].as_str().unwrap()).await);
    let token = native.session_token(&sid, &[]).await;
    assert_eq!(
        emu.decode_jwt(token.jwt()).unwrap().claims["o"],
        json!({ "id": "org_kim", "rol": "admin", "slg": "kims" })
    );
    let client = native.get_client().await;
    assert_eq!(roles(&user_of(&client.body["response"], &sid)).len(), 2);

    // PUT replaces the memberships: the user leaves org_1, and its role in org_kim changes.
    let replaced = put(json!({
        "organization_memberships": [{ "organization_id": "org_kim", "role": "org:member" }]
    }))
    .await;
    assert_eq!(
        replaced.body["organization_memberships"],
        json!([{ "organization_id": "org_kim", "slug": "kims", "name": "Kim's", "role": "org:member" }])
    );
    let left = native
        .session_token(&sid, &[("organization_id", "org_1")])
        .await;
    assert_eq!(
        (left.status.as_u16(), left.error_code()),
        (403, "not_a_member_in_organization")
    );
    assert_eq!(
        put(json!({})).await.body["organization_memberships"],
        json!([])
    );

    // Refusals: a membership without an organization or role, an unknown field, no user.
    for body in [
        json!({ "organization_memberships": [{ "organization_id": "", "role": "org:admin" }] }),
        json!({ "organization_memberships": [{ "organization_id": "org_x", "role": "" }] }),
    ] {
        let reply = put(body).await;
        assert_eq!(
            (reply.status.as_u16(), reply.error_code()),
            (422, "form_param_value_invalid")
        );
    }
    for typo in [
        json!({ "organisation_memberships": [] }),
        json!({ "organization_memberships": [{ "organization_id": "org_x", "role": "org:admin", "nmae": "X" }] }),
    ] {
        let reply = put(typo).await;
        assert_eq!(
            (reply.status.as_u16(), reply.error_code()),
            (400, "request_body_invalid")
        );
    }
    let missing = control(&emu, Method::GET, "/users/user_nobody", None).await;
    assert_eq!(
        (missing.status.as_u16(), missing.error_code()),
        (404, "resource_not_found")
    );
}

#[tokio::test]
async fn memberships_set_per_user_or_per_organization_are_one_table() {
    let emu = Emulator::start(EmulatorConfig::default()).await.unwrap();
    emu.set_user(
        User::new("user_lee").membership(Membership::new("org_lee", "org:admin").name("Lee & Co")),
    );
    assert_eq!(
        emu.organizations()
            .into_iter()
            .find(|o| o.id == "org_lee")
            .map(|o| (o.slug, o.name, o.members)),
        Some((
            "org_lee".to_string(),
            "Lee & Co".to_string(),
            [("user_lee".to_string(), "org:admin".to_string())].into()
        ))
    );
    emu.set_organization(Organization::new("org_lee", "lee").member("user_max", "org:member"));
    assert_eq!(
        emu.user("user_lee").unwrap().organization_memberships,
        vec![]
    );
    assert_eq!(
        emu.user("user_max").unwrap().organization_memberships,
        vec![
            Membership::new("org_lee", "org:member")
                .slug("lee")
                .name("lee")
        ]
    );
    assert!(emu.remove_organization("org_lee").is_some());
    assert_eq!(
        emu.user("user_max").unwrap().organization_memberships,
        vec![]
    );
    assert!(emu.users().iter().any(|u| u.id == "user_lee"), "users stay");
}
