//! The hexadecimal form of an HMAC-SHA256 tag, as the signature header
//! carries it: 64 digits, written in lowercase, read in either case.
//!
//! Decoding runs on every request before the HMAC, so it is a table lookup
//! per digit with no branch per character: one pass, then one check.

use crate::signature::TAG_LEN;

/// Marks a byte that is not a hexadecimal digit. Every digit's value fits in
/// the low four bits, so one OR over all looked-up values tells whether any
/// byte was invalid.
const NOT_A_DIGIT: u8 = 0xf0;

/// The value of each byte read as a hexadecimal digit, or [`NOT_A_DIGIT`].
const DIGIT_VALUES: [u8; 256] = {
    let mut table = [NOT_A_DIGIT; 256];
    let mut value = 0;
    while value < 10 {
        table[(b'0' + value) as usize] = value;
        value += 1;
    }
    let mut value = 0;
    while value < 6 {
        table[(b'a' + value) as usize] = 10 + value;
        table[(b'A' + value) as usize] = 10 + value;
        value += 1;
    }
    table
};

/// The lowercase digits, by value.
const LOWERCASE_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Reads exactly `2 * TAG_LEN` hexadecimal digits (either case) into a tag;
/// `None` for any other length or any other character.
pub(crate) fn decode_tag(text: &[u8]) -> Option<[u8; TAG_LEN]> {
    if text.len() != 2 * TAG_LEN {
        return None;
    }
    let mut tag = [0u8; TAG_LEN];
    let mut seen = 0u8;
    for (byte, pair) in tag.iter_mut().zip(text.chunks_exact(2)) {
        let high = DIGIT_VALUES[usize::from(pair[0])];
        let low = DIGIT_VALUES[usize::from(pair[1])];
        seen |= high | low;
        *byte = (high << 4) | (low & 0x0f);
    }
    (seen & NOT_A_DIGIT == 0).then_some(tag)
}

/// The lowercase hexadecimal digits of `bytes`, two per byte.
pub(crate) fn encode_lowercase(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(2 * bytes.len());
    for byte in bytes {
        text.push(char::from(LOWERCASE_DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(LOWERCASE_DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DIGITS: &str = "00112233445566778899aabbccddeeff0123456789abcdefABCDEF0f1e2d3c4b";

    #[test]
    fn known_digits_decode_in_either_case() {
        let tag = decode_tag(DIGITS.as_bytes()).expect("64 hex digits");
        assert_eq!(tag[0], 0x00);
        assert_eq!(tag[1], 0x11);
        assert_eq!(tag[5], 0x55);
        assert_eq!(tag[10], 0xaa);
        assert_eq!(tag[15], 0xff);
        assert_eq!(tag[16], 0x01);
        assert_eq!(tag[23], 0xef);
        assert_eq!(tag[24], 0xab, "uppercase AB");
        assert_eq!(tag[26], 0xef, "uppercase EF");
        assert_eq!(tag[31], 0x4b);
    }

    #[test]
    fn every_non_digit_byte_is_refused_in_every_position() {
        for byte in 0..=u8::MAX {
            if byte.is_ascii_hexdigit() {
                continue;
            }
            for position in [0, 1, 31, 62, 63] {
                let mut text = DIGITS.as_bytes().to_vec();
                text[position] = byte;
                assert_eq!(decode_tag(&text), None, "byte {byte:#04x} at {position}");
            }
        }
    }

    #[test]
    fn other_lengths_are_refused() {
        for length in [0, 1, 2, 62, 63, 65, 66, 128] {
            let text = "a".repeat(length);
            assert_eq!(decode_tag(text.as_bytes()), None, "length {length}");
        }
    }

    proptest! {
        #[test]
        fn encoding_then_decoding_gives_the_tag_back(tag in proptest::array::uniform32(any::<u8>())) {
            let text = encode_lowercase(&tag);
            prop_assert_eq!(text.len(), 64);
            prop_assert!(text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
            prop_assert_eq!(decode_tag(text.as_bytes()), Some(tag));
            prop_assert_eq!(decode_tag(text.to_ascii_uppercase().as_bytes()), Some(tag));
        }

        #[test]
        fn any_64_bytes_decode_exactly_when_all_are_hex_digits(text in proptest::collection::vec(any::<u8>(), 64)) {
            let all_digits = text.iter().all(u8::is_ascii_hexdigit);
            let decoded = decode_tag(&text);
            prop_assert_eq!(decoded.is_some(), all_digits);
            if let Some(tag) = decoded {
                prop_assert_eq!(encode_lowercase(&tag), String::from_utf8_lossy(&text).to_ascii_lowercase());
            }
        }
    }
}
