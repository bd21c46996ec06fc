//! The seeded consortium simulator (`assent-monitor sim`): a deterministic
//! consortium that emits real, signed Assent transactions (governance acts,
//! enrolments, grants, access records) with an answer key of the misuse it
//! injected. The same profile and seed give the same bytes.
//!
//! ```
//! use assent_monitor::sim::{simulate, Difficulty, Profile};
//! let a = simulate(&Profile::tiny(), 7, Difficulty::Hard);
//! let b = simulate(&Profile::tiny(), 7, Difficulty::Hard);
//! assert_eq!(a.entries.len(), b.entries.len());
//! assert_eq!(a.entries[5].tx.bytes(), b.entries[5].tx.bytes());
//! ```

mod misuse;
mod rng;
mod traffic;
pub mod world;

pub use misuse::{Campaign, MisuseKind};

use assent_core::keys::SigningKey;
use assent_core::tx::{Body, Kind, SignedTx};
use rng::Rng;
use serde::Serialize;
use world::World;

/// The origin the simulated ledger signs for.
pub const ORIGIN: &str = "sim.assent.example";

/// The first simulated second: 2026-01-05 00:00 UTC, a Monday.
pub const START: u64 = 1_767_571_200;

/// Seconds in a day.
pub const DAY: u64 = 86_400;

/// The size of a simulated consortium.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Profile {
    /// Its name (`S`, `L`, …).
    pub name: &'static str,
    /// Hospitals.
    pub hospitals: u32,
    /// GP and specialist clinics.
    pub clinics: u32,
    /// Insurers.
    pub insurers: u32,
    /// Staff per hospital.
    pub hospital_staff: u32,
    /// Staff per clinic, insurer or research organisation.
    pub small_staff: u32,
    /// Patients.
    pub patients: u32,
    /// Days of traffic.
    pub days: u32,
}

impl Profile {
    /// A few hundred patients for nine days (a training week and then some):
    /// unit and doc tests.
    pub fn tiny() -> Profile {
        Profile {
            name: "tiny",
            hospitals: 1,
            clinics: 2,
            insurers: 1,
            hospital_staff: 24,
            small_staff: 6,
            patients: 300,
            days: 9,
        }
    }

    /// Profile S (CI): about 12 organisations, 5,000 patients, 30 days.
    pub fn small() -> Profile {
        Profile {
            name: "S",
            hospitals: 3,
            clinics: 6,
            insurers: 2,
            hospital_staff: 120,
            small_staff: 12,
            patients: 5_000,
            days: 30,
        }
    }

    /// Profile L (the benchmark): 40 organisations, 150,000 patients, 180 days.
    pub fn large() -> Profile {
        Profile {
            name: "L",
            hospitals: 10,
            clinics: 24,
            insurers: 5,
            hospital_staff: 600,
            small_staff: 20,
            patients: 150_000,
            days: 180,
        }
    }

    /// The profile named `name` (`S`, `L` or `tiny`).
    pub fn named(name: &str) -> Option<Profile> {
        match name {
            "S" | "s" => Some(Profile::small()),
            "L" | "l" => Some(Profile::large()),
            "tiny" => Some(Profile::tiny()),
            _ => None,
        }
    }
}

/// How injected misuse is camouflaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Difficulty {
    /// Randomly placed, loud: off shift, in bulk.
    Easy,
    /// In shift, in a plausible department, at a low rate, under an
    /// existing grant wherever the kind allows.
    Hard,
}

/// One ledger entry the simulation emits, in log order.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The signed transaction.
    pub tx: SignedTx,
    /// Its leaf time.
    pub time: u64,
    /// The campaign it belongs to (an index into
    /// [`Simulation::campaigns`]), if it is misuse.
    pub campaign: Option<u32>,
}

/// What [`simulate`] produced.
#[derive(Debug)]
pub struct Simulation {
    /// The profile.
    pub profile: Profile,
    /// The seed.
    pub seed: u64,
    /// The setting of the injected misuse.
    pub difficulty: Difficulty,
    /// The consortium.
    pub world: World,
    /// Every entry, in log order.
    pub entries: Vec<Entry>,
    /// The answer key.
    pub campaigns: Vec<Campaign>,
}

/// A transaction to sign at `at`, by `signer`.
#[derive(Debug, Clone)]
struct Planned {
    at: u64,
    signer: Signer,
    kind: Kind,
    campaign: Option<u32>,
    link: Link,
}

/// How a planned transaction refers to a grant that is signed later (its
/// id is its signature's hash), by (patient, organisation) index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// None.
    None,
    /// This is the patient's grant to the organisation.
    Defines(usize, usize),
    /// This access is on that grant.
    Uses(usize, usize),
}

/// Who signs a planned transaction.
#[derive(Debug, Clone, Copy)]
enum Signer {
    Governance(usize),
    Org(usize),
    Patient(usize),
}

/// Signs planned transactions in time order, numbering nonces, filling in
/// the grants accesses are on, and setting each person's access record's
/// `basis` to the tree size before it (the newest checkpoint, as a clinic
/// online would check).
struct Log {
    entries: Vec<Entry>,
    nonce: u64,
    grants: std::collections::BTreeMap<(usize, usize), assent_core::ids::GrantId>,
}

impl Log {
    fn sign(&mut self, world: &World, mut plan: Planned) -> SignedTx {
        let key: &SigningKey = match plan.signer {
            Signer::Governance(i) => &world.governance[i],
            Signer::Org(i) => &world.orgs[i].key,
            Signer::Patient(i) => &world.patients[i].key,
        };
        if let Kind::RecordAccess(a) = &mut plan.kind {
            if a.basis.is_some() {
                a.basis = Some(self.entries.len() as u64);
            }
            if let Link::Uses(p, org) = plan.link {
                let grant = self
                    .grants
                    .get(&(p, org))
                    .expect("a grant is planned before its use");
                a.ground = assent_core::tx::AccessGround::Grant(*grant);
            }
        }
        self.nonce += 1;
        let tx = SignedTx::sign(
            &Body::new(plan.at, self.nonce.to_be_bytes(), plan.kind),
            key,
            ORIGIN,
        );
        if let Link::Defines(p, org) = plan.link {
            self.grants
                .insert((p, org), assent_core::ids::GrantId(tx.id().0));
        }
        self.entries.push(Entry {
            tx: tx.clone(),
            time: plan.at,
            campaign: plan.campaign,
        });
        tx
    }

    /// Signs a plan in time order (stable for equal times).
    fn sign_all(&mut self, world: &World, mut plan: Vec<Planned>) {
        plan.sort_by_key(|p| p.at);
        for p in plan {
            self.sign(world, p);
        }
    }
}

/// Runs the simulation from [`START`]: draws the consortium from `seed`,
/// registers it, plays `profile.days` of traffic and injects misuse at
/// `difficulty`.
pub fn simulate(profile: &Profile, seed: u64, difficulty: Difficulty) -> Simulation {
    simulate_at(profile, seed, difficulty, START)
}

/// [`simulate`] from `start` (midnight UTC of a Monday), for a log that a
/// live ledger will accept: its transactions must be recent there
/// (PROTOCOL §3). The same start gives the same bytes.
///
/// # Panics
/// If `start` is not a Monday's midnight (UTC).
pub fn simulate_at(profile: &Profile, seed: u64, difficulty: Difficulty, start: u64) -> Simulation {
    assert_eq!(
        start % (7 * DAY),
        START % (7 * DAY),
        "start on a Monday's midnight"
    );
    let mut rng = Rng::new(seed);
    let monitor = SigningKey::from_secret_bytes(&monitor_secret(seed));
    let mut world = World::draw(profile, &mut rng, start, monitor);
    let mut log = Log {
        entries: Vec::new(),
        nonce: 0,
        grants: Default::default(),
    };
    traffic::register(&mut world, &mut log);
    let mut care = traffic::Care::default();
    let mut plan = traffic::enrol(&world, &mut care, &mut rng);
    for day in 1..=profile.days {
        plan.extend(traffic::day(&world, &mut care, &mut rng, day));
    }
    let (campaigns, injected) = misuse::plan(profile, &world, &mut care, &mut rng, difficulty);
    plan.extend(injected);
    log.sign_all(&world, plan);
    Simulation {
        profile: profile.clone(),
        seed,
        difficulty,
        world,
        entries: log.entries,
        campaigns,
    }
}

/// The midnight (UTC) of the latest Monday at least `days` + 1 days before
/// `now`: where a run of `days` days starts to end by `now`.
pub fn monday_before(now: u64, days: u32) -> u64 {
    let latest = now.saturating_sub(u64::from(days + 1) * DAY);
    let offset = (latest + 7 * DAY - START % (7 * DAY)) % (7 * DAY);
    latest - offset
}

/// The monitor's secret key for `seed` (its own stream, so the world drawn
/// from the seed does not depend on it); `sim` writes it as `monitor.key`.
pub fn monitor_secret(seed: u64) -> [u8; 32] {
    Rng::new(seed ^ 0x6d6f_6e69_746f_7221).bytes()
}

/// Counts for people: entries by kind, accesses, misuse.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// The profile.
    pub profile: Profile,
    /// The seed.
    pub seed: u64,
    /// The setting.
    pub difficulty: Difficulty,
    /// The first simulated second.
    pub start: u64,
    /// Organisations.
    pub organisations: usize,
    /// Patients.
    pub patients: usize,
    /// Entries by kind name.
    pub entries: std::collections::BTreeMap<&'static str, usize>,
    /// Access records in campaigns.
    pub misuse_accesses: usize,
    /// Campaigns by kind.
    pub campaigns: std::collections::BTreeMap<&'static str, usize>,
}

impl Simulation {
    /// Its counts.
    pub fn summary(&self) -> Summary {
        let mut entries = std::collections::BTreeMap::new();
        for e in &self.entries {
            *entries.entry(e.tx.body().kind.name()).or_insert(0) += 1;
        }
        let mut campaigns = std::collections::BTreeMap::new();
        for c in &self.campaigns {
            *campaigns.entry(c.kind.name()).or_insert(0) += 1;
        }
        Summary {
            profile: self.profile.clone(),
            seed: self.seed,
            difficulty: self.difficulty,
            start: self.world.start,
            organisations: self.world.orgs.len(),
            patients: self.world.patients.len(),
            entries,
            misuse_accesses: self.entries.iter().filter(|e| e.campaign.is_some()).count(),
            campaigns,
        }
    }

    /// The consortium's genesis: two members and the regulator, two to act.
    pub fn genesis(&self) -> assent_core::state::Genesis {
        use assent_core::state::{Genesis, Role};
        let g = &self.world.governance;
        Genesis::new(
            ORIGIN,
            vec![
                (g[0].public_key(), Role::Member),
                (g[1].public_key(), Role::Member),
                (g[2].public_key(), Role::Regulator),
            ],
            2,
        )
    }

    /// The log as a detector reads it (what `entries.bin` decodes to),
    /// without the answer key.
    pub fn ledger_entries(&self) -> Vec<crate::entries::LedgerEntry> {
        self.entries
            .iter()
            .map(|e| crate::entries::LedgerEntry {
                time: e.time,
                tx: e.tx.clone(),
            })
            .collect()
    }

    /// Writes `entries.bin` and `genesis.json` (see [`crate::entries`]),
    /// `answers.json` (the campaigns, each with its entries' indices),
    /// `summary.json` and the monitor's key, `monitor.key` (a key file, for
    /// `assent-monitor run` on a ledger fed this log) into `dir`.
    ///
    /// # Errors
    /// When a file cannot be written.
    pub fn write(&self, dir: &std::path::Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let bin = crate::entries::encode(self.entries.iter().map(|e| (e.time, e.tx.bytes())));
        std::fs::write(dir.join("entries.bin"), bin)?;
        let genesis = crate::entries::GenesisFile::of(&self.genesis());
        let genesis = serde_json::to_vec_pretty(&genesis).map_err(std::io::Error::other)?;
        std::fs::write(dir.join("genesis.json"), genesis)?;
        let mut indices = vec![Vec::new(); self.campaigns.len()];
        for (n, e) in self.entries.iter().enumerate() {
            if let Some(c) = e.campaign {
                indices[c as usize].push(n);
            }
        }
        let answers: Vec<_> = self
            .campaigns
            .iter()
            .zip(indices)
            .map(|(c, entries)| serde_json::json!({ "campaign": c, "entries": entries }))
            .collect();
        let answers = serde_json::to_vec_pretty(&answers).map_err(std::io::Error::other)?;
        std::fs::write(dir.join("answers.json"), answers)?;
        let summary = serde_json::to_vec_pretty(&self.summary()).map_err(std::io::Error::other)?;
        std::fs::write(dir.join("summary.json"), summary)?;
        let key = dir.join("monitor.key");
        if key.exists() {
            std::fs::remove_file(&key)?;
        }
        assent_core::keyfile::write(&key, &monitor_secret(self.seed))
            .map_err(std::io::Error::other)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
