//! `assent clinic …`: a clinic scans a grant QR and verifies it, records
//! each access on the ledger, and shows consent-request QR codes. The
//! organisation signs with its key file (as operators keep keys).

use crate::consent_cmd::{code, nonce, now, ScopeArgs};
use crate::ledger_io::{self, LedgerArgs};
use crate::qr_cmd::{read_code, Output};
use crate::wallet_dir::WalletDir;
use anyhow::{bail, Result};
use assent_core::client::round;
use assent_core::client::sync;
use assent_core::clinic::{scan, Verdict};
use assent_core::codes::{AccessMode, EmergencyReason, Purpose, ResourceType};
use assent_core::ids::{GrantId, IdentityId, OrgId};
use assent_core::keys::PublicKey;
use assent_core::qr::{ConsentRequest, SignedRequest};
use assent_core::tx::{AccessGround, Body, Kind, RecordAccess, SignedTx};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `assent clinic …`
#[derive(Debug, Subcommand)]
pub enum ClinicCommand {
    /// Verify a patient's grant QR (offline; online too with --ledger)
    Scan(ScanArgs),
    /// Sign and submit a record of an access to a patient's data
    RecordAccess(RecordArgs),
    /// Make a signed consent-request QR for a patient to scan
    Request(RequestArgs),
}

/// `assent clinic scan`
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// An image of the QR code (PNG)
    #[arg(value_name = "IMAGE", required_unless_present = "text")]
    pub image: Option<PathBuf>,
    /// The code's text instead of an image
    #[arg(long, value_name = "STRING", conflicts_with = "image")]
    pub text: Option<String>,
    /// This clinic's organisation id
    #[arg(long, value_name = "ORG")]
    pub org: OrgId,
    /// Also check the grant's status on this ledger
    #[arg(long, value_name = "URL", env = "ASSENT_LEDGER")]
    pub ledger: Option<String>,
    /// The trust policy [default: <wallet>/trust.toml]
    #[arg(long, value_name = "FILE")]
    pub trust: Option<PathBuf>,
    /// The organisation's key file, to sign the status request
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

/// `assent clinic record-access`
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// This clinic's organisation id
    #[arg(long, value_name = "ORG")]
    pub org: OrgId,
    /// The organisation's key file
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// The patient's public key
    #[arg(long, value_name = "KEY")]
    pub patient: PublicKey,
    /// The grant the access was made under
    #[arg(long, value_name = "GRANT_ID", required_unless_present = "emergency")]
    pub grant: Option<GrantId>,
    /// Break-glass access without a grant, with a reason: unconscious, life-threat, …
    #[arg(long, value_name = "REASON", value_parser = code::<EmergencyReason>, conflicts_with = "grant")]
    pub emergency: Option<EmergencyReason>,
    /// What was read, as TYPE or TYPE=COUNT (repeat), e.g. Observation=3
    #[arg(long = "resource", value_name = "TYPE[=N]", required = true, value_parser = resource)]
    pub resources: Vec<(ResourceType, u32)>,
    /// Why: TREAT, ETREAT, HPAYMT, …
    #[arg(long, value_name = "CODE", value_parser = code::<Purpose>)]
    pub purpose: Purpose,
    /// The access was checked offline (no checkpoint as basis)
    #[arg(long)]
    pub offline: bool,
    /// Made by an automated system rather than a staff member
    #[arg(long)]
    pub system: bool,
    #[command(flatten)]
    pub ledger: LedgerArgs,
}

fn resource(text: &str) -> Result<(ResourceType, u32), String> {
    let (name, count) = text.split_once('=').unwrap_or((text, "1"));
    let count = count
        .parse()
        .map_err(|_| format!("{count:?} is not a count"))?;
    Ok((code::<ResourceType>(name)?, count))
}

/// `assent clinic request`
#[derive(Debug, Args)]
pub struct RequestArgs {
    /// This clinic's organisation id
    #[arg(long, value_name = "ORG")]
    pub org: OrgId,
    /// The organisation's key file
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Where the patient's wallet may send its answer (https URL)
    #[arg(long, value_name = "URL")]
    pub reply: String,
    /// How long the request may be answered, in minutes
    #[arg(long, value_name = "MIN", default_value_t = 15)]
    pub valid_minutes: u64,
    #[command(flatten)]
    pub output: Output,
}

/// Runs a clinic command.
pub fn run(dir: &WalletDir, origin: &str, command: ClinicCommand) -> Result<()> {
    match command {
        ClinicCommand::Scan(args) => scan_cmd(dir, origin, args),
        ClinicCommand::RecordAccess(args) => record(dir, origin, args),
        ClinicCommand::Request(args) => request(origin, args),
    }
}

fn scan_cmd(dir: &WalletDir, origin: &str, args: ScanArgs) -> Result<()> {
    let text = read_code(args.text.as_deref(), args.image.as_deref())?;
    let (code, mut verdict) = scan(&text, origin, &args.org, now());
    let mut names = round::Directory::new();
    if let (Some(code), Some(url)) = (&code, &args.ledger) {
        let ledger = LedgerArgs {
            ledger: url.clone(),
            trust: args.trust.clone(),
        };
        let client = ledger.client(dir)?;
        let key = args
            .key
            .as_deref()
            .map(assent_core::keyfile::read)
            .transpose()?;
        let path = ledger_io::state_path(dir);
        let mut state = ledger_io::load_state(&path)?;
        let rt = ledger_io::runtime()?;
        let offline = verdict.clone();
        let ask = |state: &mut _| {
            rt.block_on(round::check_grant_online(
                &client,
                state,
                code,
                offline.clone(),
                key.as_ref(),
                now(),
            ))
        };
        verdict = ask(&mut state);
        // Submitted just now: wait (a while) for a quorum to confirm it.
        if verdict == Verdict::Pending {
            let spinner = indicatif::ProgressBar::new_spinner();
            spinner.set_message("the ledger accepted the grant; waiting for its validators");
            let start = std::time::Instant::now();
            while verdict == Verdict::Pending && start.elapsed() < round::PENDING_WAIT {
                spinner.tick();
                std::thread::sleep(std::time::Duration::from_millis(500));
                verdict = ask(&mut state);
            }
            spinner.finish_and_clear();
        }
        names = rt.block_on(round::held_names(
            &client,
            &mut state,
            [code.terms().grantee],
            now(),
        ));
        ledger_io::save_state(&path, &state)?;
    }
    // Organisations by their proven names rather than their ids.
    let named = |text: String| round::named(text, &names);
    if args.json {
        let out = serde_json::json!({
            "verdict": verdict.word(),
            "reason": named(verdict.reason()),
            "grant": code.as_ref().map(|c| c.grant().id().to_string()),
            "patient_key": code.as_ref().map(|c| c.terms().patient.map_or_else(|| c.grant().signer().to_string(), |p| p.key().to_string())),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("{}", capitalized(&named(verdict.reason())));
        if let Some(code) = &code {
            for line in assent_core::explain::transaction(code.grant()) {
                println!("  {}", named(line));
            }
        }
    }
    if verdict.is_valid() {
        Ok(())
    } else {
        Err(crate::error::Refusal(verdict.word().to_owned()).into())
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn record(dir: &WalletDir, origin: &str, args: RecordArgs) -> Result<()> {
    let key = assent_core::keyfile::read(&args.key)?;
    let client = args.ledger.client(dir)?;
    let path = ledger_io::state_path(dir);
    let mut state = ledger_io::load_state(&path)?;
    let rt = ledger_io::runtime()?;
    let basis = if args.offline {
        None
    } else {
        let checkpoint = rt.block_on(sync::refresh(&client, &mut state, now()));
        ledger_io::save_state(&path, &state)?;
        Some(checkpoint?.checkpoint().size)
    };
    let ground = match (args.grant, args.emergency) {
        (Some(grant), _) => AccessGround::Grant(grant),
        (None, Some(reason)) => AccessGround::Emergency(reason),
        (None, None) => bail!("give --grant GRANT_ID or --emergency REASON"),
    };
    let access = RecordAccess {
        org: args.org,
        patient: IdentityId(args.patient),
        ground,
        resources: args.resources,
        purpose: args.purpose,
        accessed_at: now(),
        basis,
        mode: if args.system {
            AccessMode::System
        } else {
            AccessMode::Person
        },
        actor: None,
    };
    let tx = SignedTx::sign(
        &Body::new(now(), nonce(), Kind::RecordAccess(access)),
        &key,
        origin,
    );
    state.outbox.push(&tx, now());
    let flushed = rt.block_on(sync::flush(&client, &mut state.outbox, now()));
    ledger_io::save_state(&path, &state)?;
    if let Some((_, code, message)) = flushed.refused.first() {
        bail!("the ledger refused the access record: {code}: {message}");
    }
    match flushed.offline {
        Some(why) => println!(
            "Access record {} queued ({why}); it is sent by the next clinic command.",
            tx.id()
        ),
        None => println!("Access record {} submitted.", tx.id()),
    }
    Ok(())
}

fn request(origin: &str, args: RequestArgs) -> Result<()> {
    let key = assent_core::keyfile::read(&args.key)?;
    let scope = args.scope.scope(None);
    let purposes = scope.permit.purposes.clone();
    if purposes.is_empty() {
        bail!("say why: give at least one --purpose");
    }
    let request = ConsentRequest {
        org: args.org,
        scope,
        purposes,
        nonce: nonce(),
        expires: now() + args.valid_minutes * 60,
        reply: args.reply,
    };
    let signed = SignedRequest::sign(&request, &key, origin)?;
    args.output.write(&signed.encode())
}
