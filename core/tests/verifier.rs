//! The session token verifier judged against the rules of Clerk's `@clerk/backend`
//! (`verifyJwt` and its assertions): header checks, then the signature, then `sub`, `azp`,
//! `exp`, `nbf` and `iat` at their exact boundaries.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clerk_core::backend::{TokenVerifier, VerifyError, VerifyOptions};
use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};

/// The emulator's committed test key: it signs nothing outside tests.
const KEY_PEM: &str = include_str!("../../tests/emulator/keys/emulator-only-test-signing-key.pem");

const NOW: i64 = 1_767_225_600;
const LEEWAY: i64 = 5;

fn encoding_key() -> EncodingKey {
    EncodingKey::from_rsa_pem(KEY_PEM.as_bytes()).unwrap()
}

/// The test key's public half under each of `kids`, each JWK naming `alg` (or no algorithm).
fn jwks(kids: &[&str], alg: Option<KeyAlgorithm>) -> String {
    let keys = kids
        .iter()
        .map(|kid| {
            let mut jwk = Jwk::from_encoding_key(&encoding_key(), Algorithm::RS256).unwrap();
            jwk.common.key_id = Some(kid.to_string());
            jwk.common.key_algorithm = alg;
            jwk
        })
        .collect();
    serde_json::to_string(&JwkSet { keys }).unwrap()
}

fn verifier() -> TokenVerifier {
    TokenVerifier::from_jwks_json(&jwks(&["kid_1"], Some(KeyAlgorithm::RS256))).unwrap()
}

/// Signs exactly this header and these claims with the test key, using `alg`.
fn sign_as(alg: Algorithm, header: &Value, claims: &Value) -> String {
    let encode = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
    let message = format!("{}.{}", encode(header), encode(claims));
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &encoding_key(), alg).unwrap();
    format!("{message}.{signature}")
}

fn sign(header: &Value, claims: &Value) -> String {
    sign_as(Algorithm::RS256, header, claims)
}

fn header() -> Value {
    json!({ "alg": "RS256", "typ": "JWT", "kid": "kid_1" })
}

/// A session token issued at `NOW` for 60 s, as Clerk mints them.
fn claims() -> Value {
    json!({
        "sub": "user_1", "sid": "sess_1", "azp": "https://app.example", "iss": "https://clerk.example",
        "iat": NOW, "nbf": NOW - 10, "exp": NOW + 60,
    })
}

fn with(mut value: Value, key: &str, new: Value) -> Value {
    value[key] = new;
    value
}

fn without(mut value: Value, key: &str) -> Value {
    value.as_object_mut().unwrap().remove(key);
    value
}

fn at(now_secs: i64) -> VerifyOptions {
    VerifyOptions { leeway: Duration::from_secs(LEEWAY as u64), ..VerifyOptions::at(now_secs) }
}

fn check(token: &str, now_secs: i64) -> Result<(), VerifyError> {
    verifier().verify(token, &at(now_secs)).map(|_| ())
}

#[test]
fn a_token_is_expired_once_exp_is_at_or_before_now_minus_the_leeway() {
    let exp = NOW + 60;
    let token = sign(&header(), &claims());
    assert_eq!(check(&token, exp + LEEWAY - 1), Ok(()));
    assert_eq!(check(&token, exp + LEEWAY), Err(VerifyError::Expired), "exp == now - leeway is expired");
    assert_eq!(check(&token, exp + LEEWAY + 1), Err(VerifyError::Expired));
}

#[test]
fn a_token_is_early_while_nbf_is_after_now_plus_the_leeway() {
    let nbf = NOW - 10;
    let token = sign(&header(), &without(claims(), "iat"));
    assert_eq!(check(&token, nbf - LEEWAY), Ok(()), "nbf == now + leeway is valid");
    assert_eq!(check(&token, nbf - LEEWAY - 1), Err(VerifyError::NotYetValid));
}

#[test]
fn a_token_issued_in_the_future_beyond_the_leeway_is_rejected() {
    let iat = NOW + 30;
    let token = sign(&header(), &with(without(claims(), "nbf"), "iat", json!(iat)));
    assert_eq!(check(&token, iat - LEEWAY), Ok(()), "iat == now + leeway is valid");
    assert_eq!(check(&token, iat - LEEWAY - 1), Err(VerifyError::IssuedInFuture));
    // nbf is judged before iat, as by @clerk/backend.
    let both = sign(&header(), &with(claims(), "nbf", json!(iat)));
    assert_eq!(check(&both, iat - LEEWAY - 1), Err(VerifyError::NotYetValid));
}

#[test]
fn a_typ_other_than_jwt_is_rejected_and_a_missing_one_is_not() {
    let claims = claims();
    assert_eq!(check(&sign(&header(), &claims), NOW), Ok(()));
    assert_eq!(check(&sign(&without(header(), "typ"), &claims), NOW), Ok(()));
    for typ in [json!("at+jwt"), json!("jwt"), json!("JWS"), json!(""), Value::Null, json!(1)] {
        let token = sign(&with(header(), "typ", typ.clone()), &claims);
        assert_eq!(check(&token, NOW), Err(VerifyError::WrongType), "typ {typ}");
    }
}

#[test]
fn only_rsa_algorithms_are_accepted_and_only_the_one_a_key_names() {
    let claims = claims();
    for alg in ["none", "HS256", "ES256", "PS256", "rs256", ""] {
        let token = sign(&with(header(), "alg", json!(alg)), &claims);
        assert_eq!(check(&token, NOW), Err(VerifyError::UnsupportedAlgorithm), "alg {alg}");
    }
    assert_eq!(check(&sign(&without(header(), "alg"), &claims), NOW), Err(VerifyError::UnsupportedAlgorithm));
    let unsigned = format!("{}.{}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#), URL_SAFE_NO_PAD.encode(claims.to_string()));
    assert_eq!(check(&unsigned, NOW), Err(VerifyError::UnsupportedAlgorithm));

    // RS384 with a key published for RS256 does not verify; with a key that names none it does.
    let rs384 = sign_as(Algorithm::RS384, &with(header(), "alg", json!("RS384")), &claims);
    assert_eq!(check(&rs384, NOW), Err(VerifyError::InvalidSignature));
    let any_rsa = TokenVerifier::from_jwks_json(&jwks(&["kid_1"], None)).unwrap();
    assert!(any_rsa.verify(&rs384, &at(NOW)).is_ok());
}

#[test]
fn claims_of_the_wrong_type_are_rejected() {
    let cases = [
        (without(claims(), "sub"), VerifyError::MissingClaim("sub")),
        (with(claims(), "sub", json!(7)), VerifyError::MissingClaim("sub")),
        (without(claims(), "exp"), VerifyError::MissingClaim("exp")),
        (with(claims(), "exp", json!("1767225660")), VerifyError::InvalidClaim("exp")),
        (with(claims(), "nbf", Value::Null), VerifyError::InvalidClaim("nbf")),
        (with(claims(), "iat", json!([NOW])), VerifyError::InvalidClaim("iat")),
    ];
    for (claims, expected) in cases {
        assert_eq!(check(&sign(&header(), &claims), NOW), Err(expected), "{claims}");
    }
    // Fractional times are cut to whole seconds, as JavaScript's Date does.
    let fractional = sign(&header(), &with(claims(), "exp", json!(NOW as f64 + 60.9)));
    assert_eq!(check(&fractional, NOW + 60 + LEEWAY - 1), Ok(()));
    assert_eq!(check(&fractional, NOW + 60 + LEEWAY), Err(VerifyError::Expired));
}

#[test]
fn authorized_parties_require_a_matching_azp_once_configured() {
    let parties = VerifyOptions { authorized_parties: vec!["https://app.example".into()], ..at(NOW) };
    let verify = |claims: &Value| verifier().verify(&sign(&header(), claims), &parties).map(|c| c.sub);
    assert_eq!(verify(&claims()), Ok("user_1".to_string()));
    for azp in [json!("https://evil.example"), json!(""), Value::Null] {
        assert_eq!(verify(&with(claims(), "azp", azp.clone())), Err(VerifyError::UnauthorizedParty), "azp {azp}");
    }
    assert_eq!(verify(&without(claims(), "azp")), Err(VerifyError::UnauthorizedParty));
    // Without configured parties any azp, or none, is accepted.
    assert_eq!(check(&sign(&header(), &without(claims(), "azp")), NOW), Ok(()));
}

#[test]
fn a_bad_signature_is_found_before_any_claim_is_judged() {
    let expired = sign(&header(), &with(claims(), "exp", json!(NOW - 3600)));
    let (head, _) = expired.rsplit_once('.').unwrap();
    let forged = format!("{head}.{}", URL_SAFE_NO_PAD.encode([7u8; 256]));
    assert_eq!(check(&forged, NOW), Err(VerifyError::InvalidSignature));
    assert_eq!(check(&expired, NOW), Err(VerifyError::Expired));
}
