//! Properties over random maps and update sequences, a batch test on a
//! bigger map, and the timing report.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;

#[test]
fn small_batches_in_a_big_map_match_recomputation() {
    let keys: Vec<MapKey> = (0..3000u32)
        .map(|i| MapKey::derive("big", &i.to_be_bytes()))
        .collect();
    let mut map: SparseMap = keys[..2000].iter().map(|k| (*k, value(0))).collect();
    let mut model: BTreeMap<_, _> = map.iter().collect();
    assert_eq!(map.root(), reference_root(&model));
    // Small batches: updates, removals, new keys.
    for batch in 0..20u32 {
        for j in 0..40u32 {
            let k = keys[((batch * 131 + j * 97) % 3000) as usize];
            if j % 3 == 0 {
                map.remove(&k);
                model.remove(&k);
            } else {
                map.insert(k, value(batch as u8));
                model.insert(k, value(batch as u8));
            }
        }
        assert_eq!(map.root(), reference_root(&model), "batch {batch}");
        let sorted: Vec<_> = model.keys().copied().collect();
        assert_eq!(map.inner_nodes(), internal_nodes(&sorted, 0));
    }
    let root = map.root();
    for k in keys.iter().step_by(37) {
        assert_eq!(map.prove(k).verify(root, k, model.get(k).copied()), Ok(()));
    }
}

fn key_strategy() -> impl Strategy<Value = MapKey> {
    prop_oneof![
        any::<[u8; 32]>().prop_map(MapKey),
        // Long shared prefixes: deep paths, down to depth 256.
        (0u8..4, any::<u8>()).prop_map(|(f, l)| key(f, l)),
    ]
}

#[derive(Debug, Clone)]
enum Op {
    Insert(usize, u8),
    Remove(usize),
    /// Check the root.
    Root,
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, v)| Op::Insert(i.index(usize::MAX), v)),
        3 => any::<prop::sample::Index>().prop_map(|i| Op::Remove(i.index(usize::MAX))),
        1 => Just(Op::Root),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn incremental_roots_equal_recomputation(
        pool in prop::collection::vec(key_strategy(), 1..40),
        ops in prop::collection::vec(op_strategy(), 0..200),
    ) {
        let mut map = SparseMap::new();
        let mut model = BTreeMap::new();
        for op in ops {
            match op {
                Op::Insert(i, v) => {
                    let k = pool[i % pool.len()];
                    map.insert(k, value(v));
                    model.insert(k, value(v));
                }
                Op::Remove(i) => {
                    let k = pool[i % pool.len()];
                    prop_assert_eq!(map.remove(&k), model.remove(&k));
                }
                Op::Root => {
                    prop_assert_eq!(map.root(), reference_root(&model));
                    let keys: Vec<_> = model.keys().copied().collect();
                    prop_assert_eq!(map.inner_nodes(), internal_nodes(&keys, 0));
                }
            }
            prop_assert_eq!(map.len(), model.len());
        }
        prop_assert_eq!(map.root(), reference_root(&model));
        // Order does not matter: the same pairs inserted backwards.
        let fresh: SparseMap = model.iter().rev().map(|(k, v)| (*k, *v)).collect();
        prop_assert_eq!(fresh.root(), map.root());
    }

    #[test]
    fn present_keys_prove_presence_and_absent_keys_absence(
        pairs in prop::collection::btree_map(key_strategy(), any::<u8>(), 0..50),
        absent in prop::collection::vec(key_strategy(), 1..10),
    ) {
        let model: BTreeMap<_, _> = pairs.iter().map(|(k, v)| (*k, value(*v))).collect();
        let map: SparseMap = model.iter().map(|(k, v)| (*k, *v)).collect();
        let root = map.root();
        prop_assert_eq!(root, reference_root(&model));
        for (k, v) in &model {
            let proof = map.prove(k);
            prop_assert_eq!(proof.verify(root, k, Some(*v)), Ok(()));
            prop_assert!(proof.verify(root, k, None).is_err());
            prop_assert_eq!(MapProof::from_bytes(&proof.to_bytes()), Ok(proof));
        }
        for k in absent.iter().filter(|k| !model.contains_key(k)) {
            let proof = map.prove(k);
            prop_assert_eq!(proof.verify(root, k, None), Ok(()));
            prop_assert!(proof.verify(root, k, Some(value(0))).is_err());
            prop_assert_eq!(MapProof::from_bytes(&proof.to_bytes()), Ok(proof));
        }
    }

    #[test]
    fn decoding_never_panics_and_accepts_one_encoding(
        bytes in prop::collection::vec(any::<u8>(), 0..400),
    ) {
        if let Ok(proof) = MapProof::from_bytes(&bytes) {
            prop_assert_eq!(proof.to_bytes(), bytes);
        }
    }

    #[test]
    fn mutated_encodings_never_panic(
        pairs in prop::collection::btree_map(key_strategy(), any::<u8>(), 1..20),
        probe in key_strategy(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let map: SparseMap = pairs.iter().map(|(k, v)| (*k, value(*v))).collect();
        let mut bytes = map.prove(&probe).to_bytes();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        if let Ok(proof) = MapProof::from_bytes(&bytes) {
            prop_assert_eq!(proof.to_bytes(), bytes);
            let _ = proof.lookup(map.root(), &probe);
        }
    }
}
