//! Whether the device has a network, as the platform reports it: the facades watch
//! `NWPathMonitor` (Apple) and `ConnectivityManager` (Android) and tell the engine; Rust apps
//! call `Clerk::set_online` themselves. The engine assumes a network until told otherwise.
//!
//! While offline a call that needs the network fails at once with `Error::Offline`: no request,
//! no retry, no backoff slept. Coming back online wakes what waits on the network: retry
//! backoffs end early and background refresh looks at once.

use std::future::Future;

use tokio::sync::watch;

#[derive(Debug, Clone, Copy)]
struct State {
    online: bool,
    /// Times the device went from offline to online.
    reconnects: u64,
}

pub(crate) struct Connectivity {
    state: watch::Sender<State>,
}

impl Default for Connectivity {
    fn default() -> Self {
        Self { state: watch::Sender::new(State { online: true, reconnects: 0 }) }
    }
}

impl Connectivity {
    pub fn is_online(&self) -> bool {
        self.state.borrow().online
    }

    /// Records what the platform reported; true when it is a reconnection (offline to online).
    /// Repeated reports of the same state change nothing.
    pub fn set(&self, online: bool) -> bool {
        let mut reconnected = false;
        self.state.send_if_modified(|state| {
            if state.online == online {
                return false;
            }
            state.online = online;
            if online {
                state.reconnects += 1;
                reconnected = true;
            }
            true
        });
        reconnected
    }

    /// Resolves at the first reconnection after this call.
    pub fn reconnected(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut changes = self.state.subscribe();
        let seen = changes.borrow().reconnects;
        async move {
            // The sender lives as long as the engine; if it went, nothing will ever reconnect.
            if changes.wait_for(|state| state.reconnects > seen).await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use futures::FutureExt as _;

    use super::*;

    #[test]
    fn only_a_change_from_offline_to_online_is_a_reconnection() {
        let connectivity = Connectivity::default();
        assert!(connectivity.is_online());
        assert!(!connectivity.set(true), "online already");
        let mut waiting = Box::pin(connectivity.reconnected());
        assert!(!connectivity.set(false));
        assert!(!connectivity.is_online());
        assert!(!connectivity.set(false));
        assert!((&mut waiting).now_or_never().is_none(), "going offline wakes nobody");
        assert!(connectivity.set(true));
        assert!(waiting.now_or_never().is_some(), "coming back does");
        assert!(connectivity.reconnected().now_or_never().is_none(), "a new waiter waits for the next one");
    }
}
