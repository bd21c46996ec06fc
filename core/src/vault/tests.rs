use super::*;
use proptest::prelude::*;
use rand_core::OsRng;

fn pass(s: &str) -> Passphrase {
    Passphrase::new(s.to_string())
}

fn with_params(file: &[u8], kdf: KdfParams) -> Vec<u8> {
    let mut header = Header::parse(file).unwrap();
    header.kdf = kdf;
    let mut out = header.to_bytes().to_vec();
    out.extend_from_slice(&file[HEADER_LEN..]);
    out
}

#[test]
fn round_trip_with_default_parameters() {
    let file = seal(b"hello vault", &pass("pw"), KdfParams::DEFAULT, &mut OsRng).unwrap();
    assert_eq!(&file[..8], b"ASSENTVT");
    assert_eq!(Header::parse(&file).unwrap().kdf, KdfParams::DEFAULT);
    assert_eq!(open(&file, &pass("pw")).unwrap().as_slice(), b"hello vault");
}

#[test]
fn wrong_passphrase_and_tampering_give_the_same_error() {
    let file = seal(b"x", &pass("right"), KdfParams::MINIMUM, &mut OsRng).unwrap();
    let wrong = open(&file, &pass("wrong")).unwrap_err();
    let mut tampered = file.clone();
    *tampered.last_mut().unwrap() ^= 1;
    let altered = open(&tampered, &pass("right")).unwrap_err();
    assert_eq!(wrong, VaultError::DecryptionFailed);
    assert_eq!(wrong, altered);
    assert_eq!(wrong.to_string(), altered.to_string());
}

#[test]
fn every_single_flipped_byte_is_rejected() {
    let file = seal(
        b"the wallet's keystore item",
        &pass("pw"),
        KdfParams::MINIMUM,
        &mut OsRng,
    )
    .unwrap();
    for i in 0..file.len() {
        let mut bad = file.clone();
        bad[i] ^= 0x01;
        let err = open(&bad, &pass("pw")).unwrap_err();
        // Salt, nonce, ciphertext and tag: the same answer as a wrong passphrase.
        if i >= 21 {
            assert_eq!(err, VaultError::DecryptionFailed, "byte {i}");
        }
    }
}

#[test]
fn hostile_parameters_are_refused_before_any_work() {
    let file = seal(b"x", &pass("pw"), KdfParams::MINIMUM, &mut OsRng).unwrap();
    for kdf in [
        KdfParams {
            m_kib: 1024 * 1024 + 1,
            ..KdfParams::MINIMUM
        },
        KdfParams {
            t: 11,
            ..KdfParams::MINIMUM
        },
        KdfParams {
            p: 5,
            ..KdfParams::MINIMUM
        },
        KdfParams {
            m_kib: u32::MAX,
            t: u32::MAX,
            p: u32::MAX,
        },
    ] {
        assert_eq!(
            open(&with_params(&file, kdf), &pass("pw")).unwrap_err(),
            VaultError::ExcessiveWork {
                required: kdf,
                max: KdfParams::MAXIMUM
            },
        );
    }
    for kdf in [
        KdfParams {
            m_kib: 19 * 1024 - 1,
            ..KdfParams::MINIMUM
        },
        KdfParams {
            m_kib: 0,
            t: 3,
            p: 1,
        },
        KdfParams {
            t: 0,
            ..KdfParams::MINIMUM
        },
        KdfParams {
            p: 0,
            ..KdfParams::MINIMUM
        },
    ] {
        assert_eq!(
            open(&with_params(&file, kdf), &pass("pw")).unwrap_err(),
            VaultError::TooWeak {
                found: kdf,
                min: KdfParams::MINIMUM
            },
        );
        assert!(matches!(
            seal(b"x", &pass("pw"), kdf, &mut OsRng),
            Err(VaultError::TooWeak { .. })
        ));
    }
}

#[test]
fn structural_faults_are_named() {
    let file = seal(b"x", &pass("pw"), KdfParams::MINIMUM, &mut OsRng).unwrap();
    assert_eq!(
        open(b"hello", &pass("pw")).unwrap_err(),
        VaultError::NotAVault
    );
    assert_eq!(
        open(&file[..8], &pass("pw")).unwrap_err(),
        VaultError::Truncated
    );
    assert_eq!(
        open(&file[..40], &pass("pw")).unwrap_err(),
        VaultError::Truncated
    );
    assert_eq!(
        open(&file[..HEADER_LEN + 3], &pass("pw")).unwrap_err(),
        VaultError::Truncated
    );
    let mut v2 = file.clone();
    v2[8] = 2;
    assert_eq!(
        open(&v2, &pass("pw")).unwrap_err(),
        VaultError::UnsupportedVersion(2)
    );
    let huge = vec![0u8; MAX_FILE_SIZE + 1];
    assert!(matches!(
        open(&huge, &pass("pw")),
        Err(VaultError::TooLarge { .. })
    ));
    assert_eq!(
        seal(b"x", &pass(""), KdfParams::MINIMUM, &mut OsRng).unwrap_err(),
        VaultError::EmptyPassphrase
    );
}

#[test]
fn composed_and_decomposed_passphrases_open_the_same_vault() {
    let composed = "caf\u{e9} cr\u{e8}me";
    let decomposed = "cafe\u{301} cre\u{300}me";
    let file = seal(b"x", &pass(composed), KdfParams::MINIMUM, &mut OsRng).unwrap();
    assert_eq!(open(&file, &pass(decomposed)).unwrap().as_slice(), b"x");
}

#[test]
fn passphrase_debug_is_redacted() {
    assert_eq!(format!("{:?}", pass("hunter2")), "Passphrase([REDACTED])");
}

proptest! {
    // Each case runs Argon2id twice at the minimum cost (~19 MiB), so keep the
    // case count modest; the exhaustive flip test above covers every position.
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn seal_open_round_trips_and_any_flip_fails(
        plaintext in proptest::collection::vec(any::<u8>(), 0..512),
        passphrase in "\\PC{1,40}",
        flip_at in any::<prop::sample::Index>(),
        flip_bit in 0u8..8,
    ) {
        let p = pass(&passphrase);
        let file = seal(&plaintext, &p, KdfParams::MINIMUM, &mut OsRng).unwrap();
        let opened = open(&file, &p).unwrap();
        prop_assert_eq!(opened.as_slice(), plaintext.as_slice());
        let mut bad = file.clone();
        let i = flip_at.index(bad.len());
        bad[i] ^= 1 << flip_bit;
        let err = open(&bad, &p).unwrap_err();
        if i >= 21 {
            prop_assert_eq!(err, VaultError::DecryptionFailed);
        }
    }
}
