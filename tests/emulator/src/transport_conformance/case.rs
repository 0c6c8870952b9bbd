//! The case files of `tests/transport/` (see its README): a strict schema, so a typo in a key
//! or a value of the wrong type is a load error instead of a case that silently checks less.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use super::types::{Method, Request};

/// Request timeouts a case may ask for: with the waits after the answer they stay well inside
/// the runner's limit for a whole case.
pub const MAX_TIMEOUT_MS: u64 = 2_000;

/// One conformance case: a request, and what the fault server does with it. The kind also
/// fixes what the runner checks (the README's table).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    pub request: RequestSpec,
    pub server: Kind,
}

/// The request the transport is asked to send, relative to the fault server.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    pub method: Method,
    /// Path and query, e.g. `/v1/client?_is_native=true`.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub max_response_bytes: usize,
    pub connect_timeout_ms: u64,
    pub timeout_ms: u64,
}

impl RequestSpec {
    pub fn to_request(&self, base_url: &str) -> Request {
        Request {
            method: self.method,
            url: format!("{base_url}{}", self.target),
            headers: self.headers.clone(),
            body: self.body.as_bytes().to_vec(),
            max_response_bytes: self.max_response_bytes,
            connect_timeout: Duration::from_millis(self.connect_timeout_ms),
            timeout: Duration::from_millis(self.timeout_ms),
        }
    }
}

/// How a body of known size is framed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Framing {
    ContentLength,
    Chunked,
}

/// What the fault server does; one variant per kind of case.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Kind {
    /// Answers `status` with these headers and body (framed by Content-Length).
    Answers {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Answers `status` with a `Location` on a second listener, which must see nothing.
    Redirect { status: u16 },
    /// Streams a chunked 200 body of up to `stream_bytes`; the client must stop reading and
    /// close before the server managed to write `max_bytes_written`.
    BodyOverCap {
        stream_bytes: u64,
        max_bytes_written: u64,
    },
    /// Answers 200 with a body of exactly `max_response_bytes`, which must arrive whole.
    BodyAtCap { framing: Framing },
    /// Answers 200 with a body one byte over `max_response_bytes`, which must be refused.
    BodyOneByteOverCap { framing: Framing },
    /// Sends a 200 head declaring `content_length` (above the cap) and no body byte.
    ContentLengthOverCap { content_length: u64 },
    /// Declares `declared` bytes, sends `sent` (fewer), then closes.
    LyingContentLength { declared: u64, sent: u64 },
    /// Sends `chunks` chunks of `chunk_bytes`, then closes before the last chunk.
    CutChunked { chunks: u32, chunk_bytes: u32 },
    /// Reads the request and never answers.
    NeverAnswers { max_elapsed_ms: u64 },
    /// Nothing listens on the port.
    Refused {},
    /// Answers two identical requests, each with this `Set-Cookie`.
    CookieNotSent { set_cookie: String },
    /// Answers two identical requests with this `Cache-Control` (plus a validator), different
    /// bodies.
    NotCached { cache_control: String },
    /// Reads the request and resets the connection without answering.
    ResetBeforeResponse {},
}

impl Kind {
    /// How many times the runner sends the request.
    pub fn attempts(&self) -> usize {
        match self {
            Kind::CookieNotSent { .. } | Kind::NotCached { .. } => 2,
            _ => 1,
        }
    }
}

/// Every `*.json` case in `dir`, sorted by file name. Any other file but `README.md` is an
/// error, so a misnamed case cannot drop out unnoticed.
pub fn load_cases(dir: &Path) -> Result<Vec<(String, Case)>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") {
            names.push(name);
        } else if name != "README.md" {
            return Err(format!(
                "{}: not a case file (*.json)",
                dir.join(&name).display()
            ));
        }
    }
    names.sort();
    names
        .into_iter()
        .map(|name| load_case(&dir.join(&name)).map(|case| (name, case)))
        .collect()
}

/// One case file.
pub fn load_case(path: &Path) -> Result<Case, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse_case(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// A case from its JSON text, checked beyond its types.
pub fn parse_case(text: &str) -> Result<Case, String> {
    let case: Case = serde_json::from_str(text).map_err(|e| e.to_string())?;
    case.validate()?;
    Ok(case)
}

impl Case {
    fn validate(&self) -> Result<(), String> {
        let request = &self.request;
        let cap = request.max_response_bytes as u64;
        if self.name.trim().is_empty() {
            return Err("name is empty".into());
        }
        if !request.target.starts_with('/') || request.target.contains(char::is_whitespace) {
            return Err(format!("target {:?} is not a path", request.target));
        }
        for (index, (name, value)) in request.headers.iter().enumerate() {
            check_header(name, value)?;
            if request.headers[..index]
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name))
            {
                return Err(format!("request header {name:?} is given twice"));
            }
        }
        if cap == 0 {
            return Err("max_response_bytes is 0".into());
        }
        for (what, ms) in [
            ("connect_timeout_ms", request.connect_timeout_ms),
            ("timeout_ms", request.timeout_ms),
        ] {
            if ms == 0 || ms > MAX_TIMEOUT_MS {
                return Err(format!("{what} must be 1..={MAX_TIMEOUT_MS}, not {ms}"));
            }
        }
        match &self.server {
            Kind::Answers {
                status,
                headers,
                body,
            } => {
                check_status(*status, 200..=599)?;
                for (name, value) in headers {
                    check_header(name, value)?;
                }
                require(
                    body.len() as u64 <= cap,
                    "the body is over max_response_bytes",
                )
            }
            Kind::Redirect { status } => check_status(*status, 300..=399),
            Kind::BodyOverCap {
                stream_bytes,
                max_bytes_written,
            } => require(
                cap < *max_bytes_written && max_bytes_written < stream_bytes,
                "need max_response_bytes < max_bytes_written < stream_bytes",
            ),
            Kind::BodyAtCap { .. } | Kind::BodyOneByteOverCap { .. } => Ok(()),
            Kind::ContentLengthOverCap { content_length } => require(
                *content_length > cap,
                "content_length is not above max_response_bytes",
            ),
            Kind::LyingContentLength { declared, sent } => require(
                sent < declared && *declared <= cap,
                "need sent < declared <= max_response_bytes",
            ),
            Kind::CutChunked {
                chunks,
                chunk_bytes,
            } => require(
                *chunk_bytes > 0 && u64::from(*chunks) * u64::from(*chunk_bytes) < cap,
                "need chunk_bytes > 0 and all chunks below max_response_bytes",
            ),
            Kind::NeverAnswers { max_elapsed_ms } => require(
                *max_elapsed_ms > request.timeout_ms && *max_elapsed_ms <= 2 * MAX_TIMEOUT_MS,
                "need timeout_ms < max_elapsed_ms <= twice the longest timeout",
            ),
            Kind::Refused {} | Kind::ResetBeforeResponse {} => Ok(()),
            Kind::CookieNotSent { set_cookie } => check_header("set-cookie", set_cookie),
            Kind::NotCached { cache_control } => check_header("cache-control", cache_control),
        }
    }
}

fn require(ok: bool, message: &str) -> Result<(), String> {
    if ok { Ok(()) } else { Err(message.into()) }
}

fn check_status(status: u16, range: std::ops::RangeInclusive<u16>) -> Result<(), String> {
    require(
        range.contains(&status),
        &format!("status {status} is not in {range:?}"),
    )
}

/// The server writes headers verbatim and the client sends them verbatim: nothing that would
/// end a line or a name early.
fn check_header(name: &str, value: &str) -> Result<(), String> {
    let name_ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b':');
    let value_ok = value
        .bytes()
        .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
        && value.trim() == value;
    require(
        name_ok && value_ok,
        &format!("header {name:?}: {value:?} cannot go on the wire as is"),
    )
}
