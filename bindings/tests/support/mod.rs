//! Shared by the bindings' integration tests.

use clerkkit::ClerkSettings;

/// An engine against the emulator (or any URL) at `url`, background refresh off.
pub fn settings(url: &str) -> ClerkSettings {
    ClerkSettings {
        publishable_key: None,
        frontend_api_url: Some(url.to_string()),
        request_timeout_seconds: 15.0,
        sdk_name: "bindings-test".into(),
        auto_refresh: false,
        call_deadline_seconds: 10.0,
    }
}
