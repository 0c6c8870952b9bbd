//! The Kotlin facade's peek (`clerkkit_peek_token`, called through JNA by symbol) answers
//! exactly as `Session::cached_token` does, for every kind of option.

use std::sync::Arc;

use clerk_core::{ManualClock, SleepMode};
use clerk_emulator::{Emulator, EmulatorConfig};
use clerkkit::{
    ClerkCore, GetTokenOptions, Session, TokenResource, UniFfiTag, clerkkit_peek_token, clerkkit_peeked_token,
};
use futures::executor::block_on;
use support::settings;
use uniffi::{HandleAlloc, Lower};

mod support;

/// A session handle as the Kotlin facade holds one: a reference of its own on the session.
struct Handle(u64);

impl Handle {
    fn new(session: &Arc<Session>) -> Handle {
        Handle(<Arc<Session> as Lower<UniFfiTag>>::lower(session.clone()).as_raw())
    }

    /// What the facade does on a peek: the stamp, then the token it names.
    fn peek(&self, options: &GetTokenOptions) -> Option<TokenResource> {
        let (template, template_len) = text(options.template.as_deref());
        let (organization_id, organization_id_len) = text(options.organization_id.as_deref());
        let skip_cache = i8::from(options.skip_cache);
        // SAFETY: a live handle and buffers of the given lengths.
        let stamp = unsafe {
            clerkkit_peek_token(self.0, template, template_len, organization_id, organization_id_len, options.expiration_buffer, skip_cache)
        };
        if stamp == 0 {
            return None;
        }
        let mut times = [0_i64; 2];
        // SAFETY: as above; no room first, then exactly the length asked for.
        let len = unsafe { clerkkit_peeked_token(self.0, stamp, std::ptr::null_mut(), 0, times.as_mut_ptr()) };
        let mut jwt = vec![0_u8; usize::try_from(len).expect("a remembered stamp")];
        let copied = unsafe { clerkkit_peeked_token(self.0, stamp, jwt.as_mut_ptr(), len, times.as_mut_ptr()) };
        assert_eq!(copied, len);
        Some(TokenResource { jwt: String::from_utf8(jwt).unwrap(), expires_at: times[0], issued_at: times[1] })
    }

    fn stamp(&self, options: &GetTokenOptions) -> i64 {
        let (template, template_len) = text(options.template.as_deref());
        // SAFETY: a live handle and a buffer of the given length.
        unsafe { clerkkit_peek_token(self.0, template, template_len, std::ptr::null(), -1, options.expiration_buffer, 0) }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the reference taken in `new`, given back once.
        drop(unsafe { <Session as HandleAlloc<UniFfiTag>>::consume_handle(uniffi::Handle::from_raw_unchecked(self.0)) });
    }
}

fn text(value: Option<&str>) -> (*const u8, i32) {
    value.map_or((std::ptr::null(), -1), |s| (s.as_ptr(), s.len() as i32))
}

fn options(buffer: f64) -> GetTokenOptions {
    GetTokenOptions { template: None, expiration_buffer: buffer, skip_cache: false, organization_id: None, deadline_seconds: None }
}

fn signed_in() -> (Emulator, Arc<ManualClock>, Arc<ClerkCore>, Arc<Session>) {
    let emu = Emulator::start_blocking(EmulatorConfig::default()).unwrap();
    let clock = Arc::new(ManualClock::with_sleep_mode(clerk_emulator::DEFAULT_START_MS, SleepMode::Instant));
    let core = ClerkCore::with_clock(settings(emu.url()), None, clock.clone()).unwrap();
    let session = block_on(core.sign_in_with_ticket(emu.create_sign_in_token("user_alice").token)).unwrap();
    (emu, clock, core, session)
}

#[test]
fn the_peek_serves_what_cached_token_serves() {
    let (_emu, clock, _core, session) = signed_in();
    let handle = Handle::new(&session);
    let template = GetTokenOptions { template: Some("test".into()), ..options(10.0) };
    let organization = GetTokenOptions { organization_id: Some("org_1".into()), ..options(10.0) };
    block_on(session.request_token(template.clone())).unwrap().expect("a template token");
    block_on(session.request_token(organization.clone())).unwrap().expect("an organization token");

    let mut cases = vec![
        template.clone(),
        organization.clone(),
        GetTokenOptions { skip_cache: true, ..options(10.0) },
        GetTokenOptions { template: Some("unknown".into()), ..options(10.0) },
        GetTokenOptions { organization_id: Some(String::new()), ..options(10.0) },
    ];
    cases.extend([0.0, 10.0, 29.0, 31.0, 59.0, 60.0, 600.0, -5.0, f64::NAN, f64::INFINITY].map(options));
    // The session token is fresh at first, then with about 30 s left (the 60 s clamp, NaN
    // and negative buffers included), then expired.
    let mut hits = Vec::new();
    for step_ms in [0, 29_000, 40_000] {
        clock.advance(std::time::Duration::from_millis(step_ms as u64));
        let mut hit = 0;
        for case in &cases {
            let expected = session.cached_token(case.clone());
            hit += usize::from(expected.is_some());
            assert_eq!(handle.peek(case), expected, "{case:?} at +{step_ms} ms");
        }
        hits.push(hit);
    }
    assert!(hits[0] > hits[1] && hits[1] > hits[2], "fewer hits as time passes: {hits:?}");
    assert!(handle.peek(&options(0.0)).is_none(), "the session token expired");
}

#[test]
fn an_unchanged_token_keeps_its_stamp_and_a_new_one_gets_another() {
    let (_emu, _clock, _core, session) = signed_in();
    let handle = Handle::new(&session);
    let first = handle.stamp(&options(10.0));
    assert!(first > 0);
    assert_eq!(handle.stamp(&options(10.0)), first);
    let refreshed = block_on(session.request_token(GetTokenOptions { skip_cache: true, ..options(10.0) })).unwrap().unwrap();
    let second = handle.stamp(&options(10.0));
    assert!(second > first);
    assert_eq!(handle.peek(&options(10.0)), Some(refreshed));
}

#[test]
fn after_sign_out_or_on_bad_input_the_peek_misses() {
    let (_emu, _clock, core, session) = signed_in();
    let handle = Handle::new(&session);
    assert!(handle.peek(&options(10.0)).is_some());
    let not_utf8 = [0xff_u8, 0xfe];
    // SAFETY: a live handle and a buffer of the given length.
    let stamp = unsafe { clerkkit_peek_token(handle.0, not_utf8.as_ptr(), 2, std::ptr::null(), -1, 10.0, 0) };
    assert_eq!(stamp, 0);
    let mut times = [0_i64; 2];
    // SAFETY: as above; the stamp was never handed out.
    assert_eq!(unsafe { clerkkit_peeked_token(handle.0, i64::MAX, std::ptr::null_mut(), 0, times.as_mut_ptr()) }, -1);

    block_on(core.sign_out()).unwrap();
    assert_eq!(handle.peek(&options(10.0)), None);
    assert_eq!(session.cached_token(options(10.0)), None);
}
