//! User calls (pumble-protocol.md §5.4).

use crate::acting::ActingClient;
use crate::call::Call;
use crate::error::ClientError;
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
}
