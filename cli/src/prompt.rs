//! Reading secrets from people: passphrases (environment or hidden prompt)
//! and recovery words (standard input).

use anyhow::{bail, Context, Result};
use assent_core::vault::Passphrase;
use std::io::{BufRead, IsTerminal, Read};
use zeroize::Zeroizing;

/// Environment variable holding the vault passphrase.
pub const VAULT_PASSPHRASE_ENV: &str = "ASSENT_PASSPHRASE";
/// Environment variable holding the backup file's passphrase.
pub const BACKUP_PASSPHRASE_ENV: &str = "ASSENT_BACKUP_PASSPHRASE";
/// Environment variable holding the optional BIP39 passphrase.
pub const BIP39_PASSPHRASE_ENV: &str = "ASSENT_BIP39_PASSPHRASE";

/// Whether a passphrase is being chosen (asked twice) or entered.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A new passphrase: asked twice, must match.
    Choose,
    /// An existing passphrase: asked once.
    Enter,
}

/// A passphrase from `env_var`, or asked for on the terminal without echo.
pub fn passphrase(env_var: &str, what: &str, purpose: Purpose) -> Result<Passphrase> {
    if let Some(value) = std::env::var_os(env_var) {
        let value = value
            .into_string()
            .map_err(|_| anyhow::anyhow!("{env_var} is not valid UTF-8"))?;
        if value.is_empty() {
            bail!("{env_var} is set but empty");
        }
        return Ok(Passphrase::new(value));
    }
    let ask = |prompt: &str| -> Result<Zeroizing<String>> {
        rpassword::prompt_password(prompt)
            .map(Zeroizing::new)
            .map_err(|e| {
                crate::error::hinted(
                    format!("cannot ask for the {what}: {e}"),
                    format!("run in a terminal, or set {env_var}"),
                )
            })
    };
    let first = ask(&format!("{what}: "))?;
    if first.is_empty() {
        bail!("the {what} is empty");
    }
    if purpose == Purpose::Choose {
        let again = ask(&format!("{what} (again): "))?;
        if *again != *first {
            bail!("the two entries of the {what} differ");
        }
    }
    Ok(Passphrase::new(first.to_string()))
}

/// Reads recovery words from standard input (all of it, or a prompted line on
/// a terminal).
pub fn words_from_stdin() -> Result<Zeroizing<String>> {
    const LIMIT: usize = 16 * 1024;
    // Room for everything up front, so the string never moves and leaves a
    // stray copy of the words behind.
    let mut words = Zeroizing::new(String::with_capacity(LIMIT + 1));
    let stdin = std::io::stdin();
    let mut input = stdin.lock().take(LIMIT as u64 + 1);
    if stdin.is_terminal() {
        eprintln!("Type your 24 recovery words, separated by spaces, then press Enter:");
        input.read_line(&mut words).context("reading the words")?;
    } else {
        input
            .read_to_string(&mut words)
            .context("reading the words from standard input")?;
    }
    if words.len() > LIMIT {
        bail!("more than {LIMIT} bytes of input: these are not 24 recovery words");
    }
    Ok(words)
}
