//! Where the device token (the Frontend API client credential) lives between launches.

use std::sync::Mutex;

/// Host apps implement this with the Keychain (iOS) or the Keystore (Android).
/// Implementations must be cheap to call; the engine reads before every request.
pub trait TokenStore: Send + Sync + 'static {
    fn load(&self) -> Option<String>;
    /// `None` clears the stored token.
    fn save(&self, token: Option<String>);
}

/// Keeps the device token in memory only: a signed-in state does not survive a restart.
#[derive(Default)]
pub struct MemoryTokenStore {
    token: Mutex<Option<String>>,
}

impl MemoryTokenStore {
    pub fn new() -> Self {
        Self::default()
    }
}

impl std::fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let present = self.load().is_some();
        f.debug_struct("MemoryTokenStore").field("token", &if present { "<redacted>" } else { "<none>" }).finish()
    }
}

impl TokenStore for MemoryTokenStore {
    fn load(&self) -> Option<String> {
        self.token.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn save(&self, token: Option<String>) {
        *self.token.lock().unwrap_or_else(|p| p.into_inner()) = token;
    }
}
