//! Networkless verification of session tokens on the app's backend, judged the way Clerk's own
//! `@clerk/backend` (`verifyToken`) judges them: the `typ` and `alg` headers, the signature
//! against the instance's JWKS (or a PEM public key), then `sub`, the authorized parties
//! (`azp`), `exp`, `nbf` and `iat` with a small leeway on an injected time, and the issuer.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use futures::future::{BoxFuture, Either, FutureExt as _, Shared, select};
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde_json::{Map, Value};
use url::Url;

use super::client::BackendConfig;
use crate::clock::{Clock, SystemClock};
use crate::config::{CLERK_API_VERSION, check_transport_security, is_loopback};
use crate::error::Error;

/// Why a token was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("not a well-formed JWT")]
    Malformed,
    /// The `typ` header is present and is not `JWT`.
    #[error("not a session token: its typ header is not JWT")]
    WrongType,
    /// The `alg` header is not one of RS256, RS384, RS512 (`none` and HMAC included).
    #[error("token is signed with an unsupported algorithm")]
    UnsupportedAlgorithm,
    #[error("signed with a key not in the JWKS")]
    UnknownKey,
    #[error("signature does not verify")]
    InvalidSignature,
    #[error("token has expired")]
    Expired,
    #[error("token is not valid yet")]
    NotYetValid,
    /// `iat` lies in the future by more than the leeway.
    #[error("token was issued in the future")]
    IssuedInFuture,
    #[error("token was issued by another issuer")]
    WrongIssuer,
    #[error("token's authorized party is not allowed")]
    UnauthorizedParty,
    #[error("token has no {0} claim")]
    MissingClaim(&'static str),
    /// A claim is present but of the wrong type (e.g. a string `exp`).
    #[error("token's {0} claim is not valid")]
    InvalidClaim(&'static str),
    #[error("cannot load the keys: {0}")]
    Keys(String),
    /// The JWKS endpoint did not answer within the fetch timeout.
    #[error("loading the keys timed out after {0:?}")]
    KeysTimedOut(Duration),
}

#[derive(Debug, Clone, PartialEq)]
pub struct VerifyOptions {
    /// Unix seconds to judge `exp`/`nbf`/`iat` by (injected so tests and servers control time).
    pub now_secs: i64,
    /// Allowed clock difference with Clerk's servers (`clockSkewInMs` in `@clerk/backend`).
    pub leeway: Duration,
    /// The Frontend API URL the token must come from; `None` skips the check.
    pub issuer: Option<String>,
    /// Origins allowed in `azp`; empty allows any (and tokens without `azp`), as
    /// `@clerk/backend` does by default. Set it to the app's origins on a server.
    pub authorized_parties: Vec<String>,
    /// Refuse tokens without a `sid` claim (a session token always has one; a JWT template
    /// may leave it out). Off by default, as `@clerk/backend` requires none.
    pub require_sid: bool,
}

impl VerifyOptions {
    /// At `now_secs`, with `@clerk/backend`'s default leeway of 5 s.
    pub fn at(now_secs: i64) -> Self {
        Self { now_secs, leeway: Duration::from_secs(5), issuer: None, authorized_parties: Vec::new(), require_sid: false }
    }
}

/// The claims apps read from a verified session token. The organization and session status
/// are read from either claims format, as `@clerk/backend`'s `toAuth()` reads them: version 2
/// (`v: 2`, `o: {id, rol, slg}`, `sts`) or version 1 (`org_id`, `org_role`, `org_slug`).
#[derive(Debug, Clone, PartialEq)]
pub struct SessionClaims {
    pub sub: String,
    pub sid: Option<String>,
    pub iss: Option<String>,
    pub azp: Option<String>,
    pub exp: i64,
    pub iat: Option<i64>,
    pub nbf: Option<i64>,
    /// `v`: 2 for version 2 tokens; version 1 tokens have none.
    pub version: Option<u64>,
    /// The active organization's id (`o.id`, or `org_id` in version 1).
    pub org_id: Option<String>,
    /// The user's role in it with its `org:` prefix, e.g. `org:admin` (version 2's `o.rol`
    /// carries it without, and gets it back here, as in `@clerk/backend`).
    pub org_role: Option<String>,
    /// The active organization's slug (`o.slg`, or `org_slug`).
    pub org_slug: Option<String>,
    /// `sts`: `active` or `pending`, where the token says.
    pub session_status: Option<String>,
    /// `fva`: minutes since the first and second factor were verified (-1: never).
    pub factor_verification_age: Option<[i64; 2]>,
    /// Every claim, template claims included.
    pub claims: Map<String, Value>,
}

/// The active organization as a token states it.
#[derive(Default)]
struct Organization {
    id: Option<String>,
    role: Option<String>,
    slug: Option<String>,
}

impl Organization {
    fn of(claims: &Map<String, Value>, version: Option<u64>) -> Self {
        let text = |object: &Map<String, Value>, name: &str| object.get(name).and_then(Value::as_str).map(str::to_string);
        match version {
            Some(2) => {
                let Some(o) = claims.get("o").and_then(Value::as_object) else {
                    return Organization::default();
                };
                Organization {
                    id: text(o, "id"),
                    role: text(o, "rol").filter(|rol| !rol.is_empty()).map(|rol| format!("org:{rol}")),
                    slug: text(o, "slg"),
                }
            }
            _ => Organization { id: text(claims, "org_id"), role: text(claims, "org_role"), slug: text(claims, "org_slug") },
        }
    }
}

/// The algorithms `@clerk/backend` accepts; all RSA, as Clerk's instance keys are.
const ALGORITHMS: [Algorithm; 3] = [Algorithm::RS256, Algorithm::RS384, Algorithm::RS512];

/// One verification key, with the algorithm its JWK names (a token must use that one).
#[derive(Clone)]
struct Key {
    decoding: DecodingKey,
    algorithm: Option<Algorithm>,
}

/// Verifies against a fixed set of keys.
#[derive(Clone)]
pub struct TokenVerifier {
    keys: HashMap<Option<String>, Key>,
    /// A PEM key verifies whatever the token's `kid`; a JWKS key only the tokens naming its
    /// `kid` (no `kid` matching a key without one), as `@clerk/backend` picks them.
    any_kid: bool,
}

impl TokenVerifier {
    /// From a JWKS document such as `{frontend_api}/.well-known/jwks.json` or the Backend API's
    /// `GET /v1/jwks`. Keys other than RSA are skipped: Clerk signs session tokens with RSA.
    pub fn from_jwks_json(jwks: &str) -> Result<Self, VerifyError> {
        let set: JwkSet = serde_json::from_str(jwks).map_err(|e| VerifyError::Keys(e.to_string()))?;
        let mut keys = HashMap::new();
        for jwk in &set.keys {
            if !matches!(jwk.algorithm, AlgorithmParameters::RSA(_)) {
                continue;
            }
            let decoding = DecodingKey::from_jwk(jwk).map_err(|e| VerifyError::Keys(e.to_string()))?;
            let algorithm = match jwk.common.key_algorithm {
                None => None,
                Some(KeyAlgorithm::RS256) => Some(Algorithm::RS256),
                Some(KeyAlgorithm::RS384) => Some(Algorithm::RS384),
                Some(KeyAlgorithm::RS512) => Some(Algorithm::RS512),
                // An RSA key meant for another algorithm (e.g. PS256) verifies no session token.
                Some(_) => continue,
            };
            keys.insert(jwk.common.key_id.clone(), Key { decoding, algorithm });
        }
        if keys.is_empty() {
            return Err(VerifyError::Keys("the JWKS has no RSA signing keys".into()));
        }
        Ok(Self { keys, any_kid: false })
    }

    /// From the instance's PEM public key (the "JWT public key" of the dashboard), which
    /// `@clerk/backend` uses as an RS256 key whatever the token's `kid`.
    pub fn from_pem(pem: &str) -> Result<Self, VerifyError> {
        let decoding = DecodingKey::from_rsa_pem(pem.as_bytes()).map_err(|e| VerifyError::Keys(e.to_string()))?;
        Ok(Self { keys: HashMap::from([(None, Key { decoding, algorithm: Some(Algorithm::RS256) })]), any_kid: true })
    }

    pub fn verify(&self, token: &str, options: &VerifyOptions) -> Result<SessionClaims, VerifyError> {
        // Header checks come first, then the signature, and only then the claims, so an
        // unsigned token learns nothing about the verifier's settings.
        let header = Header::parse(token)?;
        let key = if self.any_kid { self.keys.values().next() } else { self.keys.get(&header.kid) };
        let key = key.ok_or(VerifyError::UnknownKey)?;
        if key.algorithm.is_some_and(|algorithm| algorithm != header.alg) {
            return Err(VerifyError::InvalidSignature);
        }
        let mut validation = Validation::new(header.alg);
        // Time, audience and issuer are checked below on the injected clock, with distinct reasons.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let claims = jsonwebtoken::decode::<Map<String, Value>>(token, &key.decoding, &validation)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidSignature => VerifyError::InvalidSignature,
                _ => VerifyError::Malformed,
            })?
            .claims;
        check_claims(claims, options)
    }
}

/// The JOSE header fields the checks need.
struct Header {
    alg: Algorithm,
    kid: Option<String>,
}

impl Header {
    fn parse(token: &str) -> Result<Self, VerifyError> {
        let mut parts = token.split('.');
        let (Some(encoded), Some(_), Some(_), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(VerifyError::Malformed);
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(encoded)
            .or_else(|_| URL_SAFE.decode(encoded))
            .map_err(|_| VerifyError::Malformed)?;
        let header: Map<String, Value> = serde_json::from_slice(&bytes).map_err(|_| VerifyError::Malformed)?;
        // No `typ` is accepted, as by `@clerk/backend`; any other value is not a session token.
        if header.get("typ").is_some_and(|typ| typ != "JWT") {
            return Err(VerifyError::WrongType);
        }
        let alg = header
            .get("alg")
            .and_then(Value::as_str)
            .and_then(|alg| alg.parse::<Algorithm>().ok())
            .filter(|alg| ALGORITHMS.contains(alg))
            .ok_or(VerifyError::UnsupportedAlgorithm)?;
        let kid = match header.get("kid") {
            None | Some(Value::Null) => None,
            Some(Value::String(kid)) => Some(kid.clone()),
            Some(_) => return Err(VerifyError::Malformed),
        };
        Ok(Header { alg, kid })
    }
}

/// The claim checks of `@clerk/backend`'s `verifyJwt`, in its order: `sub`, `azp`, `exp`, `nbf`,
/// `iat`; then the issuer, which it leaves to the caller. Times compare in milliseconds as
/// there: expired when `exp <= now - leeway`, early when `nbf > now + leeway`, issued in the
/// future when `iat > now + leeway`.
fn check_claims(claims: Map<String, Value>, options: &VerifyOptions) -> Result<SessionClaims, VerifyError> {
    let sub = claims.get("sub").and_then(Value::as_str).ok_or(VerifyError::MissingClaim("sub"))?.to_string();
    let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_string);
    let azp = text("azp").filter(|azp| !azp.is_empty());
    if !options.authorized_parties.is_empty() {
        if !azp.as_ref().is_some_and(|azp| options.authorized_parties.contains(azp)) {
            return Err(VerifyError::UnauthorizedParty);
        }
    }

    let now_ms = i128::from(options.now_secs) * 1000;
    let leeway_ms = options.leeway.as_millis() as i128;
    let ms = |secs: i64| i128::from(secs) * 1000;
    let exp = seconds(&claims, "exp")?.ok_or(VerifyError::MissingClaim("exp"))?;
    if ms(exp) <= now_ms - leeway_ms {
        return Err(VerifyError::Expired);
    }
    let nbf = seconds(&claims, "nbf")?;
    if nbf.is_some_and(|nbf| ms(nbf) > now_ms + leeway_ms) {
        return Err(VerifyError::NotYetValid);
    }
    let iat = seconds(&claims, "iat")?;
    if iat.is_some_and(|iat| ms(iat) > now_ms + leeway_ms) {
        return Err(VerifyError::IssuedInFuture);
    }

    if options.require_sid && text("sid").is_none() {
        return Err(VerifyError::MissingClaim("sid"));
    }
    let iss = text("iss");
    if let Some(issuer) = &options.issuer {
        // Compared exactly, as `@clerk/backend` does: a trailing slash makes another issuer.
        if iss.as_deref() != Some(issuer.as_str()) {
            return Err(VerifyError::WrongIssuer);
        }
    }
    let version = claims.get("v").and_then(Value::as_u64);
    let organization = Organization::of(&claims, version);
    let factor_verification_age = match claims.get("fva").and_then(Value::as_array).map(Vec::as_slice) {
        Some([first, second]) => first.as_i64().zip(second.as_i64()).map(|(first, second)| [first, second]),
        _ => None,
    };
    Ok(SessionClaims {
        sub,
        sid: text("sid"),
        iss,
        azp,
        exp,
        iat,
        nbf,
        version,
        org_id: organization.id,
        org_role: organization.role,
        org_slug: organization.slug,
        session_status: text("sts"),
        factor_verification_age,
        claims,
    })
}

/// A NumericDate claim as whole seconds: absent is `None`; a fraction is cut off (as JavaScript's
/// `Date#setUTCSeconds` does); anything but a number is invalid.
fn seconds(claims: &Map<String, Value>, name: &'static str) -> Result<Option<i64>, VerifyError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_i64().or_else(|| n.as_f64().map(|f| f.trunc() as i64))),
        Some(_) => Err(VerifyError::InvalidClaim(name)),
    }
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenVerifier").field("keys", &self.keys.len()).finish()
    }
}

/// Fetches the JWKS and keeps it for `keys_ttl` (an hour, as `@clerk/backend` caches it), so a
/// key Clerk withdraws stops verifying within that time; the first verification after that
/// fetches again. A token naming a key the set does not have (a rotation) fetches again at
/// once, so a key that really rotated in verifies on its first token; made-up `kid`s cannot
/// turn into one fetch each: a `kid` a fetch already found missing is refused without another,
/// and at most [`UNKNOWN_KID_FETCHES`] fetches start per `refetch_interval`. Concurrent
/// verifications that need keys share one fetch; no lock is held while it runs, so tokens
/// whose key is known verify meanwhile. A fetch that takes longer than `fetch_timeout` (on the
/// injected clock) fails with [`VerifyError::KeysTimedOut`]; after a failed fetch, the next
/// one waits for the interval.
///
/// Keys come from the Frontend API's public `/.well-known/jwks.json` ([`JwksVerifier::new`]) or
/// from the Backend API's `GET /v1/jwks` with the secret key
/// ([`JwksVerifier::from_backend_api`]), over `https://` only (plain `http://` to loopback
/// hosts): keys from a network attacker would let forged tokens through.
pub struct JwksVerifier {
    source: Arc<Source>,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    fetch_timeout: Duration,
    refetch_interval: Duration,
    keys_ttl: Duration,
    state: Arc<Mutex<KeyState>>,
}

/// How long a JWKS fetch may take by default.
pub const DEFAULT_JWKS_FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// The window in which at most [`UNKNOWN_KID_FETCHES`] fetches start, and the wait after a
/// failed fetch, by default.
pub const DEFAULT_JWKS_REFETCH_INTERVAL: Duration = Duration::from_secs(30);
/// How long fetched keys are trusted by default (`@clerk/backend`'s JWKS cache: one hour).
pub const DEFAULT_JWKS_TTL: Duration = Duration::from_secs(3600);
/// Fetches per refetch interval at most: one for the keys, a few for rotations.
pub const UNKNOWN_KID_FETCHES: usize = 3;
/// `kid`s remembered as missing from the current keys; past it, new ones are not remembered
/// (the fetch budget still bounds what they cost).
const MAX_MISSING_KIDS: usize = 1024;

/// A JWKS is a few kilobytes; anything much larger is not one.
const MAX_JWKS_BYTES: usize = 256 * 1024;

enum Source {
    /// `{frontend_api}/.well-known/jwks.json`, public.
    Frontend { url: String },
    /// `{api_url}/v1/jwks` with `Authorization: Bearer <secret key>`.
    Backend { url: Url, authorization: HeaderValue },
}

type Fetch = Shared<BoxFuture<'static, Result<Arc<TokenVerifier>, VerifyError>>>;

#[derive(Default)]
struct KeyState {
    keys: Option<Arc<TokenVerifier>>,
    /// When the fetch that brought `keys` started, on the injected clock.
    keys_fetched_ms: i64,
    /// When the fetches of the last refetch interval started: the budget.
    recent_fetches_ms: VecDeque<i64>,
    /// Why the last fetch failed, while no later one succeeded.
    last_error: Option<VerifyError>,
    in_flight: Option<Fetch>,
    /// `kid`s the current keys were found not to have.
    missing: HashSet<String>,
}

/// What a verification that needs keys it does not have does next.
enum Next {
    /// Another verification brought newer keys meanwhile.
    Use(Arc<TokenVerifier>),
    Await(Fetch),
    Refuse(VerifyError),
}

impl JwksVerifier {
    /// Keys from the Frontend API's public JWKS, e.g. `https://clerk.example.com/.well-known/jwks.json`.
    pub fn new(jwks_url: impl Into<String>) -> Self {
        let redirects = reqwest::redirect::Policy::custom(|attempt| {
            if attempt.previous().len() < 10 && check_transport_security(attempt.url()).is_ok() {
                attempt.follow()
            } else {
                attempt.stop()
            }
        });
        Self::with_source(Source::Frontend { url: jwks_url.into() }, redirects, Arc::new(SystemClock))
    }

    /// Keys from the Backend API's `GET /v1/jwks`, authenticated with the configuration's secret
    /// key (as `@clerk/backend` loads them with `secretKey` and `apiUrl`), timed on the
    /// configuration's clock (one whose sleeps end at once ends every fetch at once). Redirects
    /// are not followed, so the secret key goes to no other host.
    pub fn from_backend_api(config: &BackendConfig) -> Result<Self, Error> {
        let mut url = config.api_url.clone();
        url.path_segments_mut()
            .map_err(|_| Error::configuration("the Backend API URL cannot take a path"))?
            .pop_if_empty()
            .extend(["v1", "jwks"]);
        let source = Source::Backend { url, authorization: config.authorization()? };
        Ok(Self::with_source(source, reqwest::redirect::Policy::none(), config.clock.clone()))
    }

    fn with_source(source: Source, redirects: reqwest::redirect::Policy, clock: Arc<dyn Clock>) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        // No proxy for loopback keys (plain http is allowed there only because nothing leaves
        // the machine).
        let loopback = match &source {
            Source::Frontend { url } => Url::parse(url).is_ok_and(|url| is_loopback(&url)),
            Source::Backend { url, .. } => is_loopback(url),
        };
        let builder = reqwest::Client::builder().redirect(redirects);
        let builder = if loopback { builder.no_proxy() } else { builder };
        // As `reqwest::Client::new`, which also cannot fail short of a broken TLS setup.
        let http = builder.build().expect("the HTTP client builds");
        Self {
            source: Arc::new(source),
            http,
            clock,
            fetch_timeout: DEFAULT_JWKS_FETCH_TIMEOUT,
            refetch_interval: DEFAULT_JWKS_REFETCH_INTERVAL,
            keys_ttl: DEFAULT_JWKS_TTL,
            state: Arc::default(),
        }
    }

    /// The clock fetch timeouts and the refetch interval are measured on.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn with_fetch_timeout(mut self, timeout: Duration) -> Self {
        self.fetch_timeout = timeout;
        self
    }

    /// The window of the fetch budget, and the wait after a failed fetch.
    pub fn with_refetch_interval(mut self, interval: Duration) -> Self {
        self.refetch_interval = interval;
        self
    }

    /// How long fetched keys are trusted before the next verification fetches them again.
    pub fn with_keys_ttl(mut self, ttl: Duration) -> Self {
        self.keys_ttl = ttl;
        self
    }

    pub async fn verify(&self, token: &str, options: &VerifyOptions) -> Result<SessionClaims, VerifyError> {
        let known = self.live_keys();
        if let Some(keys) = &known {
            match keys.verify(token, options) {
                Err(VerifyError::UnknownKey) => {}
                judged => return judged,
            }
        }
        let kid = Header::parse(token)?.kid;
        let keys = match self.next(known.as_ref(), kid.as_deref()) {
            Next::Use(keys) => keys,
            Next::Await(fetch) => fetch.await?,
            Next::Refuse(why) => return Err(why),
        };
        let verdict = keys.verify(token, options);
        if let (Err(VerifyError::UnknownKey), Some(kid)) = (&verdict, kid) {
            let mut state = lock(&self.state);
            if state.keys.as_ref().is_some_and(|current| Arc::ptr_eq(current, &keys)) && state.missing.len() < MAX_MISSING_KIDS {
                state.missing.insert(kid);
            }
        }
        verdict
    }

    /// The keys, while their time to live lasts.
    fn live_keys(&self) -> Option<Arc<TokenVerifier>> {
        let state = lock(&self.state);
        let keys = state.keys.clone()?;
        (self.clock.now_ms().saturating_sub(state.keys_fetched_ms) < millis(self.keys_ttl)).then_some(keys)
    }

    /// Joins the fetch under way, uses keys another verification brought meanwhile, or starts
    /// a fetch if the budget allows. `known` is the (live) key set the caller already tried.
    fn next(&self, known: Option<&Arc<TokenVerifier>>, kid: Option<&str>) -> Next {
        let mut state = lock(&self.state);
        if let Some(fetch) = &state.in_flight {
            return Next::Await(fetch.clone());
        }
        let now_ms = self.clock.now_ms();
        let live = state.keys.clone().filter(|_| now_ms.saturating_sub(state.keys_fetched_ms) < millis(self.keys_ttl));
        if let Some(keys) = &live
            && !known.is_some_and(|known| Arc::ptr_eq(known, keys))
        {
            return Next::Use(keys.clone());
        }
        let window_ms = millis(self.refetch_interval);
        state.recent_fetches_ms.retain(|&start| now_ms.saturating_sub(start) < window_ms);
        let refuse = match &live {
            // No keys to trust: one fetch, then none until the interval has passed if it failed.
            None => state.last_error.clone().filter(|_| !state.recent_fetches_ms.is_empty()),
            // An unknown kid: one this key set is known to lack, or the budget spent.
            Some(_) => (kid.is_some_and(|kid| state.missing.contains(kid))
                || state.recent_fetches_ms.len() >= UNKNOWN_KID_FETCHES)
                .then_some(VerifyError::UnknownKey),
        };
        if let Some(why) = refuse {
            return Next::Refuse(why);
        }
        let fetch = fetch_keys(
            self.source.clone(),
            self.http.clone(),
            self.clock.clone(),
            self.fetch_timeout,
            Arc::downgrade(&self.state),
        )
        .boxed()
        .shared();
        state.recent_fetches_ms.push_back(now_ms);
        state.in_flight = Some(fetch.clone());
        Next::Await(fetch)
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl std::fmt::Debug for JwksVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = match &*self.source {
            Source::Frontend { url } => url.as_str(),
            Source::Backend { url, .. } => url.as_str(),
        };
        f.debug_struct("JwksVerifier")
            .field("url", &url)
            .field("fetch_timeout", &self.fetch_timeout)
            .field("refetch_interval", &self.refetch_interval)
            .field("keys_ttl", &self.keys_ttl)
            .finish_non_exhaustive()
    }
}

fn lock(state: &Mutex<KeyState>) -> MutexGuard<'_, KeyState> {
    // Every update is a single assignment, so a panic elsewhere cannot leave it half-written.
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One fetch, bounded by `timeout`, whose result every waiting verification shares. It records
/// the outcome itself, so it counts once however many callers await it. The state is held
/// weakly: the fetch is stored in that state while it runs.
async fn fetch_keys(
    source: Arc<Source>,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    timeout: Duration,
    state: Weak<Mutex<KeyState>>,
) -> Result<Arc<TokenVerifier>, VerifyError> {
    let started_ms = clock.now_ms();
    let fetch = std::pin::pin!(fetch_jwks(&source, &http));
    let result = match select(fetch, clock.sleep(timeout)).await {
        Either::Left((result, _)) => result.map(Arc::new),
        Either::Right(_) => Err(VerifyError::KeysTimedOut(timeout)),
    };
    if let Some(state) = state.upgrade() {
        let mut state = lock(&state);
        state.in_flight = None;
        match &result {
            Ok(keys) => {
                state.keys = Some(keys.clone());
                state.keys_fetched_ms = started_ms;
                state.missing.clear();
                state.last_error = None;
            }
            Err(error) => state.last_error = Some(error.clone()),
        }
    }
    result
}

async fn fetch_jwks(source: &Source, http: &reqwest::Client) -> Result<TokenVerifier, VerifyError> {
    let keys_error = |e: reqwest::Error| VerifyError::Keys(e.without_url().to_string());
    let request = match source {
        Source::Frontend { url } => {
            let url = Url::parse(url).map_err(|e| VerifyError::Keys(format!("JWKS URL is not a URL: {e}")))?;
            check_transport_security(&url).map_err(|e| VerifyError::Keys(e.to_string()))?;
            http.get(url)
        }
        Source::Backend { url, authorization } => http
            .get(url.clone())
            .header(AUTHORIZATION, authorization.clone())
            .header("clerk-api-version", CLERK_API_VERSION),
    };
    let mut response = request.send().await.map_err(keys_error)?;
    let status = response.status();
    if !status.is_success() {
        return Err(VerifyError::Keys(format!("the JWKS endpoint answered {status}")));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(keys_error)? {
        if body.len() + chunk.len() > MAX_JWKS_BYTES {
            return Err(VerifyError::Keys(format!("the JWKS is larger than {MAX_JWKS_BYTES} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    let body = std::str::from_utf8(&body).map_err(|_| VerifyError::Keys("the JWKS is not UTF-8".into()))?;
    TokenVerifier::from_jwks_json(body)
}
