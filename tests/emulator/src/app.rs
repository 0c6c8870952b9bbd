//! State shared by the HTTP handlers and the `Emulator` handle.

use std::sync::atomic::{AtomicI64, AtomicU8, Ordering};
use std::sync::{Mutex, MutexGuard};

use serde_json::json;
use tokio::sync::watch;

use crate::app_backend::AppBackends;
use crate::clock::{Clock, MAX_TIME_MS};
use crate::config::{EmulatorConfig, SessionTokenVersion};
use crate::faults::FaultQueue;
use crate::in_flight::InFlight;
use crate::jwt::{Signer, random_id};
use crate::recorder::Recorder;
use crate::state::{Lifetimes, Model, Seed};

/// Sessions are abandoned after 30 days of inactivity in Clerk.
const ABANDON_AFTER_MS: i64 = 30 * 24 * 3600 * 1000;

pub(crate) struct App {
    pub config: EmulatorConfig,
    pub base_url: String,
    pub clock: Clock,
    skew_ms: AtomicI64,
    session_token_version: AtomicU8,
    pub signer: Signer,
    model: Mutex<Model>,
    faults: Mutex<FaultQueue>,
    pub recorder: Recorder,
    pub in_flight: InFlight,
    /// Stand-ins for apps' own backends (`app_backend.rs`).
    pub app_backends: AppBackends,
    /// Bumped by `release_hangs`; hanging requests wait for a change.
    hang_release: watch::Sender<u64>,
    pub shutdown: watch::Sender<bool>,
}

impl App {
    pub fn new(config: EmulatorConfig, base_url: String) -> Self {
        let clock = Clock::new(config.clock);
        // The configured users and organizations are registered at the start time.
        let start_ms = reported_ms(&clock, config.skew_ms);
        App {
            base_url,
            skew_ms: AtomicI64::new(config.skew_ms),
            session_token_version: AtomicU8::new(config.session_token_version.into()),
            signer: Signer::load(),
            model: Mutex::new(Model::new(seed(&config), start_ms)),
            clock,
            faults: Mutex::new(FaultQueue::default()),
            recorder: Recorder::new(),
            in_flight: InFlight::default(),
            app_backends: AppBackends::default(),
            hang_release: watch::channel(0).0,
            shutdown: watch::channel(false).0,
            config,
        }
    }

    /// The time the emulated server reports: its clock plus the configured skew, within
    /// 1970..=9999 whatever a test set (later arithmetic on it then cannot overflow).
    pub fn now_ms(&self) -> i64 {
        reported_ms(&self.clock, self.skew_ms())
    }

    pub fn skew_ms(&self) -> i64 {
        self.skew_ms.load(Ordering::SeqCst)
    }

    pub fn set_skew_ms(&self, skew_ms: i64) {
        self.skew_ms.store(skew_ms, Ordering::SeqCst);
    }

    pub fn session_token_version(&self) -> SessionTokenVersion {
        match self.session_token_version.load(Ordering::SeqCst) {
            1 => SessionTokenVersion::V1,
            _ => SessionTokenVersion::V2,
        }
    }

    pub fn set_session_token_version(&self, version: SessionTokenVersion) {
        self.session_token_version
            .store(version.into(), Ordering::SeqCst);
    }

    pub fn model(&self) -> MutexGuard<'_, Model> {
        self.model.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn faults(&self) -> MutexGuard<'_, FaultQueue> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn lifetimes(&self) -> Lifetimes {
        Lifetimes {
            session_ms: i64::try_from(self.config.session_lifetime_secs)
                .unwrap_or(i64::MAX)
                .saturating_mul(1000),
            abandon_ms: ABANDON_AFTER_MS,
        }
    }

    /// A fresh device ("client") token: a signed JWT, opaque to the SDK, like Clerk's.
    pub fn new_device_token(&self, client_id: &str) -> String {
        self.signer
            .sign_claims(&json!({ "id": client_id, "rotating_token": random_id(20) }))
    }

    pub fn release_hangs(&self) {
        self.hang_release.send_modify(|n| *n += 1);
    }

    /// Taken when a request arrives (before it is counted), so a `release_hangs` issued as soon
    /// as a test sees the request cannot be missed.
    pub fn hang_guard(&self) -> HangGuard {
        HangGuard {
            release: self.hang_release.subscribe(),
            shutdown: self.shutdown.subscribe(),
        }
    }

    /// Back to the state right after start: no sessions, no faults, empty log, clock at its
    /// start; skew, templates, users, organizations and token version as configured.
    pub fn reset(&self) {
        self.clock.reset();
        self.set_skew_ms(self.config.skew_ms);
        *self.model() = Model::new(seed(&self.config), self.now_ms());
        self.set_session_token_version(self.config.session_token_version);
        self.faults().clear();
        self.recorder.reset();
        self.app_backends.clear();
        // Anything hanging from before the reset is let go rather than left dangling.
        self.release_hangs();
    }
}

fn reported_ms(clock: &Clock, skew_ms: i64) -> i64 {
    clock
        .now_ms()
        .saturating_add(skew_ms)
        .clamp(0, MAX_TIME_MS)
}

fn seed(config: &EmulatorConfig) -> Seed<'_> {
    Seed {
        templates: &config.templates,
        users: &config.users,
        organizations: &config.organizations,
    }
}

pub(crate) struct HangGuard {
    release: watch::Receiver<u64>,
    shutdown: watch::Receiver<bool>,
}

impl HangGuard {
    /// Resolves at the next `release_hangs` (true) or when the emulator stops (false).
    pub async fn wait(mut self) -> bool {
        if *self.shutdown.borrow_and_update() {
            return false;
        }
        tokio::select! {
            _ = self.release.changed() => true,
            _ = self.shutdown.wait_for(|stopped| *stopped) => false,
        }
    }
}
