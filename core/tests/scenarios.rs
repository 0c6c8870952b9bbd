//! Runs the shared scenarios in `tests/scenarios/` against the core. The Kotlin and Swift
//! suites run the same files through their facades; see that folder's README.

mod support;

use clerk_emulator::{Emulator, EmulatorConfig};
use support::scenarios::{run_file, scenario_files};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_shared_scenario_passes() {
    let files = scenario_files();
    assert!(files.len() >= 20, "expected at least 20 scenarios, found {}", files.len());
    let emu = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let mut failures = Vec::new();
    for file in &files {
        if let Err(why) = run_file(&emu, file).await {
            failures.push(format!("{}: {why}", file.file_name().unwrap().to_string_lossy()));
        }
    }
    println!("{} scenarios, {} failed", files.len(), failures.len());
    assert!(failures.is_empty(), "failed scenarios:\n{}", failures.join("\n"));
}
