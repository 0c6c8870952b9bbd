//! Declaration headers as normalised one-line text: the leaf tokens of a syntax node joined
//! with canonical spacing, so formatting and comments never change a snapshot line.

use tree_sitter::Node;

/// The text of `node`.
pub fn text<'s>(node: Node, source: &'s str) -> &'s str {
    &source[node.byte_range()]
}

/// Collects the leaf tokens under `node`, skipping subtrees for which `skip` is true.
/// Nodes whose kind is in `atomic` (string literals) contribute their whole text.
pub fn collect(
    node: Node,
    source: &str,
    atomic: &[&str],
    skip: &dyn Fn(Node) -> bool,
    out: &mut Vec<String>,
) {
    if skip(node) {
        return;
    }
    if node.child_count() == 0 || atomic.contains(&node.kind()) {
        let token = collapse_whitespace(text(node, source));
        if !token.is_empty() {
            out.push(token);
        }
        return;
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        collect(child, source, atomic, skip, out);
    }
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Identifiers in backticks (`` `message` ``) are the plain identifier.
pub fn strip_backticks(token: &str) -> String {
    match token.strip_prefix('`').and_then(|t| t.strip_suffix('`')) {
        Some(inner)
            if !inner.is_empty() && inner.chars().all(|c| c.is_alphanumeric() || c == '_') =>
        {
            inner.to_string()
        }
        _ => token.to_string(),
    }
}

const NO_SPACE_BEFORE: &[&str] = &[",", ")", "]", ":", "?", "!", "!!", "?.", "::", "...", ";"];
const NO_SPACE_AFTER: &[&str] = &["(", "[", ".", "@", "?.", "::", "<"];
/// Keywords after which `(` or `[` starts a new type or expression rather than a call.
const KEYWORDS_BEFORE_GROUP: &[&str] = &[
    "->", "=", ":", ",", "async", "throws", "rethrows", "in", "return", "inout", "some", "any",
    "vararg", "as", "is", "fun",
];

fn word_like(token: &str) -> bool {
    token.chars().last().is_some_and(|c| {
        c.is_alphanumeric()
            || c == '_'
            || c == '`'
            || c == '>'
            || c == '?'
            || c == '!'
            || c == ')'
            || c == ']'
    })
}

/// Joins tokens with one space where Swift and Kotlin style put one.
pub fn join(tokens: &[String]) -> String {
    let mut out = String::new();
    let mut prev: Option<&str> = None;
    for (index, token) in tokens.iter().enumerate() {
        let token = token.as_str();
        // A trailing comma before a closing bracket is formatting, not signature.
        if token == ","
            && tokens
                .get(index + 1)
                .is_some_and(|next| next == ")" || next == "]")
        {
            continue;
        }
        let space = match prev {
            None => false,
            Some(p) if NO_SPACE_AFTER.contains(&p) => false,
            Some(_) if NO_SPACE_BEFORE.contains(&token) => false,
            // Member access hugs its receiver; an implicit member (`= .init()`) does not.
            Some(p) if token == "." => !word_like(p) || KEYWORDS_BEFORE_GROUP.contains(&p),
            Some(p) if token == "(" || token == "[" => {
                !word_like(p) || KEYWORDS_BEFORE_GROUP.contains(&p)
            }
            // Generic arguments and parameters: `Array<Int>`, `fun<T>`; closing `>` hugs its content.
            Some(p) if token == "<" => !word_like(p) || KEYWORDS_BEFORE_GROUP.contains(&p),
            Some(_) if token == ">" => false,
            _ => true,
        };
        if space {
            out.push(' ');
        }
        out.push_str(token);
        prev = Some(token);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(tokens: &[&str]) -> String {
        join(&tokens.iter().map(|t| t.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn swift_headers_join_canonically() {
        assert_eq!(
            j(&[
                "open", "func", "load", "(", ")", "async", "throws", "->", "Session", "?"
            ]),
            "open func load() async throws -> Session?"
        );
        assert_eq!(
            j(&[
                "public", "init", "(", "a", ":", "Int", "=", "Double", "(", "10.0", ")", ",", "b",
                ":", "[", "String", ":", "String", "]", ")"
            ]),
            "public init(a: Int = Double(10.0), b: [String: String])"
        );
        assert_eq!(
            j(&[
                "func", "f", "<", "T", ":", "Sendable", ">", "(", "_", "x", ":", "T", ")", "->",
                "(", "Int", ",", "String", ")"
            ]),
            "func f<T: Sendable>(_ x: T) -> (Int, String)"
        );
        assert_eq!(
            j(&["class", "A", ":", "@", "unchecked", "Sendable"]),
            "class A: @unchecked Sendable"
        );
        assert_eq!(
            j(&["x", ":", "GetTokenOptions", "=", ".", "init", "(", ")"]),
            "x: GetTokenOptions = .init()"
        );
        assert_eq!(
            j(&[
                "a", ":", "Swift", ".", "Error", ",", "b", "=", "Clerk", ".", "x"
            ]),
            "a: Swift.Error, b = Clerk.x"
        );
        assert_eq!(j(&["f", "(", ".", "init", "(", ")", ")"]), "f(.init())");
    }

    #[test]
    fn kotlin_headers_join_canonically() {
        assert_eq!(
            j(&[
                "suspend",
                "fun",
                "requestToken",
                "(",
                "options",
                ":",
                "Opts",
                ")",
                ":",
                "Tok",
                "?"
            ]),
            "suspend fun requestToken(options: Opts): Tok?"
        );
        assert_eq!(
            j(&[
                "@",
                "Throws",
                "(",
                "ClerkException",
                "::",
                "class",
                ")",
                "fun",
                "f",
                "(",
                ")"
            ]),
            "@Throws(ClerkException::class) fun f()"
        );
        assert_eq!(
            j(&["val", "meta", ":", "Map", "<", "String", ",", "String", ">"]),
            "val meta: Map<String, String>"
        );
        assert_eq!(
            j(&["fun", "<", "T", ">", "f", "(", "a", ":", "T", ",", ")"]),
            "fun <T> f(a: T)"
        );
    }

    #[test]
    fn backticks_are_dropped_from_plain_identifiers() {
        assert_eq!(strip_backticks("`message`"), "message");
        assert_eq!(strip_backticks("`a b`"), "`a b`");
        assert_eq!(strip_backticks("plain"), "plain");
    }
}
