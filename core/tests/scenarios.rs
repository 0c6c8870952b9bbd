//! Runs the shared scenarios in `tests/scenarios/` against the core. The Kotlin and Swift
//! suites run the same files through their facades; see that folder's README.

mod support;

use clerk_emulator::{Emulator, EmulatorConfig};
use support::scenario_file::ScenarioFile;
use support::scenarios::{run_file, scenario_files};

/// The number of scenario files, pinned here and in the Kotlin and Swift runners: a file that
/// drops out (renamed, unreadable) fails every suite instead of quietly going unchecked.
const SCENARIOS: usize = 37;

#[test]
fn every_scenario_file_follows_the_schema() {
    let files = scenario_files();
    assert_eq!(files.len(), SCENARIOS, "scenario files in tests/scenarios");
    let problems: Vec<String> = files.iter().filter_map(|file| ScenarioFile::read(file).err()).collect();
    assert!(problems.is_empty(), "files that do not follow the schema:\n{}", problems.join("\n"));
}

#[test]
fn the_schema_refuses_what_a_runner_would_quietly_skip() {
    let parse = |steps: &str| serde_json::from_str::<ScenarioFile>(&format!(r#"{{"name":"x","steps":[{steps}]}}"#));
    assert!(parse(r#"{"get_token":{},"expect":{"min_remaining_secs":9}}"#).is_ok());
    for (bad, why) in [
        (r#"{"get_token":{},"expect":{"min_remaining_sec":9}}"#, "a misspelt expect key"),
        (r#"{"get_token":{},"expect":{"token":"true"}}"#, "a wrong type"),
        (r#"{"get_token":{"skip_cash":true}}"#, "a misspelt option"),
        (r#"{"revoke_session":false}"#, "a flag that reads as 'do not'"),
        (r#"{"sign_in":"user_alice","advance_secs":1}"#, "two actions in one step"),
        (r#"{"expect":{"token":true}}"#, "no action"),
        (r#"{"sign_out":true,"expect":{"token":false}}"#, "a call's expectation on a step that makes no call"),
        (r#"{"get_token":{},"expect":{"signed_in":true}}"#, "signed_in on a call"),
        (r#"{"get_token":{},"expect":{"error":{"kind":"network","status":503}}}"#, "a status on a non-api error"),
        (r#"{"fault":{"route":"session_token","fault":{"kind":"status","status":503,"retry_afer":"2"}}}"#, "a misspelt fault field"),
        (r#"{"expect_requests":{"session_tokens":1}}"#, "an unknown route"),
        (r#"{"get_token_concurrently":{"callers":0}}"#, "no callers"),
        (r#"{"network":"down"}"#, "a network state that is neither online nor offline"),
        (r#"{"flap_network":0}"#, "a flap with no change"),
        (r#"{"transport_offline":0}"#, "no attempt to fail"),
        (r#"{"get_token":{"deadline_secs":0}}"#, "a deadline already past"),
        (r#"{"network":"offline","expect":{"requests":{"session_token":0}}}"#, "a call's expectation on a network change"),
    ] {
        assert!(parse(bad).is_err(), "{why}: {bad}");
    }
    assert!(serde_json::from_str::<ScenarioFile>(r#"{"name":"x","steps":[],"extra":1}"#).is_err(), "an unknown top-level key");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_shared_scenario_passes() {
    let files = scenario_files();
    assert_eq!(files.len(), SCENARIOS);
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
