//! Finds secrets in text that users or crash reporters may see (logs, error messages, `Debug`
//! output): anything shaped like a JWT (session tokens, device tokens, sign-in tickets), Clerk
//! secret keys, and any exact secret value a test knows of.

use std::sync::LazyLock;

use regex::Regex;

static JWT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*").unwrap());
static SECRET_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"sk_(?:test|live)_[A-Za-z0-9]+").unwrap());

/// One secret found: where, and its first characters only (the report must not leak either).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leak {
    pub line: usize,
    pub kind: &'static str,
    pub start: String,
}

/// Every secret in `text`: pattern matches and occurrences of the `known` values.
pub fn find_leaks(text: &str, known: &[String]) -> Vec<Leak> {
    let mut leaks = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let mut found = |kind, secret: &str| {
            leaks.push(Leak {
                line: index + 1,
                kind,
                start: secret.chars().take(12).collect(),
            });
        };
        for m in JWT.find_iter(line) {
            found("jwt", m.as_str());
        }
        for m in SECRET_KEY.find_iter(line) {
            found("secret key", m.as_str());
        }
        for secret in known.iter().filter(|s| s.len() >= 8) {
            if line.contains(secret.as_str()) {
                found("known secret", secret);
            }
        }
    }
    leaks
}

/// `Display` and `Debug` of `value`, as one text to search.
pub fn shown<T: std::fmt::Display + std::fmt::Debug>(value: &T) -> String {
    format!("{value}\n{value:?}\n{value:#?}")
}
