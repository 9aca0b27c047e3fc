//! Sealing values (AES-256-GCM) and keyed hashes (HMAC-SHA256).
//!
//! Stored format of a sealed value:
//! `format version (1 byte) || key id (8 bytes) || nonce (12 bytes) || ciphertext || tag (16 bytes)`.
//! The associated data is the format version and the value's place in the
//! database (table, column, workspace, row key), so a sealed value copied
//! into another row or column, or relabelled with another version, fails to
//! open.
//!
//! Format 2 (written now) pads before sealing: the plaintext is framed as
//! `length (u32 BE) || value || zero bytes` up to a whole number of blocks,
//! so the stored length tells only how many blocks the value needs — every
//! user id (block 64) has the same sealed length, a body's sealed length is
//! its length rounded up to 256 bytes, and a rate-limit unit list always
//! fills its fixed number of slots. Format 1 (unpadded; rows written before
//! padding) still opens.

use ring::aead::{Aad, Nonce, NONCE_LEN};
use ring::hmac;
use ring::rand::SecureRandom;

use crate::error::StoreError;
use crate::keys::{DerivedKeys, KeyId, KeyRing, SubKey, KEY_ID_LEN};

/// Format of values sealed without padding (still opened, no longer written).
const FORMAT_UNPADDED: u8 = 1;
/// Format of padded values: the plaintext is framed and padded to whole blocks.
const FORMAT_PADDED: u8 = 2;
const HEADER_LEN: usize = 1 + KEY_ID_LEN + NONCE_LEN;
const TAG_LEN: usize = 16;
/// Length of the frame's length prefix.
const FRAME_PREFIX_LEN: usize = 4;

/// Padding block of identities (user, channel ids) and tokens: every id up
/// to 60 bytes seals to the same length.
pub(crate) const IDENTITY_BLOCK: usize = 64;
/// Padding block of message bodies.
pub(crate) const BODY_BLOCK: usize = 256;

/// Where a sealed value lives; bound into the ciphertext as associated data.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place<'a> {
    pub(crate) table: &'static str,
    pub(crate) column: &'static str,
    pub(crate) workspace: &'a str,
    pub(crate) row: &'a [u8],
}

impl Place<'_> {
    fn associated_data(&self, format: u8) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.workspace.len() + self.row.len());
        out.extend_from_slice(match format {
            FORMAT_UNPADDED => b"anon-store/seal/v1",
            _ => b"anon-store/seal/v2",
        });
        for part in [
            self.table.as_bytes(),
            self.column.as_bytes(),
            self.workspace.as_bytes(),
            self.row,
        ] {
            push_length_prefixed(&mut out, part);
        }
        out
    }
}

/// What a keyed hash is for. Each purpose gives unrelated hashes of the same
/// id, so rows of different tables cannot be joined on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HashPurpose {
    OptOut,
    RateGlobal,
    RateTarget,
    TokenOwner,
}

impl HashPurpose {
    fn label(self) -> &'static [u8] {
        match self {
            HashPurpose::OptOut => b"opt-out",
            HashPurpose::RateGlobal => b"rate-limit/global",
            HashPurpose::RateTarget => b"rate-limit/target",
            HashPurpose::TokenOwner => b"token-owner",
        }
    }
}

/// A keyed hash under the current key and, during rotation, the previous one.
#[derive(Debug, Clone)]
pub(crate) struct LookupHashes {
    pub(crate) current: Vec<u8>,
    /// Equal to `current` when no previous key is configured, so queries can
    /// always bind two values.
    pub(crate) previous: Vec<u8>,
}

fn push_length_prefixed(out: &mut Vec<u8>, part: &[u8]) {
    let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(part);
}

/// Encodes several strings into one unambiguous byte string (length prefixed).
pub(crate) fn encode_parts(parts: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for part in parts {
        push_length_prefixed(&mut out, part.as_bytes());
    }
    out
}

/// Inverse of [`encode_parts`].
pub(crate) fn decode_parts(mut bytes: &[u8]) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    while !bytes.is_empty() {
        let (len, rest) = bytes.split_first_chunk::<4>()?;
        let len = usize::try_from(u32::from_be_bytes(*len)).ok()?;
        if rest.len() < len {
            return None;
        }
        let (part, rest) = rest.split_at(len);
        parts.push(String::from_utf8(part.to_vec()).ok()?);
        bytes = rest;
    }
    Some(parts)
}

fn keyed_hash_with(
    keys: &DerivedKeys,
    purpose: HashPurpose,
    workspace: &str,
    value: &[u8],
) -> Vec<u8> {
    let mut input = Vec::with_capacity(32 + workspace.len() + value.len());
    input.extend_from_slice(b"anon-store/keyed-hash/v1");
    push_length_prefixed(&mut input, purpose.label());
    push_length_prefixed(&mut input, workspace.as_bytes());
    push_length_prefixed(&mut input, value);
    hmac::sign(&keys.hashing, &input).as_ref().to_vec()
}

impl KeyRing {
    /// Seals `plaintext` under the current key, padded to the block of its
    /// sub-key ([`IDENTITY_BLOCK`] for identities and tokens,
    /// [`BODY_BLOCK`] for bodies).
    pub(crate) fn seal(
        &self,
        sub_key: SubKey,
        place: Place<'_>,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        let block = match sub_key {
            SubKey::Body => BODY_BLOCK,
            SubKey::Identity | SubKey::Token => IDENTITY_BLOCK,
        };
        self.seal_padded(sub_key, place, plaintext, block)
    }

    /// Opens a value sealed under any configured key and seals it again
    /// under the current key, padded for its sub-key: one value of a reseal.
    pub(crate) fn reseal(
        &self,
        sub_key: SubKey,
        place: Place<'_>,
        sealed: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        self.seal(sub_key, place, &self.open(sub_key, place, sealed)?)
    }

    /// Seals `plaintext` under the current key, framed and padded with zero
    /// bytes to a whole number of `block`-byte blocks (format 2).
    pub(crate) fn seal_padded(
        &self,
        sub_key: SubKey,
        place: Place<'_>,
        plaintext: &[u8],
        block: usize,
    ) -> Result<Vec<u8>, StoreError> {
        let framed = frame(plaintext, block)?;
        self.seal_format(FORMAT_PADDED, sub_key, place, framed)
    }

    /// Seals without padding, as rows written before padding were (format 1).
    #[cfg(test)]
    pub(crate) fn seal_unpadded(
        &self,
        sub_key: SubKey,
        place: Place<'_>,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        self.seal_format(FORMAT_UNPADDED, sub_key, place, plaintext.to_vec())
    }

    fn seal_format(
        &self,
        format: u8,
        sub_key: SubKey,
        place: Place<'_>,
        mut in_out: Vec<u8>,
    ) -> Result<Vec<u8>, StoreError> {
        let keys = &self.current;
        let mut nonce = [0u8; NONCE_LEN];
        self.random
            .fill(&mut nonce)
            .map_err(|_| StoreError::RandomUnavailable)?;
        keys.aead(sub_key)
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(place.associated_data(format)),
                &mut in_out,
            )
            .map_err(|_| StoreError::SealFailed)?;
        let mut out = Vec::with_capacity(HEADER_LEN + in_out.len());
        out.push(format);
        out.extend_from_slice(keys.id.as_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&in_out);
        Ok(out)
    }

    /// Opens a value sealed under the current or the previous key.
    pub(crate) fn open(
        &self,
        sub_key: SubKey,
        place: Place<'_>,
        sealed: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        let broken = || StoreError::SealBroken {
            table: place.table,
            column: place.column,
        };
        let format = sealed.first().copied().ok_or_else(broken)?;
        if sealed.len() < HEADER_LEN + TAG_LEN
            || (format != FORMAT_UNPADDED && format != FORMAT_PADDED)
        {
            return Err(broken());
        }
        let key_id = KeyId::from_slice(&sealed[1..1 + KEY_ID_LEN]).ok_or_else(broken)?;
        let keys = self.by_id(key_id).ok_or(StoreError::UnknownKey {
            table: place.table,
            column: place.column,
            key_id,
        })?;
        let nonce: [u8; NONCE_LEN] = sealed[1 + KEY_ID_LEN..HEADER_LEN]
            .try_into()
            .map_err(|_| broken())?;
        let mut in_out = sealed[HEADER_LEN..].to_vec();
        let plaintext_len = keys
            .aead(sub_key)
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(place.associated_data(format)),
                &mut in_out,
            )
            .map_err(|_| broken())?
            .len();
        in_out.truncate(plaintext_len);
        if format == FORMAT_UNPADDED {
            return Ok(in_out);
        }
        unframe(in_out).ok_or_else(broken)
    }

    /// Opens a sealed UTF-8 string.
    pub(crate) fn open_string(
        &self,
        sub_key: SubKey,
        place: Place<'_>,
        sealed: &[u8],
    ) -> Result<String, StoreError> {
        String::from_utf8(self.open(sub_key, place, sealed)?).map_err(|_| StoreError::SealBroken {
            table: place.table,
            column: place.column,
        })
    }

    /// The keyed hash of `value` for `purpose` in `workspace`, under the
    /// current key and (if configured) the previous key.
    pub(crate) fn lookup_hashes(
        &self,
        purpose: HashPurpose,
        workspace: &str,
        value: &[u8],
    ) -> LookupHashes {
        let current = keyed_hash_with(&self.current, purpose, workspace, value);
        let previous = match &self.previous {
            Some(previous) => keyed_hash_with(previous, purpose, workspace, value),
            None => current.clone(),
        };
        LookupHashes { current, previous }
    }

    /// The keyed hash under the current key only.
    pub(crate) fn current_hash(
        &self,
        purpose: HashPurpose,
        workspace: &str,
        value: &[u8],
    ) -> Vec<u8> {
        keyed_hash_with(&self.current, purpose, workspace, value)
    }

    /// Fresh random bytes (row keys, claim ids, OAuth states).
    pub(crate) fn random_bytes<const N: usize>(&self) -> Result<[u8; N], StoreError> {
        let mut out = [0u8; N];
        self.random
            .fill(&mut out)
            .map_err(|_| StoreError::RandomUnavailable)?;
        Ok(out)
    }
}

/// `length (u32 BE) || value || zeros`, padded to a whole number of blocks.
fn frame(value: &[u8], block: usize) -> Result<Vec<u8>, StoreError> {
    let too_long = StoreError::InvalidArgument("value too long to seal");
    let len = u32::try_from(value.len()).map_err(|_| too_long)?;
    let needed = FRAME_PREFIX_LEN + value.len();
    let block = block.max(1);
    let padded = needed.div_ceil(block).saturating_mul(block);
    let mut framed = Vec::with_capacity(padded + TAG_LEN);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(value);
    framed.resize(padded, 0);
    Ok(framed)
}

/// Inverse of [`frame`]; `None` when the frame is malformed.
fn unframe(mut framed: Vec<u8>) -> Option<Vec<u8>> {
    let (len, rest) = framed.split_first_chunk::<FRAME_PREFIX_LEN>()?;
    let len = usize::try_from(u32::from_be_bytes(*len)).ok()?;
    if rest.len() < len || rest[len..].iter().any(|&byte| byte != 0) {
        return None;
    }
    framed.truncate(FRAME_PREFIX_LEN + len);
    framed.drain(..FRAME_PREFIX_LEN);
    Some(framed)
}

/// The padded (framed) length of a format-2 sealed value, `None` for a
/// format-1 or malformed value.
pub(crate) fn padded_len(sealed: &[u8]) -> Option<usize> {
    if sealed.first() != Some(&FORMAT_PADDED) {
        return None;
    }
    sealed.len().checked_sub(HEADER_LEN + TAG_LEN)
}

/// Reads the key id out of a sealed value without opening it.
#[cfg(test)]
pub(crate) fn sealed_key_id(sealed: &[u8]) -> Option<KeyId> {
    if sealed.len() < HEADER_LEN || !matches!(sealed[0], FORMAT_UNPADDED | FORMAT_PADDED) {
        return None;
    }
    KeyId::from_slice(&sealed[1..1 + KEY_ID_LEN])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{EncryptionKey, KEY_LEN};

    fn ring(current: u8, previous: Option<u8>) -> KeyRing {
        KeyRing::new(
            EncryptionKey::from_bytes([current; KEY_LEN]),
            previous.map(|p| EncryptionKey::from_bytes([p; KEY_LEN])),
        )
        .expect("distinct keys")
    }

    fn place(row: &[u8]) -> Place<'_> {
        Place {
            table: "messages",
            column: "body_sealed",
            workspace: "ws1",
            row,
        }
    }

    #[test]
    fn seal_then_open_round_trips_with_fresh_nonces() {
        let keys = ring(1, None);
        let a = keys
            .seal(SubKey::Body, place(b"m1"), b"hello")
            .expect("seal");
        let b = keys
            .seal(SubKey::Body, place(b"m1"), b"hello")
            .expect("seal");
        assert_ne!(a, b, "every seal uses a fresh nonce");
        assert!(!a.windows(5).any(|w| w == b"hello"));
        assert_eq!(sealed_key_id(&a), Some(keys.current_id()));
        assert_eq!(
            keys.open(SubKey::Body, place(b"m1"), &a).expect("open"),
            b"hello"
        );
    }

    #[test]
    fn a_value_moved_to_another_row_column_or_sub_key_does_not_open() {
        let keys = ring(1, None);
        let sealed = keys
            .seal(SubKey::Body, place(b"m1"), b"hello")
            .expect("seal");
        assert!(matches!(
            keys.open(SubKey::Body, place(b"m2"), &sealed),
            Err(StoreError::SealBroken { .. })
        ));
        let other_column = Place {
            column: "author_sealed",
            ..place(b"m1")
        };
        assert!(keys.open(SubKey::Body, other_column, &sealed).is_err());
        assert!(keys.open(SubKey::Identity, place(b"m1"), &sealed).is_err());
        let mut tampered = sealed.clone();
        if let Some(last) = tampered.last_mut() {
            *last ^= 1;
        }
        assert!(keys.open(SubKey::Body, place(b"m1"), &tampered).is_err());
        assert!(keys
            .open(SubKey::Body, place(b"m1"), &sealed[..10])
            .is_err());
    }

    #[test]
    fn previous_key_opens_old_values_and_unknown_keys_are_named() {
        let old = ring(1, None);
        let sealed = old
            .seal(SubKey::Token, place(b"r"), b"secret")
            .expect("seal");
        let rotated = ring(2, Some(1));
        assert_eq!(
            rotated
                .open(SubKey::Token, place(b"r"), &sealed)
                .expect("open"),
            b"secret"
        );
        let new_only = ring(2, None);
        assert!(matches!(
            new_only.open(SubKey::Token, place(b"r"), &sealed),
            Err(StoreError::UnknownKey { .. })
        ));
    }

    #[test]
    fn keyed_hashes_depend_on_purpose_workspace_and_key() {
        let keys = ring(1, None);
        let a = keys.current_hash(HashPurpose::OptOut, "ws", b"U1");
        assert_eq!(a, keys.current_hash(HashPurpose::OptOut, "ws", b"U1"));
        assert_ne!(a, keys.current_hash(HashPurpose::RateGlobal, "ws", b"U1"));
        assert_ne!(a, keys.current_hash(HashPurpose::OptOut, "ws2", b"U1"));
        assert_ne!(
            a,
            ring(2, None).current_hash(HashPurpose::OptOut, "ws", b"U1")
        );
        let rotated = ring(2, Some(1));
        let both = rotated.lookup_hashes(HashPurpose::OptOut, "ws", b"U1");
        assert_eq!(both.previous, a);
        assert_ne!(both.current, a);
    }

    #[test]
    fn padded_values_hide_their_length_within_a_block() {
        let keys = ring(1, None);
        let short = keys
            .seal(SubKey::Identity, place(b"m1"), b"U1")
            .expect("seal");
        let long = keys
            .seal(SubKey::Identity, place(b"m1"), &[b'U'; 60])
            .expect("seal");
        assert_eq!(short.len(), long.len(), "ids up to 60 bytes look alike");
        assert_eq!(padded_len(&short), Some(IDENTITY_BLOCK));
        let longer = keys
            .seal(SubKey::Identity, place(b"m1"), &[b'U'; 61])
            .expect("seal");
        assert_eq!(padded_len(&longer), Some(2 * IDENTITY_BLOCK));
        let body = keys
            .seal(SubKey::Body, place(b"m1"), &[b'x'; 300])
            .expect("seal");
        assert_eq!(padded_len(&body), Some(2 * BODY_BLOCK));
        assert_eq!(
            keys.open(SubKey::Identity, place(b"m1"), &short)
                .expect("open"),
            b"U1"
        );
        assert_eq!(
            keys.open(SubKey::Body, place(b"m1"), &body).expect("open"),
            vec![b'x'; 300]
        );
        let exact = keys
            .seal_padded(SubKey::Identity, place(b"m1"), &[7; 12], 16)
            .expect("seal");
        assert_eq!(padded_len(&exact), Some(16));
        let empty = keys
            .seal_padded(SubKey::Identity, place(b"m1"), &[], 16)
            .expect("seal");
        assert_eq!(empty.len(), exact.len());
        assert_eq!(
            keys.open(SubKey::Identity, place(b"m1"), &empty)
                .expect("open"),
            Vec::<u8>::new()
        );
    }

    #[test]
    fn unpadded_values_still_open_and_formats_cannot_be_swapped() {
        let keys = ring(1, None);
        let old = keys
            .seal_unpadded(SubKey::Identity, place(b"m1"), b"U1")
            .expect("seal");
        assert_eq!(old[0], FORMAT_UNPADDED);
        assert_eq!(padded_len(&old), None);
        assert_eq!(
            keys.open(SubKey::Identity, place(b"m1"), &old)
                .expect("open"),
            b"U1"
        );
        let mut relabelled = keys
            .seal(SubKey::Identity, place(b"m1"), b"U1")
            .expect("seal");
        relabelled[0] = FORMAT_UNPADDED;
        assert!(keys
            .open(SubKey::Identity, place(b"m1"), &relabelled)
            .is_err());
        let mut unknown = old;
        unknown[0] = 9;
        assert!(keys.open(SubKey::Identity, place(b"m1"), &unknown).is_err());
    }

    #[test]
    fn frames_round_trip_and_malformed_frames_are_refused() {
        let framed = frame(b"abc", 8).expect("frame");
        assert_eq!(framed, [0, 0, 0, 3, b'a', b'b', b'c', 0]);
        assert_eq!(unframe(framed.clone()), Some(b"abc".to_vec()));
        let mut dirty = framed.clone();
        dirty[7] = 1;
        assert_eq!(unframe(dirty), None, "padding must be zeros");
        let mut overlong = framed;
        overlong[3] = 9;
        assert_eq!(unframe(overlong), None);
        assert_eq!(unframe(vec![0, 0]), None);
    }

    #[test]
    fn parts_encoding_round_trips() {
        let encoded = encode_parts(&["a:b", "", "c"]);
        assert_eq!(
            decode_parts(&encoded),
            Some(vec!["a:b".to_owned(), String::new(), "c".to_owned()])
        );
        assert_eq!(decode_parts(&encoded[..encoded.len() - 1]), None);
    }
}
