//! The code blocks of the docs, read from the Markdown and laid out as sources of the consumer
//! projects (`tests/consumers`) and of the Rust check (`tests/rust_blocks.rs`), so that a block
//! that no longer compiles or runs fails CI. Plain `std`: `build.rs` includes this file too.
//!
//! A block's kind comes from an HTML comment on the line before its fence,
//! `<!-- snippet: KIND [run] -->`; without one, Kotlin, Swift and Rust blocks are `body`
//! (statements) and `sh` blocks `shell`. The kinds are listed by [`kinds`] and explained in
//! README.md, "The code in these docs".

use std::collections::BTreeSet;

/// The Markdown files whose code blocks are checked, in the order their `run` blocks execute
/// (the facades' local set-up comes first).
pub const DOCS: [&str; 4] = [
    "kotlin/README.md",
    "swift/README.md",
    "README.md",
    "docs/testing-kit.md",
];

/// One fenced code block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The Markdown file, relative to the repository root.
    pub file: String,
    /// The opening fence's line, from 1.
    pub line: usize,
    pub lang: String,
    pub kind: String,
    /// Executed by the consumer project (against the emulator, or the test kit's fake).
    pub run: bool,
    /// The lines between the fences, the fence's indentation removed.
    pub code: String,
}

impl Block {
    /// `README.md:42`, what a failure names.
    pub fn origin(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }

    /// A name for generated code: `kotlin_readme_md_42`.
    pub fn ident(&self) -> String {
        let mut name: String = self
            .file
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
            .collect();
        name.push('_');
        name.push_str(&self.line.to_string());
        name
    }
}

/// The kinds a language's blocks may have; `None` for languages whose blocks are not checked
/// (`json`, `text`, ...).
pub fn kinds(lang: &str) -> Option<&'static [&'static str]> {
    Some(match lang {
        // body: statements in a plain function, as in an Activity (the names of
        // SnippetContext in scope); suspend: the same in a suspend function (in a coroutine);
        // top: declarations of a file; test: members of a test class (SnippetTestBase);
        // test-body: statements in a test's suspend function; preamble, test-preamble: what
        // every main or test file starts with; gradle, android: need the Android toolchain.
        "kotlin" => &[
            "body", "suspend", "top", "test", "test-body", "preamble", "test-preamble", "gradle",
            "android",
        ],
        // manifest: one expression of a Package.swift (a dependency or a target); apple: a
        // body that needs Apple's frameworks (the Keychain), compiled where Security exists.
        "swift" => &["body", "apple", "top", "test", "preamble", "manifest"],
        "rust" => &["body"],
        // maven-NAME: XML that goes where the consumer's pom.xml says `<!-- doc-snippets: NAME -->`.
        "xml" => &["maven-dependencies", "maven-managed", "maven-plugins"],
        "sh" => &["shell"],
        _ => return None,
    })
}

const DIRECTIVE: &str = "<!-- snippet:";

/// Every checked code block of one Markdown file.
pub fn parse(file: &str, text: &str) -> Result<Vec<Block>, String> {
    let mut blocks = Vec::new();
    let mut directive: Option<(usize, String, bool)> = None;
    let mut lines = text.lines().enumerate();
    while let Some((index, raw)) = lines.next() {
        let number = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix(DIRECTIVE) {
            let words = rest
                .strip_suffix("-->")
                .ok_or(format!("{file}:{number}: a snippet directive ends with -->"))?;
            let mut words = words.split_whitespace();
            let kind = words
                .next()
                .ok_or(format!("{file}:{number}: a snippet directive names a kind"))?;
            let mut run = false;
            for word in words {
                match word {
                    "run" => run = true,
                    other => return Err(format!("{file}:{number}: unknown snippet option `{other}`")),
                }
            }
            if directive.is_some() {
                return Err(format!("{file}:{number}: two snippet directives before one block"));
            }
            directive = Some((number, kind.to_string(), run));
            continue;
        }
        let Some(info) = raw.trim_start().strip_prefix("```") else {
            if let Some((at, _, _)) = directive {
                return Err(format!("{file}:{at}: a snippet directive must come right before a code block"));
            }
            continue;
        };
        let indent = raw.len() - raw.trim_start().len();
        let lang = info
            .split(|c: char| c.is_whitespace() || c == ',')
            .next()
            .unwrap_or("")
            .to_string();
        let mut code = String::new();
        let mut closed = false;
        for (_, line) in lines.by_ref() {
            if line.trim() == "```" {
                closed = true;
                break;
            }
            let strip = line.len() - line.trim_start().len();
            code.push_str(&line[strip.min(indent)..]);
            code.push('\n');
        }
        if !closed {
            return Err(format!("{file}:{number}: the code block is never closed"));
        }
        let given = directive.take();
        let Some(allowed) = kinds(&lang) else {
            if let Some((at, _, _)) = given {
                return Err(format!("{file}:{at}: `{lang}` blocks are not checked; remove the directive"));
            }
            continue;
        };
        let (kind, run) = match given {
            Some((_, kind, run)) => (kind, run),
            None => match lang.as_str() {
                "kotlin" | "swift" | "rust" => ("body".to_string(), false),
                "sh" => ("shell".to_string(), false),
                _ => continue,
            },
        };
        if !allowed.contains(&kind.as_str()) {
            return Err(format!(
                "{file}:{number}: `{kind}` is not a kind of {lang} block (one of: {})",
                allowed.join(", ")
            ));
        }
        if run && !matches!(kind.as_str(), "body" | "suspend" | "test-body") {
            return Err(format!("{file}:{number}: only body, suspend and test-body blocks can run"));
        }
        blocks.push(Block {
            file: file.to_string(),
            line: number,
            lang,
            kind,
            run,
            code,
        });
    }
    if let Some((at, _, _)) = directive {
        return Err(format!("{file}:{at}: a snippet directive must come right before a code block"));
    }
    Ok(blocks)
}

/// A generated file: its path relative to the consumer project, and its text.
pub type File = (String, String);

fn header(block: &Block) -> String {
    format!(
        "// Generated by doc-snippets from {}: change the Markdown, not this file.\n",
        block.origin()
    )
}

fn indent(code: &str, by: &str) -> String {
    code.lines()
        .map(|l| if l.is_empty() { String::new() } else { format!("{by}{l}") })
        .collect::<Vec<_>>()
        .join("\n")
}

/// (import lines, the rest): imports are hoisted to the top of the generated file, where
/// Kotlin and Swift want them, so a block may show the imports it needs.
/// Imports inside `#if ... #endif` stay where they are.
fn split_imports(code: &str) -> (Vec<String>, String) {
    let mut imports = Vec::new();
    let mut rest = Vec::new();
    let mut depth = 0usize;
    for line in code.lines() {
        let t = line.trim_start();
        if t.starts_with("#if") {
            depth += 1;
        } else if t.starts_with("#endif") {
            depth = depth.saturating_sub(1);
        }
        if depth == 0 && line.len() == t.len() && (t.starts_with("import ") || t.starts_with("@testable import ")) {
            imports.push(line.trim_end().to_string());
        } else {
            rest.push(line);
        }
    }
    let rest = rest.join("\n");
    (imports, rest.trim_matches('\n').to_string())
}

fn join_imports(sets: &[&[String]]) -> String {
    let mut seen = BTreeSet::new();
    let mut out = String::new();
    for set in sets {
        for line in set.iter() {
            if seen.insert(line.clone()) {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

fn preamble(blocks: &[Block], lang: &str, kind: &str) -> (Vec<String>, String) {
    let code: String = blocks
        .iter()
        .filter(|b| b.lang == lang && b.kind == kind)
        .map(|b| b.code.as_str())
        .collect();
    split_imports(&code)
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// The Kotlin blocks as sources of the Maven consumer (`tests/consumers/maven`): one file per
/// block, each in a package of its own, and `snippets/RunBlocks.kt`, the `run` body blocks in
/// order for `consumer.MainKt`.
pub fn kotlin_files(blocks: &[Block]) -> Result<Vec<File>, String> {
    let (main_imports, main_rest) = preamble(blocks, "kotlin", "preamble");
    let (test_imports, test_rest) = preamble(blocks, "kotlin", "test-preamble");
    if main_imports.is_empty() {
        return Err("no Kotlin preamble block (<!-- snippet: preamble -->) in the docs".into());
    }
    let mut files = Vec::new();
    let mut runs = Vec::new();
    for block in blocks.iter().filter(|b| b.lang == "kotlin") {
        let test = matches!(block.kind.as_str(), "test" | "test-body");
        if !matches!(block.kind.as_str(), "body" | "suspend" | "top" | "test" | "test-body") {
            continue;
        }
        let ident = block.ident();
        let (imports, code) = split_imports(&block.code);
        let mut wrapper = Vec::new();
        let body = match block.kind.as_str() {
            "body" | "suspend" => {
                wrapper.push("import consumer.SnippetContext".to_string());
                let modifier = if block.kind == "suspend" { "suspend " } else { "" };
                format!("{modifier}fun SnippetContext.snippet() {{\n{}\n}}\n", indent(&code, "    "))
            }
            "top" => format!("{code}\n"),
            "test" => format!(
                "class {}Test : consumer.SnippetTestBase() {{\n{}\n}}\n",
                upper_first(&ident),
                indent(&code, "    ")
            ),
            _ => {
                let mut text = format!("suspend fun snippet() {{\n{}\n}}\n", indent(&code, "    "));
                if block.run {
                    text.push_str(&format!(
                        "\nclass {}Test {{\n    @org.junit.jupiter.api.Test\n    fun `runs as the docs show it`() = kotlinx.coroutines.runBlocking {{ snippet() }}\n}}\n",
                        upper_first(&ident)
                    ));
                }
                text
            }
        };
        let mut sets: Vec<&[String]> = vec![&main_imports];
        if test {
            sets.push(&test_imports);
        }
        sets.push(&imports);
        sets.push(&wrapper);
        let mut text = header(block);
        text.push_str("@file:Suppress(\"unused\", \"UNUSED_VARIABLE\", \"UNUSED_PARAMETER\", \"RedundantSuppression\")\n\n");
        text.push_str(&format!("package snippets.{ident}\n\n"));
        text.push_str(&join_imports(&sets));
        text.push('\n');
        let rests: &[&String] = if test { &[&main_rest, &test_rest] } else { &[&main_rest] };
        for rest in rests {
            if !rest.is_empty() {
                text.push_str(rest);
                text.push_str("\n\n");
            }
        }
        text.push_str(&body);
        let folder = if test { "src/test/kotlin" } else { "src/main/kotlin" };
        files.push((format!("{folder}/snippets/{ident}.kt"), text));
        if block.run && block.kind != "test-body" {
            runs.push(block);
        }
    }
    let mut run = String::from(
        "// Generated by doc-snippets: the docs' `run` blocks, in the order they run.\npackage snippets\n\nimport consumer.SnippetContext\n",
    );
    for block in &runs {
        let ident = block.ident();
        run.push_str(&format!("import snippets.{ident}.snippet as {ident}\n"));
    }
    run.push_str("\nval runBlocks: List<Pair<String, suspend SnippetContext.() -> Unit>> = listOf(\n");
    for block in &runs {
        run.push_str(&format!("    \"{}\" to {{ {}() }},\n", block.origin(), block.ident()));
    }
    run.push_str(")\n");
    files.push(("src/main/kotlin/snippets/RunBlocks.kt".into(), run));
    Ok(files)
}

/// The Swift blocks as sources of the SwiftPM consumer (`tests/consumers/swiftpm`): body and
/// top blocks in the `App` target (`Sources/App/Snippets`, with `runBlocks()` for the `run`
/// ones), test blocks in `Tests/AppTests/Snippets`.
pub fn swift_files(blocks: &[Block]) -> Result<Vec<File>, String> {
    let (pre_imports, pre_rest) = preamble(blocks, "swift", "preamble");
    if pre_imports.is_empty() {
        return Err("no Swift preamble block (<!-- snippet: preamble -->) in the docs".into());
    }
    // The preamble's `#if canImport(...)` imports stay as written, after the plain ones.
    let mut files = Vec::new();
    let mut runs = Vec::new();
    for block in blocks.iter().filter(|b| b.lang == "swift") {
        let ident = block.ident();
        let (imports, code) = split_imports(&block.code);
        let (folder, body, wrapper) = match block.kind.as_str() {
            "body" => (
                "Sources/App/Snippets",
                format!(
                    "extension SnippetContext {{\n    func snippet_{ident}() async throws {{\n{}\n    }}\n}}\n",
                    indent(&code, "        ")
                ),
                vec![],
            ),
            "apple" => (
                "Sources/App/Snippets",
                format!(
                    "#if canImport(Security)\nextension SnippetContext {{\n    func snippet_{ident}() async throws {{\n{}\n    }}\n}}\n#endif\n",
                    indent(&code, "        ")
                ),
                vec![],
            ),
            "top" => ("Sources/App/Snippets", format!("{code}\n"), vec![]),
            "test" => (
                "Tests/AppTests/Snippets",
                format!("{code}\n"),
                vec!["@testable import App".to_string()],
            ),
            _ => continue,
        };
        let mut text = header(block);
        text.push_str(&join_imports(&[&pre_imports, &imports, &wrapper]));
        if !pre_rest.is_empty() {
            text.push_str(&pre_rest);
            text.push('\n');
        }
        text.push('\n');
        text.push_str(&body);
        files.push((format!("{folder}/{ident}.swift"), text));
        if block.run {
            runs.push(block);
        }
    }
    let mut run = String::from(
        "// Generated by doc-snippets: the docs' `run` blocks, in the order they run.\n\nfunc runBlocks() -> [(String, (SnippetContext) async throws -> Void)] {\n    [\n",
    );
    for block in &runs {
        run.push_str(&format!(
            "        (\"{}\", {{ try await $0.snippet_{}() }}),\n",
            block.origin(),
            block.ident()
        ));
    }
    run.push_str("    ]\n}\n");
    files.push(("Sources/App/Snippets/RunBlocks.swift".into(), run));
    Ok(files)
}

/// The consumer's Package.swift: the template with the docs' manifest blocks in place.
/// `/* doc-snippets: dependencies */` gets the path dependencies (their path replaced by
/// `swift_package`, the checkout's `swift/` folder), `/* doc-snippets: targets */` the targets,
/// and `/* doc-snippets: unused */` the dependencies on a released URL, which are compiled with
/// the manifest but never resolved.
pub fn swift_manifest(template: &str, blocks: &[Block], swift_package: &str) -> Result<String, String> {
    let mut dependencies = Vec::new();
    let mut targets = Vec::new();
    let mut unused = Vec::new();
    for block in blocks.iter().filter(|b| b.lang == "swift" && b.kind == "manifest") {
        let code = block.code.trim().trim_end_matches(',').to_string();
        let entry = format!("// {}\n{code}", block.origin());
        if code.starts_with(".package(url:") {
            unused.push(entry);
        } else if code.starts_with(".package(") {
            let start = code
                .find("path: \"")
                .ok_or(format!("{}: a package dependency by neither url nor path", block.origin()))?
                + "path: \"".len();
            let end = start + code[start..].find('"').ok_or(format!("{}: unterminated path", block.origin()))?;
            dependencies.push(format!("// {}\n{}{}{}", block.origin(), &code[..start], swift_package, &code[end..]));
        } else if code.starts_with(".target(") || code.starts_with(".testTarget(") {
            targets.push(entry);
        } else {
            return Err(format!("{}: a manifest block is one .package(...), .target(...) or .testTarget(...)", block.origin()));
        }
    }
    let mut out = template.to_string();
    for (name, entries) in [("dependencies", dependencies), ("targets", targets), ("unused", unused)] {
        let marker = format!("/* doc-snippets: {name} */");
        if !out.contains(&marker) {
            return Err(format!("the Package.swift template has no {marker}"));
        }
        if entries.is_empty() {
            return Err(format!("no manifest block in the docs for {marker}"));
        }
        out = out.replace(&marker, &indent(&entries.join(",\n"), "        ").trim_start().to_string());
    }
    Ok(out)
}

/// The consumer's pom.xml: each `<!-- doc-snippets: NAME -->` of the template replaced by the
/// docs' `maven-NAME` blocks; every placeholder filled and every block placed.
pub fn maven_pom(template: &str, blocks: &[Block]) -> Result<String, String> {
    let mut out = template.to_string();
    let mut names = BTreeSet::new();
    for block in blocks.iter().filter(|b| b.lang == "xml") {
        names.insert(block.kind.trim_start_matches("maven-").to_string());
    }
    for name in &names {
        let marker = format!("<!-- doc-snippets: {name} -->");
        let (at, line) = out
            .lines()
            .find(|l| l.trim() == marker)
            .map(|l| (l.len() - l.trim_start().len(), l.to_string()))
            .ok_or(format!("the consumer pom.xml has no {marker} for the docs' maven-{name} blocks"))?;
        let pad = " ".repeat(at);
        let text: Vec<String> = blocks
            .iter()
            .filter(|b| b.lang == "xml" && b.kind == format!("maven-{name}"))
            .map(|b| format!("{pad}<!-- {} -->\n{}", b.origin(), indent(b.code.trim_end(), &pad)))
            .collect();
        out = out.replace(&line, &text.join("\n"));
    }
    if let Some(line) = out.lines().find(|l| l.contains("<!-- doc-snippets:")) {
        return Err(format!("no maven block in the docs for {}", line.trim()));
    }
    Ok(out)
}

/// The docs' Rust blocks as `async fn`s for tests/rust_blocks.rs: `# ` lines (rustdoc's hidden
/// lines) are kept without the mark; `now_secs` and `token` are in scope, as the server-side
/// block assumes.
pub fn rust_source(blocks: &[Block]) -> String {
    let mut out = String::new();
    let mut count = 0;
    for block in blocks.iter().filter(|b| b.lang == "rust") {
        count += 1;
        let code: Vec<String> = block
            .code
            .lines()
            .map(|l| {
                let t = l.trim_start();
                if t == "#" {
                    String::new()
                } else if let Some(rest) = t.strip_prefix("# ") {
                    format!("{}{}", &l[..l.len() - t.len()], rest)
                } else {
                    l.to_string()
                }
            })
            .collect();
        out.push_str(&format!(
            "// {}\n#[allow(unused, unreachable_code, clippy::all)]\nasync fn {}(now_secs: i64, token: String) -> Result<(), Box<dyn std::error::Error>> {{\n{}\n    Ok(())\n}}\n\n",
            block.origin(),
            block.ident(),
            indent(&code.join("\n"), "    ")
        ));
    }
    out.push_str(&format!("pub const RUST_BLOCKS: usize = {count};\n"));
    out
}

/// The repository paths `sh` blocks name (`scripts/...`) that do not exist under `root`.
pub fn missing_scripts(blocks: &[Block], root: &std::path::Path) -> Vec<String> {
    let mut missing = Vec::new();
    for block in blocks.iter().filter(|b| b.lang == "sh") {
        for word in block.code.split(|c: char| c.is_whitespace() || c == '`' || c == '(' || c == ')') {
            let Some(at) = word.find("scripts/") else { continue };
            if at > 0 && !word[..at].ends_with('/') && !word[..at].is_empty() {
                continue;
            }
            let path: String = word[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.'))
                .collect();
            let path = path.trim_end_matches('.');
            let relative = path.trim_start_matches("../");
            if !root.join(relative).exists() {
                missing.push(format!("{}: {path}", block.origin()));
            }
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directive_gives_the_kind_and_indented_fences_lose_their_indentation() {
        let md = "text\n\n<!-- snippet: top run -->\n```kotlin\nclass A\n```\n\n  ```rust\n  let x = 1;\n    let y = 2;\n  ```\n```json\n{}\n```\n";
        let err = parse("x.md", md).unwrap_err();
        assert!(err.contains("only body, suspend and test-body"), "{err}");
        let md = md.replace("top run", "top");
        let blocks = parse("x.md", &md).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!((blocks[0].kind.as_str(), blocks[0].line), ("top", 4));
        assert_eq!(blocks[1].kind, "body");
        assert_eq!(blocks[1].code, "let x = 1;\n  let y = 2;\n");
        assert_eq!(blocks[1].ident(), "x_md_8");
    }

    #[test]
    fn a_stray_or_unknown_directive_is_an_error() {
        assert!(parse("x.md", "<!-- snippet: body -->\ntext\n").is_err());
        assert!(parse("x.md", "<!-- snippet: nonsense -->\n```swift\n```\n").is_err());
        assert!(parse("x.md", "<!-- snippet: body -->\n```json\n{}\n```\n").is_err());
        assert!(parse("x.md", "```swift\nlet a = 1\n").is_err());
    }

    #[test]
    fn imports_are_hoisted_and_run_blocks_listed_in_order() {
        let md = "<!-- snippet: preamble -->\n```kotlin\nimport a.*\n```\n<!-- snippet: body run -->\n```kotlin\nimport b.C\nC()\n```\n";
        let blocks = parse("k.md", md).unwrap();
        let files = kotlin_files(&blocks).unwrap();
        let (path, text) = &files[0];
        assert_eq!(path, "src/main/kotlin/snippets/k_md_6.kt");
        assert!(text.contains("import a.*\nimport b.C\nimport consumer.SnippetContext\n"), "{text}");
        assert!(text.contains("\nfun SnippetContext.snippet() {\n    C()\n}"), "{text}");
        assert!(files[1].1.contains("\"k.md:6\" to { k_md_6() }"), "{}", files[1].1);
    }

    #[test]
    fn manifest_blocks_fill_the_template_and_path_dependencies_point_at_the_checkout() {
        let md = "<!-- snippet: manifest -->\n```swift\n.package(path: \"../clerk-kit/swift\")\n```\n<!-- snippet: manifest -->\n```swift\n.package(url: \"u\", from: \"0.1.0\")\n```\n<!-- snippet: manifest -->\n```swift\n.target(name: \"App\")\n```\n";
        let blocks = parse("s.md", md).unwrap();
        let template = "deps: [/* doc-snippets: dependencies */] targets: [/* doc-snippets: targets */] let u = [/* doc-snippets: unused */]";
        let out = swift_manifest(template, &blocks, "/r/swift").unwrap();
        assert!(out.contains(".package(path: \"/r/swift\")"), "{out}");
        assert!(out.contains(".target(name: \"App\")"), "{out}");
        assert!(out.contains(".package(url: \"u\", from: \"0.1.0\")"), "{out}");
    }

    #[test]
    fn every_maven_placeholder_is_filled() {
        let md = "<!-- snippet: maven-dependencies -->\n```xml\n<dependency/>\n```\n";
        let blocks = parse("m.md", md).unwrap();
        let out = maven_pom("<a>\n  <!-- doc-snippets: dependencies -->\n</a>\n", &blocks).unwrap();
        assert!(out.contains("  <dependency/>"), "{out}");
        assert!(maven_pom("<!-- doc-snippets: plugins -->\n<!-- doc-snippets: dependencies -->\n", &blocks).is_err());
    }
}
