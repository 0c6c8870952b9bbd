//! An HTTP emulator of the Clerk Frontend API (FAPI) and Backend API (BAPI) endpoints used by
//! the SDK, with an injectable clock, fault injection and request recording.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use clerk_emulator::{Emulator, EmulatorConfig, FaultRule, Route, StatusFault};
//!
//! let emu = Emulator::start(EmulatorConfig::default()).await?;
//! let ticket = emu.create_sign_in_token("user_123").token;
//! emu.inject(FaultRule::new(Route::SessionToken, StatusFault::new(503).retry_after("1")));
//! emu.clock().advance_ms(61_000);
//! assert_eq!(emu.count(Route::SessionToken), 0);
//! # let _ = ticket; Ok(())
//! # }
//! ```
//!
//! The server runs on its own thread and Tokio runtime, so it keeps answering while the caller
//! blocks or runs on a paused-time test runtime.

mod app;
mod app_backend;
mod bapi;
mod clock;
mod config;
mod control;
mod directory;
mod error;
mod fapi;
mod faults;
mod in_flight;
mod intercept;
mod jwt;
mod objects;
mod recorder;
mod server;
mod state;
pub mod transport_conformance;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

pub use clock::{Clock, ClockMode, DEFAULT_START_MS, MAX_TIME_MS};
pub use config::{DEFAULT_SECRET_KEY, EmulatorConfig, SessionTokenVersion};
pub use directory::{Membership, Organization, User};
pub use faults::{Fault, FaultRule, Route, StatusFault};
pub use intercept::CLERK_API_VERSION;
pub use recorder::{AUTH_EMPTY, AUTH_PRESENT, RecordedRequest};
pub use state::{JwtTemplate, SessionInfo, SessionStatus, SignInToken};

use app::App;

/// A running emulator on `127.0.0.1`. Dropping it stops the server.
pub struct Emulator {
    app: Arc<App>,
    addr: SocketAddr,
    thread: Option<JoinHandle<()>>,
}

/// A token's decoded JOSE header and claims, after its signature was checked.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedJwt {
    pub header: serde_json::Value,
    pub claims: serde_json::Value,
}

impl Emulator {
    /// Binds `127.0.0.1:{config.port}` and starts serving.
    pub async fn start(config: EmulatorConfig) -> std::io::Result<Emulator> {
        Self::start_blocking(config)
    }

    /// Same as [`Emulator::start`], for synchronous callers.
    pub fn start_blocking(config: EmulatorConfig) -> std::io::Result<Emulator> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", config.port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let app = Arc::new(App::new(config, format!("http://{addr}")));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let server_app = app.clone();
        let thread = std::thread::Builder::new()
            .name(format!("clerk-emulator-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => server::serve(listener, server_app).await,
                        Err(e) => eprintln!("clerk-emulator: cannot serve on {addr}: {e}"),
                    }
                });
            })?;
        Ok(Emulator {
            app,
            addr,
            thread: Some(thread),
        })
    }

    /// Base URL, `http://127.0.0.1:PORT`, used for both FAPI and BAPI (and as the JWT `iss`).
    pub fn url(&self) -> &str {
        &self.app.base_url
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn secret_key(&self) -> &str {
        &self.app.config.secret_key
    }

    /// The emulator's clock (without skew). Advance or set it to move emulated time.
    pub fn clock(&self) -> &Clock {
        &self.app.clock
    }

    /// The time the server reports: clock plus skew, in ms since the epoch.
    pub fn now_ms(&self) -> i64 {
        self.app.now_ms()
    }

    /// Offsets everything the server reports (Date header, `iat`/`exp`, timestamps).
    pub fn set_skew_ms(&self, skew_ms: i64) {
        self.app.set_skew_ms(skew_ms);
    }

    pub fn skew_ms(&self) -> i64 {
        self.app.skew_ms()
    }

    /// Queues a fault rule (FIFO; the first matching rule with uses left applies).
    pub fn inject(&self, rule: FaultRule) {
        self.app.faults().push(rule);
    }

    /// Rules not yet used up.
    pub fn pending_faults(&self) -> Vec<FaultRule> {
        self.app.faults().pending()
    }

    pub fn clear_faults(&self) {
        self.app.faults().clear();
    }

    /// Lets every request held by a `hang` fault proceed normally.
    pub fn release_hangs(&self) {
        self.app.release_hangs();
    }

    /// Requests seen on `route` since the last reset (`Route::Any`: all routes).
    pub fn count(&self, route: Route) -> u64 {
        self.app.recorder.count(route)
    }

    /// Counts of every route, plus `Route::Any` for the total.
    pub fn counts(&self) -> BTreeMap<Route, u64> {
        self.app.recorder.counts()
    }

    /// Clears the counts and the request log.
    pub fn reset_counts(&self) {
        self.app.recorder.reset();
        self.app.in_flight.reset();
    }

    /// The most requests for one path the emulator was answering at once since the last
    /// `reset_counts`: 1 when every request for a token had the path to itself.
    pub fn most_in_flight(&self) -> u64 {
        self.app.in_flight.most()
    }

    /// The request log, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.app.recorder.requests()
    }

    /// The logged requests of one route (`Route::Any`: all).
    pub fn requests_for(&self, route: Route) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| route.matches(r.route))
            .collect()
    }

    /// Resolves once `route` has received at least `n` requests (counted on arrival, so a
    /// request held by `hang` counts). Wrap it in a timeout if the test might never get there.
    pub async fn wait_for_requests(&self, route: Route, n: u64) {
        self.app.recorder.wait_for(route, n).await;
    }

    /// Creates a sign-in token (ticket) for a user, as the app's backend does with its own user
    /// database: the user is registered first if the instance does not have it. The Backend
    /// API's `POST /v1/sign_in_tokens` is strict instead (404 for an unknown user).
    pub fn create_sign_in_token(&self, user_id: &str) -> SignInToken {
        let now_ms = self.now_ms();
        let expires_at = now_ms.saturating_add(bapi::DEFAULT_SIGN_IN_TOKEN_SECS * 1000);
        let mut model = self.app.model();
        model.directory.ensure_user(user_id, now_ms);
        model.create_sign_in_token(user_id, None, expires_at, now_ms, &self.app.base_url)
    }

    /// Registers a user, or replaces an existing user's memberships with the given ones
    /// (organizations they name are created, or renamed when a slug or name is given).
    pub fn set_user(&self, user: User) {
        let now_ms = self.now_ms();
        self.app.model().directory.put_user(&user, now_ms);
    }

    /// A registered user with its memberships (each with its organization's slug and name).
    pub fn user(&self, user_id: &str) -> Option<User> {
        self.app.model().directory.user(user_id)
    }

    /// Every registered user, by id.
    pub fn users(&self) -> Vec<User> {
        self.app.model().directory.users()
    }

    /// Sets a session's status to `revoked`. Returns false if the session does not exist.
    pub fn revoke_session(&self, session_id: &str) -> bool {
        self.set_session_status(session_id, SessionStatus::Revoked)
    }

    /// Forces a session's status (e.g. `Expired`, `Removed`). Returns false if unknown.
    pub fn set_session_status(&self, session_id: &str, status: SessionStatus) -> bool {
        let now_ms = self.now_ms();
        self.app
            .model()
            .set_session_status(session_id, status, now_ms)
    }

    pub fn session(&self, session_id: &str) -> Option<SessionInfo> {
        let now_ms = self.now_ms();
        self.app.model().session_info(session_id, now_ms)
    }

    /// All sessions, oldest first.
    pub fn sessions(&self) -> Vec<SessionInfo> {
        let now_ms = self.now_ms();
        self.app.model().session_infos(now_ms)
    }

    /// Adds or replaces a JWT template.
    pub fn set_template(&self, template: JwtTemplate) {
        self.app
            .model()
            .templates
            .insert(template.name.clone(), template);
    }

    pub fn remove_template(&self, name: &str) -> Option<JwtTemplate> {
        self.app.model().templates.remove(name)
    }

    /// Adds or replaces an organization and its members (members not yet registered are
    /// registered as users).
    pub fn set_organization(&self, organization: Organization) {
        let now_ms = self.now_ms();
        self.app
            .model()
            .directory
            .put_organization(organization, now_ms);
    }

    /// Removes an organization and every membership in it.
    pub fn remove_organization(&self, id: &str) -> Option<Organization> {
        self.app.model().directory.remove_organization(id)
    }

    /// Every organization with its members, by id.
    pub fn organizations(&self) -> Vec<Organization> {
        self.app.model().directory.organizations()
    }

    /// The format of the session tokens minted from now on (version 2 by default).
    pub fn set_session_token_version(&self, version: SessionTokenVersion) {
        self.app.set_session_token_version(version);
    }

    pub fn session_token_version(&self) -> SessionTokenVersion {
        self.app.session_token_version()
    }

    /// Back to the just-started state: data, faults, log, clock, skew, templates, users,
    /// organizations and the session token version.
    pub fn reset(&self) {
        self.app.reset();
    }

    /// The `/.well-known/jwks.json` document.
    pub fn jwks(&self) -> serde_json::Value {
        self.app.signer.jwks()
    }

    /// Verifies a JWT's signature against the emulator key (not its `exp`/`nbf`) and decodes it.
    pub fn decode_jwt(&self, jwt: &str) -> Result<DecodedJwt, String> {
        let (header, claims) = self.app.signer.verify(jwt)?;
        Ok(DecodedJwt { header, claims })
    }

    /// Stops the server and waits for its thread; requests still held by `hang` are dropped.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.app.shutdown.send_replace(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.shutdown();
    }
}
