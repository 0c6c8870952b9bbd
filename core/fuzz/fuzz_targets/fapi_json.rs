//! Frontend API JSON: the first byte picks the body being parsed, the rest is the body. A
//! token response (`{"jwt": ...}`), a client (`GET /v1/client`, applied to the engine's
//! session state), or an error answer (`{"errors":[...],"clerk_trace_id":...}`, whose status
//! comes from the next two bytes).
#![no_main]

use std::time::Duration;

use clerk_core::SESSION_ENDING_CODES;
use clerk_core::fuzzing::{
    ClientState, Error, InvalidResponse, clear_client, client_response, error_response, token_response,
};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const NOW_MS: i64 = 1_767_225_600_000;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else { return };
    match mode % 3 {
        0 => token(body),
        1 => client(body),
        _ => {
            let Some((status, body)) = body.split_first_chunk::<2>() else { return };
            let status = 100 + u16::from_le_bytes(*status) % 900;
            let retry_after = (mode & 0x80 != 0).then(|| Duration::from_secs(u64::from(mode & 0x7f)));
            errors(status, body, retry_after);
        }
    }
});

fn token(body: &[u8]) {
    match token_response(body) {
        Ok(token) => {
            assert!(!token.jwt.is_empty());
            if let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) {
                assert_eq!(object.get("jwt").and_then(Value::as_str), Some(token.jwt.as_str()));
            }
        }
        Err(error) => {
            let typed = matches!(
                error,
                Error::InvalidResponse(
                    InvalidResponse::NotJson
                        | InvalidResponse::MissingJwt
                        | InvalidResponse::MalformedJwt
                        | InvalidResponse::MissingExpiry
                )
            );
            // These variants carry no data, so no error can echo the body (or a token in it).
            assert!(typed, "unexpected error {error:?}");
        }
    }
}

fn client(body: &[u8]) {
    let mut state = ClientState::new(8);
    match client_response(&mut state, body, NOW_MS) {
        Ok(outcome) => {
            if let Some(active) = &outcome.active_session_id {
                assert!(outcome.active_sessions.contains(active), "the active session must be an active one");
            } else {
                assert!(outcome.active_token_expires_at.is_none());
            }
            assert!(outcome.cached_tokens <= outcome.active_sessions.len().min(8));
            // The server sending the same client again changes nothing.
            let again = client_response(&mut state, body, NOW_MS).expect("parsed once, parses again");
            assert_eq!(again, outcome);
            let cleared = clear_client(&mut state, NOW_MS);
            assert_eq!((cleared.active_session_id, cleared.cached_tokens), (None, 0), "signed out keeps nothing");
        }
        Err(error) => assert_eq!(error, Error::InvalidResponse(InvalidResponse::NotJson)),
    }
}

fn errors(status: u16, body: &[u8], retry_after: Option<Duration>) {
    let api = error_response(status, body, retry_after).expect("every status in 100..=999 is accepted");
    assert_eq!((api.status, api.retry_after), (status, retry_after));
    let text = api.to_string();
    assert!(text.starts_with(&format!("API error {status}")), "{text}");
    for entry in &api.errors {
        assert!(text.contains(&entry.code), "{text} lacks {}", entry.code);
    }
    if let Some(trace) = &api.clerk_trace_id {
        assert!(text.contains(trace.as_str()));
    }
    assert_eq!(api.code(), api.errors.first().map(|e| e.code.as_str()));
    assert_eq!(api.is_transient(), matches!(status, 408 | 425 | 429) || status >= 500);
    let ends = api.errors.iter().any(|e| SESSION_ENDING_CODES.contains(&e.code.as_str()));
    assert_eq!(api.ends_session(), ends);
    let error = Error::Api(api.clone());
    assert_eq!((error.is_transient(), error.ends_session()), (api.is_transient(), ends));
    // Entries come whole or not at all: a body with an `errors` array gives all of them.
    if let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) {
        if let Some(sent) = object.get("errors").and_then(Value::as_array) {
            assert!(api.errors.is_empty() || api.errors.len() == sent.len());
        }
    }
}
