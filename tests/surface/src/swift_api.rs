//! The public Swift API of the ClerkKit module, one normalised line per declaration:
//!
//! ```text
//! public final class Clerk: @unchecked Sendable
//! Clerk :: public func signIn(ticket: String) async throws -> Session
//! ClerkError :: case Api(status: UInt16, errors: [ClerkApiError], ...)
//! extension TokenResource: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable
//! extension ClerkApiError: Sendable  [#if compiler(>=6)]
//! ```
//!
//! Public means `public` or `open` inside public types (and every requirement of a public
//! protocol, every case of a public enum). uniffi's plumbing is left out: declarations it
//! marks `@_documentation(visibility: private)`, and any declaration naming a plumbing type.

use std::collections::BTreeSet;
use std::path::PathBuf;

use tree_sitter::Node;

use crate::plumbing::mentions_plumbing;
use crate::syntax::{grammar_gap, parse_swift};
use crate::tokens::{collect, join, strip_backticks, text};

const HIDDEN_ATTRIBUTE: &str = "@_documentation(visibility: private)";

/// Extracts the public API lines from Swift sources (all files of one module).
pub fn extract(sources: &[(PathBuf, String)]) -> Result<Vec<String>, String> {
    let trees: Vec<_> = sources
        .iter()
        .map(|(_, source)| parse_swift(source))
        .collect();
    // Pass 1: which type names the module declares, and which of them are public.
    let mut declared = BTreeSet::new();
    let mut public = BTreeSet::new();
    for ((_, source), tree) in sources.iter().zip(&trees) {
        collect_types(tree.root_node(), source, &mut declared, &mut public);
    }
    // Pass 2: the declarations.
    let mut lines = BTreeSet::new();
    let mut errors = Vec::new();
    for ((path, source), tree) in sources.iter().zip(&trees) {
        let mut file_errors = Vec::new();
        find_unparsed(tree.root_node(), source, &mut file_errors);
        errors.extend(
            file_errors
                .into_iter()
                .map(|line| format!("{}:{line}: does not parse", path.display())),
        );
        let mut walker = Walker {
            source,
            declared: &declared,
            public: &public,
            lines: &mut lines,
        };
        walker.members(tree.root_node(), &Scope::top());
    }
    if !errors.is_empty() {
        return Err(format!(
            "cannot extract the Swift API from code that does not parse:\n{}",
            errors.join("\n")
        ));
    }
    Ok(lines.into_iter().collect())
}

fn find_unparsed(node: Node, source: &str, out: &mut Vec<usize>) {
    if (node.is_error() && grammar_gap(node, source).is_none()) || node.is_missing() {
        out.push(node.start_position().row + 1);
        return;
    }
    if node.has_error() {
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            find_unparsed(child, source, out);
        }
    }
}

fn collect_types(
    node: Node,
    source: &str,
    declared: &mut BTreeSet<String>,
    public: &mut BTreeSet<String>,
) {
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        let kind = child.kind();
        if ((kind == "class_declaration" && declaration_kind(child, source) != "extension")
            || kind == "protocol_declaration"
            || kind == "typealias_declaration")
            && let Some(name) = child.child_by_field_name("name")
        {
            let name = text(name, source).to_string();
            if is_public(child, source) {
                public.insert(name.clone());
            }
            declared.insert(name);
        }
    }
}

fn declaration_kind<'s>(node: Node, source: &'s str) -> &'s str {
    node.child_by_field_name("declaration_kind")
        .map_or("", |k| text(k, source))
}

fn modifiers(node: Node, source: &str) -> Vec<String> {
    let mut cursor = node.walk();

    node.children(&mut cursor)
        .filter(|c| c.kind() == "modifiers")
        .flat_map(|m| {
            let mut inner = m.walk();
            m.children(&mut inner)
                .map(|c| text(c, source).to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn access(node: Node, source: &str) -> Option<String> {
    modifiers(node, source).into_iter().find(|m| {
        let base = m.split('(').next().unwrap_or("");
        [
            "public",
            "open",
            "internal",
            "fileprivate",
            "private",
            "package",
        ]
        .contains(&base)
            && !m.contains("(set)")
    })
}

fn is_public(node: Node, source: &str) -> bool {
    matches!(access(node, source).as_deref(), Some("public" | "open"))
}

#[derive(Clone)]
struct Scope {
    /// Dotted path of the enclosing type, empty at top level.
    path: String,
    /// Members without an access modifier are public (protocol requirements, enum cases,
    /// members of a `public extension`).
    implicit_public: bool,
    /// Members of a `public extension` are shown with the `public` they implicitly have.
    show_implicit_public: bool,
    /// The innermost `#if` conditions in force, outermost first.
    conditions: Vec<String>,
}

impl Scope {
    fn top() -> Scope {
        Scope {
            path: String::new(),
            implicit_public: false,
            show_implicit_public: false,
            conditions: Vec::new(),
        }
    }

    fn nested(&self, name: &str, implicit_public: bool) -> Scope {
        let path = if self.path.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.path)
        };
        Scope {
            path,
            implicit_public,
            show_implicit_public: false,
            conditions: self.conditions.clone(),
        }
    }
}

struct Walker<'a> {
    source: &'a str,
    declared: &'a BTreeSet<String>,
    public: &'a BTreeSet<String>,
    lines: &'a mut BTreeSet<String>,
}

impl Walker<'_> {
    /// The declarations directly inside `container` (a file or a type body).
    fn members(&mut self, container: Node, scope: &Scope) {
        let mut scope = scope.clone();
        let base_conditions = scope.conditions.len();
        let mut hidden_next = false;
        let mut cursor = container.walk();
        for child in container.children(&mut cursor) {
            let kind = child.kind();
            if kind == "directive" {
                self.directive(
                    text(child, self.source).trim(),
                    &mut scope.conditions,
                    base_conditions,
                );
                continue;
            }
            if kind.ends_with("comment") || !child.is_named() {
                continue;
            }
            if child.is_error() {
                // An accepted grammar gap: `#if swift(>=5.8) @_documentation(...) #endif`.
                if grammar_gap(child, self.source).is_some()
                    && text(child, self.source).contains(HIDDEN_ATTRIBUTE)
                {
                    hidden_next = true;
                }
                continue;
            }
            let hidden = std::mem::take(&mut hidden_next)
                || text(child, self.source).starts_with(HIDDEN_ATTRIBUTE);
            if !hidden {
                self.declaration(child, &scope);
            }
        }
    }

    fn directive(&self, directive: &str, conditions: &mut Vec<String>, base: usize) {
        let compact = directive.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some(condition) = compact.strip_prefix("#if ") {
            conditions.push(condition.to_string());
        } else if let Some(condition) = compact.strip_prefix("#elseif ") {
            if conditions.len() > base {
                let previous = conditions.pop().unwrap_or_default();
                conditions.push(format!("!({previous}) && {condition}"));
            }
        } else if compact == "#else" {
            if conditions.len() > base {
                let previous = conditions.pop().unwrap_or_default();
                conditions.push(format!("!({previous})"));
            }
        } else if compact == "#endif" && conditions.len() > base {
            conditions.pop();
        }
    }

    fn emit(&mut self, scope: &Scope, signature: String) {
        if mentions_plumbing(&signature) {
            return;
        }
        let mut line = if scope.path.is_empty() {
            signature
        } else {
            format!("{} :: {signature}", scope.path)
        };
        if !scope.conditions.is_empty() {
            line.push_str(&format!("  [#if {}]", scope.conditions.join(" && ")));
        }
        self.lines.insert(line);
    }

    fn visible(&self, node: Node, scope: &Scope) -> bool {
        match access(node, self.source).as_deref() {
            Some("public" | "open") => true,
            Some(_) => false,
            None => scope.implicit_public,
        }
    }

    fn declaration(&mut self, node: Node, scope: &Scope) {
        match node.kind() {
            "class_declaration" if declaration_kind(node, self.source) == "extension" => {
                self.extension(node, scope)
            }
            "class_declaration" | "protocol_declaration" => {
                if !self.visible(node, scope) {
                    return;
                }
                let Some(name) = node.child_by_field_name("name") else {
                    return;
                };
                let name = text(name, self.source).to_string();
                if mentions_plumbing(&name) {
                    return;
                }
                let header = self.header(node);
                self.emit(scope, header);
                let protocol = node.kind() == "protocol_declaration";
                if let Some(body) = node.child_by_field_name("body") {
                    self.members(body, &scope.nested(&name, protocol));
                }
            }
            // Only reached inside public enums and protocols: always part of the API.
            "enum_entry" | "protocol_function_declaration" | "protocol_property_declaration" => {
                let header = self.header(node);
                self.emit(scope, header);
            }
            "function_declaration"
            | "init_declaration"
            | "property_declaration"
            | "subscript_declaration"
            | "typealias_declaration"
            | "associatedtype_declaration"
                if self.visible(node, scope) =>
            {
                let mut header = self.header(node);
                if scope.show_implicit_public && access(node, self.source).is_none() {
                    header = format!("public {header}");
                }
                self.emit(scope, header);
            }
            _ => {}
        }
    }

    /// `extension X: P { ... }`: its conformances (when X is public or not this module's)
    /// and its public members.
    fn extension(&mut self, node: Node, scope: &Scope) {
        let Some(extended) = node.child_by_field_name("name") else {
            return;
        };
        let extended = text(extended, self.source).to_string();
        let base = extended.split('<').next().unwrap_or("").trim().to_string();
        let declared_here = self.declared.contains(&base);
        if mentions_plumbing(&base) || (declared_here && !self.public.contains(&base)) {
            return;
        }
        let explicit = access(node, self.source);
        if matches!(explicit.as_deref(), Some(a) if a != "public") {
            return;
        }
        let mut cursor = node.walk();
        let conforms = node
            .children(&mut cursor)
            .any(|c| c.kind() == "inheritance_specifier");
        if conforms {
            let header = self.header(node);
            self.emit(scope, header);
        }
        let mut target = extended;
        let mut cursor = node.walk();
        if let Some(constraints) = node
            .children(&mut cursor)
            .find(|c| c.kind() == "type_constraints")
        {
            target = format!("{target} {}", self.tokens(constraints));
        }
        if let Some(body) = node.child_by_field_name("body") {
            let implicit = explicit.as_deref() == Some("public");
            let nested = Scope {
                path: target,
                implicit_public: implicit,
                show_implicit_public: implicit,
                conditions: scope.conditions.clone(),
            };
            self.members(body, &nested);
        }
    }

    fn tokens(&self, node: Node) -> String {
        let mut tokens = Vec::new();
        collect(
            node,
            self.source,
            STRING_KINDS,
            &|n| n.kind().ends_with("comment"),
            &mut tokens,
        );
        join(
            &tokens
                .iter()
                .map(|t| strip_backticks(t))
                .collect::<Vec<_>>(),
        )
    }

    /// The declaration without its body, comments or hiding attribute; computed properties
    /// end in `{ get }` or `{ get set }`.
    fn header(&self, node: Node) -> String {
        let source = self.source;
        let body = node.child_by_field_name("body").map(|b| b.id());
        let computed = node.child_by_field_name("computed_value").or_else(|| {
            let mut cursor = node.walk();

            node.children(&mut cursor)
                .find(|c| c.kind() == "computed_property")
        });
        let skip = |n: Node| {
            Some(n.id()) == body
                || computed.is_some_and(|c| c.id() == n.id())
                || n.kind().ends_with("comment")
                || (n.kind() == "attribute" && text(n, source).starts_with("@_documentation"))
        };
        let mut tokens = Vec::new();
        collect(node, source, STRING_KINDS, &skip, &mut tokens);
        let mut header = join(
            &tokens
                .iter()
                .map(|t| strip_backticks(t))
                .collect::<Vec<_>>(),
        );
        if let Some(computed) = computed {
            let mut kinds = Vec::new();
            kinds_under(computed, &mut kinds);
            let settable = kinds.iter().any(|k| {
                ["computed_setter", "computed_modify", "willset_didset_block"].contains(k)
            });
            header.push_str(if settable { " { get set }" } else { " { get }" });
        }
        header
    }
}

const STRING_KINDS: &[&str] = &[
    "line_string_literal",
    "multi_line_string_literal",
    "raw_string_literal",
];

fn kinds_under(node: Node, out: &mut Vec<&'static str>) {
    out.push(node.kind());
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        kinds_under(child, out);
    }
}
