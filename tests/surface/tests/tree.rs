//! `surface-check tree`: the Kotlin syntax tree as the API extractor sees it, for debugging a
//! parse failure (scripts/test-packaging also uses it on the Gradle Kotlin scripts).

mod common;

use common::{TempDir, run};

#[test]
fn tree_shows_kotlin_and_its_error_nodes() {
    let dir = TempDir::new("tree");
    let good = dir.write("Good.kt", "object Clerk {\n    fun load() {}\n}\n");
    let (code, stdout, stderr) = run(&["tree", good.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("(object_declaration"), "{stdout}");

    let broken = dir.write("Broken.kt", "object Clerk {\n    val broken = (1, \n}\n");
    let (code, stdout, _) = run(&["tree", broken.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        stdout.lines().any(|l| l.starts_with("ERROR 1:1..")),
        "{stdout}"
    );
}

#[test]
fn tree_refuses_other_files() {
    let dir = TempDir::new("tree-swift");
    let swift = dir.write("Clerk.swift", "public final class Clerk {}\n");
    let (code, _, stderr) = run(&["tree", swift.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("tree shows Kotlin (.kt) files only"),
        "{stderr}"
    );
}
