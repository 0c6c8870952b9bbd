//! `api`: the public Swift API (from the compiler's symbol graph) and the public Kotlin API
//! (the hand-written facade; the generated bindings' package is internal plumbing), compared
//! with the committed snapshots in `tests/surface/expected/`.

use std::path::{Path, PathBuf};

use crate::{kotlin_api, symbol_graph};

pub const KOTLIN_GENERATED: &str = "build/bindings/kotlin";
pub const KOTLIN_FACADE: &str = "kotlin/src/main/kotlin";
/// Compiled into the same jar against an optional dependency (OkHttp).
pub const KOTLIN_OPTIONAL: &str = "kotlin/src/okhttp/kotlin";
/// The Android library's own sources (`ClerkAndroid`), next to the shared facade in the AAR.
pub const KOTLIN_ANDROID: &str = "kotlin/android/src/main/kotlin";
/// The package of the generated bindings (and every package below it): public to the
/// facade's compiler, but no app calls it, so it is no part of the API. Left out by package,
/// whatever it declares.
pub const KOTLIN_GENERATED_PACKAGE: &str = "com.clerk.api.ffi";
pub const SWIFT_SNAPSHOT: &str = "tests/surface/expected/swift-api.txt";
pub const KOTLIN_SNAPSHOT: &str = "tests/surface/expected/kotlin-api.txt";

/// Both snapshots are rewritten this way: the Swift one needs the compiler's symbol graph.
const UPDATE_HINT: &str = "scripts/check-api --update";

/// One language's surface: where it came from and its lines.
#[derive(Debug)]
pub struct Surface {
    pub language: &'static str,
    /// What the lines describe, for the snapshot's header.
    pub origin: &'static str,
    pub snapshot: PathBuf,
    pub lines: Vec<String>,
    /// Things worth telling that are not failures (e.g. a facade not written yet).
    pub notes: Vec<String>,
}

impl Surface {
    pub fn render(&self) -> String {
        let mut out = format!(
            "# Public {} API: {}; sorted.\n# Update with: {UPDATE_HINT}\n",
            self.language, self.origin
        );
        for line in &self.lines {
            out.push_str(line);
            out.push('\n');
        }
        out
    }
}

/// Every file under `dir` (hidden folders skipped) whose name ends in `.extension`.
fn files_with_extension(dir: &Path, extension: &str, out: &mut Vec<PathBuf>) -> Result<(), String> {
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

fn read_all(root: &Path, files: Vec<PathBuf>) -> Result<Vec<(PathBuf, String)>, String> {
    let mut sources = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let shown = file
            .strip_prefix(root)
            .map(Path::to_path_buf)
            .unwrap_or(file);
        sources.push((shown, source));
    }
    Ok(sources)
}

fn non_empty(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|s| !s.trim().is_empty())
}

/// The Swift surface from the symbol graph files in `symbol_graphs` (`ClerkKit.symbols.json`
/// and `ClerkKit@*.symbols.json`, as `swift package dump-symbol-graph` writes them).
pub fn swift_surface(root: &Path, symbol_graphs: &Path) -> Result<Surface, String> {
    let graphs = symbol_graph::read_dir(symbol_graphs)?;
    Ok(Surface {
        language: "Swift",
        origin: "what `import ClerkKit` exposes, one declaration or conformance per line, from the compiler's symbol graph",
        snapshot: root.join(SWIFT_SNAPSHOT),
        lines: symbol_graph::render(&graphs),
        notes: Vec::new(),
    })
}

pub fn kotlin_surface(root: &Path) -> Result<Surface, String> {
    let generated_dir = root.join(KOTLIN_GENERATED);
    let mut generated = Vec::new();
    if generated_dir.is_dir() {
        files_with_extension(&generated_dir, "kt", &mut generated)?;
    }
    generated.retain(|f| non_empty(f));
    if generated.is_empty() {
        return Err(format!(
            "no generated Kotlin under {}: run scripts/generate-bindings",
            generated_dir.display()
        ));
    }
    let mut notes = Vec::new();
    let facade_dir = root.join(KOTLIN_FACADE);
    let mut facade = Vec::new();
    if facade_dir.is_dir() {
        files_with_extension(&facade_dir, "kt", &mut facade)?;
    }
    if facade.is_empty() {
        notes.push(format!("no Kotlin facade in {KOTLIN_FACADE}: the Kotlin snapshot covers the generated bindings only"));
    }
    for extra in [KOTLIN_OPTIONAL, KOTLIN_ANDROID] {
        let dir = root.join(extra);
        if dir.is_dir() {
            files_with_extension(&dir, "kt", &mut facade)?;
        }
    }
    let mut files = generated;
    files.extend(facade);
    files.sort();
    let sources: Vec<(PathBuf, String)> = read_all(root, files)?
        .into_iter()
        .filter(|(_, source)| !in_package(source, KOTLIN_GENERATED_PACKAGE))
        .collect();
    let api = kotlin_api::extract(&sources);
    if !api.errors.is_empty() {
        return Err(format!(
            "the Kotlin grammar could not parse (a declaration may be hidden there): {}\n\
             inspect with `cargo run -p clerk-surface-check -- tree FILE`",
            api.errors.join(", ")
        ));
    }
    Ok(Surface {
        language: "Kotlin",
        origin: "the facade, one declaration per line (the generated package com.clerk.api.ffi left out)",
        snapshot: root.join(KOTLIN_SNAPSHOT),
        lines: api.lines,
        notes,
    })
}

/// The `package` a Kotlin source declares (its first line starting with `package `).
pub fn kotlin_package(source: &str) -> Option<&str> {
    source.lines().find_map(|line| {
        let name = line.trim_end().strip_prefix("package ")?.trim();
        Some(name.trim_end_matches(';'))
    })
}

/// Whether a Kotlin source declares `package` or a package below it.
pub fn in_package(source: &str, package: &str) -> bool {
    kotlin_package(source).is_some_and(|name| {
        name == package || name.strip_prefix(package).is_some_and(|rest| rest.starts_with('.'))
    })
}

/// Lines of the snapshot text, without its `#` header.
pub fn snapshot_lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// `None` when equal; otherwise the differing lines, `-` expected only, `+` actual only.
pub fn diff(expected: &[String], actual: &[String]) -> Option<String> {
    use std::collections::BTreeSet;
    let expected: BTreeSet<&String> = expected.iter().collect();
    let actual: BTreeSet<&String> = actual.iter().collect();
    if expected == actual {
        return None;
    }
    let mut out = String::new();
    for line in expected.difference(&actual) {
        out.push_str(&format!("- {line}\n"));
    }
    for line in actual.difference(&expected) {
        out.push_str(&format!("+ {line}\n"));
    }
    Some(out)
}

/// Compares (or with `update`, rewrites) one surface's snapshot. `Ok(true)` when it matches.
pub fn check(surface: &Surface, update: bool) -> Result<bool, String> {
    if update {
        if let Some(dir) = surface.snapshot.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        std::fs::write(&surface.snapshot, surface.render())
            .map_err(|e| format!("cannot write {}: {e}", surface.snapshot.display()))?;
        println!(
            "{}: wrote {} lines",
            surface.snapshot.display(),
            surface.lines.len()
        );
        return Ok(true);
    }
    let expected = match std::fs::read_to_string(&surface.snapshot) {
        Ok(text) => snapshot_lines(&text),
        Err(_) => {
            eprintln!(
                "{} is missing: create it with `{UPDATE_HINT}`",
                surface.snapshot.display()
            );
            return Ok(false);
        }
    };
    match diff(&expected, &surface.lines) {
        None => {
            println!(
                "{} API matches {} ({} lines)",
                surface.language,
                surface.snapshot.display(),
                surface.lines.len()
            );
            Ok(true)
        }
        Some(changes) => {
            eprintln!(
                "{} API differs from {} (- snapshot only, + current only):\n{changes}If the change is intended: {UPDATE_HINT}",
                surface.language,
                surface.snapshot.display()
            );
            Ok(false)
        }
    }
}
