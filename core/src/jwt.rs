//! Reads the few JWT fields the cache needs. Signatures are not checked here: the token came
//! over TLS from the Frontend API, and the app's backend is the one that verifies it.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::Deserialize;

use crate::error::{Error, InvalidResponse};

/// Base64url as JWTs use it; padding is tolerated because some encoders add it.
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Times outside 0..=9999-12-31T23:59:59Z are rejected: the cache multiplies them into
/// milliseconds, and no real token carries them.
pub(crate) const MAX_TIME_SECS: i64 = 253_402_300_799;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecodedJwt {
    pub expires_at: i64,
    pub issued_at: i64,
    /// Clerk's "original issued at" header, which orders tokens minted for one session.
    pub oiat: Option<i64>,
    pub session_id: Option<String>,
}

#[derive(Deserialize)]
struct Header {
    #[serde(default)]
    oiat: Option<i64>,
}

#[derive(Deserialize)]
struct Claims {
    #[serde(default)]
    exp: Option<i64>,
    #[serde(default)]
    iat: Option<i64>,
    #[serde(default)]
    sid: Option<String>,
}

pub(crate) fn decode(jwt: &str) -> Result<DecodedJwt, Error> {
    let malformed = || Error::InvalidResponse(InvalidResponse::MalformedJwt);
    let mut parts = jwt.split('.');
    let (Some(header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed());
    };
    let header: Header = decode_part(header).ok_or_else(malformed)?;
    let claims: Claims = decode_part(payload).ok_or_else(malformed)?;
    let expires_at = claims.exp.ok_or(Error::InvalidResponse(InvalidResponse::MissingExpiry))?;
    let issued_at = claims.iat.unwrap_or(0);
    let in_range = |secs: i64| (0..=MAX_TIME_SECS).contains(&secs);
    if !(in_range(expires_at) && in_range(issued_at) && header.oiat.is_none_or(in_range)) {
        return Err(malformed());
    }
    Ok(DecodedJwt { expires_at, issued_at, oiat: header.oiat, session_id: claims.sid })
}

fn decode_part<T: for<'de> Deserialize<'de>>(part: &str) -> Option<T> {
    let bytes = BASE64URL.decode(part).ok()?;
    // A JWT header or claims set is a JSON object (RFC 7519); serde would also fill the
    // struct from an array, positionally.
    if bytes.trim_ascii_start().first() != Some(&b'{') {
        return None;
    }
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
pub(crate) fn encode_unsigned(header: &serde_json::Value, claims: &serde_json::Value) -> String {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.c2ln",
        engine.encode(header.to_string()),
        engine.encode(claims.to_string())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_exp_iat_sid_and_oiat() {
        let jwt = encode_unsigned(
            &json!({"alg":"RS256","oiat":1_700_000_000}),
            &json!({"exp":1_700_000_060,"iat":1_700_000_000,"sid":"sess_1"}),
        );
        let decoded = decode(&jwt).unwrap();
        assert_eq!(decoded.expires_at, 1_700_000_060);
        assert_eq!(decoded.issued_at, 1_700_000_000);
        assert_eq!(decoded.oiat, Some(1_700_000_000));
        assert_eq!(decoded.session_id.as_deref(), Some("sess_1"));
    }

    #[test]
    fn rejects_malformed_and_missing_exp() {
        // The last is `{}.[60]`: an array in place of the claims object.
        for bad in ["", "a.b", "a.b.c.d", "!!.??.sig", "e30.bm90IGpzb24.sig", "e30.WzYwXQ.sig"] {
            assert_eq!(decode(bad), Err(Error::InvalidResponse(InvalidResponse::MalformedJwt)), "{bad}");
        }
        let no_exp = encode_unsigned(&json!({"alg":"RS256"}), &json!({"iat":1}));
        assert_eq!(decode(&no_exp), Err(Error::InvalidResponse(InvalidResponse::MissingExpiry)));
    }

    #[test]
    fn rejects_times_the_cache_cannot_compute_with() {
        // `exp * 1000` of the first overflows i64.
        let too_far = [
            (json!({}), json!({"exp": i64::MAX / 100})),
            (json!({}), json!({"exp": MAX_TIME_SECS + 1})),
            (json!({}), json!({"exp": -1})),
            (json!({}), json!({"exp": 60, "iat": i64::MIN})),
            (json!({"oiat": i64::MAX}), json!({"exp": 60})),
        ];
        for (header, claims) in too_far {
            let jwt = encode_unsigned(&header, &claims);
            assert_eq!(decode(&jwt), Err(Error::InvalidResponse(InvalidResponse::MalformedJwt)), "{claims}");
        }
        let last = encode_unsigned(&json!({"oiat": 0}), &json!({"exp": MAX_TIME_SECS, "iat": 0}));
        assert_eq!(decode(&last).unwrap().expires_at, MAX_TIME_SECS);
    }
}
