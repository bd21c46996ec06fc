//! A seeded isolation forest (Liu, Ting and Zhou, 2008) over integer
//! features, built so that the same seed and data give the same model bytes
//! and the same scores on every node (PROTOCOL §9).
//!
//! Determinism is kept by construction: features are integers, so splits are
//! integers drawn from ChaCha8 and no float decides a branch; the expected
//! path length uses only IEEE-754 addition, multiplication and division
//! (correctly rounded everywhere), summed in a fixed order; and the score
//! `2^(−E[h]/c(ψ))` is computed with a fixed polynomial instead of the
//! platform's `exp2`. [`Forest::to_bytes`] is the canonical form a model's
//! registration hashes.
//!
//! ```
//! use assent_monitor::forest::Forest;
//! let normal: Vec<Vec<i64>> = (0..200).map(|i| vec![i % 10, (i * 7) % 13]).collect();
//! let forest = Forest::train(&normal, 50, 64, 7);
//! let odd = forest.score(&[500, -40]);
//! let usual = forest.score(&[5, 6]);
//! assert!(odd > usual);
//! assert_eq!(forest.to_bytes(), Forest::train(&normal, 50, 64, 7).to_bytes());
//! ```

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One node of a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    /// Go left when `feature < threshold`.
    Split {
        feature: u16,
        threshold: i64,
        left: u32,
        right: u32,
    },
    /// A leaf holding `size` training points.
    Leaf { size: u32 },
}

/// A trained forest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forest {
    /// Points sampled per tree (ψ).
    sample: u32,
    /// Features per point.
    width: u16,
    trees: Vec<Vec<Node>>,
}

/// `c(n)`: the average path length of an unsuccessful search in a binary
/// search tree of `n` points, `2H(n−1) − 2(n−1)/n`, with the harmonic number
/// summed exactly in order (basic operations only).
fn average_path(n: u32) -> f64 {
    if n <= 1 {
        return 0.0;
    }
    let mut harmonic = 0.0f64;
    for i in 1..n {
        harmonic += 1.0 / f64::from(i);
    }
    2.0 * harmonic - 2.0 * f64::from(n - 1) / f64::from(n)
}

/// `2^(−x)` for `x ≥ 0` with basic operations only: `x = k + f`, `2^(−k)` is
/// exact, and `2^(−f)` for `f ∈ [0, 1)` is a degree-13 Taylor polynomial of
/// `e^(−f ln 2)` in Horner form (error below 1e-12, far under the score's
/// millionths).
fn exp2_neg(x: f64) -> f64 {
    if x >= 64.0 {
        return 0.0;
    }
    let k = x as u32; // x ≥ 0: truncation is the floor
    let f = x - f64::from(k);
    let y = -f * std::f64::consts::LN_2;
    let mut sum = 1.0f64;
    for n in (1..=13u32).rev() {
        sum = 1.0 + sum * y / f64::from(n);
    }
    let mut scale = 1.0f64;
    for _ in 0..k {
        scale *= 0.5; // exact: powers of two
    }
    sum * scale
}

impl Forest {
    /// Trains `trees` trees on `sample` points each, drawn without
    /// replacement from `data` (every row `width` features) by ChaCha8 from
    /// `seed`.
    ///
    /// # Panics
    /// If `data` is empty or its rows differ in width.
    pub fn train(data: &[Vec<i64>], trees: usize, sample: usize, seed: u64) -> Forest {
        assert!(!data.is_empty(), "an isolation forest needs data");
        let width = data[0].len();
        assert!(data.iter().all(|r| r.len() == width), "rows of one width");
        let sample = sample.min(data.len());
        let depth = usize::BITS - (sample.max(2) - 1).leading_zeros(); // ceil(log2 ψ)
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut forest = Forest {
            sample: sample as u32,
            width: width as u16,
            trees: Vec::with_capacity(trees),
        };
        for _ in 0..trees {
            // A partial Fisher-Yates shuffle picks the sample.
            let mut index: Vec<u32> = (0..data.len() as u32).collect();
            for i in 0..sample {
                let j = i + below(&mut rng, (data.len() - i) as u64) as usize;
                index.swap(i, j);
            }
            let rows: Vec<&[i64]> = index[..sample]
                .iter()
                .map(|&i| data[i as usize].as_slice())
                .collect();
            let mut nodes = Vec::new();
            grow(&mut nodes, rows, 0, depth, width, &mut rng);
            forest.trees.push(nodes);
        }
        forest
    }

    /// The anomaly score of `point` in millionths (0–1 000 000; above
    /// 500 000 is more isolated than average).
    pub fn score(&self, point: &[i64]) -> u32 {
        let mut total = 0.0f64;
        for tree in &self.trees {
            total += path(tree, point);
        }
        let mean = total / self.trees.len().max(1) as f64;
        let c = average_path(self.sample);
        let s = if c > 0.0 { exp2_neg(mean / c) } else { 0.5 };
        (s * 1_000_000.0 + 0.5) as u32
    }

    /// Features per point.
    pub fn width(&self) -> usize {
        self.width.into()
    }

    /// The canonical bytes: `ψ`, width, tree count, then each tree's node
    /// count and nodes (tag 0 split: feature, threshold, left, right; tag 1
    /// leaf: size), all big-endian.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend(self.sample.to_be_bytes());
        out.extend(self.width.to_be_bytes());
        out.extend((self.trees.len() as u32).to_be_bytes());
        for tree in &self.trees {
            out.extend((tree.len() as u32).to_be_bytes());
            for node in tree {
                match node {
                    Node::Split {
                        feature,
                        threshold,
                        left,
                        right,
                    } => {
                        out.push(0);
                        out.extend(feature.to_be_bytes());
                        out.extend(threshold.to_be_bytes());
                        out.extend(left.to_be_bytes());
                        out.extend(right.to_be_bytes());
                    }
                    Node::Leaf { size } => {
                        out.push(1);
                        out.extend(size.to_be_bytes());
                    }
                }
            }
        }
        out
    }
}

/// A uniform draw below `n` (rejection sampling: no modulo bias).
fn below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    let zone = u64::MAX - u64::MAX % n;
    loop {
        let x = rng.next_u64();
        if x < zone {
            return x % n;
        }
    }
}

/// Grows the subtree of `rows` at `depth`, returning its node's index.
fn grow(
    nodes: &mut Vec<Node>,
    rows: Vec<&[i64]>,
    depth: u32,
    limit: u32,
    width: usize,
    rng: &mut ChaCha8Rng,
) -> u32 {
    let at = nodes.len() as u32;
    nodes.push(Node::Leaf {
        size: rows.len() as u32,
    });
    if rows.len() <= 1 || depth >= limit {
        return at;
    }
    // Features that still vary here; a node where none does is a leaf.
    let varying: Vec<(usize, i64, i64)> = (0..width)
        .filter_map(|f| {
            let lo = rows.iter().map(|r| r[f]).min()?;
            let hi = rows.iter().map(|r| r[f]).max()?;
            (lo < hi).then_some((f, lo, hi))
        })
        .collect();
    if varying.is_empty() {
        return at;
    }
    let (feature, lo, hi) = varying[below(rng, varying.len() as u64) as usize];
    // A threshold in (lo, hi]: left gets `< threshold`, both sides non-empty.
    let span = (hi as i128 - lo as i128) as u64;
    let threshold = lo + 1 + below(rng, span) as i64;
    let (left, right): (Vec<&[i64]>, Vec<&[i64]>) =
        rows.into_iter().partition(|r| r[feature] < threshold);
    let l = grow(nodes, left, depth + 1, limit, width, rng);
    let r = grow(nodes, right, depth + 1, limit, width, rng);
    nodes[at as usize] = Node::Split {
        feature: feature as u16,
        threshold,
        left: l,
        right: r,
    };
    at
}

/// The path length of `point` in one tree, with `c(size)` added at a leaf.
fn path(tree: &[Node], point: &[i64]) -> f64 {
    let mut at = 0usize;
    let mut depth = 0u32;
    loop {
        match &tree[at] {
            Node::Leaf { size } => return f64::from(depth) + average_path(*size),
            Node::Split {
                feature,
                threshold,
                left,
                right,
            } => {
                let v = point.get(*feature as usize).copied().unwrap_or(0);
                at = if v < *threshold { *left } else { *right } as usize;
                depth += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp2_matches_within_a_millionth() {
        for i in 0..2_000 {
            let x = f64::from(i) / 100.0;
            assert!((exp2_neg(x) - (-x).exp2()).abs() < 1e-9, "{x}");
        }
    }

    #[test]
    fn average_path_is_the_known_constant() {
        // c(256) ≈ 10.2448 in Liu et al., who approximate H(i) by
        // ln(i) + γ; the exact sum is larger by about 1/(2i).
        assert!((average_path(256) - 10.2448).abs() < 5e-3);
        assert_eq!(average_path(1), 0.0);
        assert_eq!(average_path(2), 1.0);
    }

    #[test]
    fn isolated_points_score_high_and_models_are_reproducible() {
        let data: Vec<Vec<i64>> = (0..1_000)
            .map(|i| vec![i % 24, (i * 37) % 100, i % 2])
            .collect();
        let a = Forest::train(&data, 100, 256, 42);
        let b = Forest::train(&data, 100, 256, 42);
        assert_eq!(a.to_bytes(), b.to_bytes());
        assert_ne!(a.to_bytes(), Forest::train(&data, 100, 256, 43).to_bytes());
        let outlier = a.score(&[3, 900, 1]);
        let inlier = a.score(&[12, 50, 0]);
        assert!(
            outlier > inlier + 80_000 && inlier < 520_000,
            "{outlier} {inlier}"
        );
        // Golden: these bytes and this score are the same on every platform.
        use sha2::{Digest, Sha256};
        let digest = data_encoding::HEXLOWER.encode(&Sha256::digest(a.to_bytes()));
        assert_eq!((&digest[..16], outlier), (GOLDEN_DIGEST, GOLDEN_SCORE));
    }

    const GOLDEN_DIGEST: &str = "ecdec4bdb34b7548";
    const GOLDEN_SCORE: u32 = 598_654;
}
