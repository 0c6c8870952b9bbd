//! The transport conformance suite (`tests/transport/`) for the platforms' transports: the
//! Kotlin and Swift tests hand their OkHttp or URLSession transport and a case file, and the
//! case runs here, through the same adapter the engines use (`clerkkit::ForeignTransport`),
//! against the emulator's fault server. reqwest runs the same files in
//! core/tests/transport_conformance.rs.

use std::path::Path;
use std::sync::Arc;

use clerk_core::{HttpMethod, HttpRequest, HttpResponse, HttpTransport as _, TransportError};
use clerk_emulator::transport_conformance::{
    Allowance, Failure, Method, Request, Response, SendFuture, load_case, load_cases, run_case_allowing,
};
use clerkkit::{ForeignTransport, HttpTransport};
use tokio::sync::oneshot;

#[derive(Debug, Clone, PartialEq, thiserror::Error, uniffi::Error)]
pub enum ConformanceError {
    /// The case diverged (every divergence, one per line), or could not be loaded or run.
    #[error("{detail}")]
    Failed { detail: String },
}

fn failed(detail: impl Into<String>) -> ConformanceError {
    ConformanceError::Failed { detail: detail.into() }
}

/// Every case file in `directory` (the repository's `tests/transport`), sorted, each checked
/// against the strict schema: the platforms iterate over exactly the files Rust does.
#[uniffi::export]
pub fn transport_conformance_case_files(directory: String) -> Result<Vec<String>, ConformanceError> {
    let directory = Path::new(&directory);
    let cases = load_cases(directory).map_err(failed)?;
    Ok(cases.into_iter().map(|(file, _)| directory.join(file).to_string_lossy().into_owned()).collect())
}

/// A known limit of one platform's HTTP stack that its test names explicitly (see
/// `clerk_emulator::transport_conformance::Allowance`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ConformanceAllowance {
    /// swift-corelibs-foundation reads on for a while after a cancelled body over the cap.
    ReadsOnAfterCancel,
}

/// Runs the case in `case_file` with `transport` as the transport under test; `Err` names what
/// diverged. Ends within a few seconds whatever the transport does.
#[uniffi::export]
pub async fn run_transport_conformance_case(
    transport: Arc<dyn HttpTransport>,
    case_file: String,
) -> Result<(), ConformanceError> {
    run_transport_conformance_case_allowing(transport, case_file, Vec::new()).await
}

/// As `run_transport_conformance_case`, with the platform's known limits.
#[uniffi::export]
pub async fn run_transport_conformance_case_allowing(
    transport: Arc<dyn HttpTransport>,
    case_file: String,
    allowances: Vec<ConformanceAllowance>,
) -> Result<(), ConformanceError> {
    let allowances: Vec<Allowance> = allowances
        .into_iter()
        .map(|allowance| match allowance {
            ConformanceAllowance::ReadsOnAfterCancel => Allowance::ReadsOnAfterCancel,
        })
        .collect();
    let case = load_case(Path::new(&case_file)).map_err(failed)?;
    let transport = Arc::new(ForeignTransport(transport));
    let (sender, answer) = oneshot::channel();
    // The fault server needs a Tokio runtime, which a foreign caller does not have: the case
    // gets its own, on its own thread, as the emulator runs its server.
    std::thread::Builder::new()
        .name("clerk-conformance".into())
        .spawn(move || {
            let outcome = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(runtime) => runtime.block_on(async {
                    let send = |request: Request| send(transport.clone(), request);
                    run_case_allowing(&case, &send, &allowances).await
                }),
                Err(e) => Err(format!("no runtime for the case: {e}")),
            };
            let _ = sender.send(outcome);
        })
        .map_err(|e| failed(format!("no thread for the case: {e}")))?;
    match answer.await {
        Ok(outcome) => outcome.map_err(failed),
        Err(_) => Err(failed("the case ended without an outcome")),
    }
}

/// The runner's request through the core's transport seam, and the answer back: the same
/// fields, one to one.
fn send(transport: Arc<ForeignTransport>, request: Request) -> SendFuture {
    let request = HttpRequest {
        method: match request.method {
            Method::Get => HttpMethod::Get,
            Method::Post => HttpMethod::Post,
        },
        url: request.url,
        headers: request.headers,
        body: request.body,
        max_response_bytes: request.max_response_bytes,
        connect_timeout: request.connect_timeout,
        timeout: request.timeout,
    };
    let sent = transport.send(request);
    Box::pin(async move {
        match sent.await {
            Ok(HttpResponse { status, headers, body }) => Ok(Response { status, headers, body }),
            Err(TransportError::Timeout) => Err(Failure::Timeout),
            // What "no network" means depends on the machine; to the suite it is a network error.
            Err(TransportError::Network { message } | TransportError::Offline { message }) => {
                Err(Failure::Network { message })
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use clerk_core::ReqwestTransport;
    use clerk_emulator::transport_conformance::cases_dir;
    use clerkkit::{HttpCall, HttpCompletion, HttpFailure, HttpHeader};
    use tokio::runtime::Handle;
    use tokio::task::AbortHandle;

    use super::*;

    /// A platform transport written in Rust, shaped like the OkHttp and URLSession ones: `send`
    /// starts the request on the platform's own thread and returns at once, the answer goes
    /// through the completion, and `cancel` stops the request.
    struct Platform {
        runtime: Handle,
        reqwest: ReqwestTransport,
    }

    struct Call(AbortHandle);

    impl HttpCall for Call {
        fn cancel(&self) {
            self.0.abort();
        }
    }

    impl Platform {
        fn start() -> Arc<Platform> {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let handle = runtime.handle().clone();
            std::thread::spawn(move || runtime.block_on(std::future::pending::<()>()));
            let reqwest = ReqwestTransport::new(Duration::from_secs(2)).unwrap();
            Arc::new(Platform { runtime: handle, reqwest })
        }
    }

    impl HttpTransport for Platform {
        fn send(&self, request: clerkkit::HttpRequest, completion: Arc<HttpCompletion>) -> Arc<dyn HttpCall> {
            let request = HttpRequest {
                method: match request.method {
                    clerkkit::HttpMethod::Get => HttpMethod::Get,
                    clerkkit::HttpMethod::Post => HttpMethod::Post,
                },
                url: request.url,
                headers: request.headers.into_iter().map(|h| (h.name, h.value)).collect(),
                body: request.body,
                max_response_bytes: request.max_response_bytes as usize,
                connect_timeout: Duration::from_millis(request.connect_timeout_ms),
                timeout: Duration::from_millis(request.timeout_ms),
            };
            let sent = self.reqwest.send(request);
            let task = self.runtime.spawn(async move {
                let headers =
                    |pairs: Vec<(String, String)>| pairs.into_iter().map(|(name, value)| HttpHeader { name, value }).collect();
                match sent.await {
                    Ok(HttpResponse { status, headers: h, body: Some(body) }) => {
                        completion.succeed(clerkkit::HttpResponse { status, headers: headers(h), body })
                    }
                    Ok(HttpResponse { status, headers: h, body: None }) => {
                        completion.fail(HttpFailure::BodyTooLarge { status, headers: headers(h) })
                    }
                    Err(TransportError::Timeout) => completion.fail(HttpFailure::Timeout { detail: "timed out".into() }),
                    Err(TransportError::Network { message } | TransportError::Offline { message }) => {
                        completion.fail(HttpFailure::Network { detail: message })
                    }
                }
            });
            Arc::new(Call(task.abort_handle()))
        }
    }

    fn case_files() -> Vec<String> {
        transport_conformance_case_files(cases_dir().to_string_lossy().into_owned()).unwrap()
    }

    /// As the facades call it: from a thread with no Tokio runtime, polled by another executor.
    fn run(transport: Arc<dyn HttpTransport>, file: &str) -> Result<(), ConformanceError> {
        futures::executor::block_on(run_transport_conformance_case(transport, file.to_string()))
    }

    #[test]
    fn a_platform_transport_through_the_foreign_adapter_passes_every_case() {
        let platform = Platform::start();
        let files = case_files();
        assert!(!files.is_empty());
        let failures: Vec<String> = files
            .iter()
            .filter_map(|file| run(platform.clone(), file).err().map(|e| format!("{file}:\n{e}")))
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    }

    /// A transport that fails everything with a network error.
    struct Unreachable;

    struct Nothing;

    impl HttpCall for Nothing {
        fn cancel(&self) {}
    }

    impl HttpTransport for Unreachable {
        fn send(&self, _: clerkkit::HttpRequest, completion: Arc<HttpCompletion>) -> Arc<dyn HttpCall> {
            completion.fail(HttpFailure::Network { detail: "unreachable".into() });
            Arc::new(Nothing)
        }
    }

    #[test]
    fn a_divergence_comes_back_as_the_error() {
        let files = case_files();
        let redirect = files.iter().find(|f| f.contains("a-redirect-is-not-followed")).unwrap();
        let Err(ConformanceError::Failed { detail }) = run(Arc::new(Unreachable), redirect) else {
            panic!("the case passed");
        };
        assert!(detail.contains("expected a 302 response, got a network error (unreachable)"), "{detail}");
        let refused = files.iter().find(|f| f.contains("a-refused-connection")).unwrap();
        assert_eq!(run(Arc::new(Unreachable), refused), Ok(()));
        let missing = run(Arc::new(Unreachable), "/nonexistent/case.json");
        assert!(matches!(missing, Err(ConformanceError::Failed { .. })), "{missing:?}");
    }
}
