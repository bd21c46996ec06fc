//! `assent key …`: create, restore, show, back up, import and delete a wallet.

use crate::cli::{BackupArgs, DeleteArgs, ImportArgs, KeyCommand, NewArgs, ShowArgs};
use crate::error::hinted;
use crate::prompt::{self, Purpose};
use crate::wallet_dir::{self, StoreMeta, WalletDir, WalletMeta};
use anyhow::{bail, Context, Result};
use assent_core::keys::{MnemonicPhrase, PublicKey};
use assent_core::keystore::{KeystoreError, SecretStore};
use assent_core::vault::{self, KdfParams};
use assent_core::wallet::{WalletId, WalletSecret};
use zeroize::Zeroizing;

/// Runs one `assent key` command.
pub fn run(dir: &WalletDir, command: KeyCommand) -> Result<()> {
    match command {
        KeyCommand::New(args) => new(dir, args),
        KeyCommand::Restore(args) => restore(dir, args),
        KeyCommand::Show(args) => show(dir, args),
        KeyCommand::Backup(args) => backup(dir, args),
        KeyCommand::Import(args) => import(dir, args),
        KeyCommand::Delete(args) => delete(dir, args),
    }
}

fn bip39_passphrase(wanted: bool) -> Result<Option<Zeroizing<String>>> {
    if !wanted {
        return Ok(None);
    }
    let pass = prompt::passphrase(
        prompt::BIP39_PASSPHRASE_ENV,
        "BIP39 passphrase",
        Purpose::Choose,
    )?;
    Ok(Some(Zeroizing::new(pass.expose_secret().to_string())))
}

fn describe_store(meta: &WalletMeta) -> String {
    match &meta.store {
        StoreMeta::Keystore { name } => format!("the OS keystore ({name})"),
        StoreMeta::Vault { path } => format!("the encrypted vault {}", path.display()),
    }
}

fn print_key(key: &PublicKey) {
    println!("Public key:  {key}");
    println!("Fingerprint: {}", key.fingerprint());
}

fn new(dir: &WalletDir, args: NewArgs) -> Result<()> {
    dir.ensure_empty()?;
    let passphrase = bip39_passphrase(args.bip39_passphrase)?;
    let wallet = WalletSecret::new(MnemonicPhrase::generate(&mut rand_core::OsRng), passphrase);
    let meta = wallet_dir::save_new(dir, args.vault.as_deref(), &wallet)?;

    println!("Your 24 recovery words. Write them down, in order, and keep them offline.");
    println!("Anyone with these words can act as you; they are shown only this once.");
    if wallet.has_bip39_passphrase() {
        println!(
            "You also need your BIP39 passphrase to restore: the words alone give other keys."
        );
    }
    println!();
    for (i, word) in wallet.mnemonic().words().iter().enumerate() {
        print!("{:>2}. {:<10}", i + 1, word.as_str());
        if i % 4 == 3 {
            println!();
        }
    }
    println!();
    println!("Secret kept in {}.", describe_store(&meta));
    print_key(&wallet.primary_public_key());
    Ok(())
}

fn restore(dir: &WalletDir, args: NewArgs) -> Result<()> {
    dir.ensure_empty()?;
    let words = prompt::words_from_stdin()?;
    let phrase = MnemonicPhrase::parse(&words).map_err(|e| {
        hinted(
            format!("these are not valid recovery words: {e}"),
            "check each word against what you wrote down; nothing was changed",
        )
    })?;
    let passphrase = bip39_passphrase(args.bip39_passphrase)?;
    let wallet = WalletSecret::new(phrase, passphrase);
    let meta = wallet_dir::save_new(dir, args.vault.as_deref(), &wallet)?;
    println!("Wallet restored; secret kept in {}.", describe_store(&meta));
    print_key(&wallet.primary_public_key());
    Ok(())
}

fn show(dir: &WalletDir, args: ShowArgs) -> Result<()> {
    let wallet = wallet_dir::load_secret(dir, args.vault.as_deref())?;
    let key = wallet.primary_public_key();
    if args.json {
        let json = serde_json::json!({
            "public_key": key.to_text(),
            "public_key_hex": key.to_hex(),
            "fingerprint": key.fingerprint().to_string(),
        });
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        print_key(&key);
        println!("Key (hex):   {}", key.to_hex());
    }
    Ok(())
}

fn backup(dir: &WalletDir, args: BackupArgs) -> Result<()> {
    if args.out.exists() {
        return Err(hinted(
            format!("{} already exists", args.out.display()),
            "choose a new file name for the backup; nothing was changed",
        ));
    }
    let wallet = wallet_dir::load_secret(dir, args.vault.as_deref())?;
    let pass = prompt::passphrase(
        prompt::BACKUP_PASSPHRASE_ENV,
        "backup passphrase",
        Purpose::Choose,
    )?;
    let bytes = vault::seal_wallet(&wallet, &pass, KdfParams::DEFAULT, &mut rand_core::OsRng)?;
    wallet_dir::write_new_file(&args.out, &bytes, "backup")?;
    println!("Encrypted backup written to {}.", args.out.display());
    println!(
        "Restore it with `assent key import {}` and its passphrase.",
        args.out.display()
    );
    print_key(&wallet.primary_public_key());
    Ok(())
}

fn import(dir: &WalletDir, args: ImportArgs) -> Result<()> {
    dir.ensure_empty()?;
    let bytes = wallet_dir::read_bounded(&args.backup)?;
    let pass = prompt::passphrase(
        prompt::BACKUP_PASSPHRASE_ENV,
        "backup passphrase",
        Purpose::Enter,
    )?;
    let wallet = vault::open_wallet(&bytes, &pass)
        .with_context(|| format!("opening backup {}", args.backup.display()))?;
    let meta = wallet_dir::save_new(dir, args.vault.as_deref(), &wallet)?;
    println!("Wallet imported; secret kept in {}.", describe_store(&meta));
    print_key(&wallet.primary_public_key());
    Ok(())
}

fn delete(dir: &WalletDir, args: DeleteArgs) -> Result<()> {
    let meta = dir.require_meta()?;
    if !args.yes {
        return Err(hinted(
            format!(
                "this removes the secret of wallet {} from {}",
                meta.public_key,
                describe_store(&meta)
            ),
            "make sure you have your 24 words or a backup, then add --yes",
        ));
    }
    match &meta.store {
        StoreMeta::Keystore { .. } => {
            let id: WalletId = meta.wallet_id.parse()?;
            match wallet_dir::os_keystore()?.delete(&id) {
                Ok(()) => {}
                Err(KeystoreError::NotFound { .. }) => {
                    eprintln!("note: the keystore held no secret for this wallet any more");
                }
                Err(e) => return Err(e.into()),
            }
        }
        StoreMeta::Vault { path } if !path.exists() => {
            eprintln!("note: the vault {} was already gone", path.display());
        }
        StoreMeta::Vault { path } => {
            let bytes = wallet_dir::read_bounded(path)?;
            if vault::Header::parse(&bytes).is_err() {
                bail!(
                    "{} is not an Assent vault; it was left in place",
                    path.display()
                );
            }
            std::fs::remove_file(path).with_context(|| format!("removing {}", path.display()))?;
        }
    }
    dir.remove_meta()?;
    println!("Wallet {} removed from this device.", meta.public_key);
    Ok(())
}
