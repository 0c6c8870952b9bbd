//! Runs one case against a transport: starts the fault server the case describes, sends the
//! request through the transport, then checks both what the transport reported and what the
//! server saw. Every divergence is named, not just the first.

use std::time::{Duration, Instant};

use super::case::{Case, Framing, Kind, RequestSpec};
use super::server::{Action, FaultServer, Log, Received, chunk};
use super::types::{Failure, Request, Response, SendFuture};

/// No case, whatever the transport does, runs longer than this.
pub const CASE_LIMIT: Duration = Duration::from_secs(5);

/// How long the server may take to see the client close after the transport answered.
const PEER_CLOSE_LIMIT: Duration = Duration::from_secs(2);

/// Request headers a platform may add to the ones it was given (lowercase). Anything else
/// that arrives, or a given header with another value, fails the case.
pub const PLATFORM_HEADERS: &[&str] = &[
    "user-agent",
    "accept-encoding",
    "accept-language",
    "accept",
    "host",
    "connection",
    "content-length",
];

type Outcome = Result<Response, Failure>;

/// A known limit of one platform's HTTP stack, which a runner for that platform names
/// explicitly; every other check of the case still applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowance {
    /// The stack keeps reading for a while after the transport cancels a body over the cap
    /// (swift-corelibs-foundation: libcurl reads on until the cancellation reaches it). The
    /// transport must still report the body as too large, deliver nothing over the cap, and
    /// close the connection; only the bound on what the server managed to write is lifted.
    ReadsOnAfterCancel,
}

/// Runs `case` with `send` as the transport. `Err` lists what diverged, one finding per line.
pub async fn run_case(case: &Case, send: &(dyn Fn(Request) -> SendFuture + Sync)) -> Result<(), String> {
    run_case_allowing(case, send, &[]).await
}

/// As [`run_case`], with a platform's known limits.
pub async fn run_case_allowing(
    case: &Case,
    send: &(dyn Fn(Request) -> SendFuture + Sync),
    allowances: &[Allowance],
) -> Result<(), String> {
    let mut findings = Vec::new();
    let run = run(case, send, allowances, &mut findings);
    if tokio::time::timeout(CASE_LIMIT, run).await.is_err() {
        findings.push(format!(
            "the case did not end within {} s",
            CASE_LIMIT.as_secs()
        ));
    }
    if findings.is_empty() {
        Ok(())
    } else {
        Err(findings.join("\n"))
    }
}

async fn run(
    case: &Case,
    send: &(dyn Fn(Request) -> SendFuture + Sync),
    allowances: &[Allowance],
    found: &mut Vec<String>,
) {
    if let Err(setup) = run_kind(case, send, allowances, found).await {
        found.push(setup);
    }
}

/// `Err` only when the case could not be set up; divergences go to `found`.
async fn run_kind(
    case: &Case,
    send: &(dyn Fn(Request) -> SendFuture + Sync),
    allowances: &[Allowance],
    found: &mut Vec<String>,
) -> Result<(), String> {
    let spec = &case.request;
    let cap = spec.max_response_bytes;
    match &case.server {
        Kind::Answers {
            status,
            headers,
            body,
        } => {
            let server = FaultServer::start(vec![Action::Answer(response(
                *status,
                headers,
                body.as_bytes(),
            ))])
            .await?;
            let outcome = attempt(&server, spec, send).await;
            expect_response(&outcome, *status, headers, body.as_bytes(), found);
            check_arrivals(spec, &server.log(), 1, found);
        }
        Kind::Redirect { status } => {
            let target = FaultServer::start(Vec::new()).await?;
            let location = format!("{}/conformance/redirect-target", target.base_url());
            let headers = [("Location".to_string(), location)];
            let body = b"redirecting";
            let server =
                FaultServer::start(vec![Action::Answer(response(*status, &headers, body))]).await?;
            let outcome = attempt(&server, spec, send).await;
            expect_response(&outcome, *status, &headers, body, found);
            check_arrivals(spec, &server.log(), 1, found);
            let seen = target.log();
            if seen.connections > 0 {
                found.push(format!(
                    "the redirect was followed: its target saw {} connection(s) and {} request(s)",
                    seen.connections,
                    seen.requests.len()
                ));
            }
        }
        Kind::BodyOverCap {
            stream_bytes,
            max_bytes_written,
        } => {
            let head = chunked_head(200);
            let server = FaultServer::start(vec![Action::Stream {
                head,
                total: *stream_bytes,
            }])
            .await?;
            let outcome = attempt(&server, spec, send).await;
            expect_too_large(&outcome, 200, found);
            check_arrivals(spec, &server.log(), 1, found);
            let closed = server.wait_for_peer_closes(1, PEER_CLOSE_LIMIT).await;
            let log = closed.clone().unwrap_or_else(|| server.log());
            if closed.is_none() {
                found.push(never_closed(&log));
            }
            let reads_on = allowances.contains(&Allowance::ReadsOnAfterCancel);
            if log.bytes_written >= *max_bytes_written && !reads_on {
                found.push(format!(
                    "the server wrote {} bytes before the client closed (at most {max_bytes_written} expected for a cap of {cap})",
                    log.bytes_written
                ));
            }
        }
        Kind::BodyAtCap { framing } => {
            let body = filler(cap);
            let server = FaultServer::start(vec![Action::Answer(framed(*framing, &body))]).await?;
            let outcome = attempt(&server, spec, send).await;
            expect_response(&outcome, 200, &[], &body, found);
            check_arrivals(spec, &server.log(), 1, found);
        }
        Kind::BodyOneByteOverCap { framing } => {
            let body = filler(cap + 1);
            let server = FaultServer::start(vec![Action::Answer(framed(*framing, &body))]).await?;
            let outcome = attempt(&server, spec, send).await;
            expect_too_large(&outcome, 200, found);
            check_arrivals(spec, &server.log(), 1, found);
        }
        Kind::ContentLengthOverCap { content_length } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {content_length}\r\n\r\n"
            );
            let server = FaultServer::start(vec![Action::WriteAndHold(head.into_bytes())]).await?;
            let outcome = attempt(&server, spec, send).await;
            expect_too_large(&outcome, 200, found);
            check_arrivals(spec, &server.log(), 1, found);
            if server
                .wait_for_peer_closes(1, PEER_CLOSE_LIMIT)
                .await
                .is_none()
            {
                found.push(never_closed(&server.log()));
            }
        }
        Kind::LyingContentLength { declared, sent } => {
            let mut bytes = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {declared}\r\n\r\n"
            )
            .into_bytes();
            bytes.extend(std::iter::repeat_n(b'x', *sent as usize));
            let server = FaultServer::start(vec![Action::WriteAndClose(bytes)]).await?;
            let outcome = attempt(&server, spec, send).await;
            expect_network(&outcome, spec, found);
            check_arrivals(spec, &server.log(), 1, found);
        }
        Kind::CutChunked {
            chunks,
            chunk_bytes,
        } => {
            let mut bytes = chunked_head(200);
            for _ in 0..*chunks {
                bytes.extend(chunk(&vec![b'x'; *chunk_bytes as usize]));
            }
            let server = FaultServer::start(vec![Action::WriteAndClose(bytes)]).await?;
            let outcome = attempt(&server, spec, send).await;
            expect_network(&outcome, spec, found);
            check_arrivals(spec, &server.log(), 1, found);
        }
        Kind::NeverAnswers { max_elapsed_ms } => {
            let server = FaultServer::start(vec![Action::WriteAndHold(Vec::new())]).await?;
            let started = Instant::now();
            let outcome = attempt(&server, spec, send).await;
            let elapsed = started.elapsed();
            if !matches!(outcome, Err(Failure::Timeout)) {
                found.push(format!("expected Timeout, got {}", describe(&outcome)));
            }
            // Platform timers may round; 10% early still counts as "at the timeout".
            let earliest = Duration::from_millis(spec.timeout_ms * 9 / 10);
            let latest = Duration::from_millis(*max_elapsed_ms);
            if elapsed < earliest || elapsed > latest {
                found.push(format!(
                    "the attempt ended after {} ms; expected at its timeout of {} ms (at most {max_elapsed_ms} ms)",
                    elapsed.as_millis(),
                    spec.timeout_ms
                ));
            }
            check_arrivals(spec, &server.log(), 1, found);
            if server
                .wait_for_peer_closes(1, PEER_CLOSE_LIMIT)
                .await
                .is_none()
            {
                found.push(never_closed(&server.log()));
            }
        }
        Kind::Refused {} => {
            let base_url = closed_port_url()?;
            let outcome = normalize(send(spec.to_request(&base_url)).await);
            expect_network(&outcome, spec, found);
        }
        Kind::CookieNotSent { set_cookie } => {
            let headers = [("Set-Cookie".to_string(), set_cookie.clone())];
            let answer = Action::Answer(response(200, &headers, b"{}"));
            let server = FaultServer::start(vec![answer.clone(), answer]).await?;
            for _ in 0..2 {
                let outcome = attempt(&server, spec, send).await;
                expect_response(&outcome, 200, &[], b"{}", found);
            }
            // A Cookie header on either request is an added header: check_arrivals names it.
            check_arrivals(spec, &server.log(), 2, found);
        }
        Kind::NotCached { cache_control } => {
            let answer = |body: &[u8]| {
                let headers = [
                    ("Cache-Control".to_string(), cache_control.clone()),
                    ("ETag".to_string(), "\"conformance-v1\"".to_string()),
                    (
                        "Last-Modified".to_string(),
                        "Wed, 21 Oct 2015 07:28:00 GMT".to_string(),
                    ),
                ];
                Action::Answer(response(200, &headers, body))
            };
            let server = FaultServer::start(vec![answer(b"first"), answer(b"second")]).await?;
            let first = attempt(&server, spec, send).await;
            expect_response(&first, 200, &[], b"first", found);
            let second = attempt(&server, spec, send).await;
            expect_response(&second, 200, &[], b"second", found);
            // A conditional request (If-None-Match, If-Modified-Since) is an added header too.
            check_arrivals(spec, &server.log(), 2, found);
        }
        Kind::ResetBeforeResponse {} => {
            let server = FaultServer::start(vec![Action::Reset]).await?;
            let outcome = attempt(&server, spec, send).await;
            expect_network(&outcome, spec, found);
            check_arrivals(spec, &server.log(), 1, found);
        }
    }
    Ok(())
}

async fn attempt(
    server: &FaultServer,
    spec: &RequestSpec,
    send: &(dyn Fn(Request) -> SendFuture + Sync),
) -> Outcome {
    normalize(send(spec.to_request(&server.base_url())).await)
}

/// A response whose body passed the cap is the core's way of reporting `BodyTooLarge`.
fn normalize(outcome: Outcome) -> Outcome {
    match outcome {
        Ok(Response {
            status,
            headers,
            body: None,
        }) => Err(Failure::BodyTooLarge { status, headers }),
        other => other,
    }
}

/// A URL on 127.0.0.1 where nothing listens: a port the system just handed out and took back.
fn closed_port_url() -> Result<String, String> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))
        .map_err(|e| format!("cannot find a free port: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot find a free port: {e}"))?;
    drop(listener);
    Ok(format!("http://{addr}"))
}

/// A complete response framed by Content-Length.
fn response(status: u16, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
    let mut bytes = format!("HTTP/1.1 {status} {}\r\n", reason(status)).into_bytes();
    for (name, value) in headers {
        bytes.extend(format!("{name}: {value}\r\n").into_bytes());
    }
    bytes.extend(format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes());
    bytes.extend_from_slice(body);
    bytes
}

/// A 200 carrying `body`, framed as asked.
fn framed(framing: Framing, body: &[u8]) -> Vec<u8> {
    match framing {
        Framing::ContentLength => response(200, &[], body),
        Framing::Chunked => {
            let mut bytes = chunked_head(200);
            for piece in body.chunks(16 * 1024) {
                bytes.extend(chunk(piece));
            }
            bytes.extend_from_slice(b"0\r\n\r\n");
            bytes
        }
    }
}

/// `len` bytes of visible text, so a body in a message reads as something.
fn filler(len: usize) -> Vec<u8> {
    (0..len).map(|i| b'a' + (i % 26) as u8).collect()
}

fn chunked_head(status: u16) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        reason(status)
    )
    .into_bytes()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        401 => "Unauthorized",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

fn expect_response(
    outcome: &Outcome,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    found: &mut Vec<String>,
) {
    let Ok(response) = outcome else {
        found.push(format!(
            "expected a {status} response, got {}",
            describe(outcome)
        ));
        return;
    };
    if response.status != status {
        found.push(format!("expected status {status}, got {}", response.status));
    }
    for (name, value) in headers {
        let values: Vec<&str> = response
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect();
        if values != [value.as_str()] {
            found.push(format!(
                "response header {name}: expected exactly one line {value:?}, got {values:?}"
            ));
        }
    }
    let got = response.body.as_deref().unwrap_or_default();
    if got != body {
        found.push(format!(
            "expected the body {}, got {}",
            preview(body),
            preview(got)
        ));
    }
}

fn expect_too_large(outcome: &Outcome, status: u16, found: &mut Vec<String>) {
    match outcome {
        Err(Failure::BodyTooLarge { status: got, .. }) if *got == status => {}
        _ => found.push(format!(
            "expected BodyTooLarge with status {status}, got {}",
            describe(outcome)
        )),
    }
}

/// A network failure whose message leaks neither the query nor a credential.
fn expect_network(outcome: &Outcome, spec: &RequestSpec, found: &mut Vec<String>) {
    let Err(Failure::Network { message }) = outcome else {
        found.push(format!(
            "expected a network error, got {}",
            describe(outcome)
        ));
        return;
    };
    let query = spec
        .target
        .split_once('?')
        .map(|(_, q)| q)
        .filter(|q| !q.is_empty());
    if let Some(query) = query.filter(|q| message.contains(q)) {
        found.push(format!(
            "the network error's message contains the URL query {query:?}: {message:?}"
        ));
    }
    let secrets = spec
        .headers
        .iter()
        .filter(|(n, v)| n.eq_ignore_ascii_case("authorization") && !v.is_empty());
    if secrets
        .into_iter()
        .any(|(_, v)| message.contains(v.as_str()))
    {
        found.push(
            "the network error's message contains the Authorization header's value".to_string(),
        );
    }
}

/// One request per attempt, each as it was sent plus only platform headers.
fn check_arrivals(spec: &RequestSpec, log: &Log, attempts: usize, found: &mut Vec<String>) {
    if log.requests.len() != attempts {
        found.push(format!(
            "the server saw {} request(s) for {attempts} attempt(s): a transport sends exactly one per attempt",
            log.requests.len()
        ));
    }
    if log.connections > attempts {
        found.push(format!(
            "the server saw {} connections for {attempts} attempt(s)",
            log.connections
        ));
    }
    for (index, received) in log.requests.iter().take(attempts).enumerate() {
        check_arrival(spec, received, index + 1, found);
    }
}

fn check_arrival(spec: &RequestSpec, received: &Received, number: usize, found: &mut Vec<String>) {
    let at = format!("request {number}");
    if received.method != spec.method.as_str() {
        found.push(format!(
            "{at}: method {}, sent {}",
            received.method,
            spec.method.as_str()
        ));
    }
    if received.target != spec.target {
        found.push(format!(
            "{at}: target {:?}, sent {:?}",
            received.target, spec.target
        ));
    }
    if received.version != "HTTP/1.1" {
        found.push(format!(
            "{at}: version {:?}, expected HTTP/1.1",
            received.version
        ));
    }
    for (name, value) in &spec.headers {
        let values = received.header_values(name);
        if values != [value.as_str()] {
            found.push(format!(
                "{at}: header {name} arrived as {values:?}, sent {value:?}"
            ));
        }
    }
    for (name, value) in &received.headers {
        let given = spec
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name));
        let platform = PLATFORM_HEADERS
            .iter()
            .any(|p| p.eq_ignore_ascii_case(name));
        if !given && !platform {
            found.push(format!(
                "{at}: header `{name}: {value}` was added; a platform may add only {}",
                PLATFORM_HEADERS.join(", ")
            ));
        }
    }
    if received.body_unread {
        found.push(format!(
            "{at}: the body came with Transfer-Encoding instead of a Content-Length"
        ));
    } else if received.body != spec.body.as_bytes() {
        found.push(format!(
            "{at}: the body arrived as {}, sent {}",
            preview(&received.body),
            preview(spec.body.as_bytes())
        ));
    }
}

fn never_closed(log: &Log) -> String {
    format!(
        "the server did not see the connection closed within {} s of the answer ({} bytes written)",
        PEER_CLOSE_LIMIT.as_secs(),
        log.bytes_written
    )
}

fn describe(outcome: &Outcome) -> String {
    match outcome {
        Ok(response) => format!(
            "a {} response with {} header(s) and the body {}",
            response.status,
            response.headers.len(),
            response
                .body
                .as_deref()
                .map_or_else(|| "(over the cap)".to_string(), preview)
        ),
        Err(Failure::BodyTooLarge { status, .. }) => format!("BodyTooLarge (status {status})"),
        Err(Failure::Timeout) => "Timeout".to_string(),
        Err(Failure::Network { message }) => format!("a network error ({message})"),
    }
}

/// A body for a message: short ones in full, long ones by size and start.
fn preview(body: &[u8]) -> String {
    const SHOWN: usize = 64;
    let text = String::from_utf8_lossy(&body[..body.len().min(SHOWN)]).into_owned();
    if body.len() <= SHOWN {
        format!("{text:?}")
    } else {
        format!("of {} bytes starting {text:?}", body.len())
    }
}
