//! SLIP-0010 hierarchical derivation for ed25519 (hardened steps only).
//!
//! Spec: <https://github.com/satoshilabs/slips/blob/master/slip-0010.md>.
//! Master: `I = HMAC-SHA512(key = "ed25519 seed", seed)`; child:
//! `I = HMAC-SHA512(chain code, 0x00 ‖ parent key ‖ ser32(index + 2³¹))`;
//! `I_L` is the key, `I_R` the chain code. Ed25519 has no public derivation, so
//! every step is hardened and a path that names an unhardened step is refused.
//!
//! About forty lines over `hmac`/`sha2`, written here rather than taken from
//! `ed25519-dalek-bip32` (unmaintained, does not wipe its chain codes), and
//! checked against the spec's two test vectors.

use hmac::{Hmac, Mac};
use sha2::Sha512;
use zeroize::Zeroizing;

/// The hardened bit of a derivation index.
pub const HARDENED: u32 = 1 << 31;

const MASTER_KEY: &[u8] = b"ed25519 seed";

/// Why a derivation path was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    /// The path does not start with `m`.
    #[error("a derivation path starts with \"m\"")]
    MissingRoot,
    /// A step is not a number below 2³¹ followed by `'` or `H`.
    #[error(
        "step {position} {step:?} is not a hardened index (a number below 2^31 followed by ')"
    )]
    BadStep {
        /// 1-based position of the step after `m`.
        position: usize,
        /// The step as written.
        step: String,
    },
}

/// A path of hardened steps, such as `m/44'/16723'/0'/0'`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DerivationPath(Vec<u32>);

impl DerivationPath {
    /// A path of hardened steps given without the hardened bit.
    ///
    /// # Errors
    /// [`PathError::BadStep`] if an index is 2³¹ or more.
    pub fn hardened(indices: &[u32]) -> Result<Self, PathError> {
        for (i, index) in indices.iter().enumerate() {
            if *index >= HARDENED {
                return Err(PathError::BadStep {
                    position: i + 1,
                    step: index.to_string(),
                });
            }
        }
        Ok(DerivationPath(indices.to_vec()))
    }

    /// The steps, without the hardened bit.
    pub fn indices(&self) -> &[u32] {
        &self.0
    }
}

impl std::str::FromStr for DerivationPath {
    type Err = PathError;

    /// Parses `m/0'/1H/…`; every step must be hardened.
    fn from_str(s: &str) -> Result<Self, PathError> {
        let mut parts = s.split('/');
        if parts.next() != Some("m") {
            return Err(PathError::MissingRoot);
        }
        let mut indices = Vec::new();
        for (i, step) in parts.enumerate() {
            let bad = || PathError::BadStep {
                position: i + 1,
                step: step.to_string(),
            };
            let number = step
                .strip_suffix('\'')
                .or_else(|| step.strip_suffix('H'))
                .ok_or_else(bad)?;
            if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let index: u32 = number.parse().map_err(|_| bad())?;
            if index >= HARDENED {
                return Err(bad());
            }
            indices.push(index);
        }
        Ok(DerivationPath(indices))
    }
}

impl std::fmt::Display for DerivationPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("m")?;
        for index in &self.0 {
            write!(f, "/{index}'")?;
        }
        Ok(())
    }
}

/// A node of the derivation tree: a 32-byte ed25519 secret key and its chain
/// code, both wiped on drop.
pub struct ExtendedKey {
    key: Zeroizing<[u8; 32]>,
    chain_code: Zeroizing<[u8; 32]>,
}

impl ExtendedKey {
    /// The master node for a seed (16 to 64 bytes in SLIP-0010's vectors; any
    /// length works).
    pub fn master(seed: &[u8]) -> Self {
        Self::from_hmac(MASTER_KEY, &[seed])
    }

    /// Derives along `path` from the master node of `seed`.
    pub fn derive(seed: &[u8], path: &DerivationPath) -> Self {
        path.indices()
            .iter()
            .fold(Self::master(seed), |node, index| node.child(*index))
    }

    /// The hardened child `index'` (`index` given without the hardened bit,
    /// which is added here; an index of 2³¹ or more cannot come from a
    /// [`DerivationPath`]).
    fn child(&self, index: u32) -> Self {
        let hardened = (index | HARDENED).to_be_bytes();
        Self::from_hmac(
            self.chain_code.as_ref(),
            &[&[0u8], self.key.as_ref(), &hardened],
        )
    }

    fn from_hmac(key: &[u8], parts: &[&[u8]]) -> Self {
        let mut mac = Hmac::<Sha512>::new_from_slice(key).expect("HMAC takes keys of any length");
        for part in parts {
            mac.update(part);
        }
        let i = Zeroizing::new(<[u8; 64]>::from(mac.finalize().into_bytes()));
        let mut key = Zeroizing::new([0u8; 32]);
        let mut chain_code = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&i[..32]);
        chain_code.copy_from_slice(&i[32..]);
        ExtendedKey { key, chain_code }
    }

    /// The ed25519 secret key (RFC 8032 seed) of this node.
    pub fn secret_key(&self) -> &[u8; 32] {
        &self.key
    }

    /// The chain code of this node.
    pub fn chain_code(&self) -> &[u8; 32] {
        &self.chain_code
    }
}

impl std::fmt::Debug for ExtendedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExtendedKey([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_and_print() {
        let path: DerivationPath = "m/44'/16723H/0'/2147483647'".parse().unwrap();
        assert_eq!(path.indices(), &[44, 16723, 0, 2147483647]);
        assert_eq!(path.to_string(), "m/44'/16723'/0'/2147483647'");
        assert_eq!(
            "m".parse::<DerivationPath>().unwrap().indices(),
            &[] as &[u32]
        );
    }

    #[test]
    fn unhardened_and_malformed_steps_are_refused() {
        for (bad, position) in [
            ("m/0", 1),
            ("m/0'/1", 2),
            ("m/2147483648'", 1),
            ("m/-1'", 1),
            ("m/'", 1),
            ("m/+1'", 1),
        ] {
            match bad.parse::<DerivationPath>() {
                Err(PathError::BadStep { position: p, .. }) => assert_eq!(p, position, "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        assert_eq!("0'".parse::<DerivationPath>(), Err(PathError::MissingRoot));
        assert!(DerivationPath::hardened(&[HARDENED]).is_err());
    }
}
