use std::collections::BTreeMap;

use super::*;

/// The tree's definition, computed from scratch.
fn reference_root(map: &BTreeMap<MapKey, ValueHash>) -> [u8; 32] {
    fn tree(pairs: &[(MapKey, ValueHash)], depth: usize) -> [u8; 32] {
        match pairs {
            [] => EMPTY,
            [(k, v)] => leaf_hash(k, v),
            _ => {
                let split = pairs.partition_point(|(k, _)| !k.bit(depth));
                node_hash(
                    &tree(&pairs[..split], depth + 1),
                    &tree(&pairs[split..], depth + 1),
                )
            }
        }
    }
    let pairs: Vec<_> = map.iter().map(|(k, v)| (*k, *v)).collect();
    tree(&pairs, 0)
}

/// The number of nodes with two or more keys: the map's inner nodes.
fn internal_nodes(keys: &[MapKey], depth: usize) -> usize {
    if keys.len() < 2 {
        return 0;
    }
    let split = keys.partition_point(|k| !k.bit(depth));
    1 + internal_nodes(&keys[..split], depth + 1) + internal_nodes(&keys[split..], depth + 1)
}

/// A key from its first and last bytes, the rest zero.
fn key(first: u8, last: u8) -> MapKey {
    let mut k = [0; 32];
    k[0] = first;
    k[31] = last;
    MapKey(k)
}

fn value(n: u8) -> ValueHash {
    ValueHash::of(&[n])
}

fn hex32(s: &str) -> [u8; 32] {
    data_encoding::HEXLOWER
        .decode(s.as_bytes())
        .unwrap()
        .try_into()
        .unwrap()
}

#[test]
fn key_and_value_hashes_are_the_documented_sha256() {
    assert_eq!(
        ValueHash::of(b"").0,
        hex32("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    );
    assert_eq!(MapKey::derive("ab", b"c").0, ValueHash::of(b"ab\0c").0);
    assert_ne!(MapKey::derive("a", b"bc"), MapKey::derive("ab", b"c"));
}

#[test]
fn the_empty_map_has_the_zero_root_and_proves_every_absence() {
    let map = SparseMap::new();
    assert_eq!(map.root(), [0; 32]);
    let proof = map.prove(&key(1, 2));
    assert_eq!((proof.depth(), *proof.terminal()), (0, Terminal::Empty));
    assert_eq!(proof.verify(EMPTY, &key(1, 2), None), Ok(()));
    assert_eq!(
        proof.verify(EMPTY, &key(1, 2), Some(value(0))),
        Err(MapProofError::KeyAbsent)
    );
}

#[test]
fn one_key_is_its_leaf_at_the_root() {
    let (a, b) = (key(0x80, 1), key(0x00, 1));
    let mut map = SparseMap::new();
    map.insert(a, value(1));
    let root = map.root();
    assert_eq!(root, leaf_hash(&a, &value(1)));
    let present = map.prove(&a);
    assert!(present.siblings().is_empty());
    assert_eq!(present.verify(root, &a, Some(value(1))), Ok(()));
    // The absence of b is shown by a's leaf, at depth 0.
    let absent = map.prove(&b);
    assert_eq!(absent, present);
    assert_eq!(absent.verify(root, &b, None), Ok(()));
    assert_eq!(
        absent.verify(root, &a, None),
        Err(MapProofError::KeyPresent { value: value(1) })
    );
}

#[test]
fn two_keys_differing_in_the_first_bit_are_the_root_s_children() {
    let (a, b) = (key(0x00, 7), key(0x80, 7));
    let map: SparseMap = [(b, value(2)), (a, value(1))].into_iter().collect();
    let (la, lb) = (leaf_hash(&a, &value(1)), leaf_hash(&b, &value(2)));
    let root = map.root();
    assert_eq!(root, node_hash(&la, &lb));
    assert_eq!(map.prove(&a).siblings(), &[lb]);
    assert_eq!(map.prove(&b).siblings(), &[la]);
}

#[test]
fn a_shared_prefix_makes_a_chain_of_empty_siblings() {
    // a = 0000…, b = 0001…: three levels with an empty sibling, then a split.
    let (a, b) = (key(0x00, 0), key(0x10, 0));
    let map: SparseMap = [(a, value(1)), (b, value(2))].into_iter().collect();
    let (la, lb) = (leaf_hash(&a, &value(1)), leaf_hash(&b, &value(2)));
    let mut expected = node_hash(&la, &lb);
    for _ in 0..3 {
        expected = node_hash(&expected, &EMPTY);
    }
    let root = map.root();
    assert_eq!(root, expected);
    let proof = map.prove(&a);
    assert_eq!(proof.siblings(), &[EMPTY, EMPTY, EMPTY, lb]);
    assert_eq!(proof.verify(root, &a, Some(value(1))), Ok(()));
    // 0100… is absent: its path ends in an empty subtree at depth 2.
    let c = key(0x40, 0);
    let absent = map.prove(&c);
    assert_eq!(*absent.terminal(), Terminal::Empty);
    assert_eq!(absent.depth(), 2);
    assert_eq!(absent.verify(root, &c, None), Ok(()));
    // 0000…1 is absent: its path ends at a's leaf, at depth 4.
    let d = key(0x00, 1);
    let absent = map.prove(&d);
    assert_eq!(absent, proof);
    assert_eq!(absent.verify(root, &d, None), Ok(()));
    // Proofs are compact: empty siblings cost one bit.
    assert_eq!(proof.to_bytes().len(), 3 + 1 + 32 + 64);
}

#[test]
fn keys_differing_in_the_last_bit_make_a_256_deep_proof() {
    let (a, b) = (key(0x55, 0x02), key(0x55, 0x03));
    let map: SparseMap = [(a, value(1)), (b, value(2))].into_iter().collect();
    let root = map.root();
    let proof = map.prove(&b);
    assert_eq!(proof.depth(), 256);
    assert_eq!(proof.verify(root, &b, Some(value(2))), Ok(()));
    assert_eq!(MapProof::from_bytes(&proof.to_bytes()), Ok(proof.clone()));
    // An empty terminal at depth 256 is never canonical.
    let bad = MapProof::new(proof.siblings().to_vec(), Terminal::Empty);
    assert_eq!(bad.lookup(root, &b), Err(MapProofError::NonCanonical));
    let mut deep = proof.siblings().to_vec();
    deep.push([9; 32]);
    let too_deep = MapProof {
        siblings: deep,
        terminal: *proof.terminal(),
    };
    assert_eq!(
        too_deep.lookup(root, &b),
        Err(MapProofError::TooDeep { depth: 257 })
    );
}

#[test]
fn every_tampered_proof_fails() {
    let map: SparseMap = (0..60u8)
        .map(|i| (MapKey::derive("t", &[i]), value(i)))
        .collect();
    let root = map.root();
    let other_root = node_hash(&root, &root);
    let queries: Vec<(MapKey, Option<ValueHash>)> = (0..90u8)
        .map(|i| (MapKey::derive("t", &[i]), (i < 60).then(|| value(i))))
        .collect();
    for (k, expected) in &queries {
        let (k, expected) = (*k, *expected);
        let proof = map.prove(&k);
        assert_eq!(proof.verify(root, &k, expected), Ok(()));
        assert_eq!(
            proof.verify(other_root, &k, expected),
            Err(MapProofError::RootMismatch)
        );
        let with = |siblings: Vec<[u8; 32]>, terminal: Terminal| MapProof { siblings, terminal };
        let s = proof.siblings().to_vec();
        let t = *proof.terminal();
        let mut bad = Vec::new();
        for i in 0..s.len() {
            let mut flipped = s.clone();
            flipped[i][i % 32] ^= 1;
            bad.push(with(flipped, t));
        }
        if !s.is_empty() {
            bad.push(with(s[1..].to_vec(), t));
            bad.push(with(s[..s.len() - 1].to_vec(), t));
        }
        for extra in [EMPTY, [7; 32], root] {
            bad.push(with([s.clone(), vec![extra]].concat(), t));
            bad.push(with([vec![extra], s.clone()].concat(), t));
        }
        match t {
            Terminal::Empty => bad.push(with(
                s.clone(),
                Terminal::Leaf {
                    key: k,
                    value_hash: value(0),
                },
            )),
            Terminal::Leaf {
                key: leaf,
                value_hash,
            } => {
                bad.push(with(s.clone(), Terminal::Empty));
                let mut moved = leaf;
                moved.0[31] ^= 0x80;
                bad.push(with(
                    s.clone(),
                    Terminal::Leaf {
                        key: moved,
                        value_hash,
                    },
                ));
                bad.push(with(
                    s.clone(),
                    Terminal::Leaf {
                        key: leaf,
                        value_hash: value(200),
                    },
                ));
            }
        }
        for p in &bad {
            assert!(p.verify(root, &k, expected).is_err(), "{p:?} for {k:?}");
        }
        // The right proof of something else.
        match expected {
            Some(v) => {
                assert_eq!(
                    proof.verify(root, &k, None),
                    Err(MapProofError::KeyPresent { value: v })
                );
                assert_eq!(
                    proof.verify(root, &k, Some(value(200))),
                    Err(MapProofError::ValueMismatch { found: v })
                );
            }
            None => assert_eq!(
                proof.verify(root, &k, Some(value(0))),
                Err(MapProofError::KeyAbsent)
            ),
        }
        // Another key's proof does not serve.
        let (k2, e2) = queries[(k.0[0] as usize + 1) % queries.len()];
        if k2 != k && map.prove(&k2) != proof {
            assert!(map.prove(&k2).verify(root, &k, expected).is_err());
            assert!(proof.verify(root, &k2, e2).is_err());
        }
    }
}

#[test]
fn off_path_leaves_and_hoistable_shapes_are_named() {
    let (a, b) = (key(0x00, 0), key(0x80, 0));
    let map: SparseMap = [(a, value(1)), (b, value(2))].into_iter().collect();
    let root = map.root();
    // a's leaf offered at b's place.
    let swapped = MapProof {
        siblings: vec![leaf_hash(&a, &value(1))],
        terminal: Terminal::Leaf {
            key: a,
            value_hash: value(1),
        },
    };
    assert_eq!(swapped.lookup(root, &b), Err(MapProofError::LeafOffPath));
    // A lone leaf one level down, beside an empty sibling.
    let mut single = SparseMap::new();
    single.insert(a, value(1));
    let lone = MapProof {
        siblings: vec![EMPTY],
        terminal: Terminal::Leaf {
            key: a,
            value_hash: value(1),
        },
    };
    assert_eq!(
        lone.lookup(single.root(), &a),
        Err(MapProofError::NonCanonical)
    );
    let hollow = MapProof {
        siblings: vec![EMPTY],
        terminal: Terminal::Empty,
    };
    assert_eq!(hollow.lookup(EMPTY, &a), Err(MapProofError::NonCanonical));
}

#[test]
fn decoding_is_strict() {
    let (a, b) = (key(0x00, 0), key(0x10, 0));
    let map: SparseMap = [(a, value(1)), (b, value(2))].into_iter().collect();
    let good = map.prove(&a).to_bytes();
    for n in 0..good.len() {
        assert_eq!(
            MapProof::from_bytes(&good[..n]),
            Err(ProofDecodeError::Truncated),
            "{n}"
        );
    }
    let mut long = good.clone();
    long.push(0);
    assert_eq!(
        MapProof::from_bytes(&long),
        Err(ProofDecodeError::TrailingBytes(1))
    );
    let mut tag = good.clone();
    tag[0] = 2;
    assert_eq!(
        MapProof::from_bytes(&tag),
        Err(ProofDecodeError::UnknownTerminal(2))
    );
    assert_eq!(
        MapProof::from_bytes(&[0, 1, 1]),
        Err(ProofDecodeError::TooDeep(257))
    );
    // depth 4, bitmap 0001_0000 in use, 0000_1000 padding.
    let mut padded = good.clone();
    padded[3] |= 0x08;
    assert_eq!(
        MapProof::from_bytes(&padded),
        Err(ProofDecodeError::NonZeroPadding)
    );
    let mut zero = good.clone();
    zero[4..36].fill(0);
    assert_eq!(
        MapProof::from_bytes(&zero),
        Err(ProofDecodeError::EmptySibling(3))
    );
}

mod props;
