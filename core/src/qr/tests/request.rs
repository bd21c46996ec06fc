use super::*;
use crate::cbor::{self, MapWriter};
use crate::qr::{
    encode_grant, CodeKind, ConsentRequest, Item, QrError, SignedRequest, MAX_REQUEST_TEXT,
    OBJECT_TYPE,
};
use crate::tx::{aad, sign1, TxError};
use ciborium::value::Value;
use sha2::{Digest, Sha256};

const EXPIRES: u64 = T0 + 600;

/// A request from the clinic (key 30) for the typical scope.
fn request(w: &World) -> ConsentRequest {
    ConsentRequest {
        org: w.clinic,
        scope: typical_scope(),
        purposes: [Purpose::Treat].into(),
        nonce: [5; 8],
        expires: EXPIRES,
        reply: "https://riverside.example/assent/reply".into(),
    }
}

fn signed(w: &World) -> SignedRequest {
    SignedRequest::sign(&request(w), &key(30), ORIGIN).unwrap()
}

#[test]
fn a_request_round_trips_through_its_text() {
    let w = World::new();
    let req = signed(&w);
    let text = req.encode();
    assert!(text.starts_with("AR1:") && base45::is_alphabet(&text));
    assert_eq!(CodeKind::of(&text), Some(CodeKind::ConsentRequest));
    let back = SignedRequest::decode(&text, ORIGIN, T0).unwrap();
    assert_eq!(back, req);
    assert_eq!(back.request(), &request(&w));
    assert_eq!(back.signer(), key(30).public_key());
    assert_eq!(back.origin(), ORIGIN);
    let digest: [u8; 16] = Sha256::digest(req.bytes())[..16].try_into().unwrap();
    assert_eq!(back.digest(), digest);
}

#[test]
fn an_expired_request_is_refused() {
    let w = World::new();
    let text = signed(&w).encode();
    assert!(SignedRequest::decode(&text, ORIGIN, EXPIRES - 1).is_ok());
    for now in [EXPIRES, EXPIRES + 1] {
        assert_eq!(
            SignedRequest::decode(&text, ORIGIN, now),
            Err(QrError::Expired {
                expires: EXPIRES,
                now
            })
        );
    }
}

#[test]
fn a_signature_for_another_object_type_or_ledger_is_refused() {
    let w = World::new();
    let payload = signed(&w).bytes().to_vec();
    let (_, payload) =
        sign1::open(&payload, &aad(OBJECT_TYPE, ORIGIN), |p| Ok(p.to_vec())).unwrap();
    let forged = Err(QrError::Request(TxError::BadSignature));
    for (object_type, origin) in [
        ("tx", ORIGIN),
        ("auth", ORIGIN),
        (OBJECT_TYPE, "other.example"),
    ] {
        let bytes = sign1::seal(payload.clone(), &key(30), &aad(object_type, origin)).unwrap();
        assert_eq!(
            SignedRequest::open(&bytes, ORIGIN, T0),
            forged,
            "{object_type}"
        );
    }
    // A grant is not a request either, though both are COSE_Sign1.
    let mut w = World::new();
    let grant = patient_grant(&mut w);
    // (Its payload is refused before its signature is checked.)
    assert!(matches!(
        SignedRequest::open(grant.bytes(), ORIGIN, T0),
        Err(QrError::Request(TxError::Malformed(_)))
    ));
    let mut flipped = signed(&w).bytes().to_vec();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x01;
    assert_eq!(SignedRequest::open(&flipped, ORIGIN, T0), forged);
}

#[test]
fn the_payload_must_be_canonical_and_complete() {
    let w = World::new();
    let r = request(&w);
    let seal =
        |m: Value| sign1::seal(cbor::encode(&m), &key(30), &aad(OBJECT_TYPE, ORIGIN)).unwrap();
    let fields = || {
        MapWriter::new()
            .put(0, Value::Bytes(r.org.0.to_vec()))
            .put(1, r.scope.to_value())
            .put(2, Value::Array(vec![cbor::u(1)]))
            .put(3, Value::Bytes(r.nonce.to_vec()))
            .put(4, cbor::u(r.expires))
    };
    // The same fields as `sign` writes: accepted.
    let good = seal(fields().put(5, Value::Text(r.reply.clone())).build());
    assert_eq!(
        SignedRequest::open(&good, ORIGIN, T0).unwrap().request(),
        &r
    );
    let Value::Map(mut entries) = fields().put(5, Value::Text(r.reply.clone())).build() else {
        unreachable!()
    };
    entries.swap(0, 1);
    assert!(matches!(
        SignedRequest::open(&seal(Value::Map(entries)), ORIGIN, T0),
        Err(QrError::Request(TxError::NonCanonical(_)))
    ));
    assert!(matches!(
        SignedRequest::open(&seal(fields().build()), ORIGIN, T0),
        Err(QrError::Request(TxError::Malformed(_)))
    ));
    let unknown_purpose = fields().put(5, Value::Text(r.reply.clone())).build();
    let Value::Map(mut entries) = unknown_purpose else {
        unreachable!()
    };
    entries[2].1 = Value::Array(vec![cbor::u(99)]);
    assert!(matches!(
        SignedRequest::open(&seal(Value::Map(entries)), ORIGIN, T0),
        Err(QrError::Request(TxError::UnknownCode(_)))
    ));
}

#[test]
fn content_rules_hold_when_signing_and_when_opening() {
    let w = World::new();
    let mut no_purpose = request(&w);
    no_purpose.purposes.clear();
    no_purpose.scope.permit.purposes.clear();
    let mut other_purpose = request(&w);
    other_purpose.purposes = [Purpose::Hresch].into();
    let mut reply_cases = Vec::new();
    for reply in [
        "http://riverside.example/reply".to_string(),
        "https://".into(),
        "https:///path".into(),
        "https://riverside.example/a b".into(),
        format!("https://{}.example", "a".repeat(200)),
    ] {
        let mut r = request(&w);
        r.reply = reply;
        reply_cases.push(r);
    }
    for bad in [no_purpose, other_purpose].iter().chain(&reply_cases) {
        assert!(
            matches!(
                SignedRequest::sign(bad, &key(30), ORIGIN),
                Err(QrError::RequestContent(_))
            ),
            "{bad:?}"
        );
    }
}

#[test]
fn a_grant_code_is_not_a_request_and_length_is_bounded() {
    let mut w = World::new();
    let grant = encode_grant(&patient_grant(&mut w), None).unwrap();
    assert_eq!(
        SignedRequest::decode(&grant, ORIGIN, T0),
        Err(QrError::WrongPrefix {
            expected: CodeKind::ConsentRequest,
            found: CodeKind::Grant
        })
    );
    assert_eq!(
        SignedRequest::decode("https://x", ORIGIN, T0),
        Err(QrError::MissingPrefix {
            expected: CodeKind::ConsentRequest
        })
    );
    let long = format!("AR1:{}", "0".repeat(MAX_REQUEST_TEXT));
    assert!(matches!(
        SignedRequest::decode(&long, ORIGIN, T0),
        Err(QrError::TextTooLong { .. })
    ));
    let text = signed(&w).encode();
    assert!(SignedRequest::decode(&text[..text.len() - 3], ORIGIN, T0).is_err());
    assert!(matches!(
        SignedRequest::open(&[0; 2000], ORIGIN, T0),
        Err(QrError::ItemTooLarge {
            item: Item::Request,
            ..
        })
    ));
}

#[test]
fn the_draft_grant_answers_the_request_and_the_ledger_takes_it() {
    let mut w = World::new();
    let mut asked = request(&w);
    asked.scope.permit.purposes.clear();
    let req = SignedRequest::sign(&asked, &key(30), ORIGIN).unwrap();
    let draft = req.draft_grant();
    assert_eq!(draft.request, Some(req.digest()));
    assert_eq!(draft.grantee, w.clinic);
    // The request's purposes fill a scope that named none.
    assert_eq!(draft.scope, typical_scope());
    assert_eq!((draft.patient, draft.via), (None, None));
    let grant = w.ok(&key(10), Kind::Grant(draft.clone()));
    let code = crate::qr::decode_grant(&encode_grant(&grant, None).unwrap(), ORIGIN).unwrap();
    assert_eq!(code.terms(), &draft);
}
