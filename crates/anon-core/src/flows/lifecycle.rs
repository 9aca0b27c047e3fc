//! App lifecycle: install, uninstall, a user's unauthorization.

use crate::audit::{AuditEvent, AuditRecord, Outcome};
use crate::effect::Effect;
use crate::identity::Identity;
use crate::ids::{UserId, WorkspaceId};
use crate::inbound::AppEvent;

/// Effects of a lifecycle event; other events need none.
pub fn on_event(event: AppEvent) -> Vec<Effect> {
    match event {
        AppEvent::Uninstalled { workspace } => on_uninstalled(workspace),
        AppEvent::Unauthorized { workspace, users } => on_unauthorized(workspace, users),
        AppEvent::Other { .. } => Vec::new(),
    }
}

/// The OAuth install completed (tokens already stored by the caller).
pub fn on_installed(workspace: WorkspaceId, installer: Option<UserId>) -> Vec<Effect> {
    let mut record = AuditRecord::new(workspace, AuditEvent::Install, Outcome::Ok);
    if let Some(installer) = installer {
        record = record.with_actor(Identity::new(installer));
    }
    vec![Effect::RecordAudit(record)]
}

/// `APP_UNINSTALLED`: audit, then purge the workspace (opt-outs survive,
/// D18).
///
/// The audit row comes first so that the purge removes it too: after an
/// uninstall no stored row may refer to the workspace except its keyed-hash
/// opt-outs (DESIGN: "uninstall purges every row of the workspace"). The
/// purge itself is what the caller reports in its log, by counts.
pub fn on_uninstalled(workspace: WorkspaceId) -> Vec<Effect> {
    vec![
        Effect::RecordAudit(AuditRecord::new(
            workspace.clone(),
            AuditEvent::AppUninstalled,
            Outcome::Ok,
        )),
        Effect::PurgeWorkspace { workspace },
    ]
}

/// `APP_UNAUTHORIZED` for `users` (the event body's `workspaceUser` and the
/// envelope's `workspaceUserIds`, de-duplicated by the caller or not):
/// purge their tokens, then one audit row each (one without an actor when
/// no user id came with the event, so it is never silent).
pub fn on_unauthorized(workspace: WorkspaceId, users: Vec<UserId>) -> Vec<Effect> {
    let mut unique: Vec<UserId> = Vec::with_capacity(users.len());
    for user in users {
        if !unique.contains(&user) {
            unique.push(user);
        }
    }
    let mut effects = vec![Effect::PurgeUserTokens {
        workspace: workspace.clone(),
        users: unique.clone(),
    }];
    if unique.is_empty() {
        effects.push(Effect::RecordAudit(AuditRecord::new(
            workspace.clone(),
            AuditEvent::AppUnauthorized,
            Outcome::Ok,
        )));
    }
    effects.extend(unique.into_iter().map(|user| {
        Effect::RecordAudit(
            AuditRecord::new(workspace.clone(), AuditEvent::AppUnauthorized, Outcome::Ok)
                .with_actor(Identity::new(user)),
        )
    }));
    effects
}
