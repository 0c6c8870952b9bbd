//! `surface-check api [--update] [--root DIR] --swift-symbol-graphs DIR` and
//! `surface-check tree <file.kt>`.

use std::path::PathBuf;
use std::process::ExitCode;

use clerk_surface_check::{api, kotlin_api};

const USAGE: &str = "usage:
  surface-check api [--update] [--root DIR] --swift-symbol-graphs DIR
                                 compare the public Swift API (ClerkKit.symbols.json and
                                 ClerkKit@*.symbols.json in DIR, from `swift package
                                 dump-symbol-graph`) and the public Kotlin API with
                                 tests/surface/expected/*.txt (--update rewrites them)
  surface-check tree <file.kt>   print the Kotlin syntax tree and its error nodes (debugging)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("api") => run_api(&args[1..]),
        Some("tree") => run_tree(&args[1..]),
        Some("-h" | "--help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(why) => {
            eprintln!("error: {why}");
            ExitCode::FAILURE
        }
    }
}

fn run_api(args: &[String]) -> Result<bool, String> {
    let mut update = false;
    // The workspace root; `cargo run` builds this binary from tests/surface.
    let mut root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut symbol_graphs = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--update" => update = true,
            "--root" => root = PathBuf::from(rest.next().ok_or("--root needs a directory")?),
            "--swift-symbol-graphs" => {
                let dir = rest
                    .next()
                    .ok_or("--swift-symbol-graphs needs a directory")?;
                symbol_graphs = Some(PathBuf::from(dir));
            }
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    let symbol_graphs = symbol_graphs.ok_or_else(|| {
        format!("api needs --swift-symbol-graphs DIR (scripts/check-api dumps them)\n{USAGE}")
    })?;
    let root = root
        .canonicalize()
        .map_err(|e| format!("{}: {e}", root.display()))?;
    let mut ok = true;
    for surface in [
        api::swift_surface(&root, &symbol_graphs)?,
        api::kotlin_surface(&root)?,
    ] {
        for note in &surface.notes {
            eprintln!("note: {note}");
        }
        ok &= api::check(&surface, update)?;
    }
    Ok(ok)
}

/// Shows a Kotlin file as the API extractor parses it (with its comment line breaks).
fn run_tree(args: &[String]) -> Result<bool, String> {
    let [file] = args else {
        return Err(format!("tree takes one file\n{USAGE}"));
    };
    if !file.ends_with(".kt") {
        return Err(format!("tree shows Kotlin (.kt) files only, not {file}"));
    }
    let source = std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))?;
    let source = kotlin_api::Prepared::new(&source).text;
    let tree = kotlin_api::kotlin_parser()
        .parse(&source, None)
        .ok_or("the parser gave up")?;
    println!("{}", tree.root_node().to_sexp());
    let errors = error_nodes(tree.root_node());
    for error in &errors {
        println!("{error}");
    }
    Ok(errors.is_empty())
}

/// `ERROR 12:5..14:1` / `MISSING ...` for every error node.
fn error_nodes(root: tree_sitter::Node) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            let what = if node.is_missing() {
                "MISSING"
            } else {
                "ERROR"
            };
            let (start, end) = (node.start_position(), node.end_position());
            found.push(format!(
                "{what} {}:{}..{}:{}",
                start.row + 1,
                start.column + 1,
                end.row + 1,
                end.column + 1
            ));
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor));
    }
    found.sort();
    found
}
