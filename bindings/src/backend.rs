//! The Backend API client for server-side Kotlin and Swift (feature `backend`, off in mobile
//! builds). It is its own object, unrelated to the mobile `ClerkCore`.

use std::sync::Arc;

use clerk_core::backend::{BackendClient as CoreBackendClient, BackendConfig};

use crate::error::ClerkError;
use crate::{panics, runtime};

#[derive(uniffi::Object)]
pub struct BackendClient {
    inner: Arc<CoreBackendClient>,
}

#[uniffi::export]
impl BackendClient {
    /// `secret_key` is `sk_…` (never logged); `api_url` defaults to Clerk's Backend API.
    #[uniffi::constructor(default(api_url = None))]
    pub fn new(secret_key: String, api_url: Option<String>) -> Result<Arc<Self>, ClerkError> {
        panics::catching(|| {
            let mut config = BackendConfig::new(secret_key)?;
            if let Some(url) = api_url {
                config = config.with_api_url(&url)?;
            }
            // reqwest needs a runtime context to build its client.
            let _guard = runtime::handle().enter();
            Ok(Arc::new(Self { inner: Arc::new(CoreBackendClient::new(config)?) }))
        })
    }

    /// A session token (or JWT template token) for `session_id`; returns the JWT.
    #[uniffi::method(default(template = None, expires_in_seconds = None))]
    pub async fn session_token(
        &self,
        session_id: String,
        template: Option<String>,
        expires_in_seconds: Option<u32>,
    ) -> Result<String, ClerkError> {
        let client = self.inner.clone();
        runtime::run(async move {
            Ok(client.sessions().get_token(&session_id, template.as_deref(), expires_in_seconds).await?.jwt)
        })
        .await
    }

    /// A sign-in token for `user_id`; returns the ticket a client signs in with.
    pub async fn create_sign_in_token(&self, user_id: String) -> Result<String, ClerkError> {
        let client = self.inner.clone();
        runtime::run(async move { Ok(client.sign_in_tokens().create(&user_id).await?.token) }).await
    }
}
