//! The server-side Backend API client as the bindings export it (feature `backend`, which the
//! apps' libraries leave out): what a JVM host calls.

mod support;

use clerk_emulator::{DEFAULT_SECRET_KEY, Emulator, EmulatorConfig};
use clerkkit::{BackendClient, ClerkCore, ClerkError};
use futures::executor::block_on;
use support::settings;

#[test]
fn a_server_signs_a_user_in_and_mints_their_session_and_template_tokens() {
    let emu = Emulator::start_blocking(EmulatorConfig::default()).unwrap();
    let backend = BackendClient::new(DEFAULT_SECRET_KEY.into(), Some(emu.url().into())).unwrap();
    let ticket = block_on(backend.create_sign_in_token("user_carol".into())).unwrap();
    let core = ClerkCore::new(settings(emu.url()), None, None).unwrap();
    let session = block_on(core.sign_in_with_ticket(ticket)).unwrap();
    assert_eq!(session.user_id().as_deref(), Some("user_carol"));

    let jwt = block_on(backend.session_token(session.id(), None, None)).unwrap();
    let claims = emu.decode_jwt(&jwt).unwrap().claims;
    assert_eq!((claims["sid"].as_str(), claims["sub"].as_str()), (Some(session.id().as_str()), Some("user_carol")));
    let template = block_on(backend.session_token(session.id(), Some("test".into()), Some(120))).unwrap();
    let claims = emu.decode_jwt(&template).unwrap().claims;
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 120);
}

#[test]
fn a_wrong_secret_key_is_the_servers_401_and_a_publishable_key_is_refused_up_front() {
    let emu = Emulator::start_blocking(EmulatorConfig::default()).unwrap();
    let wrong = BackendClient::new("sk_test_wrong".into(), Some(emu.url().into())).unwrap();
    let error = block_on(wrong.create_sign_in_token("user_carol".into())).unwrap_err();
    assert!(matches!(error, ClerkError::Api { status: 401, .. }), "{error:?}");
    assert!(!format!("{error:?} {error}").contains("sk_test_wrong"), "the key is never shown");
    assert!(matches!(
        BackendClient::new("pk_test_not_a_secret_key".into(), None),
        Err(ClerkError::Configuration { .. })
    ));
}
