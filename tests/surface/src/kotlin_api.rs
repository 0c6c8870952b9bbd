//! The public Kotlin API of `com.clerk.api`, one normalised line per declaration, parsed with
//! the tree-sitter Kotlin grammar (`tree-sitter-kotlin-ng`):
//!
//! ```text
//! open class Session: Disposable, AutoCloseable, SessionInterface
//! Session :: override fun id(): kotlin.String
//! data class ClerkApiError(val code: kotlin.String, ...)
//! ```
//!
//! Public means not `private` or `internal`, inside public types (`protected` members count:
//! subclasses see them). uniffi's plumbing is left out: declarations whose KDoc says
//! `@suppress` (uniffi's marker for them) and any declaration naming a plumbing type.

use std::collections::BTreeSet;
use std::path::PathBuf;

use tree_sitter::{Node, Parser};

use crate::plumbing::mentions_plumbing;
use crate::tokens::{collect, join, strip_backticks, text};

pub fn kotlin_parser() -> Parser {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_kotlin_ng::LANGUAGE.into())
        .expect("the tree-sitter-kotlin-ng grammar matches this tree-sitter version");
    parser
}

/// What extraction found: the lines, and `file:line` of every place the grammar could not
/// parse (any of which might hide a declaration).
#[derive(Debug, Default)]
pub struct KotlinApi {
    pub lines: Vec<String>,
    pub errors: Vec<String>,
}

pub fn extract(sources: &[(PathBuf, String)]) -> KotlinApi {
    let mut parser = kotlin_parser();
    let mut lines = BTreeSet::new();
    let mut errors = Vec::new();
    for (path, original) in sources {
        let prepared = Prepared::new(original);
        let tree = parser
            .parse(&prepared.text, None)
            .expect("parsing without a timeout finishes");
        let mut walker = Walker {
            source: &prepared.text,
            lines: &mut lines,
        };
        walker.members(
            tree.root_node(),
            &Scope {
                path: String::new(),
            },
        );
        for line in error_lines(tree.root_node()) {
            errors.push(format!(
                "{}:{}",
                path.display(),
                prepared.original_line(line)
            ));
        }
    }
    errors.dedup();
    KotlinApi {
        lines: lines.into_iter().collect(),
        errors,
    }
}

/// Lines (1-based) of every ERROR and MISSING node, outermost only.
fn error_lines(node: Node) -> Vec<usize> {
    if node.is_error() || node.is_missing() {
        return vec![node.start_position().row + 1];
    }
    if !node.has_error() {
        return Vec::new();
    }
    let mut cursor = node.walk();
    let children: Vec<Node> = node.children(&mut cursor).collect();
    children.into_iter().flat_map(error_lines).collect()
}

/// The source as parsed, with the grammar's one known newline gap closed.
///
/// `tree-sitter-kotlin-ng` 1.1.0 loses the newline that separates two declarations when the
/// second starts on the same line as a block comment (`val a = 1` / `/** doc */fun b()`):
/// the comment swallows the line break the grammar needs, so both run together and the
/// second declaration is lost in an ERROR. uniffi writes every documented method that way
/// (`*/override fun ...`). A line break is inserted after such a comment; lines are mapped
/// back for messages.
pub struct Prepared {
    pub text: String,
    /// Original line numbers (1-based) after which a line break was inserted, ascending.
    inserted_after: Vec<usize>,
}

impl Prepared {
    pub fn new(source: &str) -> Prepared {
        let bytes = source.as_bytes();
        let mut text = String::with_capacity(source.len() + 64);
        let mut inserted_after = Vec::new();
        let mut copied = 0;
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'/' if bytes.get(i + 1) == Some(&b'*') => {
                    let end = skip_comment(bytes, i);
                    let rest_of_line = source[end..].split('\n').next().unwrap_or("");
                    if !rest_of_line.trim().is_empty() {
                        text.push_str(&source[copied..end]);
                        text.push('\n');
                        copied = end;
                        inserted_after.push(source[..end].matches('\n').count() + 1);
                    }
                    i = end;
                }
                b'/' if bytes.get(i + 1) == Some(&b'/') => i = skip_comment(bytes, i),
                b'"' => i = skip_string(bytes, i),
                b'\'' => i = skip_char(bytes, i),
                b'`' => i = find(bytes, i + 1, b"`").map_or(bytes.len(), |e| e + 1),
                _ => i += 1,
            }
        }
        text.push_str(&source[copied.min(source.len())..]);
        Prepared {
            text,
            inserted_after,
        }
    }

    /// The original line of a line in `text`.
    pub fn original_line(&self, line: usize) -> usize {
        // Each insertion after original line L turns every later line into one line further.
        let mut shift = 0;
        for &after in &self.inserted_after {
            if line > after + shift {
                shift += 1;
            } else {
                break;
            }
        }
        line - shift
    }
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    (from..bytes.len()).find(|&i| bytes[i..].starts_with(needle))
}

fn skip_comment(bytes: &[u8], at: usize) -> usize {
    if bytes[at + 1] == b'/' {
        return find(bytes, at, b"\n").unwrap_or(bytes.len());
    }
    let mut depth = 0;
    let mut i = at;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"/*") {
            depth += 1;
            i += 2;
        } else if bytes[i..].starts_with(b"*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// From an opening `"` or `"""` to just after the closing one, templates included.
fn skip_string(bytes: &[u8], at: usize) -> usize {
    let raw = bytes[at..].starts_with(b"\"\"\"");
    let mut i = at + if raw { 3 } else { 1 };
    while i < bytes.len() {
        if !raw && bytes[i] == b'\\' {
            i += 2;
        } else if bytes[i..].starts_with(b"${") {
            i = skip_template(bytes, i + 2);
        } else if raw && bytes[i..].starts_with(b"\"\"\"") {
            i += 3;
            while bytes.get(i) == Some(&b'"') {
                i += 1;
            }
            return i;
        } else if !raw && (bytes[i] == b'"' || bytes[i] == b'\n') {
            return i + 1;
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// From just inside `${` to just after its `}`.
fn skip_template(bytes: &[u8], from: usize) -> usize {
    let mut depth = 1;
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = skip_string(bytes, i),
            b'\'' => i = skip_char(bytes, i),
            b'{' => {
                depth += 1;
                i += 1;
            }
            b'}' => {
                depth -= 1;
                i += 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

fn skip_char(bytes: &[u8], at: usize) -> usize {
    let mut i = at + 1;
    while i < bytes.len() && bytes[i] != b'\'' && bytes[i] != b'\n' {
        i += if bytes[i] == b'\\' { 2 } else { 1 };
    }
    i + 1
}

struct Scope {
    /// Dotted path of the enclosing declaration, empty at top level.
    path: String,
}

struct Walker<'a> {
    source: &'a str,
    lines: &'a mut BTreeSet<String>,
}

const DECLARATIONS: &[&str] = &[
    "class_declaration",
    "object_declaration",
    "companion_object",
    "function_declaration",
    "property_declaration",
    "secondary_constructor",
    "type_alias",
    "enum_entry",
];

/// Annotations that change nothing for callers (JVM interop ones like `@Throws` stay).
const IMPLEMENTATION_ANNOTATIONS: &[&str] = &["Suppress", "Synchronized", "Volatile"];

fn annotation_name<'s>(annotation: Node, source: &'s str) -> &'s str {
    let text = text(annotation, source).trim_start_matches('@');
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

const STRING_KINDS: &[&str] = &[
    "string_literal",
    "multiline_string_literal",
    "character_literal",
];

impl Walker<'_> {
    fn members(&mut self, container: Node, scope: &Scope) {
        let mut cursor = container.walk();
        let children: Vec<Node> = container.children(&mut cursor).collect();
        for (index, child) in children.iter().enumerate() {
            if child.is_error() {
                // Declarations the parser still recognised inside the error are extracted.
                self.members(*child, scope);
                continue;
            }
            if !DECLARATIONS.contains(&child.kind()) {
                continue;
            }
            let kdoc_before = index
                .checked_sub(1)
                .map(|i| children[i])
                .filter(|c| c.kind() == "block_comment");
            if suppressed(*child, kdoc_before, self.source) {
                continue;
            }
            self.declaration(*child, scope);
        }
    }

    fn declaration(&mut self, node: Node, scope: &Scope) {
        if !visible(node, self.source) {
            return;
        }
        let header = self.header(node);
        if mentions_plumbing(&header) {
            return;
        }
        let line = if scope.path.is_empty() {
            header.clone()
        } else {
            format!("{} :: {header}", scope.path)
        };
        self.lines.insert(line);

        let body = {
            let mut cursor = node.walk();

            node.children(&mut cursor)
                .find(|c| c.kind() == "class_body" || c.kind() == "enum_class_body")
        };
        if let Some(body) = body {
            if node.kind() == "enum_entry" {
                return;
            }
            let name = match node.child_by_field_name("name") {
                Some(name) => strip_backticks(text(name, self.source)),
                None if node.kind() == "companion_object" => "Companion".to_string(),
                None => return,
            };
            let path = if scope.path.is_empty() {
                name
            } else {
                format!("{}.{name}", scope.path)
            };
            self.members(body, &Scope { path });
        }
    }

    /// The declaration without bodies, accessors, delegates or comments.
    fn header(&self, node: Node) -> String {
        let skip = |n: Node| {
            n.id() != node.id()
                && (matches!(
                    n.kind(),
                    "class_body"
                        | "enum_class_body"
                        | "function_body"
                        | "block"
                        | "getter"
                        | "setter"
                        | "property_delegate"
                        | "constructor_delegation_call"
                ) || n.kind().ends_with("comment")
                    || (n.kind() == "annotation"
                        && IMPLEMENTATION_ANNOTATIONS
                            .iter()
                            .any(|a| annotation_name(n, self.source) == *a)))
        };
        let mut tokens = Vec::new();
        collect(node, self.source, STRING_KINDS, &skip, &mut tokens);
        // `public` is Kotlin's default; the `:` before a skipped `this(...)`/`super(...)` call
        // is not part of the signature.
        if let Some(at) = tokens.iter().position(|t| t == "public") {
            tokens.remove(at);
        }
        if node.kind() == "secondary_constructor" && tokens.last().is_some_and(|t| t == ":") {
            tokens.pop();
        }
        let mut header = join(
            &tokens
                .iter()
                .map(|t| strip_backticks(t))
                .collect::<Vec<_>>(),
        );
        let mut cursor = node.walk();
        let private_setter = node.children(&mut cursor).any(|c| {
            c.kind() == "setter"
                && matches!(
                    visibility(c, self.source).as_deref(),
                    Some("private" | "internal")
                )
        });
        if private_setter {
            header.push_str(" (setter not public)");
        }
        header
    }
}

fn visibility(node: Node, source: &str) -> Option<String> {
    let mut cursor = node.walk();
    let modifiers = node
        .children(&mut cursor)
        .find(|c| c.kind() == "modifiers")?;
    let mut inner = modifiers.walk();

    modifiers
        .children(&mut inner)
        .find(|c| c.kind() == "visibility_modifier")
        .map(|c| text(c, source).to_string())
}

fn visible(node: Node, source: &str) -> bool {
    !matches!(
        visibility(node, source).as_deref(),
        Some("private" | "internal")
    )
}

/// uniffi marks its plumbing with a KDoc `@suppress`, before the declaration or after its
/// annotations (inside the node).
fn suppressed(node: Node, kdoc_before: Option<Node>, source: &str) -> bool {
    let says_suppress = |c: Node| {
        let t = text(c, source);
        t.starts_with("/**") && t.contains("@suppress")
    };
    if kdoc_before.is_some_and(says_suppress) {
        return true;
    }
    let mut found = false;
    let mut stack = vec![node];
    // Comments inside the header (not inside bodies) belong to the declaration.
    while let Some(n) = stack.pop() {
        let mut cursor = n.walk();
        for child in n.children(&mut cursor) {
            match child.kind() {
                "block_comment" if says_suppress(child) => found = true,
                "modifiers" | "annotation" => stack.push(child),
                _ => {}
            }
        }
    }
    found
}
