//! Checks on the Swift and Kotlin sources that no compiler here can check.
//!
//! - [`syntax`]: every Swift file parses (tree-sitter) without ERROR or MISSING nodes, and the
//!   generated bindings are present.
//! - [`api`]: the public API of the generated bindings plus the facades, normalised to sorted
//!   lines and compared with the committed snapshots.

pub mod api;
pub mod kotlin_api;
pub mod plumbing;
pub mod swift_api;
pub mod syntax;
pub mod tokens;
