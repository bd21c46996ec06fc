//! Unit tests of the note module: round trips and every refusal. The real
//! C2SP vectors are in `core/tests/c2sp_vectors.rs`.

use super::*;
use crate::ids::TxId;
use crate::keys::SigningKey;
use data_encoding::BASE64;

fn key(n: u8) -> SigningKey {
    SigningKey::from_secret_bytes(&[n; 32])
}

fn vkey(name: &str, kind: VkeyKind, n: u8) -> Vkey {
    Vkey::new(name, kind, key(n).public_key()).unwrap()
}

fn checkpoint() -> Checkpoint {
    Checkpoint {
        origin: "ledger.example/assent".into(),
        size: 42,
        root: [0xaa; 32],
        state_root: [0x55; 32],
    }
}

/// Replaces the signature bytes of line `i` of a signed note.
fn with_signature(note: &str, i: usize, f: impl Fn(&mut Vec<u8>)) -> String {
    let parsed = Note::parse(note).unwrap();
    let mut out = format!("{}\n", parsed.text());
    for (j, sig) in parsed.signatures().iter().enumerate() {
        if j == i {
            let mut bytes = sig.signature().to_vec();
            f(&mut bytes);
            out += &NoteSignature::new(sig.name(), sig.key_id(), bytes)
                .unwrap()
                .to_line();
        } else {
            out += &sig.to_line();
        }
    }
    out
}

// --- vkeys -------------------------------------------------------------------

#[test]
fn vkey_text_round_trips_for_both_kinds() {
    for kind in [VkeyKind::Ed25519, VkeyKind::CosignatureV1] {
        let v = vkey("example.org/v", kind, 3);
        let text = v.to_string();
        let (name, rest) = text.split_once('+').unwrap();
        let (id, material) = rest.split_once('+').unwrap();
        assert_eq!(name, "example.org/v");
        assert_eq!(id, format!("{:08x}", v.id()));
        let material = BASE64.decode(material.as_bytes()).unwrap();
        assert_eq!(material[0], kind.type_byte());
        assert_eq!(&material[1..], &key(3).public_key().to_bytes());
        assert_eq!(Vkey::parse(&text).unwrap(), v);
        assert_eq!(text.parse::<Vkey>().unwrap(), v);
        // serde carries the same string.
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(serde_json::from_str::<Vkey>(&json).unwrap(), v);
        assert!(serde_json::from_str::<Vkey>("\"nope\"").is_err());
    }
}

#[test]
fn key_id_depends_on_name_type_and_key() {
    let a = vkey("a.example", VkeyKind::Ed25519, 1);
    assert_eq!(a.id(), key_id("a.example", VkeyKind::Ed25519, a.key()));
    assert_ne!(a.id(), vkey("a.example", VkeyKind::CosignatureV1, 1).id());
    assert_ne!(a.id(), vkey("b.example", VkeyKind::Ed25519, 1).id());
    assert_ne!(a.id(), vkey("a.example", VkeyKind::Ed25519, 2).id());
    // SHA-256(name ‖ "\n" ‖ type ‖ key)[:4], computed by hand.
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(b"a.example\n")
        .chain_update([0x01])
        .chain_update(a.key().to_bytes())
        .finalize();
    assert_eq!(
        a.id(),
        u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
    );
}

#[test]
fn vkey_names_are_checked() {
    for bad in ["", "a b", "a+b", "a\tb", "a\u{0}b", "a\u{2003}b", "a\nb"] {
        assert!(
            matches!(
                Vkey::new(bad, VkeyKind::Ed25519, key(1).public_key()),
                Err(VkeyError::Name { .. })
            ),
            "{bad:?}"
        );
    }
}

#[test]
fn vkey_parse_refusals() {
    let good = vkey("example.org/v", VkeyKind::Ed25519, 3);
    let text = good.to_string();
    let (_, rest) = text.split_once('+').unwrap();
    let (id, material) = rest.split_once('+').unwrap();
    let key_bytes = good.key().to_bytes();
    let with_material = |bytes: &[u8]| format!("example.org/v+{id}+{}", BASE64.encode(bytes));

    type Check = fn(&VkeyError) -> bool;
    let cases: Vec<(String, Check)> = vec![
        ("no-plus".into(), |e| matches!(e, VkeyError::Format { .. })),
        ("one+plus".into(), |e| matches!(e, VkeyError::Format { .. })),
        (format!("bad name+{id}+{material}"), |e| {
            matches!(e, VkeyError::Name { .. })
        }),
        (
            format!("example.org/v+{}+{material}", id.to_uppercase()),
            |e| matches!(e, VkeyError::KeyIdFormat { .. }),
        ),
        (format!("example.org/v+{}+{material}", &id[..7]), |e| {
            matches!(e, VkeyError::KeyIdFormat { .. })
        }),
        (
            format!("example.org/v+{id}+{}", &material[..material.len() - 1]),
            |e| matches!(e, VkeyError::Base64 { .. }),
        ),
        (format!("example.org/v+{id}+"), |e| {
            matches!(e, VkeyError::Empty { .. })
        }),
        (with_material(&[&[0x02][..], &key_bytes].concat()), |e| {
            matches!(e, VkeyError::UnknownType { type_byte: 2, .. })
        }),
        (
            with_material(&[&[0x01][..], &key_bytes[..31]].concat()),
            |e| matches!(e, VkeyError::Key { .. }),
        ),
        (
            with_material(
                &[&[0x01][..], &{
                    let mut small = [0u8; 32];
                    small[0] = 1;
                    small
                }]
                .concat(),
            ),
            |e| matches!(e, VkeyError::Key { .. }),
        ),
        (format!("example.org/w+{id}+{material}"), |e| {
            matches!(e, VkeyError::KeyIdMismatch { .. })
        }),
        (
            // The same key as a cosigning key keeps the 0x01 id: mismatch.
            with_material(&[&[0x04][..], &key_bytes].concat()),
            |e| matches!(e, VkeyError::KeyIdMismatch { .. }),
        ),
    ];
    for (text, check) in cases {
        let err = Vkey::parse(&text).unwrap_err();
        assert!(check(&err), "{text}: {err:?}");
    }

    // Base64 other than canonical standard base64 is refused: padding on
    // 33 bytes, the URL-safe alphabet, unpadded 2-byte tails.
    let url_safe = material.replace('+', "-").replace('/', "_");
    for bad in [format!("{material}="), url_safe, format!("{material}AA")] {
        if bad == material {
            continue;
        }
        let text = format!("example.org/v+{id}+{bad}");
        assert!(
            matches!(Vkey::parse(&text), Err(VkeyError::Base64 { .. })),
            "{text}"
        );
    }
}

// --- notes ---------------------------------------------------------------------

#[test]
fn sign_parse_verify_round_trip() {
    let v = vkey("example.org/k", VkeyKind::Ed25519, 1);
    let text = "line one\n\nline three after a blank line\n";
    let signed = sign_note(text, "example.org/k", &key(1)).unwrap();
    assert!(signed.starts_with(&format!("{text}\n— example.org/k ")));
    let note = Note::parse(&signed).unwrap();
    assert_eq!(note.text(), text);
    assert_eq!(note.signatures().len(), 1);
    assert_eq!(note.to_string(), signed);
    assert_eq!(note.to_bytes(), signed.as_bytes());
    let verified = note.verify(std::slice::from_ref(&v)).unwrap();
    assert_eq!(
        verified,
        vec![VerifiedSignature {
            name: "example.org/k".into(),
            key_id: v.id(),
            kind: VkeyKind::Ed25519,
            timestamp: None,
        }]
    );
    // The signature is deterministic Ed25519 over the text.
    assert_eq!(
        note.signatures()[0].signature(),
        key(1).sign(text.as_bytes())
    );
}

#[test]
fn unknown_lines_are_ignored_and_known_lines_must_verify() {
    let v = vkey("example.org/k", VkeyKind::Ed25519, 1);
    let mut note = Note::new("hello\n").unwrap();
    note.sign("stranger.example", &key(9)).unwrap();
    // Only an unknown key signed.
    assert_eq!(
        note.verify(std::slice::from_ref(&v)),
        Err(NoteError::NoKnownSignature)
    );
    note.sign("example.org/k", &key(1)).unwrap();
    assert_eq!(note.verify(std::slice::from_ref(&v)).unwrap().len(), 1);
    // Same name as the known key, other key id: ignored.
    note.sign("example.org/k", &key(2)).unwrap();
    assert_eq!(note.verify(std::slice::from_ref(&v)).unwrap().len(), 1);

    // A known line that fails rejects the note.
    let signed = note.to_string();
    let tampered = with_signature(&signed, 1, |s| s[0] ^= 1);
    assert_eq!(
        Note::parse(tampered)
            .unwrap()
            .verify(std::slice::from_ref(&v)),
        Err(NoteError::BadSignature {
            name: "example.org/k".into(),
            key_id: v.id(),
        })
    );
    // Tampered text.
    let tampered = signed.replacen("hello", "hellp", 1);
    assert!(matches!(
        Note::parse(tampered)
            .unwrap()
            .verify(std::slice::from_ref(&v)),
        Err(NoteError::BadSignature { .. })
    ));
    // A second, bad line by the same key is checked too.
    let bad = NoteSignature::new("example.org/k", v.id(), vec![0; 64]).unwrap();
    let twice = Note::parse(format!("{signed}{}", bad.to_line())).unwrap();
    assert!(matches!(
        twice.verify(std::slice::from_ref(&v)),
        Err(NoteError::BadSignature { .. })
    ));
}

#[test]
fn ambiguous_trusted_keys_are_refused() {
    let note = Note::parse(sign_note("x\n", "k", &key(1)).unwrap()).unwrap();
    let v = vkey("k", VkeyKind::Ed25519, 1);
    // The same key twice is fine.
    assert_eq!(note.verify(&[v.clone(), v.clone()]).unwrap().len(), 1);
    // Two different keys with one (name, id) cannot be built from real keys
    // short of a collision, so build one by hand.
    let clash = vkey("k", VkeyKind::Ed25519, 2).with_id_for_test(v.id());
    assert!(matches!(
        note.verify(&[v, clash]),
        Err(NoteError::AmbiguousKey { .. })
    ));
}

#[test]
fn note_syntax_refusals() {
    let signed = sign_note("hello\n", "k", &key(1)).unwrap();
    let line = signed.strip_prefix("hello\n\n").unwrap();
    let malformed = [
        "hello\n".to_string(),                   // no signatures
        format!("hello\n{line}"),                // no blank line
        format!("hello\n\n{}", line.trim_end()), // no final newline
        format!("hel\u{7}lo\n\n{line}"),         // control character
        format!("hello\n\n{line}\n"),            // blank line after the signatures
        "hello\n\n— k !!!\n".to_string(),        // not base64
        "hello\n\n— k AAAA\n".to_string(),       // shorter than a key id + 1
        format!("hello\n\n-- k {}", &line[4..]), // not an em dash
    ];
    for bad in malformed {
        assert_eq!(Note::parse(&bad), Err(NoteError::Malformed), "{bad:?}");
    }
    assert_eq!(Note::parse([0xff, b'\n', b'\n']), Err(NoteError::Malformed));

    let big = format!("{}\n\n{line}", "a".repeat(MAX_NOTE_BYTES));
    assert!(matches!(Note::parse(&big), Err(NoteError::TooLarge { .. })));
    let many = format!("hello\n\n{}", line.repeat(MAX_SIGNATURES + 1));
    assert_eq!(
        Note::parse(&many),
        Err(NoteError::TooManySignatures {
            count: MAX_SIGNATURES + 1,
            max: MAX_SIGNATURES
        })
    );
    assert!(Note::parse(format!("hello\n\n{}", line.repeat(MAX_SIGNATURES))).is_ok());

    for bad_text in ["", "no newline", "tab\there\n", "nul\u{0}\n"] {
        assert_eq!(
            Note::new(bad_text),
            Err(NoteError::InvalidText),
            "{bad_text:?}"
        );
        assert!(sign_note(bad_text, "k", &key(1)).is_err());
    }
    assert!(matches!(
        sign_note("ok\n", "bad name", &key(1)),
        Err(NoteError::InvalidKeyName { .. })
    ));
}

#[test]
fn signature_lines_round_trip() {
    let signed = sign_note("hello\n", "k", &key(1)).unwrap();
    let line = signed.strip_prefix("hello\n\n").unwrap();
    let parsed = NoteSignature::parse_line(line).unwrap();
    assert_eq!(parsed, NoteSignature::parse_line(line.trim_end()).unwrap());
    assert_eq!(parsed.to_line(), line);
    assert_eq!(parsed.name(), "k");
    assert!(matches!(
        NoteSignature::parse_line(&format!("{line}{line}")),
        Err(NoteError::MalformedSignatureLine { .. })
    ));
    assert!(NoteSignature::new("k", 1, vec![]).is_err());
    assert!(NoteSignature::new("a b", 1, vec![1]).is_err());
}

#[test]
fn add_signature_replaces_the_same_key_and_caps_the_count() {
    let mut note = Note::new("x\n").unwrap();
    note.sign("k", &key(1)).unwrap();
    note.sign("k", &key(1)).unwrap();
    assert_eq!(note.signatures().len(), 1);
    for i in 0..(MAX_SIGNATURES - 1) {
        note.sign(&format!("k{i}"), &key(1)).unwrap();
    }
    assert_eq!(note.signatures().len(), MAX_SIGNATURES);
    assert!(matches!(
        note.sign("one-more", &key(1)),
        Err(NoteError::TooManySignatures { .. })
    ));
}

// --- cosignatures ----------------------------------------------------------------

#[test]
fn cosignature_round_trip_and_message() {
    let text = checkpoint().to_text();
    let v = vkey("witness.example", VkeyKind::CosignatureV1, 7);
    let cosig = Cosignature::sign(&text, "witness.example", &key(7), 1_700_000_000).unwrap();
    assert_eq!(cosig.key_id(), v.id());
    assert_eq!(cosig.timestamp(), 1_700_000_000);
    cosig.verify(&v, &text).unwrap();

    // The signed message is exactly the tlog-cosignature one.
    let message = format!("cosignature/v1\ntime 1700000000\n{text}");
    assert_eq!(
        cosignature::signed_message(text.as_bytes(), 1_700_000_000),
        message.as_bytes()
    );
    assert_eq!(cosig.signature(), &key(7).sign(message.as_bytes()));

    let line = cosig.to_line();
    let field = BASE64
        .decode(line.trim_end().rsplit_once(' ').unwrap().1.as_bytes())
        .unwrap();
    assert_eq!(field.len(), 4 + 72);
    assert_eq!(&field[..4], &v.id().to_be_bytes());
    assert_eq!(&field[4..12], &1_700_000_000u64.to_be_bytes());
    assert_eq!(Cosignature::parse_line(&line).unwrap(), cosig);

    // Through the generic note path too, which returns the timestamp.
    let mut note = Note::new(text.clone()).unwrap();
    note.add_signature(cosig.to_note_signature()).unwrap();
    let verified = note.verify(std::slice::from_ref(&v)).unwrap();
    assert_eq!(verified[0].timestamp, Some(1_700_000_000));
    assert_eq!(verified[0].kind, VkeyKind::CosignatureV1);
}

#[test]
fn cosignature_refusals() {
    let text = checkpoint().to_text();
    let v = vkey("witness.example", VkeyKind::CosignatureV1, 7);
    let cosig = Cosignature::sign(&text, "witness.example", &key(7), 1_700_000_000).unwrap();

    // Another timestamp, another text, another key.
    let mut field = cosig.to_note_signature().signature().to_vec();
    field[7] ^= 1;
    let moved = Cosignature::from_note_signature(
        &NoteSignature::new("witness.example", v.id(), field).unwrap(),
    )
    .unwrap();
    assert_eq!(moved.timestamp(), 1_700_000_001);
    assert!(matches!(
        moved.verify(&v, &text),
        Err(NoteError::BadSignature { .. })
    ));
    assert!(matches!(
        cosig.verify(&v, &text.replace("42", "43")),
        Err(NoteError::BadSignature { .. })
    ));
    assert!(matches!(
        cosig.verify(&vkey("other.example", VkeyKind::CosignatureV1, 7), &text),
        Err(NoteError::NotThisKey { .. })
    ));
    assert!(matches!(
        cosig.verify(&vkey("witness.example", VkeyKind::Ed25519, 7), &text),
        Err(NoteError::WrongKeyKind { .. })
    ));
    // A cosignature is not an Ed25519 note signature over the text, even
    // relabelled with the 0x01 key id of the same key.
    let ed = vkey("witness.example", VkeyKind::Ed25519, 7);
    let relabelled = NoteSignature::new(
        "witness.example",
        ed.id(),
        cosig.to_note_signature().signature().to_vec(),
    )
    .unwrap();
    assert!(matches!(
        ed.verify_signature(&text, &relabelled),
        Err(NoteError::BadSignature { .. })
    ));

    // Timestamps above 2^63 - 1.
    assert!(matches!(
        Cosignature::sign(&text, "w", &key(7), 1 << 63),
        Err(NoteError::TimestampRange { .. })
    ));
    let mut field = (1u64 << 63).to_be_bytes().to_vec();
    field.extend_from_slice(&[0; 64]);
    let line = NoteSignature::new("w", 1, field).unwrap();
    assert!(matches!(
        Cosignature::from_note_signature(&line),
        Err(NoteError::TimestampRange { .. })
    ));
    // Lengths other than 72.
    for len in [64, 71, 73] {
        let line = NoteSignature::new("w", 1, vec![0; len]).unwrap();
        assert!(matches!(
            Cosignature::from_note_signature(&line),
            Err(NoteError::CosignatureLength { .. })
        ));
    }
    assert!(matches!(
        Cosignature::sign("no newline", "w", &key(7), 1),
        Err(NoteError::InvalidText)
    ));
}

#[test]
fn signed_note_crate_accepts_our_strict_verifiers() {
    use signed_note::{Verifier, VerifierList};
    let text = checkpoint().to_text();
    let mut signed = SignedCheckpoint::sign(checkpoint(), "seq", &key(1)).unwrap();
    signed.cosign("w", &key(2), 5).unwrap();
    let seq = vkey("seq", VkeyKind::Ed25519, 1);
    let w = vkey("w", VkeyKind::CosignatureV1, 2);
    let framed = signed_note::Note::from_bytes(&signed.to_bytes()).unwrap();
    let list = VerifierList::new(vec![Box::new(seq.clone()), Box::new(w.clone())]);
    let (verified, unverified) = framed.verify(&list).unwrap();
    assert_eq!(verified.len(), 2);
    assert!(unverified.is_empty());
    // And the trait refuses what strict verification refuses.
    assert!(!Verifier::verify(&seq, text.as_bytes(), &[0; 64]));
    assert!(!Verifier::verify(&w, text.as_bytes(), &[0; 72]));
}

// --- checkpoints -------------------------------------------------------------------

#[test]
fn checkpoint_text_is_tlog_checkpoint_with_one_extension() {
    let c = checkpoint();
    let text = c.to_text();
    assert_eq!(
        text,
        format!(
            "ledger.example/assent\n42\n{}\nassent-state/v1 {}\n",
            BASE64.encode(&[0xaa; 32]),
            BASE64.encode(&[0x55; 32])
        )
    );
    assert_eq!(Checkpoint::parse(&text).unwrap(), c);
    // tlog_tiles reads it the same way.
    let t = tlog_tiles::Checkpoint::from_bytes(text.as_bytes()).unwrap();
    assert_eq!(t.origin(), c.origin);
    assert_eq!(t.size(), 42);
    assert_eq!(t.hash().0, c.root);
    assert_eq!(
        t.extension(),
        format!("assent-state/v1 {}\n", BASE64.encode(&[0x55; 32]))
    );
}

#[test]
fn checkpoint_parse_refusals() {
    let c = checkpoint();
    let root = BASE64.encode(&c.root);
    let state = BASE64.encode(&c.state_root);
    let head = format!("ledger.example/assent\n42\n{root}\n");
    let ext = format!("assent-state/v1 {state}\n");
    let cases: Vec<(String, NoteError)> = vec![
        (head.clone(), NoteError::MissingStateRoot),
        (
            format!("{head}{ext}other/v1 x\n"),
            NoteError::UnexpectedExtension {
                line: "other/v1 x".into(),
            },
        ),
        (
            format!("{head}{ext}{ext}"),
            NoteError::UnexpectedExtension {
                line: ext.trim_end().into(),
            },
        ),
        (
            format!("{head}other/v1 {state}\n"),
            NoteError::UnexpectedExtension {
                line: format!("other/v1 {state}"),
            },
        ),
        (
            format!("{head}assent-state/v1{state}\n"),
            NoteError::UnexpectedExtension {
                line: format!("assent-state/v1{state}"),
            },
        ),
        (
            format!("{head}assent-state/v1  {state}\n"),
            NoteError::InvalidStateRoot {
                text: format!(" {state}"),
            },
        ),
        (
            format!("{head}assent-state/v1 {}\n", BASE64.encode(&[1; 31])),
            NoteError::InvalidStateRoot {
                text: BASE64.encode(&[1; 31]),
            },
        ),
        (
            format!("ledger.example/assent\n042\n{root}\n{ext}"),
            NoteError::CheckpointSyntax,
        ),
        (format!("\n42\n{root}\n{ext}"), NoteError::CheckpointSyntax),
        (
            format!(
                "ledger.example/assent\n42\n{}\n{ext}",
                BASE64.encode(&[1; 31])
            ),
            NoteError::CheckpointSyntax,
        ),
        (
            format!("ledger.example/assent\n42\n{root}\n{ext}\n"),
            NoteError::CheckpointSyntax,
        ),
        (
            format!("ledger.example/assent\n42\n{root}\n{}", ext.trim_end()),
            NoteError::CheckpointSyntax,
        ),
        (
            format!("ledger\rexample\n42\n{root}\n{ext}"),
            NoteError::InvalidOrigin {
                origin: "ledger\rexample".into(),
            },
        ),
    ];
    for (text, want) in cases {
        assert_eq!(Checkpoint::parse(&text), Err(want), "{text:?}");
    }
}

#[test]
fn signed_checkpoint_round_trip_and_cosignatures() {
    let seq = vkey("ledger.example/assent", VkeyKind::Ed25519, 1);
    let w = vkey("w.example", VkeyKind::CosignatureV1, 2);
    let mut signed =
        SignedCheckpoint::sign(checkpoint(), "ledger.example/assent", &key(1)).unwrap();
    assert_eq!(signed.text(), checkpoint().to_text());
    assert_eq!(signed.signatures().len(), 1);

    let first = signed.cosign("w.example", &key(2), 100).unwrap();
    assert_eq!(signed.signatures().len(), 2);
    // A newer cosignature by the same key replaces the older one.
    let newer = Cosignature::sign(signed.text(), "w.example", &key(2), 200).unwrap();
    signed.add_cosignature(&newer).unwrap();
    assert_eq!(signed.signatures().len(), 2);
    assert_ne!(first, newer);

    // A line received as text.
    let other = Cosignature::sign(signed.text(), "x.example", &key(3), 300).unwrap();
    signed.add_signature_line(&other.to_line()).unwrap();
    assert!(signed.add_signature_line("— not a line").is_err());

    let bytes = signed.to_bytes();
    let parsed = SignedCheckpoint::parse(&bytes).unwrap();
    assert_eq!(parsed, signed);
    assert_eq!(parsed.to_string().as_bytes(), bytes);
    assert_eq!(parsed.checkpoint(), &checkpoint());
    let verified = parsed.note().verify(&[seq.clone(), w.clone()]).unwrap();
    assert_eq!(verified.len(), 2);
    assert_eq!(verified[1].timestamp, Some(200));
    assert_eq!(parsed.verify_signer(&seq), Ok(None));
    assert_eq!(parsed.verify_signer(&w), Ok(Some(200)));
    assert_eq!(
        parsed.verify_signer(&vkey("ledger.example/assent", VkeyKind::Ed25519, 9)),
        Err(NoteError::NoKnownSignature)
    );

    // Invalid origins are not signed.
    let mut bad = checkpoint();
    bad.origin = "two\nlines".into();
    assert!(matches!(
        SignedCheckpoint::sign(bad, "k", &key(1)),
        Err(NoteError::InvalidOrigin { .. })
    ));
    // A note whose body is not an Assent checkpoint.
    let plain = sign_note(
        "ledger.example/assent\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "k",
        &key(1),
    )
    .unwrap();
    assert_eq!(
        SignedCheckpoint::parse(plain),
        Err(NoteError::MissingStateRoot)
    );
}

// --- receipts ----------------------------------------------------------------------

fn receipt(index: Option<u64>) -> Receipt {
    Receipt {
        origin: "ledger.example/assent".into(),
        tx: TxId([0xab; 32]),
        received: 1_790_000_000,
        deadline: 1_790_000_060,
        index,
    }
}

#[test]
fn receipt_round_trip() {
    let rk = vkey("ledger.example/receipts", VkeyKind::Ed25519, 4);
    for index in [None, Some(0), Some(17)] {
        let r = receipt(index);
        let text = r.to_text();
        let mut want = format!(
            "assent-receipt/v1\norigin ledger.example/assent\ntx {}\nreceived 1790000000\ndeadline 1790000060\n",
            "ab".repeat(32)
        );
        if let Some(i) = index {
            want.push_str(&format!("index {i}\n"));
        }
        assert_eq!(text, want);
        assert_eq!(Receipt::parse_text(&text).unwrap(), r);
        let signed = r.sign("ledger.example/receipts", &key(4)).unwrap();
        assert!(signed.starts_with(&text));
        assert_eq!(Receipt::verify(&signed, &rk).unwrap(), r);
    }
}

#[test]
fn receipt_tampering_and_wrong_keys_fail() {
    let rk = vkey("ledger.example/receipts", VkeyKind::Ed25519, 4);
    let signed = receipt(Some(5))
        .sign("ledger.example/receipts", &key(4))
        .unwrap();
    for (from, to) in [
        ("deadline 1790000060", "deadline 1790000061"),
        ("index 5", "index 6"),
        ("received 1790000000", "received 1790000001"),
        ("origin ledger", "origin ledgex"),
    ] {
        let tampered = signed.replacen(from, to, 1);
        assert!(
            matches!(
                Receipt::verify(&tampered, &rk),
                Err(NoteError::BadSignature { .. })
            ),
            "{from}"
        );
    }
    let tampered = with_signature(&signed, 0, |s| s[10] ^= 0x80);
    assert!(matches!(
        Receipt::verify(&tampered, &rk),
        Err(NoteError::BadSignature { .. })
    ));
    // Signed by another key (e.g. the checkpoint key).
    let other = receipt(None)
        .sign("ledger.example/assent", &key(1))
        .unwrap();
    assert_eq!(
        Receipt::verify(&other, &rk),
        Err(NoteError::NoKnownSignature)
    );
    // A cosigning key is not a receipt key.
    assert!(matches!(
        Receipt::verify(
            &signed,
            &vkey("ledger.example/receipts", VkeyKind::CosignatureV1, 4)
        ),
        Err(NoteError::WrongKeyKind { .. })
    ));
    // A validly signed note that is not a receipt.
    let not_receipt = sign_note("hello\n", "ledger.example/receipts", &key(4)).unwrap();
    assert!(matches!(
        Receipt::verify(&not_receipt, &rk),
        Err(NoteError::ReceiptSyntax { line: 1, .. })
    ));
}

#[test]
fn receipt_text_refusals() {
    let good = receipt(Some(3)).to_text();
    let cases: Vec<(String, usize)> = vec![
        (good.replace("assent-receipt/v1", "assent-receipt/v2"), 1),
        (good.replace("origin ", "origin:"), 2),
        (good.replace(&"ab".repeat(32), &"AB".repeat(32)), 3),
        (good.replace(&"ab".repeat(32), &"ab".repeat(31)), 3),
        (
            good.replace("received 1790000000", "received 01790000000"),
            4,
        ),
        (
            good.replace("received 1790000000", "received +1790000000"),
            4,
        ),
        (good.replace("deadline", "deadlne"), 5),
        (good.replace("index 3", "index 03"), 6),
        (good.replace("index 3", "idx 3"), 6),
        (format!("{good}extra\n"), 7),
        (good.trim_end().to_string(), 1),
    ];
    for (text, line) in cases {
        assert!(
            matches!(Receipt::parse_text(&text), Err(NoteError::ReceiptSyntax { line: l, .. }) if l == line),
            "{text:?}: {:?}",
            Receipt::parse_text(&text)
        );
    }
    let mut late = receipt(None);
    late.deadline = late.received - 1;
    assert!(matches!(
        Receipt::parse_text(&late.to_text()),
        Err(NoteError::ReceiptDeadline { .. })
    ));
    assert!(matches!(
        late.sign("k", &key(4)),
        Err(NoteError::ReceiptDeadline { .. })
    ));
    let mut bad_origin = receipt(None);
    bad_origin.origin = String::new();
    assert!(matches!(
        bad_origin.sign("k", &key(4)),
        Err(NoteError::InvalidOrigin { .. })
    ));
}

// --- no parser panics on hostile input -------------------------------------------------

mod hostile {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Vec<u8> {
        let mut signed = SignedCheckpoint::sign(checkpoint(), "seq", &key(1)).unwrap();
        signed.cosign("w", &key(2), 1_790_000_000).unwrap();
        signed.to_bytes()
    }

    fn every_parser(bytes: &[u8]) {
        let _ = Note::parse(bytes);
        let _ = SignedCheckpoint::parse(bytes);
        if let Ok(text) = std::str::from_utf8(bytes) {
            let _ = Checkpoint::parse(text);
            let _ = Receipt::parse_text(text);
            let _ = Vkey::parse(text);
            let _ = NoteSignature::parse_line(text);
            let _ = Cosignature::parse_line(text);
        }
        let known = [
            vkey("seq", VkeyKind::Ed25519, 1),
            vkey("w", VkeyKind::CosignatureV1, 2),
        ];
        if let Ok(note) = Note::parse(bytes) {
            let _ = note.verify(&known);
        }
        let _ = Receipt::verify(bytes, &known[0]);
    }

    proptest! {
        #[test]
        fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            every_parser(&bytes);
        }

        #[test]
        fn arbitrary_text(text in "[a-z0-9+/=\\n— .]{0,300}") {
            every_parser(text.as_bytes());
        }

        #[test]
        fn mutated_checkpoints(
            edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..4)
        ) {
            let mut bytes = sample();
            for (at, byte, op) in edits {
                let at = at % (bytes.len() + 1);
                match op {
                    0 if at < bytes.len() => bytes[at] = byte,
                    1 => bytes.insert(at, byte),
                    _ if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    _ => {}
                }
            }
            every_parser(&bytes);
            // A changed note never verifies as the original checkpoint.
            if bytes != sample() {
                if let Ok(parsed) = SignedCheckpoint::parse(&bytes) {
                    let known = [
                        vkey("seq", VkeyKind::Ed25519, 1),
                        vkey("w", VkeyKind::CosignatureV1, 2),
                    ];
                    if let Ok(verified) = parsed.note().verify(&known) {
                        // Still verifying (e.g. a line was dropped): the
                        // signed body is the original one.
                        prop_assert_eq!(parsed.checkpoint(), &checkpoint());
                        prop_assert!(!verified.is_empty());
                    }
                }
            }
        }
    }
}
