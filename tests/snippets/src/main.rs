//! `doc-snippets ROOT [--maven OUT] [--swiftpm OUT]`: reads the code blocks of the docs
//! (clerk_doc_snippets::DOCS), checks that the scripts their shell blocks name exist, and lays
//! out the consumer projects: tests/consumers/{maven,swiftpm} copied to OUT with the docs'
//! Kotlin or Swift blocks as their sources and the docs' dependency blocks in their build files.
//! Files are written only when they change, so the builds that follow stay incremental.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clerk_doc_snippets::{Block, DOCS, kotlin_files, maven_pom, missing_scripts, parse, swift_files, swift_manifest};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("doc-snippets: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(args.next().ok_or("usage: doc-snippets ROOT [--maven OUT] [--swiftpm OUT]")?);
    let (mut maven, mut swiftpm) = (None, None);
    while let Some(flag) = args.next() {
        let value = args.next().map(PathBuf::from).ok_or(format!("{flag} needs a folder"))?;
        match flag.as_str() {
            "--maven" => maven = Some(value),
            "--swiftpm" => swiftpm = Some(value),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let mut blocks: Vec<Block> = Vec::new();
    for doc in DOCS {
        let text = std::fs::read_to_string(root.join(doc)).map_err(|e| format!("{doc}: {e}"))?;
        blocks.extend(parse(doc, &text)?);
    }
    let missing = missing_scripts(&blocks, &root);
    if !missing.is_empty() {
        return Err(format!("shell blocks name scripts that do not exist: {}", missing.join(", ")));
    }
    let count = |lang: &str, f: &dyn Fn(&Block) -> bool| blocks.iter().filter(|b| b.lang == lang && f(b)).count();
    println!(
        "doc-snippets: {} kotlin blocks ({} run; {} gradle/android not compiled here), {} swift ({} run), {} rust (compiled by cargo test), {} maven xml, {} sh",
        count("kotlin", &|_| true),
        count("kotlin", &|b| b.run),
        count("kotlin", &|b| matches!(b.kind.as_str(), "gradle" | "android")),
        count("swift", &|_| true),
        count("swift", &|b| b.run),
        count("rust", &|_| true),
        count("xml", &|_| true),
        count("sh", &|_| true),
    );
    let consumers = root.join("tests/consumers");
    if let Some(out) = maven {
        let template = consumers.join("maven");
        sync_template(&template, &out)?;
        let pom = read(&template.join("pom.xml"))?;
        write(&out.join("pom.xml"), &maven_pom(&pom, &blocks)?)?;
        write_generated(&out, &["src/main/kotlin/snippets", "src/test/kotlin/snippets"], kotlin_files(&blocks)?)?;
    }
    if let Some(out) = swiftpm {
        let template = consumers.join("swiftpm");
        sync_template(&template, &out)?;
        let manifest = read(&template.join("Package.swift"))?;
        let swift = std::fs::canonicalize(root.join("swift")).map_err(|e| format!("swift/: {e}"))?;
        write(&out.join("Package.swift"), &swift_manifest(&manifest, &blocks, &swift.to_string_lossy())?)?;
        write_generated(&out, &["Sources/App/Snippets", "Tests/AppTests/Snippets"], swift_files(&blocks)?)?;
    }
    Ok(())
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes `text` unless the file already holds it.
fn write(path: &Path, text: &str) -> Result<(), String> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The committed files of a consumer project, copied over (a build's own folders in OUT stay).
fn sync_template(from: &Path, to: &Path) -> Result<(), String> {
    let entries = std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            sync_template(&path, &target)?;
        } else {
            write(&target, &read(&path)?)?;
        }
    }
    Ok(())
}

/// The generated files; any other file left in their folders (a block since removed) goes.
fn write_generated(out: &Path, folders: &[&str], files: Vec<(String, String)>) -> Result<(), String> {
    for folder in folders {
        if let Ok(entries) = std::fs::read_dir(out.join(folder)) {
            for entry in entries.flatten() {
                let relative = format!("{folder}/{}", entry.file_name().to_string_lossy());
                if !files.iter().any(|(p, _)| *p == relative) {
                    std::fs::remove_file(entry.path()).map_err(|e| format!("{relative}: {e}"))?;
                }
            }
        }
    }
    for (path, text) in files {
        write(&out.join(path), &text)?;
    }
    Ok(())
}
