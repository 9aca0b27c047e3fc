//! Encryption keys: parsing `TOKEN_ENCRYPTION_KEY`, key ids, and the HKDF
//! sub-keys every sealed value and keyed hash is made with.

use std::fmt;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, Engine as _};
use ring::aead::{LessSafeKey, UnboundKey, AES_256_GCM};
use ring::rand::{SecureRandom, SystemRandom};
use ring::{hkdf, hmac};
use secrecy::{ExposeSecret, SecretBox, SecretString};

/// Length in bytes of an encryption key.
pub const KEY_LEN: usize = 32;

/// Length in bytes of a [`KeyId`].
pub const KEY_ID_LEN: usize = 8;

/// Standard base64 alphabet; padding optional so `openssl rand -base64 32`
/// output and unpadded variants both parse.
const KEY_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Salt of the HKDF extract step; versioned so a future scheme can coexist.
const HKDF_SALT: &[u8] = b"anon-store/hkdf/v1";

/// Why a key value was refused. Never contains any part of the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The value is not standard base64.
    #[error("the key is not valid base64 (expected 32 random bytes, base64 encoded, e.g. `openssl rand -base64 32`)")]
    NotBase64,
    /// The value decodes to the wrong number of bytes.
    #[error("the key decodes to {actual} bytes; exactly 32 are required")]
    WrongLength {
        /// How many bytes the value decoded to.
        actual: usize,
    },
    /// The previous key equals the current one.
    #[error("the previous key is the same as the current key")]
    PreviousEqualsCurrent,
    /// The operating system's random generator failed.
    #[error("the system random generator is unavailable")]
    RandomUnavailable,
}

/// A 32-byte master key (`TOKEN_ENCRYPTION_KEY`). `Debug` shows only its id.
pub struct EncryptionKey {
    bytes: SecretBox<[u8; KEY_LEN]>,
}

impl EncryptionKey {
    /// Parses the base64 text of 32 bytes. Surrounding whitespace (a trailing
    /// newline from a secrets file) is ignored; the decoded bytes are the key.
    pub fn from_base64(value: &str) -> Result<Self, KeyError> {
        let decoded = KEY_BASE64
            .decode(value.trim().as_bytes())
            .map_err(|_| KeyError::NotBase64)?;
        let bytes: [u8; KEY_LEN] =
            decoded
                .as_slice()
                .try_into()
                .map_err(|_| KeyError::WrongLength {
                    actual: decoded.len(),
                })?;
        Ok(Self::from_bytes(bytes))
    }

    /// Wraps raw key bytes.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self {
            bytes: SecretBox::new(Box::new(bytes)),
        }
    }

    /// A fresh random key from the operating system's generator.
    pub fn generate() -> Result<Self, KeyError> {
        let mut bytes = [0u8; KEY_LEN];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| KeyError::RandomUnavailable)?;
        Ok(Self::from_bytes(bytes))
    }

    /// The key as base64 text, for printing a freshly generated key once.
    pub fn to_base64(&self) -> SecretString {
        SecretString::from(KEY_BASE64.encode(self.bytes.expose_secret()))
    }

    /// The key's public fingerprint.
    pub fn id(&self) -> KeyId {
        let mac_key = hmac::Key::new(hmac::HMAC_SHA256, self.bytes.expose_secret());
        let tag = hmac::sign(&mac_key, b"anon key id");
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&tag.as_ref()[..KEY_ID_LEN]);
        KeyId(id)
    }
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptionKey")
            .field("id", &self.id())
            .finish_non_exhaustive()
    }
}

/// A short public fingerprint of a key: the first 8 bytes of
/// HMAC-SHA256(key, "anon key id"). Stored with every sealed value and keyed
/// hash so the store knows which key opens it. Reveals nothing of the key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId(pub(crate) [u8; KEY_ID_LEN]);

impl KeyId {
    /// The raw 8 bytes.
    pub fn as_bytes(&self) -> &[u8; KEY_ID_LEN] {
        &self.0
    }

    pub(crate) fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(KeyId)
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// Which AEAD sub-key a value is sealed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SubKey {
    /// Pumble access tokens.
    Token,
    /// User ids: authors, recipients, token owners, audit actors.
    Identity,
    /// Message bodies.
    Body,
}

/// The sub-keys derived from one master key.
pub(crate) struct DerivedKeys {
    pub(crate) id: KeyId,
    tokens: LessSafeKey,
    identities: LessSafeKey,
    bodies: LessSafeKey,
    pub(crate) hashing: hmac::Key,
}

impl DerivedKeys {
    fn derive(key: &EncryptionKey) -> Self {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, HKDF_SALT).extract(key.bytes.expose_secret());
        let aead_key = |info: &'static [u8]| {
            let info = [info];
            let okm = prk
                .expand(&info, &AES_256_GCM)
                .expect("HKDF-SHA256 can always produce 32 bytes of output");
            LessSafeKey::new(UnboundKey::from(okm))
        };
        let info = [b"anon-store/keyed-hash".as_slice()];
        let hashing = hmac::Key::from(
            prk.expand(&info, hmac::HMAC_SHA256)
                .expect("HKDF-SHA256 can always produce 32 bytes of output"),
        );
        Self {
            id: key.id(),
            tokens: aead_key(b"anon-store/seal/tokens"),
            identities: aead_key(b"anon-store/seal/identities"),
            bodies: aead_key(b"anon-store/seal/bodies"),
            hashing,
        }
    }

    pub(crate) fn aead(&self, sub_key: SubKey) -> &LessSafeKey {
        match sub_key {
            SubKey::Token => &self.tokens,
            SubKey::Identity => &self.identities,
            SubKey::Body => &self.bodies,
        }
    }
}

/// The current key and, during a rotation, the previous one.
///
/// New values are always sealed and hashed under the current key; values
/// sealed under the previous key still open, and lookups by keyed hash match
/// either key's hash until [`crate::Store::reseal`] has rewritten them.
pub struct KeyRing {
    pub(crate) current: DerivedKeys,
    pub(crate) previous: Option<DerivedKeys>,
    pub(crate) random: SystemRandom,
}

impl KeyRing {
    /// A ring of the current key and an optional previous key.
    pub fn new(current: EncryptionKey, previous: Option<EncryptionKey>) -> Result<Self, KeyError> {
        if let Some(previous) = &previous {
            if previous.id() == current.id() {
                return Err(KeyError::PreviousEqualsCurrent);
            }
        }
        Ok(Self {
            current: DerivedKeys::derive(&current),
            previous: previous.as_ref().map(DerivedKeys::derive),
            random: SystemRandom::new(),
        })
    }

    /// Parses `TOKEN_ENCRYPTION_KEY` and the optional
    /// `TOKEN_ENCRYPTION_KEY_PREVIOUS` values.
    pub fn from_base64(current: &str, previous: Option<&str>) -> Result<Self, KeyError> {
        let current = EncryptionKey::from_base64(current)?;
        let previous = previous.map(EncryptionKey::from_base64).transpose()?;
        Self::new(current, previous)
    }

    /// The id of the key new values are sealed under.
    pub fn current_id(&self) -> KeyId {
        self.current.id
    }

    /// The id of the previous key, when one is configured.
    pub fn previous_id(&self) -> Option<KeyId> {
        self.previous.as_ref().map(|keys| keys.id)
    }

    /// The derived keys whose id is `id`, if configured.
    pub(crate) fn by_id(&self, id: KeyId) -> Option<&DerivedKeys> {
        if self.current.id == id {
            return Some(&self.current);
        }
        self.previous.as_ref().filter(|keys| keys.id == id)
    }
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("current", &self.current.id)
            .field("previous", &self.previous_id())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_base64_of_32_bytes_with_or_without_padding_and_whitespace() {
        let raw = [7u8; KEY_LEN];
        let padded = base64::engine::general_purpose::STANDARD.encode(raw);
        let unpadded = padded.trim_end_matches('=').to_owned();
        let a = EncryptionKey::from_base64(&format!("{padded}\n")).expect("valid key");
        let b = EncryptionKey::from_base64(&unpadded).expect("valid key");
        assert_eq!(a.id(), EncryptionKey::from_bytes(raw).id());
        assert_eq!(a.id(), b.id());
    }

    #[test]
    fn refuses_wrong_length_and_non_base64() {
        let short = base64::engine::general_purpose::STANDARD.encode([1u8; 16]);
        assert_eq!(
            EncryptionKey::from_base64(&short).err(),
            Some(KeyError::WrongLength { actual: 16 })
        );
        assert_eq!(
            EncryptionKey::from_base64("not base64 at all!").err(),
            Some(KeyError::NotBase64)
        );
        assert_eq!(
            EncryptionKey::from_base64("").err(),
            Some(KeyError::WrongLength { actual: 0 })
        );
    }

    #[test]
    fn generated_keys_round_trip_through_base64_into_a_ring() {
        let current = EncryptionKey::generate().expect("random");
        let previous = EncryptionKey::generate().expect("random");
        assert_ne!(current.id(), previous.id());
        let ring = KeyRing::from_base64(
            current.to_base64().expose_secret(),
            Some(previous.to_base64().expose_secret()),
        )
        .expect("valid keys");
        assert_eq!(ring.current_id(), current.id());
        assert_eq!(ring.previous_id(), Some(previous.id()));
        let shown = format!("{ring:?}");
        assert!(!shown.contains(current.to_base64().expose_secret()));
        assert_eq!(
            KeyRing::from_base64("AAAA", None).err(),
            Some(KeyError::WrongLength { actual: 3 })
        );
    }

    #[test]
    fn debug_shows_only_the_key_id() {
        let key = EncryptionKey::from_bytes([0xAB; KEY_LEN]);
        let shown = format!("{key:?}");
        assert!(shown.contains(&key.id().to_string()));
        assert!(!shown.to_lowercase().contains("abab"), "{shown}");
        let encoded = key.to_base64();
        assert!(!shown.contains(encoded.expose_secret()));
    }

    #[test]
    fn distinct_keys_have_distinct_ids_and_previous_must_differ() {
        let a = EncryptionKey::from_bytes([1; KEY_LEN]);
        let b = EncryptionKey::from_bytes([2; KEY_LEN]);
        assert_ne!(a.id(), b.id());
        let same = KeyRing::new(
            EncryptionKey::from_bytes([1; KEY_LEN]),
            Some(EncryptionKey::from_bytes([1; KEY_LEN])),
        );
        assert_eq!(same.err(), Some(KeyError::PreviousEqualsCurrent));
        let ring = KeyRing::new(a, Some(b)).expect("distinct keys");
        assert!(ring.previous_id().is_some());
        assert_ne!(ring.previous_id(), Some(ring.current_id()));
    }
}
