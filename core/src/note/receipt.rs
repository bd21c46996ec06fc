//! Submission receipts (PROTOCOL §6): a signed note from the sequencer's
//! receipt key (type 0x01, never its checkpoint key) promising that by the
//! deadline the transaction is in a cosigned checkpoint or refused by a
//! signed rejection. The text format is Assent's own, written here:
//!
//! ```text
//! assent-receipt/v1
//! origin <log origin>
//! tx <transaction id, 64 lower-case hex digits>
//! received <POSIX seconds>
//! deadline <POSIX seconds>
//! index <leaf index>        (only once assigned)
//! ```
//!
//! The header line separates receipts from every other note; numbers are
//! plain decimals without leading zeros; nothing else may appear.

use super::error::NoteError;
use super::signed::{sign_note, Note};
use super::vkey::{Vkey, VkeyKind};
use crate::ids::TxId;
use crate::keys::SigningKey;

/// The first line of every receipt.
pub const RECEIPT_HEADER: &str = "assent-receipt/v1";

/// What the sequencer promised about one submitted transaction.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Receipt {
    /// The log's origin.
    pub origin: String,
    /// The transaction's id.
    pub tx: TxId,
    /// When the sequencer received it (POSIX seconds).
    pub received: u64,
    /// By when it is in a cosigned checkpoint or refused (POSIX seconds).
    pub deadline: u64,
    /// Its leaf index, if already assigned.
    pub index: Option<u64>,
}

impl Receipt {
    /// The note text.
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "{RECEIPT_HEADER}\norigin {}\ntx {}\nreceived {}\ndeadline {}\n",
            self.origin, self.tx, self.received, self.deadline
        );
        if let Some(index) = self.index {
            text.push_str(&format!("index {index}\n"));
        }
        text
    }

    /// Checks the origin and the deadline.
    ///
    /// # Errors
    /// [`NoteError::InvalidOrigin`]; [`NoteError::ReceiptDeadline`] if the
    /// deadline is before the receipt time.
    pub fn validate(&self) -> Result<(), NoteError> {
        if !super::checkpoint::is_valid_origin(&self.origin) {
            return Err(NoteError::InvalidOrigin {
                origin: self.origin.clone(),
            });
        }
        if self.deadline < self.received {
            return Err(NoteError::ReceiptDeadline {
                received: self.received,
                deadline: self.deadline,
            });
        }
        Ok(())
    }

    /// Reads a receipt's note text (strict, canonical).
    ///
    /// # Errors
    /// [`NoteError::ReceiptSyntax`] naming the line; the errors of
    /// [`Receipt::validate`]; [`NoteError::NonCanonical`].
    pub fn parse_text(text: &str) -> Result<Self, NoteError> {
        let body = text.strip_suffix('\n').ok_or(NoteError::ReceiptSyntax {
            line: 1,
            expected: "text ending in a newline",
        })?;
        let lines: Vec<&str> = body.split('\n').collect();
        let field = |n: usize, key: &str, expected: &'static str| -> Result<&str, NoteError> {
            lines
                .get(n)
                .and_then(|line| line.strip_prefix(key))
                .and_then(|rest| rest.strip_prefix(' '))
                .ok_or(NoteError::ReceiptSyntax {
                    line: n + 1,
                    expected,
                })
        };
        let number = |n: usize, key: &str, expected: &'static str| -> Result<u64, NoteError> {
            let text = field(n, key, expected)?;
            text.parse::<u64>()
                .ok()
                .filter(|v| v.to_string() == text)
                .ok_or(NoteError::ReceiptSyntax {
                    line: n + 1,
                    expected,
                })
        };
        if lines.first() != Some(&RECEIPT_HEADER) {
            return Err(NoteError::ReceiptSyntax {
                line: 1,
                expected: "assent-receipt/v1",
            });
        }
        let origin = field(1, "origin", "origin <log origin>")?;
        let tx_text = field(2, "tx", "tx <64 lower-case hex digits>")?;
        let tx: TxId = tx_text
            .parse()
            .ok()
            .filter(|id: &TxId| id.to_string() == tx_text)
            .ok_or(NoteError::ReceiptSyntax {
                line: 3,
                expected: "tx <64 lower-case hex digits>",
            })?;
        let received = number(3, "received", "received <POSIX seconds>")?;
        let deadline = number(4, "deadline", "deadline <POSIX seconds>")?;
        let index = match lines.len() {
            5 => None,
            6 => Some(number(5, "index", "index <leaf index>")?),
            _ => {
                return Err(NoteError::ReceiptSyntax {
                    line: 7,
                    expected: "end of receipt after deadline or index",
                })
            }
        };
        let receipt = Receipt {
            origin: origin.into(),
            tx,
            received,
            deadline,
            index,
        };
        receipt.validate()?;
        if receipt.to_text() != text {
            return Err(NoteError::NonCanonical { what: "receipt" });
        }
        Ok(receipt)
    }

    /// Signs the receipt with the receipt key (Ed25519, type 0x01) as `name`
    /// and returns the signed note.
    ///
    /// # Errors
    /// The errors of [`Receipt::validate`]; [`NoteError::InvalidKeyName`];
    /// [`NoteError::InvalidText`] if the origin holds characters a note
    /// cannot.
    pub fn sign(&self, name: &str, key: &SigningKey) -> Result<String, NoteError> {
        self.validate()?;
        sign_note(&self.to_text(), name, key)
    }

    /// Verifies a signed receipt under the receipt key `vkey` and reads it.
    /// Other signature lines are ignored; every line by `vkey` must verify.
    /// The caller compares [`Receipt::origin`] with the log it trusts
    /// ([`crate::trust::TrustPolicy::verify_receipt`] does).
    ///
    /// # Errors
    /// [`NoteError::WrongKeyKind`] unless `vkey` is type 0x01; the errors of
    /// [`Note::parse`], [`Note::verify`] and [`Receipt::parse_text`].
    pub fn verify(note: impl AsRef<[u8]>, vkey: &Vkey) -> Result<Self, NoteError> {
        if vkey.kind() != VkeyKind::Ed25519 {
            return Err(NoteError::WrongKeyKind {
                name: vkey.name().into(),
                expected: VkeyKind::Ed25519,
                got: vkey.kind(),
            });
        }
        let note = Note::parse(note)?;
        note.verify(std::slice::from_ref(vkey))?;
        Self::parse_text(note.text())
    }
}
