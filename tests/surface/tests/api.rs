//! The `api` job: extraction rules for Swift and Kotlin, and the snapshot comparison failing
//! on any change until `--update`.

mod common;

use std::path::PathBuf;

use clerk_surface_check::kotlin_api::{self, Prepared};
use clerk_surface_check::swift_api;
use common::{TempDir, run};

fn swift(source: &str) -> Vec<String> {
    swift_api::extract(&[(PathBuf::from("Module.swift"), source.to_string())]).unwrap()
}

fn kotlin(source: &str) -> kotlin_api::KotlinApi {
    kotlin_api::extract(&[(PathBuf::from("module.kt"), source.to_string())])
}

const SWIFT_MODULE: &str = r#"
import Foundation

/// A public class.
public final class Clerk: @unchecked Sendable {
    public static let shared = Clerk()
    private let lock = NSLock()
    var internalState = 0
    public private(set) var count = 0
    public var session: Session? { core?.session() }
    public var mutable: Int {
        get { 1 }
        set { }
    }

    init() {}

    /// Configures.
    public func configure(
        publishableKey: String,   // the key
        requestTimeout: TimeInterval = Clerk.defaultRequestTimeout
    ) throws {}

    fileprivate func hidden() {}

    public struct Nested {
        public let value: Int
        let internalValue: Int
    }

    struct InternalNested {
        public let notVisible: Int
    }
}

struct InternalType {
    public func notVisible() {}
}

extension InternalType: CustomStringConvertible {
    public var description: String { "" }
}

public protocol SessionProtocol: AnyObject, Sendable {
    func id() -> String
    var name: String { get }
}

public enum ClerkError: Swift.Error {
    case Api(status: UInt16, errors: [String]
    )
    case Network(message: String)
    public var message: String { "" }
    var internalOnly: Int { 0 }
}

extension ClerkError: CustomStringConvertible {
    public var description: String { "x" }
    func internalHelper() {}
}

public extension Clerk {
    func implicitlyPublic() {}
    private func stillPrivate() {}
}

#if compiler(>=6)
extension ClerkError: Sendable {}
#endif

#if !compiler(>=6)
extension ClerkError: @unchecked Sendable {}
#endif

#if swift(>=5.8)
@_documentation(visibility: private)
#endif
public func hiddenByUniffi() {}

@_documentation(visibility: private)
public func alsoHidden() {}

public struct FfiConverterTypeClerk {
    public static func lift(_ value: UInt64) -> Clerk { Clerk() }
}

public func uniffiEnsureInitialized() {}

public func `default`(`in` value: Int) -> Int { value }
"#;

#[test]
fn swift_extraction_keeps_exactly_the_public_surface() {
    let lines = swift(SWIFT_MODULE);
    let expected = [
        "Clerk :: public func configure(publishableKey: String, requestTimeout: TimeInterval = Clerk.defaultRequestTimeout) throws",
        "Clerk :: public func implicitlyPublic()",
        "Clerk :: public private(set) var count = 0",
        "Clerk :: public static let shared = Clerk()",
        "Clerk :: public struct Nested",
        "Clerk :: public var mutable: Int { get set }",
        "Clerk :: public var session: Session? { get }",
        "Clerk.Nested :: public let value: Int",
        "ClerkError :: case Api(status: UInt16, errors: [String])",
        "ClerkError :: case Network(message: String)",
        "ClerkError :: public var description: String { get }",
        "ClerkError :: public var message: String { get }",
        "SessionProtocol :: func id() -> String",
        "SessionProtocol :: var name: String { get }",
        "extension ClerkError: @unchecked Sendable  [#if !compiler(>=6)]",
        "extension ClerkError: CustomStringConvertible",
        "extension ClerkError: Sendable  [#if compiler(>=6)]",
        "public enum ClerkError: Swift.Error",
        "public final class Clerk: @unchecked Sendable",
        "public func default(in value: Int) -> Int",
        "public protocol SessionProtocol: AnyObject, Sendable",
    ];
    assert_eq!(
        lines,
        expected.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        "\n{}",
        lines.join("\n")
    );
}

#[test]
fn swift_extraction_refuses_code_that_does_not_parse() {
    let error = swift_api::extract(&[(
        PathBuf::from("Broken.swift"),
        "public func f( {\n".to_string(),
    )])
    .unwrap_err();
    assert!(error.contains("Broken.swift:1"), "{error}");
}

const KOTLIN_MODULE: &str = r#"
package com.clerk.api

/**
 * @suppress
 */
public object FfiConverterTypeSession : FfiConverter<Session, Long> {
    override fun lift(value: Long): Session = Session(UniffiWithHandle, value)
}

object NoHandle

/** The object apps use. */
object Clerk {
    @Volatile private var core: ClerkCore? = null
    internal fun reset() {}
    val session: Session?
        get() = core?.session()
    var timeout: Long = 15
        private set

    fun configure(
        publishableKey: String? = null,   // one of the two
        frontendApiUrl: String? = null,
    ) {}
}

open class Session : Disposable, AutoCloseable, SessionInterface {
    @Suppress("UNUSED_PARAMETER")
    /**
     * @suppress
     */
    constructor(withHandle: UniffiWithHandle, handle: Long) {
        this.handle = handle
    }

    constructor(noHandle: NoHandle) {
        this.handle = 0
    }

    protected val handle: Long

    override fun `id`(): kotlin.String {
        return "x"
    }

    override fun `setMs`(`nowMs`: kotlin.Long)
        =
    callWithHandle {
        it
    }

    /**
     * Documented the uniffi way: code right after the comment.
     */override fun `sleepsMs`(): List<kotlin.Long> {
        return listOf()
    }

    @Throws(ClerkException::class)
    @Suppress("ASSIGNED_BUT_NEVER_ACCESSED_VARIABLE")
    override suspend fun `signOut`() {
    }

    companion object
}

sealed class ClerkException : kotlin.Exception() {
    class Network(
        val `detail`: kotlin.String
        ) : ClerkException() {
        override val message
            get() = "detail=${ `detail` }"
    }

    companion object ErrorHandler : UniffiRustCallStatusErrorHandler<ClerkException> {
        override fun lift(error_buf: RustBuffer.ByValue): ClerkException = throw Exception()
    }
}

enum class ErrorType {
    API,
    NO_SESSION,
}

private class Hidden {
    fun notVisible() {}
}

internal fun helper() {}

public fun uniffiEnsureInitialized() {}

suspend fun Session.getToken(options: GetTokenOptions = GetTokenOptions()): ClerkResult<TokenResource, ClerkErrorResponse> = TODO()
"#;

#[test]
fn kotlin_extraction_keeps_exactly_the_public_surface() {
    let api = kotlin(KOTLIN_MODULE);
    assert_eq!(api.errors, Vec::<String>::new());
    let expected = [
        "Clerk :: fun configure(publishableKey: String? = null, frontendApiUrl: String? = null)",
        "Clerk :: val session: Session?",
        "Clerk :: var timeout: Long = 15 (setter not public)",
        "ClerkException :: class Network(val detail: kotlin.String): ClerkException()",
        "ClerkException.Network :: override val message",
        "ErrorType :: API",
        "ErrorType :: NO_SESSION",
        "Session :: @Throws(ClerkException::class) override suspend fun signOut()",
        "Session :: companion object",
        "Session :: override fun id(): kotlin.String",
        "Session :: override fun setMs(nowMs: kotlin.Long)",
        "Session :: override fun sleepsMs(): List<kotlin.Long>",
        "Session :: protected val handle: Long",
        "enum class ErrorType",
        "object Clerk",
        "open class Session: Disposable, AutoCloseable, SessionInterface",
        "sealed class ClerkException: kotlin.Exception()",
        "suspend fun Session.getToken(options: GetTokenOptions = GetTokenOptions()): ClerkResult<TokenResource, ClerkErrorResponse>",
    ];
    assert_eq!(
        api.lines,
        expected.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        "\n{}",
        api.lines.join("\n")
    );
}

#[test]
fn the_kotlin_comment_line_break_keeps_declarations_and_line_numbers() {
    // Without the inserted line break the grammar loses `b` in an ERROR.
    let source = "class A {\n    val a = 1\n    /** doc */fun b(): Int = 2\n}\n";
    let prepared = Prepared::new(source);
    assert_eq!(
        prepared.text,
        "class A {\n    val a = 1\n    /** doc */\nfun b(): Int = 2\n}\n"
    );
    assert_eq!(prepared.original_line(3), 3);
    assert_eq!(
        prepared.original_line(4),
        3,
        "the moved code stays on its original line"
    );
    assert_eq!(prepared.original_line(5), 4);
    let api = kotlin(source);
    assert_eq!(api.errors, Vec::<String>::new());
    assert_eq!(
        api.lines,
        vec![
            "A :: fun b(): Int".to_string(),
            "A :: val a = 1".to_string(),
            "class A".to_string()
        ]
    );
}

#[test]
fn kotlin_that_does_not_parse_is_reported_at_its_original_line() {
    let source =
        "class A {\n    val a = 1\n    /** doc */fun b(): Int = 2\n}\n\nval broken = (1, \n";
    let api = kotlin(source);
    assert_eq!(api.errors, vec!["module.kt:6".to_string()]);
}

#[test]
fn comment_markers_inside_strings_are_not_comments() {
    let prepared = Prepared::new("val a = \"/* not */x\"\nval b = '\\''\n/* real */val c = 1\n");
    assert_eq!(
        prepared.text,
        "val a = \"/* not */x\"\nval b = '\\''\n/* real */\nval c = 1\n"
    );
}

/// A minimal repository layout for the command.
fn fake_repository() -> TempDir {
    let root = TempDir::new("api-repo");
    root.write(
        "swift/Sources/ClerkKit/Generated/ClerkKit.swift",
        "public struct TokenResource {\n    public let jwt: String\n}\n",
    );
    root.write(
        "swift/Sources/ClerkKit/Session+GetToken.swift",
        "extension TokenResource {\n    public func redacted() -> String { \"\" }\n}\n",
    );
    root.write(
        "build/bindings/kotlin/com/clerk/api/clerkkit.kt",
        "package com.clerk.api\n\ndata class NativeTokenResource(val jwt: String)\n",
    );
    root
}

#[test]
fn the_snapshots_fail_on_any_change_until_updated() {
    let root = fake_repository();
    let dir = root.path().to_str().unwrap();

    let (code, _, stderr) = run(&["api", "--root", dir]);
    assert_eq!(code, 1, "no snapshots yet: {stderr}");
    assert!(stderr.contains("swift-api.txt is missing"), "{stderr}");

    let (code, stdout, stderr) = run(&["api", "--root", dir, "--update"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stderr.contains("no Kotlin facade"),
        "the missing facade is reported: {stderr}"
    );
    let swift_snapshot = root.read("tests/surface/expected/swift-api.txt");
    assert!(
        swift_snapshot.contains("\nTokenResource :: public func redacted() -> String\n"),
        "{swift_snapshot}"
    );
    assert!(
        root.read("tests/surface/expected/kotlin-api.txt")
            .contains("\ndata class NativeTokenResource(val jwt: String)\n")
    );

    let (code, stdout, stderr) = run(&["api", "--root", dir]);
    assert_eq!(code, 0, "{stdout}{stderr}");

    // A changed default, a new method: both show as a diff and fail.
    root.write(
        "swift/Sources/ClerkKit/Session+GetToken.swift",
        "extension TokenResource {\n    public func redacted(mark: String = \"*\") -> String { \"\" }\n}\n",
    );
    root.write("kotlin/src/main/kotlin/com/clerk/api/Clerk.kt", "package com.clerk.api\n\nobject Clerk {\n    fun configure(publishableKey: String) {}\n}\n");
    let (code, _, stderr) = run(&["api", "--root", dir]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("- TokenResource :: public func redacted() -> String"),
        "{stderr}"
    );
    assert!(
        stderr.contains("+ TokenResource :: public func redacted(mark: String = \"*\") -> String"),
        "{stderr}"
    );
    assert!(
        stderr.contains("+ Clerk :: fun configure(publishableKey: String)"),
        "{stderr}"
    );
    assert!(stderr.contains("api --update"), "{stderr}");
}

#[test]
fn missing_generated_bindings_fail_clearly() {
    let root = TempDir::new("api-empty");
    root.write(
        "swift/Sources/ClerkKit/Clerk.swift",
        "public final class Clerk {}\n",
    );
    let (code, _, stderr) = run(&["api", "--root", root.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(
            "Generated/ClerkKit.swift is missing or empty: run scripts/generate-bindings"
        ),
        "{stderr}"
    );
}

/// The official iOS usage needs exactly these declarations; checked on the repository's
/// Swift when the bindings have been generated.
#[test]
fn the_repository_swift_surface_has_the_documented_api() {
    let root = common::repository_root();
    if !root
        .join(clerk_surface_check::api::SWIFT_GENERATED)
        .is_file()
    {
        eprintln!("skipped: run scripts/generate-bindings to check the repository's Swift here");
        return;
    }
    let surface = clerk_surface_check::api::swift_surface(&root).unwrap();
    for wanted in [
        "Clerk :: public static let shared = Clerk()",
        "Clerk :: public var session: Session? { get }",
        "Clerk :: public func load() async throws",
        "Clerk :: public func signIn(ticket: String) async throws -> Session",
        "Clerk :: public func signOut() async throws",
        "Session :: public func getToken(_ options: GetTokenOptions = .init()) async throws -> TokenResource?",
        "GetTokenOptions :: public init(template: String? = nil, expirationBuffer: Double = Double(10.0), skipCache: Bool = false, organizationId: String? = nil)",
        "TokenResource :: public let jwt: String",
        "extension TokenResource: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable",
    ] {
        assert!(
            surface.lines.iter().any(|l| l == wanted),
            "missing: {wanted}"
        );
    }
    let get_token: Vec<_> = surface
        .lines
        .iter()
        .filter(|l| l.contains("getToken"))
        .collect();
    assert_eq!(
        get_token.len(),
        1,
        "one getToken, no overloads to be ambiguous with: {get_token:?}"
    );
    // Every Error is Sendable already; the records need the facade's conformances before Swift 6.
    assert!(
        surface
            .lines
            .contains(&"extension ClerkError: Sendable  [#if compiler(>=6)]".to_string())
    );
    for value_type in [
        "ClerkApiError",
        "ClerkSettings",
        "GetTokenOptions",
        "TokenResource",
    ] {
        for condition in [
            "Sendable  [#if compiler(>=6)]",
            "@unchecked Sendable  [#if !compiler(>=6)]",
        ] {
            let line = format!("extension {value_type}: {condition}");
            assert!(surface.lines.contains(&line), "missing: {line}");
        }
    }
}
