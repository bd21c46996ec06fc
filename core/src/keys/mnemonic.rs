//! BIP39 mnemonics: 24 English words that carry 256 bits of entropy.
//!
//! Spec: <https://github.com/bitcoin/bips/blob/master/bip-0039.mediawiki>.
//! The word list, checksum and seed (PBKDF2-HMAC-SHA512, 2048 rounds, salt
//! `"mnemonic" ‖ passphrase`, NFKD) come from the `bip39` crate; this module
//! adds what a wallet needs around it: exactly 24 words, errors that name the
//! word at fault, and secret types that wipe themselves.

use bip39::{Language, Mnemonic};
use rand_core::CryptoRngCore;
use zeroize::Zeroizing;

/// The number of words in an Assent mnemonic (256 bits of entropy).
pub const WORD_COUNT: usize = 24;

/// The entropy a mnemonic encodes: 32 secret bytes, wiped on drop.
///
/// This is what the keystore item and the vault hold (PROTOCOL §1); the words
/// and every key are derived from it.
pub struct Entropy(Zeroizing<[u8; 32]>);

impl Entropy {
    /// Wraps 32 bytes of entropy.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Entropy(Zeroizing::new(bytes))
    }

    /// Draws fresh entropy from a cryptographic RNG.
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(bytes.as_mut());
        Entropy(bytes)
    }

    /// The secret bytes.
    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.0
    }

    /// A second copy, filled in place (no stray copy on the stack).
    pub fn duplicate(&self) -> Entropy {
        Self::copy_of(self.0.as_ref())
    }

    /// Copies 32 bytes into a new wiped-on-drop buffer.
    ///
    /// # Panics
    /// If `bytes` is not 32 bytes long (callers check first).
    pub(crate) fn copy_of(bytes: &[u8]) -> Entropy {
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(bytes);
        Entropy(out)
    }
}

impl std::fmt::Debug for Entropy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Entropy([REDACTED])")
    }
}

/// A 64-byte BIP39 seed, wiped on drop.
pub struct Seed(Zeroizing<[u8; 64]>);

impl Seed {
    /// Wraps seed bytes (for test vectors that start from a seed).
    pub fn from_bytes(bytes: [u8; 64]) -> Self {
        Seed(Zeroizing::new(bytes))
    }

    /// The secret bytes.
    pub fn expose_secret(&self) -> &[u8; 64] {
        &self.0
    }
}

impl std::fmt::Debug for Seed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Seed([REDACTED])")
    }
}

/// Why a list of words is not a valid Assent mnemonic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MnemonicError {
    /// Not the number of words expected (24 for an Assent wallet).
    #[error("expected {expected} words, got {got}")]
    WordCount {
        /// How many words were given.
        got: usize,
        /// What was expected, in words ("24").
        expected: &'static str,
    },
    /// A word is not in the BIP39 English word list.
    #[error("word {position} {word:?} is not in the BIP39 English word list{}", suggestion_text(.suggestions))]
    UnknownWord {
        /// 1-based position of the word.
        position: usize,
        /// The word as typed (lower-cased).
        word: String,
        /// List words that share its first letters, best first.
        suggestions: Vec<&'static str>,
    },
    /// Every word is in the list but the checksum does not match: some word is
    /// wrong or out of order. The last word carries most of the checksum.
    #[error(
        "the words do not add up (checksum mismatch): one of them is wrong or out of order; \
         the last, word {position} {last_word:?}, carries the checksum"
    )]
    Checksum {
        /// 1-based position of the last word.
        position: usize,
        /// The last word, which carries the checksum bits.
        last_word: String,
    },
}

fn suggestion_text(suggestions: &[&'static str]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", suggestions.join(" or "))
    }
}

/// A 24-word mnemonic. Holds only the entropy; the words are produced on demand.
pub struct MnemonicPhrase {
    entropy: Entropy,
}

impl MnemonicPhrase {
    /// A new random mnemonic.
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        MnemonicPhrase {
            entropy: Entropy::generate(rng),
        }
    }

    /// The mnemonic for the given entropy.
    pub fn from_entropy(entropy: Entropy) -> Self {
        MnemonicPhrase { entropy }
    }

    /// Parses 24 words separated by white space (case is ignored).
    ///
    /// # Errors
    /// [`MnemonicError::WordCount`] unless there are 24 words,
    /// [`MnemonicError::UnknownWord`] naming the first word not in the list,
    /// [`MnemonicError::Checksum`] when the words do not add up.
    ///
    /// ```
    /// use assent_core::keys::MnemonicPhrase;
    /// let words = "abandon ".repeat(23) + "art";
    /// let phrase = MnemonicPhrase::parse(&words).unwrap();
    /// assert_eq!(phrase.entropy().expose_secret(), &[0u8; 32]);
    /// assert!(MnemonicPhrase::parse(&("abandon ".repeat(23) + "zoo")).is_err());
    /// ```
    pub fn parse(words: &str) -> Result<Self, MnemonicError> {
        let mnemonic = checked_mnemonic(words, &[WORD_COUNT], "24")?;
        let array = Zeroizing::new(mnemonic.to_entropy_array());
        debug_assert_eq!(array.1, 32);
        Ok(MnemonicPhrase {
            entropy: Entropy::copy_of(&array.0[..32]),
        })
    }

    /// The entropy the words encode.
    pub fn entropy(&self) -> &Entropy {
        &self.entropy
    }

    /// The entropy, taking the phrase apart.
    pub fn into_entropy(self) -> Entropy {
        self.entropy
    }

    fn to_bip39(&self) -> Mnemonic {
        // 32 bytes is always a valid BIP39 entropy length.
        Mnemonic::from_entropy_in(Language::English, self.entropy.expose_secret())
            .expect("32 bytes is a valid BIP39 entropy length")
    }

    /// The 24 words, in order.
    pub fn words(&self) -> Vec<Zeroizing<String>> {
        self.to_bip39()
            .words()
            .map(|w| Zeroizing::new(w.to_string()))
            .collect()
    }

    /// The 24 words separated by single spaces.
    pub fn phrase(&self) -> Zeroizing<String> {
        Zeroizing::new(self.to_bip39().to_string())
    }

    /// The BIP39 seed for an optional passphrase (empty = none).
    pub fn to_seed(&self, passphrase: &str) -> Seed {
        Seed(Zeroizing::new(self.to_bip39().to_seed(passphrase)))
    }
}

/// The BIP39 seed of any valid English mnemonic of 12, 15, 18, 21 or 24 words.
///
/// Assent wallets always use 24 words ([`MnemonicPhrase`]); this is for
/// interoperability and the BIP39 known-answer tests, and goes through the
/// same word checks.
///
/// # Errors
/// As [`MnemonicPhrase::parse`], with the other word counts allowed.
pub fn seed_from_words(words: &str, passphrase: &str) -> Result<Seed, MnemonicError> {
    let mnemonic = checked_mnemonic(words, &[12, 15, 18, 21, 24], "12, 15, 18, 21 or 24")?;
    Ok(Seed(Zeroizing::new(mnemonic.to_seed(passphrase))))
}

/// The English words for 16 to 32 bytes of entropy (a multiple of 4), for
/// interoperability and the BIP39 known-answer tests.
///
/// # Errors
/// [`MnemonicError::WordCount`] for any other entropy length.
pub fn words_for_entropy(entropy: &[u8]) -> Result<Zeroizing<String>, MnemonicError> {
    let mnemonic = Mnemonic::from_entropy_in(Language::English, entropy).map_err(|_| {
        MnemonicError::WordCount {
            got: entropy.len() * 3 / 4,
            expected: "12, 15, 18, 21 or 24",
        }
    })?;
    Ok(Zeroizing::new(mnemonic.to_string()))
}

/// Lower-cases and splits `words`, checks the count and each word (naming the
/// first unknown one), then the checksum.
fn checked_mnemonic(
    words: &str,
    counts: &[usize],
    expected: &'static str,
) -> Result<Mnemonic, MnemonicError> {
    let normalised = Zeroizing::new(words.to_lowercase());
    let list: Vec<&str> = normalised.split_whitespace().collect();
    if !counts.contains(&list.len()) {
        return Err(MnemonicError::WordCount {
            got: list.len(),
            expected,
        });
    }
    let english = Language::English;
    for (i, word) in list.iter().enumerate() {
        if english.find_word(word).is_none() {
            return Err(MnemonicError::UnknownWord {
                position: i + 1,
                word: (*word).to_string(),
                suggestions: suggestions(word),
            });
        }
    }
    let joined = Zeroizing::new(list.join(" "));
    Mnemonic::parse_in_normalized(english, &joined).map_err(|_| MnemonicError::Checksum {
        position: list.len(),
        last_word: list[list.len() - 1].to_string(),
    })
}

impl std::fmt::Debug for MnemonicPhrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MnemonicPhrase([REDACTED])")
    }
}

/// Words of the list that the typed word could have been meant as: BIP39
/// words are unique in their first four letters, so a matching prefix is a
/// strong hint.
fn suggestions(word: &str) -> Vec<&'static str> {
    let list = Language::English.word_list();
    for prefix_len in (2..=4).rev() {
        let Some(prefix) = word.get(..prefix_len) else {
            continue;
        };
        let found: Vec<&'static str> = list
            .iter()
            .copied()
            .filter(|w| w.starts_with(prefix))
            .take(3)
            .collect();
        if !found.is_empty() {
            return found;
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZERO_WORDS: &str = "abandon abandon abandon abandon abandon abandon abandon abandon \
        abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon \
        abandon abandon abandon abandon abandon art";

    #[test]
    fn parse_is_case_and_space_insensitive() {
        let messy = format!("  {}\n", ZERO_WORDS.to_uppercase().replace(' ', "\t "));
        let phrase = MnemonicPhrase::parse(&messy).unwrap();
        assert_eq!(phrase.phrase().as_str(), ZERO_WORDS);
    }

    #[test]
    fn unknown_word_is_named_with_its_position() {
        let words = ZERO_WORDS.replacen("abandon", "abandun", 1);
        let err = MnemonicPhrase::parse(&words).err().unwrap();
        assert_eq!(
            err,
            MnemonicError::UnknownWord {
                position: 1,
                word: "abandun".into(),
                suggestions: vec!["abandon"],
            }
        );
        assert!(err.to_string().contains("word 1 \"abandun\""));
        assert!(err.to_string().contains("did you mean abandon?"));
    }

    #[test]
    fn wrong_checksum_word_is_named() {
        let words = ZERO_WORDS.replace(" art", " zoo");
        let err = MnemonicPhrase::parse(&words).err().unwrap();
        assert_eq!(
            err,
            MnemonicError::Checksum {
                position: 24,
                last_word: "zoo".into()
            }
        );
        assert!(err.to_string().contains("\"zoo\""));
    }

    #[test]
    fn twelve_words_are_refused() {
        let twelve = "abandon ".repeat(11) + "about";
        assert_eq!(
            MnemonicPhrase::parse(&twelve).err(),
            Some(MnemonicError::WordCount {
                got: 12,
                expected: "24"
            })
        );
    }

    #[test]
    fn debug_is_redacted() {
        let phrase = MnemonicPhrase::parse(ZERO_WORDS).unwrap();
        let shown = format!("{phrase:?} {:?} {:?}", phrase.entropy(), phrase.to_seed(""));
        assert!(!shown.contains("abandon"));
        assert!(shown.contains("REDACTED"));
        assert!(!shown.contains("0, 0"));
    }
}
