//! Domestic-algorithm primitives used across govit, kept in one place so that a certified
//! crypto device can take their place later.

use sm3::{Digest, Sm3};

/// SM3 digest as lowercase hex.
pub fn sm3_hex(bytes: &[u8]) -> String {
    hex::encode(Sm3::digest(bytes))
}

#[cfg(test)]
mod tests {
    #[test]
    fn sm3_standard_vector() {
        // GB/T 32905-2016 example 1: "abc".
        assert_eq!(
            super::sm3_hex(b"abc"),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }
}
