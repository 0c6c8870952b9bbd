//! The device token store, implemented by the app (Keychain on iOS, Keystore or
//! EncryptedSharedPreferences on Android).

use std::sync::Arc;

#[uniffi::export(with_foreign)]
pub trait DeviceTokenStore: Send + Sync {
    fn load(&self) -> Option<String>;
    /// `None` clears the stored token.
    fn save(&self, token: Option<String>);
}

pub(crate) struct ForeignStore(pub Arc<dyn DeviceTokenStore>);

impl clerk_core::TokenStore for ForeignStore {
    fn load(&self) -> Option<String> {
        self.0.load()
    }

    fn save(&self, token: Option<String>) {
        self.0.save(token)
    }
}
