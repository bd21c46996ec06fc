//! Onboarding view state: after showing the 24 words, ask for three of them
//! back before going on, so a patient who did not write them down finds out
//! while the words can still be shown again.

use assent_core::keys::MnemonicPhrase;
use rand_core::CryptoRngCore;
use zeroize::Zeroizing;

/// How many words are asked back.
pub const ASKED: usize = 3;

/// Which answer was wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QuizError {
    /// The answer for word `position` (1-based) does not match.
    #[error("word {position} is not the one shown; check what you wrote down")]
    Mismatch {
        /// 1-based position of the word.
        position: usize,
    },
}

/// Three distinct word positions to ask for, in ascending order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordQuiz {
    positions: [usize; ASKED],
}

impl WordQuiz {
    /// Picks three distinct positions among the 24 uniformly at random.
    pub fn new(rng: &mut impl CryptoRngCore) -> Self {
        let mut positions = [0usize; ASKED];
        let mut chosen = 0;
        while chosen < ASKED {
            // Rejection sampling over 0..24 keeps the choice unbiased.
            let candidate = (rng.next_u32() & 31) as usize;
            if candidate < 24 && !positions[..chosen].contains(&(candidate + 1)) {
                positions[chosen] = candidate + 1;
                chosen += 1;
            }
        }
        positions.sort_unstable();
        WordQuiz { positions }
    }

    /// The 1-based positions to ask for.
    pub fn positions(&self) -> [usize; ASKED] {
        self.positions
    }

    /// Checks the answers (in the order of [`WordQuiz::positions`]); case and
    /// surrounding spaces are ignored.
    ///
    /// # Errors
    /// [`QuizError::Mismatch`] naming the first wrong position.
    pub fn check(
        &self,
        mnemonic: &MnemonicPhrase,
        answers: &[&str; ASKED],
    ) -> Result<(), QuizError> {
        let words = mnemonic.words();
        for (position, answer) in self.positions.iter().zip(answers) {
            let given = Zeroizing::new(answer.trim().to_lowercase());
            if *given != *words[position - 1] {
                return Err(QuizError::Mismatch {
                    position: *position,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::OsRng;

    #[test]
    fn positions_are_distinct_sorted_and_in_range() {
        for _ in 0..200 {
            let p = WordQuiz::new(&mut OsRng).positions();
            assert!(p.windows(2).all(|w| w[0] < w[1]));
            assert!(p.iter().all(|&x| (1..=24).contains(&x)));
        }
    }

    #[test]
    fn right_answers_pass_and_a_wrong_one_is_named() {
        let mnemonic = MnemonicPhrase::generate(&mut OsRng);
        let words = mnemonic.words();
        let quiz = WordQuiz::new(&mut OsRng);
        let [a, b, c] = quiz.positions();
        let upper = words[a - 1].to_uppercase();
        let right = [upper.as_str(), words[b - 1].as_str(), words[c - 1].as_str()];
        assert_eq!(quiz.check(&mnemonic, &right), Ok(()));
        let wrong = [right[0], right[1], "notaword"];
        assert_eq!(
            quiz.check(&mnemonic, &wrong),
            Err(QuizError::Mismatch { position: c })
        );
    }
}
