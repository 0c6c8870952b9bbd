//! The facades' cache peek: a `cached_token` in one C call with plain arguments.
//!
//! Through the generated bindings a `cachedToken` hit costs four JNA calls, each with JNA
//! `Structure`s for the call status and the buffers (10-16 KB allocated, some 25 µs on a JVM);
//! in Swift it lowers the options into a buffer and lifts the whole JWT (about 4 µs).
//! `clerkkit_peek_token` takes numbers and byte arrays and returns a number. The core decides
//! every time exactly as for `cached_token` (session still active, the server's clock, the
//! expiration buffer, `skip_cache`); the answer is a stamp naming the token, and the facade
//! copies a token across (`clerkkit_peeked_token`) only for a stamp it has not seen, reusing
//! what it built for the others. Stamps are never reused, so a stamp always names one token.
//!
//! Not part of the UniFFI surface: Kotlin calls it through JNA (`TokenPeek.kt`), Swift through
//! the declarations in `swift/Sources/ClerkKitPeek/include/ClerkKitPeek.h` (`TokenPeek.swift`).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use uniffi::{Handle, HandleAlloc};

use crate::session::Session;
use crate::types::GetTokenOptions;

/// The stamp of the cached token fresh for these options, or 0 when there is none (or the
/// arguments are unusable): the caller then asks `request_token`.
///
/// # Safety
/// `session` is a handle of a live `Session` on which the caller holds a reference (one it
/// cloned, e.g. through uniffi's `uniffiCloneHandle`). `template` and `organization_id` point
/// to `template_len` and `organization_id_len` readable bytes; a negative length means `None`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clerkkit_peek_token(
    session: u64,
    template: *const u8,
    template_len: i32,
    organization_id: *const u8,
    organization_id_len: i32,
    expiration_buffer: f64,
    skip_cache: i8,
) -> i64 {
    // A panic must not unwind into the JVM or Swift; the generated call reports it properly instead.
    catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the caller's guarantees, passed on.
        let (template, organization_id) = unsafe {
            (text(template, template_len)?, text(organization_id, organization_id_len)?)
        };
        let options = GetTokenOptions { template, expiration_buffer, skip_cache: skip_cache != 0, organization_id, deadline_seconds: None };
        // SAFETY: as documented above.
        let session = unsafe { borrow(session) }?;
        let token = session.core().cached_token(&options.into())?;
        Some(session.stamps().stamp(token.into()))
    }))
    .ok()
    .flatten()
    .unwrap_or(0)
}

/// Copies the token named by `stamp`: `exp` and `iat` into `times[0..2]`, the JWT's UTF-8 into
/// `jwt` if it has room. Returns the JWT's length in bytes (more than `capacity`: nothing was
/// copied, call again with that much room), or -1 when this session no longer remembers the
/// stamp.
///
/// # Safety
/// `session` as for [`clerkkit_peek_token`]; `jwt` points to `capacity` writable bytes (or is
/// null with `capacity` 0) and `times` to two writable `i64`s.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clerkkit_peeked_token(session: u64, stamp: i64, jwt: *mut u8, capacity: i32, times: *mut i64) -> i32 {
    catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: as documented above.
        let token = unsafe { borrow(session) }?.stamps().token(stamp)?;
        let len = i32::try_from(token.jwt.len()).ok()?;
        // SAFETY: the caller's guarantees; the JWT is copied only when it fits.
        unsafe {
            *times = token.expires_at;
            *times.add(1) = token.issued_at;
            if len <= capacity && !jwt.is_null() {
                std::ptr::copy_nonoverlapping(token.jwt.as_ptr(), jwt, token.jwt.len());
            }
        }
        Some(len)
    }))
    .ok()
    .flatten()
    .unwrap_or(-1)
}

/// A reference of its own on the session behind `handle`, for the length of the call.
///
/// # Safety
/// `handle` is a handle of a live `Session` that the caller keeps alive during the call.
unsafe fn borrow(handle: u64) -> Option<Arc<Session>> {
    // SAFETY: the caller's guarantee; the clone is consumed right away, so counts balance.
    unsafe {
        let handle = Handle::from_raw(handle)?;
        let own = <Session as HandleAlloc<crate::UniFfiTag>>::clone_handle(handle);
        Some(<Session as HandleAlloc<crate::UniFfiTag>>::consume_handle(own))
    }
}

/// `len` bytes at `bytes` as text; `Some(None)` for a negative length, `None` if not UTF-8.
///
/// # Safety
/// With a length of 0 or more, `bytes` points to that many readable bytes (or is null for 0).
unsafe fn text(bytes: *const u8, len: i32) -> Option<Option<String>> {
    let Ok(len) = usize::try_from(len) else {
        return Some(None);
    };
    if len == 0 {
        return Some(Some(String::new()));
    }
    // SAFETY: the caller's guarantee.
    let bytes = unsafe { std::slice::from_raw_parts(bytes, len) };
    std::str::from_utf8(bytes).ok().map(|s| Some(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_cross_as_none_empty_or_utf8() {
        let bytes = "org_1".as_bytes();
        // SAFETY: lengths match the buffers.
        unsafe {
            assert_eq!(text(std::ptr::null(), -1), Some(None));
            assert_eq!(text(std::ptr::null(), 0), Some(Some(String::new())));
            assert_eq!(text(bytes.as_ptr(), bytes.len() as i32), Some(Some("org_1".into())));
            assert_eq!(text([0xff_u8, 0xfe].as_ptr(), 2), None);
        }
    }
}
