//! What Swift and Kotlin can print of the bindings' values never shows a session token, device
//! token or secret key: the records and enums that carry one export these `Debug`/`Display`
//! implementations (`toString()` in Kotlin, `description`/`debugDescription` in Swift, checked in
//! their own suites).

use std::sync::{Arc, Mutex};

use clerk_emulator::{Emulator, EmulatorConfig, FaultRule, Route, StatusFault};
use clerkkit::{ClerkCore, ClerkError, DeviceTokenStore, GetTokenOptions};
use futures::executor::block_on;
use support::settings;

mod support;

#[derive(Default)]
struct Store(Mutex<Option<String>>);

impl DeviceTokenStore for Store {
    fn load(&self) -> Option<String> {
        self.0.lock().unwrap().clone()
    }
    fn save(&self, token: Option<String>) {
        *self.0.lock().unwrap() = token;
    }
}

fn assert_hidden(text: &str, secrets: &[&str]) {
    assert!(!text.contains("eyJ"), "a JWT in {text}");
    assert!(!text.contains("sk_test_"), "a secret key in {text}");
    for secret in secrets {
        assert!(!text.contains(secret), "a secret in {text}");
    }
}

#[test]
fn tokens_and_errors_are_shown_without_secrets() {
    let emu = Emulator::start_blocking(EmulatorConfig::default()).unwrap();
    let store = Arc::new(Store::default());
    let core = ClerkCore::new(settings(emu.url()), Some(store.clone()), None).unwrap();
    let session = block_on(core.sign_in_with_ticket(emu.create_sign_in_token("user_alice").token)).unwrap();
    let options = GetTokenOptions { template: None, expiration_buffer: 10.0, skip_cache: true, organization_id: None, deadline_seconds: None };
    let token = block_on(session.request_token(options.clone())).unwrap().unwrap();
    let device_token = store.load().expect("signed in");
    assert!(token.jwt.starts_with("eyJ") && device_token.starts_with("eyJ"), "the check below can see them");

    let mut texts = vec![format!("{token:?}"), format!("{token:#?}")];
    emu.inject(FaultRule::new(Route::SessionToken, StatusFault::new(401).code("session_revoked")));
    let revoked = block_on(session.request_token(options)).unwrap_err();
    assert!(matches!(revoked, ClerkError::Api { status: 401, .. }));
    texts.push(format!("{revoked} {revoked:?}"));
    let Err(bad_ticket) = block_on(core.sign_in_with_ticket(format!("{}x", token.jwt))) else {
        panic!("a tampered ticket signed in");
    };
    texts.push(format!("{bad_ticket} {bad_ticket:?}"));

    #[cfg(feature = "backend")]
    {
        let wrong_key = "sk_test_notTheEmulatorsKey0123".to_string();
        let client = clerkkit::BackendClient::new(wrong_key, Some(emu.url().to_string())).unwrap();
        let rejected = block_on(client.create_sign_in_token("user_alice".into())).unwrap_err();
        assert!(matches!(rejected, ClerkError::Api { status: 401, .. }), "{rejected:?}");
        texts.push(format!("{rejected} {rejected:?}"));
    }

    for text in &texts {
        assert_hidden(text, &[&token.jwt, &device_token]);
    }
}
