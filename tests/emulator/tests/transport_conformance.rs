//! The transport conformance suite checked on itself: every case file loads under the strict
//! schema, a careful reqwest transport passes every case, and transports with one defect each
//! fail the cases written to catch that defect. The core's own transport runs the suite in
//! core/tests/transport_conformance.rs.

use std::sync::Arc;

use clerk_emulator::transport_conformance::{
    Case, Failure, Method, Request, Response, SendFuture, cases_dir, load_cases, parse_case,
    run_case,
};
use futures::FutureExt;

/// Pinned, so that a case file cannot drop out unnoticed. Adding a case means raising it.
const CASES: usize = 22;

fn cases() -> Vec<(String, Case)> {
    load_cases(&cases_dir()).unwrap()
}

/// The case whose file name contains `slug`.
fn case(slug: &str) -> Case {
    cases()
        .into_iter()
        .find(|(file, _)| file.contains(slug))
        .unwrap()
        .1
}

#[test]
fn every_case_file_loads_and_none_is_missing() {
    let cases = cases();
    assert_eq!(
        cases.len(),
        CASES,
        "{:?}",
        cases.iter().map(|(f, _)| f).collect::<Vec<_>>()
    );
    for (index, (file, case)) in cases.iter().enumerate() {
        assert!(
            file.starts_with(&format!("{:02}-", index + 1)),
            "{file}: numbered in order"
        );
        assert!(!case.name.is_empty());
    }
}

#[test]
fn the_schema_is_strict() {
    let good =
        std::fs::read_to_string(cases_dir().join("01-a-redirect-is-not-followed.json")).unwrap();
    assert!(parse_case(&good).is_ok());
    let broken = [
        // Unknown keys, at every level.
        good.replacen("\"name\"", "\"nmae\"", 1),
        good.replacen("\"timeout_ms\"", "\"timeout_ms\": 1, \"retries\"", 1),
        good.replacen("\"status\": 302", "\"status\": 302, \"follow\": false", 1),
        // Wrong types and values.
        good.replacen("\"timeout_ms\": 2000", "\"timeout_ms\": \"2000\"", 1),
        good.replacen("\"GET\"", "\"get\"", 1),
        good.replacen("\"redirect\"", "\"redirects\"", 1),
        good.replacen("\"status\": 302", "\"status\": 200", 1),
        good.replacen("\"timeout_ms\": 2000", "\"timeout_ms\": 60000", 1),
        good.replacen(
            "\"x-mobile\", \"1\"",
            "\"x-mobile\", \"1\\r\\nx-evil: 1\"",
            1,
        ),
        good.replacen("\"x-mobile\"", "\"authorization\"", 1),
        // A missing key.
        good.replacen("\"body\": \"\",", "", 1),
    ];
    for text in broken {
        assert_ne!(text, good);
        assert!(parse_case(&text).is_err(), "accepted:\n{text}");
    }
}

#[test]
fn a_stray_file_in_the_cases_folder_is_an_error() {
    let dir = std::env::temp_dir().join(format!("transport-cases-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        cases_dir().join("01-a-redirect-is-not-followed.json"),
        dir.join("01-a.json"),
    )
    .unwrap();
    assert_eq!(load_cases(&dir).unwrap().len(), 1);
    std::fs::write(dir.join("02-b.jsn"), "{}").unwrap();
    let error = load_cases(&dir).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(error.contains("02-b.jsn"), "{error}");
}

#[tokio::test]
async fn a_careful_reqwest_transport_passes_every_case() {
    let transport = Reference::careful();
    let send = |request| transport.clone().send(request);
    let mut failures = Vec::new();
    for (file, case) in cases() {
        if let Err(found) = run_case(&case, &send).await {
            failures.push(format!("{file}:\n{found}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Runs `slug`'s case with `transport` and returns what it found.
async fn findings(transport: Arc<Reference>, slug: &str) -> String {
    let send = |request| transport.clone().send(request);
    run_case(&case(slug), &send).await.unwrap_err()
}

#[tokio::test]
async fn following_redirects_is_caught() {
    let transport = Reference {
        follow_redirects: true,
        ..Reference::careful_config()
    }
    .build();
    for slug in ["-a-redirect-is-not-followed", "-a-307-redirect-of-a-post"] {
        let found = findings(transport.clone(), slug).await;
        assert!(found.contains("the redirect was followed"), "{found}");
    }
}

#[tokio::test]
async fn reading_a_body_to_its_end_before_refusing_it_is_caught() {
    let transport = Reference {
        cap_while_reading: false,
        ..Reference::careful_config()
    }
    .build();
    let found = findings(transport, "-a-body-over-the-cap-is-refused-while").await;
    assert!(
        found.contains("before the client closed") || found.contains("expected BodyTooLarge"),
        "{found}"
    );
}

#[tokio::test]
async fn waiting_for_a_body_the_content_length_already_refused_is_caught() {
    let transport = Reference {
        check_content_length: false,
        ..Reference::careful_config()
    }
    .build();
    let found = findings(transport, "-a-content-length-above-the-cap").await;
    assert!(
        found.contains("expected BodyTooLarge with status 200, got Timeout"),
        "{found}"
    );
}

#[tokio::test]
async fn a_cap_off_by_one_is_caught() {
    let transport = Reference {
        cap_slack: 1,
        ..Reference::careful_config()
    }
    .build();
    for slug in [
        "-a-chunked-body-one-byte-over",
        "-a-body-one-byte-over-the-cap-by-its-content-length",
    ] {
        let found = findings(transport.clone(), slug).await;
        assert!(
            found.contains("expected BodyTooLarge with status 200, got a 200 response"),
            "{slug}: {found}"
        );
    }
}

#[tokio::test]
async fn a_silent_retry_is_caught() {
    let transport = Reference {
        retry_once: true,
        ..Reference::careful_config()
    }
    .build();
    for slug in ["-a-503-is-one-request", "-a-reset-before-the-response"] {
        let found = findings(transport.clone(), slug).await;
        assert!(
            found.contains("the server saw 2 request(s) for 1 attempt(s)"),
            "{slug}: {found}"
        );
    }
}

#[tokio::test]
async fn an_added_or_changed_header_is_caught() {
    let transport = Reference {
        extra_header: true,
        ..Reference::careful_config()
    }
    .build();
    let found = findings(transport, "-the-request-headers-arrive").await;
    assert!(
        found.contains("header `x-platform: 1` was added"),
        "{found}"
    );
    let transport = Reference {
        form_charset: true,
        ..Reference::careful_config()
    }
    .build();
    let found = findings(transport, "-a-form-post-arrives").await;
    assert!(found.contains("header content-type arrived as"), "{found}");
}

#[tokio::test]
async fn a_leaky_error_message_is_caught() {
    let transport = Reference {
        url_in_errors: true,
        ..Reference::careful_config()
    }
    .build();
    let found = findings(transport, "-a-refused-connection").await;
    assert!(found.contains("contains the URL query"), "{found}");
}

/// A transport straight on reqwest, and the defects it can be given.
#[derive(Clone)]
struct Reference {
    client: reqwest::Client,
    follow_redirects: bool,
    cap_while_reading: bool,
    check_content_length: bool,
    cap_slack: usize,
    retry_once: bool,
    extra_header: bool,
    form_charset: bool,
    url_in_errors: bool,
}

impl Reference {
    fn careful_config() -> Reference {
        // Built with other workspace crates, reqwest has `rustls-no-provider`: a crypto provider
        // must be installed before any client is built (as tests/common does).
        let _ = rustls::crypto::ring::default_provider().install_default();
        Reference {
            client: reqwest::Client::new(),
            follow_redirects: false,
            cap_while_reading: true,
            check_content_length: true,
            cap_slack: 0,
            retry_once: false,
            extra_header: false,
            form_charset: false,
            url_in_errors: false,
        }
    }

    fn careful() -> Arc<Reference> {
        Reference::careful_config().build()
    }

    fn build(mut self) -> Arc<Reference> {
        let redirects = if self.follow_redirects {
            reqwest::redirect::Policy::default()
        } else {
            reqwest::redirect::Policy::none()
        };
        self.client = reqwest::Client::builder()
            .redirect(redirects)
            .no_proxy()
            .build()
            .unwrap();
        Arc::new(self)
    }

    fn send(self: Arc<Self>, request: Request) -> SendFuture {
        async move {
            let first = self.attempt(&request).await;
            let failed = first.as_ref().map_or(true, |r| r.status >= 500);
            if self.retry_once && failed {
                self.attempt(&request).await
            } else {
                first
            }
        }
        .boxed()
    }

    async fn attempt(&self, request: &Request) -> Result<Response, Failure> {
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        let mut builder = self
            .client
            .request(method, &request.url)
            .timeout(request.timeout);
        for (name, value) in &request.headers {
            let value = if self.form_charset && name == "content-type" {
                format!("{value}; charset=utf-8")
            } else {
                value.clone()
            };
            builder = builder.header(name, value);
        }
        if self.extra_header {
            builder = builder.header("x-platform", "1");
        }
        if request.method == Method::Post {
            builder = builder.body(request.body.clone());
        }
        let mut response = builder.send().await.map_err(|e| self.failure(e))?;
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let cap = request.max_response_bytes + self.cap_slack;
        if self.check_content_length && response.content_length().is_some_and(|n| n > cap as u64) {
            return Ok(Response {
                status,
                headers,
                body: None,
            });
        }
        let mut body = Vec::new();
        let mut length = 0;
        while let Some(chunk) = response.chunk().await.map_err(|e| self.failure(e))? {
            length += chunk.len();
            if length > cap && self.cap_while_reading {
                return Err(Failure::BodyTooLarge { status, headers });
            }
            if length <= cap {
                body.extend_from_slice(&chunk);
            }
        }
        Ok(Response {
            status,
            headers,
            body: (length <= cap).then_some(body),
        })
    }

    fn failure(&self, error: reqwest::Error) -> Failure {
        if error.is_timeout() {
            return Failure::Timeout;
        }
        let error = if self.url_in_errors {
            error
        } else {
            error.without_url()
        };
        let mut message = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            message.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        Failure::Network { message }
    }
}
