//! Panics never unwind into Swift or Kotlin. Every exported call that returns a `Result`
//! reports a panic as `ClerkError::Internal`: the async ones through `runtime::run`, the sync
//! ones (`ClerkCore::new`, `BackendClient::new`) through [`catching`]. The other sync calls
//! return plain values (`ClerkCore::session`, `Session::cached_token`, `Session::id`,
//! `ManualClock`'s methods, ...); should one panic anyway, uniffi's scaffolding catches the
//! panic and raises its internal error instead: `InternalException` in Kotlin (which
//! `fetchToken` reports as `ErrorType.INTERNAL`), and in Swift a trap, because those
//! functions do not throw.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::error::ClerkError;

/// What callers get instead of a panic.
pub(crate) fn internal_error() -> ClerkError {
    ClerkError::Internal { message: "panic in the Clerk core".into() }
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
        let configuration = ClerkError::Configuration { message: "bad".into() };
        assert_eq!(catching::<()>(|| Err(configuration.clone())), Err(configuration));
    }
}
