//! [`SparseMap`]: the ledger's side of the map, a persistent tree.
//!
//! Nodes are immutable and shared (`Arc`): an update rebuilds only the path
//! from the root to the changed key, hashing as it goes (about `log2 N`
//! hashes), and shares everything else with the previous version. Cloning a
//! map is therefore O(1), which is how the ledger keeps the map of every
//! recent checkpoint and answers proofs at a size a client has verified
//! while it goes on appending.
//!
//! The shape is canonical (module docs): a subtree holding one key is that
//! key's leaf, so a removal hoists a lone leaf up past empty siblings.

use std::sync::Arc;

use super::proof::{MapProof, Terminal};
use super::{leaf_hash, node_hash, MapKey, ValueHash, EMPTY};

#[derive(Clone)]
enum Node {
    Empty,
    Leaf(Arc<LeafNode>),
    Inner(Arc<InnerNode>),
}

struct LeafNode {
    key: MapKey,
    value_hash: ValueHash,
    /// The value's bytes, when the map was given them.
    value: Option<Box<[u8]>>,
    hash: [u8; 32],
}

struct InnerNode {
    left: Node,
    right: Node,
    hash: [u8; 32],
}

impl Node {
    fn hash(&self) -> [u8; 32] {
        match self {
            Node::Empty => EMPTY,
            Node::Leaf(l) => l.hash,
            Node::Inner(i) => i.hash,
        }
    }

    fn inner(left: Node, right: Node) -> Node {
        let hash = node_hash(&left.hash(), &right.hash());
        Node::Inner(Arc::new(InnerNode { left, right, hash }))
    }

    /// An inner node, or the canonical form of one with fewer than two keys.
    fn collapse(left: Node, right: Node) -> Node {
        match (left, right) {
            (Node::Empty, Node::Empty) => Node::Empty,
            (Node::Empty, Node::Leaf(l)) | (Node::Leaf(l), Node::Empty) => Node::Leaf(l),
            (left, right) => Node::inner(left, right),
        }
    }
}

/// Bit `depth` of `key`, most significant first: `false` left, `true` right.
fn bit(key: &MapKey, depth: usize) -> bool {
    key.bit(depth)
}

fn insert(node: &Node, depth: usize, leaf: Arc<LeafNode>) -> Node {
    match node {
        Node::Empty => Node::Leaf(leaf),
        Node::Leaf(old) if old.key == leaf.key => Node::Leaf(leaf),
        Node::Leaf(old) => split(Arc::clone(old), leaf, depth),
        Node::Inner(inner) => {
            if bit(&leaf.key, depth) {
                Node::inner(inner.left.clone(), insert(&inner.right, depth + 1, leaf))
            } else {
                Node::inner(insert(&inner.left, depth + 1, leaf), inner.right.clone())
            }
        }
    }
}

/// The subtree at `depth` holding exactly the two (distinct) leaves.
fn split(a: Arc<LeafNode>, b: Arc<LeafNode>, depth: usize) -> Node {
    match (bit(&a.key, depth), bit(&b.key, depth)) {
        (false, false) => Node::inner(split(a, b, depth + 1), Node::Empty),
        (true, true) => Node::inner(Node::Empty, split(a, b, depth + 1)),
        (false, true) => Node::inner(Node::Leaf(a), Node::Leaf(b)),
        (true, false) => Node::inner(Node::Leaf(b), Node::Leaf(a)),
    }
}

/// The node without `key`, or `None` if `key` is not under it.
fn remove(node: &Node, depth: usize, key: &MapKey) -> Option<(Node, ValueHash)> {
    match node {
        Node::Empty => None,
        Node::Leaf(l) => (l.key == *key).then_some((Node::Empty, l.value_hash)),
        Node::Inner(inner) => {
            if bit(key, depth) {
                let (right, old) = remove(&inner.right, depth + 1, key)?;
                Some((Node::collapse(inner.left.clone(), right), old))
            } else {
                let (left, old) = remove(&inner.left, depth + 1, key)?;
                Some((Node::collapse(left, inner.right.clone()), old))
            }
        }
    }
}

/// A sparse Merkle map from [`MapKey`] to values committed by their
/// [`ValueHash`]. Cloning is O(1): clones share nodes and are independent.
///
/// ```
/// use assent_core::smt::{MapKey, SparseMap, ValueHash, EMPTY};
///
/// let mut map = SparseMap::new();
/// assert_eq!(map.root(), EMPTY);
/// let key = MapKey::derive("assent/example", b"alice");
/// map.insert(key, ValueHash::of(b"v1"));
/// let before = map.clone();
/// map.insert(key, ValueHash::of(b"v2"));
/// assert_ne!(map.root(), before.root());
/// assert_eq!(before.get(&key), Some(ValueHash::of(b"v1")));
/// map.remove(&key);
/// assert_eq!(map.root(), EMPTY);
/// ```
#[derive(Clone)]
pub struct SparseMap {
    root: Node,
    len: usize,
}

impl Default for SparseMap {
    fn default() -> Self {
        SparseMap::new()
    }
}

impl std::fmt::Debug for SparseMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SparseMap")
            .field("len", &self.len)
            .field("root", &data_encoding::HEXLOWER.encode(&self.root()))
            .finish()
    }
}

impl SparseMap {
    /// The empty map.
    pub fn new() -> SparseMap {
        SparseMap {
            root: Node::Empty,
            len: 0,
        }
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the map has no keys.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn leaf(&self, key: &MapKey) -> Option<&LeafNode> {
        let mut node = &self.root;
        let mut depth = 0;
        loop {
            match node {
                Node::Empty => return None,
                Node::Leaf(l) => return (l.key == *key).then_some(l),
                Node::Inner(inner) => {
                    node = if bit(key, depth) {
                        &inner.right
                    } else {
                        &inner.left
                    };
                    depth += 1;
                }
            }
        }
    }

    /// A key's value hash.
    pub fn get(&self, key: &MapKey) -> Option<ValueHash> {
        self.leaf(key).map(|l| l.value_hash)
    }

    /// A key's value bytes, if it was set with [`insert_value`](Self::insert_value).
    pub fn get_value(&self, key: &MapKey) -> Option<&[u8]> {
        self.leaf(key).and_then(|l| l.value.as_deref())
    }

    /// Whether the map holds `key`.
    pub fn contains_key(&self, key: &MapKey) -> bool {
        self.leaf(key).is_some()
    }

    /// Every pair, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (MapKey, ValueHash)> + '_ {
        let mut stack = vec![&self.root];
        std::iter::from_fn(move || loop {
            match stack.pop()? {
                Node::Empty => {}
                Node::Leaf(l) => return Some((l.key, l.value_hash)),
                Node::Inner(inner) => {
                    stack.push(&inner.right);
                    stack.push(&inner.left);
                }
            }
        })
    }

    /// Sets `key` to a value known by its hash (insert or replace).
    pub fn insert(&mut self, key: MapKey, value_hash: ValueHash) {
        self.put(key, value_hash, None);
    }

    /// Sets `key` to `value`, committed as `ValueHash::of(value)` and kept so
    /// [`get_value`](Self::get_value) can return it.
    pub fn insert_value(&mut self, key: MapKey, value: Vec<u8>) {
        let value_hash = ValueHash::of(&value);
        self.put(key, value_hash, Some(value.into_boxed_slice()));
    }

    fn put(&mut self, key: MapKey, value_hash: ValueHash, value: Option<Box<[u8]>>) {
        if !self.contains_key(&key) {
            self.len += 1;
        }
        let leaf = Arc::new(LeafNode {
            hash: leaf_hash(&key, &value_hash),
            key,
            value_hash,
            value,
        });
        self.root = insert(&self.root, 0, leaf);
    }

    /// Removes `key`, returning its value hash.
    pub fn remove(&mut self, key: &MapKey) -> Option<ValueHash> {
        let (root, old) = remove(&self.root, 0, key)?;
        self.root = root;
        self.len -= 1;
        Some(old)
    }

    /// The root.
    pub fn root(&self) -> [u8; 32] {
        self.root.hash()
    }

    /// A proof of `key`'s value, or of its absence, under [`root`](Self::root).
    pub fn prove(&self, key: &MapKey) -> MapProof {
        let mut siblings = Vec::new();
        let mut node = &self.root;
        let terminal = loop {
            match node {
                Node::Empty => break Terminal::Empty,
                Node::Leaf(l) => {
                    break Terminal::Leaf {
                        key: l.key,
                        value_hash: l.value_hash,
                    }
                }
                Node::Inner(inner) => {
                    let (next, sibling) = if bit(key, siblings.len()) {
                        (&inner.right, &inner.left)
                    } else {
                        (&inner.left, &inner.right)
                    };
                    siblings.push(sibling.hash());
                    node = next;
                }
            }
        };
        MapProof { siblings, terminal }
    }

    /// The number of inner nodes (nodes with two or more keys).
    #[cfg(test)]
    pub(super) fn inner_nodes(&self) -> usize {
        fn count(node: &Node) -> usize {
            match node {
                Node::Inner(i) => 1 + count(&i.left) + count(&i.right),
                _ => 0,
            }
        }
        count(&self.root)
    }
}

impl Extend<(MapKey, ValueHash)> for SparseMap {
    fn extend<I: IntoIterator<Item = (MapKey, ValueHash)>>(&mut self, pairs: I) {
        for (key, value_hash) in pairs {
            self.insert(key, value_hash);
        }
    }
}

impl FromIterator<(MapKey, ValueHash)> for SparseMap {
    fn from_iter<I: IntoIterator<Item = (MapKey, ValueHash)>>(pairs: I) -> SparseMap {
        let mut map = SparseMap::new();
        map.extend(pairs);
        map
    }
}
