//! Panics never unwind into Swift or Kotlin. Every exported call that returns a `Result`
//! reports a panic as `ClerkError::Internal`: the async ones through `runtime::run`, the sync
//! ones (`ClerkCore::new`, `BackendClient::new`) through [`catching`]. The sync reads of
//! engine state (`ClerkCore::session`, `Session::cached_token`) report a panic as `None`
//! through [`or_none`], so the facade's next call (`load`, `request_token`) reports the error.
//! What is left returns plain copies (`Session::id`, `user_id`, `is_active`, `ManualClock`'s
//! methods) and has nothing to panic on; were one to, uniffi's scaffolding catches it and
//! raises `InternalException` in Kotlin, while Swift, which calls them without `throws`,
//! would trap.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::error::ClerkError;

/// What callers get instead of a panic.
pub(crate) fn internal_error() -> ClerkError {
    ClerkError::Internal { detail: "panic in the Clerk core".into() }
}

/// Runs a sync exported read whose "nothing" is safe, turning a panic into `None`: the
/// facades then go on to an async call, which reports any error. Swift calls these reads
/// without `throws`, so a panic unwinding out of one would trap.
pub(crate) fn or_none<T>(read: impl FnOnce() -> Option<T>) -> Option<T> {
    catch_unwind(AssertUnwindSafe(read)).unwrap_or(None)
}

/// Runs a sync exported call, turning a panic into [`internal_error`].
pub(crate) fn catching<T>(call: impl FnOnce() -> Result<T, ClerkError>) -> Result<T, ClerkError> {
    // Unwind safety: a call that panicked leaves nothing behind that is used again, and the
    // core's locks tolerate poisoning.
    catch_unwind(AssertUnwindSafe(call)).unwrap_or_else(|_| Err(internal_error()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_internal_error_and_results_pass_through() {
        assert_eq!(catching::<()>(|| panic!("bug")), Err(internal_error()));
        assert_eq!(catching(|| Ok(7)), Ok(7));
        let configuration = ClerkError::Configuration { detail: "bad".into() };
        assert_eq!(catching::<()>(|| Err(configuration.clone())), Err(configuration));
    }

    #[test]
    fn a_read_that_panics_reports_nothing() {
        assert_eq!(or_none::<u8>(|| panic!("bug")), None);
        assert_eq!(or_none(|| Some(3)), Some(3));
    }
}
