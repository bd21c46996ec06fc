use super::*;
use assent_core::codes::OrgKind;
use assent_core::policy::judge_access;
use assent_core::state::ConsentState;

/// Every entry is a real transaction the ledger's own rules accept, in log
/// order with leaf times that never go back.
#[test]
fn every_entry_is_accepted_by_core_in_order() {
    let sim = simulate(&Profile::tiny(), 3, Difficulty::Hard);
    let mut state = ConsentState::new(sim.genesis());
    let mut last = 0;
    for (i, e) in sim.entries.iter().enumerate() {
        assert!(e.time >= last, "entry {i} goes back in time");
        last = e.time;
        state
            .apply(&e.tx, e.time)
            .unwrap_or_else(|r| panic!("entry {i} ({}) refused: {r}", e.tx.body().kind.name()));
    }
    let summary = sim.summary();
    assert!(summary.entries["RecordAccess"] > 500, "{summary:?}");
    assert_eq!(summary.entries["Enroll"], sim.world.patients.len());
    // The monitor is registered, by its own key.
    assert!(state.monitor_of(&sim.world.monitor.public_key()).is_some());
}

/// The same seed gives the same bytes; another seed, others.
#[test]
fn a_seed_gives_the_same_bytes_every_time() {
    let dir = std::env::temp_dir().join(format!("assent-sim-{}", std::process::id()));
    let read = |seed: u64, name: &str| {
        let out = dir.join(format!("{seed}-{name}"));
        simulate(&Profile::tiny(), seed, Difficulty::Easy)
            .write(&out)
            .unwrap();
        [
            "entries.bin",
            "answers.json",
            "summary.json",
            "genesis.json",
        ]
        .map(|f| std::fs::read(out.join(f)).unwrap())
    };
    let (a, b, c) = (read(5, "a"), read(5, "b"), read(6, "c"));
    assert_eq!(a, b);
    assert_ne!(a[0], c[0]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The answer key: every kind is injected, each campaign's entries are
/// access records by its organisation, the policy engine refuses the
/// consent violations and nothing else, and every access it refuses is
/// labelled (normal traffic holds no unlabelled misuse of that kind).
#[test]
fn the_answer_key_labels_real_misuse() {
    let sim = simulate(&Profile::tiny(), 11, Difficulty::Hard);
    let kinds: std::collections::BTreeSet<_> = sim.campaigns.iter().map(|c| c.kind).collect();
    assert_eq!(kinds.len(), MisuseKind::ALL.len(), "{kinds:?}");
    let mut state = ConsentState::new(sim.genesis());
    for e in &sim.entries {
        let Kind::RecordAccess(a) = &e.tx.body().kind else {
            state.apply(&e.tx, e.time).unwrap();
            continue;
        };
        // Every resource read, as the audit and the monitor judge it.
        let decision = judge_access(&state, a);
        if let Some(c) = e.campaign {
            let campaign = &sim.campaigns[c as usize];
            let org = sim.world.orgs.iter().find(|o| o.id == a.org).unwrap();
            assert_eq!(org.name, campaign.org);
            assert!(campaign.start <= a.accessed_at && a.accessed_at <= campaign.end);
            let violation = campaign.kind == MisuseKind::ConsentViolation;
            assert_eq!(!decision.allows(), violation, "{campaign:?}: {decision:?}");
            if campaign.kind == MisuseKind::HouseholdSnooping {
                assert!(org.kind == OrgKind::Hospital || org.kind == OrgKind::Clinic);
            }
        } else {
            // Normal traffic is allowed: the answer key holds every misuse.
            assert!(
                decision.allows(),
                "unlabelled entry refused: {a:?}: {decision:?}"
            );
        }
        state.apply(&e.tx, e.time).unwrap();
    }
}

/// A golden digest: profile tiny, seed 1, hard gives these exact bytes on
/// every machine and build (PROTOCOL §9). A change to the simulator that
/// alters them updates this digest in the same commit, on purpose.
#[test]
fn tiny_seed_one_matches_its_golden_digest() {
    use sha2::Digest;
    let sim = simulate(&Profile::tiny(), 1, Difficulty::Hard);
    let bin = crate::entries::encode(sim.entries.iter().map(|e| (e.time, e.tx.bytes())));
    let digest = data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(&bin));
    assert_eq!(digest, GOLDEN, "{} entries", sim.entries.len());
}

const GOLDEN: &str = "abb560bc862f756a922dffb11a8f9cbda871c46d7a515d021a161b79d327bbc8";
