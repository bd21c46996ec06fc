use super::proofs::{consistency, inclusion, root};
use super::tree::Tree;
use super::*;

fn leaves(n: usize) -> Vec<Hash> {
    (0..n)
        .map(|i| leaf_hash(&(i as u64).to_be_bytes()))
        .collect()
}

#[test]
fn every_generated_inclusion_proof_verifies_and_no_tampered_one_does() {
    let all = leaves(40);
    for n in 1..=all.len() {
        let tree = &all[..n];
        let r = root(tree);
        for i in 0..n {
            let p = inclusion(i, tree);
            assert_eq!(
                verify_inclusion(i as u64, n as u64, &tree[i], &p, &r),
                Ok(()),
                "{i} of {n}"
            );
            if let Some(first) = p.first() {
                let mut bad = p.clone();
                bad[0] = node_hash(first, first);
                assert!(verify_inclusion(i as u64, n as u64, &tree[i], &bad, &r).is_err());
                assert!(verify_inclusion(i as u64, n as u64, &tree[i], &p[1..], &r).is_err());
            }
            let other = if i + 1 < n { i + 1 } else { 0 };
            if other != i {
                assert!(verify_inclusion(other as u64, n as u64, &tree[i], &p, &r).is_err());
            }
        }
        assert!(matches!(
            verify_inclusion(n as u64, n as u64, &tree[0], &[], &r),
            Err(InclusionError::IndexOutOfRange { .. })
        ));
    }
}

#[test]
fn every_generated_consistency_proof_verifies_and_rollbacks_do_not() {
    let all = leaves(40);
    for n in 1..=all.len() {
        let rn = root(&all[..n]);
        for m in 1..=n {
            let rm = root(&all[..m]);
            let p = consistency(m, &all[..n]);
            assert_eq!(
                verify_consistency(m as u64, n as u64, &rm, &rn, &p),
                Ok(()),
                "{m} → {n}"
            );
            if m < n {
                // A fork: another first tree of the same size.
                let forked = node_hash(&rm, &rm);
                assert!(verify_consistency(m as u64, n as u64, &forked, &rn, &p).is_err());
                assert_eq!(
                    verify_consistency(n as u64, m as u64, &rn, &rm, &p),
                    Err(ConsistencyError::Shrunk {
                        first: n as u64,
                        second: m as u64
                    })
                );
            }
        }
    }
}

#[test]
fn the_empty_tree_hashes_to_sha256_of_nothing() {
    assert_eq!(
        data_encoding::HEXLOWER.encode(&root(&[]).0),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[test]
fn a_truncated_tree_is_the_tree_of_its_first_leaves() {
    let all = leaves(77);
    for size in [0u64, 1, 2, 3, 31, 32, 33, 64, 76, 77, 100] {
        let mut tree = Tree::new();
        all.iter().for_each(|l| {
            tree.push(*l);
        });
        tree.truncate(size);
        let mut fresh = Tree::new();
        all.iter().take(size as usize).for_each(|l| {
            fresh.push(*l);
        });
        assert_eq!(tree.len(), fresh.len());
        assert_eq!(tree.root(), fresh.root(), "size {size}");
        // And it grows again like the fresh one.
        tree.push(all[0]);
        fresh.push(all[0]);
        assert_eq!(tree.root(), fresh.root(), "size {size} + 1");
    }
}
