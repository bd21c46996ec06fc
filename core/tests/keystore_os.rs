//! The OS keystore edge against the real platform store.
//!
//! Under `scripts/with-keystore.sh` (which the README's test command and CI
//! use) `ASSENT_REQUIRE_REAL_KEYSTORE=1` is set and a Secret Service is
//! running, so the store must work. Without it, a machine with no store must
//! get the plain `Unavailable` answer, never a silent mock.

use assent_core::keys::MnemonicPhrase;
use assent_core::keystore::{KeystoreError, OsKeystore, SecretStore};
use assent_core::wallet::{WalletId, WalletSecret};
use rand_core::OsRng;

fn keystore_or_explain() -> Option<OsKeystore> {
    match OsKeystore::open() {
        Ok(store) => Some(store),
        Err(e) => {
            assert!(
                std::env::var("ASSENT_REQUIRE_REAL_KEYSTORE").as_deref() != Ok("1"),
                "a real keystore is required here but did not answer: {e}"
            );
            assert!(matches!(e, KeystoreError::Unavailable { .. }), "{e:?}");
            assert!(e.to_string().starts_with("no OS keystore is usable here"));
            eprintln!("no OS keystore on this machine ({e}); run under scripts/with-keystore.sh");
            None
        }
    }
}

#[test]
fn create_load_refuse_overwrite_delete() {
    let Some(store) = keystore_or_explain() else {
        return;
    };
    let id = WalletId::generate(&mut OsRng);
    let wallet = WalletSecret::new(MnemonicPhrase::generate(&mut OsRng), None);
    let key = wallet.primary_public_key();

    assert!(matches!(
        store.load(&id),
        Err(KeystoreError::NotFound { .. })
    ));
    store.create(&id, &wallet).unwrap();
    assert_eq!(store.load(&id).unwrap().primary_public_key(), key);

    let other = WalletSecret::new(MnemonicPhrase::generate(&mut OsRng), None);
    assert!(matches!(
        store.create(&id, &other),
        Err(KeystoreError::AlreadyExists { .. })
    ));
    assert_eq!(
        store.load(&id).unwrap().primary_public_key(),
        key,
        "nothing was overwritten"
    );

    // A later state of the same wallet replaces the item; another wallet does not.
    let mut rotated = store.load(&id).unwrap();
    let next = rotated.advance(rotated.identities()[0]).unwrap();
    store.update(&id, &rotated).unwrap();
    assert_eq!(store.load(&id).unwrap().identities()[0], next);
    assert!(matches!(
        store.update(&id, &other),
        Err(KeystoreError::OtherWallet { .. })
    ));
    assert_eq!(store.load(&id).unwrap().identities()[0], next);

    store.delete(&id).unwrap();
    assert!(matches!(
        store.update(&id, &rotated),
        Err(KeystoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.load(&id),
        Err(KeystoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.delete(&id),
        Err(KeystoreError::NotFound { .. })
    ));
}
