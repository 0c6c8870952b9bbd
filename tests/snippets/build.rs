//! Writes the docs' Rust blocks into OUT_DIR/rust_blocks.rs for tests/rust_blocks.rs, so
//! `cargo test` compiles them as the docs show them.

#[path = "src/lib.rs"]
#[allow(dead_code)]
mod snippets;

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut blocks = Vec::new();
    for doc in snippets::DOCS {
        let path = root.join(doc);
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{doc}: {e}"));
        blocks.extend(snippets::parse(doc, &text).unwrap_or_else(|e| panic!("{e}")));
    }
    let out = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("rust_blocks.rs");
    std::fs::write(out, snippets::rust_source(&blocks)).unwrap();
}
