//! The Tokio runtime every exported async call runs on. Foreign callers (Swift tasks, Kotlin
//! coroutines) have no Tokio context of their own, so nothing may depend on one existing on
//! the calling thread.

use std::future::Future;

use once_cell::sync::Lazy;
use tokio::runtime::{Builder, Runtime};

use crate::error::ClerkError;
use crate::panics;

static RUNTIME: Lazy<Runtime> = Lazy::new(|| {
    Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("clerk-core")
        .enable_all()
        .build()
        .expect("the clerk-core runtime must start")
});

pub(crate) fn handle() -> tokio::runtime::Handle {
    RUNTIME.handle().clone()
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
        Err(_) => Err(ClerkError::Cancelled { message: "the Clerk core is shutting down".into() }),
    }
}
