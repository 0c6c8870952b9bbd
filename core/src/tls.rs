//! The TLS algorithms the engine offers: ring's, less what a mobile client of the Frontend
//! API never needs, which keeps it out of the shipped library (about 100 KB, see
//! docs/performance.md).
//!
//! Kept: TLS 1.3 and 1.2 with AES-GCM (TLS 1.3's mandatory suite, and what every TLS 1.2
//! server offers), X25519 and P-256 key exchange, and every signature algorithm ring verifies,
//! so any certificate chain a public CA issues still verifies (the platform verifier decides
//! trust). Left out: ChaCha20-Poly1305 (a speed choice for CPUs without AES instructions;
//! ring's constant-time AES serves those), P-384 key exchange, and loading private keys
//! (the engine never presents a client certificate).

use std::sync::Arc;

use rustls::SignatureScheme;
use rustls::crypto::ring::{cipher_suite, kx_group};
use rustls::crypto::{CryptoProvider, GetRandomFailed, KeyProvider, SecureRandom, WebPkiSupportedAlgorithms};
use rustls::pki_types::PrivateKeyDer;
use rustls::sign::SigningKey;
use webpki::ring as alg;

/// Installs [`provider`] for the process, unless the app installed one first.
pub(crate) fn install_provider() {
    let _ = provider().install_default();
}

pub(crate) fn provider() -> CryptoProvider {
    CryptoProvider {
        cipher_suites: vec![
            cipher_suite::TLS13_AES_128_GCM_SHA256,
            cipher_suite::TLS13_AES_256_GCM_SHA384,
            cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            cipher_suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            cipher_suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        ],
        kx_groups: vec![kx_group::X25519, kx_group::SECP256R1],
        signature_verification_algorithms: SIGNATURES,
        secure_random: &SystemRandom,
        key_provider: &NoPrivateKeys,
    }
}

/// The same table as `rustls::crypto::ring::default_provider()`'s (not public there).
static SIGNATURES: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
    all: &[
        alg::ECDSA_P256_SHA256,
        alg::ECDSA_P256_SHA384,
        alg::ECDSA_P384_SHA256,
        alg::ECDSA_P384_SHA384,
        alg::ED25519,
        alg::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
        alg::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
        alg::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
        alg::RSA_PKCS1_2048_8192_SHA256,
        alg::RSA_PKCS1_2048_8192_SHA384,
        alg::RSA_PKCS1_2048_8192_SHA512,
        alg::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
        alg::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
        alg::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
    ],
    mapping: &[
        (SignatureScheme::ECDSA_NISTP384_SHA384, &[alg::ECDSA_P384_SHA384, alg::ECDSA_P256_SHA384]),
        (SignatureScheme::ECDSA_NISTP256_SHA256, &[alg::ECDSA_P256_SHA256, alg::ECDSA_P384_SHA256]),
        (SignatureScheme::ED25519, &[alg::ED25519]),
        (SignatureScheme::RSA_PSS_SHA512, &[alg::RSA_PSS_2048_8192_SHA512_LEGACY_KEY]),
        (SignatureScheme::RSA_PSS_SHA384, &[alg::RSA_PSS_2048_8192_SHA384_LEGACY_KEY]),
        (SignatureScheme::RSA_PSS_SHA256, &[alg::RSA_PSS_2048_8192_SHA256_LEGACY_KEY]),
        (SignatureScheme::RSA_PKCS1_SHA512, &[alg::RSA_PKCS1_2048_8192_SHA512]),
        (SignatureScheme::RSA_PKCS1_SHA384, &[alg::RSA_PKCS1_2048_8192_SHA384]),
        (SignatureScheme::RSA_PKCS1_SHA256, &[alg::RSA_PKCS1_2048_8192_SHA256]),
    ],
};

/// ring's system random source, as the default provider uses.
#[derive(Debug)]
struct SystemRandom;

impl SecureRandom for SystemRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), GetRandomFailed> {
        use ring::rand::SecureRandom as _;
        ring::rand::SystemRandom::new().fill(buf).map_err(|_| GetRandomFailed)
    }
}

/// Refuses every key: linking ring's key loading would bring RSA and ECDSA signing along.
#[derive(Debug)]
struct NoPrivateKeys;

impl KeyProvider for NoPrivateKeys {
    fn load_private_key(&self, _key: PrivateKeyDer<'static>) -> Result<Arc<dyn SigningKey>, rustls::Error> {
        Err(rustls::Error::General("client certificates are not supported".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_what_the_default_provider_verifies_and_is_usable() {
        let default = rustls::crypto::ring::default_provider();
        let ours = provider();
        assert_eq!(ours.signature_verification_algorithms.mapping.len(), default.signature_verification_algorithms.mapping.len());
        for (scheme, algorithms) in ours.signature_verification_algorithms.mapping {
            let (_, theirs) = default.signature_verification_algorithms.mapping.iter().find(|(s, _)| s == scheme).unwrap();
            assert_eq!(algorithms.len(), theirs.len(), "{scheme:?}");
        }
        assert!(ours.fips() == default.fips());
        let mut bytes = [0_u8; 32];
        ours.secure_random.fill(&mut bytes).unwrap();
        assert_ne!(bytes, [0; 32]);
        // A client configuration builds: suites, groups and versions agree.
        rustls::ClientConfig::builder_with_provider(Arc::new(ours))
            .with_safe_default_protocol_versions()
            .expect("TLS 1.3 and 1.2 are both usable");
    }
}
