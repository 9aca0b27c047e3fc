//! Identifiers: Pumble's ids (workspace, user, channel, platform message,
//! trigger) and anon's own random ids (message, conversation).
//!
//! Every id is parsed once at the edge and cannot hold an invalid value
//! afterwards. Pumble ids are restricted to ASCII letters, digits, `_` and
//! `-` (at most 64 characters), so an id can never smuggle mention syntax
//! such as `>>` into anything rendered from it.

use std::fmt;

use thiserror::Error;

/// Why a string is not a valid id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum IdError {
    /// The string was empty.
    #[error("id is empty")]
    Empty,
    /// The string was longer than allowed.
    #[error("id is longer than {max} characters")]
    TooLong {
        /// The maximum length in bytes (ids are ASCII).
        max: usize,
    },
    /// The string held a character an id may not contain.
    #[error("id contains a character outside the allowed set")]
    BadCharacter,
    /// An anon id did not have the 32 lowercase hex digits it is made of.
    #[error("anon id must be exactly 32 lowercase hexadecimal digits")]
    NotRandomHex,
}

/// Longest Pumble id accepted. Real ids are 24 hex digits; fixtures use
/// short names such as `u_bob`.
const MAX_PLATFORM_ID_LEN: usize = 64;

fn check_platform_id(raw: &str) -> Result<(), IdError> {
    if raw.is_empty() {
        return Err(IdError::Empty);
    }
    if raw.len() > MAX_PLATFORM_ID_LEN {
        return Err(IdError::TooLong {
            max: MAX_PLATFORM_ID_LEN,
        });
    }
    if !raw
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(IdError::BadCharacter);
    }
    Ok(())
}

macro_rules! platform_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Parses an id as Pumble sends it.
            pub fn parse(raw: &str) -> Result<Self, IdError> {
                check_platform_id(raw)?;
                Ok(Self(raw.to_owned()))
            }

            /// The id as Pumble spells it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

platform_id!(
    /// A Pumble workspace.
    WorkspaceId
);
platform_id!(
    /// A Pumble workspace user (person or bot).
    ///
    /// A bare `UserId` prints itself. Wherever a user is tied to anonymous
    /// content (an author, a recipient, a sender), anon-core holds it as an
    /// [`Identity`](crate::Identity), which redacts.
    UserId
);
platform_id!(
    /// A Pumble channel (public, private, direct or self).
    ChannelId
);
platform_id!(
    /// The id Pumble gave a posted message (the `id` of the `Message` a post
    /// returns). Used as thread root. Distinct from anon's [`MessageId`].
    PlatformMessageId
);
platform_id!(
    /// The `triggerId` of an inbound trigger, needed to answer with a modal
    /// (pumble-protocol.md §4.3).
    TriggerId
);

fn hex_from_bytes(bytes: [u8; 16]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(32);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

fn check_random_hex(raw: &str) -> Result<(), IdError> {
    if raw.is_empty() {
        return Err(IdError::Empty);
    }
    if raw.len() == 32 && raw.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(IdError::NotRandomHex)
    }
}

macro_rules! random_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Builds the id from 16 bytes the caller drew from a
            /// cryptographically secure random source (anon-core draws no
            /// randomness itself). Spelled as 32 lowercase hex digits.
            pub fn from_random_bytes(bytes: [u8; 16]) -> Self {
                Self(hex_from_bytes(bytes))
            }

            /// Parses an id previously produced by
            /// [`from_random_bytes`](Self::from_random_bytes) (from a button
            /// value, a modal `callbackId` or the store).
            pub fn parse(raw: &str) -> Result<Self, IdError> {
                check_random_hex(raw)?;
                Ok(Self(raw.to_owned()))
            }

            /// The 32 hex digits.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

random_id!(
    /// anon's id of one anonymous message (a first message or a reply):
    /// 128 random bits, unguessable, carried as the `value` of its Reply and
    /// Report buttons and in the reply modal's `callbackId`. Authorship is
    /// recorded per `MessageId`.
    MessageId
);
random_id!(
    /// Links the messages of one anonymous exchange: a DM and its replies,
    /// or a post and the anonymous replies in its thread. 128 random bits.
    ConversationId
);

/// The two fresh random ids a flow may need, drawn by the caller for every
/// flow it starts (unused ids are simply dropped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreshIds {
    /// Id for the anonymous message this flow may post.
    pub message: MessageId,
    /// Id for the conversation, used only when the message starts a new one
    /// (`/anon`); replies join the conversation of the message they answer.
    pub conversation: ConversationId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_ids_accept_real_and_fixture_shapes() {
        for raw in [
            "u_bob",
            "ch_dm_bot_bob",
            "66a0f1c2e4b0a1b2c3d4e5f6",
            "msg-1",
        ] {
            assert_eq!(
                UserId::parse(raw).map(|id| id.as_str().to_owned()),
                Ok(raw.to_owned())
            );
        }
    }

    #[test]
    fn platform_ids_reject_mention_syntax_and_garbage() {
        assert_eq!(UserId::parse(""), Err(IdError::Empty));
        assert_eq!(UserId::parse("u>>x"), Err(IdError::BadCharacter));
        assert_eq!(UserId::parse("u bob"), Err(IdError::BadCharacter));
        assert_eq!(UserId::parse("ü"), Err(IdError::BadCharacter));
        assert_eq!(
            ChannelId::parse(&"a".repeat(65)),
            Err(IdError::TooLong { max: 64 })
        );
    }

    #[test]
    fn random_ids_round_trip_through_their_spelling() {
        let id = MessageId::from_random_bytes([0xab; 16]);
        assert_eq!(id.as_str(), "abababababababababababababababab");
        assert_eq!(MessageId::parse(id.as_str()), Ok(id));
        let id = ConversationId::from_random_bytes([
            0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 255,
        ]);
        assert_eq!(id.as_str(), "000102030405060708090a0b0c0d0eff");
    }

    #[test]
    fn random_ids_reject_legacy_button_values() {
        assert_eq!(
            MessageId::parse("c0a80101-0000-4000-8000-00000000d001:recipient"),
            Err(IdError::NotRandomHex)
        );
        assert_eq!(
            MessageId::parse("ABABABABABABABABABABABABABABABAB"),
            Err(IdError::NotRandomHex)
        );
        assert_eq!(MessageId::parse(""), Err(IdError::Empty));
    }
}
