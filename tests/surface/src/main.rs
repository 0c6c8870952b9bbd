//! `surface-check syntax <path>...` and `surface-check api [--update] [--root DIR]`.

use std::path::PathBuf;
use std::process::ExitCode;

use clerk_surface_check::{api, kotlin_api, syntax};

const USAGE: &str = "usage:
  surface-check syntax <file-or-dir>...   every .swift file must parse; a SwiftPM package
                                          directory must hold its generated bindings
  surface-check api [--update] [--root DIR]
                                          compare the public Swift and Kotlin API with
                                          tests/surface/expected/*.txt (--update rewrites them)
  surface-check tree <file.swift|file.kt>  print the syntax tree and its error nodes (debugging)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("syntax") => run_syntax(&args[1..]),
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

fn run_syntax(args: &[String]) -> Result<bool, String> {
    if args.is_empty() {
        return Err(format!(
            "syntax needs at least one file or directory\n{USAGE}"
        ));
    }
    let paths: Vec<PathBuf> = args.iter().map(PathBuf::from).collect();
    let report = syntax::check_paths(&paths)?;
    let rendered = report.render();
    if report.ok() {
        print!("{rendered}");
    } else {
        eprint!("{rendered}");
    }
    Ok(report.ok())
}

fn run_api(args: &[String]) -> Result<bool, String> {
    let mut update = false;
    // The workspace root; `cargo run` builds this binary from tests/surface.
    let mut root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--update" => update = true,
            "--root" => root = PathBuf::from(rest.next().ok_or("--root needs a directory")?),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    let root = root
        .canonicalize()
        .map_err(|e| format!("{}: {e}", root.display()))?;
    let mut ok = true;
    for surface in [api::swift_surface(&root)?, api::kotlin_surface(&root)?] {
        for note in &surface.notes {
            eprintln!("note: {note}");
        }
        ok &= api::check(&surface, update)?;
    }
    Ok(ok)
}

fn run_tree(args: &[String]) -> Result<bool, String> {
    let [file] = args else {
        return Err(format!("tree takes one file\n{USAGE}"));
    };
    let source = std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))?;
    // Kotlin is shown as the API extractor parses it (with its comment line breaks).
    let (mut parser, source) = if file.ends_with(".kt") {
        (
            kotlin_api::kotlin_parser(),
            kotlin_api::Prepared::new(&source).text,
        )
    } else {
        (syntax::swift_parser(), source)
    };
    let tree = parser.parse(&source, None).ok_or("the parser gave up")?;
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
