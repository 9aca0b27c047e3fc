//! anon-core: the pure domain of anon — what a command means, which checks
//! run in which order, what is posted, what a report reveals, where a reply
//! goes. No I/O, no async, no clock, no randomness: facts, fresh random ids
//! and "now" come in from the caller; decisions come out as values.
//!
//! # Shape
//!
//! * Inbound: deserialise a verified body into
//!   [`inbound::SlashCommandPayload`], [`inbound::BlockInteractionPayload`]
//!   or [`inbound::ViewActionPayload`], convert with `TryFrom` (an error
//!   means answer 400).
//! * Each flow returns a stage value saying which fact it needs next
//!   ([`flows::Step`], [`flows::ClickStep`], [`flows::ReportCase`]), and
//!   finally a `Vec<`[`effect::Effect`]`>` to carry out **in order**.
//! * Privacy is in the types: [`Identity`] (a user tied to anonymous
//!   content), [`body::MessageBody`], [`redacted_text::RawText`] and
//!   [`outbound::OutboundMessage`] redact in `Debug`/`Display`; their values
//!   take an explicit `expose…` call.
//!
//! # How a caller runs each flow
//!
//! Every flow ends in effects; carry them out in order. A failing
//! [`effect::Effect::Notice`] (the ephemeral) is logged and ignored: it
//! never turns a delivered message into a failure (D14).
//!
//! ## `/anon`, `/anon-block`, `/anon-unblock`, unknown commands
//!
//! 1. Ack the HTTP request at once (`200 {}`), then continue.
//! 2. `step = flows::slash::start(command, &bot_user_id, fresh_ids)`.
//! 3. Drive `step` ([`flows::Step`]):
//!    * `CheckRecipientOptOut(d)`: store: is `d.recipient()` opted out in
//!      `d.workspace()`? → `d.decide(bool)`.
//!    * `FetchChannelFacts(d)`: Pumble: `GET /v1/channels/{d.channel()}` for
//!      its type and `users`, and the workspace users, →
//!      [`channel_facts::ChannelFacts`] (use
//!      [`channel_facts::count_human_members`]) → `d.decide(facts)`.
//!    * `ConsumeQuota(g)`: store, one transaction: count sends of
//!      `g.request()` in both windows, [`quota::QuotaRequest::evaluate`],
//!      record one send in both counters only when `Ok` →
//!      `g.decide(verdict)`.
//!    * `Deliver(p)`: for `Placement::Direct` find (or create) the bot's DM
//!      channel with the recipient; store `p.record()` (authorship
//!      **before** posting); post `p.message()` to the channel or as a
//!      thread reply per `p.placement()`; → `Done(p.finish(outcome))` with
//!      [`flows::DeliveryOutcome`] (`Posted` carries the channel and
//!      Pumble's message id, which `RecordDelivery` stores).
//!    * `ChangeOptOut(c)`: store: set or clear the opt-out of `c.user()`
//!      per `c.opts_out()`, learning whether it changed →
//!      `Done(c.finish(changed))`.
//!    * `Done(effects)`: carry them out; stop.
//!
//!    If the store or Pumble call a stage needs fails, call that stage's
//!    `unavailable()` and carry out its effects instead.
//!
//! ## Reply and Report buttons
//!
//! 1. `click = ButtonClick::try_from(payload)`; look up
//!    `click.message_id()` in the store (scoped to the workspace) and check
//!    the row with [`message::StoredMessage::from_columns`] (an inconsistent
//!    row counts as absent); if the lookup fails, ack and carry out
//!    [`flows::click::lookup_failed`].
//! 2. `flows::click::on_click(&click, stored.as_ref())` →
//!    [`flows::ClickStep`]:
//!    * `OpenModal(m)`: answer the HTTP request with `m.to_json()` (never
//!      ack first).
//!    * `Done(effects)`: ack, carry them out.
//!    * `Report(case)`: ack at once, then (see [`flows::ReportCase`]) get
//!      or create the reports channel
//!      ([`flows::reports_channel::channel_spec`], attempts 0..
//!      [`flows::reports_channel::NAME_ATTEMPTS`], store its id, post
//!      [`flows::reports_channel::intro_message`], carry out
//!      [`flows::reports_channel::channel_created`]); invite
//!      [`flows::reports_channel::admins_to_invite`]; post
//!      `case.message()`; carry out `case.finish(outcome)`.
//!
//! ## Reply modal submit / close
//!
//! 1. Ack the HTTP request at once (the modal closes).
//! 2. `action = ViewAction::try_from(payload)`; look up
//!    `action.message_id()` (if the lookup fails, carry out
//!    [`flows::reply::lookup_failed`]).
//! 3. `step = flows::reply::on_view_action(action, stored.as_ref(),
//!    fresh_ids)`; drive it exactly as for `/anon`.
//!
//! ## Lifecycle
//!
//! Events: `AppEvent::try_from(EventPayload)` ([`inbound::AppEvent`]), then
//! carry out [`flows::lifecycle::on_event`]. After a completed OAuth
//! install: [`flows::lifecycle::on_installed`].
//!
//! # Example: an anonymous DM, start to finish
//!
//! ```
//! use anon_core::flows::{slash, DeliveryOutcome, Step};
//! use anon_core::inbound::{SlashCommand, SlashCommandPayload};
//! use anon_core::{ChannelId, ConversationId, Delivery, Effect, FreshIds, MessageId, UserId};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let payload: SlashCommandPayload = serde_json::from_str(
//!     r#"{"slashCommand":"/anon","text":"<<@u_bob>> great demo","userId":"u_alice",
//!         "channelId":"ch_general","workspaceId":"ws_1","triggerId":"trg_1"}"#,
//! )?;
//! let command = SlashCommand::try_from(payload)?;
//! let bot = UserId::parse("u_anonbot")?;
//! let fresh = FreshIds {
//!     message: MessageId::from_random_bytes([7; 16]),
//!     conversation: ConversationId::from_random_bytes([9; 16]),
//! };
//!
//! let mut step = slash::start(command, &bot, fresh);
//! let effects = loop {
//!     step = match step {
//!         Step::CheckRecipientOptOut(draft) => draft.decide(false),
//!         Step::ConsumeQuota(gate) => {
//!             // The store counts recent sends in one transaction.
//!             let verdict = gate.request().evaluate(0, 0);
//!             gate.decide(verdict)
//!         }
//!         Step::Deliver(post) => {
//!             // Store post.record(), then post post.message() to the DM.
//!             Step::Done(post.finish(DeliveryOutcome::Posted(Delivery {
//!                 channel: ChannelId::parse("ch_dm_bot_bob")?,
//!                 platform_message: None,
//!             })))
//!         }
//!         Step::Done(effects) => break effects,
//!         other => panic!("a DM needs no {other:?}"),
//!     };
//! };
//! assert!(matches!(effects.last(), Some(Effect::Notice(_))));
//! # Ok(())
//! # }
//! ```
//!
//! # Element names
//!
//! Buttons: `onAction` [`wire_names::REPLY_ACTION`] (`anon_reply`) and
//! [`wire_names::REPORT_ACTION`] (`anon_report`), `value` = the message's
//! [`ids::MessageId`] (32 hex digits). Reply modal: `callbackId`
//! `anon_reply:<message id>`, input block `anon_reply_block`, input
//! `anon_reply_text`.
#![warn(missing_docs)]

pub mod anon_text;
pub mod audit;
pub mod body;
pub mod channel_facts;
pub mod effect;
pub mod flows;
pub mod identity;
pub mod ids;
pub mod inbound;
pub mod message;
mod notice_text;
pub mod outbound;
pub mod quota;
pub mod redacted_text;
pub mod render;
pub mod wire_names;
pub mod workspace_member;

pub use audit::{AuditEvent, AuditRecord, Outcome};
pub use body::{BodyError, MessageBody};
pub use effect::{Effect, Notice, NoticePlace};
pub use identity::Identity;
pub use ids::{
    ChannelId, ConversationId, FreshIds, IdError, MessageId, PlatformMessageId, TriggerId, UserId,
    WorkspaceId,
};
pub use message::{
    Delivery, MessageKind, NewMessage, Placement, StoredColumns, StoredMessage, StoredMessageError,
};
pub use quota::{QuotaDenied, QuotaPolicy, QuotaRequest, QuotaTarget};
