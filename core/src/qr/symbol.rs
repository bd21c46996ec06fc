//! QR symbols for code texts, rendered as PNG or SVG, and read back from
//! images (feature `qr-image`; DESIGN §5).
//!
//! Symbols use error correction level M (about 15% of the symbol may be lost)
//! and the smallest version that holds the text. `qrcode` chooses the mode:
//! a code text is all base45 characters plus `:`, which is QR's alphanumeric
//! set, so the whole text is one alphanumeric segment at 5.5 bits per
//! character; [`QrSymbol::is_alphanumeric`] says whether that holds.
//!
//! Reading uses `rqrr` on a greyscale copy of the image. Only PNG is compiled
//! in (`image` with just its `png` feature), and an image's size is read from
//! its header and bounded by [`MAX_IMAGE_PIXELS`] before it is decoded.
//!
//! ```
//! use assent_core::qr::{decode_image, QrSymbol};
//!
//! let symbol = QrSymbol::new("AS1:%69 VD92EX0").unwrap();
//! assert_eq!(symbol.version(), 1);
//! let png = symbol.to_png(4).unwrap();
//! assert_eq!(decode_image(&png).unwrap(), "AS1:%69 VD92EX0");
//! ```

use super::base45;
use super::error::QrError;
use image::{ImageFormat, ImageReader, Limits, Luma};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode, Version};
use std::io::Cursor;

/// The most pixels (width × height) an image may have to be read.
pub const MAX_IMAGE_PIXELS: u64 = 40_000_000;
/// The largest module size [`QrSymbol::to_png`] draws, in pixels.
pub const MAX_MODULE_PX: u32 = 32;

/// A QR symbol (error correction M) holding a text.
#[derive(Clone)]
pub struct QrSymbol {
    code: QrCode,
    version: u8,
    alphanumeric: bool,
}

impl std::fmt::Debug for QrSymbol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QrSymbol")
            .field("version", &self.version)
            .field("modules", &self.modules())
            .field("alphanumeric", &self.alphanumeric)
            .finish()
    }
}

impl QrSymbol {
    /// The smallest symbol at level M that holds `text`.
    ///
    /// # Errors
    /// [`QrError::Symbol`] when even version 40 cannot hold it.
    pub fn new(text: &str) -> Result<Self, QrError> {
        let code = QrCode::with_error_correction_level(text, EcLevel::M)
            .map_err(|e| QrError::Symbol(e.to_string()))?;
        let version = match code.version() {
            Version::Normal(v) => {
                u8::try_from(v).map_err(|_| QrError::Symbol(format!("version {v}")))?
            }
            Version::Micro(_) => return Err(QrError::Symbol("a Micro QR symbol".into())),
        };
        Ok(QrSymbol {
            code,
            version,
            alphanumeric: base45::is_alphabet(text),
        })
    }

    /// The QR version, 1 to 40 (version `v` is `17 + 4v` modules wide).
    pub fn version(&self) -> u8 {
        self.version
    }

    /// The symbol's width in modules, without the quiet zone.
    pub fn modules(&self) -> usize {
        self.code.width()
    }

    /// Whether the text is all in QR's alphanumeric set (true for every
    /// Assent code), so it is encoded at 5.5 bits per character.
    pub fn is_alphanumeric(&self) -> bool {
        self.alphanumeric
    }

    /// A greyscale PNG, `module_px` pixels per module (clamped to
    /// 1..=[`MAX_MODULE_PX`]), with the 4-module quiet zone.
    ///
    /// # Errors
    /// [`QrError::Image`] if the PNG encoder fails.
    pub fn to_png(&self, module_px: u32) -> Result<Vec<u8>, QrError> {
        let px = module_px.clamp(1, MAX_MODULE_PX);
        let image = self
            .code
            .render::<Luma<u8>>()
            .module_dimensions(px, px)
            .build();
        let mut out = Cursor::new(Vec::new());
        image
            .write_to(&mut out, ImageFormat::Png)
            .map_err(|e| QrError::Image(e.to_string()))?;
        Ok(out.into_inner())
    }

    /// An SVG document, at least 256 units wide, with the quiet zone.
    pub fn to_svg(&self) -> String {
        self.code
            .render::<svg::Color<'_>>()
            .min_dimensions(256, 256)
            .build()
    }
}

/// The QR version (level M) that `text` needs.
///
/// # Errors
/// As [`QrSymbol::new`].
pub fn qr_version(text: &str) -> Result<u8, QrError> {
    QrSymbol::new(text).map(|s| s.version())
}

/// Finds and reads a QR code in an image (PNG) and returns its text; with
/// several codes, the first that reads. The text is not checked: pass it to
/// [`decode_grant`](super::decode_grant) or
/// [`SignedRequest::decode`](super::SignedRequest::decode).
///
/// # Errors
/// [`QrError::Image`] for bytes that are not a readable PNG,
/// [`QrError::ImageTooLarge`] above [`MAX_IMAGE_PIXELS`] (before decoding),
/// [`QrError::NoCodeFound`], [`QrError::Unreadable`].
pub fn decode_image(bytes: &[u8]) -> Result<String, QrError> {
    let reader = |limits: Limits| {
        let mut r = ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| QrError::Image(e.to_string()))?;
        r.limits(limits);
        Ok::<_, QrError>(r)
    };
    let (width, height) = reader(Limits::default())?
        .into_dimensions()
        .map_err(|e| QrError::Image(e.to_string()))?;
    if u64::from(width) * u64::from(height) > MAX_IMAGE_PIXELS {
        return Err(QrError::ImageTooLarge {
            width,
            height,
            max: MAX_IMAGE_PIXELS,
        });
    }
    // Hold the decoder to the size its header announced.
    let mut limits = Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    let grey = reader(limits)?
        .decode()
        .map_err(|e| QrError::Image(e.to_string()))?
        .into_luma8();
    // rqrr has panicked on odd images in the past (its issue #9); a photo
    // must not bring the app down, so a panic is an unreadable code (where
    // panics unwind; a build with `panic = "abort"` still aborts).
    std::panic::catch_unwind(move || read_grids(grey))
        .unwrap_or_else(|_| Err(QrError::Unreadable("the QR decoder failed".into())))
}

fn read_grids(grey: image::GrayImage) -> Result<String, QrError> {
    let mut prepared = rqrr::PreparedImage::prepare(grey);
    let mut last = None;
    for grid in prepared.detect_grids() {
        match grid.decode() {
            Ok((_, text)) => return Ok(text),
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) => QrError::Unreadable(e.to_string()),
        None => QrError::NoCodeFound,
    })
}
