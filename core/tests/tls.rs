//! TLS is verified against the operating system's trust store (reqwest with rustls and
//! rustls-platform-verifier), checked with a real TLS server on 127.0.0.1 whose certificate
//! comes from a test CA (`tests/fixtures/tls`: `ca.pem` signs `localhost.pem` for `localhost`
//! and 127.0.0.1; ECDSA P-256, valid until 2126, made with `openssl req -x509` and
//! `openssl x509 -req`). Untrusted, the engine refuses the server before sending anything.
//! Trusted through `SSL_CERT_FILE`, the variable the platform verifier's Linux trust store
//! reads (and bundled roots would not), the same server is reached. Its own test binary: it
//! sets an environment variable.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use clerk_core::{Clerk, ClerkConfig, Error};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls").join(name)
}

/// Counts TLS handshakes and HTTP requests; answers each request with a client without sessions.
struct TlsServer {
    port: u16,
    requests: Arc<AtomicUsize>,
}

impl TlsServer {
    async fn start() -> TlsServer {
        let chain = CertificateDer::pem_file_iter(fixture("localhost.pem")).unwrap().map(Result::unwrap).collect();
        let key = PrivateKeyDer::from_pem_file(fixture("localhost.key")).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        tokio::spawn(async move {
            loop {
                let (tcp, _) = listener.accept().await.unwrap();
                let (acceptor, counter) = (acceptor.clone(), counter.clone());
                tokio::spawn(async move {
                    // A client that rejects the certificate ends the handshake here.
                    let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                    let mut request = Vec::new();
                    let mut buffer = [0u8; 4096];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match tls.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buffer[..n]),
                        }
                    }
                    counter.fetch_add(1, Ordering::SeqCst);
                    let body = r#"{"response":null,"client":null}"#;
                    let response = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = tls.write_all(response.as_bytes()).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
        TlsServer { port, requests }
    }
}

#[tokio::test]
async fn certificates_are_checked_against_the_system_trust_store() {
    let server = TlsServer::start().await;
    let url = format!("https://localhost:{}", server.port);

    let error = Clerk::new(ClerkConfig::from_frontend_api_url(&url).unwrap()).unwrap().load().await.unwrap_err();
    let Error::Network { message } = &error else { panic!("expected a network error, got {error:?}") };
    assert!(message.contains("certificate") && message.contains("UnknownIssuer"), "{message}");
    assert_eq!(server.requests.load(Ordering::SeqCst), 0, "nothing was sent to an untrusted server");

    // The test CA joins the trust store (SSL_CERT_DIR, where set, still adds the system's).
    // SAFETY: this binary's only test, and no other thread reads the environment meanwhile.
    unsafe { std::env::set_var("SSL_CERT_FILE", fixture("ca.pem")) };
    let trusted = Clerk::new(ClerkConfig::from_frontend_api_url(&url).unwrap()).unwrap();
    assert!(trusted.load().await.unwrap().is_none());
    assert_eq!(server.requests.load(Ordering::SeqCst), 1, "the trusted server was reached");
}
