//! The product's flows: each fetches the facts anon-core needs, asks it to
//! decide, and carries out the effects it returns. No decision is made here.

pub mod click;
pub mod drive;
pub mod lifecycle;
pub mod reply_submit;
pub mod report;
pub mod reports_channel;
pub mod slash;
pub mod stored_message;
