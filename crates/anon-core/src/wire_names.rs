//! Names anon gives to interactive elements, which Pumble echoes back in
//! block-interaction and view-action payloads (pumble-protocol.md §3.4,
//! §3.5). Posting and parsing share these constants.

/// `onAction` of the Reply button on every anonymous message.
pub const REPLY_ACTION: &str = "anon_reply";
/// `onAction` of the Report button on every anonymous message.
pub const REPORT_ACTION: &str = "anon_report";
/// Prefix of the reply modal's `callbackId`; the answered message's id
/// follows it, so the modal itself names its target (no per-user pending
/// state, D8).
pub const REPLY_CALLBACK_PREFIX: &str = "anon_reply:";
/// `blockId` of the reply modal's input block.
pub const REPLY_BLOCK_ID: &str = "anon_reply_block";
/// `onAction` of the reply modal's text input.
pub const REPLY_INPUT_ACTION: &str = "anon_reply_text";

/// The slash command that sends anonymously.
pub const ANON_COMMAND: &str = "/anon";
/// The slash command that opts out of anonymous DMs.
pub const BLOCK_COMMAND: &str = "/anon-block";
/// The slash command that opts back in.
pub const UNBLOCK_COMMAND: &str = "/anon-unblock";
