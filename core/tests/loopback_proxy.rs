//! A proxy named by the environment never sees a request to a loopback host: plain `http://`
//! is allowed there only because the bytes stay on this machine, and a proxy would carry the
//! device token (or the secret key) elsewhere in clear text. Its own test binary, because the
//! proxy variables are process-wide.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use clerk_core::backend::{BackendClient, BackendConfig, JwksVerifier, VerifyOptions};
use clerk_core::{Clerk, ClerkConfig, GetTokenOptions, MemoryTokenStore, TokenStore as _};
use clerk_emulator::{Emulator, EmulatorConfig};

/// A "proxy" that counts the connections it is offered and answers none of them usefully.
fn proxy() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let offered = Arc::new(AtomicUsize::new(0));
    let count = offered.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            count.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (url, offered)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_request_to_a_loopback_host_goes_through_the_environment_s_proxy() {
    let (proxy_url, offered) = proxy();
    for name in ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"] {
        // SAFETY: set before any client is built, in a test binary of its own (one test).
        unsafe { std::env::set_var(name, &proxy_url) };
    }
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();

    let store = Arc::new(MemoryTokenStore::new());
    let clerk = Clerk::new(ClerkConfig::from_frontend_api_url(emulator.url()).unwrap().with_token_store(store.clone())).unwrap();
    let session = clerk.sign_in_with_ticket(&emulator.create_sign_in_token("user_proxy").token).await.unwrap();
    assert!(store.load().is_some(), "a device token now travels with every request");
    assert!(session.get_token(GetTokenOptions::default()).await.unwrap().is_some());

    let backend = BackendClient::new(BackendConfig::new(emulator.secret_key()).unwrap().with_api_url(emulator.url()).unwrap()).unwrap();
    let token = backend.sessions().get_token(session.id(), None, None).await.unwrap();
    let verifier = JwksVerifier::new(format!("{}/.well-known/jwks.json", emulator.url()));
    let options = VerifyOptions::at(emulator.now_ms() / 1000);
    assert!(tokio::time::timeout(Duration::from_secs(20), verifier.verify(&token.jwt, &options)).await.unwrap().is_ok());

    assert_eq!(offered.load(Ordering::SeqCst), 0, "the proxy was offered a loopback request");
}
