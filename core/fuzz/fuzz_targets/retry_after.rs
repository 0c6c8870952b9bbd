//! `Retry-After`: whole seconds or an HTTP date, read against the server's clock. The first
//! eight bytes are that clock (Unix ms); the ninth picks how the rest is read: as the raw
//! header value, or as seconds since the epoch written here as an HTTP date.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use clerk_core::fuzzing::{ApiError, Error, retry_after_header};
use clerk_core::{RetryPolicy, parse_retry_after};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((now, rest)) = data.split_first_chunk::<8>() else { return };
    let Some((&mode, value)) = rest.split_first() else { return };
    let server_now_ms = i64::from_le_bytes(*now);
    if mode % 2 == 0 {
        raw(value, server_now_ms);
    } else {
        let Some((secs, _)) = value.split_first_chunk::<5>() else { return };
        let mut wide = [0u8; 8];
        wide[..5].copy_from_slice(secs);
        date(u64::from_le_bytes(wide) % 253_402_300_800, server_now_ms);
    }
});

fn raw(value: &[u8], server_now_ms: i64) {
    let parsed = retry_after_header(value, server_now_ms);
    let Ok(text) = std::str::from_utf8(value) else { return };
    if let Ok(secs) = text.trim().parse::<u64>() {
        if parsed.is_some() {
            assert_eq!(parsed, Some(Duration::from_secs(secs)));
        }
        assert_eq!(parse_retry_after(text, server_now_ms), Some(Duration::from_secs(secs)));
    }
    if parsed.is_some() {
        // What the header carried is what the text says.
        assert_eq!(parsed, parse_retry_after(text, server_now_ms));
    }
    check_policy(parse_retry_after(text, server_now_ms));
    // Later server time never means a longer wait.
    let later = parse_retry_after(text, server_now_ms.saturating_add(1_000));
    if let (Some(now), Some(later)) = (parse_retry_after(text, server_now_ms), later) {
        assert!(later <= now, "{text:?}: {later:?} > {now:?}");
    }
}

fn date(at_secs: u64, server_now_ms: i64) {
    let text = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(at_secs));
    let expected_ms = (at_secs as i64 * 1000).saturating_sub(server_now_ms).max(0) as u64;
    assert_eq!(parse_retry_after(&text, server_now_ms), Some(Duration::from_millis(expected_ms)), "{text}");
    assert_eq!(retry_after_header(text.as_bytes(), server_now_ms), Some(Duration::from_millis(expected_ms)));
    check_policy(Some(Duration::from_millis(expected_ms)));
}

/// The retry policy waits out what the server asked, never more than its bound.
fn check_policy(retry_after: Option<Duration>) {
    let policy = RetryPolicy::default();
    let error = Error::Api(ApiError { status: 429, errors: vec![], clerk_trace_id: None, retry_after });
    let delay = policy.delay_after(&error, 0, Duration::ZERO);
    match retry_after {
        Some(asked) if asked > policy.max_retry_after => assert_eq!(delay, None),
        Some(asked) => assert_eq!(delay, Some(asked)),
        None => assert!(delay.is_some_and(|d| d <= policy.max_delay)),
    }
}
