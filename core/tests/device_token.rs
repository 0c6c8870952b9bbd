//! The device token across requests, against servers on 127.0.0.1: a response replaces it only
//! if the store still holds the token its request went out with (compare and swap); an empty
//! `Authorization` or the scheme `Bearer` alone clears it; a token read from the app's store is
//! trimmed and a blank one is not sent. And a sign-out the server does not confirm clears it,
//! so a restart is signed out.

mod support;

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::IntoResponse;
use clerk_core::{Clerk, ClerkConfig, ClerkEvent, Error, MemoryTokenStore, RetryPolicy, TokenStore as _};
use support::{Env, Route, StatusFault};
use tokio::sync::{mpsc, oneshot};

/// A request held by [`HeldServer`] until the test answers it with an `Authorization` header
/// (`None`: no header).
struct Held {
    authorization: Option<String>,
    answer: oneshot::Sender<Option<&'static str>>,
}

/// Answers every request with a client without sessions, once the test says which
/// `Authorization` header goes with it, so the test decides the order of the answers.
struct HeldServer {
    url: String,
    arrivals: mpsc::UnboundedReceiver<Held>,
}

impl HeldServer {
    async fn start() -> HeldServer {
        let (arrived, arrivals) = mpsc::unbounded_channel();
        let handler = move |headers: HeaderMap| {
            let arrived = arrived.clone();
            async move {
                let authorization = headers.get(header::AUTHORIZATION).map(|v| v.to_str().unwrap().to_string());
                let (answer, answered) = oneshot::channel();
                arrived.send(Held { authorization, answer }).unwrap();
                let mut response = ([(header::CONTENT_TYPE, "application/json")], r#"{"response":null,"client":null}"#)
                    .into_response();
                if let Some(value) = answered.await.unwrap() {
                    response.headers_mut().insert(header::AUTHORIZATION, HeaderValue::from_static(value));
                }
                response
            }
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, axum::Router::new().fallback(handler)).await.unwrap() });
        HeldServer { url, arrivals }
    }

    async fn next(&mut self) -> Held {
        self.arrivals.recv().await.expect("a request arrives")
    }

    fn engine(&self, stored: Option<&str>) -> (Clerk, Arc<MemoryTokenStore>) {
        let store = Arc::new(MemoryTokenStore::new());
        store.save(stored.map(str::to_string));
        let config = ClerkConfig::from_frontend_api_url(&self.url)
            .unwrap()
            .with_retry(RetryPolicy::none())
            .with_token_store(store.clone());
        (Clerk::new(config).unwrap(), store)
    }

    /// Runs `load()` and answers its request with `authorization`; returns what the request
    /// carried.
    async fn load_answering(&mut self, clerk: &Clerk, authorization: Option<&'static str>) -> Option<String> {
        let mut load = tokio::spawn({
            let clerk = clerk.clone();
            async move { clerk.load().await }
        });
        let held = tokio::select! {
            held = self.next() => held,
            result = &mut load => panic!("load() ended before its request arrived: {result:?}"),
        };
        held.answer.send(authorization).unwrap();
        load.await.unwrap().unwrap();
        held.authorization
    }
}

#[tokio::test]
async fn a_rotation_answering_a_token_that_was_already_replaced_is_dropped() {
    let mut server = HeldServer::start().await;
    let (clerk, store) = server.engine(Some("T1"));
    let mut events = clerk.events();

    // Two requests go out with T1 before either is answered.
    let loads: Vec<_> = (0..2)
        .map(|_| {
            let clerk = clerk.clone();
            tokio::spawn(async move { clerk.load().await })
        })
        .collect();
    let (first, second) = (server.next().await, server.next().await);
    assert_eq!((first.authorization.as_deref(), second.authorization.as_deref()), (Some("T1"), Some("T1")));

    // The first answer rotates T1 to A: the store held T1, so A replaces it.
    first.answer.send(Some("A")).unwrap();
    let [first_load, second_load] = <[_; 2]>::try_from(loads).ok().unwrap();
    first_load.await.unwrap().unwrap();
    assert_eq!(store.load().as_deref(), Some("A"));

    // The second answer rotates T1 to B, but the store no longer holds T1: dropped.
    second.answer.send(Some("B")).unwrap();
    second_load.await.unwrap().unwrap();
    assert_eq!(store.load().as_deref(), Some("A"), "a later answer about T1 does not undo the rotation to A");
    assert_eq!(events.try_next(), Some(ClerkEvent::DeviceTokenChanged { cleared: false }));
    assert_eq!(events.try_next(), None, "the dropped rotation is no event");

    // A request sent with A may rotate it.
    assert_eq!(server.load_answering(&clerk, Some("B")).await.as_deref(), Some("A"));
    assert_eq!(store.load().as_deref(), Some("B"));
}

#[tokio::test]
async fn a_clearing_answer_to_a_token_that_was_already_replaced_is_dropped_too() {
    let mut server = HeldServer::start().await;
    let (clerk, store) = server.engine(Some("T1"));
    let loads: Vec<_> = (0..2)
        .map(|_| {
            let clerk = clerk.clone();
            tokio::spawn(async move { clerk.load().await })
        })
        .collect();
    let (first, second) = (server.next().await, server.next().await);
    let [first_load, second_load] = <[_; 2]>::try_from(loads).ok().unwrap();
    first.answer.send(Some("A")).unwrap();
    first_load.await.unwrap().unwrap();
    second.answer.send(Some("")).unwrap();
    second_load.await.unwrap().unwrap();
    assert_eq!(store.load().as_deref(), Some("A"), "an answer about T1 does not clear A");
}

#[tokio::test]
async fn an_empty_authorization_or_the_bearer_scheme_alone_clears_the_device_token() {
    for clearing in ["", "Bearer ", "Bearer", "bearer"] {
        let mut server = HeldServer::start().await;
        let (clerk, store) = server.engine(Some("dvt_1"));
        let mut events = clerk.events();
        assert_eq!(server.load_answering(&clerk, Some(clearing)).await.as_deref(), Some("dvt_1"));
        assert_eq!(store.load(), None, "{clearing:?} clears the device token");
        assert_eq!(events.try_next(), Some(ClerkEvent::DeviceTokenChanged { cleared: true }), "{clearing:?}");
        assert_eq!(server.load_answering(&clerk, None).await, None, "{clearing:?}: nothing is sent afterwards");
    }
}

#[tokio::test]
async fn a_stored_device_token_is_sent_trimmed_and_a_blank_one_not_at_all() {
    let mut server = HeldServer::start().await;
    // A token read from a file or pasted with its line end, as app stores may hold it.
    let (clerk, _store) = server.engine(Some("  dvt_1\n"));
    assert_eq!(server.load_answering(&clerk, None).await.as_deref(), Some("dvt_1"));

    for blank in ["", "   ", "\t\n"] {
        let (clerk, store) = server.engine(Some(blank));
        assert_eq!(server.load_answering(&clerk, None).await, None, "{blank:?} is no device token: no header");
        // An answer about "no token" may set one: the store held none, as far as the engine is concerned.
        assert_eq!(server.load_answering(&clerk, Some("dvt_2")).await, None);
        assert_eq!(store.load().as_deref(), Some("dvt_2"));
    }
}

fn restarted(env: &Env) -> Clerk {
    let config = ClerkConfig::from_frontend_api_url(env.emu.url())
        .unwrap()
        .with_clock(Arc::new(env.clock.clone()))
        .with_token_store(env.store.clone());
    Clerk::new(config).unwrap()
}

#[tokio::test]
async fn a_sign_out_the_server_did_not_confirm_holds_after_a_restart() {
    let (env, session) = Env::signed_in().await;
    let mut events = env.clerk.events();
    // Every attempt fails (the retry budget is 4).
    env.inject(Route::EndSession, StatusFault::new(503), 10);
    let error = session.sign_out().await.unwrap_err();
    assert_eq!(error.api().map(|api| api.status), Some(503), "the caller learns the server did not confirm");
    assert!(!session.is_active());
    assert_eq!(env.device_token(), None, "the device forgets its client");
    let events: Vec<_> = std::iter::from_fn(|| events.try_next()).collect();
    assert!(events.contains(&ClerkEvent::DeviceTokenChanged { cleared: true }), "{events:?}");
    let on_server = env.emu.session(session.id()).unwrap();
    assert_eq!(on_server.status.as_str(), "active", "the server never heard of the sign-out");

    // The next launch: same store, fresh engine.
    assert!(restarted(&env).load().await.unwrap().is_none(), "signed out after a restart");
}

/// The rule for every sign-out path: when no session is left on the device, no device token is
/// left in the store, whatever the server answered.
#[tokio::test]
async fn every_sign_out_that_leaves_no_session_leaves_no_device_token() {
    let (env, session) = Env::signed_in().await;
    assert!(env.device_token().is_some());
    env.inject(Route::EndSession, StatusFault::new(404).code("session_not_found"), 1);
    let error = session.sign_out().await.unwrap_err();
    assert!(error.ends_session(), "{error:?}");
    assert!(!session.is_active());
    assert_eq!(env.device_token(), None, "the session was already over: nothing is left to keep the client for");

    // Confirmed, from the session and from the engine: the same.
    let (env, session) = Env::signed_in().await;
    session.sign_out().await.unwrap();
    assert_eq!(env.device_token(), None);
    assert!(restarted(&env).load().await.unwrap().is_none());
    let (env, _session) = Env::signed_in().await;
    env.clerk.sign_out().await.unwrap();
    assert_eq!(env.device_token(), None);

    // Signed out already: nothing to end, nothing stored is touched.
    env.store.save(Some("dvt_other".into()));
    env.clerk.sign_out().await.unwrap();
    assert_eq!(env.device_token().as_deref(), Some("dvt_other"));
}

#[tokio::test]
async fn an_unconfirmed_sign_out_is_an_error_of_the_request_not_a_panic() {
    let (env, session) = Env::signed_in().await;
    env.inject(Route::EndSession, support::Fault::DropConnection, 10);
    assert!(matches!(session.sign_out().await, Err(Error::Network { .. })));
    assert_eq!(env.device_token(), None);
}
