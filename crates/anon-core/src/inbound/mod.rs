//! Inbound triggers: serde structs for the JSON bodies Pumble posts (tolerant
//! of unknown fields) and the typed values anon-core works with.
//!
//! The caller verifies the signature, deserialises the body into the
//! `*Payload` struct matching its `messageType` (`SLASH_COMMAND`,
//! `BLOCK_INTERACTION`, `VIEW_ACTION`, `PUMBLE_EVENT`/`APP_EVENT`), then converts it with
//! `TryFrom`. A conversion error means the request is malformed (answer 400);
//! every well-formed request, however odd its content, converts and gets an
//! answer from the flows.

mod click;
mod event;
mod slash;
mod view;

pub use click::{BlockInteractionPayload, ButtonAction, ButtonClick, ButtonValue};
pub use event::{AppEvent, EventPayload};
pub use slash::{SlashCommand, SlashCommandKind, SlashCommandPayload};
pub use view::{ModalTarget, ViewAction, ViewActionKind, ViewActionPayload, ViewPayload};

use thiserror::Error;

use crate::ids::IdError;

/// A trigger body that cannot be handled at all.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PayloadError {
    /// A required id field was missing, empty or malformed.
    #[error("field `{field}` is not a valid id: {source}")]
    BadId {
        /// The JSON field name.
        field: &'static str,
        /// Why the id was refused.
        source: IdError,
    },
}

pub(crate) fn required_id<T>(
    field: &'static str,
    raw: &str,
    parse: impl Fn(&str) -> Result<T, IdError>,
) -> Result<T, PayloadError> {
    parse(raw).map_err(|source| PayloadError::BadId { field, source })
}

/// An optional id: absent or empty means `None`; present but malformed is an
/// error.
pub(crate) fn optional_id<T>(
    field: &'static str,
    raw: Option<&str>,
    parse: impl Fn(&str) -> Result<T, IdError>,
) -> Result<Option<T>, PayloadError> {
    match raw {
        None | Some("") => Ok(None),
        Some(raw) => required_id(field, raw, parse).map(Some),
    }
}
