//! RS256 signing with the committed emulator-only key, and the matching JWKS.

use jsonwebtoken::jwk::{Jwk, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Map, Value, json};

use crate::config::SessionTokenVersion;
use crate::faults::Fault;
use crate::directory::OrgClaims;

/// Emulator-only RSA key; it signs nothing outside tests and must never be trusted elsewhere.
const SIGNING_KEY_PEM: &str = include_str!("../keys/emulator-only-test-signing-key.pem");

/// `nbf` is backdated like Clerk's, to tolerate small clock differences at the verifier.
pub const NBF_LEEWAY_SECS: i64 = 10;

/// How a minted JWT is spoiled on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JwtFault {
    Malformed,
    WithoutExp,
    Expired,
}

impl JwtFault {
    pub fn from_fault(fault: &Fault) -> Option<Self> {
        match fault {
            Fault::MalformedJwt => Some(JwtFault::Malformed),
            Fault::JwtWithoutExp => Some(JwtFault::WithoutExp),
            Fault::ExpiredJwt => Some(JwtFault::Expired),
            _ => None,
        }
    }
}

/// Everything needed to mint one session or template token.
pub(crate) struct TokenSpec<'a> {
    pub now_ms: i64,
    pub lifetime_secs: u64,
    pub issuer: &'a str,
    pub subject: &'a str,
    pub azp: &'a str,
    /// Session tokens carry the session's claims; template tokens do not.
    pub session: Option<SessionPart<'a>>,
    /// Template claims, merged last so a template may override defaults such as `aud`.
    pub extra_claims: Option<&'a Map<String, Value>>,
    pub fault: Option<JwtFault>,
}

/// What a session token says about its session, in the instance's token version.
pub(crate) struct SessionPart<'a> {
    pub id: &'a str,
    pub version: SessionTokenVersion,
    /// The active organization, when the user is a member of it.
    pub org: Option<OrgClaims>,
    /// Minutes since the first factor was verified (the sign-in); no second factor (-1).
    pub first_factor_age_minutes: i64,
}

impl SessionPart<'_> {
    /// Version 2: `sid`, `fva`, `sts`, `v` and `o: {id, rol, slg}` with the role's `org:`
    /// prefix dropped. Version 1: `sid`, `fva` and `org_id`, `org_role`, `org_slug`,
    /// `org_permissions`. (No custom permissions are emulated, so v2 has no `per`/`fpm`.)
    fn insert_into(&self, claims: &mut Map<String, Value>) {
        claims.insert("sid".into(), json!(self.id));
        claims.insert("fva".into(), json!([self.first_factor_age_minutes, -1]));
        match (self.version, &self.org) {
            (SessionTokenVersion::V2, org) => {
                claims.insert("v".into(), json!(2));
                claims.insert("sts".into(), json!("active"));
                if let Some(org) = org {
                    let role = org.role.strip_prefix("org:").unwrap_or(&org.role);
                    claims.insert(
                        "o".into(),
                        json!({ "id": org.id, "rol": role, "slg": org.slug }),
                    );
                }
            }
            (SessionTokenVersion::V1, Some(org)) => {
                claims.insert("org_id".into(), json!(org.id));
                claims.insert("org_role".into(), json!(org.role));
                claims.insert("org_slug".into(), json!(org.slug));
                claims.insert("org_permissions".into(), json!([]));
            }
            (SessionTokenVersion::V1, None) => {}
        }
    }
}

pub(crate) struct Signer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    kid: String,
    public_jwk: Value,
}

impl Signer {
    pub fn load() -> Self {
        let encoding = EncodingKey::from_rsa_pem(SIGNING_KEY_PEM.as_bytes())
            .expect("the committed emulator key is a valid RSA PEM");
        let mut jwk = Jwk::from_encoding_key(&encoding, Algorithm::RS256)
            .expect("public components of the emulator key");
        // A stable kid derived from the key itself, so JWKS and tokens always agree.
        let kid = format!(
            "ins_emulator_{}",
            &jwk.thumbprint(ThumbprintHash::SHA256).expect("thumbprint")[..16]
        );
        jwk.common.key_id = Some(kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        let decoding = DecodingKey::from_jwk(&jwk).expect("decoding key from the emulator JWK");
        let public_jwk = serde_json::to_value(&jwk).expect("JWK serializes");
        Signer {
            encoding,
            decoding,
            kid,
            public_jwk,
        }
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.public_jwk] })
    }

    pub fn mint(&self, spec: &TokenSpec<'_>) -> String {
        let now_secs = spec.now_ms.div_euclid(1000);
        let lifetime = i64::try_from(spec.lifetime_secs).unwrap_or(i64::MAX);
        let iat = match spec.fault {
            // Issued long enough ago that it is already past `exp` by the emulator clock.
            Some(JwtFault::Expired) => now_secs
                .saturating_sub(lifetime)
                .saturating_sub(NBF_LEEWAY_SECS),
            _ => now_secs,
        };
        if spec.fault == Some(JwtFault::Malformed) {
            return "not-a-jwt".to_string();
        }

        let mut claims = Map::new();
        claims.insert("azp".into(), json!(spec.azp));
        if spec.fault != Some(JwtFault::WithoutExp) {
            claims.insert("exp".into(), json!(iat.saturating_add(lifetime)));
        }
        claims.insert("iat".into(), json!(iat));
        claims.insert("iss".into(), json!(spec.issuer));
        // Unique per token, so two tokens minted in the same emulated second still differ.
        claims.insert("jti".into(), json!(random_id(20)));
        claims.insert("nbf".into(), json!(iat.saturating_sub(NBF_LEEWAY_SECS)));
        if let Some(session) = &spec.session {
            session.insert_into(&mut claims);
        }
        claims.insert("sub".into(), json!(spec.subject));
        if let Some(extra) = spec.extra_claims {
            for (k, v) in extra {
                claims.insert(k.clone(), v.clone());
            }
        }

        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        // Clerk's "original issued at" header, which clients may use to order tokens.
        header.extras.insert("oiat", iat);
        self.sign(&header, &Value::Object(claims))
    }

    /// Signs arbitrary claims (used for the opaque-to-the-SDK device token).
    pub fn sign_claims(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        self.sign(&header, claims)
    }

    /// Signs `claims` under a caller-built header (the control API's `/jwt` route), so tests can
    /// craft tokens a verifier must judge: odd `typ` or `kid`, any claims. The key is RSA, so
    /// only `RS256` is possible; other algorithms are an error, never a panic.
    pub fn sign_with_header(&self, header: &Header, claims: &Value) -> Result<String, String> {
        if header.alg != Algorithm::RS256 {
            return Err(format!("the emulator key signs RS256 only, not {:?}", header.alg));
        }
        jsonwebtoken::encode(header, claims, &self.encoding).map_err(|e| e.to_string())
    }

    fn sign(&self, header: &Header, claims: &Value) -> String {
        jsonwebtoken::encode(header, claims, &self.encoding).expect("RS256 signing cannot fail")
    }

    /// Checks the signature only (not `exp`/`nbf`), returning the header and claims.
    pub fn verify(&self, jwt: &str) -> Result<(Value, Value), String> {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<Value>(jwt, &self.decoding, &validation)
            .map_err(|e| e.to_string())?;
        let header = serde_json::to_value(&data.header).map_err(|e| e.to_string())?;
        Ok((header, data.claims))
    }
}

/// Base62 id body like Clerk's (`sess_2abc...`); not cryptographically strong, which is fine here.
pub(crate) fn random_id(len: usize) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    (0..len)
        .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(fault: Option<JwtFault>) -> TokenSpec<'static> {
        TokenSpec {
            now_ms: 1_000_500,
            lifetime_secs: 60,
            issuer: "http://127.0.0.1:1",
            subject: "user_1",
            azp: "http://localhost",
            session: Some(SessionPart {
                id: "sess_1",
                version: SessionTokenVersion::V2,
                org: None,
                first_factor_age_minutes: 0,
            }),
            extra_claims: None,
            fault,
        }
    }

    #[test]
    fn minted_token_verifies_and_has_clerk_claims() {
        let signer = Signer::load();
        let (header, claims) = signer.verify(&signer.mint(&spec(None))).unwrap();
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["typ"], "JWT");
        assert_eq!(header["kid"], signer.kid());
        assert_eq!(header["oiat"], 1000);
        assert_eq!(claims["iat"], 1000);
        assert_eq!(claims["nbf"], 990);
        assert_eq!(claims["exp"], 1060);
        assert_eq!(claims["sid"], "sess_1");
        assert_eq!(claims["v"], 2);
        assert_eq!(claims["sts"], "active");
        assert_eq!(claims["fva"], json!([0, -1]));
        assert!(claims.get("o").is_none() && claims.get("org_id").is_none());
        assert_eq!(signer.jwks()["keys"][0]["kid"], signer.kid());
    }

    #[test]
    fn faults_spoil_the_token() {
        let signer = Signer::load();
        assert_eq!(signer.mint(&spec(Some(JwtFault::Malformed))), "not-a-jwt");
        let (_, c) = signer
            .verify(&signer.mint(&spec(Some(JwtFault::WithoutExp))))
            .unwrap();
        assert!(c.get("exp").is_none());
        let (_, c) = signer
            .verify(&signer.mint(&spec(Some(JwtFault::Expired))))
            .unwrap();
        assert!(c["exp"].as_i64().unwrap() < 1000);
    }
}
