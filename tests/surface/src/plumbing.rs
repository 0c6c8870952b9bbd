//! uniffi's plumbing: public only because generated code in other files needs it; no app
//! developer calls it. A declaration whose signature names one of these is left out of the
//! Kotlin snapshot. (The Swift snapshot lists it: there it comes from the compiler, which
//! shows what `import ClerkKit` really exposes.)

/// Identifier prefixes of uniffi's internal types and functions.
const PREFIXES: &[&str] = &[
    "FfiConverter",
    "Uniffi",
    "uniffi",
    "RustBuffer",
    "ForeignBytes",
    "RustCallStatus",
    "IntegrityCheckingUniffiLib",
];

/// Whole identifiers that are plumbing.
const NAMES: &[&str] = &[
    // Placeholder arguments of the test-only / handle constructors.
    "NoHandle",
    // Kotlin: the exception for internal failures of the generated glue.
    "InternalException",
];

pub fn is_plumbing(identifier: &str) -> bool {
    PREFIXES.iter().any(|p| identifier.starts_with(p)) || NAMES.contains(&identifier)
}

/// Whether any identifier in `signature` is plumbing.
pub fn mentions_plumbing(signature: &str) -> bool {
    signature
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(is_plumbing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plumbing_is_recognised_by_identifier_not_substring() {
        assert!(mentions_plumbing(
            "public struct FfiConverterTypeSession: FfiConverter"
        ));
        assert!(mentions_plumbing(
            "public func uniffiCloneHandle() -> UInt64"
        ));
        assert!(mentions_plumbing("constructor(noHandle: NoHandle)"));
        assert!(mentions_plumbing(
            "fun lift(error_buf: RustBuffer.ByValue): ClerkException"
        ));
        assert!(!mentions_plumbing(
            "public func getToken(_ options: GetTokenOptions = .init()) async throws -> TokenResource?"
        ));
        assert!(!mentions_plumbing("open func signOut() async throws"));
        // `noHandle` as a label alone is not a type name.
        assert!(!mentions_plumbing("val handle: Long"));
    }
}
