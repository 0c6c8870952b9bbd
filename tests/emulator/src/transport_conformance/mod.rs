//! The transport conformance suite: the cases in `tests/transport/` (their README describes
//! them), a fault server on real sockets, and a runner that checks a transport against both.
//! Every transport under the core (reqwest in Rust, OkHttp, URLSession) runs the same cases,
//! so a behaviour that differs between platforms shows up as a failed case.
//!
//! ```no_run
//! # async fn demo(send: &(dyn Fn(clerk_emulator::transport_conformance::Request)
//! #     -> clerk_emulator::transport_conformance::SendFuture + Sync)) -> Result<(), String> {
//! use clerk_emulator::transport_conformance::{cases_dir, load_cases, run_case};
//! for (file, case) in load_cases(&cases_dir())? {
//!     run_case(&case, send).await.map_err(|e| format!("{file}: {e}"))?;
//! }
//! # Ok(()) }
//! ```

mod case;
mod runner;
mod server;
mod types;

use std::path::PathBuf;

pub use case::{
    Case, Framing, Kind, MAX_TIMEOUT_MS, RequestSpec, load_case, load_cases, parse_case,
};
pub use runner::{Allowance, CASE_LIMIT, PLATFORM_HEADERS, run_case, run_case_allowing};
pub use types::{Failure, Method, Request, Response, SendFuture};

/// `tests/transport/` in this source tree.
pub fn cases_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../transport")
}
