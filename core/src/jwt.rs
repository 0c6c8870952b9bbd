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
    Ok(DecodedJwt {
        expires_at,
        issued_at: claims.iat.unwrap_or(0),
        oiat: header.oiat,
        session_id: claims.sid,
    })
}

fn decode_part<T: for<'de> Deserialize<'de>>(part: &str) -> Option<T> {
    let bytes = BASE64URL.decode(part).ok()?;
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
        for bad in ["", "a.b", "a.b.c.d", "!!.??.sig", "e30.bm90IGpzb24.sig"] {
            assert_eq!(decode(bad), Err(Error::InvalidResponse(InvalidResponse::MalformedJwt)), "{bad}");
        }
        let no_exp = encode_unsigned(&json!({"alg":"RS256"}), &json!({"iat":1}));
        assert_eq!(decode(&no_exp), Err(Error::InvalidResponse(InvalidResponse::MissingExpiry)));
    }
}
