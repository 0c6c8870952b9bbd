//! A signed-in session and its tokens.

use std::future::Future;
use std::sync::Arc;

use crate::engine::Inner;
use crate::error::Error;
use crate::token::{GetTokenOptions, TokenResource, TokenSource};

#[derive(Clone)]
pub struct Session {
    id: String,
    user_id: Option<String>,
    inner: Arc<Inner>,
}

impl Session {
    pub(crate) fn new(id: String, user_id: Option<String>, inner: Arc<Inner>) -> Self {
        Self { id, user_id, inner }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    /// False once the session was signed out, revoked or otherwise ended.
    pub fn is_active(&self) -> bool {
        self.inner.is_active(&self.id)
    }

    /// The cached token if it is fresh for `options`; never does I/O. `None` means "call
    /// `get_token`", not "signed out".
    pub fn cached_token(&self, options: &GetTokenOptions) -> Option<TokenResource> {
        let token = self.inner.cached_token(&self.id, options);
        if token.is_some() {
            self.inner.metrics.cache_hit();
        }
        token
    }

    /// The session token (or a JWT template token). Served from the cache while it has more
    /// than `expiration_buffer` of life left; otherwise one request is made, shared by every
    /// concurrent caller. `Ok(None)` when the session is no longer active.
    ///
    /// The call's start is recorded when this is called, not when the future is first polled,
    /// so `skip_cache` callers that begin together share one request.
    pub fn get_token(
        &self,
        options: GetTokenOptions,
    ) -> impl Future<Output = Result<Option<TokenResource>, Error>> + Send + 'static {
        let served = self.get_token_with_source(options);
        async move { Ok(served.await?.map(|(token, _)| token)) }
    }

    /// As [`get_token`](Self::get_token), saying where the token came from: the cache, the
    /// network, or the cache after a refresh failed (with that failure). For tools and
    /// diagnostics.
    pub fn get_token_with_source(
        &self,
        options: GetTokenOptions,
    ) -> impl Future<Output = Result<Option<(TokenResource, TokenSource)>, Error>> + Send + 'static {
        let ticket = self.inner.call_ticket();
        self.inner.clone().get_token(self.id.clone(), options, ticket)
    }

    /// Ends this session (`POST /v1/client/sessions/{id}/end`) and drops its tokens. If the
    /// server does not confirm it, the device token is cleared as well, so the sign-out holds
    /// after a restart; the error is still returned.
    pub async fn sign_out(&self) -> Result<(), Error> {
        self.inner.end_session(&self.id).await
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("id", &self.id).field("user_id", &self.user_id).finish()
    }
}
