//! A session and its tokens. The facades look in the cache first (Swift: `cached_token`, one
//! plain FFI call; Kotlin: the peek in peek.rs) and call `request_token` only on a miss.

use std::sync::Arc;

use crate::error::ClerkError;
use crate::panics;
use crate::runtime;
use crate::stamps::Stamps;
use crate::types::{GetTokenOptions, TokenResource};

#[derive(uniffi::Object)]
pub struct Session {
    inner: clerk_core::Session,
    /// Tokens handed to the facades' peek (peek.rs).
    stamps: Stamps,
}

impl Session {
    pub(crate) fn wrap(inner: clerk_core::Session) -> Arc<Self> {
        Arc::new(Self { inner, stamps: Stamps::default() })
    }

    pub(crate) fn core(&self) -> &clerk_core::Session {
        &self.inner
    }

    pub(crate) fn stamps(&self) -> &Stamps {
        &self.stamps
    }
}

#[uniffi::export]
impl Session {
    pub fn id(&self) -> String {
        self.inner.id().to_string()
    }

    pub fn user_id(&self) -> Option<String> {
        self.inner.user_id().map(str::to_string)
    }

    pub fn is_active(&self) -> bool {
        self.inner.is_active()
    }

    /// The cached token if fresh for `options`; never does I/O. `None` means "ask
    /// `request_token`".
    pub fn cached_token(&self, options: GetTokenOptions) -> Option<TokenResource> {
        panics::or_none(|| self.inner.cached_token(&options.into()).map(Into::into))
    }

    /// A token per `options`, from the cache or the network (one request shared by all
    /// concurrent callers). `None` once the session is no longer active.
    pub async fn request_token(&self, options: GetTokenOptions) -> Result<Option<TokenResource>, ClerkError> {
        let request = self.inner.get_token(options.into());
        runtime::run(async move { Ok(request.await?.map(Into::into)) }).await
    }

    /// Ends this session.
    pub async fn sign_out(&self) -> Result<(), ClerkError> {
        let session = self.inner.clone();
        runtime::run(async move { Ok(session.sign_out().await?) }).await
    }
}
