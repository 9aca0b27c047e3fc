//! The framework-free verifier through its public API.

mod common;

use std::time::Duration;

use common::*;
use pumble_verify::{sign, ConfigError, Rejection, Verifier, DEFAULT_MAX_BODY_BYTES};

fn pinned_verifier() -> Verifier {
    Verifier::new(PINNED_SECRET).expect("pinned secret is valid")
}

/// Verifies `body` signed with the pinned secret at `timestamp`, checked at `now`.
fn check(
    verifier: &Verifier,
    timestamp: &str,
    body: &[u8],
    now: std::time::SystemTime,
) -> Result<serde_json::Value, Rejection> {
    let signature = sign(PINNED_SECRET, timestamp, body);
    verifier
        .verify_at(Some(timestamp), Some(&signature), body, now)
        .map(|verified| verified.into_json())
}

fn pinned_now() -> std::time::SystemTime {
    at_secs(PINNED_SECONDS)
}

// --- the pinned vector -------------------------------------------------------

#[test]
fn sign_reproduces_the_pinned_vector() {
    assert_eq!(
        sign(PINNED_SECRET, PINNED_TIMESTAMP, PINNED_BODY.as_bytes()),
        PINNED_SIGNATURE
    );
}

#[test]
fn pinned_vector_verifies_and_parses() {
    let verified = pinned_verifier()
        .verify_at(
            Some(PINNED_TIMESTAMP),
            Some(PINNED_SIGNATURE),
            PINNED_BODY.as_bytes(),
            pinned_now(),
        )
        .expect("pinned vector verifies");
    assert_eq!(verified.body(), PINNED_BODY.as_bytes());
    assert_eq!(verified.json()["slashCommand"], "/anon-block");
    assert_eq!(verified.json()["triggerId"], "trg_9");
}

// --- headers -------------------------------------------------------------------

fn pinned_with_headers(timestamp: Option<&str>, signature: Option<&str>) -> Rejection {
    pinned_verifier()
        .verify_at(timestamp, signature, PINNED_BODY.as_bytes(), pinned_now())
        .expect_err("request must be refused")
}

#[test]
fn missing_timestamp_header_is_403() {
    let rejection = pinned_with_headers(None, Some(PINNED_SIGNATURE));
    assert_eq!(rejection, Rejection::MissingTimestamp);
    assert_eq!(rejection.status(), 403);
}

#[test]
fn empty_timestamp_header_is_403() {
    let rejection = pinned_with_headers(Some(""), Some(PINNED_SIGNATURE));
    assert_eq!(rejection, Rejection::MissingTimestamp);
    assert_eq!(rejection.status(), 403);
}

#[test]
fn missing_signature_header_is_403() {
    let rejection = pinned_with_headers(Some(PINNED_TIMESTAMP), None);
    assert_eq!(rejection, Rejection::MissingSignature);
    assert_eq!(rejection.status(), 403);
}

#[test]
fn empty_signature_header_is_403() {
    let rejection = pinned_with_headers(Some(PINNED_TIMESTAMP), Some(""));
    assert_eq!(rejection, Rejection::MissingSignature);
    assert_eq!(rejection.status(), 403);
}

#[test]
fn missing_headers_are_checked_before_the_timestamp_format() {
    assert_eq!(
        pinned_with_headers(Some("not-a-number"), None),
        Rejection::MissingSignature
    );
}

// --- timestamp format ----------------------------------------------------------

#[test]
fn non_digit_timestamp_is_malformed() {
    assert_eq!(
        pinned_with_headers(Some("17170000a0000"), Some(PINNED_SIGNATURE)),
        Rejection::MalformedTimestamp
    );
}

#[test]
fn negative_timestamp_is_malformed() {
    assert_eq!(
        check(&pinned_verifier(), "-1717000000", b"{}", pinned_now()),
        Err(Rejection::MalformedTimestamp)
    );
}

#[test]
fn overflowing_timestamp_is_malformed() {
    assert_eq!(
        check(
            &pinned_verifier(),
            "184467440737095516160000",
            b"{}",
            pinned_now()
        ),
        Err(Rejection::MalformedTimestamp)
    );
}

#[test]
fn fractional_timestamp_is_malformed() {
    assert_eq!(
        check(&pinned_verifier(), "1717000000.5", b"{}", pinned_now()),
        Err(Rejection::MalformedTimestamp)
    );
}

#[test]
fn signed_spaced_and_exponent_timestamps_are_malformed() {
    for timestamp in [
        "+1717000000",
        " 1717000000",
        "1717000000 ",
        "1.717e9",
        "0x66580000",
    ] {
        assert_eq!(
            check(&pinned_verifier(), timestamp, b"{}", pinned_now()),
            Err(Rejection::MalformedTimestamp),
            "{timestamp:?}"
        );
    }
}

#[test]
fn unicode_digits_and_invisible_characters_are_malformed() {
    for timestamp in [
        "١٧١٧٠٠٠٠٠٠",             // Arabic-Indic digits
        "１７１７０００００００", // fullwidth digits
        "\u{200B}1717000000",     // zero-width space
        "1717000000\u{FEFF}",
        "1717000000\n",
        "1717_000_000",
        "",
    ] {
        let expected = if timestamp.is_empty() {
            Rejection::MissingTimestamp
        } else {
            Rejection::MalformedTimestamp
        };
        assert_eq!(
            check(&pinned_verifier(), timestamp, b"{}", pinned_now()),
            Err(expected),
            "{timestamp:?}"
        );
    }
}

#[test]
fn leading_zeros_keep_the_value_and_the_signed_bytes() {
    // "01717000000" is 1717000000 seconds, and is signed as written.
    let verifier = pinned_verifier();
    assert!(check(&verifier, "01717000000", b"{}", pinned_now()).is_ok());
    // Zeros in front of a milliseconds value would make it read as seconds
    // in the far future only if the value changed; it does not.
    assert!(check(&verifier, "0001717000000000", b"{}", pinned_now()).is_ok());
    // A signature made over one spelling does not verify another.
    let signature = sign(PINNED_SECRET, "1717000000", b"{}");
    assert_eq!(
        verifier
            .verify_at(
                Some("01717000000"),
                Some(&signature),
                &b"{}"[..],
                pinned_now()
            )
            .map(drop),
        Err(Rejection::SignatureMismatch)
    );
    // 0017170000000 is 17170000000 seconds (year 2514), not milliseconds.
    assert_eq!(
        check(&verifier, "0017170000000", b"{}", pinned_now()),
        Err(Rejection::FutureTimestamp)
    );
    // A kilobyte of zeros is still a plain number and cannot overflow.
    let padded = format!("{}1717000000", "0".repeat(1024));
    assert!(check(&verifier, &padded, b"{}", pinned_now()).is_ok());
}

#[test]
fn malformed_timestamp_is_reported_before_the_signature_is_checked() {
    // The signature is garbage too, but the timestamp check comes first.
    assert_eq!(
        pinned_with_headers(Some("soon"), Some("zz")),
        Rejection::MalformedTimestamp
    );
}

// --- window, seconds -------------------------------------------------------------

#[test]
fn seconds_timestamp_300_s_old_is_accepted() {
    let ts = PINNED_SECONDS.to_string();
    assert!(check(
        &pinned_verifier(),
        &ts,
        b"{}",
        at_secs(PINNED_SECONDS + 300)
    )
    .is_ok());
}

#[test]
fn seconds_timestamp_300_s_ahead_is_accepted() {
    let ts = PINNED_SECONDS.to_string();
    assert!(check(
        &pinned_verifier(),
        &ts,
        b"{}",
        at_secs(PINNED_SECONDS - 300)
    )
    .is_ok());
}

#[test]
fn seconds_timestamp_301_s_old_is_stale() {
    let ts = PINNED_SECONDS.to_string();
    let rejection = check(
        &pinned_verifier(),
        &ts,
        b"{}",
        at_secs(PINNED_SECONDS + 301),
    );
    assert_eq!(rejection, Err(Rejection::StaleTimestamp));
    assert_eq!(Rejection::StaleTimestamp.status(), 403);
}

#[test]
fn seconds_timestamp_301_s_ahead_is_future() {
    let ts = PINNED_SECONDS.to_string();
    let rejection = check(
        &pinned_verifier(),
        &ts,
        b"{}",
        at_secs(PINNED_SECONDS - 301),
    );
    assert_eq!(rejection, Err(Rejection::FutureTimestamp));
    assert_eq!(Rejection::FutureTimestamp.status(), 403);
}

// --- window, milliseconds ----------------------------------------------------------

const PINNED_MILLIS: u64 = PINNED_SECONDS * 1000;

#[test]
fn millis_timestamp_300_s_old_is_accepted() {
    let now = at_millis(PINNED_MILLIS + 300_000);
    assert!(check(&pinned_verifier(), PINNED_TIMESTAMP, b"{}", now).is_ok());
}

#[test]
fn millis_timestamp_300_s_ahead_is_accepted() {
    let now = at_millis(PINNED_MILLIS - 300_000);
    assert!(check(&pinned_verifier(), PINNED_TIMESTAMP, b"{}", now).is_ok());
}

#[test]
fn millis_timestamp_301_s_old_is_stale() {
    let now = at_millis(PINNED_MILLIS + 301_000);
    assert_eq!(
        check(&pinned_verifier(), PINNED_TIMESTAMP, b"{}", now),
        Err(Rejection::StaleTimestamp)
    );
}

#[test]
fn millis_timestamp_301_s_ahead_is_future() {
    let now = at_millis(PINNED_MILLIS - 301_000);
    assert_eq!(
        check(&pinned_verifier(), PINNED_TIMESTAMP, b"{}", now),
        Err(Rejection::FutureTimestamp)
    );
}

#[test]
fn millis_window_edge_is_exact_to_the_millisecond() {
    let verifier = pinned_verifier();
    assert!(check(
        &verifier,
        PINNED_TIMESTAMP,
        b"{}",
        at_millis(PINNED_MILLIS + 300_000)
    )
    .is_ok());
    assert_eq!(
        check(
            &verifier,
            PINNED_TIMESTAMP,
            b"{}",
            at_millis(PINNED_MILLIS + 300_001)
        ),
        Err(Rejection::StaleTimestamp)
    );
}

#[test]
fn a_seconds_value_is_not_mistaken_for_milliseconds() {
    // Read as milliseconds, 1717000000 would be January 1970 and stale.
    let ts = PINNED_SECONDS.to_string();
    assert!(check(&pinned_verifier(), &ts, b"{}", pinned_now()).is_ok());
}

#[test]
fn zero_timestamp_is_stale() {
    assert_eq!(
        check(&pinned_verifier(), "0", b"{}", pinned_now()),
        Err(Rejection::StaleTimestamp)
    );
}

#[test]
fn custom_window_is_honoured() {
    let verifier = Verifier::builder()
        .secret(PINNED_SECRET)
        .window(Duration::from_secs(5))
        .build()
        .expect("valid configuration");
    let ts = PINNED_SECONDS.to_string();
    assert!(check(&verifier, &ts, b"{}", at_secs(PINNED_SECONDS + 5)).is_ok());
    assert_eq!(
        check(&verifier, &ts, b"{}", at_secs(PINNED_SECONDS + 6)),
        Err(Rejection::StaleTimestamp)
    );
}

#[test]
fn clock_before_the_epoch_does_not_panic() {
    let before_epoch = std::time::UNIX_EPOCH - Duration::from_secs(10);
    assert_eq!(
        check(&pinned_verifier(), "5", b"{}", before_epoch),
        Ok(serde_json::json!({}))
    );
    assert_eq!(
        check(&pinned_verifier(), PINNED_TIMESTAMP, b"{}", before_epoch),
        Err(Rejection::FutureTimestamp)
    );
}

// --- signature ---------------------------------------------------------------------

#[test]
fn wrong_secret_is_a_mismatch() {
    let signature = sign(OTHER_SECRET, PINNED_TIMESTAMP, PINNED_BODY.as_bytes());
    let rejection = pinned_with_headers(Some(PINNED_TIMESTAMP), Some(&signature));
    assert_eq!(rejection, Rejection::SignatureMismatch);
    assert_eq!(rejection.status(), 403);
}

#[test]
fn previous_secret_is_still_accepted() {
    let verifier = Verifier::builder()
        .secret(OTHER_SECRET)
        .secret(PINNED_SECRET)
        .build()
        .expect("valid configuration");
    assert!(verifier
        .verify_at(
            Some(PINNED_TIMESTAMP),
            Some(PINNED_SIGNATURE),
            PINNED_BODY.as_bytes(),
            pinned_now()
        )
        .is_ok());
    let current = sign(OTHER_SECRET, PINNED_TIMESTAMP, PINNED_BODY.as_bytes());
    assert!(verifier
        .verify_at(
            Some(PINNED_TIMESTAMP),
            Some(&current),
            PINNED_BODY.as_bytes(),
            pinned_now()
        )
        .is_ok());
}

#[test]
fn a_secret_rotated_out_is_refused() {
    let verifier = Verifier::new(OTHER_SECRET).expect("valid secret");
    assert_eq!(
        verifier.verify_at(
            Some(PINNED_TIMESTAMP),
            Some(PINNED_SIGNATURE),
            PINNED_BODY.as_bytes(),
            pinned_now()
        ),
        Err(Rejection::SignatureMismatch)
    )
}

#[test]
fn body_changed_by_one_byte_is_a_mismatch() {
    let mut body = PINNED_BODY.as_bytes().to_vec();
    let position = body.len() / 2;
    body[position] ^= 0x01;
    assert_eq!(
        pinned_verifier().verify_at(
            Some(PINNED_TIMESTAMP),
            Some(PINNED_SIGNATURE),
            &body[..],
            pinned_now()
        ),
        Err(Rejection::SignatureMismatch)
    );
}

#[test]
fn signature_presented_with_another_timestamp_is_a_mismatch() {
    assert_eq!(
        pinned_with_headers(Some("1717000000001"), Some(PINNED_SIGNATURE)),
        Rejection::SignatureMismatch
    );
}

#[test]
fn truncated_signature_is_malformed() {
    let rejection = pinned_with_headers(Some(PINNED_TIMESTAMP), Some(&PINNED_SIGNATURE[..63]));
    assert_eq!(rejection, Rejection::MalformedSignature);
    assert_eq!(rejection.status(), 403);
    assert_eq!(
        pinned_with_headers(Some(PINNED_TIMESTAMP), Some(&PINNED_SIGNATURE[..62])),
        Rejection::MalformedSignature
    );
}

#[test]
fn overlong_signature_is_malformed() {
    let doubled = format!("{PINNED_SIGNATURE}{PINNED_SIGNATURE}");
    assert_eq!(
        pinned_with_headers(Some(PINNED_TIMESTAMP), Some(&doubled)),
        Rejection::MalformedSignature
    );
}

#[test]
fn non_hex_signature_is_malformed() {
    let non_hex = format!("{}g", &PINNED_SIGNATURE[..63]);
    assert_eq!(
        pinned_with_headers(Some(PINNED_TIMESTAMP), Some(&non_hex)),
        Rejection::MalformedSignature
    );
    let prefixed = format!("sha256={}", &PINNED_SIGNATURE[..57]);
    assert_eq!(
        pinned_with_headers(Some(PINNED_TIMESTAMP), Some(&prefixed)),
        Rejection::MalformedSignature
    );
}

#[test]
fn prefixed_spaced_or_mixed_signatures_are_malformed() {
    let shapes = [
        format!("sha256={PINNED_SIGNATURE}"),
        format!("v0={PINNED_SIGNATURE}"),
        format!(" {PINNED_SIGNATURE}"),
        format!("{PINNED_SIGNATURE} "),
        format!("{PINNED_SIGNATURE}\n"),
        format!("{PINNED_SIGNATURE},{PINNED_SIGNATURE}"),
        format!("0x{}", &PINNED_SIGNATURE[2..]),
        // Fullwidth 'ａ' in place of the first 'a'.
        PINNED_SIGNATURE.replacen('a', "ａ", 1),
    ];
    for shape in &shapes {
        assert_eq!(
            pinned_with_headers(Some(PINNED_TIMESTAMP), Some(shape)),
            Rejection::MalformedSignature,
            "{shape:?}"
        );
    }
}

#[test]
fn mixed_case_signature_is_accepted() {
    let mixed: String = PINNED_SIGNATURE
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 0 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect();
    assert!(pinned_verifier()
        .verify_at(
            Some(PINNED_TIMESTAMP),
            Some(&mixed),
            PINNED_BODY.as_bytes(),
            pinned_now()
        )
        .is_ok());
}

#[test]
fn upper_case_signature_is_accepted() {
    let upper = PINNED_SIGNATURE.to_ascii_uppercase();
    assert!(pinned_verifier()
        .verify_at(
            Some(PINNED_TIMESTAMP),
            Some(&upper),
            PINNED_BODY.as_bytes(),
            pinned_now()
        )
        .is_ok());
}

// --- body cap ------------------------------------------------------------------------

fn json_body_of_len(len: usize) -> Vec<u8> {
    // `{"p":"xxx…"}`: 8 bytes of structure around the padding.
    let mut body = br#"{"p":""#.to_vec();
    body.resize(len - 2, b'x');
    body.extend_from_slice(br#""}"#);
    assert_eq!(body.len(), len);
    body
}

#[test]
fn body_exactly_at_the_cap_is_accepted() {
    let body = json_body_of_len(DEFAULT_MAX_BODY_BYTES);
    assert!(check(&pinned_verifier(), PINNED_TIMESTAMP, &body, pinned_now()).is_ok());
}

#[test]
fn body_one_byte_over_the_cap_is_413() {
    let body = json_body_of_len(DEFAULT_MAX_BODY_BYTES + 1);
    let rejection =
        check(&pinned_verifier(), PINNED_TIMESTAMP, &body, pinned_now()).expect_err("over the cap");
    assert_eq!(rejection, Rejection::BodyTooLarge);
    assert_eq!(rejection.status(), 413);
}

#[test]
fn cap_is_checked_before_anything_else() {
    let verifier = Verifier::builder()
        .secret(PINNED_SECRET)
        .max_body_bytes(16)
        .build()
        .expect("valid configuration");
    assert_eq!(
        verifier.verify_at(None, None, PINNED_BODY.as_bytes(), pinned_now()),
        Err(Rejection::BodyTooLarge)
    );
}

// --- JSON after a valid signature ----------------------------------------------------

#[test]
fn invalid_json_with_a_valid_signature_is_400() {
    let rejection = check(
        &pinned_verifier(),
        PINNED_TIMESTAMP,
        b"{\"a\":",
        pinned_now(),
    )
    .expect_err("not JSON");
    assert_eq!(rejection, Rejection::InvalidJson);
    assert_eq!(rejection.status(), 400);
}

#[test]
fn empty_body_with_a_valid_signature_is_400() {
    assert_eq!(
        check(&pinned_verifier(), PINNED_TIMESTAMP, b"", pinned_now()),
        Err(Rejection::InvalidJson)
    );
}

#[test]
fn non_utf8_body_with_a_valid_signature_is_400() {
    assert_eq!(
        check(
            &pinned_verifier(),
            PINNED_TIMESTAMP,
            b"{\"a\":\"\xff\xfe\"}",
            pinned_now()
        ),
        Err(Rejection::InvalidJson)
    );
}

#[test]
fn invalid_json_with_a_bad_signature_is_403_not_400() {
    let rejection = pinned_verifier()
        .verify_at(
            Some(PINNED_TIMESTAMP),
            Some(PINNED_SIGNATURE),
            &b"{"[..],
            pinned_now(),
        )
        .expect_err("forged");
    assert_eq!(rejection, Rejection::SignatureMismatch);
}

#[test]
fn multibyte_utf8_and_escapes_are_verified_over_the_raw_bytes() {
    // Raw bytes as sent: literal UTF-8, an escaped "é", an escaped newline and
    // a surrogate pair. Re-serialising the parsed value would give other bytes.
    let body = "{\"text\":\"héllo 😀 \\u00e9\\n \\ud83d\\ude00\",\"n\":1.0}".as_bytes();
    let reserialised =
        serde_json::to_vec(&serde_json::from_slice::<serde_json::Value>(body).expect("valid JSON"))
            .expect("serialisable");
    assert_ne!(
        reserialised, body,
        "the fixture must not survive a round trip"
    );

    let signature = sign(PINNED_SECRET, PINNED_TIMESTAMP, body);
    let verified = pinned_verifier()
        .verify_at(Some(PINNED_TIMESTAMP), Some(&signature), body, pinned_now())
        .expect("raw bytes verify");
    assert_eq!(verified.body(), body);
    assert_eq!(verified.json()["text"], "héllo 😀 é\n 😀");

    let signature_of_reserialised = sign(PINNED_SECRET, PINNED_TIMESTAMP, &reserialised);
    assert_eq!(
        pinned_verifier().verify_at(
            Some(PINNED_TIMESTAMP),
            Some(&signature_of_reserialised),
            body,
            pinned_now()
        ),
        Err(Rejection::SignatureMismatch)
    );
}

#[test]
fn verify_signature_skips_the_json_parse() {
    let body = b"not json at all";
    let signature = sign(PINNED_SECRET, PINNED_TIMESTAMP, body);
    let verifier = pinned_verifier();
    assert_eq!(
        verifier.verify_signature_at(Some(PINNED_TIMESTAMP), Some(&signature), body, pinned_now()),
        Ok(())
    );
    assert_eq!(
        verifier.verify_signature_at(
            Some(PINNED_TIMESTAMP),
            Some(PINNED_SIGNATURE),
            body,
            pinned_now()
        ),
        Err(Rejection::SignatureMismatch)
    );
}

#[test]
fn owned_body_is_handed_back_without_copy() {
    let body = PINNED_BODY.as_bytes().to_vec();
    let address = body.as_ptr();
    let verified = pinned_verifier()
        .verify_at(
            Some(PINNED_TIMESTAMP),
            Some(PINNED_SIGNATURE),
            body,
            pinned_now(),
        )
        .expect("pinned vector verifies");
    let (body, json) = verified.into_parts();
    assert_eq!(body.as_ptr(), address);
    assert_eq!(json["userId"], "u_alice");
}

// --- replay guard ---------------------------------------------------------------------

fn guarded_verifier(capacity: usize) -> Verifier {
    Verifier::builder()
        .secret(PINNED_SECRET)
        .replay_guard(capacity)
        .build()
        .expect("valid configuration")
}

#[test]
fn replay_is_rejected_by_the_guard() {
    let verifier = guarded_verifier(100);
    let replay = || {
        verifier.verify_at(
            Some(PINNED_TIMESTAMP),
            Some(PINNED_SIGNATURE),
            PINNED_BODY.as_bytes(),
            pinned_now(),
        )
    };
    assert!(replay().is_ok());
    let rejection = replay().expect_err("second delivery is a replay");
    assert_eq!(rejection, Rejection::Replayed);
    assert_eq!(rejection.status(), 403);
}

#[test]
fn replay_with_upper_case_signature_is_still_a_replay() {
    let verifier = guarded_verifier(100);
    let body = PINNED_BODY.as_bytes();
    assert!(verifier
        .verify_at(
            Some(PINNED_TIMESTAMP),
            Some(PINNED_SIGNATURE),
            body,
            pinned_now()
        )
        .is_ok());
    let upper = PINNED_SIGNATURE.to_ascii_uppercase();
    assert_eq!(
        verifier.verify_at(Some(PINNED_TIMESTAMP), Some(&upper), body, pinned_now()),
        Err(Rejection::Replayed)
    );
}

#[test]
fn replay_guard_is_shared_by_clones() {
    let verifier = guarded_verifier(100);
    let clone = verifier.clone();
    let body = PINNED_BODY.as_bytes();
    assert!(verifier
        .verify_at(
            Some(PINNED_TIMESTAMP),
            Some(PINNED_SIGNATURE),
            body,
            pinned_now()
        )
        .is_ok());
    assert_eq!(
        clone.verify_at(
            Some(PINNED_TIMESTAMP),
            Some(PINNED_SIGNATURE),
            body,
            pinned_now()
        ),
        Err(Rejection::Replayed)
    );
}

#[test]
fn without_a_guard_a_repeat_is_accepted() {
    let verifier = pinned_verifier();
    for _ in 0..2 {
        assert!(verifier
            .verify_at(
                Some(PINNED_TIMESTAMP),
                Some(PINNED_SIGNATURE),
                PINNED_BODY.as_bytes(),
                pinned_now()
            )
            .is_ok());
    }
}

#[test]
fn forged_requests_do_not_fill_the_guard() {
    let verifier = guarded_verifier(1);
    let forged = sign(OTHER_SECRET, PINNED_TIMESTAMP, PINNED_BODY.as_bytes());
    for _ in 0..3 {
        assert_eq!(
            verifier.verify_at(
                Some(PINNED_TIMESTAMP),
                Some(&forged),
                PINNED_BODY.as_bytes(),
                pinned_now()
            ),
            Err(Rejection::SignatureMismatch)
        );
    }
    assert!(check(&verifier, PINNED_TIMESTAMP, b"{}", pinned_now()).is_ok());
}

#[test]
fn full_guard_refuses_with_503_until_the_window_moves_on() {
    let verifier = guarded_verifier(2);
    let start = PINNED_SECONDS;
    assert!(check(&verifier, &start.to_string(), b"{}", at_secs(start)).is_ok());
    assert!(check(
        &verifier,
        &(start + 1).to_string(),
        b"{}",
        at_secs(start + 1)
    )
    .is_ok());
    let rejection = check(
        &verifier,
        &(start + 2).to_string(),
        b"{}",
        at_secs(start + 2),
    )
    .expect_err("guard is full");
    assert_eq!(rejection, Rejection::ReplayGuardFull);
    assert_eq!(rejection.status(), 503);
    // Once the first entry has left the window (plus its one second of slack),
    // there is room again.
    let later = start + 302;
    assert!(check(&verifier, &later.to_string(), b"{}", at_secs(later)).is_ok());
}

// --- construction ---------------------------------------------------------------------

#[test]
fn empty_secret_is_refused() {
    assert_eq!(
        Verifier::new("").unwrap_err(),
        ConfigError::EmptySecret { position: 0 }
    );
}

#[test]
fn whitespace_secret_is_refused() {
    assert_eq!(
        Verifier::new(" \t\n").unwrap_err(),
        ConfigError::EmptySecret { position: 0 }
    );
}

#[test]
fn secret_with_trailing_newline_is_refused() {
    let secret = format!("{PINNED_SECRET}\n");
    assert_eq!(
        Verifier::new(&secret).unwrap_err(),
        ConfigError::SecretHasSurroundingWhitespace { position: 0 }
    );
}

#[test]
fn empty_previous_secret_is_refused_by_position() {
    let error = Verifier::builder()
        .secret(PINNED_SECRET)
        .secret("  ")
        .build()
        .unwrap_err();
    assert_eq!(error, ConfigError::EmptySecret { position: 1 });
}

#[test]
fn builder_without_a_secret_is_refused() {
    assert_eq!(
        Verifier::builder().build().unwrap_err(),
        ConfigError::NoSecret
    );
}

#[test]
fn zero_replay_capacity_is_refused() {
    let error = Verifier::builder()
        .secret(PINNED_SECRET)
        .replay_guard(0)
        .build()
        .unwrap_err();
    assert_eq!(error, ConfigError::ZeroReplayCapacity);
}

// --- nothing secret in Debug or Display -------------------------------------------------

#[test]
fn debug_output_contains_no_secret_signature_or_body() {
    let builder = Verifier::builder().secret(PINNED_SECRET).replay_guard(10);
    let verifier = builder.build().expect("valid configuration");
    let builder_debug = format!("{:?}", Verifier::builder().secret(PINNED_SECRET));
    let verifier_debug = format!("{verifier:?}");
    let verified = verifier
        .verify_at(
            Some(PINNED_TIMESTAMP),
            Some(PINNED_SIGNATURE),
            PINNED_BODY.as_bytes(),
            pinned_now(),
        )
        .expect("pinned vector verifies");
    let verified_debug = format!("{verified:?}");
    for text in [&builder_debug, &verifier_debug, &verified_debug] {
        assert!(!text.contains("xpss"), "{text}");
        assert!(!text.contains("00000000000000"), "{text}");
        assert!(!text.contains(&PINNED_SIGNATURE[..16]), "{text}");
        assert!(!text.contains("u_alice"), "{text}");
    }
    assert!(verifier_debug.contains("secrets: 1"), "{verifier_debug}");
    assert!(
        verified_debug.contains(&PINNED_BODY.len().to_string()),
        "{verified_debug}"
    );
}

#[test]
fn rejection_and_config_messages_contain_no_request_data() {
    let forged = sign(OTHER_SECRET, PINNED_TIMESTAMP, PINNED_BODY.as_bytes());
    let rejection = pinned_with_headers(Some(PINNED_TIMESTAMP), Some(&forged));
    let texts = [
        format!("{rejection}"),
        format!("{rejection:?}"),
        format!("{}", Verifier::new(" x").unwrap_err()),
    ];
    for text in texts {
        assert!(!text.contains(&forged[..16]), "{text}");
        assert!(!text.contains(&PINNED_SIGNATURE[..16]), "{text}");
        assert!(!text.contains("u_alice"), "{text}");
    }
}

#[test]
fn verifier_is_cheap_to_share_across_threads() {
    fn assert_send_sync_clone<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync_clone::<Verifier>();

    let verifier = guarded_verifier(1000);
    let handles: Vec<_> = (0..4u64)
        .map(|thread| {
            let verifier = verifier.clone();
            std::thread::spawn(move || {
                (0..50u64)
                    .filter(|i| {
                        let ts = (PINNED_SECONDS + thread * 50 + i).to_string();
                        check(&verifier, &ts, b"{}", pinned_now()).is_ok()
                    })
                    .count()
            })
        })
        .collect();
    let accepted: usize = handles
        .into_iter()
        .map(|handle| handle.join().expect("no thread panics"))
        .sum();
    assert_eq!(accepted, 200);
}
