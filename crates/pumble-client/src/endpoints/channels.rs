//! Channel calls (pumble-protocol.md §5.4).

use serde::Serialize;

use crate::acting::ActingClient;
use crate::call::Call;
use crate::error::ClientError;
use crate::path::{encode_id, encode_id_list};
use crate::types::{ChannelInfo, ChannelType, NewChannel, UsersAdded};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DirectChannelRequest<'a> {
    participant_ids: &'a [&'a str],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AddUsersRequest<'a> {
    user_ids: &'a [&'a str],
}

/// `caller_id` first, then `others` in order, without repeats (§5.4, §9.9).
fn participants<'a>(caller_id: &'a str, others: &[&'a str]) -> Vec<&'a str> {
    let mut ids = vec![caller_id];
    for id in others {
        if !ids.contains(id) {
            ids.push(id);
        }
    }
    ids
}

impl ActingClient<'_> {
    /// Finds the direct channel between the caller and `others`
    /// (`GET /v1/channels/direct?participantIds=<caller>,<others…>`).
    ///
    /// `caller_id` is the user id of whoever the token belongs to (for a bot
    /// token, the bot's user id); it is sent first, then the others,
    /// de-duplicated, joined by literal commas. Whether Pumble creates a
    /// missing DM here is unknown; see
    /// [`get_or_create_direct_channel`](Self::get_or_create_direct_channel).
    pub fn get_direct_channel(
        &self,
        caller_id: &str,
        others: &[&str],
    ) -> Result<ChannelInfo, ClientError> {
        let ids = participants(caller_id, others);
        let query = encode_id_list(ids.iter().copied(), "participant id")?;
        let path = format!("/v1/channels/direct?participantIds={query}");
        self.client
            .execute_json(Call::get("get_direct_channel", path, self.token))
    }

    /// Creates a direct channel with exactly these participants
    /// (`POST /v1/channels/direct`, body `{"participantIds":[…]}`; Pumble
    /// allows 1 to 8).
    pub fn create_direct_channel(
        &self,
        participant_ids: &[&str],
    ) -> Result<ChannelInfo, ClientError> {
        if participant_ids.is_empty() || participant_ids.iter().any(|id| id.is_empty()) {
            return Err(ClientError::InvalidArgument("participant id"));
        }
        let body = DirectChannelRequest { participant_ids };
        let call = Call::post_json(
            "create_direct_channel",
            "/v1/channels/direct".to_owned(),
            self.token,
            &body,
        )?;
        self.client.execute_json(call)
    }

    /// Finds the direct channel between the caller and `others`, creating it
    /// when Pumble says it does not exist (404 or a `…NOT_FOUND` code), as
    /// the SDK's `dmUser` does (§5.4). Other errors are returned as they are.
    pub fn get_or_create_direct_channel(
        &self,
        caller_id: &str,
        others: &[&str],
    ) -> Result<ChannelInfo, ClientError> {
        match self.get_direct_channel(caller_id, others) {
            Err(error) if error.is_not_found() => {
                self.create_direct_channel(&participants(caller_id, others))
            }
            found => found,
        }
    }

    /// A channel and its members (`GET /v1/channels/{channelId}`).
    pub fn channel_details(&self, channel_id: &str) -> Result<ChannelInfo, ClientError> {
        let path = format!("/v1/channels/{}", encode_id(channel_id, "channel id")?);
        self.client
            .execute_json(Call::get("channel_details", path, self.token))
    }

    /// The channels the caller can see, of the given types
    /// (`GET /v1/channels?types=A,B`; no filter when `types` is empty).
    /// Pumble answers a bare array (§9.10).
    pub fn list_channels(&self, types: &[ChannelType]) -> Result<Vec<ChannelInfo>, ClientError> {
        let path = if types.is_empty() {
            "/v1/channels".to_owned()
        } else {
            let list = encode_id_list(types.iter().map(ChannelType::as_str), "channel type")?;
            format!("/v1/channels?types={list}")
        };
        self.client
            .execute_json(Call::get("list_channels", path, self.token))
    }

    /// Creates a channel (`POST /v1/channels`).
    pub fn create_channel(&self, channel: &NewChannel) -> Result<ChannelInfo, ClientError> {
        let call = Call::post_json(
            "create_channel",
            "/v1/channels".to_owned(),
            self.token,
            channel,
        )?;
        self.client.execute_json(call)
    }

    /// Adds users to a channel (`POST /v1/channels/{channelId}/users`, body
    /// `{"userIds":[…]}`). An empty answer counts as success.
    pub fn add_users_to_channel(
        &self,
        channel_id: &str,
        user_ids: &[&str],
    ) -> Result<UsersAdded, ClientError> {
        if user_ids.is_empty() || user_ids.iter().any(|id| id.is_empty()) {
            return Err(ClientError::InvalidArgument("user id"));
        }
        let path = format!(
            "/v1/channels/{}/users",
            encode_id(channel_id, "channel id")?
        );
        let call = Call::post_json(
            "add_users_to_channel",
            path,
            self.token,
            &AddUsersRequest { user_ids },
        )?;
        let body = self.client.execute(call)?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(UsersAdded::default());
        }
        serde_json::from_slice(&body).map_err(|error| ClientError::from_json(&error))
    }
}

#[cfg(test)]
mod tests {
    use super::participants;

    #[test]
    fn caller_comes_first_and_repeats_are_dropped() {
        assert_eq!(
            participants("u_bot", &["u_bob", "u_bot", "u_carol", "u_bob"]),
            vec!["u_bot", "u_bob", "u_carol"]
        );
    }
}
