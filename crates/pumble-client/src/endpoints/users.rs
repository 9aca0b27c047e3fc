//! User calls (pumble-protocol.md §5.4).

use crate::acting::ActingClient;
use crate::call::Call;
use crate::error::ClientError;
use crate::path::encode_id;
use crate::types::WorkspaceUser;

impl ActingClient<'_> {
    /// Every user of the workspace, bots included
    /// (`GET /v1/workspaceUsers`; Pumble answers a bare array, §9.10).
    pub fn list_workspace_users(&self) -> Result<Vec<WorkspaceUser>, ClientError> {
        self.client.execute_json(Call::get(
            "list_workspace_users",
            "/v1/workspaceUsers".to_owned(),
            self.token,
        ))
    }

    /// One user of the workspace (`GET /v1/workspaceUsers/{userId}`).
    pub fn get_workspace_user(&self, user_id: &str) -> Result<WorkspaceUser, ClientError> {
        let path = format!("/v1/workspaceUsers/{}", encode_id(user_id, "user id")?);
        self.client
            .execute_json(Call::get("get_workspace_user", path, self.token))
    }
}
