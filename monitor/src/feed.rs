//! Feeding a simulated log to a live ledger (`assent-monitor feed`), as the
//! end-to-end test and a demo do: every entry submitted as it was signed,
//! many at a time, but never before what it depends on is acknowledged
//! (the sequencer answers after appending, in the order it received).
//!
//! An entry depends on what another makes: a proposal's approval on the
//! proposal; a monitor's registration on its operator's; a grant on its
//! patient's enrolment and on its organisation's
//! registration (the approval); an access on its grant and its
//! organisation's registration. Any other kind waits for everything before
//! it.

use crate::entries::LedgerEntry;
use assent_core::client::{ClientError, LedgerClient};
use assent_core::tx::{AccessGround, GovAction, Kind};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use tokio::task::JoinSet;

/// What an entry makes or needs, for ordering.
type Key = [u8; 32];

/// Why feeding stopped.
#[derive(Debug, thiserror::Error)]
#[error("entry {index} ({kind}): {source}")]
pub struct FeedError {
    /// The entry's position in the simulated log.
    pub index: usize,
    /// Its kind.
    pub kind: &'static str,
    /// What the ledger said.
    pub source: ClientError,
}

/// What was fed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Fed {
    /// Entries the ledger took.
    pub taken: usize,
    /// Entries it already held (refused as replays).
    pub already: usize,
}

/// What entry `e` needs before it and what it makes.
fn needs_and_makes(e: &LedgerEntry) -> Option<(Vec<Key>, Vec<Key>)> {
    let id = e.tx.id().0;
    let signer = e.tx.signer().to_bytes();
    Some(match &e.tx.body().kind {
        Kind::Propose(p) => match &p.action {
            GovAction::RegisterMonitor { operator, .. } => (vec![operator.0], vec![id]),
            _ => (vec![], vec![id]),
        },
        Kind::Approve(a) => (vec![a.proposal.0], vec![a.proposal.0]),
        Kind::Enroll(_) => (vec![], vec![signer]),
        Kind::Grant(g) => (vec![signer, g.grantee.0], vec![id]),
        Kind::RecordAccess(a) => {
            let mut needs = vec![a.org.0];
            if let AccessGround::Grant(g) = a.ground {
                needs.push(g.0);
            }
            (needs, vec![])
        }
        _ => return None,
    })
}

/// Submits `entries` to the ledger `client` talks to, up to `concurrency`
/// at a time, each once what it needs is acknowledged (so entries that do
/// not depend on each other may be appended out of their simulated order);
/// `progress` hears how many are done.
///
/// # Errors
/// [`FeedError`] for the first entry the ledger refuses (other than as a
/// replay) or cannot be reached for.
pub async fn feed(
    client: &LedgerClient,
    entries: &[LedgerEntry],
    concurrency: usize,
    progress: impl Fn(usize),
) -> Result<Fed, FeedError> {
    let concurrency = concurrency.max(1);
    let mut fed = Fed::default();
    let mut flight: JoinSet<(usize, Result<(), ClientError>)> = JoinSet::new();
    // Keys made by entries not yet acknowledged (in flight or waiting).
    let mut unmade: BTreeMap<Key, usize> = BTreeMap::new();
    let mut waiting: VecDeque<usize> = VecDeque::new();
    let mut next = 0;
    let mut done = 0;
    // An entry of a kind not planned for, in flight: nothing passes it.
    let mut fence: Option<usize> = None;
    let plans: Vec<Option<(Vec<Key>, Vec<Key>)>> = entries.iter().map(needs_and_makes).collect();
    loop {
        // Launch what may go: waiting entries first, in order, then new ones.
        let mut still = VecDeque::new();
        let mut blocked: BTreeSet<Key> = BTreeSet::new();
        let mut barrier = fence.is_some();
        let ready =
            |i: usize, unmade: &BTreeMap<Key, usize>, blocked: &BTreeSet<Key>| match &plans[i] {
                Some((needs, _)) => needs
                    .iter()
                    .all(|k| !unmade.contains_key(k) && !blocked.contains(k)),
                None => false,
            };
        let mut candidates: Vec<usize> = waiting.drain(..).collect();
        while next < entries.len() && candidates.len() < concurrency * 4 {
            candidates.push(next);
            next += 1;
        }
        for i in candidates {
            if barrier {
                still.push_back(i);
                continue;
            }
            if plans[i].is_none() {
                // Any other kind waits for everything before it, and
                // everything after it waits for it.
                if flight.is_empty() && still.is_empty() {
                    spawn(&mut flight, client, entries, i);
                    fence = Some(i);
                } else {
                    still.push_back(i);
                }
                barrier = true;
                continue;
            }
            if flight.len() < concurrency && ready(i, &unmade, &blocked) {
                plans_made(&plans[i], &mut unmade);
                spawn(&mut flight, client, entries, i);
            } else {
                // Later entries needing what this one makes must wait too.
                if let Some((_, makes)) = &plans[i] {
                    blocked.extend(makes.iter().copied());
                }
                still.push_back(i);
            }
        }
        waiting = still;
        let Some(joined) = flight.join_next().await else {
            if waiting.is_empty() && next >= entries.len() {
                break;
            }
            continue;
        };
        let (i, result) = joined.expect("a submission task does not panic");
        settle(entries, i, result, &mut fed)?;
        if fence == Some(i) {
            fence = None;
        }
        if let Some((_, makes)) = &plans[i] {
            for k in makes {
                if let Some(n) = unmade.get_mut(k) {
                    *n -= 1;
                    if *n == 0 {
                        unmade.remove(k);
                    }
                }
            }
        }
        done += 1;
        if done % 256 == 0 {
            progress(done);
        }
    }
    progress(done);
    Ok(fed)
}

/// Notes the keys an entry launched makes as not yet made.
fn plans_made(plan: &Option<(Vec<Key>, Vec<Key>)>, unmade: &mut BTreeMap<Key, usize>) {
    if let Some((_, makes)) = plan {
        for k in makes {
            *unmade.entry(*k).or_default() += 1;
        }
    }
}

fn spawn(
    flight: &mut JoinSet<(usize, Result<(), ClientError>)>,
    client: &LedgerClient,
    entries: &[LedgerEntry],
    index: usize,
) {
    let client = client.clone();
    let bytes = entries[index].tx.bytes().to_vec();
    flight.spawn(async move { (index, submit(&client, &bytes).await) });
}

/// Submits, retrying for up to a minute while the ledger is busy (a full
/// queue, a rate limit).
async fn submit(client: &LedgerClient, bytes: &[u8]) -> Result<(), ClientError> {
    let mut wait = std::time::Duration::from_millis(20);
    let mut waited = std::time::Duration::ZERO;
    loop {
        match client.submit(bytes).await {
            Err(ClientError::Refused { status, .. })
                if (status == 503 || status == 429) && waited < BUSY_PATIENCE =>
            {
                tokio::time::sleep(wait).await;
                waited += wait;
                wait = (wait * 2).min(std::time::Duration::from_secs(2));
            }
            other => return other.map(drop),
        }
    }
}

/// How long one submission waits out a busy ledger.
const BUSY_PATIENCE: std::time::Duration = std::time::Duration::from_secs(60);

fn settle(
    entries: &[LedgerEntry],
    index: usize,
    result: Result<(), ClientError>,
    fed: &mut Fed,
) -> Result<(), FeedError> {
    match result {
        Ok(()) => fed.taken += 1,
        Err(ClientError::Refused { code, .. }) if code == "replay" => fed.already += 1,
        Err(source) => {
            return Err(FeedError {
                index,
                kind: entries[index].tx.body().kind.name(),
                source,
            })
        }
    }
    Ok(())
}
