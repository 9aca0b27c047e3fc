//! Request and response types of the REST API. Responses accept and ignore
//! fields this crate does not model, and enums keep unknown values.

mod channel;
mod message;
mod oauth;
mod user;
mod wire_enum;

pub use channel::{Channel, ChannelInfo, ChannelType, NewChannel, UsersAdded};
pub(crate) use message::{EphemeralBody, EphemeralRecipients};
pub use message::{Message, OutgoingMessage, ThreadReplyInfo};
pub use oauth::OAuthTokens;
pub use user::{Role, UserStatus, WorkspaceUser};
