//! The C2SP `tlog-tiles` read path: `/checkpoint`, hash tiles and entry
//! bundles, so any tiles client can fetch every entry, recompute the root and
//! compare it with the checkpoint (DESIGN §4 "Standard read path").
//!
//! Full tiles never change and are served as immutable; partial tiles and the
//! checkpoint are not cached. Only what the newest checkpoint covers is
//! served, so no one sees a leaf that is not yet durable.

use super::{ApiError, AppState};
use assent_core::merkle::tile_path::{entry_bundle, TilePath};
use assent_core::merkle::tree::TILE_WIDTH;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

const IMMUTABLE: &str = "public, max-age=604800, immutable";
const NO_CACHE: &str = "no-cache";

/// `GET /checkpoint`: the newest checkpoint note with the cosignatures
/// gathered so far.
pub async fn checkpoint(State(state): State<AppState>) -> Response {
    let note = state.node.view().latest().note();
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, NO_CACHE),
        ],
        note,
    )
        .into_response()
}

/// `GET /tile/…`: a hash tile or an entry bundle.
pub async fn tile(
    State(state): State<AppState>,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<Response, ApiError> {
    let Path(rest) = path?;
    let tile: TilePath = format!("tile/{rest}").parse().map_err(
        |e: assent_core::merkle::tile_path::BadTilePath| {
            ApiError::bad_request("bad_tile_path", e.to_string())
        },
    )?;
    let cache = if tile.width == TILE_WIDTH {
        IMMUTABLE
    } else {
        NO_CACHE
    };
    let body = match tile.level {
        Some(level) => hash_tile(&state, level, tile.index, tile.width)?,
        None => entries_tile(&state, tile.index, tile.width).await?,
    };
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::CACHE_CONTROL, cache),
        ],
        body,
    )
        .into_response())
}

fn not_yet() -> ApiError {
    ApiError::not_found("no_such_tile", "the log does not have that tile (yet)")
}

fn hash_tile(state: &AppState, level: u32, index: u64, width: u64) -> Result<Vec<u8>, ApiError> {
    let view = state.node.view();
    let size = view.latest().checkpoint().size;
    // A level-L tile's hashes each cover 256^L leaves; serve only what the
    // published size covers completely.
    let span = TILE_WIDTH.checked_pow(level).ok_or_else(not_yet)?;
    let end = index
        .checked_mul(TILE_WIDTH)
        .and_then(|s| s.checked_add(width))
        .and_then(|e| e.checked_mul(span))
        .ok_or_else(not_yet)?;
    if end > size {
        return Err(not_yet());
    }
    let hashes = view
        .replica
        .tree()
        .tile(level, index, width)
        .ok_or_else(not_yet)?;
    Ok(hashes.iter().flat_map(|h| h.0).collect())
}

async fn entries_tile(state: &AppState, index: u64, width: u64) -> Result<Vec<u8>, ApiError> {
    let size = state.node.view().latest().checkpoint().size;
    let from = index.checked_mul(TILE_WIDTH).ok_or_else(not_yet)?;
    let to = from.checked_add(width).ok_or_else(not_yet)?;
    if to > size {
        return Err(not_yet());
    }
    let node = state.node.clone();
    let leaves = tokio::task::spawn_blocking(move || node.store().leaves(from, to))
        .await
        .map_err(|e| ApiError::unavailable(e.to_string()))?
        .map_err(|e| ApiError::unavailable(e.to_string()))?;
    Ok(entry_bundle(leaves.iter().map(Vec::as_slice)))
}
