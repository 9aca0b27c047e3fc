//! Rendering: every message and view anon posts (pumble-protocol.md §5.5,
//! §5.6). Each message has a plain-text fallback `text`.
//!
//! Anything a sender typed is placed only in literal `text` elements, and
//! is first passed through [`neutralise_mentions`], so neither the blocks
//! nor the fallback text can ever hold a user, user-group, `@here` or
//! `@channel` mention that notifies someone. User-mention elements appear
//! only in the report post, built from ids anon itself recorded.

mod blocks;
mod modal;
mod neutralise;
mod post;
mod report;

pub use modal::reply_modal;
pub use neutralise::neutralise_mentions;
pub use post::{anonymous_message, PostKind};
pub use report::{report_post, reports_channel_intro};
