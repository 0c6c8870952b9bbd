//! The platform transport's seam (src/http.rs) as the core sees it: answers, failures, the body
//! limit checked again, cancellation when the core stops waiting, and foreign faults that must
//! not become crashes. A scripted "platform" stands in for URLSession/OkHttp, which run the
//! same adapter in the Swift and Kotlin suites.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clerk_core::{HttpTransport as _, TransportError};
use clerkkit::{
    ForeignTransport, HttpCall, HttpCompletion, HttpFailure, HttpHeader, HttpMethod, HttpRequest, HttpResponse,
    HttpTransport,
};
use futures::FutureExt as _;

/// What the scripted platform does with a request.
enum Script {
    Answer(Result<HttpResponse, HttpFailure>),
    /// Keeps the completion and never answers (until the test does).
    Hold,
    /// Drops the completion unanswered.
    Drop,
    /// Fails inside `send`, as a foreign exception arrives.
    Panic,
}

struct Platform {
    script: Mutex<Vec<Script>>,
    seen: Mutex<Vec<HttpRequest>>,
    held: Mutex<Vec<Arc<HttpCompletion>>>,
    cancels: Arc<AtomicUsize>,
}

struct Call(Arc<AtomicUsize>);

impl HttpCall for Call {
    fn cancel(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl HttpTransport for Platform {
    fn send(&self, request: HttpRequest, completion: Arc<HttpCompletion>) -> Arc<dyn HttpCall> {
        self.seen.lock().unwrap().push(request);
        let step = self.script.lock().unwrap().remove(0);
        match step {
            Script::Answer(Ok(response)) => completion.succeed(response),
            Script::Answer(Err(failure)) => completion.fail(failure),
            Script::Hold => self.held.lock().unwrap().push(completion),
            Script::Drop => drop(completion),
            Script::Panic => panic!("the platform threw"),
        }
        Arc::new(Call(self.cancels.clone()))
    }
}

fn platform(script: Vec<Script>) -> Arc<Platform> {
    Arc::new(Platform {
        script: Mutex::new(script),
        seen: Mutex::default(),
        held: Mutex::default(),
        cancels: Arc::default(),
    })
}

fn request() -> clerk_core::HttpRequest {
    clerk_core::HttpRequest {
        method: clerk_core::HttpMethod::Post,
        url: "http://127.0.0.1:9/v1/client/sessions/sess_1/tokens?_is_native=true".into(),
        headers: vec![("authorization".into(), "dvt_1".into()), ("content-type".into(), "application/x-www-form-urlencoded".into())],
        body: b"organization_id=org_1".to_vec(),
        max_response_bytes: 16,
        connect_timeout: Duration::from_millis(1500),
        timeout: Duration::from_secs(15),
    }
}

fn header(name: &str, value: &str) -> HttpHeader {
    HttpHeader { name: name.into(), value: value.into() }
}

fn send(platform: &Arc<Platform>) -> Result<clerk_core::HttpResponse, TransportError> {
    let transport = ForeignTransport(platform.clone());
    futures::executor::block_on(transport.send(request()))
}

#[test]
fn the_request_crosses_whole_and_the_answer_comes_back_as_sent() {
    let headers = vec![
        header("Date", "Wed, 21 Oct 2015 07:28:00 GMT"),
        header("Authorization", ""),
        header("Set-Cookie", "a=1"),
        header("Set-Cookie", "b=2"),
    ];
    let answer = HttpResponse { status: 200, headers: headers.clone(), body: b"{}".to_vec() };
    let platform = platform(vec![Script::Answer(Ok(answer))]);
    let response = send(&platform).unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.body.as_deref(), Some(&b"{}"[..]));
    let pairs: Vec<(String, String)> = headers.into_iter().map(|h| (h.name, h.value)).collect();
    assert_eq!(response.headers, pairs, "no header split, merged or dropped, the empty one included");

    let seen = platform.seen.lock().unwrap().remove(0);
    assert_eq!(seen.method, HttpMethod::Post);
    assert_eq!(seen.url, request().url);
    assert_eq!(seen.headers, vec![header("authorization", "dvt_1"), header("content-type", "application/x-www-form-urlencoded")]);
    assert_eq!(seen.body, b"organization_id=org_1");
    assert_eq!((seen.max_response_bytes, seen.connect_timeout_ms, seen.timeout_ms), (16, 1500, 15_000));
    assert_eq!(platform.cancels.load(Ordering::SeqCst), 0, "an answered request is not cancelled");
}

#[test]
fn failures_map_to_the_core_s_errors_and_a_body_over_the_limit_never_arrives() {
    let too_large = HttpFailure::BodyTooLarge { status: 503, headers: vec![header("Retry-After", "2")] };
    let oversized = HttpResponse { status: 200, headers: vec![], body: vec![b'x'; 17] };
    let platform = platform(vec![
        Script::Answer(Err(too_large)),
        Script::Answer(Err(HttpFailure::Timeout { detail: "timed out".into() })),
        Script::Answer(Err(HttpFailure::Network { detail: "connection refused".into() })),
        Script::Answer(Ok(oversized)),
    ]);
    let response = send(&platform).unwrap();
    assert_eq!((response.status, response.body), (503, None));
    assert_eq!(response.headers, vec![("Retry-After".to_string(), "2".to_string())]);
    assert_eq!(send(&platform), Err(TransportError::Timeout));
    assert_eq!(send(&platform), Err(TransportError::Network { message: "connection refused".into() }));
    assert_eq!(send(&platform).unwrap().body, None, "16 bytes allowed, 17 sent: refused here whatever the platform did");
}

#[test]
fn a_request_the_core_stops_waiting_for_is_cancelled_once_and_its_late_answer_ignored() {
    let platform = platform(vec![Script::Hold]);
    let transport = ForeignTransport(platform.clone());
    let mut pending = transport.send(request());
    assert!((&mut pending).now_or_never().is_none(), "no answer yet");
    assert_eq!(platform.cancels.load(Ordering::SeqCst), 0);
    drop(pending);
    assert_eq!(platform.cancels.load(Ordering::SeqCst), 1, "dropping the attempt cancels the platform's request");
    let late = platform.held.lock().unwrap().remove(0);
    late.succeed(HttpResponse { status: 200, headers: vec![], body: vec![] });
    late.fail(HttpFailure::Network { detail: "after".into() });
    assert_eq!(platform.cancels.load(Ordering::SeqCst), 1);
}

#[test]
fn only_the_first_answer_counts() {
    let platform = platform(vec![Script::Hold]);
    let transport = ForeignTransport(platform.clone());
    let mut pending = transport.send(request());
    assert!((&mut pending).now_or_never().is_none());
    let completion = platform.held.lock().unwrap().remove(0);
    completion.fail(HttpFailure::Timeout { detail: String::new() });
    completion.succeed(HttpResponse { status: 200, headers: vec![], body: vec![] });
    assert_eq!(futures::executor::block_on(pending), Err(TransportError::Timeout));
}

#[test]
fn a_platform_that_throws_or_forgets_the_request_is_a_network_error_not_a_crash() {
    let platform = platform(vec![Script::Panic, Script::Drop]);
    let thrown = send(&platform).unwrap_err();
    assert!(matches!(&thrown, TransportError::Network { message } if message.contains("failed to start")), "{thrown:?}");
    let dropped = send(&platform).unwrap_err();
    assert!(matches!(&dropped, TransportError::Network { message } if message.contains("unanswered")), "{dropped:?}");
}

#[test]
fn the_records_text_shows_no_header_value_or_body() {
    let seen = HttpRequest::from(request());
    let text = format!("{seen:?}");
    assert!(!text.contains("dvt_1") && !text.contains("org_1"), "{text}");
    let response = HttpResponse { status: 200, headers: vec![header("authorization", "dvt_2")], body: b"eyJ".to_vec() };
    let text = format!("{response:?}");
    assert!(!text.contains("dvt_2") && !text.contains("eyJ"), "{text}");
}
