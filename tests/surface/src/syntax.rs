//! `syntax`: every Swift file must parse without ERROR or MISSING nodes.
//!
//! The tree-sitter Swift grammar (0.7.4) rejects two constructs that are valid Swift and that
//! uniffi generates. Each is recognised by its exact tree shape and counted, never ignored
//! wholesale; anything else that fails to parse is reported with its file and line.

use std::fmt;
use std::path::{Path, PathBuf};

use tree_sitter::{Node, Parser, Tree};

use crate::tokens::text;

/// Inside a SwiftPM package directory, the generated bindings that must be present.
pub const GENERATED_SWIFT: &str = "Sources/ClerkKit/Generated/ClerkKit.swift";

/// A valid construct the grammar cannot parse, accepted only in its exact shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum GrammarGap {
    /// An attribute alone in a conditional block before the declaration it applies to:
    /// `#if swift(>=5.8)` / `@_documentation(visibility: private)` / `#endif` / `public func ...`.
    /// (The grammar treats `#if`/`#endif` as standalone lines, so the attribute has nothing to
    /// attach to.)
    AttributeInConditionalBlock,
    /// A closure whose body is the empty tuple, `{ () }`: the grammar reads `()` as the start
    /// of a closure signature and wants `in` after it.
    ClosureReturningEmptyTuple,
}

impl fmt::Display for GrammarGap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GrammarGap::AttributeInConditionalBlock => {
                "attribute alone in an #if block before its declaration"
            }
            GrammarGap::ClosureReturningEmptyTuple => "closure returning the empty tuple `{ () }`",
        })
    }
}

/// A syntax error: an ERROR node (text the grammar could not place) or a MISSING node (a token
/// the parser had to invent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub missing: bool,
    pub snippet: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.missing {
            write!(
                f,
                "{}:{}: missing `{}`",
                self.line, self.column, self.snippet
            )
        } else {
            write!(
                f,
                "{}:{}: syntax error at `{}`",
                self.line, self.column, self.snippet
            )
        }
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SourceReport {
    pub problems: Vec<Problem>,
    /// Accepted grammar gaps with their lines.
    pub gaps: Vec<(usize, GrammarGap)>,
}

pub fn swift_parser() -> Parser {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_swift::LANGUAGE.into())
        .expect("the tree-sitter-swift grammar matches this tree-sitter version");
    parser
}

pub fn parse_swift(source: &str) -> Tree {
    swift_parser()
        .parse(source, None)
        .expect("parsing without a timeout or cancellation finishes")
}

/// Checks one Swift source.
pub fn check_swift_source(source: &str) -> SourceReport {
    let tree = parse_swift(source);
    let mut report = SourceReport::default();
    visit(tree.root_node(), source, &mut report);
    report.problems.sort_by_key(|p| (p.line, p.column));
    report.gaps.sort();
    report
}

fn visit(node: Node, source: &str, report: &mut SourceReport) {
    if node.is_missing() {
        report.problems.push(Problem {
            line: node.start_position().row + 1,
            column: node.start_position().column + 1,
            missing: true,
            snippet: node.kind().to_string(),
        });
        return;
    }
    if node.is_error() {
        if let Some(gap) = grammar_gap(node, source) {
            report.gaps.push((node.start_position().row + 1, gap));
            return;
        }
        report.problems.push(Problem {
            line: node.start_position().row + 1,
            column: node.start_position().column + 1,
            missing: false,
            snippet: snippet(text(node, source)),
        });
        // MISSING nodes inside are part of the same failure; other ERRORs inside are too.
        return;
    }
    if !node.has_error() {
        return;
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        visit(child, source, report);
    }
}

fn snippet(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    let mut short: String = line.chars().take(60).collect();
    if short.len() < line.len() || text.trim().lines().count() > 1 {
        short.push('…');
    }
    short
}

/// Whether the ERROR `node` is one of the known grammar gaps, in its exact shape.
pub fn grammar_gap(node: Node, source: &str) -> Option<GrammarGap> {
    if is_attribute_in_conditional_block(node, source) {
        return Some(GrammarGap::AttributeInConditionalBlock);
    }
    if is_closure_returning_empty_tuple(node, source) {
        return Some(GrammarGap::ClosureReturningEmptyTuple);
    }
    None
}

fn is_attribute_in_conditional_block(node: Node, source: &str) -> bool {
    let mut cursor = node.walk();
    let named: Vec<Node> = node.named_children(&mut cursor).collect();
    // Exactly one well-formed attribute and nothing else swallowed.
    let [attribute] = named.as_slice() else {
        return false;
    };
    if attribute.kind() != "attribute" || attribute.has_error() || node.child_count() != 1 {
        return false;
    }
    if text(node, source).trim() != text(*attribute, source).trim() {
        return false;
    }
    let Some(opening) = node.prev_named_sibling() else {
        return false;
    };
    let Some(closing) = node.next_named_sibling() else {
        return false;
    };
    let opens = opening.kind() == "directive"
        && ["#if", "#elseif", "#else"]
            .iter()
            .any(|d| text(opening, source).trim_start().starts_with(d));
    let closes = closing.kind() == "directive"
        && ["#endif", "#elseif", "#else"]
            .iter()
            .any(|d| text(closing, source).trim_start().starts_with(d));
    // The attribute must be followed, after the directive(s), by the declaration it applies to.
    let mut after = closing.next_named_sibling();
    while let Some(next) = after {
        if next.kind() == "directive" || next.kind().ends_with("comment") {
            after = next.next_named_sibling();
        } else {
            break;
        }
    }
    let declares = after.is_some_and(|d| d.kind().ends_with("_declaration") && !d.has_error());
    opens && closes && declares
}

fn is_closure_returning_empty_tuple(node: Node, source: &str) -> bool {
    let Some(closure) = node.parent() else {
        return false;
    };
    let compact = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    closure.kind() == "lambda_literal"
        && compact(text(node, source)) == "()"
        && compact(text(closure, source)) == "{()}"
}

/// The outcome for a set of files.
#[derive(Debug, Default)]
pub struct Report {
    pub files: Vec<(PathBuf, SourceReport)>,
    /// Files that must exist and be non-empty but do not or are not.
    pub missing: Vec<String>,
}

impl Report {
    pub fn problem_count(&self) -> usize {
        self.files
            .iter()
            .map(|(_, r)| r.problems.len())
            .sum::<usize>()
            + self.missing.len()
    }

    pub fn ok(&self) -> bool {
        self.problem_count() == 0
    }

    /// Human-readable lines: every problem as `file:line:column: ...`, then a summary.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for why in &self.missing {
            out.push_str(&format!("error: {why}\n"));
        }
        for (path, report) in &self.files {
            for problem in &report.problems {
                out.push_str(&format!("{}:{problem}\n", path.display()));
            }
        }
        let mut gaps: Vec<(GrammarGap, usize, Vec<String>)> = Vec::new();
        for (path, report) in &self.files {
            for (line, gap) in &report.gaps {
                let at = format!("{}:{line}", path.display());
                match gaps.iter_mut().find(|(g, _, _)| g == gap) {
                    Some((_, count, places)) => {
                        *count += 1;
                        if places.len() < 3 {
                            places.push(at);
                        }
                    }
                    None => gaps.push((*gap, 1, vec![at])),
                }
            }
        }
        gaps.sort();
        for (gap, count, places) in gaps {
            out.push_str(&format!(
                "note: accepted {count} × {gap} (valid Swift the grammar rejects), e.g. {}\n",
                places.join(", ")
            ));
        }
        let errors = self.problem_count();
        out.push_str(&format!(
            "{} Swift files parsed, {} {}\n",
            self.files.len(),
            errors,
            if errors == 1 { "problem" } else { "problems" }
        ));
        out
    }
}

/// Parses every `.swift` file under `paths` (files or directories). A directory holding a
/// `Package.swift` must contain non-empty generated bindings at [`GENERATED_SWIFT`].
pub fn check_paths(paths: &[PathBuf]) -> Result<Report, String> {
    let mut report = Report::default();
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            if path.join("Package.swift").is_file() {
                let generated = path.join(GENERATED_SWIFT);
                let present = std::fs::read_to_string(&generated)
                    .map(|s| !s.trim().is_empty())
                    .unwrap_or(false);
                if !present {
                    report.missing.push(format!(
                        "{} is missing or empty: run scripts/generate-bindings",
                        generated.display()
                    ));
                }
            }
            swift_files(path, &mut files)?;
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            return Err(format!("{} does not exist", path.display()));
        }
    }
    files.sort();
    files.dedup();
    if files.is_empty() {
        report.missing.push(format!(
            "no .swift files under {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for file in files {
        let source = std::fs::read_to_string(&file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let checked = check_swift_source(&source);
        report.files.push((file, checked));
    }
    Ok(report)
}

/// `.swift` files under `dir`, skipping hidden directories and SwiftPM's `.build`.
pub fn swift_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    files_with_extension(dir, "swift", out)
}

pub fn files_with_extension(
    dir: &Path,
    extension: &str,
    out: &mut Vec<PathBuf>,
) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if path.is_dir() {
            if !hidden {
                files_with_extension(&path, extension, out)?;
            }
        } else if path.extension().is_some_and(|e| e == extension) {
            out.push(path);
        }
    }
    Ok(())
}
