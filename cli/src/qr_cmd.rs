//! `assent qr`: a signed grant as a QR code (PROTOCOL §7) for a clinic to
//! scan, as PNG, SVG or the code's text.

use crate::consent_cmd::read_tx;
use crate::wallet_dir;
use anyhow::{bail, Context, Result};
use assent_core::qr::{decode_image, encode_grant, QrSymbol};
use clap::Args;
use std::path::{Path, PathBuf};

/// Where a code goes: one of PNG, SVG, or text on standard output.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct Output {
    /// Write a PNG image
    #[arg(long, value_name = "OUT")]
    pub png: Option<PathBuf>,
    /// Write an SVG image
    #[arg(long, value_name = "OUT")]
    pub svg: Option<PathBuf>,
    /// Print the code's text (`AS1:…` / `AR1:…`)
    #[arg(long)]
    pub text: bool,
}

impl Output {
    /// Writes `code` where asked; says what was written on standard error.
    pub fn write(&self, code: &str) -> Result<()> {
        if self.text {
            println!("{code}");
            return Ok(());
        }
        let symbol = QrSymbol::new(code)?;
        let (path, bytes): (&Path, Vec<u8>) = match (&self.png, &self.svg) {
            (Some(p), _) => (p, symbol.to_png(8)?),
            (_, Some(p)) => (p, symbol.to_svg().into_bytes()),
            _ => unreachable!("clap requires one output"),
        };
        wallet_dir::write_new_file(path, &bytes, "QR image")?;
        eprintln!(
            "QR version {} ({}×{} modules, error correction M) written to {}.",
            symbol.version(),
            symbol.modules(),
            symbol.modules(),
            path.display()
        );
        Ok(())
    }
}

/// A scanned code's text: given as `text`, or read from the QR `image`.
pub fn read_code(text: Option<&str>, image: Option<&Path>) -> Result<String> {
    match (text, image) {
        (Some(text), _) => Ok(text.trim().to_owned()),
        (None, Some(path)) => decode_image(&wallet_dir::read_bounded(path)?)
            .with_context(|| format!("reading a QR code from {}", path.display())),
        (None, None) => bail!("give an IMAGE or --text"),
    }
}

/// `assent qr`
#[derive(Debug, Args)]
pub struct QrArgs {
    /// The signed grant (from `assent grant`)
    #[arg(value_name = "GRANT_FILE")]
    pub grant: PathBuf,
    /// The delegation it was made under, for a caregiver's grant
    #[arg(long, value_name = "FILE")]
    pub delegation: Option<PathBuf>,
    #[command(flatten)]
    pub output: Output,
}

/// Encodes the grant and writes the code.
pub fn run(origin: &str, args: QrArgs) -> Result<()> {
    let grant = read_tx(&args.grant, origin)?;
    let delegation = args
        .delegation
        .as_deref()
        .map(|p| read_tx(p, origin))
        .transpose()?;
    let code = encode_grant(&grant, delegation.as_ref()).context("making the grant's code")?;
    args.output.write(&code)
}
