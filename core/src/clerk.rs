//! `Clerk`, the entry point: signs in and out and hands out sessions. One per app; clones
//! share one engine.

use std::sync::Arc;

use tokio::runtime::Handle;

use crate::config::ClerkConfig;
use crate::engine::Inner;
use crate::error::{Error, InvalidResponse};
use crate::events::EventStream;
use crate::metrics::{MetricStream, MetricsSnapshot};
use crate::session::Session;

/// Cheap to clone; clones share one engine.
#[derive(Clone)]
pub struct Clerk {
    inner: Arc<Inner>,
}

impl Clerk {
    /// Uses the Tokio runtime the caller is running on.
    pub fn new(config: ClerkConfig) -> Result<Self, Error> {
        let runtime = Handle::try_current()
            .map_err(|_| Error::configuration("Clerk::new needs a Tokio runtime; use Clerk::with_runtime"))?;
        Self::with_runtime(config, runtime)
    }

    pub fn with_runtime(config: ClerkConfig, runtime: Handle) -> Result<Self, Error> {
        Ok(Self { inner: Inner::start(config, runtime)? })
    }

    /// Fetches the client (`GET /v1/client`) and returns its active session, if any. Like every
    /// call that needs the network, it waits at most `ClerkConfig::call_deadline`.
    pub async fn load(&self) -> Result<Option<Session>, Error> {
        let client = self.inner.within_deadline(None, self.inner.transport.get_client()).await?;
        self.inner.apply_client(client.as_ref());
        Ok(self.session())
    }

    /// The active session, if signed in.
    pub fn session(&self) -> Option<Session> {
        let state = self.inner.lock();
        let id = state.active_session_id()?;
        let user_id = state.session(id).and_then(|s| s.user_id.clone());
        Some(Session::new(id.to_string(), user_id, self.inner.clone()))
    }

    /// Signs in with a sign-in token (ticket) that the app's backend created.
    pub async fn sign_in_with_ticket(&self, ticket: &str) -> Result<Session, Error> {
        let (session_id, client) = self.inner.within_deadline(None, self.inner.transport.sign_in_with_ticket(ticket)).await?;
        self.inner.apply_client(client.as_ref());
        match self.session() {
            Some(session) if session.id() == session_id => Ok(session),
            _ => Err(Error::InvalidResponse(InvalidResponse::SignInIncomplete)),
        }
    }

    /// Ends the active session. Locally it ends at once, whatever the network does; if the
    /// server does not confirm it, the device token is cleared too (so a restart is signed
    /// out) and the error is returned.
    pub async fn sign_out(&self) -> Result<(), Error> {
        let active = self.inner.lock().active_session_id().map(str::to_string);
        match active {
            Some(id) => self.inner.end_session(&id).await,
            None => Ok(()),
        }
    }

    /// What the platform reports of the network (the facades watch `NWPathMonitor` and
    /// `ConnectivityManager`; Rust apps call this themselves; an engine starts online). While
    /// offline, a call that needs the network fails at once with [`Error::Offline`] and makes no
    /// request; fresh cached tokens are still served. Back online, the active session's token
    /// is refreshed at once if it is stale or about to be, and retry waits end early.
    pub fn set_online(&self, online: bool) {
        self.inner.set_online(online);
    }

    /// The last state [`set_online`](Self::set_online) reported.
    pub fn is_online(&self) -> bool {
        self.inner.is_online()
    }

    /// The counters since the engine started: cache hits and misses, callers that joined a
    /// shared request, requests, retries, failures by kind, stale tokens served, background
    /// refreshes and how long before expiry they landed. Never a token or secret.
    pub fn metrics(&self) -> MetricsSnapshot {
        self.inner.metrics.snapshot()
    }

    /// One record per HTTP attempt from now on: route, attempt number, status or error kind,
    /// duration and response bytes, for the app's own telemetry.
    pub fn request_metrics(&self) -> MetricStream {
        self.inner.metrics.subscribe()
    }

    /// Events from now on: refreshed tokens, ended sessions, device token rotation.
    pub fn events(&self) -> EventStream {
        self.inner.events.subscribe()
    }

    /// The app went to the background: background refreshes stop and no timer runs until
    /// [`resume`](Self::resume). `get_token` keeps working (on demand).
    pub fn pause(&self) {
        self.inner.refresh.pause();
    }

    /// The app is in the foreground again: a token that turned stale meanwhile is refreshed at
    /// once; one that expired is left to the next `get_token`.
    pub fn resume(&self) {
        self.inner.refresh.resume();
    }

    /// Resolves once the background refresher has handled every change and waits only on the
    /// clock or the next change. For tests that drive a `ManualClock`: call it after moving
    /// time. (Retries inside a request wait on the clock too.) Without auto refresh it returns
    /// at once. Only with the `testing` feature.
    #[cfg(feature = "testing")]
    pub async fn settled(&self) {
        self.inner.refresh.settled(self.inner.clock.as_ref()).await;
    }

    /// How far the server's clock is estimated to be ahead of the device's.
    pub fn server_clock_offset_ms(&self) -> i64 {
        self.inner.transport.clock_offset_ms()
    }

    /// Tokens currently cached (at most `ClerkConfig::max_cached_tokens`).
    pub fn cached_token_count(&self) -> usize {
        self.inner.lock().cache_len()
    }

    /// Requests currently in flight (one per cache key at most).
    pub fn requests_in_flight(&self) -> usize {
        self.inner.flights.in_flight()
    }
}
