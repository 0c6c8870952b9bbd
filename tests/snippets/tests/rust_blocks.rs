//! The docs' Rust blocks (README.md, docs/testing-kit.md, ...) compile as written: build.rs
//! writes each as an `async fn` here. The Kotlin and Swift blocks are compiled and run by the
//! consumer projects (scripts/test-consumers).

include!(concat!(env!("OUT_DIR"), "/rust_blocks.rs"));

#[test]
fn the_docs_rust_blocks_compile() {
    // A block dropped from the extraction would pass unnoticed without a floor.
    assert!(RUST_BLOCKS >= 4, "only {RUST_BLOCKS} Rust blocks found in the docs");
}

#[test]
fn the_maven_version_is_the_workspace_version() {
    // A plain `mvn install` of kotlin/ must make the version the libraries report.
    let pom = include_str!("../../../kotlin/pom.xml");
    let revision = pom
        .lines()
        .find_map(|l| l.trim().strip_prefix("<revision>")?.strip_suffix("</revision>"))
        .expect("kotlin/pom.xml sets <revision>");
    assert_eq!(revision, env!("CARGO_PKG_VERSION"), "kotlin/pom.xml <revision> against [workspace.package] version");
}
