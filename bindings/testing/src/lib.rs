//! The test kit: what an app's unit tests need to exercise their token-dependent code without
//! a network. [`FakeClerk`] serves the Frontend API on `127.0.0.1` from this process and owns
//! the clock of every engine configured for its URL, so a test signs a user in, moves time,
//! revokes a session or makes the server fail, and then asserts on what the app did.

mod clock;
mod conformance;
mod fake;

pub use conformance::{ConformanceError, run_transport_conformance_case, transport_conformance_case_files};
pub use fake::{FakeClerk, FakeClerkError, FakeRoute};

uniffi::setup_scaffolding!("clerkkit_testing");
