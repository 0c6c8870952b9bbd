//! The public API of the Swift package and the Kotlin library, normalised to sorted lines and
//! compared with the snapshots committed in `tests/surface/expected/`, so that every change
//! to what apps can call is seen and reviewed.
//!
//! - [`symbol_graph`]: Swift, from the compiler's symbol graph of `ClerkKit`.
//! - [`kotlin_api`]: Kotlin, parsed from the generated bindings and the facade (tree-sitter),
//!   as no Kotlin compiler here reports its public API.
//! - [`api`]: gathering both and the snapshot comparison.

pub mod api;
pub mod kotlin_api;
pub mod plumbing;
pub mod symbol_graph;
pub mod tokens;
