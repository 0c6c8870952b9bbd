//! get_token against the emulator: cache, buffer, single flight, skip_cache, sign-out races.

mod support;

use std::time::Duration;

use clerk_core::{GetTokenOptions, TokenResource};
use futures::future::join_all;
use support::{Env, Fault, Route};

fn buffer(secs: u64) -> GetTokenOptions {
    GetTokenOptions { expiration_buffer: Duration::from_secs(secs), ..Default::default() }
}

fn skip_cache() -> GetTokenOptions {
    GetTokenOptions { skip_cache: true, ..Default::default() }
}

async fn token(session: &clerk_core::Session, options: GetTokenOptions) -> TokenResource {
    session.get_token(options).await.expect("no error").expect("a token")
}

#[tokio::test]
async fn sign_in_seeds_the_cache_and_serves_hits_without_requests() {
    let (env, session) = Env::signed_in().await;
    let first = token(&session, GetTokenOptions::default()).await;
    let again = token(&session, GetTokenOptions::default()).await;
    assert_eq!(first, again);
    assert_eq!(env.session_token_requests(), 0, "last_active_token from sign-in is served");
    let claims = env.emu.decode_jwt(&first.jwt).unwrap().claims;
    assert_eq!(claims["sid"], session.id());
    assert_eq!(claims["sub"], "user_alice");
    assert_eq!(first.expires_at - first.issued_at, 60);
}

#[tokio::test]
async fn refreshes_only_inside_the_default_ten_second_buffer() {
    let (env, session) = Env::signed_in().await;
    let seeded = token(&session, GetTokenOptions::default()).await;
    // Tokens live 60 s; the engine judges with up to 1 s of conservative skew margin.
    env.advance_secs(48.9);
    assert_eq!(token(&session, GetTokenOptions::default()).await, seeded);
    assert_eq!(env.session_token_requests(), 0);
    env.advance_secs(0.1);
    let refreshed = token(&session, GetTokenOptions::default()).await;
    assert_ne!(refreshed, seeded);
    assert_eq!(env.session_token_requests(), 1);
    assert!(refreshed.issued_at > seeded.issued_at);
}

#[tokio::test]
async fn expiration_buffer_is_honoured_and_clamped_to_sixty_seconds() {
    let (env, session) = Env::signed_in().await;
    env.advance_secs(28.5);
    token(&session, buffer(30)).await;
    assert_eq!(env.session_token_requests(), 0, "30.5 s left > 30 s buffer");
    env.advance_secs(0.5);
    token(&session, buffer(30)).await;
    assert_eq!(env.session_token_requests(), 1, "30 s left is within the buffer");

    // 600 s is clamped to 60 s: a fresh 60 s token is always within it, never "fresher".
    env.emu.reset_counts();
    token(&session, buffer(600)).await;
    token(&session, buffer(600)).await;
    assert_eq!(env.session_token_requests(), 2);
    // ...while a 59 s buffer still gets cache hits from a just-minted token.
    token(&session, buffer(59)).await;
    assert_eq!(env.session_token_requests(), 3, "minted token has 59 s left by the margin");
    token(&session, buffer(58)).await;
    assert_eq!(env.session_token_requests(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_callers_share_one_request() {
    let (env, session) = Env::signed_in().await;
    env.advance_secs(55.0);
    let calls = (0..1000).map(|_| {
        let session = session.clone();
        tokio::spawn(async move { session.get_token(GetTokenOptions::default()).await })
    });
    let results = join_all(calls).await;
    let tokens: Vec<_> = results.into_iter().map(|r| r.unwrap().unwrap().unwrap()).collect();
    assert_eq!(env.session_token_requests(), 1);
    assert!(tokens.iter().all(|t| t == &tokens[0]));
    assert_eq!(env.clerk.requests_in_flight(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_skip_cache_callers_share_one_request_for_a_newer_token() {
    let (env, session) = Env::signed_in().await;
    let cached = token(&session, GetTokenOptions::default()).await;
    env.advance_secs(5.0);
    // All hundred calls begin before any request starts.
    let calls: Vec<_> = (0..100).map(|_| session.get_token(skip_cache())).collect();
    let tokens: Vec<_> = join_all(calls).await.into_iter().map(|r| r.unwrap().unwrap()).collect();
    assert_eq!(env.session_token_requests(), 1);
    assert!(tokens.iter().all(|t| t == &tokens[0]));
    assert!(tokens[0].issued_at > cached.issued_at, "minted after the calls began");
    // The newer token now serves ordinary callers.
    assert_eq!(token(&session, GetTokenOptions::default()).await, tokens[0]);
}

#[tokio::test]
async fn skip_cache_never_joins_a_request_that_started_before_it() {
    let (env, session) = Env::signed_in().await;
    env.advance_secs(55.0);
    env.inject(Route::SessionToken, Fault::Hang, 1);
    let early = tokio::spawn(session.get_token(GetTokenOptions::default()));
    env.emu.wait_for_requests(Route::SessionToken, 1).await;
    let late = tokio::spawn(session.get_token(skip_cache()));
    tokio::task::yield_now().await;
    env.emu.release_hangs();
    let early = early.await.unwrap().unwrap().unwrap();
    let late = late.await.unwrap().unwrap().unwrap();
    assert_eq!(env.session_token_requests(), 2, "the skip_cache caller needed its own request");
    assert!(late.jwt != early.jwt || late.issued_at >= early.issued_at);
}

#[tokio::test]
async fn sign_out_during_a_fetch_drops_its_result() {
    let (env, session) = Env::signed_in().await;
    env.advance_secs(55.0);
    env.inject(Route::SessionToken, Fault::Hang, 1);
    let pending = tokio::spawn(session.get_token(GetTokenOptions::default()));
    env.emu.wait_for_requests(Route::SessionToken, 1).await;
    env.clerk.sign_out().await.unwrap();
    env.emu.release_hangs();
    assert_eq!(pending.await.unwrap().unwrap(), None, "not handed to the ended session's caller");
    assert!(!session.is_active());
    assert!(env.clerk.session().is_none());
    assert_eq!(session.cached_token(&GetTokenOptions::default()), None);
    assert_eq!(session.get_token(GetTokenOptions::default()).await.unwrap(), None);
    assert_eq!(env.emu.count(Route::EndSession), 1);
    assert_eq!(env.session_token_requests(), 1);
}

#[tokio::test]
async fn a_cancelled_caller_leaves_the_shared_request_to_finish() {
    let (env, session) = Env::signed_in().await;
    env.advance_secs(55.0);
    env.inject(Route::SessionToken, Fault::Hang, 1);
    let caller = tokio::spawn(session.get_token(GetTokenOptions::default()));
    env.emu.wait_for_requests(Route::SessionToken, 1).await;
    caller.abort();
    assert!(caller.await.unwrap_err().is_cancelled());
    let waiting = tokio::spawn(session.get_token(GetTokenOptions::default()));
    tokio::task::yield_now().await;
    env.emu.release_hangs();
    waiting.await.unwrap().unwrap().unwrap();
    assert_eq!(env.session_token_requests(), 1, "the second caller joined the first request");
    assert!(session.cached_token(&GetTokenOptions::default()).is_some());
}

#[tokio::test]
async fn templates_and_organizations_are_cached_separately() {
    let (env, session) = Env::signed_in().await;
    let template = token(&session, GetTokenOptions::template("test")).await;
    token(&session, GetTokenOptions::template("test")).await;
    assert_eq!(env.emu.count(Route::TemplateToken), 1);
    assert_eq!(template.expires_at - template.issued_at, 120);
    assert_eq!(env.emu.decode_jwt(&template.jwt).unwrap().claims["aud"], "test");

    let org = GetTokenOptions { organization_id: Some("org_1".into()), ..Default::default() };
    let org_token = token(&session, org.clone()).await;
    token(&session, org).await;
    assert_eq!(env.session_token_requests(), 1);
    assert_eq!(env.emu.decode_jwt(&org_token.jwt).unwrap().claims["o"]["id"], "org_1");
    let sent = env.emu.requests_for(Route::SessionToken);
    assert_eq!(sent[0].body_field("organization_id"), Some("org_1"));
}

/// The template route takes no organization (spec: `createSessionTokenWithTemplate` has no
/// body), so a template token for an organization cannot be had: refused before any request,
/// and nothing is cached under an organization's key.
#[tokio::test]
async fn a_template_token_for_an_organization_is_refused_without_a_request() {
    let (env, session) = Env::signed_in().await;
    for organization in ["org_1", ""] {
        let options =
            GetTokenOptions { organization_id: Some(organization.into()), ..GetTokenOptions::template("test") };
        let error = session.get_token(options.clone()).await.unwrap_err();
        let clerk_core::Error::Configuration { message } = &error else { panic!("{error:?}") };
        assert!(message.contains("template") && message.contains("organization"), "{message}");
        assert!(session.cached_token(&options).is_none());
    }
    assert_eq!(env.emu.count(Route::Any), 0, "nothing was sent");
    // The template alone is served, for the session's active organization.
    token(&session, GetTokenOptions::template("test")).await;
    assert_eq!(env.emu.count(Route::TemplateToken), 1);
}

#[tokio::test]
async fn a_fresher_cached_token_is_not_replaced_by_a_staler_one() {
    let (env, session) = Env::signed_in().await;
    env.advance_secs(30.0);
    let newer = token(&session, skip_cache()).await;
    // Loading the client again brings back the sign-in's older last_active_token.
    env.clerk.load().await.unwrap();
    assert_eq!(session.cached_token(&GetTokenOptions::default()), Some(newer));
}

#[tokio::test]
async fn a_skip_cache_token_minted_in_the_same_second_replaces_the_cached_one() {
    let (_env, session) = Env::signed_in().await;
    let seeded = token(&session, GetTokenOptions::default()).await;
    let forced = token(&session, skip_cache()).await;
    assert_eq!(forced.issued_at, seeded.issued_at, "same second");
    assert_ne!(forced, seeded);
    assert_eq!(token(&session, GetTokenOptions::default()).await, forced, "later calls see the new token");
}

#[tokio::test]
async fn every_request_carries_the_native_headers() {
    let (env, session) = Env::signed_in().await;
    token(&session, skip_cache()).await;
    let request = &env.emu.requests_for(Route::SessionToken)[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.query.as_deref(), Some("_is_native=true"));
    assert_eq!(request.headers["clerk-api-version"], "2026-05-12");
    assert_eq!(request.headers["x-mobile"], "1");
    assert!(request.headers["x-clerk-sdk"].starts_with("clerk-rust-core/"));
    assert_eq!(request.headers["authorization"], clerk_emulator::AUTH_PRESENT);
}

#[tokio::test]
async fn no_active_session_means_none() {
    let env = Env::new().await;
    assert!(env.clerk.load().await.unwrap().is_none());
    assert!(env.clerk.session().is_none());
    let session = env.sign_in("user_bob").await;
    session.sign_out().await.unwrap();
    assert_eq!(session.get_token(GetTokenOptions::default()).await.unwrap(), None);
}

#[tokio::test]
async fn load_restores_the_session_from_the_stored_device_token() {
    let (env, session) = Env::signed_in().await;
    // A second engine with the same device token store, as after an app restart.
    let config = clerk_core::ClerkConfig::from_frontend_api_url(env.emu.url())
        .unwrap()
        .with_clock(std::sync::Arc::new(env.clock.clone()))
        .with_token_store(env.store.clone());
    let restarted = clerk_core::Clerk::new(config).unwrap();
    let restored = restarted.load().await.unwrap().expect("session restored");
    assert_eq!(restored.id(), session.id());
    assert!(restored.get_token(GetTokenOptions::default()).await.unwrap().is_some());
}
