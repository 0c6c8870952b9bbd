//! JWT decoding: whatever a server puts in a token's `jwt` field. The first byte picks how the
//! rest is read: as the token text itself, or as header and claims JSON (split at the first
//! NUL) that are base64url-encoded here, so that mutations reach the claims parser.
#![no_main]

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use clerk_core::fuzzing::{Error, InvalidResponse, MAX_TIME_SECS, decode_jwt};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let jwt = if mode % 2 == 0 {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        let (header, claims) = match rest.iter().position(|&b| b == 0) {
            Some(at) => (&rest[..at], &rest[at + 1..]),
            None => (&b"{}"[..], rest),
        };
        format!("{}.{}.c2ln", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(claims))
    };
    check(&jwt);
});

fn check(jwt: &str) {
    match decode_jwt(jwt) {
        Ok(token) => {
            assert_eq!(token.jwt, jwt);
            assert_eq!(jwt.split('.').count(), 3, "a JWT has three parts");
            // The claims as an independent reader sees them. It is stricter about fields the
            // engine skips (their UTF-8, numbers beyond f64), so it may decline to read them.
            let (object, claims) = claims(jwt).expect("an accepted token has base64url claims");
            assert!(object, "an accepted token has a JSON object as claims");
            if let Some(claims) = claims {
                assert_eq!(claims.get("exp").and_then(Value::as_i64), Some(token.expires_at));
                match claims.get("iat") {
                    None | Some(Value::Null) => assert_eq!(token.issued_at, 0),
                    Some(iat) => assert_eq!(iat.as_i64(), Some(token.issued_at)),
                }
            }
            for secs in [token.expires_at, token.issued_at] {
                assert!((0..=MAX_TIME_SECS).contains(&secs), "time out of range: {secs}");
            }
            // The cache's arithmetic on these times, at moments around them.
            let exp_ms = token.expires_at * 1000;
            for now in [0, token.issued_at * 1000, exp_ms - 1, exp_ms, exp_ms + 1, MAX_TIME_SECS * 1000] {
                assert_eq!(token.is_expired(now), token.remaining_ms(now) <= 0);
                assert_eq!(token.is_fresh(now, Duration::ZERO), !token.is_expired(now));
                if token.is_fresh(now, Duration::from_secs(60)) {
                    assert!(token.is_fresh(now, Duration::from_secs(10)) && !token.is_expired(now));
                }
            }
        }
        Err(error) => {
            let typed =
                matches!(error, Error::InvalidResponse(InvalidResponse::MalformedJwt | InvalidResponse::MissingExpiry));
            // Both variants carry no data, so no error can echo the token.
            assert!(typed, "unexpected error {error:?}");
        }
    }
}

/// Whether the claims are a JSON object, and their fields when `serde_json::Value` can hold them.
fn claims(jwt: &str) -> Option<(bool, Option<serde_json::Map<String, Value>>)> {
    let part = jwt.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).or_else(|_| URL_SAFE.decode(part)).ok()?;
    let object = bytes.trim_ascii_start().starts_with(b"{");
    Some((object, serde_json::from_slice(&bytes).ok()))
}
