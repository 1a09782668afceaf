//! Random secrets and their stored form. A secret handed out (an API key, a newsletter link's token) is 32
//! random bytes; only its SHA-256 is kept. High-entropy secrets need no slow password hash.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Random bytes in a secret.
pub const SECRET_BYTES: usize = 32;

/// `N` bytes from the operating system's generator.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)
        .map_err(|error| Error::Internal(format!("no randomness: {error}")))?;
    Ok(bytes)
}

/// A new secret, URL-safe base64 (43 characters).
pub fn new_secret() -> Result<String> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes::<SECRET_BYTES>()?))
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What is stored of a secret: its SHA-256, hex.
pub fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}
