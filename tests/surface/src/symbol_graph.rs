//! The public Swift API of `import ClerkKit`, read from the compiler's symbol graph
//! (`swift package dump-symbol-graph`), one line per declaration or conformance:
//!
//! ```text
//! ClerkKit :: public final class Clerk
//! Clerk :: public func load() async throws
//! URLSession :: public func data(for request: URLRequest, ...) async throws -> (Data, URLResponse)
//! Session :: conforms to Sendable
//! ```
//!
//! A declaration is listed when it and every type it is nested in are `public` or `open`: a
//! `public` member of an internal type (or one a protocol extension lends it) is not visible
//! to apps. Nothing else is left out, uniffi's public plumbing included, since apps see it.
//! Extensions of other modules' types sit in graphs of their own
//! (`ClerkKit@FoundationNetworking.symbols.json` on Linux, `ClerkKit@Foundation...` on macOS);
//! their lines name the extended type only, so they read the same on every platform.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The module the snapshot describes.
pub const MODULE: &str = "ClerkKit";

/// One `*.symbols.json` file, reduced to what the snapshot needs.
#[derive(Debug, Deserialize)]
pub struct SymbolGraph {
    pub module: Module,
    pub symbols: Vec<Symbol>,
    #[serde(default)]
    pub relationships: Vec<Relationship>,
}

#[derive(Debug, Deserialize)]
pub struct Module {
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Symbol {
    pub kind: Kind,
    pub identifier: Identifier,
    pub path_components: Vec<String>,
    pub declaration_fragments: Vec<Fragment>,
    pub access_level: String,
}

#[derive(Debug, Deserialize)]
pub struct Kind {
    pub identifier: String,
}

#[derive(Debug, Deserialize)]
pub struct Identifier {
    pub precise: String,
}

#[derive(Debug, Deserialize)]
pub struct Fragment {
    pub spelling: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Relationship {
    pub kind: String,
    pub source: String,
    pub target: String,
    /// The qualified name (`Swift.Sendable`) of a target outside this graph.
    pub target_fallback: Option<String>,
    /// The `where` clause of a conditional conformance.
    #[serde(default)]
    pub swift_constraints: Vec<Constraint>,
}

#[derive(Debug, Deserialize)]
pub struct Constraint {
    pub kind: String,
    pub lhs: String,
    pub rhs: String,
}

impl SymbolGraph {
    pub fn parse(json: &str) -> Result<SymbolGraph, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }
}

/// The module's graphs in `dir`: `ClerkKit.symbols.json` (required) and its extension graphs
/// `ClerkKit@<extended module>.symbols.json`, in file name order.
pub fn read_dir(dir: &Path) -> Result<Vec<SymbolGraph>, String> {
    let main = format!("{MODULE}.symbols.json");
    let extension_prefix = format!("{MODULE}@");
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read the symbol graph folder {}: {e}", dir.display()))?;
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == main || (name.starts_with(&extension_prefix) && name.ends_with(".symbols.json"))
        {
            files.push(entry.path());
        }
    }
    if !files.iter().any(|f| f.ends_with(&main)) {
        return Err(format!(
            "no {main} in {}: dump it with `swift package dump-symbol-graph --minimum-access-level private` in swift/ (scripts/check-api does)",
            dir.display()
        ));
    }
    files.sort();
    files
        .iter()
        .map(|file| {
            let text = std::fs::read_to_string(file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            SymbolGraph::parse(&text)
                .map_err(|e| format!("{} is not a symbol graph: {e}", file.display()))
        })
        .collect()
}

/// Kinds of symbol that other symbols can be nested in.
const TYPE_KINDS: &[&str] = &[
    "swift.class",
    "swift.struct",
    "swift.enum",
    "swift.protocol",
    "swift.actor",
];

fn is_public(access_level: &str) -> bool {
    access_level == "public" || access_level == "open"
}

/// `Swift.Sendable` -> `Sendable`: the module of another module's type differs between
/// platforms (`Foundation` on macOS, `FoundationEssentials` on Linux), its name does not.
fn without_module(qualified: &str) -> &str {
    qualified
        .split_once('.')
        .map_or(qualified, |(_, name)| name)
}

/// The sorted, de-duplicated snapshot lines of all `graphs` (one module's main graph and its
/// extension graphs), independent of the order of files, symbols and relationships.
pub fn render(graphs: &[SymbolGraph]) -> Vec<String> {
    let symbols: HashMap<&str, &Symbol> = graphs
        .iter()
        .flat_map(|g| &g.symbols)
        .map(|s| (s.identifier.precise.as_str(), s))
        .collect();
    // Whether each of this module's types is visible; a path with no entry is another
    // module's type (e.g. URLSession), which an extension can only reach if it is visible.
    let mut types: HashMap<&[String], bool> = HashMap::new();
    for symbol in symbols.values() {
        if TYPE_KINDS.contains(&symbol.kind.identifier.as_str()) {
            let visible = types
                .entry(symbol.path_components.as_slice())
                .or_insert(true);
            *visible &= is_public(&symbol.access_level);
        }
    }
    let visible = |symbol: &Symbol| {
        let path = &symbol.path_components;
        is_public(&symbol.access_level)
            && (1..path.len()).all(|end| types.get(&path[..end]).copied().unwrap_or(true))
    };
    // Names of other modules' types, for conformances added to them here.
    let external: HashMap<&str, &str> = graphs
        .iter()
        .flat_map(|g| &g.relationships)
        .filter_map(|r| Some((r.target.as_str(), r.target_fallback.as_deref()?)))
        .collect();
    // A type's name, and whether apps can see it; `None` when its name is unknown.
    let type_name = |precise: &str, fallback: Option<&str>| -> Option<(String, bool)> {
        match symbols.get(precise) {
            Some(symbol) => Some((symbol.path_components.join("."), visible(symbol))),
            None => {
                let qualified = fallback.or_else(|| external.get(precise).copied())?;
                Some((without_module(qualified).to_string(), true))
            }
        }
    };

    let mut lines = BTreeSet::new();
    for graph in graphs {
        for symbol in graph.symbols.iter().filter(|s| visible(s)) {
            let parent = match symbol.path_components.split_last() {
                Some((_, parents)) if !parents.is_empty() => parents.join("."),
                _ => graph.module.name.clone(),
            };
            lines.insert(format!(
                "{parent} :: {} {}",
                symbol.access_level,
                declaration(symbol)
            ));
        }
        for conformance in graph
            .relationships
            .iter()
            .filter(|r| r.kind == "conformsTo")
        {
            // The precise identifier stands in for a name the graph does not give.
            let (source, source_visible) = type_name(&conformance.source, None)
                .unwrap_or_else(|| (conformance.source.clone(), true));
            let (target, target_visible) =
                type_name(&conformance.target, conformance.target_fallback.as_deref())
                    .unwrap_or_else(|| (conformance.target.clone(), true));
            if source_visible && target_visible {
                lines.insert(format!(
                    "{source} :: conforms to {target}{}",
                    where_clause(&conformance.swift_constraints)
                ));
            }
        }
    }
    lines.into_iter().collect()
}

/// The declaration as written, on one line.
fn declaration(symbol: &Symbol) -> String {
    let text: String = symbol
        .declaration_fragments
        .iter()
        .map(|f| f.spelling.as_str())
        .collect();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn where_clause(constraints: &[Constraint]) -> String {
    if constraints.is_empty() {
        return String::new();
    }
    let requirements: Vec<String> = constraints
        .iter()
        .map(|c| match c.kind.as_str() {
            "sameType" => format!("{} == {}", c.lhs, c.rhs),
            _ => format!("{}: {}", c.lhs, c.rhs),
        })
        .collect();
    format!(" where {}", requirements.join(", "))
}
