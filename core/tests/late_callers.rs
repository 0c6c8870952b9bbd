//! Callers that began together but are first polled late (a busy executor, a slow thread)
//! still share one request.

mod support;

use clerk_core::GetTokenOptions;
use support::Env;

fn skip_cache() -> GetTokenOptions {
    GetTokenOptions { skip_cache: true, ..Default::default() }
}

#[tokio::test]
async fn skip_cache_callers_that_began_together_share_one_request_even_when_polled_after_it_landed() {
    let (env, session) = Env::signed_in().await;
    let seeded = session.get_token(GetTokenOptions::default()).await.unwrap().unwrap();
    // Ten calls begin; only the first is polled until its request has landed.
    let mut calls = (0..10).map(|_| session.get_token(skip_cache())).collect::<Vec<_>>().into_iter();
    let first = calls.next().unwrap().await.unwrap().unwrap();
    assert_ne!(first, seeded, "minted after the calls began");
    assert_eq!(env.session_token_requests(), 1);
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap(), first);
    }
    assert_eq!(env.session_token_requests(), 1, "the late callers were served by the request that started after they began");
    // A call that begins after that request needs a new one.
    let later = session.get_token(skip_cache()).await.unwrap().unwrap();
    assert_ne!(later, first);
    assert_eq!(env.session_token_requests(), 2);
}

#[tokio::test]
async fn late_cache_callers_use_the_token_a_landed_request_stored() {
    let (env, session) = Env::signed_in().await;
    env.advance_secs(55.0);
    let mut calls = (0..10).map(|_| session.get_token(GetTokenOptions::default())).collect::<Vec<_>>().into_iter();
    let first = calls.next().unwrap().await.unwrap().unwrap();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap(), first);
    }
    assert_eq!(env.session_token_requests(), 1);
}
