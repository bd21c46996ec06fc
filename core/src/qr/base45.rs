//! Base45 (RFC 9285): bytes as text in the QR alphanumeric set.
//!
//! Two bytes `[a, b]` make `n = 256·a + b`, written as three characters
//! `n mod 45`, `(n / 45) mod 45`, `n / 2025`; a last odd byte makes two. The 45
//! characters are exactly QR's alphanumeric set, so a QR encoder packs each in
//! 5.5 bits: the text costs about 8.25 bits per byte, against 8 for raw bytes
//! in byte mode, and it survives every scanner and clipboard.
//!
//! The decoder is strict: a character outside the alphabet, a group above
//! 65535 (three characters) or 255 (two), and a length of `3k + 1` are errors.
//! So each byte string has exactly one text, and each text at most one byte
//! string (the `base45` crate wraps an out-of-range final pair instead).
//!
//! ```
//! use assent_core::qr::base45;
//!
//! assert_eq!(base45::encode(b"Hello!!"), "%69 VD92EX0");
//! assert_eq!(base45::decode("%69 VD92EX0").unwrap(), b"Hello!!");
//! assert!(base45::decode("GGW").is_err()); // 65536 does not fit two bytes
//! ```

/// The alphabet, by value (RFC 9285 §4).
pub const ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

const INVALID: u8 = 0xff;

/// Each byte's value in [`ALPHABET`], or `INVALID`.
const VALUES: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Why text is not base45.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Base45Error {
    /// A character outside the alphabet (lower case included).
    #[error("character {found:?} at position {at} is not in the base45 alphabet")]
    Alphabet {
        /// Byte offset in the text.
        at: usize,
        /// The character found.
        found: char,
    },
    /// A group whose value does not fit the bytes it stands for.
    #[error("the group at position {at} has value {value}, above {max}")]
    Overflow {
        /// Byte offset of the group in the text.
        at: usize,
        /// Its value.
        value: u32,
        /// 65535 for three characters, 255 for a final two.
        max: u32,
    },
    /// A length of `3k + 1`: a lone last character stands for nothing.
    #[error("a base45 text of {len} characters has a lone last character")]
    Length {
        /// The text's length.
        len: usize,
    },
}

/// True when every character of `text` is in the alphabet (and so in QR's
/// alphanumeric set).
pub fn is_alphabet(text: &str) -> bool {
    text.bytes().all(|b| VALUES[usize::from(b)] != INVALID)
}

/// The length of the text for `n` bytes: `3⌊n/2⌋ + 2(n mod 2)`.
pub const fn encoded_len(n: usize) -> usize {
    n / 2 * 3 + n % 2 * 2
}

/// Encodes bytes as base45 text.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(encoded_len(bytes.len()));
    let mut push = |v: u32| out.push(char::from(ALPHABET[(v % 45) as usize]));
    let mut pairs = bytes.chunks_exact(2);
    for pair in &mut pairs {
        let n = u32::from(pair[0]) << 8 | u32::from(pair[1]);
        push(n);
        push(n / 45);
        push(n / 2025);
    }
    if let [last] = pairs.remainder() {
        let n = u32::from(*last);
        push(n);
        push(n / 45);
    }
    out
}

/// Decodes base45 text, strictly.
///
/// # Errors
/// [`Base45Error`] for a character outside the alphabet, an overflowing group
/// or a lone last character.
pub fn decode(text: &str) -> Result<Vec<u8>, Base45Error> {
    let bytes = text.as_bytes();
    if bytes.len() % 3 == 1 {
        return Err(Base45Error::Length { len: bytes.len() });
    }
    let mut out = Vec::with_capacity(bytes.len() / 3 * 2 + 1);
    for (index, group) in bytes.chunks(3).enumerate() {
        let at = index * 3;
        let (mut value, mut weight) = (0u32, 1u32);
        // Forward, so the first bad byte follows only ASCII: a char boundary.
        for (i, &b) in group.iter().enumerate() {
            let digit = VALUES[usize::from(b)];
            if digit == INVALID {
                let found = text.get(at + i..).and_then(|s| s.chars().next());
                return Err(Base45Error::Alphabet {
                    at: at + i,
                    found: found.unwrap_or(char::REPLACEMENT_CHARACTER),
                });
            }
            value += u32::from(digit) * weight;
            weight *= 45;
        }
        let max = if group.len() == 3 { 0xffff } else { 0xff };
        if value > max {
            return Err(Base45Error::Overflow { at, value, max });
        }
        if group.len() == 3 {
            out.extend_from_slice(&(value as u16).to_be_bytes());
        } else {
            out.push(value as u8);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9285 §4.3 and §4.4.
    const RFC_VECTORS: &[(&[u8], &str)] = &[
        (b"AB", "BB8"),
        (b"Hello!!", "%69 VD92EX0"),
        (b"base-45", "UJCLQE7W581"),
        (b"ietf!", "QED8WEX0"),
    ];

    #[test]
    fn rfc_9285_vectors() {
        for (bytes, text) in RFC_VECTORS {
            assert_eq!(encode(bytes), *text);
            assert_eq!(decode(text).unwrap(), *bytes, "{text}");
            assert_eq!(encoded_len(bytes.len()), text.len());
        }
        assert_eq!(encode(b""), "");
        assert_eq!(decode("").unwrap(), b"");
    }

    #[test]
    fn rfc_9285_invalid_group() {
        // "GGW" is 16 + 16·45 + 32·2025 = 65536 (RFC 9285 §4.4).
        assert_eq!(
            decode("GGW"),
            Err(Base45Error::Overflow {
                at: 0,
                value: 65536,
                max: 65535
            })
        );
        assert_eq!(encode(&[0xff, 0xff]), "FGW");
    }

    #[test]
    fn a_final_pair_above_255_is_refused_not_wrapped() {
        // 35 + 35·45 = 1610; a lax decoder would return 1610 mod 256 = 74.
        assert!(matches!(
            decode("BB8ZZ"),
            Err(Base45Error::Overflow {
                at: 3,
                max: 255,
                ..
            })
        ));
        assert_eq!(decode(&encode(&[0xff])).unwrap(), [0xff]);
    }

    #[test]
    fn characters_and_lengths_outside_the_format_are_refused() {
        assert_eq!(
            decode("BB8b8"),
            Err(Base45Error::Alphabet { at: 3, found: 'b' })
        );
        assert_eq!(
            decode("BBéB"),
            Err(Base45Error::Alphabet { at: 2, found: 'é' })
        );
        assert_eq!(
            decode("Bé"),
            Err(Base45Error::Alphabet { at: 1, found: 'é' })
        );
        assert_eq!(decode("BB8B"), Err(Base45Error::Length { len: 4 }));
        assert!(is_alphabet("AS1:%69 VD92EX0"));
        assert!(!is_alphabet("as1:"));
    }

    #[test]
    fn every_byte_pair_round_trips() {
        for n in 0..=u16::MAX {
            let bytes = n.to_be_bytes();
            assert_eq!(decode(&encode(&bytes)).unwrap(), bytes);
        }
        for b in 0..=u8::MAX {
            assert_eq!(decode(&encode(&[b])).unwrap(), [b]);
        }
    }
}
