//! The Tokio runtime every exported async call runs on. Foreign callers (Swift tasks, Kotlin
//! coroutines) have no Tokio context of their own, so nothing may depend on one existing on
//! the calling thread.
//!
//! One thread, `clerk-core`, drives a current-thread runtime for the life of the process. The
//! core's work is a few requests a minute, almost all of it waiting on the network, and the
//! multi-thread scheduler costs some 80 KB of library (docs/performance.md). What runs there
//! must not block for long: the facades' event listeners only hand events to a buffer.

use std::future::Future;

use once_cell::sync::Lazy;
use tokio::runtime::{Builder, Handle};

use crate::error::ClerkError;
use crate::panics;

static RUNTIME: Lazy<Handle> = Lazy::new(|| {
    let runtime = Builder::new_current_thread().enable_all().build().expect("the clerk-core runtime must start");
    let handle = runtime.handle().clone();
    // Only `Runtime::block_on` drives the timers and sockets of a current-thread runtime.
    std::thread::Builder::new()
        .name("clerk-core".into())
        .spawn(move || runtime.block_on(std::future::pending::<()>()))
        .expect("the clerk-core thread must start");
    handle
});

pub(crate) fn handle() -> Handle {
    RUNTIME.clone()
}

/// Runs `work` on the runtime. A panic inside becomes `ClerkError::Internal` instead of
/// unwinding into foreign code; dropping the returned future (a cancelled coroutine or task)
/// leaves the work to finish, so shared requests and the cache stay consistent.
pub(crate) async fn run<T, F>(work: F) -> Result<T, ClerkError>
where
    T: Send + 'static,
    F: Future<Output = Result<T, ClerkError>> + Send + 'static,
{
    match RUNTIME.spawn(work).await {
        Ok(result) => result,
        Err(join) if join.is_panic() => Err(panics::internal_error()),
        Err(_) => Err(ClerkError::Cancelled { detail: "the Clerk core is shutting down".into() }),
    }
}
