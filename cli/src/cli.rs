//! The command line, as clap types.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Assent: your consent to health-data access, signed by you, kept on a ledger
/// you can check.
#[derive(Debug, Parser)]
#[command(name = "assent", version, propagate_version = true)]
pub struct Cli {
    /// Folder for the wallet's non-secret files [default: the OS data folder]
    #[arg(long, global = true, env = "ASSENT_WALLET", value_name = "DIR")]
    pub wallet: Option<PathBuf>,

    /// The ledger's origin, bound into every signature
    #[arg(long, global = true, env = "ASSENT_ORIGIN", default_value = DEFAULT_ORIGIN)]
    pub origin: String,

    /// What to do
    #[command(subcommand)]
    pub command: Command,
}

/// The origin of the local demo ledger.
pub const DEFAULT_ORIGIN: &str = "local.assent.example";

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, restore, show and back up your keys
    #[command(subcommand)]
    Key(KeyCommand),
    /// Give an organisation access to your records (signs a grant)
    Grant(crate::consent_cmd::GrantArgs),
    /// End a grant (signs a revocation)
    Revoke(crate::consent_cmd::RevokeArgs),
    /// Let a caregiver manage your consent (signs a delegation)
    Delegate(crate::consent_cmd::DelegateArgs),
    /// Inspect transactions
    #[command(subcommand)]
    Tx(crate::consent_cmd::TxCommand),
    /// Convert grants to and from HL7 FHIR R4 Consent
    #[command(subcommand)]
    Fhir(crate::consent_cmd::FhirCommand),
    /// Send a signed transaction to the ledger (queued if it is unreachable)
    Submit(crate::ledger_cmd::SubmitArgs),
    /// Sync, verify and audit your history: who accessed what, and whether
    /// your consent covered it (exit status 3 if the ledger was caught lying)
    History(crate::ledger_cmd::HistoryArgs),
    /// Dispute an access in your history (signs and sends a dispute the
    /// consortium reviews)
    Dispute(crate::dispute_cmd::DisputeArgs),
    /// Answer a clinic's consent-request QR with a grant (checked against
    /// the ledger's directory first)
    Answer(crate::answer_cmd::AnswerArgs),
    /// Show a signed grant as a QR code for a clinic to scan
    Qr(crate::qr_cmd::QrArgs),
    /// Move your identity to its next key (after a device was lost or a key
    /// may have leaked); what is queued is sent first, under the old key
    Rotate(crate::rotate_cmd::RotateArgs),
    /// For clinics: scan and verify grants, record accesses, request consent
    #[command(subcommand)]
    Clinic(crate::clinic_cmd::ClinicCommand),
}

/// `assent key …`
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create a new wallet and show its 24 recovery words once
    #[command(
        after_help = "The secret goes into the OS keystore (Keychain, Credential Manager, \
        Secret Service). Where there is none, use --vault FILE: an encrypted file protected by a \
        passphrase (from ASSENT_PASSPHRASE, or asked for)."
    )]
    New(NewArgs),
    /// Restore a wallet from its 24 words, read from standard input
    Restore(NewArgs),
    /// Show the wallet's public key and fingerprint
    Show(ShowArgs),
    /// Write an encrypted backup file of the wallet
    #[command(
        after_help = "The backup passphrase comes from ASSENT_BACKUP_PASSPHRASE, or is \
        asked for twice."
    )]
    Backup(BackupArgs),
    /// Restore a wallet from an encrypted backup file
    Import(ImportArgs),
    /// Remove the wallet's secret from this device (keep your words or a backup!)
    Delete(DeleteArgs),
}

/// Where a new wallet's secret goes.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// Keep the secret in this encrypted file instead of the OS keystore
    #[arg(long, value_name = "FILE")]
    pub vault: Option<PathBuf>,
    /// Also protect the words with a BIP39 passphrase (from
    /// ASSENT_BIP39_PASSPHRASE, or asked for); the words without it give
    /// different keys, so keep both
    #[arg(long)]
    pub bip39_passphrase: bool,
}

/// `assent key show`
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Read the secret from this vault file instead of the wallet's store
    #[arg(long, value_name = "FILE")]
    pub vault: Option<PathBuf>,
    /// Print JSON: {"public_key", "public_key_hex", "fingerprint"}
    #[arg(long)]
    pub json: bool,
}

/// `assent key backup`
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup file to write (must not exist yet)
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Read the secret from this vault file instead of the wallet's store
    #[arg(long, value_name = "FILE")]
    pub vault: Option<PathBuf>,
}

/// `assent key import`
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The backup file written by `assent key backup`
    #[arg(value_name = "FILE")]
    pub backup: PathBuf,
    /// Keep the secret in this encrypted file instead of the OS keystore
    #[arg(long, value_name = "FILE")]
    pub vault: Option<PathBuf>,
}

/// `assent key delete`
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Confirm: the secret is removed from the keystore or vault for good
    #[arg(long)]
    pub yes: bool,
}
