//! The engine behind a `Clerk` and its sessions: one per app, owning the HTTP client, session
//! state, cache and in-flight requests, and keeping the active session's token fresh.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures::FutureExt as _;
use futures::future::BoxFuture;
use tokio::runtime::Handle;

#[cfg(feature = "testing")]
use crate::clock::Clock;
use crate::config::ClerkConfig;
use crate::connectivity::Connectivity;
use crate::metrics::Metrics;
use crate::error::{ApiError, Error, InvalidResponse};
use crate::events::{ClerkEvent, Events};
use crate::fapi::{ClientWire, FapiTransport};
use crate::flights::{FlightResult, Flights, Joined};
use crate::refresher::{self, RefreshControl, RefreshTarget};
#[cfg(feature = "testing")]
use crate::settle::RequestClock;
use crate::state::{Origin, State};
use crate::token::{CacheKey, GetTokenOptions, TokenResource, TokenSource};

/// Shared by a `Clerk`, its clones and its sessions; the refresher holds it weakly.
pub(crate) struct Inner {
    pub(crate) transport: FapiTransport,
    state: Mutex<State>,
    pub(crate) flights: Flights,
    /// Requests run as tasks here, so a caller that goes away never cancels a request that
    /// other callers share.
    runtime: Handle,
    pub(crate) events: Arc<Events>,
    pub(crate) refresh: Arc<RefreshControl>,
    pub(crate) connectivity: Arc<Connectivity>,
    pub(crate) metrics: Arc<Metrics>,
    call_deadline: Duration,
    /// The configured clock, unwrapped, for `settled`.
    #[cfg(feature = "testing")]
    pub(crate) clock: Arc<dyn Clock>,
}

impl Inner {
    /// Builds the engine and, with `auto_refresh`, spawns its refresher on `runtime`.
    pub(crate) fn start(config: ClerkConfig, runtime: Handle) -> Result<Arc<Self>, Error> {
        let events = Arc::new(Events::default());
        let refresh = Arc::new(RefreshControl::new(config.auto_refresh));
        let clock = config.clock.clone();
        #[cfg(feature = "testing")]
        let config = config.with_clock(Arc::new(RequestClock::new(clock.clone(), refresh.progress.clone())));
        let connectivity = Arc::new(Connectivity::default());
        let metrics = Arc::new(Metrics::default());
        let transport = FapiTransport::new(&config, events.clone(), connectivity.clone(), metrics.clone())?;
        let state = Mutex::new(State::new(config.max_cached_tokens));
        let inner = Arc::new(Self {
            transport,
            state,
            flights: Flights::default(),
            runtime: runtime.clone(),
            events,
            refresh: refresh.clone(),
            connectivity,
            metrics,
            call_deadline: config.call_deadline,
            #[cfg(feature = "testing")]
            clock: clock.clone(),
        });
        if config.auto_refresh {
            runtime.spawn(refresher::run(Arc::downgrade(&inner), refresh, clock));
        }
        Ok(inner)
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn apply_client(&self, client: Option<&ClientWire>) {
        let now = self.transport.server_now_ms();
        let ended = self.lock().apply_client(client, now);
        for (session_id, reason) in ended {
            self.events.emit(ClerkEvent::SessionEnded { session_id, reason, message: None });
        }
        self.refresh.wake();
    }

    /// Ends `session_id` here and tells subscribers and the refresher, once.
    fn end_session_locally(&self, session_id: &str, reason: &str, message: Option<String>) {
        if self.lock().end_session(session_id, reason) {
            let (session_id, reason) = (session_id.to_string(), reason.to_string());
            self.events.emit(ClerkEvent::SessionEnded { session_id, reason, message });
            self.refresh.wake();
        }
    }

    /// What the platform reports of the network. Back online, the active session's token is
    /// refreshed at once if it is stale or inside the proactive-refresh window, through the
    /// shared flight (one request however many callers, monitors and flaps).
    pub(crate) fn set_online(self: &Arc<Self>, online: bool) {
        let reconnected = self.connectivity.set(online);
        if !online {
            self.refresh.offline();
            return;
        }
        if !reconnected {
            return;
        }
        self.refresh.reconnected();
        let Some((session_id, token)) = self.session_token() else {
            return;
        };
        let now = self.transport.server_now_ms();
        if !token.is_expired(now) && now >= self.refresh.window_opens_ms(&token) {
            let inner = self.clone();
            self.runtime.spawn(async move {
                if let Err(error) = inner.refresh(session_id, &token).await {
                    tracing::debug!(%error, "the refresh on reconnection failed");
                }
            });
        }
    }

    pub(crate) fn is_online(&self) -> bool {
        self.connectivity.is_online()
    }

    pub(crate) fn is_active(&self, session_id: &str) -> bool {
        self.lock().active_generation(session_id).is_some()
    }

    pub(crate) fn call_ticket(&self) -> u64 {
        self.flights.ticket()
    }

    /// A cached token that a flight started after `ticket` fetched, if still unexpired: what a
    /// `skip_cache` call that began at `ticket` but first looked after that flight landed
    /// wants.
    fn fetched_after(&self, key: &CacheKey, ticket: u64) -> Option<TokenResource> {
        let now = self.transport.server_now_ms();
        let mut state = self.lock();
        state.active_generation(&key.session_id)?;
        state.fetched_after(key, ticket).filter(|token| !token.is_expired(now)).cloned()
    }

    /// A cached token that is fresh for `options`, without any I/O.
    pub(crate) fn cached_token(&self, session_id: &str, options: &GetTokenOptions) -> Option<TokenResource> {
        if options.skip_cache {
            return None;
        }
        if options.template.is_none() && options.organization_id.is_none() {
            self.refresh.note_buffer(options.buffer());
        }
        let now = self.transport.server_now_ms();
        let mut state = self.lock();
        state.active_generation(session_id)?;
        state
            .cached(&CacheKey::new(session_id, options))
            .filter(|token| token.is_fresh(now, options.buffer()))
            .cloned()
    }

    pub(crate) async fn get_token(
        self: Arc<Self>,
        session_id: String,
        options: GetTokenOptions,
        ticket: u64,
    ) -> Result<Option<(TokenResource, TokenSource)>, Error> {
        if options.template.is_some() && options.organization_id.is_some() {
            // The template route takes no organization: a token cached under this key would
            // not be what the key says.
            return Err(Error::configuration(
                "a JWT template token cannot be requested for an organization: the Frontend API mints \
                 template tokens for the session's active organization; leave organization_id unset",
            ));
        }
        // The hit path takes the state lock once: `cached_token` checks the session too.
        if let Some(token) = self.cached_token(&session_id, &options) {
            self.metrics.cache_hit();
            return Ok(Some((token, TokenSource::Cache)));
        }
        if !self.is_active(&session_id) {
            return Ok(None);
        }
        let key = CacheKey::new(&session_id, &options);
        let served = self.within_deadline(options.deadline, self.clone().shared_fetch(&key, &options, ticket)).await;
        match served {
            // Stale-if-error: a temporary failure (the deadline included) does not take away a
            // token that is still valid, only past the caller's buffer.
            Err(error) if error.is_temporary() && !options.skip_cache => {
                let now = self.transport.server_now_ms();
                let mut state = self.lock();
                if state.active_generation(&session_id).is_none() {
                    return Ok(None);
                }
                match state.cached(&key).filter(|t| !t.is_expired(now)) {
                    Some(token) => {
                        self.metrics.stale_served();
                        Ok(Some((token.clone(), TokenSource::CacheAfterFailedRefresh(error))))
                    }
                    None => Err(error),
                }
            }
            served => served,
        }
    }

    /// `work`, or `Error::Timeout` once the call's deadline (`deadline`, or the engine's) has
    /// passed. Real time: the deadline is the app's patience, whatever clock tokens are judged by.
    pub(crate) async fn within_deadline<T>(
        &self,
        deadline: Option<Duration>,
        work: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        // The timer belongs to the engine's runtime, whatever polls this call.
        let expired = {
            let _runtime = self.runtime.enter();
            tokio::time::sleep(deadline.unwrap_or(self.call_deadline))
        };
        tokio::select! {
            done = work => done,
            () = expired => Err(Error::Timeout),
        }
    }

    /// Joins the request for `key` or starts it (a task of its own, which goes on if this
    /// caller stops waiting), and waits for it.
    async fn shared_fetch(
        self: Arc<Self>,
        key: &CacheKey,
        options: &GetTokenOptions,
        ticket: u64,
    ) -> Result<Option<(TokenResource, TokenSource)>, Error> {
        let newer_than = options.skip_cache.then_some(ticket);
        let mut counted = false;
        loop {
            let mut started = false;
            let joined = self.flights.join_or_start(
                key,
                newer_than,
                || match newer_than {
                    None => self.cached_token(&key.session_id, options),
                    Some(ticket) => self.fetched_after(key, ticket),
                },
                |seq| {
                    started = true;
                    self.clone().start_fetch(key.clone(), seq)
                },
            );
            if !counted && !matches!(joined, Joined::Cached(_)) {
                counted = true;
                self.metrics.cache_miss(!started);
            }
            let flight = match joined {
                Joined::Cached(token) => {
                    if !counted {
                        self.metrics.cache_hit();
                    }
                    return Ok(Some((token, TokenSource::Cache)));
                }
                Joined::Flight(flight) => flight,
                Joined::Older(flight) => {
                    let _ = flight.result.await;
                    continue;
                }
            };
            return flight.result.await.map(|token| token.map(|token| (token, TokenSource::Network)));
        }
    }

    fn start_fetch(self: Arc<Self>, key: CacheKey, seq: u64) -> BoxFuture<'static, FlightResult> {
        let runtime = self.runtime.clone();
        let task = runtime.spawn(async move {
            let _landing = Landing { inner: self.clone(), key: key.clone(), seq };
            self.fetch(key, seq).await
        });
        async move {
            match task.await {
                Ok(result) => result,
                Err(join) if join.is_panic() => Err(Error::Internal { message: "token request panicked".into() }),
                Err(_) => Err(Error::Cancelled),
            }
        }
        .boxed()
    }

    async fn fetch(&self, key: CacheKey, seq: u64) -> FlightResult {
        let Some(generation) = self.lock().active_generation(&key.session_id) else {
            return Ok(None);
        };
        let last_token = self.lock().cached(&key).map(|t| t.jwt.clone());
        let (session_id, template, org) = (&key.session_id, key.template.as_deref(), key.organization_id.as_deref());
        let mut result = self.transport.create_token(session_id, template, org, None).await;
        // The server wants proof of the previous token before minting a new one.
        if let (Err(Error::Api(api)), Some(last)) = (&result, &last_token) {
            if api.has_code("missing_expired_token") {
                result = self.transport.create_token(session_id, template, org, Some(last)).await;
            }
        }
        if self.lock().active_generation(&key.session_id) != Some(generation) {
            tracing::debug!(session = %key.session_id, "session ended while its token was in flight; result dropped");
            return Ok(None);
        }
        let token = match result.and_then(TokenResource::from_jwt) {
            Ok(token) => token,
            Err(error) => {
                if let Error::Api(api) = &error {
                    if api.ends_session() {
                        tracing::info!(session = %key.session_id, code = ?api.code(), "session ended by the server");
                        let reason = api.code().unwrap_or("ended");
                        self.end_session_locally(&key.session_id, reason, server_message(api));
                    }
                }
                return Err(error);
            }
        };
        self.transport.observe_issued_at(token.issued_at);
        let now = self.transport.server_now_ms();
        if token.is_expired(now) {
            return Err(Error::InvalidResponse(InvalidResponse::ExpiredOnArrival));
        }
        let mut state = self.lock();
        // Checked again under the lock that sign-out takes, so no token slips into the cache.
        if state.active_generation(&key.session_id) != Some(generation) {
            return Ok(None);
        }
        if state.store(key.clone(), token.clone(), now, Origin::Fetched) {
            state.set_fetched_by(&key, seq);
            drop(state);
            self.events.emit(ClerkEvent::TokenRefreshed {
                session_id: key.session_id.clone(),
                template: key.template.clone(),
                organization_id: key.organization_id.clone(),
                token: token.clone(),
            });
            self.refresh.wake();
        }
        Ok(Some(token))
    }

    /// Ends the session here at once, then on the server. A sign-out the server does not
    /// confirm (the request failed, and not because the session is already over) must not undo
    /// itself at the next launch, when the device token would still authenticate the session:
    /// the device forgets its client, so every session on it ends here too.
    /// Signs `session_id` out: locally at once, whatever the network does. The rule for the
    /// device token, the same for every app: when no session is left on this device, it is
    /// forgotten, whether the server confirmed the sign-out, answered that the session was
    /// already over, or could not be reached. Whoever kept a copy could otherwise use it for the
    /// next sign-in's sessions, and the next launch's `load` would restore an unconfirmed one.
    pub(crate) async fn end_session(&self, session_id: &str) -> Result<(), Error> {
        self.end_session_locally(session_id, "ended", None);
        let result = match self.within_deadline(None, self.transport.end_session(session_id)).await {
            Ok(client) => {
                if client.is_some() {
                    self.apply_client(client.as_ref());
                }
                Ok(())
            }
            Err(error) => {
                if !error.ends_session() {
                    tracing::info!(session = %session_id, "sign-out not confirmed; the client is dropped here");
                    self.apply_client(None);
                }
                Err(error)
            }
        };
        if self.lock().active_session_id().is_none() {
            // An app's store that fails must not hide the sign-out's own result.
            let forgotten = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.transport.forget_device_token()));
            if forgotten.is_err() {
                tracing::warn!("the token store failed to forget the device token at sign-out");
            }
        }
        result
    }
}

impl RefreshTarget for Inner {
    fn server_now_ms(&self) -> i64 {
        self.transport.server_now_ms()
    }

    fn session_token(&self) -> Option<(String, TokenResource)> {
        let mut state = self.lock();
        let id = state.active_session_id()?.to_string();
        let token = state.cached(&CacheKey::session_token(&id))?.clone();
        Some((id, token))
    }

    async fn refresh(self: Arc<Self>, session_id: String, stale: &TokenResource) -> FlightResult {
        let key = CacheKey::session_token(&session_id);
        let newer = || {
            let now = self.transport.server_now_ms();
            let mut state = self.lock();
            state.active_generation(&session_id)?;
            state.cached(&key).filter(|t| t.expires_at > stale.expires_at && !t.is_expired(now)).cloned()
        };
        // Counted by the refresh that started the request only: the reconnection's refresh and
        // the refresher's own loop can both join it.
        let mut started = false;
        let start = |seq| {
            started = true;
            self.clone().start_fetch(key.clone(), seq)
        };
        let result = match self.flights.join_or_start(&key, None, newer, start) {
            Joined::Cached(token) => return Ok(Some(token)),
            Joined::Flight(flight) | Joined::Older(flight) => flight.result.await,
        };
        if started
            && let Ok(Some(fresh)) = &result
            && fresh.expires_at > stale.expires_at
        {
            self.metrics.background_refresh(stale.remaining_ms(self.transport.server_now_ms()));
        }
        result
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.refresh.stop();
    }
}

/// The server's own words for an error, the long form first.
fn server_message(api: &ApiError) -> Option<String> {
    let first = api.errors.first()?;
    first.long_message.clone().or_else(|| Some(first.message.clone()).filter(|m| !m.is_empty()))
}

/// Removes a flight from the table when its task ends, panics included.
struct Landing {
    inner: Arc<Inner>,
    key: CacheKey,
    seq: u64,
}

impl Drop for Landing {
    fn drop(&mut self) {
        self.inner.flights.finish(&self.key, self.seq);
    }
}
