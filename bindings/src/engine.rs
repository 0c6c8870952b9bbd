//! One engine per app: configuration, sign-in/out and the active session.

use std::sync::Arc;
use std::time::Duration;

use clerk_core::{Clerk, ClerkConfig};

use crate::error::ClerkError;
use crate::events::{ClerkEventListener, EventSubscription};
use crate::http::{ForeignTransport, HttpTransport};
use crate::metrics::{MetricsSnapshot, MetricsSubscription, RequestMetricListener};
use crate::panics;
use crate::runtime;
use crate::session::Session;
use crate::token_store::{DeviceTokenStore, ForeignStore};
use crate::types::ClerkSettings;

#[derive(uniffi::Object)]
pub struct ClerkCore {
    core: Clerk,
}

#[uniffi::export]
impl ClerkCore {
    /// `token_store` defaults to memory only. `transport` sends every request: the facades
    /// give the platform's (URLSession, OkHttp); without one, a library built with the
    /// `reqwest` feature uses reqwest, and the shipped library refuses to start.
    #[uniffi::constructor(default(token_store = None, transport = None))]
    pub fn new(
        settings: ClerkSettings,
        token_store: Option<Arc<dyn DeviceTokenStore>>,
        transport: Option<Arc<dyn HttpTransport>>,
    ) -> Result<Arc<Self>, ClerkError> {
        panics::catching(|| Self::configure(settings, token_store, transport, None))
    }

    /// The active session, if signed in. No I/O.
    pub fn session(&self) -> Option<Arc<Session>> {
        panics::or_none(|| self.core.session().map(Session::wrap))
    }

    /// Loads the client from the Frontend API; returns the active session.
    pub async fn load(&self) -> Result<Option<Arc<Session>>, ClerkError> {
        let core = self.core.clone();
        runtime::run(async move { Ok(core.load().await?.map(Session::wrap)) }).await
    }

    /// Signs in with a sign-in token (ticket) created by the app's backend.
    pub async fn sign_in_with_ticket(&self, ticket: String) -> Result<Arc<Session>, ClerkError> {
        let core = self.core.clone();
        runtime::run(async move { Ok(Session::wrap(core.sign_in_with_ticket(&ticket).await?)) }).await
    }

    /// Ends the active session; its tokens are dropped at once.
    pub async fn sign_out(&self) -> Result<(), ClerkError> {
        let core = self.core.clone();
        runtime::run(async move { Ok(core.sign_out().await?) }).await
    }

    /// The app went to the background: no background refresh and no timer until `resume`.
    pub fn pause(&self) {
        self.core.pause();
    }

    /// The app is in the foreground: a stale token is refreshed at once.
    pub fn resume(&self) {
        self.core.resume();
    }

    /// What the platform says of the device's network (the facades' network monitors call
    /// this). Offline, a call that needs the network fails at once with a `Network` error of
    /// reason `Offline`; back online, a stale token is refreshed at once.
    pub fn set_online(&self, online: bool) {
        self.core.set_online(online);
    }

    pub fn is_online(&self) -> bool {
        self.core.is_online()
    }

    /// The counters since the engine started.
    pub fn metrics(&self) -> MetricsSnapshot {
        self.core.metrics().into()
    }

    /// Delivers a record of every HTTP attempt from now on to `listener`, until the
    /// subscription is cancelled or released.
    pub fn observe_requests(&self, listener: Arc<dyn RequestMetricListener>) -> Arc<MetricsSubscription> {
        MetricsSubscription::start(self.core.request_metrics(), listener)
    }

    /// Delivers every event from now on to `listener`, until the subscription is cancelled
    /// or released.
    pub fn subscribe(&self, listener: Arc<dyn ClerkEventListener>) -> Arc<EventSubscription> {
        EventSubscription::start(self.core.events(), listener)
    }
}

impl ClerkCore {
    /// An engine on `clock` instead of the system clock: for the bindings' own tests.
    #[cfg(feature = "testing")]
    pub fn with_clock(
        settings: ClerkSettings,
        token_store: Option<Arc<dyn DeviceTokenStore>>,
        clock: Arc<dyn clerk_core::Clock>,
    ) -> Result<Arc<Self>, ClerkError> {
        panics::catching(|| Self::configure(settings, token_store, None, Some(clock)))
    }

    /// Resolves once background refresh has caught up with a test clock.
    #[cfg(feature = "testing")]
    pub async fn settled(&self) {
        self.core.settled().await;
    }

    /// Requests still out (a caller may have left one at its deadline).
    #[cfg(feature = "testing")]
    pub fn requests_in_flight(&self) -> usize {
        self.core.requests_in_flight()
    }

    fn configure(
        settings: ClerkSettings,
        token_store: Option<Arc<dyn DeviceTokenStore>>,
        transport: Option<Arc<dyn HttpTransport>>,
        clock: Option<Arc<dyn clerk_core::Clock>>,
    ) -> Result<Arc<Self>, ClerkError> {
        let mut config = match (&settings.publishable_key, &settings.frontend_api_url) {
            (_, Some(url)) => ClerkConfig::from_frontend_api_url(url)?,
            (Some(key), None) => ClerkConfig::from_publishable_key(key)?,
            (None, None) => {
                return Err(ClerkError::Configuration {
                    detail: "give a publishable key or a Frontend API URL".into(),
                });
            }
        };
        let timeout = settings.request_timeout_seconds;
        if !(timeout.is_finite() && timeout > 0.0) {
            return Err(ClerkError::Configuration { detail: "request timeout must be positive".into() });
        }
        config = config
            .with_request_timeout(Duration::from_secs_f64(timeout.min(600.0)))
            .with_sdk(settings.sdk_name, crate::SDK_VERSION)
            .with_auto_refresh(settings.auto_refresh)
            .with_call_deadline(crate::types::duration_from_seconds(settings.call_deadline_seconds));
        if let Some(store) = token_store {
            config = config.with_token_store(Arc::new(ForeignStore(store)));
        }
        if let Some(transport) = transport {
            config = config.with_transport(Arc::new(ForeignTransport(transport)));
        }
        #[cfg(feature = "testing")]
        let clock = clock.or_else(|| crate::test_hooks::clock_for(config.frontend_api.as_str()));
        if let Some(clock) = clock {
            config = config.with_clock(clock);
        }
        #[cfg(feature = "testing")]
        let frontend_api = config.frontend_api.to_string();
        let core = Arc::new(Self { core: Clerk::with_runtime(config, runtime::handle())? });
        #[cfg(feature = "testing")]
        crate::test_hooks::register(&frontend_api, &core);
        Ok(core)
    }
}
