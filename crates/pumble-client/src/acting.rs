//! A view of the client that acts as one user or bot.

use crate::client::PumbleClient;
use crate::credentials::AccessToken;

/// The client acting with one access token: every call sends that token as
/// `token` and the client's app key as `x-app-token` (pumble-protocol.md
/// §5.2). Made by [`PumbleClient::acting_as`]; cheap, borrow-only.
///
/// The REST methods live on this type: see the channel, message and user
/// calls below.
#[derive(Debug, Clone, Copy)]
pub struct ActingClient<'a> {
    pub(crate) client: &'a PumbleClient,
    pub(crate) token: &'a AccessToken,
}

impl<'a> ActingClient<'a> {
    pub(crate) fn new(client: &'a PumbleClient, token: &'a AccessToken) -> Self {
        Self { client, token }
    }
}
