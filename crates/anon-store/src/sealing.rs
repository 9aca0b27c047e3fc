//! Sealing values (AES-256-GCM) and keyed hashes (HMAC-SHA256).
//!
//! Stored format of a sealed value:
//! `0x01 (format version) || key id (8 bytes) || nonce (12 bytes) || ciphertext || tag (16 bytes)`.
//! The associated data is the value's place in the database (table, column,
//! workspace, row key), so a sealed value copied into another row or column
//! fails to open.

use ring::aead::{Aad, Nonce, NONCE_LEN};
use ring::hmac;
use ring::rand::SecureRandom;

use crate::error::StoreError;
use crate::keys::{DerivedKeys, KeyId, KeyRing, SubKey, KEY_ID_LEN};

const FORMAT_VERSION: u8 = 1;
const HEADER_LEN: usize = 1 + KEY_ID_LEN + NONCE_LEN;
const TAG_LEN: usize = 16;

/// Where a sealed value lives; bound into the ciphertext as associated data.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place<'a> {
    pub(crate) table: &'static str,
    pub(crate) column: &'static str,
    pub(crate) workspace: &'a str,
    pub(crate) row: &'a [u8],
}

impl Place<'_> {
    fn associated_data(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.workspace.len() + self.row.len());
        out.extend_from_slice(b"anon-store/seal/v1");
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
    /// Seals `plaintext` under the current key.
    pub(crate) fn seal(
        &self,
        sub_key: SubKey,
        place: Place<'_>,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        let keys = &self.current;
        let mut nonce = [0u8; NONCE_LEN];
        self.random
            .fill(&mut nonce)
            .map_err(|_| StoreError::RandomUnavailable)?;
        let mut in_out = plaintext.to_vec();
        keys.aead(sub_key)
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(place.associated_data()),
                &mut in_out,
            )
            .map_err(|_| StoreError::SealFailed)?;
        let mut out = Vec::with_capacity(HEADER_LEN + in_out.len());
        out.push(FORMAT_VERSION);
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
        if sealed.len() < HEADER_LEN + TAG_LEN || sealed[0] != FORMAT_VERSION {
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
                Aad::from(place.associated_data()),
                &mut in_out,
            )
            .map_err(|_| broken())?
            .len();
        in_out.truncate(plaintext_len);
        Ok(in_out)
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

/// Reads the key id out of a sealed value without opening it.
#[cfg(test)]
pub(crate) fn sealed_key_id(sealed: &[u8]) -> Option<KeyId> {
    if sealed.len() < HEADER_LEN || sealed[0] != FORMAT_VERSION {
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
    fn parts_encoding_round_trips() {
        let encoded = encode_parts(&["a:b", "", "c"]);
        assert_eq!(
            decode_parts(&encoded),
            Some(vec!["a:b".to_owned(), String::new(), "c".to_owned()])
        );
        assert_eq!(decode_parts(&encoded[..encoded.len() - 1]), None);
    }
}
