//! Real C2SP signed notes, checkpoints and cosignatures
//! (`../shared/vectors/c2sp/real-notes.json`): Go's note examples, the
//! signed-note spec example, sum.golang.org tree heads, a CT log checkpoint
//! cosigned by four witnesses, and Tessera's test log. Every signature must
//! verify under our strict verifiers, every tampered copy must fail, and where
//! a private key is given our signing must give the same bytes.

mod common;

use assent_core::keys::SigningKey;
use assent_core::merkle::{leaf_hash, proofs, Hash};
use assent_core::note::{
    key_id, sign_note, Cosignature, Note, NoteError, NoteSignature, VerifiedSignature, Vkey,
    VkeyKind,
};
use data_encoding::{BASE64, HEXLOWER};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn vectors() -> Value {
    serde_json::from_str(&common::read_shared("c2sp/real-notes.json"))
        .expect("real-notes.json is JSON")
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("vector field {key:?} missing or not a string"))
}

/// A Go `PRIVATE+KEY+<name>+<id>+<base64(0x01 ‖ seed)>` signer key.
fn parse_skey(skey: &str) -> (String, u32, SigningKey) {
    let parts: Vec<&str> = skey.splitn(5, '+').collect();
    assert_eq!(&parts[..2], &["PRIVATE", "KEY"], "{skey}");
    let material = BASE64.decode(parts[4].as_bytes()).unwrap();
    assert_eq!(material[0], 0x01, "only Ed25519 skeys are expected");
    let seed: [u8; 32] = material[1..].try_into().unwrap();
    let id = u32::from_str_radix(parts[3], 16).unwrap();
    (
        parts[2].to_string(),
        id,
        SigningKey::from_secret_bytes(&seed),
    )
}

/// Checks a vkey's text: it parses, prints back identically, and its id is
/// `SHA-256(name ‖ "\n" ‖ type ‖ key)[:4]` computed here by hand.
fn check_vkey(text: &str, kind: VkeyKind) -> Vkey {
    let vkey = Vkey::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(vkey.to_string(), text);
    assert_eq!(vkey.kind(), kind, "{text}");
    let digest = Sha256::new()
        .chain_update(vkey.name().as_bytes())
        .chain_update(b"\n")
        .chain_update([kind.type_byte()])
        .chain_update(vkey.key().to_bytes())
        .finalize();
    let by_hand = u32::from_be_bytes(digest[..4].try_into().unwrap());
    assert_eq!(vkey.id(), by_hand, "{text}");
    assert_eq!(key_id(vkey.name(), kind, vkey.key()), by_hand);
    let id_text = text.split('+').nth(1).unwrap();
    assert_eq!(id_text, format!("{by_hand:08x}"));
    vkey
}

/// Rebuilds a note with signature line `i` replaced by `f(line)`.
fn replace_line(note: &Note, i: usize, f: impl Fn(&NoteSignature) -> NoteSignature) -> String {
    let mut out = format!("{}\n", note.text());
    for (j, line) in note.signatures().iter().enumerate() {
        out += &if i == j { f(line) } else { line.clone() }.to_line();
    }
    out
}

/// `note` verifies under `known`; every single-byte change of the text, of
/// a trusted line's signature bytes (timestamps included), and any change of
/// a trusted line's name or key id makes it fail (or drops that signer).
fn verifies_and_resists_tampering(note_text: &str, known: &[Vkey]) -> Vec<VerifiedSignature> {
    let note = Note::parse(note_text).unwrap();
    assert_eq!(
        note.to_string(),
        note_text,
        "parsing and printing round-trip"
    );
    let verified = note
        .verify(known)
        .unwrap_or_else(|e| panic!("{note_text}: {e}"));

    // One byte of the text.
    let text = note.text();
    for i in 0..text.len() {
        let b = text.as_bytes()[i];
        if !b.is_ascii() {
            continue;
        }
        let mut bytes = note_text.as_bytes().to_vec();
        bytes[i] = if b == b'a' { b'b' } else { b'a' };
        let tampered = Note::parse(&bytes).and_then(|n| n.verify(known));
        assert!(tampered.is_err(), "text byte {i} changed, still verifies");
    }

    for (i, line) in note.signatures().iter().enumerate() {
        let Some(vkey) = known.iter().find(|v| v.matches(line)) else {
            continue;
        };
        // Every signature byte (for a cosignature: the timestamp too).
        for k in 0..line.signature().len() {
            let tampered = replace_line(&note, i, |l| {
                let mut sig = l.signature().to_vec();
                sig[k] ^= 0x01;
                NoteSignature::new(l.name(), l.key_id(), sig).unwrap()
            });
            assert_eq!(
                Note::parse(&tampered).unwrap().verify(known),
                Err(NoteError::BadSignature {
                    name: vkey.name().into(),
                    key_id: vkey.id(),
                }),
                "signature byte {k} of {} changed",
                vkey.name()
            );
        }
        // The name or the key id: the line no longer names a trusted key.
        let renamed = replace_line(&note, i, |l| {
            NoteSignature::new(format!("{}x", l.name()), l.key_id(), l.signature().to_vec())
                .unwrap()
        });
        let rekeyed = replace_line(&note, i, |l| {
            NoteSignature::new(l.name(), l.key_id() ^ 1, l.signature().to_vec()).unwrap()
        });
        for tampered in [renamed, rekeyed] {
            match Note::parse(&tampered).unwrap().verify(known) {
                Err(e) => assert_eq!(e, NoteError::NoKnownSignature),
                // (Each trusted key has one line in these vectors.)
                Ok(v) => assert!(
                    !v.iter()
                        .any(|s| s.name == vkey.name() && s.key_id == vkey.id()),
                    "{} still counted after its line was relabelled",
                    vkey.name()
                ),
            }
        }
    }
    verified
}

#[test]
fn go_note_examples() {
    let v = vectors();
    let go = &v["go_note_examples"];
    let peter = &go["peter"];
    let text = s(peter, "text");
    let line = s(peter, "signature_line");

    // The skey gives the published vkey, and our signature is Go's, byte for byte.
    let (name, id, key) = parse_skey(s(peter, "skey"));
    let vkey = check_vkey(s(peter, "vkey"), VkeyKind::Ed25519);
    assert_eq!(vkey.name(), name);
    assert_eq!(vkey.id(), id);
    assert_eq!(vkey.id(), 0xc74f20a3);
    assert_eq!(vkey.key(), &key.public_key());
    let signed = sign_note(text, &name, &key).unwrap();
    assert_eq!(signed, format!("{text}\n{line}"));
    let verified = verifies_and_resists_tampering(&signed, std::slice::from_ref(&vkey));
    assert_eq!(verified.len(), 1);

    // Enoch: the key of 32 zero bytes, signing the same text.
    let enoch = &go["enoch"];
    assert_eq!(s(enoch, "seed"), "32 zero bytes");
    let enoch_key = SigningKey::from_secret_bytes(&[0; 32]);
    let enoch_vkey = check_vkey(s(enoch, "vkey"), VkeyKind::Ed25519);
    assert_eq!(
        Vkey::new("EnochRoot", VkeyKind::Ed25519, enoch_key.public_key()).unwrap(),
        enoch_vkey
    );
    let enoch_line = s(enoch, "signature_line");
    let mut both = Note::parse(&signed).unwrap();
    both.sign("EnochRoot", &enoch_key).unwrap();
    assert_eq!(both.to_string(), format!("{text}\n{line}{enoch_line}"));
    let verified =
        verifies_and_resists_tampering(&both.to_string(), &[vkey.clone(), enoch_vkey.clone()]);
    assert_eq!(verified.len(), 2);
    // Either key alone verifies the doubly signed note; the other line is ignored.
    assert_eq!(
        both.verify(std::slice::from_ref(&enoch_vkey))
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn signed_note_spec_example() {
    let v = vectors();
    let example = &v["c2sp_signed_note_example"];
    let vkey = check_vkey(s(example, "vkey"), VkeyKind::Ed25519);
    let verified = verifies_and_resists_tampering(s(example, "note"), &[vkey]);
    assert_eq!(verified.len(), 1);
    assert_eq!(verified[0].name, "example.com/foo");
}

#[test]
fn sum_golang_org_tree_heads() {
    let v = vectors();
    let sum = &v["sum_golang_org"];
    let vkey = check_vkey(s(sum, "vkey"), VkeyKind::Ed25519);
    let origin = s(sum, "origin");
    let heads = sum["heads"].as_array().unwrap();
    assert!(!heads.is_empty());
    for head in heads {
        let note = format!(
            "{origin}\n{}\n{}\n\n— {} {}\n",
            s(head, "size"),
            s(head, "root"),
            vkey.name(),
            s(head, "signature")
        );
        // The body is a plain tlog-checkpoint (no Assent extension).
        let body = Note::parse(&note).unwrap();
        let checkpoint = tlog_tiles::Checkpoint::from_bytes(body.text().as_bytes()).unwrap();
        assert_eq!(checkpoint.size().to_string(), s(head, "size"));
        verifies_and_resists_tampering(&note, std::slice::from_ref(&vkey));
    }
}

#[test]
fn ct_checkpoint_with_witness_cosignatures() {
    let v = vectors();
    let ct = &v["ct_witnessed_checkpoint"];
    let note_text = s(ct, "checkpoint");
    let log = check_vkey(s(ct, "log_vkey"), VkeyKind::Ed25519);
    let witnesses: Vec<Vkey> = ct["witness_vkeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| check_vkey(w.as_str().unwrap(), VkeyKind::CosignatureV1))
        .collect();
    assert_eq!(witnesses.len(), 4);

    let note = Note::parse(note_text).unwrap();
    // The log also signs with another type (RFC 6962 tree head signature,
    // ECDSA): same name, other key id, so that line is unknown and ignored.
    let unknown: Vec<&NoteSignature> = note
        .signatures()
        .iter()
        .filter(|l| !log.matches(l) && !witnesses.iter().any(|w| w.matches(l)))
        .collect();
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0].name(), log.name());

    let mut known = vec![log.clone()];
    known.extend(witnesses.iter().cloned());
    let verified = verifies_and_resists_tampering(note_text, &known);
    assert_eq!(verified.len(), 5, "the log and all four witnesses");
    assert_eq!(verified[0].kind, VkeyKind::Ed25519);
    assert_eq!(verified[0].timestamp, None);
    for (w, got) in witnesses.iter().zip(&verified[1..]) {
        assert_eq!(got.name, w.name());
        assert_eq!(got.kind, VkeyKind::CosignatureV1);
        assert!(got.timestamp.is_some());
    }

    // Each cosignature on its own, through the Cosignature type.
    for w in &witnesses {
        let line = note.signatures().iter().find(|l| w.matches(l)).unwrap();
        let cosig = Cosignature::parse_line(&line.to_line()).unwrap();
        assert_eq!(cosig.to_line(), line.to_line());
        cosig.verify(w, note.text()).unwrap();
        // Cosigned in 2026 (a plausible POSIX time, not milliseconds).
        assert!((1_700_000_000..2_000_000_000).contains(&cosig.timestamp()));
        // Another timestamp in the message does not verify.
        let mut field = line.signature().to_vec();
        field[7] ^= 1;
        let moved = Cosignature::from_note_signature(
            &NoteSignature::new(line.name(), line.key_id(), field).unwrap(),
        )
        .unwrap();
        assert!(matches!(
            moved.verify(w, note.text()),
            Err(NoteError::BadSignature { .. })
        ));
        // A cosignature is not valid for another checkpoint text.
        let other_text = note.text().replacen("1432088532", "1432088533", 1);
        assert!(cosig.verify(w, &other_text).is_err());
    }

    // The same witness key as a type 0x01 vkey has another id: the
    // cosignature line is not its line; relabelled with that id it fails.
    let garden_ed = check_vkey(s(ct, "little_garden_as_ed25519_vkey"), VkeyKind::Ed25519);
    let garden = &witnesses[0];
    assert_eq!(garden_ed.name(), garden.name());
    assert_eq!(garden_ed.key(), garden.key());
    assert_ne!(garden_ed.id(), garden.id());
    assert_eq!(
        note.verify(std::slice::from_ref(&garden_ed)),
        Err(NoteError::NoKnownSignature)
    );
    let i = note
        .signatures()
        .iter()
        .position(|l| garden.matches(l))
        .unwrap();
    let relabelled = replace_line(&note, i, |l| {
        NoteSignature::new(l.name(), garden_ed.id(), l.signature().to_vec()).unwrap()
    });
    assert!(matches!(
        Note::parse(&relabelled)
            .unwrap()
            .verify(std::slice::from_ref(&garden_ed)),
        Err(NoteError::BadSignature { .. })
    ));

    // The signed_note crate, given our strict verifiers, agrees.
    let framed = signed_note::Note::from_bytes(note_text.as_bytes()).unwrap();
    let list = signed_note::VerifierList::new(
        known
            .iter()
            .map(|k| Box::new(k.clone()) as Box<dyn signed_note::Verifier>)
            .collect(),
    );
    let (ok, ignored) = framed.verify(&list).unwrap();
    assert_eq!((ok.len(), ignored.len()), (5, 1));
}

#[test]
fn tessera_testdata_checkpoints() {
    let v = vectors();
    let t = &v["tessera_testdata"];
    let origin = s(t, "origin");
    let vkey = check_vkey(s(t, "vkey"), VkeyKind::Ed25519);
    let (name, id, key) = parse_skey(s(t, "skey"));
    assert_eq!(
        Vkey::new(&name, VkeyKind::Ed25519, key.public_key()).unwrap(),
        vkey
    );
    assert_eq!(id, vkey.id());

    let entries: Vec<&str> = t["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(e.as_bytes())).collect();

    let checkpoints = t["checkpoints"].as_object().unwrap();
    assert_eq!(checkpoints.len(), 5);
    for (size, cp) in checkpoints {
        let size: usize = size.parse().unwrap();
        let root = s(cp, "root");
        let text = format!("{origin}\n{size}\n{root}\n");
        let note = format!("{text}\n— {} {}\n", vkey.name(), s(cp, "signature"));
        verifies_and_resists_tampering(&note, std::slice::from_ref(&vkey));
        // Ed25519 is deterministic: our signing gives Tessera's bytes.
        assert_eq!(sign_note(&text, &name, &key).unwrap(), note);
        // The root is the RFC 9162 root of the first `size` entries.
        assert_eq!(
            BASE64.encode(&proofs::root(&leaves[..size]).0),
            root,
            "root at size {size}"
        );
    }

    // The size-15 tiles: level-0 hashes, and the entry bundle (each entry
    // as a 2-byte big-endian length and its bytes).
    let files = &t["file_sha256_at_size_15"];
    let hashes: Vec<u8> = leaves.iter().flat_map(|h| h.0).collect();
    assert_eq!(
        HEXLOWER.encode(&Sha256::digest(&hashes)),
        s(files, "tile/0/000.p/15")
    );
    let mut bundle = Vec::new();
    for e in &entries {
        bundle.extend_from_slice(&(e.len() as u16).to_be_bytes());
        bundle.extend_from_slice(e.as_bytes());
    }
    assert_eq!(
        HEXLOWER.encode(&Sha256::digest(&bundle)),
        s(files, "tile/entries/000.p/15")
    );
}
