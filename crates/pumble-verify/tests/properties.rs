//! Properties over arbitrary inputs.

mod common;

use common::*;
use proptest::prelude::*;
use pumble_verify::{sign, Rejection, Verifier};

fn verifier(cap: usize) -> Verifier {
    Verifier::builder()
        .secret(PINNED_SECRET)
        .secret(OTHER_SECRET)
        .max_body_bytes(cap)
        .build()
        .expect("valid configuration")
}

/// A JSON body with arbitrary printable content.
fn json_body() -> impl Strategy<Value = Vec<u8>> {
    "[ -~]{0,200}".prop_map(|text| serde_json::json!({ "text": text }).to_string().into_bytes())
}

/// A timestamp within the window of the pinned instant, in seconds or ms.
fn fresh_timestamp() -> impl Strategy<Value = String> {
    prop_oneof![
        (PINNED_SECONDS - 300..=PINNED_SECONDS + 300).prop_map(|s| s.to_string()),
        (PINNED_SECONDS * 1000 - 300_000..=PINNED_SECONDS * 1000 + 300_000)
            .prop_map(|ms| ms.to_string()),
    ]
}

fn replace_byte(text: &str, index: usize, byte: u8) -> String {
    let mut bytes = text.as_bytes().to_vec();
    bytes[index] = byte;
    String::from_utf8(bytes).expect("an ASCII byte keeps ASCII text valid")
}

proptest! {
    #[test]
    fn correctly_signed_json_always_verifies(body in json_body(), timestamp in fresh_timestamp()) {
        let signature = sign(PINNED_SECRET, &timestamp, &body);
        let verified = verifier(4096)
            .verify_at(Some(&timestamp), Some(&signature), &body[..], at_secs(PINNED_SECONDS));
        prop_assert!(verified.is_ok(), "{:?}", verified.err());
    }

    #[test]
    fn any_single_byte_change_to_the_body_is_rejected(
        body in json_body(),
        timestamp in fresh_timestamp(),
        position in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let signature = sign(PINNED_SECRET, &timestamp, &body);
        let mut changed = body.clone();
        let index = position.index(changed.len());
        changed[index] ^= flip;
        prop_assert_eq!(
            verifier(4096)
                .verify_at(Some(&timestamp), Some(&signature), &changed[..], at_secs(PINNED_SECONDS))
                .err(),
            Some(Rejection::SignatureMismatch)
        );
    }

    #[test]
    fn any_single_byte_change_to_the_timestamp_is_rejected(
        body in json_body(),
        timestamp in fresh_timestamp(),
        position in any::<prop::sample::Index>(),
        replacement in 0u8..128,
    ) {
        let index = position.index(timestamp.len());
        prop_assume!(timestamp.as_bytes()[index] != replacement);
        let signature = sign(PINNED_SECRET, &timestamp, &body);
        let changed = replace_byte(&timestamp, index, replacement);
        let result = verifier(4096)
            .verify_at(Some(&changed), Some(&signature), &body[..], at_secs(PINNED_SECONDS));
        prop_assert!(result.is_err());
    }

    #[test]
    fn any_single_byte_change_to_the_signature_is_rejected(
        body in json_body(),
        timestamp in fresh_timestamp(),
        position in 0usize..64,
        replacement in 0u8..128,
    ) {
        let signature = sign(PINNED_SECRET, &timestamp, &body);
        let original = signature.as_bytes()[position];
        // A case change of a hex letter is the same signature (upper case is accepted).
        prop_assume!(!original.eq_ignore_ascii_case(&replacement));
        let changed = replace_byte(&signature, position, replacement);
        let rejection = verifier(4096)
            .verify_at(Some(&timestamp), Some(&changed), &body[..], at_secs(PINNED_SECONDS))
            .err();
        prop_assert!(
            matches!(rejection, Some(Rejection::SignatureMismatch | Rejection::MalformedSignature)),
            "{:?}", rejection
        );
    }

    #[test]
    fn verify_never_panics_on_arbitrary_input(
        timestamp in proptest::option::of(".{0,30}"),
        signature in proptest::option::of(".{0,80}"),
        body in proptest::collection::vec(any::<u8>(), 0..300),
        now_secs in any::<u32>(),
        cap in 0usize..300,
    ) {
        let result = verifier(cap).verify_at(
            timestamp.as_deref(),
            signature.as_deref(),
            &body[..],
            at_secs(u64::from(now_secs)),
        );
        if let Err(rejection) = result {
            prop_assert!([400, 403, 413, 503].contains(&rejection.status()));
        }
    }

    #[test]
    fn arbitrary_signed_bytes_are_never_refused_before_the_json_parse(
        body in proptest::collection::vec(any::<u8>(), 0..300),
        timestamp in fresh_timestamp(),
    ) {
        let signature = sign(OTHER_SECRET, &timestamp, &body);
        let result = verifier(4096)
            .verify_at(Some(&timestamp), Some(&signature), &body[..], at_secs(PINNED_SECONDS));
        let parses = serde_json::from_slice::<serde_json::Value>(&body).is_ok();
        match result {
            Ok(verified) => prop_assert!(parses && verified.body() == &body[..]),
            Err(rejection) => prop_assert!(!parses && rejection == Rejection::InvalidJson),
        }
    }

    #[test]
    fn a_body_over_the_cap_is_413_whatever_the_headers(
        timestamp in proptest::option::of(".{0,30}"),
        signature in proptest::option::of(".{0,80}"),
        extra in 1usize..100,
    ) {
        let body = vec![b'x'; 64 + extra];
        prop_assert_eq!(
            verifier(64)
                .verify_at(timestamp.as_deref(), signature.as_deref(), &body[..], at_secs(PINNED_SECONDS))
                .err(),
            Some(Rejection::BodyTooLarge)
        );
    }
}
