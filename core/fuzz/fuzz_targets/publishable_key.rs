//! Publishable key parsing (`pk_test_`/`pk_live_` + base64 of `<host>$`). The first byte picks
//! how the rest is read: as the key itself, or as a host that is encoded into a key here (with
//! or without base64 padding), so that mutations reach the host check.
#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use clerk_core::fuzzing::Error;
use clerk_core::{ClerkConfig, frontend_api_host};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    if mode % 2 == 0 {
        key(&String::from_utf8_lossy(rest));
    } else {
        encoded_host(mode, rest);
    }
});

fn key(key: &str) {
    match frontend_api_host(key) {
        Ok(host) => {
            assert!(key.starts_with("pk_test_") || key.starts_with("pk_live_"));
            assert!(valid_host(host.as_bytes()), "accepted host {host:?}");
            let again = format!("pk_live_{}", STANDARD.encode(format!("{host}$")));
            assert_eq!(frontend_api_host(&again).as_deref(), Ok(host.as_str()), "round trip");
        }
        Err(error) => assert!(matches!(error, Error::Configuration { .. }), "{error:?}"),
    }
    match ClerkConfig::from_publishable_key(key) {
        Ok(config) => {
            assert!(frontend_api_host(key).is_ok());
            assert_eq!(config.frontend_api.scheme(), "https", "a key never yields plain http");
            assert!(config.frontend_api.host_str().is_some_and(|h| !h.is_empty()));
        }
        Err(error) => assert!(matches!(error, Error::Configuration { .. }), "{error:?}"),
    }
}

fn encoded_host(mode: u8, host: &[u8]) {
    let mut text = host.to_vec();
    text.push(b'$');
    let encoded = if mode & 2 == 0 { STANDARD.encode(&text) } else { STANDARD_NO_PAD.encode(&text) };
    let prefix = if mode & 4 == 0 { "pk_test_" } else { "pk_live_" };
    let result = frontend_api_host(&format!("{prefix}{encoded}"));
    if valid_host(host) {
        assert_eq!(result.unwrap().as_bytes(), host);
    } else {
        assert!(matches!(result, Err(Error::Configuration { .. })), "accepted {host:?}");
    }
    key(&format!("{prefix}{encoded}"));
}

/// The rule, restated: a non-empty run of ASCII letters, digits, `.`, `-` and `:`.
fn valid_host(host: &[u8]) -> bool {
    !host.is_empty() && host.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'))
}
