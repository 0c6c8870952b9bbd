//! Networkless verification of session tokens on the app's backend: signature against the
//! instance's JWKS (or a PEM public key), `exp`/`nbf` with a small leeway on an injected
//! time, the issuer, and the authorized parties (`azp`).

use std::collections::HashMap;
use std::time::Duration;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use tokio::sync::Mutex;
use url::Url;

use crate::config::check_transport_security;

/// Why a token was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("not a well-formed JWT")]
    Malformed,
    #[error("signed with a key not in the JWKS")]
    UnknownKey,
    #[error("signature does not verify")]
    InvalidSignature,
    #[error("token has expired")]
    Expired,
    #[error("token is not valid yet")]
    NotYetValid,
    #[error("token was issued by another issuer")]
    WrongIssuer,
    #[error("token's authorized party is not allowed")]
    UnauthorizedParty,
    #[error("token has no {0} claim")]
    MissingClaim(&'static str),
    #[error("cannot load the keys: {0}")]
    Keys(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct VerifyOptions {
    /// Unix seconds to judge `exp`/`nbf` by (injected so tests and servers control time).
    pub now_secs: i64,
    pub leeway: Duration,
    /// The Frontend API URL the token must come from; `None` skips the check.
    pub issuer: Option<String>,
    /// Origins allowed in `azp`; empty allows any (and tokens without `azp`).
    pub authorized_parties: Vec<String>,
}

impl VerifyOptions {
    pub fn at(now_secs: i64) -> Self {
        Self { now_secs, leeway: Duration::from_secs(5), issuer: None, authorized_parties: Vec::new() }
    }
}

/// The claims apps read from a verified session token.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SessionClaims {
    pub sub: String,
    #[serde(default)]
    pub sid: Option<String>,
    #[serde(default)]
    pub iss: Option<String>,
    #[serde(default)]
    pub azp: Option<String>,
    #[serde(default)]
    pub org_id: Option<String>,
    pub exp: i64,
    #[serde(default)]
    pub iat: Option<i64>,
    #[serde(default)]
    pub nbf: Option<i64>,
    /// Every claim, template claims included.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// Verifies against a fixed set of keys.
#[derive(Clone)]
pub struct TokenVerifier {
    keys: HashMap<Option<String>, DecodingKey>,
}

impl TokenVerifier {
    /// From a JWKS document such as `{frontend_api}/.well-known/jwks.json`.
    pub fn from_jwks_json(jwks: &str) -> Result<Self, VerifyError> {
        let set: JwkSet = serde_json::from_str(jwks).map_err(|e| VerifyError::Keys(e.to_string()))?;
        let mut keys = HashMap::new();
        for jwk in &set.keys {
            let key = DecodingKey::from_jwk(jwk).map_err(|e| VerifyError::Keys(e.to_string()))?;
            keys.insert(jwk.common.key_id.clone(), key);
        }
        if keys.is_empty() {
            return Err(VerifyError::Keys("the JWKS has no keys".into()));
        }
        Ok(Self { keys })
    }

    /// From the instance's PEM public key (the "JWT public key" of the dashboard).
    pub fn from_pem(pem: &str) -> Result<Self, VerifyError> {
        let key = DecodingKey::from_rsa_pem(pem.as_bytes()).map_err(|e| VerifyError::Keys(e.to_string()))?;
        Ok(Self { keys: HashMap::from([(None, key)]) })
    }

    pub fn verify(&self, token: &str, options: &VerifyOptions) -> Result<SessionClaims, VerifyError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| VerifyError::Malformed)?;
        if header.alg != Algorithm::RS256 {
            return Err(VerifyError::InvalidSignature);
        }
        let key = self
            .keys
            .get(&header.kid)
            .or_else(|| self.keys.get(&None))
            .ok_or(VerifyError::UnknownKey)?;
        // Time and issuer are checked below on the injected clock, with distinct reasons.
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let claims = jsonwebtoken::decode::<serde_json::Value>(token, key, &validation).map_err(|e| {
            match e.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidSignature => VerifyError::InvalidSignature,
                _ => VerifyError::Malformed,
            }
        })?;
        let claims = claims.claims;
        if claims.get("exp").and_then(|v| v.as_i64()).is_none() {
            return Err(VerifyError::MissingClaim("exp"));
        }
        if claims.get("sub").and_then(|v| v.as_str()).is_none() {
            return Err(VerifyError::MissingClaim("sub"));
        }
        let claims: SessionClaims = serde_json::from_value(claims).map_err(|_| VerifyError::Malformed)?;
        let leeway = options.leeway.as_secs() as i64;
        if options.now_secs > claims.exp + leeway {
            return Err(VerifyError::Expired);
        }
        if claims.nbf.is_some_and(|nbf| options.now_secs + leeway < nbf) {
            return Err(VerifyError::NotYetValid);
        }
        if let Some(issuer) = &options.issuer {
            if claims.iss.as_deref().map(|i| i.trim_end_matches('/')) != Some(issuer.trim_end_matches('/')) {
                return Err(VerifyError::WrongIssuer);
            }
        }
        if !options.authorized_parties.is_empty() {
            let allowed = claims.azp.as_ref().is_some_and(|azp| options.authorized_parties.contains(azp));
            if !allowed {
                return Err(VerifyError::UnauthorizedParty);
            }
        }
        Ok(claims)
    }
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenVerifier").field("keys", &self.keys.len()).finish()
    }
}

/// Fetches the JWKS once and keeps it; fetches again only when a token names a key it does
/// not have (key rotation). Keys come over `https://` only (plain `http://` to loopback hosts),
/// redirects included: keys from a network attacker would let forged tokens through.
pub struct JwksVerifier {
    url: String,
    http: reqwest::Client,
    keys: Mutex<Option<TokenVerifier>>,
}

impl JwksVerifier {
    pub fn new(jwks_url: impl Into<String>) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let redirects = reqwest::redirect::Policy::custom(|attempt| {
            if attempt.previous().len() < 10 && check_transport_security(attempt.url()).is_ok() {
                attempt.follow()
            } else {
                attempt.stop()
            }
        });
        // As `reqwest::Client::new`, which also cannot fail short of a broken TLS setup.
        let http = reqwest::Client::builder().redirect(redirects).build().expect("the HTTP client builds");
        Self { url: jwks_url.into(), http, keys: Mutex::new(None) }
    }

    pub async fn verify(&self, token: &str, options: &VerifyOptions) -> Result<SessionClaims, VerifyError> {
        let mut keys = self.keys.lock().await;
        if keys.is_none() {
            *keys = Some(self.fetch().await?);
        }
        match keys.as_ref().map(|k| k.verify(token, options)) {
            Some(Err(VerifyError::UnknownKey)) => {
                let fresh = self.fetch().await?;
                let result = fresh.verify(token, options);
                *keys = Some(fresh);
                result
            }
            Some(result) => result,
            None => Err(VerifyError::Keys("no keys".into())),
        }
    }

    async fn fetch(&self) -> Result<TokenVerifier, VerifyError> {
        let keys_error = |e: reqwest::Error| VerifyError::Keys(e.without_url().to_string());
        let url = Url::parse(&self.url).map_err(|e| VerifyError::Keys(format!("JWKS URL is not a URL: {e}")))?;
        check_transport_security(&url).map_err(|e| VerifyError::Keys(e.to_string()))?;
        let response = self.http.get(url).send().await.map_err(keys_error)?;
        let body = response.error_for_status().map_err(keys_error)?.text().await.map_err(keys_error)?;
        TokenVerifier::from_jwks_json(&body)
    }
}
