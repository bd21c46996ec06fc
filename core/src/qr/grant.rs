//! The grant code (PROTOCOL §7): `AS1:` + base45 of a CBOR array holding the
//! grant's COSE_Sign1 and, for a grant a caregiver signed, its delegation.
//!
//! **Items are embedded, not wrapped.** Each array item is the tagged
//! COSE_Sign1 itself (tag 18), not a byte string holding it: the array is
//! literally "an array of COSE_Sign1", and it saves the two-byte string head
//! per item (three base45 characters) on a code that must stay within QR
//! version 10. The transaction's exact bytes are still kept: the whole array
//! must re-encode to the bytes received, so each item's encoding is the very
//! slice that was scanned, and [`SignedTx::open`] then holds it to its one
//! canonical form. Its [`TxId`](crate::ids::TxId) is therefore the id the
//! ledger knows.
//!
//! What this checks offline: the code's form, each signature for this ledger,
//! that the first item is a `Grant`, and that a grant signed under a
//! delegation (`via`) carries exactly that `Delegate`. Whether the caregiver
//! held the power, whether either was revoked or has expired, and whether the
//! grantee is the scanning organisation are the ledger state's and the
//! caller's to judge (DESIGN §5, "Clinic scan").

use super::base45;
use super::error::{strip_prefix, CodeKind, Item, QrError};
use crate::cbor;
use crate::ids::DelegationId;
use crate::tx::{Grant, Kind, SignedTx};
use ciborium::value::Value;

/// The hard ceiling on a grant's COSE bytes (PROTOCOL §7).
pub const MAX_GRANT_BYTES: usize = 300;
/// The ceiling on the delegation carried beside a delegate-signed grant.
pub const MAX_DELEGATION_BYTES: usize = 512;
/// The longest grant code text: the prefix and the base45 of an array
/// holding a grant and a delegation at their ceilings. Longer text is refused
/// before it is decoded.
pub const MAX_GRANT_TEXT: usize = CodeKind::Grant.prefix().len()
    + base45::encoded_len(1 + MAX_GRANT_BYTES + MAX_DELEGATION_BYTES);

/// A decoded grant code: the grant and, if a caregiver signed it, the
/// delegation it names, each opened (canonical, signed for this ledger).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantCode {
    grant: SignedTx,
    terms: Grant,
    delegation: Option<SignedTx>,
}

impl GrantCode {
    /// The grant transaction (its [`SignedTx::id`] is the grant's id).
    pub fn grant(&self) -> &SignedTx {
        &self.grant
    }

    /// The grant's fields: grantee, scope, patient, delegation, request.
    pub fn terms(&self) -> &Grant {
        &self.terms
    }

    /// The `Delegate` transaction the grant names, for a caregiver's grant.
    pub fn delegation(&self) -> Option<&SignedTx> {
        self.delegation.as_ref()
    }

    /// The code's text again (the same text it was decoded from).
    pub fn to_text(&self) -> String {
        pack(&self.grant, self.delegation.as_ref())
    }

    /// The grant and the delegation.
    pub fn into_parts(self) -> (SignedTx, Option<SignedTx>) {
        (self.grant, self.delegation)
    }
}

/// Makes the grant code of a grant, with its delegation when a caregiver
/// signed it.
///
/// ```
/// use assent_core::ids::OrgId;
/// use assent_core::keys::SigningKey;
/// use assent_core::qr::{decode_grant, encode_grant};
/// use assent_core::scope::Scope;
/// use assent_core::tx::{Body, Grant, Kind, SignedTx};
///
/// let patient = SigningKey::from_secret_bytes(&[1; 32]);
/// let kind = Kind::Grant(Grant {
///     grantee: OrgId([7; 32]),
///     scope: Scope::default(),
///     patient: None,
///     via: None,
///     request: None,
/// });
/// let grant = SignedTx::sign(&Body::new(1_790_000_000, [0; 8], kind), &patient, "demo.example");
/// let text = encode_grant(&grant, None).unwrap();
/// assert!(text.starts_with("AS1:"));
/// assert_eq!(decode_grant(&text, "demo.example").unwrap().grant().id(), grant.id());
/// ```
///
/// # Errors
/// [`QrError::NotAGrant`]; [`QrError::ItemTooLarge`] for a grant above
/// [`MAX_GRANT_BYTES`] (or a delegation above [`MAX_DELEGATION_BYTES`]);
/// [`QrError::MissingDelegation`], [`QrError::UnexpectedDelegation`],
/// [`QrError::NotADelegation`] or [`QrError::WrongDelegation`] when the
/// delegation given is not exactly the one the grant's `via` names;
/// [`QrError::OriginMismatch`].
pub fn encode_grant(grant: &SignedTx, delegation: Option<&SignedTx>) -> Result<String, QrError> {
    let Kind::Grant(terms) = &grant.body().kind else {
        return Err(QrError::NotAGrant {
            kind: grant.body().kind.name(),
        });
    };
    check_size(Item::Grant, grant)?;
    if let Some(d) = delegation {
        check_size(Item::Delegation, d)?;
        if d.origin() != grant.origin() {
            return Err(QrError::OriginMismatch);
        }
    }
    check_delegation(terms, delegation)?;
    Ok(pack(grant, delegation))
}

/// Reads a grant code for the ledger `origin`: prefix, length (before any
/// decoding), base45, the array's form and canonical encoding, then each
/// transaction and the grant–delegation link.
///
/// The text must be exactly as scanned: no surrounding whitespace, upper case.
///
/// # Errors
/// The first [`QrError`] found: [`QrError::WrongPrefix`] for a consent
/// request, [`QrError::Tx`] with [`TxError::BadSignature`](crate::tx::TxError::BadSignature)
/// for a forged or altered grant, and so on.
pub fn decode_grant(text: &str, origin: &str) -> Result<GrantCode, QrError> {
    let body = strip_prefix(text, CodeKind::Grant, MAX_GRANT_TEXT)?;
    let bytes = base45::decode(body)?;
    let value = cbor::decode(&bytes)?;
    let Value::Array(items) = &value else {
        return Err(QrError::NotAnArray);
    };
    let [first, rest @ ..] = items.as_slice() else {
        return Err(QrError::ItemCount { found: 0 });
    };
    if rest.len() > 1 {
        return Err(QrError::ItemCount { found: items.len() });
    }
    if cbor::encode(&value) != bytes {
        return Err(QrError::NonCanonical("the code's array"));
    }
    // The array re-encodes to the bytes received, so each item's encoding is
    // exactly its slice of them.
    let grant = open(Item::Grant, &cbor::encode(first), origin)?;
    let Kind::Grant(terms) = grant.body().kind.clone() else {
        return Err(QrError::NotAGrant {
            kind: grant.body().kind.name(),
        });
    };
    let delegation = match rest.first() {
        Some(d) => Some(open(Item::Delegation, &cbor::encode(d), origin)?),
        None => None,
    };
    check_delegation(&terms, delegation.as_ref())?;
    Ok(GrantCode {
        grant,
        terms,
        delegation,
    })
}

fn max_for(item: Item) -> usize {
    match item {
        Item::Delegation => MAX_DELEGATION_BYTES,
        _ => MAX_GRANT_BYTES,
    }
}

fn check_size(item: Item, tx: &SignedTx) -> Result<(), QrError> {
    let max = max_for(item);
    match tx.bytes().len() {
        len if len > max => Err(QrError::ItemTooLarge { item, len, max }),
        _ => Ok(()),
    }
}

fn open(item: Item, bytes: &[u8], origin: &str) -> Result<SignedTx, QrError> {
    let max = max_for(item);
    if bytes.len() > max {
        return Err(QrError::ItemTooLarge {
            item,
            len: bytes.len(),
            max,
        });
    }
    SignedTx::open(bytes, origin).map_err(|source| QrError::Tx { item, source })
}

/// The delegation must be present exactly when the grant names one, be a
/// `Delegate`, and be the one named.
fn check_delegation(terms: &Grant, delegation: Option<&SignedTx>) -> Result<(), QrError> {
    match (terms.via, delegation) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(QrError::UnexpectedDelegation),
        (Some(via), None) => Err(QrError::MissingDelegation { via }),
        (Some(via), Some(d)) => {
            if !matches!(d.body().kind, Kind::Delegate(_)) {
                return Err(QrError::NotADelegation {
                    kind: d.body().kind.name(),
                });
            }
            let found = DelegationId(d.id().0);
            if found != via {
                return Err(QrError::WrongDelegation { named: via, found });
            }
            Ok(())
        }
    }
}

/// The code text: a definite-length array of `n < 24` items has the one-byte
/// head `0x80 | n` (RFC 8949 §3.1), followed by the items' own bytes.
fn pack(grant: &SignedTx, delegation: Option<&SignedTx>) -> String {
    let mut bytes =
        Vec::with_capacity(1 + grant.bytes().len() + delegation.map_or(0, |d| d.bytes().len()));
    bytes.push(0x80 | if delegation.is_some() { 2 } else { 1 });
    bytes.extend_from_slice(grant.bytes());
    if let Some(d) = delegation {
        bytes.extend_from_slice(d.bytes());
    }
    format!("{}{}", CodeKind::Grant.prefix(), base45::encode(&bytes))
}
