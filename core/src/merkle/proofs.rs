//! Producing RFC 9162 roots and proofs over a list of leaf hashes (§2.1.1,
//! §2.1.3.1, §2.1.4.1): the definitions as written, for the ledger and tests.

use super::{empty_root, node_hash, Hash};

/// The largest power of two strictly below `n` (for `n >= 2`).
fn split(n: usize) -> usize {
    debug_assert!(n >= 2);
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// `MTH(D[n])`: the root of the tree over `leaves`.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// `PATH(m, D[n])`: the inclusion proof of leaf `index`.
///
/// # Panics
/// If `index` is not below `leaves.len()`.
pub fn inclusion(index: usize, leaves: &[Hash]) -> Vec<Hash> {
    assert!(index < leaves.len(), "leaf index out of range");
    let n = leaves.len();
    if n == 1 {
        return Vec::new();
    }
    let k = split(n);
    let (mut path, sibling) = if index < k {
        (inclusion(index, &leaves[..k]), root(&leaves[k..]))
    } else {
        (inclusion(index - k, &leaves[k..]), root(&leaves[..k]))
    };
    path.push(sibling);
    path
}

/// `PROOF(m, D[n])`: the consistency proof from the first `first` leaves.
///
/// # Panics
/// If `first` exceeds `leaves.len()`.
pub fn consistency(first: usize, leaves: &[Hash]) -> Vec<Hash> {
    assert!(first <= leaves.len(), "first size beyond the tree");
    if first == 0 || first == leaves.len() {
        return Vec::new();
    }
    subproof(first, leaves, true)
}

fn subproof(m: usize, leaves: &[Hash], complete: bool) -> Vec<Hash> {
    let n = leaves.len();
    if m == n {
        return if complete {
            Vec::new()
        } else {
            vec![root(leaves)]
        };
    }
    let k = split(n);
    if m <= k {
        let mut p = subproof(m, &leaves[..k], complete);
        p.push(root(&leaves[k..]));
        p
    } else {
        let mut p = subproof(m - k, &leaves[k..], false);
        p.push(root(&leaves[..k]));
        p
    }
}
