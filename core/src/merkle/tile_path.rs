//! C2SP `tlog-tiles` paths: `tile/<L>/<N>[.p/<W>]` for hash tiles and
//! `tile/entries/<N>[.p/<W>]` for entry bundles, with `<N>` in 3-digit groups
//! (`1234067` → `x001/x234/067`).
//!
//! Written here: `tlog_tiles` 0.2 implements Go's older sumdb layout
//! (`tile/8/0/000`, with a height element), not the C2SP one.
//!
//! ```
//! use assent_core::merkle::tile_path::TilePath;
//!
//! let t: TilePath = "tile/entries/x001/x234/067.p/8".parse().unwrap();
//! assert_eq!(t, TilePath { level: None, index: 1_234_067, width: 8 });
//! assert_eq!(t.to_string(), "tile/entries/x001/x234/067.p/8");
//! ```

use super::tree::TILE_WIDTH;
use std::fmt;
use std::str::FromStr;

/// A tile's coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TilePath {
    /// The hash tile level, or `None` for an entry bundle.
    pub level: Option<u32>,
    /// The tile index within its level.
    pub index: u64,
    /// How many hashes or entries: 256 for a full tile, 1–255 for a partial one.
    pub width: u64,
}

/// A path that is not a C2SP tile path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a tlog-tiles path: {0:?}")]
pub struct BadTilePath(pub String);

/// The highest hash tile level (C2SP: 0–63).
const MAX_LEVEL: u32 = 63;

impl FromStr for TilePath {
    type Err = BadTilePath;

    fn from_str(path: &str) -> Result<Self, BadTilePath> {
        let bad = || BadTilePath(path.chars().take(80).collect());
        if path.len() > 80 {
            return Err(bad());
        }
        let rest = path.strip_prefix("tile/").ok_or_else(bad)?;
        let (kind, rest) = rest.split_once('/').ok_or_else(bad)?;
        let level = if kind == "entries" {
            None
        } else {
            let level: u32 = decimal(kind).ok_or_else(bad)?;
            if level > MAX_LEVEL {
                return Err(bad());
            }
            Some(level)
        };
        let (index_part, width) = match rest.split_once(".p/") {
            Some((index, w)) => {
                let w: u64 = decimal(w).ok_or_else(bad)?;
                if !(1..TILE_WIDTH).contains(&w) {
                    return Err(bad());
                }
                (index, w)
            }
            None => (rest, TILE_WIDTH),
        };
        let groups: Vec<&str> = index_part.split('/').collect();
        let (last, prefixed) = groups.split_last().ok_or_else(bad)?;
        let mut index: u64 = 0;
        for group in prefixed {
            let digits = group.strip_prefix('x').ok_or_else(bad)?;
            index = push_group(index, digits).ok_or_else(bad)?;
        }
        index = push_group(index, last).ok_or_else(bad)?;
        let tile = TilePath {
            level,
            index,
            width,
        };
        // One spelling per tile (no leading `x000/` groups).
        if tile.to_string() != path {
            return Err(bad());
        }
        Ok(tile)
    }
}

fn decimal<T: FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

fn push_group(index: u64, digits: &str) -> Option<u64> {
    if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    index
        .checked_mul(1000)?
        .checked_add(digits.parse::<u64>().ok()?)
}

impl fmt::Display for TilePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tile/")?;
        match self.level {
            Some(level) => write!(f, "{level}/")?,
            None => f.write_str("entries/")?,
        }
        let mut groups = Vec::new();
        let mut n = self.index;
        loop {
            groups.push(n % 1000);
            n /= 1000;
            if n == 0 {
                break;
            }
        }
        for (i, g) in groups.iter().rev().enumerate() {
            if i + 1 < groups.len() {
                write!(f, "x{g:03}/")?;
            } else {
                write!(f, "{g:03}")?;
            }
        }
        if self.width != TILE_WIDTH {
            write!(f, ".p/{}", self.width)?;
        }
        Ok(())
    }
}

/// The entry bundles that hold entries `[from, to)` of a log of at least
/// `to` entries, in order: each bundle's path and how many of its first
/// entries come before `from`.
///
/// ```
/// use assent_core::merkle::tile_path::{entry_tiles, TilePath};
/// let tiles: Vec<_> = entry_tiles(250, 300).collect();
/// assert_eq!(tiles, [
///     (TilePath { level: None, index: 0, width: 256 }, 250),
///     (TilePath { level: None, index: 1, width: 44 }, 0),
/// ]);
/// assert_eq!(entry_tiles(5, 5).count(), 0);
/// ```
pub fn entry_tiles(from: u64, to: u64) -> impl Iterator<Item = (TilePath, usize)> {
    let first = from / TILE_WIDTH;
    let end = if from < to {
        to.div_ceil(TILE_WIDTH)
    } else {
        first
    };
    (first..end).map(move |index| {
        let start = index * TILE_WIDTH;
        let path = TilePath {
            level: None,
            index,
            width: (to - start).min(TILE_WIDTH),
        };
        // Below TILE_WIDTH, so it fits.
        (path, from.saturating_sub(start) as usize)
    })
}

/// Encodes entries as a C2SP entry bundle: each a big-endian `u16` length
/// then the bytes.
///
/// # Panics
/// If an entry is longer than 65535 bytes (leaves are at most 8 KiB).
pub fn entry_bundle<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        let len = u16::try_from(e.len()).expect("entries are under 64 KiB");
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    out
}

/// Splits an entry bundle; `None` if it is truncated.
pub fn split_bundle(mut bundle: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    while !bundle.is_empty() {
        let (len, rest) = bundle.split_first_chunk::<2>()?;
        let len = usize::from(u16::from_be_bytes(*len));
        if rest.len() < len {
            return None;
        }
        out.push(&rest[..len]);
        bundle = &rest[len..];
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip() {
        for (path, level, index, width) in [
            ("tile/0/000", Some(0), 0, 256),
            ("tile/1/x001/x234/067", Some(1), 1_234_067, 256),
            ("tile/entries/042.p/7", None, 42, 7),
            ("tile/63/999.p/255", Some(63), 999, 255),
        ] {
            let t: TilePath = path.parse().unwrap();
            assert_eq!(
                t,
                TilePath {
                    level,
                    index,
                    width
                }
            );
            assert_eq!(t.to_string(), path);
        }
    }

    #[test]
    fn other_spellings_are_refused() {
        for path in [
            "tile/0/0",
            "tile/0/x000/001",
            "tile/00/001",
            "tile/64/001",
            "tile/0/001.p/0",
            "tile/0/001.p/256",
            "tile/0/001.p/07",
            "tile/data/001",
            "tile/entries/001/",
            "tiles/0/001",
            "tile/0/x18446744073709551615/000",
            "tile/0/-01",
            "",
        ] {
            assert!(path.parse::<TilePath>().is_err(), "{path}");
        }
    }

    #[test]
    fn bundles_round_trip_and_truncation_is_caught() {
        let entries: [&[u8]; 3] = [b"one", b"", b"three"];
        let bundle = entry_bundle(entries);
        assert_eq!(split_bundle(&bundle).unwrap(), entries.to_vec());
        assert!(split_bundle(&bundle[..bundle.len() - 1]).is_none());
        assert!(split_bundle(&[0]).is_none());
    }
}
