#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod acting;
mod call;
mod client;
mod config;
mod credentials;
mod endpoints;
mod error;
mod error_body;
mod multipart;
mod path;
mod resolver;
mod retry;
mod types;

pub use acting::ActingClient;
pub use client::{PumbleClient, USER_AGENT};
pub use config::{
    ClientConfig, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
};
pub use credentials::{AccessToken, AppKey, AuthorizationCode, ClientSecret};
pub use error::{ClientError, ConfigError};
pub use resolver::RESOLVED_FOR;
pub use retry::RetryPolicy;
pub use types::{
    Channel, ChannelInfo, ChannelType, Message, NewChannel, OAuthTokens, OutgoingMessage, Role,
    ThreadReplyInfo, UserStatus, UsersAdded, WorkspaceUser,
};
