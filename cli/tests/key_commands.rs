//! `assent key …` end to end: the real binary, real files, and the real OS
//! keystore where the test command provides one.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

struct Run {
    out: Output,
}

impl Run {
    fn ok(self) -> String {
        assert!(
            self.out.status.success(),
            "assent failed: {}\n{}",
            String::from_utf8_lossy(&self.out.stdout),
            String::from_utf8_lossy(&self.out.stderr)
        );
        String::from_utf8(self.out.stdout).unwrap()
    }

    fn fails(self) -> String {
        assert!(!self.out.status.success(), "assent should have failed");
        String::from_utf8(self.out.stderr).unwrap()
    }
}

fn assent(wallet: &Path, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_assent"));
    cmd.arg("--wallet").arg(wallet).args(args);
    for var in [
        "ASSENT_PASSPHRASE",
        "ASSENT_BACKUP_PASSPHRASE",
        "ASSENT_BIP39_PASSPHRASE",
        "ASSENT_WALLET",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    Run {
        out: child.wait_with_output().unwrap(),
    }
}

fn show_json(wallet: &Path, env: &[(&str, &str)]) -> serde_json::Value {
    serde_json::from_str(&assent(wallet, &["key", "show", "--json"], env, None).ok()).unwrap()
}

/// The 24 words from `key new`'s numbered grid.
fn words_of(new_output: &str) -> String {
    let tokens: Vec<&str> = new_output.split_whitespace().collect();
    let words: Vec<&str> = tokens
        .windows(2)
        .filter(|w| w[0].ends_with('.') && w[0].trim_end_matches('.').parse::<u8>().is_ok())
        .map(|w| w[1])
        .collect();
    assert_eq!(words.len(), 24, "{new_output}");
    words.join(" ")
}

fn path(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

#[test]
fn new_show_restore_backup_import_with_a_vault() {
    let tmp = tempfile::tempdir().unwrap();
    let (w1, w2, w3) = (path(&tmp, "w1"), path(&tmp, "w2"), path(&tmp, "w3"));
    let vault = path(&tmp, "one.vault");
    let pass = [("ASSENT_PASSPHRASE", "vault pass one")];

    let out = assent(
        &w1,
        &["key", "new", "--vault", vault.to_str().unwrap()],
        &pass,
        None,
    )
    .ok();
    assert!(out.contains("shown only this once"));
    let words = words_of(&out);
    let shown = show_json(&w1, &pass);
    let key = shown["public_key"].as_str().unwrap().to_string();
    assert!(key.starts_with("assent1"));
    assert_eq!(shown["public_key_hex"].as_str().unwrap().len(), 64);
    assert_eq!(shown["fingerprint"].as_str().unwrap().len(), 19);
    assert!(out.contains(&key));
    // Restore from the words (messy spacing, capitals) gives the same key.
    let pass2 = [("ASSENT_PASSPHRASE", "vault pass two")];
    let messy = format!("\n  {}\n", words.to_uppercase().replace(' ', "  \n "));
    let v2 = path(&tmp, "two.vault");
    assent(
        &w2,
        &["key", "restore", "--vault", v2.to_str().unwrap()],
        &pass2,
        Some(&messy),
    )
    .ok();
    assert_eq!(show_json(&w2, &pass2)["public_key"], key.as_str());

    // Backup, then import into a third wallet.
    let backup = path(&tmp, "backup.assent");
    let bpass = ("ASSENT_BACKUP_PASSPHRASE", "backup pass");
    let b = backup.to_str().unwrap();
    assent(&w1, &["key", "backup", "--out", b], &[pass[0], bpass], None).ok();
    let err = assent(&w1, &["key", "backup", "--out", b], &[pass[0], bpass], None).fails();
    assert!(err.contains("already exists"), "{err}");
    let v3 = path(&tmp, "three.vault");
    let v3s = v3.to_str().unwrap();
    let wrong = ("ASSENT_BACKUP_PASSPHRASE", "not it");
    let err = assent(
        &w3,
        &["key", "import", b, "--vault", v3s],
        &[pass[0], wrong],
        None,
    )
    .fails();
    assert!(
        err.contains("wrong passphrase, or the file was altered"),
        "{err}"
    );
    assert!(
        !v3.exists() && !w3.exists(),
        "a failed import writes nothing"
    );
    assent(
        &w3,
        &["key", "import", b, "--vault", v3s],
        &[pass[0], bpass],
        None,
    )
    .ok();
    assert_eq!(show_json(&w3, &pass)["public_key"], key.as_str());
}

/// BIP39's 0x7f…7f vector: 24 words whose entropy is easy to look for.
const SEVENTY_F: &str =
    "legal winner thank year wave sausage worth useful legal winner thank year \
    wave sausage worth useful legal winner thank year wave sausage worth title";

#[test]
fn no_file_holds_the_secret_in_the_clear() {
    let tmp = tempfile::tempdir().unwrap();
    let (w, vault) = (path(&tmp, "w"), path(&tmp, "v.vault"));
    let pass = [("ASSENT_PASSPHRASE", "pw")];
    let args = ["key", "restore", "--vault", vault.to_str().unwrap()];
    assent(&w, &args, &pass, Some(SEVENTY_F)).ok();
    let backup = path(&tmp, "b.assent");
    let bpass = ("ASSENT_BACKUP_PASSPHRASE", "bp");
    assent(
        &w,
        &["key", "backup", "--out", backup.to_str().unwrap()],
        &[pass[0], bpass],
        None,
    )
    .ok();
    for file in [vault, backup, w.join("wallet.json")] {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !bytes.windows(32).any(|x| x == [0x7f; 32]),
            "{} holds the entropy",
            file.display()
        );
        assert!(
            !String::from_utf8_lossy(&bytes).contains("legal winner"),
            "{}",
            file.display()
        );
    }
}

#[test]
fn a_bip39_passphrase_gives_another_key_and_is_needed_to_restore() {
    let tmp = tempfile::tempdir().unwrap();
    let zero = "abandon ".repeat(23) + "art";
    let pass = ("ASSENT_PASSPHRASE", "pw");
    let bip = ("ASSENT_BIP39_PASSPHRASE", "TREZOR");
    let (a, b) = (path(&tmp, "a"), path(&tmp, "b"));
    let (va, vb) = (path(&tmp, "a.vault"), path(&tmp, "b.vault"));
    assent(
        &a,
        &["key", "restore", "--vault", va.to_str().unwrap()],
        &[pass],
        Some(&zero),
    )
    .ok();
    let args = [
        "key",
        "restore",
        "--bip39-passphrase",
        "--vault",
        vb.to_str().unwrap(),
    ];
    assent(&b, &args, &[pass, bip], Some(&zero)).ok();
    let plain = show_json(&a, &[pass])["public_key"].clone();
    let with_passphrase = show_json(&b, &[pass])["public_key"].clone();
    assert_ne!(plain, with_passphrase);
    // Both match core's recorded derivation vectors for these words.
    let vectors_file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/vectors/derivation/assent-paths.json");
    let vectors: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(vectors_file).unwrap()).unwrap();
    let recorded = |passphrase: &str| {
        vectors["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| {
                c["words"] == zero.trim()
                    && c["passphrase"] == passphrase
                    && c["path"] == "m/44'/16723'/0'/0'"
            })
            .unwrap()["public_key"]
            .clone()
    };
    assert_eq!(plain, recorded(""));
    assert_eq!(with_passphrase, recorded("TREZOR"));
}

#[test]
fn bad_input_is_named_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let w = path(&tmp, "w");
    let vault = path(&tmp, "v.vault");
    let v = vault.to_str().unwrap();
    let pass = [("ASSENT_PASSPHRASE", "pw")];

    let typo = "abandon ".repeat(10) + "abandun " + &"abandon ".repeat(12) + "art";
    let err = assent(&w, &["key", "restore", "--vault", v], &pass, Some(&typo)).fails();
    assert!(
        err.contains("word 11 \"abandun\"") && err.contains("did you mean abandon"),
        "{err}"
    );
    let checksum = "abandon ".repeat(23) + "zoo";
    let err = assent(
        &w,
        &["key", "restore", "--vault", v],
        &pass,
        Some(&checksum),
    )
    .fails();
    assert!(err.contains("checksum") && err.contains("\"zoo\""), "{err}");
    assert!(!vault.exists() && !w.exists());

    let zero = "abandon ".repeat(23) + "art";
    assent(&w, &["key", "restore", "--vault", v], &pass, Some(&zero)).ok();
    let original = std::fs::read(&vault).unwrap();
    // A second wallet into the same folder is refused.
    let other = path(&tmp, "x");
    let err = assent(
        &w,
        &["key", "new", "--vault", other.to_str().unwrap()],
        &pass,
        None,
    )
    .fails();
    assert!(err.contains("already holds a wallet"), "{err}");
    assert!(!other.exists());

    // Wrong passphrase, and a flipped byte: the same clear error, file untouched.
    let err = assent(&w, &["key", "show"], &[("ASSENT_PASSPHRASE", "nope")], None).fails();
    assert!(
        err.contains("wrong passphrase, or the file was altered"),
        "{err}"
    );
    let mut flipped = original.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x80;
    std::fs::write(&vault, &flipped).unwrap();
    let err = assent(&w, &["key", "show"], &pass, None).fails();
    assert!(
        err.contains("wrong passphrase, or the file was altered"),
        "{err}"
    );
    assert_eq!(std::fs::read(&vault).unwrap(), flipped);

    // No passphrase and no terminal: says how to give one.
    std::fs::write(&vault, &original).unwrap();
    let err = assent(&w, &["key", "show"], &[], None).fails();
    assert!(err.contains("ASSENT_PASSPHRASE"), "{err}");

    // Deleting asks for --yes; a vault already gone does not block it.
    let err = assent(&w, &["key", "delete"], &pass, None).fails();
    assert!(err.contains("--yes"), "{err}");
    assert!(vault.exists());
    std::fs::remove_file(&vault).unwrap();
    assent(&w, &["key", "delete", "--yes"], &pass, None).ok();
    assert!(!w.join("wallet.json").exists());
}

#[test]
fn the_os_keystore_is_used_by_default_or_its_absence_is_said_plainly() {
    let tmp = tempfile::tempdir().unwrap();
    let w = path(&tmp, "w");
    let required = std::env::var("ASSENT_REQUIRE_REAL_KEYSTORE").as_deref() == Ok("1");
    let run = assent(&w, &["key", "new"], &[], None);
    if !run.out.status.success() && !required {
        let err = run.fails();
        assert!(err.contains("no OS keystore is usable here"), "{err}");
        assert!(err.contains("--vault FILE"), "{err}");
        assert!(!w.exists());
        return;
    }
    let out = run.ok();
    assert!(out.contains("OS keystore"), "{out}");
    let key = show_json(&w, &[])["public_key"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(out.contains(&key));
    let meta = std::fs::read_to_string(w.join("wallet.json")).unwrap();
    assert!(
        !meta.contains(&words_of(&out)[..20]),
        "no secret in the wallet folder"
    );
    assent(&w, &["key", "delete", "--yes"], &[], None).ok();
    assert!(assent(&w, &["key", "show"], &[], None)
        .fails()
        .contains("no wallet"));
}

#[test]
fn help_reads_well() {
    let tmp = tempfile::tempdir().unwrap();
    let help = assent(tmp.path(), &["key", "--help"], &[], None).ok();
    for line in [
        "new      Create a new wallet and show its 24 recovery words once",
        "restore  Restore a wallet from its 24 words, read from standard input",
        "show     Show the wallet's public key and fingerprint",
        "backup   Write an encrypted backup file of the wallet",
        "import   Restore a wallet from an encrypted backup file",
        "delete   Remove the wallet's secret from this device",
    ] {
        assert!(help.contains(line), "{line:?} missing from:\n{help}");
    }
    let new_help = assent(tmp.path(), &["key", "new", "--help"], &[], None).ok();
    assert!(new_help.contains("--vault <FILE>"), "{new_help}");
    assert!(new_help.contains("ASSENT_PASSPHRASE"), "{new_help}");
}
