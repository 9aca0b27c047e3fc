//! The flows: each turns an inbound trigger plus the facts the caller
//! fetched into the next [`Step`], [`ClickStep`] or list of effects.

mod access;
pub mod click;
pub mod lifecycle;
pub mod opt_out;
pub mod reply;
pub mod report;
pub mod reports_channel;
pub mod slash;
mod step;

pub use click::ClickStep;
pub use opt_out::OptOutChange;
pub use report::{ReportCase, ReportOutcome};
pub use step::{ChannelDraft, DeliveryOutcome, DmDraft, QuotaGate, ReadyPost, Step};
