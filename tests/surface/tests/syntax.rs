//! The `syntax` job: it must fail on broken Swift (with file and line), accept the valid
//! constructs the grammar cannot parse only in their exact shape, and insist on the
//! generated bindings.

mod common;

use clerk_surface_check::syntax::{GrammarGap, check_paths, check_swift_source};
use common::{TempDir, run};

/// Excerpts of the generated bindings (uniffi 0.32) that the grammar rejects.
const GENERATED_SHAPES: &str = r#"
#if swift(>=5.8)
@_documentation(visibility: private)
#endif
public struct FfiConverterTypeSession: FfiConverter {
    typealias FfiType = UInt64
}

open class Session: SessionProtocol, @unchecked Sendable {
    fileprivate let handle: UInt64

#if swift(>=5.8)
    @_documentation(visibility: private)
#endif
    public struct NoHandle {
        public init() {}
    }

    func save() {
        let writeReturn = { () }
        uniffiTraitInterfaceCall(writeReturn: writeReturn)
    }
}
"#;

#[test]
fn broken_swift_fails_with_its_lines() {
    let report = check_swift_source("import Foundation\n\npublic func f( {\n}\n\nlet x = 1\n");
    assert!(
        !report.problems.is_empty(),
        "a broken declaration must be reported"
    );
    assert_eq!(report.problems[0].line, 3, "{:?}", report.problems);
    assert!(report.gaps.is_empty());
}

#[test]
fn a_token_the_parser_had_to_invent_fails() {
    let report = check_swift_source("let pair = (1, 2\nlet next = 3\n");
    assert!(
        !report.problems.is_empty(),
        "an unclosed tuple must be reported"
    );
}

#[test]
fn the_generated_shapes_are_accepted_as_known_grammar_gaps() {
    let report = check_swift_source(GENERATED_SHAPES);
    assert_eq!(
        report.problems,
        vec![],
        "valid generated Swift must not fail"
    );
    let gaps: Vec<GrammarGap> = report.gaps.iter().map(|(_, gap)| *gap).collect();
    assert_eq!(
        gaps,
        vec![
            GrammarGap::AttributeInConditionalBlock,
            GrammarGap::AttributeInConditionalBlock,
            GrammarGap::ClosureReturningEmptyTuple
        ]
    );
    assert_eq!(report.gaps[0].0, 3, "reported at the attribute's line");
}

#[test]
fn the_attribute_gap_is_accepted_only_before_a_declaration() {
    // Nothing follows the #endif: the attribute applies to nothing, which is an error.
    let dangling =
        check_swift_source("#if swift(>=5.8)\n@_documentation(visibility: private)\n#endif\n");
    assert!(!dangling.problems.is_empty(), "{dangling:?}");
    // A malformed attribute in the same place is still an error.
    let malformed = check_swift_source(
        "#if swift(>=5.8)\n@_documentation(visibility: \n#endif\npublic func f() {}\n",
    );
    assert!(!malformed.problems.is_empty(), "{malformed:?}");
    // Not in a conditional block: the attribute simply attaches (no gap needed).
    let plain = check_swift_source("@_documentation(visibility: private)\npublic func f() {}\n");
    assert_eq!(plain.problems, vec![]);
    assert!(plain.gaps.is_empty());
}

#[test]
fn the_closure_gap_is_accepted_only_for_exactly_an_empty_tuple() {
    let fine = check_swift_source("let a = { () }\n");
    assert_eq!(fine.problems, vec![]);
    assert_eq!(fine.gaps.len(), 1);
    let broken = check_swift_source("let a = { () x }\n");
    assert!(!broken.problems.is_empty(), "{broken:?}");
}

#[test]
fn other_grammar_gaps_are_not_hidden() {
    // Valid Swift the grammar also rejects, but which no generated code uses: reported, so
    // hand-written code avoids it (`let outcome = await task.result; switch outcome`).
    let report = check_swift_source(
        "func f() async {\n    switch await task.result {\n    case .success(let v): print(v)\n    default: break\n    }\n}\n",
    );
    assert!(!report.problems.is_empty());
}

#[test]
fn a_package_without_generated_bindings_fails() {
    let dir = TempDir::new("package-without-bindings");
    dir.write("Package.swift", "// swift-tools-version:5.10\n");
    dir.write(
        "Sources/ClerkKit/Clerk.swift",
        "public final class Clerk {}\n",
    );
    let report = check_paths(&[dir.path().to_path_buf()]).unwrap();
    assert!(!report.ok());
    assert!(
        report
            .render()
            .contains("Generated/ClerkKit.swift is missing or empty"),
        "{}",
        report.render()
    );

    dir.write("Sources/ClerkKit/Generated/ClerkKit.swift", "  \n");
    let report = check_paths(&[dir.path().to_path_buf()]).unwrap();
    assert!(!report.ok(), "an empty generated file fails too");

    dir.write(
        "Sources/ClerkKit/Generated/ClerkKit.swift",
        GENERATED_SHAPES,
    );
    let report = check_paths(&[dir.path().to_path_buf()]).unwrap();
    assert!(report.ok(), "{}", report.render());
    assert_eq!(report.files.len(), 3, "Package.swift is Swift too");
}

#[test]
fn no_swift_files_at_all_fails() {
    let dir = TempDir::new("no-swift");
    dir.write("README.md", "nothing here\n");
    let report = check_paths(&[dir.path().to_path_buf()]).unwrap();
    assert!(!report.ok());
}

#[test]
fn the_command_lists_every_error_as_file_and_line_and_exits_non_zero() {
    let dir = TempDir::new("cli-broken");
    dir.write("Good.swift", "public let answer = 42\n");
    dir.write(
        "Nested/Broken.swift",
        "import Foundation\n\nextension Foo {\n    func bar( -> Int {\n}\n",
    );
    let (code, _, stderr) = run(&["syntax", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    let broken = dir.path().join("Nested/Broken.swift");
    assert!(
        stderr.contains(&format!("{}:4:", broken.display())),
        "{stderr}"
    );
    assert!(stderr.contains("2 Swift files parsed"), "{stderr}");

    std::fs::remove_file(broken).unwrap();
    let (code, stdout, stderr) = run(&["syntax", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("1 Swift files parsed, 0 problems"),
        "{stdout}"
    );
}

/// The repository's own Swift, when the bindings have been generated.
#[test]
fn the_repository_swift_parses() {
    let swift = common::repository_root().join("swift");
    if !swift
        .join(clerk_surface_check::syntax::GENERATED_SWIFT)
        .is_file()
    {
        eprintln!("skipped: run scripts/generate-bindings to check the repository's Swift here");
        return;
    }
    let report = check_paths(std::slice::from_ref(&swift)).unwrap();
    assert!(report.ok(), "{}", report.render());
    // Every accepted attribute gap is one of uniffi's doc-hiding attributes, nothing else.
    let generated =
        std::fs::read_to_string(swift.join(clerk_surface_check::syntax::GENERATED_SWIFT)).unwrap();
    let hidden = generated
        .matches("@_documentation(visibility: private)")
        .count();
    let attribute_gaps = report
        .files
        .iter()
        .flat_map(|(_, file)| &file.gaps)
        .filter(|(_, gap)| *gap == GrammarGap::AttributeInConditionalBlock)
        .count();
    assert_eq!(attribute_gaps, hidden);
}
