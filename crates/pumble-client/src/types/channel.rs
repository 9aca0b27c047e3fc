//! Channels: what Pumble answers about them and what the client sends to
//! create or fill them (pumble-protocol.md §5.4).

use serde::{Deserialize, Serialize};

use super::wire_enum::wire_enum;

wire_enum! {
    /// A channel's kind (`channelType`; also the values of the `types`
    /// filter when listing channels).
    ChannelType {
        /// A user's channel with themself (`SELF`).
        SelfChannel => "SELF",
        /// A direct conversation between a few users (`DIRECT`).
        Direct => "DIRECT",
        /// A channel every member may find and join (`PUBLIC`).
        Public => "PUBLIC",
        /// An invitation-only channel (`PRIVATE`).
        Private => "PRIVATE",
    }
}

/// A channel and its member ids, as Pumble returns it (`ChannelInfo`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChannelInfo {
    /// The channel itself.
    pub channel: Channel,
    /// Ids of the channel's members (may be absent, then empty).
    #[serde(default)]
    pub users: Vec<String>,
}

/// The parts of Pumble's `Channel` this crate exposes; other fields are
/// accepted and ignored.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Channel {
    /// The channel id.
    pub id: String,
    /// The workspace the channel belongs to.
    pub workspace_id: String,
    /// The channel's kind.
    pub channel_type: ChannelType,
    /// The channel's name (absent for direct channels).
    #[serde(default)]
    pub name: Option<String>,
    /// The channel's description.
    #[serde(default)]
    pub description: Option<String>,
    /// Whether the acting user is a member.
    #[serde(default)]
    pub is_member: Option<bool>,
    /// Whether the channel is archived.
    #[serde(default)]
    pub is_archived: Option<bool>,
    /// Who added the acting user, when Pumble says.
    #[serde(default)]
    pub added_by_id: Option<String>,
}

/// A channel to create (`POST /v1/channels`).
///
/// ```
/// use pumble_client::{ChannelType, NewChannel};
///
/// let channel = NewChannel::new("abot-reports")
///     .with_type(ChannelType::Private)
///     .with_description("Abuse reports");
/// assert_eq!(
///     serde_json::to_value(&channel).unwrap(),
///     serde_json::json!({"name": "abot-reports", "type": "PRIVATE", "description": "Abuse reports"})
/// );
/// ```
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewChannel {
    name: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    channel_type: Option<ChannelType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
}

impl NewChannel {
    /// A channel with this name (Pumble allows 1–80 letters, digits, `_`,
    /// `-` and spaces) and Pumble's default type.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            channel_type: None,
            description: None,
        }
    }

    /// Sets the type: [`ChannelType::Public`] or [`ChannelType::Private`].
    pub fn with_type(mut self, channel_type: ChannelType) -> Self {
        self.channel_type = Some(channel_type);
        self
    }

    /// Sets the description (Pumble allows up to 250 characters).
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// Pumble's answer to adding users to a channel (`UsersAddedToChannel`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UsersAdded {
    /// The channel the users were added to, when Pumble says.
    #[serde(default)]
    pub channel_id: Option<String>,
    /// The users actually added, when Pumble says.
    #[serde(default)]
    pub added_user_ids: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_types_round_trip_and_keep_unknown_values() {
        let parsed: Vec<ChannelType> =
            serde_json::from_str(r#"["SELF","DIRECT","PUBLIC","PRIVATE","SHARED"]"#)
                .expect("strings always decode");
        assert_eq!(
            parsed,
            vec![
                ChannelType::SelfChannel,
                ChannelType::Direct,
                ChannelType::Public,
                ChannelType::Private,
                ChannelType::Other("SHARED".to_owned()),
            ]
        );
        assert_eq!(
            serde_json::to_string(&parsed).expect("strings always encode"),
            r#"["SELF","DIRECT","PUBLIC","PRIVATE","SHARED"]"#
        );
    }

    #[test]
    fn new_channel_omits_unset_fields() {
        assert_eq!(
            serde_json::to_value(NewChannel::new("x")).expect("plain struct encodes"),
            serde_json::json!({"name": "x"})
        );
    }
}
