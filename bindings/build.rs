//! Linker arguments for the shipped library, from the packaging scripts.
//!
//! A Cargo profile cannot carry linker arguments, and RUSTFLAGS or .cargo/config.toml would
//! reach every crate and every build on the machine. `scripts/check-size` and
//! `scripts/build-aar` set `CLERK_CDYLIB_LINK_ARGS` (identical code folding, packed
//! relocations: about 235 KB, see docs/performance.md); they apply to this crate's cdylib only,
//! and no other build changes.

fn main() {
    println!("cargo:rerun-if-env-changed=CLERK_CDYLIB_LINK_ARGS");
    if let Ok(args) = std::env::var("CLERK_CDYLIB_LINK_ARGS") {
        for arg in args.split_whitespace() {
            println!("cargo:rustc-cdylib-link-arg={arg}");
        }
    }
}
