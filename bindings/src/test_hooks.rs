//! What the test kit (`bindings/testing`) needs of the engines an app configures against one of
//! its fake Clerk servers: the fake's clock instead of the system's, and a way to wait until
//! their background refresh has caught up with that clock. Rust only, behind the `testing`
//! feature: the FFI surface is the same with or without it, and shipped libraries leave it out.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use clerk_core::Clock;
use once_cell::sync::Lazy;

use crate::engine::ClerkCore;

struct Attached {
    clock: Arc<dyn Clock>,
    engines: Vec<Weak<ClerkCore>>,
    /// The device's network as the test set it; engines configured later start with it.
    online: bool,
}

/// By Frontend API URL (as the core normalises it), so fakes on different ports coexist and
/// an engine pointed anywhere else keeps the system clock.
static ATTACHED: Lazy<Mutex<HashMap<String, Attached>>> = Lazy::new(Default::default);

fn attached() -> std::sync::MutexGuard<'static, HashMap<String, Attached>> {
    ATTACHED.lock().unwrap_or_else(|p| p.into_inner())
}

fn normalise(frontend_api_url: &str) -> Option<String> {
    clerk_core::ClerkConfig::from_frontend_api_url(frontend_api_url).ok().map(|c| c.frontend_api.to_string())
}

/// Engines configured for `frontend_api_url` from now on run on `clock`, until the returned
/// attachment is dropped.
pub fn attach(frontend_api_url: &str, clock: Arc<dyn Clock>) -> Attachment {
    let url = normalise(frontend_api_url).unwrap_or_else(|| frontend_api_url.to_string());
    attached().insert(url.clone(), Attached { clock, engines: Vec::new(), online: true });
    Attachment { url }
}

/// Ends the attachment when dropped.
pub struct Attachment {
    url: String,
}

impl Attachment {
    /// Resolves once every live engine configured under this attachment has handled every
    /// change and waits only on the clock.
    pub async fn settled(&self) {
        let engines: Vec<Arc<ClerkCore>> = attached()
            .get(&self.url)
            .map(|a| a.engines.iter().filter_map(Weak::upgrade).collect())
            .unwrap_or_default();
        for engine in engines {
            engine.settled().await;
        }
    }
}

impl Attachment {
    /// The device's network as last set (online until told otherwise).
    pub fn online(&self) -> bool {
        attached().get(&self.url).is_none_or(|a| a.online)
    }

    /// Requests still out across the live engines under this attachment.
    pub fn requests_in_flight(&self) -> usize {
        let engines: Vec<Arc<ClerkCore>> = attached()
            .get(&self.url)
            .map(|a| a.engines.iter().filter_map(Weak::upgrade).collect())
            .unwrap_or_default();
        engines.iter().map(|engine| engine.requests_in_flight()).sum()
    }

    /// Tells every engine under this attachment, and those configured later, what a platform's
    /// network monitor would: the device has a network or not.
    pub fn set_online(&self, online: bool) {
        let engines: Vec<Arc<ClerkCore>> = match attached().get_mut(&self.url) {
            Some(a) => {
                a.online = online;
                a.engines.iter().filter_map(Weak::upgrade).collect()
            }
            None => Vec::new(),
        };
        for engine in engines {
            engine.set_online(online);
        }
    }
}

impl Drop for Attachment {
    fn drop(&mut self) {
        attached().remove(&self.url);
    }
}

/// The clock for an engine about to be configured for `frontend_api`, if a fake serves it.
pub(crate) fn clock_for(frontend_api: &str) -> Option<Arc<dyn Clock>> {
    attached().get(frontend_api).map(|a| a.clock.clone())
}

pub(crate) fn register(frontend_api: &str, engine: &Arc<ClerkCore>) {
    let online = match attached().get_mut(frontend_api) {
        Some(a) => {
            a.engines.retain(|e| e.strong_count() > 0);
            a.engines.push(Arc::downgrade(engine));
            a.online
        }
        None => return,
    };
    if !online {
        engine.set_online(false);
    }
}
