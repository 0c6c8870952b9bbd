//! The `api` job: the Swift symbol-graph renderer, the Kotlin extraction rules, and the
//! snapshot comparison failing on any change until `--update`.

mod common;

use std::path::{Path, PathBuf};

use clerk_surface_check::api::snapshot_lines;
use clerk_surface_check::kotlin_api::{self, Prepared};
use clerk_surface_check::symbol_graph::{self, SymbolGraph};
use common::{TempDir, run};
use serde_json::Value;

fn kotlin(source: &str) -> kotlin_api::KotlinApi {
    kotlin_api::extract(&[(PathBuf::from("module.kt"), source.to_string())])
}

/// A hand-written symbol graph in the compiler's format: `ClerkKit.symbols.json`, the
/// extension graph `ClerkKit@Foundation.symbols.json`, and another module's graph.
fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/symbolgraph")
}

fn fixture(file: &str) -> String {
    std::fs::read_to_string(fixture_dir().join(file)).unwrap()
}

fn parse(json: &str) -> SymbolGraph {
    SymbolGraph::parse(json).unwrap()
}

/// Every line the fixture's ClerkKit graphs render to.
const FIXTURE_SURFACE: &[&str] = &[
    "Box :: conforms to Equatable where Value == String",
    "Box :: conforms to Sendable where Value: Sendable",
    "Clerk :: conforms to Sendable",
    "Clerk :: public func configure(publishableKey: String, retries: Int = max( 1, 2 ))",
    "Clerk :: public func load() async throws",
    "Clerk :: public static let shared: Clerk",
    "ClerkError :: conforms to Error",
    "ClerkError :: conforms to LocalizedError",
    "ClerkError :: public case Network(message: String)",
    "ClerkKit :: open class Session",
    "ClerkKit :: public enum ClerkError",
    "ClerkKit :: public final class Clerk",
    "ClerkKit :: public func uniffiEnsureInitialized()",
    "ClerkKit :: public protocol SessionProtocol : AnyObject, Sendable",
    "ClerkKit :: public protocol TokenProvider",
    "ClerkKit :: public struct Box<Value>",
    "Session :: conforms to Sendable",
    "Session :: conforms to SessionProtocol",
    "Session :: open func id() -> String",
    "Session :: public func getToken(_ options: GetTokenOptions = .init()) async throws -> TokenResource?",
    "Session :: public func uniffiCloneHandle() -> UInt64",
    "Session :: public struct NoHandle",
    "Session.NoHandle :: public init()",
    "SessionProtocol :: conforms to Sendable",
    "SessionProtocol :: public func id() -> String",
    "URLSession :: conforms to TokenProvider",
    "URLSession :: public func data(for request: URLRequest, authorizedBy session: Session) async throws -> (Data, URLResponse)",
];

fn lines(expected: &[&str]) -> Vec<String> {
    expected.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_symbol_graph_renders_exactly_what_apps_can_use() {
    // Kept: public and open declarations, uniffi's public plumbing (`uniffiCloneHandle`,
    // `NoHandle`), members of URLSession from the extension graph under URLSession, public
    // conformances (a conditional one with its where clause); a declaration spread over
    // several lines is one line.
    // Dropped: internal, private and fileprivate declarations, a public member of an internal
    // type, conformances of an internal type or to an internal protocol, and the graph of
    // another module (ClerkKitFFI) in the same folder.
    let rendered = symbol_graph::render(&symbol_graph::read_dir(&fixture_dir()).unwrap());
    assert_eq!(
        rendered,
        lines(FIXTURE_SURFACE),
        "\n{}",
        rendered.join("\n")
    );
}

/// `json` with its symbol and relationship lists reversed.
fn reversed(json: &str) -> String {
    let mut graph: Value = serde_json::from_str(json).unwrap();
    for list in ["symbols", "relationships"] {
        graph[list].as_array_mut().unwrap().reverse();
    }
    graph.to_string()
}

#[test]
fn the_rendering_is_sorted_and_does_not_depend_on_order() {
    let main = fixture("ClerkKit.symbols.json");
    let extension = fixture("ClerkKit@Foundation.symbols.json");
    let forward = symbol_graph::render(&[parse(&main), parse(&extension)]);
    let backward = symbol_graph::render(&[parse(&reversed(&extension)), parse(&reversed(&main))]);
    assert_eq!(forward, backward);
    assert!(forward.is_sorted(), "{forward:#?}");
    assert_eq!(forward.len(), FIXTURE_SURFACE.len());
}

#[test]
fn extension_lines_do_not_name_the_platforms_foundation_module() {
    // On Linux the URLSession extension is in ClerkKit@FoundationNetworking.symbols.json and
    // names FoundationNetworking where macOS names Foundation.
    let dir = TempDir::new("linux-graphs");
    dir.write("ClerkKit.symbols.json", &fixture("ClerkKit.symbols.json"));
    let linux = fixture("ClerkKit@Foundation.symbols.json")
        .replace(
            "\"Foundation.URLSession\"",
            "\"FoundationNetworking.URLSession\"",
        )
        .replace(
            "\"extendedModule\": \"Foundation\"",
            "\"extendedModule\": \"FoundationNetworking\"",
        )
        .replace(
            "s:10Foundation10URLSessionC",
            "s:20FoundationNetworking10URLSessionC",
        );
    assert!(linux.contains("FoundationNetworking.URLSession"));
    dir.write("ClerkKit@FoundationNetworking.symbols.json", &linux);
    let on_linux = symbol_graph::render(&symbol_graph::read_dir(dir.path()).unwrap());
    assert_eq!(on_linux, lines(FIXTURE_SURFACE));
}

#[test]
fn a_conformance_the_graph_does_not_name_shows_the_precise_identifier() {
    // A target without targetFallback takes its name from another relationship that gives
    // it (Sendable); where none does (Error), or no memberOf names the extended type
    // (URLSession), the compiler's identifier is all there is: still listed, never dropped.
    let mut main: Value = serde_json::from_str(&fixture("ClerkKit.symbols.json")).unwrap();
    for relationship in main["relationships"].as_array_mut().unwrap() {
        if relationship["source"] == "s:8ClerkKit5ClerkC" || relationship["target"] == "s:s5ErrorP"
        {
            relationship
                .as_object_mut()
                .unwrap()
                .remove("targetFallback");
        }
    }
    let mut extension: Value =
        serde_json::from_str(&fixture("ClerkKit@Foundation.symbols.json")).unwrap();
    extension["relationships"]
        .as_array_mut()
        .unwrap()
        .retain(|r| r["kind"] == "conformsTo");
    let rendered = symbol_graph::render(&[parse(&main.to_string()), parse(&extension.to_string())]);
    for line in [
        "Clerk :: conforms to Sendable",
        "ClerkError :: conforms to s:s5ErrorP",
        "s:10Foundation10URLSessionC :: conforms to TokenProvider",
    ] {
        assert!(
            rendered.contains(&line.to_string()),
            "missing `{line}` in {rendered:#?}"
        );
    }
}

#[test]
fn a_folder_without_the_module_graph_fails_clearly() {
    let dir = TempDir::new("no-main-graph");
    let error = symbol_graph::read_dir(dir.path()).unwrap_err();
    assert!(error.contains("no ClerkKit.symbols.json in"), "{error}");
    // An extension graph alone is not the module.
    dir.write(
        "ClerkKit@Foundation.symbols.json",
        &fixture("ClerkKit@Foundation.symbols.json"),
    );
    let error = symbol_graph::read_dir(dir.path()).unwrap_err();
    assert!(error.contains("no ClerkKit.symbols.json in"), "{error}");
    assert!(error.contains("dump-symbol-graph"), "{error}");

    let error = symbol_graph::read_dir(&dir.path().join("absent")).unwrap_err();
    assert!(
        error.contains("cannot read the symbol graph folder"),
        "{error}"
    );
}

#[test]
fn a_file_that_is_not_a_symbol_graph_fails_clearly() {
    let dir = TempDir::new("bad-graph");
    dir.write(
        "ClerkKit.symbols.json",
        "{\"module\": {\"name\": \"ClerkKit\"}, \"symbols\": [",
    );
    let error = symbol_graph::read_dir(dir.path()).unwrap_err();
    assert!(
        error.contains("ClerkKit.symbols.json is not a symbol graph"),
        "{error}"
    );
    // A symbol without its access level cannot be judged: refused, not guessed.
    let mut graph: Value = serde_json::from_str(&fixture("ClerkKit.symbols.json")).unwrap();
    graph["symbols"][0]
        .as_object_mut()
        .unwrap()
        .remove("accessLevel");
    dir.write("ClerkKit.symbols.json", &graph.to_string());
    let error = symbol_graph::read_dir(dir.path()).unwrap_err();
    assert!(error.contains("accessLevel"), "{error}");
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

/// A minimal repository layout for the command: generated Kotlin, and the fixture's symbol
/// graphs in `graphs/`.
fn fake_repository() -> TempDir {
    let root = TempDir::new("api-repo");
    for file in ["ClerkKit.symbols.json", "ClerkKit@Foundation.symbols.json"] {
        root.write(&format!("graphs/{file}"), &fixture(file));
    }
    root.write(
        "build/bindings/kotlin/com/clerk/api/clerkkit.kt",
        "package com.clerk.api\n\ndata class NativeTokenResource(val jwt: String)\n",
    );
    root
}

fn api(root: &Path, extra: &[&str]) -> (i32, String, String) {
    let root_arg = root.to_str().unwrap();
    let graphs = root.join("graphs");
    let mut args = vec![
        "api",
        "--root",
        root_arg,
        "--swift-symbol-graphs",
        graphs.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn the_snapshots_fail_on_any_change_until_updated() {
    let root = fake_repository();

    let (code, _, stderr) = api(root.path(), &[]);
    assert_eq!(code, 1, "no snapshots yet: {stderr}");
    assert!(stderr.contains("swift-api.txt is missing"), "{stderr}");

    let (code, stdout, stderr) = api(root.path(), &["--update"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stderr.contains("no Kotlin facade"),
        "the missing facade is reported: {stderr}"
    );
    let swift_snapshot = root.read("tests/surface/expected/swift-api.txt");
    assert_eq!(
        snapshot_lines(&swift_snapshot),
        lines(FIXTURE_SURFACE),
        "{swift_snapshot}"
    );
    assert!(
        root.read("tests/surface/expected/kotlin-api.txt")
            .contains("\ndata class NativeTokenResource(val jwt: String)\n")
    );

    let (code, stdout, stderr) = api(root.path(), &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");

    // A changed default and a conformance gone in Swift, a new method in Kotlin: each shows
    // in the diff and fails the check.
    let main = root.read("graphs/ClerkKit.symbols.json");
    assert!(main.contains("\" = .init()) \""));
    let mut graph: Value =
        serde_json::from_str(&main.replace("\" = .init()) \"", "\" = GetTokenOptions()) \""))
            .unwrap();
    graph["relationships"]
        .as_array_mut()
        .unwrap()
        .retain(|r| !(r["kind"] == "conformsTo" && r["source"] == "s:8ClerkKit5ClerkC"));
    root.write("graphs/ClerkKit.symbols.json", &graph.to_string());
    root.write(
        "kotlin/src/main/kotlin/com/clerk/api/Clerk.kt",
        "package com.clerk.api\n\nobject Clerk {\n    fun configure(publishableKey: String) {}\n}\n",
    );
    let (code, _, stderr) = api(root.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    for expected in [
        "- Session :: public func getToken(_ options: GetTokenOptions = .init()) async throws -> TokenResource?",
        "+ Session :: public func getToken(_ options: GetTokenOptions = GetTokenOptions()) async throws -> TokenResource?",
        "- Clerk :: conforms to Sendable",
        "+ Clerk :: fun configure(publishableKey: String)",
        "scripts/check-api --update",
    ] {
        assert!(
            stderr.contains(expected),
            "missing `{expected}` in:\n{stderr}"
        );
    }
}

#[test]
fn the_generated_kotlin_package_is_left_out_by_package() {
    let root = fake_repository();
    root.write(
        "build/bindings/kotlin/com/clerk/api/ffi/clerkkit.kt",
        "// generated\n@file:Suppress(\"NAME_SHADOWING\")\n\npackage com.clerk.api.ffi\n\nopen class Session {\n    fun id(): String = \"\"\n}\n",
    );
    root.write(
        "build/bindings/kotlin/com/clerk/api/ffi/more/extra.kt",
        "package com.clerk.api.ffi.more\n\nclass Plumbing\n",
    );
    root.write(
        "build/bindings/kotlin/com/clerk/api/ffix/other.kt",
        "package com.clerk.api.ffix\n\nclass NotBelowFfi\n",
    );
    root.write(
        "kotlin/src/main/kotlin/com/clerk/api/Session.kt",
        "package com.clerk.api\n\nclass Session internal constructor() {\n    val id: String get() = \"\"\n}\n",
    );
    root.write(
        "kotlin/android/src/main/kotlin/com/clerk/api/android/ClerkAndroid.kt",
        "package com.clerk.api.android\n\nobject ClerkAndroid {\n    fun initialize() {}\n}\n",
    );
    let (code, stdout, stderr) = api(root.path(), &["--update"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let kotlin = snapshot_lines(&root.read("tests/surface/expected/kotlin-api.txt"));
    assert_eq!(
        kotlin,
        lines(&[
            "ClerkAndroid :: fun initialize()",
            "Session :: val id: String",
            "class NotBelowFfi",
            "class Session internal constructor()",
            "data class NativeTokenResource(val jwt: String)",
            "object ClerkAndroid",
        ]),
    );
}

#[test]
fn missing_symbol_graphs_or_bindings_fail_clearly() {
    let root = fake_repository();
    let dir = root.path().to_str().unwrap();

    let (code, _, stderr) = run(&["api", "--root", dir]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("api needs --swift-symbol-graphs DIR"),
        "{stderr}"
    );

    let empty = root.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let (code, _, stderr) = run(&[
        "api",
        "--root",
        dir,
        "--swift-symbol-graphs",
        empty.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains("no ClerkKit.symbols.json in"), "{stderr}");

    std::fs::remove_dir_all(root.path().join("build")).unwrap();
    let (code, _, stderr) = api(root.path(), &[]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("no generated Kotlin under")
            && stderr.contains("run scripts/generate-bindings"),
        "{stderr}"
    );
}

/// The official iOS usage needs exactly these declarations. The committed snapshot is what
/// the compiler reports (`scripts/check-api` fails on any difference), so it is checked here.
#[test]
fn the_committed_swift_snapshot_has_the_documented_api() {
    let snapshot = std::fs::read_to_string(
        common::repository_root().join(clerk_surface_check::api::SWIFT_SNAPSHOT),
    )
    .unwrap();
    let lines = snapshot_lines(&snapshot);
    for wanted in [
        "ClerkKit :: public final class Clerk",
        "Clerk :: public static let shared: Clerk",
        "Clerk :: public var session: Session? { get }",
        "Clerk :: public @discardableResult func load() async throws -> Session?",
        "Clerk :: public func signIn(ticket: String) async throws -> Session",
        "Clerk :: public func signOut() async throws",
        "Session :: public func getToken(_ options: GetTokenOptions = .init()) async throws -> TokenResource?",
        "GetTokenOptions :: public init(template: String? = nil, expirationBuffer: Double = 10, skipCache: Bool = false, organizationId: String? = nil, deadline: TimeInterval? = nil)",
        "TokenResource :: public let jwt: String",
        "TokenResource :: conforms to CustomStringConvertible",
        "TokenResource :: conforms to CustomDebugStringConvertible",
        "TokenResource :: conforms to CustomReflectable",
    ] {
        assert!(lines.iter().any(|l| l == wanted), "missing: {wanted}");
    }
    let get_token: Vec<_> = lines.iter().filter(|l| l.contains("getToken")).collect();
    assert_eq!(
        get_token.len(),
        1,
        "one getToken, no overloads to be ambiguous with: {get_token:?}"
    );
    // Values crossing tasks: the values, the error and the session are Sendable.
    for value_type in [
        "ClerkApiError",
        "ClerkError",
        "ClerkEvent",
        "GetTokenOptions",
        "Session",
        "TokenResource",
    ] {
        let line = format!("{value_type} :: conforms to Sendable");
        assert!(lines.contains(&line), "missing: {line}");
    }
    // The product alone: nothing of the generated layer under it.
    for generated in ["Uniffi", "uniffi", "FfiConverter", "RustBuffer", "ClerkCore", "ClerkSettings", "NoHandle"] {
        let leaked: Vec<_> = lines.iter().filter(|l| l.contains(generated)).collect();
        assert!(leaked.is_empty(), "generated API in the snapshot: {leaked:?}");
    }
}
