//! `clerk-judge-tokens CORPUS.json`: the project's verdict on every token of the interop corpus
//! (written by `clerk-backend.mjs`), printed as JSON on stdout for that script to compare with
//! `@clerk/backend`'s.
//!
//! Each token is judged twice, as a server would configure the verifier: with the instance's
//! PEM public key (`TokenVerifier::from_pem`, the counterpart of `jwtKey`) and with keys fetched
//! from the JWKS URL (`JwksVerifier`, the counterpart of `secretKey` + `apiUrl`). Time, leeway,
//! issuer and authorized parties come from the corpus, so both judges apply the same rules.

use std::process::ExitCode;
use std::time::Duration;

use clerk_core::backend::{JwksVerifier, SessionClaims, TokenVerifier, VerifyError, VerifyOptions};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
struct Corpus {
    now_secs: i64,
    leeway_secs: u64,
    issuer: String,
    authorized_parties: Vec<String>,
    pem: String,
    jwks_url: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    token: String,
}

fn main() -> ExitCode {
    match run() {
        Ok(verdicts) => {
            println!("{verdicts}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("clerk-judge-tokens: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<Value, String> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: clerk-judge-tokens CORPUS.json")?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let corpus: Corpus =
        serde_json::from_str(&text).map_err(|e| format!("{path} is not a corpus: {e}"))?;

    let options = VerifyOptions {
        leeway: Duration::from_secs(corpus.leeway_secs),
        issuer: Some(corpus.issuer.clone()),
        authorized_parties: corpus.authorized_parties.clone(),
        ..VerifyOptions::at(corpus.now_secs)
    };
    let with_pem =
        TokenVerifier::from_pem(&corpus.pem).map_err(|e| format!("the corpus PEM: {e}"))?;
    let with_jwks = JwksVerifier::new(corpus.jwks_url.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;

    let verdicts: Vec<Value> = corpus
        .cases
        .iter()
        .map(|case| {
            let pem = with_pem.verify(&case.token, &options);
            let jwks = runtime.block_on(with_jwks.verify(&case.token, &options));
            json!({ "name": case.name, "pem": verdict(pem), "jwks": verdict(jwks) })
        })
        .collect();
    Ok(json!({ "verdicts": verdicts }))
}

/// Accepted tokens report who they are for, so the judges can be compared beyond yes or no.
fn verdict(result: Result<SessionClaims, VerifyError>) -> Value {
    match result {
        Ok(claims) => json!({ "valid": true, "user_id": claims.sub, "session_id": claims.sid }),
        Err(err) => json!({ "valid": false, "reason": err.to_string() }),
    }
}
