//! Signing consent (`grant`, `revoke`, `delegate`), reading transactions
//! (`tx show`) and FHIR conversion (`fhir export|import`).

use crate::error::hinted;
use crate::wallet_dir::{self, WalletDir};
use anyhow::{bail, Context, Result};
use assent_core::codes::{Action, Category, Code, Purpose, ResourceType, SecurityLabel};
use assent_core::fhir::{self, ConsentStatus};
use assent_core::ids::{GrantId, IdentityId, OrgId};
use assent_core::keys::PublicKey;
use assent_core::scope::{Period, Provision, Scope};
use assent_core::tx::{Body, Delegate, Grant, Kind, Powers, Revoke, SignedTx, MAX_TX_SIZE};
use assent_core::{explain, tx::TxError};
use clap::{Args, Subcommand};
use rand_core::RngCore;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Parses a code by its name (for clap's `value_parser`).
pub(crate) fn code<C: Code>(name: &str) -> Result<C, String> {
    C::from_name(name).map_err(|e| e.to_string())
}

/// What a grant (or a delegation's widest scope) covers.
#[derive(Debug, Args)]
pub struct ScopeArgs {
    /// FHIR resource type to include (repeat; none = all), e.g. Observation
    #[arg(long = "class", value_name = "TYPE", value_parser = code::<ResourceType>)]
    pub classes: Vec<ResourceType>,
    /// Data category to include (repeat; none = all): labs, imaging, notes, …
    #[arg(long = "category", value_name = "CAT", value_parser = code::<Category>)]
    pub categories: Vec<Category>,
    /// Sensitive label to include (repeat; left out unless named): PSY, ETH, HIV, GDIS, SDV, SEX
    #[arg(long = "label", value_name = "LABEL", value_parser = code::<SecurityLabel>)]
    pub labels: Vec<SecurityLabel>,
    /// Sensitive label to refuse explicitly, as an exception (repeat)
    #[arg(long = "deny-label", value_name = "LABEL", value_parser = code::<SecurityLabel>)]
    pub deny_labels: Vec<SecurityLabel>,
    /// Purpose of use (repeat): TREAT, ETREAT, HPAYMT, HOPERAT, HRESCH, PUBHLTH
    #[arg(long = "purpose", value_name = "CODE", value_parser = code::<Purpose>)]
    pub purposes: Vec<Purpose>,
    /// Action allowed (repeat) [default: access]: access, collect, use, disclose, correct
    #[arg(long = "action", value_name = "ACT", value_parser = code::<Action>)]
    pub actions: Vec<Action>,
}

impl ScopeArgs {
    pub(crate) fn scope(&self, period: Option<Period>) -> Scope {
        let actions = if self.actions.is_empty() {
            vec![Action::Access]
        } else {
            self.actions.clone()
        };
        let deny = (!self.deny_labels.is_empty())
            .then(|| Provision {
                labels: self.deny_labels.iter().copied().collect(),
                ..Provision::default()
            })
            .into_iter()
            .collect();
        Scope {
            permit: Provision {
                resource_types: self.classes.iter().copied().collect(),
                categories: self.categories.iter().copied().collect(),
                labels: self.labels.iter().copied().collect(),
                actions: actions.into_iter().collect::<BTreeSet<_>>(),
                purposes: self.purposes.iter().copied().collect(),
                period,
            },
            deny,
        }
    }
}

/// How long something lasts.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct Duration {
    /// Valid for N days from now
    #[arg(long, value_name = "N")]
    pub days: Option<u32>,
    /// Valid until the end of this day (YYYY-MM-DD, UTC) or this RFC 3339 time
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
}

impl Duration {
    pub(crate) fn period(&self, now: u64) -> Result<Period> {
        let end = match (&self.days, &self.until) {
            (Some(days), _) => now + u64::from(*days) * 86_400,
            (None, Some(date)) => parse_until(date)?,
            (None, None) => bail!("give --days N or --until DATE"),
        };
        if end <= now {
            bail!("the period would end before it starts");
        }
        Ok(Period { start: now, end })
    }
}

fn parse_until(text: &str) -> Result<u64> {
    use time::format_description::well_known::Rfc3339;
    let at = if text.len() == 10 {
        let day = time::Date::parse(
            text,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .with_context(|| format!("{text:?} is not a date (YYYY-MM-DD)"))?;
        day.next_day().unwrap_or(day).midnight().assume_utc()
    } else {
        time::OffsetDateTime::parse(text, &Rfc3339)
            .with_context(|| format!("{text:?} is not an RFC 3339 time"))?
    };
    u64::try_from(at.unix_timestamp()).context("dates before 1970 are not supported")
}

/// `assent grant`
#[derive(Debug, Args)]
pub struct GrantArgs {
    /// The organisation's id (its registration id on the ledger, 64 hex digits)
    #[arg(long, value_name = "ORG")]
    pub to: OrgId,
    #[command(flatten)]
    pub scope: ScopeArgs,
    #[command(flatten)]
    pub duration: Duration,
    /// Where to write the signed grant (must not exist)
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Read your secret from this vault file
    #[arg(long, value_name = "FILE")]
    pub vault: Option<PathBuf>,
}

/// `assent revoke`
#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The signed grant to end
    #[arg(value_name = "GRANT_FILE")]
    pub grant: PathBuf,
    /// Where to write the signed revocation (must not exist)
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Read your secret from this vault file
    #[arg(long, value_name = "FILE")]
    pub vault: Option<PathBuf>,
}

/// `assent delegate`
#[derive(Debug, Args)]
pub struct DelegateArgs {
    /// The caregiver's public key (assent1…)
    #[arg(long, value_name = "KEY")]
    pub to: PublicKey,
    /// What the caregiver may do: grant, revoke, history (comma-separated)
    #[arg(long, value_delimiter = ',', required = true, value_parser = ["grant", "revoke", "history"])]
    pub powers: Vec<String>,
    /// The widest scope the caregiver may grant
    #[command(flatten)]
    pub max_scope: ScopeArgs,
    #[command(flatten)]
    pub duration: Duration,
    /// Where to write the signed delegation (must not exist)
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Read your secret from this vault file
    #[arg(long, value_name = "FILE")]
    pub vault: Option<PathBuf>,
}

/// `assent tx …`
#[derive(Debug, Subcommand)]
pub enum TxCommand {
    /// Decode and verify a signed transaction, and say what it means
    Show {
        /// The transaction file
        file: PathBuf,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

/// `assent fhir …`
#[derive(Debug, Subcommand)]
pub enum FhirCommand {
    /// Print a signed grant as a FHIR R4 Consent (JSON)
    Export {
        /// The signed grant
        grant: PathBuf,
    },
    /// Read a FHIR R4 Consent (JSON) and print the grant it asks for
    Import {
        /// The Consent JSON file
        file: PathBuf,
    },
}

pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

pub(crate) fn nonce() -> [u8; 8] {
    let mut n = [0u8; 8];
    rand_core::OsRng.fill_bytes(&mut n);
    n
}

pub(crate) fn sign_and_write(
    dir: &WalletDir,
    vault: Option<&Path>,
    origin: &str,
    kind: Kind,
    out: &Path,
) -> Result<SignedTx> {
    if out.exists() {
        return Err(hinted(
            format!("{} already exists", out.display()),
            "choose a new file name; nothing was signed",
        ));
    }
    let wallet = wallet_dir::load_secret(dir, vault)?;
    let tx = wallet.sign(
        wallet.identities()[0],
        Body::new(now(), nonce(), kind),
        origin,
    )?;
    wallet_dir::write_new_file(out, tx.bytes(), "transaction")?;
    Ok(tx)
}

pub(crate) fn print_lines(tx: &SignedTx) {
    for line in explain::transaction(tx) {
        println!("{line}");
    }
}

/// Reads and verifies a transaction file.
/// Reads and checks a signed transaction file (at most [`MAX_TX_SIZE`]).
pub(crate) fn read_tx(path: &Path, origin: &str) -> Result<SignedTx> {
    let len = std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    if len > MAX_TX_SIZE as u64 {
        bail!(
            "{} is {len} bytes, larger than any transaction ({MAX_TX_SIZE})",
            path.display()
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    SignedTx::open(&bytes, origin).map_err(|e| match e {
        TxError::BadSignature => hinted(
            format!(
                "{}: the signature does not verify for ledger {origin:?}",
                path.display()
            ),
            "it was altered, or signed for another ledger (see --origin)",
        ),
        other => anyhow::Error::new(other)
            .context(format!("{} is not a valid transaction", path.display())),
    })
}

/// `assent grant`
pub fn grant(dir: &WalletDir, origin: &str, args: GrantArgs) -> Result<()> {
    if args.scope.purposes.is_empty() {
        return Err(hinted(
            "a grant names at least one purpose",
            "add --purpose TREAT (or another purpose)",
        ));
    }
    let scope = args.scope.scope(Some(args.duration.period(now())?));
    let kind = Kind::Grant(Grant {
        grantee: args.to,
        scope,
        patient: None,
        via: None,
        request: None,
    });
    let tx = sign_and_write(dir, args.vault.as_deref(), origin, kind, &args.out)?;
    print_lines(&tx);
    println!(
        "Grant {} written to {} ({} bytes).",
        tx.id(),
        args.out.display(),
        tx.bytes().len()
    );
    Ok(())
}

/// `assent revoke`
pub fn revoke(dir: &WalletDir, origin: &str, args: RevokeArgs) -> Result<()> {
    let grant = read_tx(&args.grant, origin)?;
    if !matches!(grant.body().kind, Kind::Grant(_)) {
        bail!(
            "{} is a {}, not a grant",
            args.grant.display(),
            grant.body().kind.name()
        );
    }
    let kind = Kind::Revoke(Revoke {
        grant: GrantId(grant.id().0),
        patient: None,
        via: None,
        // Carrying the grant lets the ledger end it even if it was never submitted.
        embedded_grant: Some(grant.bytes().to_vec()),
    });
    let tx = sign_and_write(dir, args.vault.as_deref(), origin, kind, &args.out)?;
    print_lines(&tx);
    println!("Revocation {} written to {}.", tx.id(), args.out.display());
    Ok(())
}

/// `assent delegate`
pub fn delegate(dir: &WalletDir, origin: &str, args: DelegateArgs) -> Result<()> {
    let has = |p: &str| args.powers.iter().any(|x| x == p);
    let powers = Powers {
        grant: has("grant"),
        revoke: has("revoke"),
        history: has("history"),
    };
    let period = args.duration.period(now())?;
    let kind = Kind::Delegate(Delegate {
        caregiver: IdentityId(args.to),
        powers,
        max_scope: args.max_scope.scope(None),
        period,
    });
    let tx = sign_and_write(dir, args.vault.as_deref(), origin, kind, &args.out)?;
    print_lines(&tx);
    println!("Delegation {} written to {}.", tx.id(), args.out.display());
    Ok(())
}

/// `assent tx …`
pub fn tx(origin: &str, command: TxCommand) -> Result<()> {
    let TxCommand::Show { file, json } = command;
    let tx = read_tx(&file, origin)?;
    if json {
        let out = serde_json::json!({
            "id": tx.id().to_string(),
            "kind": tx.body().kind.name(),
            "signer": tx.signer().to_text(),
            "created": tx.body().created,
            "bytes": tx.bytes().len(),
            "signature": "valid",
            "explanation": explain::transaction(&tx),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!(
            "Valid signature. Id {} ({} bytes).",
            tx.id(),
            tx.bytes().len()
        );
        print_lines(&tx);
    }
    Ok(())
}

/// `assent fhir …`
pub fn fhir(origin: &str, command: FhirCommand) -> Result<()> {
    match command {
        FhirCommand::Export { grant } => {
            let tx = read_tx(&grant, origin)?;
            let Kind::Grant(g) = &tx.body().kind else {
                bail!(
                    "{} is a {}, not a grant",
                    grant.display(),
                    tx.body().kind.name()
                );
            };
            // Offline, only expiry is known; revocation is the ledger's to say.
            let expired = g.scope.permit.period.is_some_and(|p| now() >= p.end);
            let status = if expired {
                ConsentStatus::Inactive
            } else {
                ConsentStatus::Active
            };
            let consent = fhir::export_grant(&tx, status, origin).context("exporting the grant")?;
            println!("{}", serde_json::to_string_pretty(&consent)?);
        }
        FhirCommand::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let json: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", file.display()))?;
            let draft = fhir::import_consent(&json).map_err(|e| {
                hinted(
                    format!("this Consent cannot become a grant: {e}"),
                    "nothing was signed",
                )
            })?;
            println!("Grant draft (review it, then sign it with `assent grant`):");
            println!("To organisation {}.", draft.grantee);
            if let Some(p) = &draft.patient {
                println!("Patient: {p}.");
            }
            for line in explain::scope(&draft.scope) {
                println!("{line}");
            }
        }
    }
    Ok(())
}
