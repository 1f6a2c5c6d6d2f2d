//! Domestic-algorithm primitives used across govit, kept in one place so that a certified
//! crypto device can take their place later.

use sm2::dsa::signature::{Signer as _, Verifier as _};
use sm2::dsa::{Signature, SigningKey, VerifyingKey};
use sm2::elliptic_curve::Generate;
use sm2::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use sm3::{Digest, Sm3};

/// SM3 digest as lowercase hex.
pub fn sm3_hex(bytes: &[u8]) -> String {
    hex::encode(Sm3::digest(bytes))
}

/// An SM3 digest computed over a stream, a piece at a time.
#[derive(Default, Clone)]
pub struct Sm3Stream(Sm3);

impl Sm3Stream {
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    /// The digest, as lowercase hex.
    pub fn finish_hex(self) -> String {
        hex::encode(self.0.finalize())
    }
}

/// The distinguishing identifier of GM/T 0009's default, so that signatures verify with
/// other SM2 tools and devices.
const DIST_ID: &str = "1234567812345678";

/// Why a key or a signature could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(pub String);

/// Signs with a private key it never shows. The server's SM2 key file is one signer; a
/// certified crypto device (密码机) is another behind the same interface.
pub trait Signer: Send + Sync {
    /// The public key, SEC1-encoded, for whoever verifies.
    fn public_key(&self) -> Vec<u8>;
    /// An SM2 signature over `message` (64 bytes, r ‖ s).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError>;
    /// The short name of the key that signs: see [`key_id`].
    fn key_id(&self) -> String {
        key_id(&self.public_key())
    }
}

/// A key's fingerprint: the first 16 hex digits of SM3 over its public key.
pub fn key_id(public_key: &[u8]) -> String {
    sm3_hex(public_key)[..16].to_string()
}

/// An SM2 key held in memory, read from or written to a PKCS#8 PEM file by the caller.
pub struct Sm2Signer {
    key: SigningKey,
}

impl Sm2Signer {
    /// A new random key from the operating system's generator.
    pub fn generate() -> Self {
        let secret = sm2::SecretKey::generate();
        #[allow(clippy::expect_used)]
        let key = SigningKey::new(DIST_ID, &secret).expect("a generated key is valid");
        Sm2Signer { key }
    }

    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let secret = sm2::SecretKey::from_pkcs8_pem(pem)
            .map_err(|e| KeyError(format!("不是有效的 SM2 私钥（PKCS#8 PEM）：{e}")))?;
        let key = SigningKey::new(DIST_ID, &secret).map_err(|e| KeyError(e.to_string()))?;
        Ok(Sm2Signer { key })
    }

    pub fn to_pem(&self) -> Result<String, KeyError> {
        let secret = sm2::SecretKey::from(self.key.as_nonzero_scalar());
        let pem = secret.to_pkcs8_pem(LineEnding::LF).map_err(|e| KeyError(e.to_string()))?;
        Ok(pem.as_str().to_string())
    }
}

impl Signer for Sm2Signer {
    fn public_key(&self) -> Vec<u8> {
        self.key.verifying_key().to_sec1_bytes().to_vec()
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let signature: Signature =
            self.key.try_sign(message).map_err(|e| KeyError(e.to_string()))?;
        Ok(signature.to_bytes().to_vec())
    }
}

/// Whether `signature` is `public_key`'s SM2 signature over `message`. Malformed keys and
/// signatures simply do not verify.
pub fn verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let Ok(key) = VerifyingKey::from_sec1_bytes(DIST_ID, public_key) else {
        return false;
    };
    let Ok(signature) = Signature::from_slice(signature) else {
        return false;
    };
    key.verify(message, &signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm3_standard_vector() {
        // GB/T 32905-2016 example 1: "abc".
        assert_eq!(
            super::sm3_hex(b"abc"),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn a_signature_verifies_only_for_its_key_and_message() {
        let signer = Sm2Signer::generate();
        let sig = signer.sign(b"checkpoint 7").expect("sign");
        assert!(verify(&signer.public_key(), b"checkpoint 7", &sig));
        assert!(!verify(&signer.public_key(), b"checkpoint 8", &sig));
        let other = Sm2Signer::generate();
        assert!(!verify(&other.public_key(), b"checkpoint 7", &sig));
        assert!(!verify(b"not a key", b"checkpoint 7", &sig));
        assert!(!verify(&signer.public_key(), b"checkpoint 7", b"short"));
    }

    #[test]
    fn a_key_survives_its_pem_file() {
        let signer = Sm2Signer::generate();
        let pem = signer.to_pem().expect("pem");
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let again = Sm2Signer::from_pem(&pem).expect("read back");
        assert_eq!(again.public_key(), signer.public_key());
        assert_eq!(again.key_id().len(), 16);
        assert!(Sm2Signer::from_pem("garbage").is_err());
    }
}
