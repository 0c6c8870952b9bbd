//! The transport conformance suite (`tests/transport/`, run by the emulator's runner against
//! its fault server) on the core's reqwest transport. OkHttp and URLSession run the same files
//! through the test kit; see that folder's README.

use std::sync::Arc;
use std::time::Duration;

use clerk_core::{HttpMethod, HttpRequest, HttpResponse, HttpTransport, ReqwestTransport, TransportError};
use clerk_emulator::transport_conformance::{Failure, Method, Request, Response, SendFuture, cases_dir, load_cases, run_case};
use futures::FutureExt;

#[tokio::test]
async fn reqwest_passes_every_case() {
    let cases = load_cases(&cases_dir()).unwrap();
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for (file, case) in &cases {
        // reqwest takes the connect timeout per client, not per request.
        let connect_timeout = Duration::from_millis(case.request.connect_timeout_ms);
        let transport = Arc::new(ReqwestTransport::new(connect_timeout).unwrap());
        let send = |request: Request| send(transport.clone(), request);
        if let Err(found) = run_case(case, &send).await {
            failures.push(format!("{file}:\n{found}"));
        }
    }
    println!("{} cases, {} failed", cases.len(), failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The core's transport in the runner's terms: the same fields, one to one.
fn send(transport: Arc<ReqwestTransport>, request: Request) -> SendFuture {
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
    async move {
        match transport.send(request).await {
            Ok(HttpResponse { status, headers, body }) => Ok(Response { status, headers, body }),
            Err(TransportError::Timeout) => Err(Failure::Timeout),
            // What "no network" means depends on the machine; to the suite it is a network error.
            Err(TransportError::Network { message } | TransportError::Offline { message }) => {
                Err(Failure::Network { message })
            }
        }
    }
    .boxed()
}
