//! Server-side pieces (feature `backend`): the Backend API client and networkless session
//! token verification. Mobile builds leave the feature off; nothing here is reachable from
//! the mobile `Clerk` engine.

mod client;
mod verify;

pub use client::{BackendClient, BackendConfig, DEFAULT_BACKEND_API_URL, SignInToken, SignInTokens, Token, SessionTokens};
pub use verify::{
    DEFAULT_JWKS_FETCH_TIMEOUT, DEFAULT_JWKS_REFETCH_INTERVAL, JwksVerifier, SessionClaims, TokenVerifier, VerifyError,
    VerifyOptions,
};
