//! Wycheproof Ed25519: every case must get its expected verdict from the one
//! verification function core uses (`PublicKey::verify`, i.e. `verify_strict`).

mod common;

use assent_core::keys::PublicKey;

#[test]
fn every_case_gets_the_expected_verdict() {
    let json: serde_json::Value =
        serde_json::from_str(&common::read_shared("wycheproof/ed25519_test.json")).unwrap();
    let mut checked = 0;
    for group in json["testGroups"].as_array().unwrap() {
        let pk = common::hex(group["publicKey"]["pk"].as_str().unwrap());
        let key = PublicKey::from_slice(&pk);
        for test in group["tests"].as_array().unwrap() {
            let id = &test["tcId"];
            let msg = common::hex(test["msg"].as_str().unwrap());
            let sig = common::hex(test["sig"].as_str().unwrap());
            let verdict = key.as_ref().is_ok_and(|k| k.verify(&msg, &sig).is_ok());
            let expected = match test["result"].as_str().unwrap() {
                "valid" => true,
                "invalid" => false,
                other => panic!("case {id}: unexpected result {other:?}"),
            };
            assert_eq!(verdict, expected, "case {id}: {}", test["comment"]);
            checked += 1;
        }
    }
    assert_eq!(checked, json["numberOfTests"].as_u64().unwrap());
    assert_eq!(checked, 151);
}
