//! The reply modal (pumble-protocol.md §4.3, §5.6).

use serde_json::{json, Value};

use super::blocks::{bold, italic, plain, quote, rich_text, section, text};
use super::neutralise::neutralise_mentions;
use crate::body::MAX_BODY_CHARS;
use crate::ids::TriggerId;
use crate::message::{Placement, StoredMessage};
use crate::outbound::ModalResponse;
use crate::wire_names::{REPLY_BLOCK_ID, REPLY_CALLBACK_PREFIX, REPLY_INPUT_ACTION};

/// The modal answering a Reply click on `message`.
///
/// Its `callbackId` is `anon_reply:<message id>`: the submit names the
/// message it answers, so it survives restarts and two open modals cannot
/// cross-talk (D8). The input is capped at 2000 characters (D12). The modal
/// quotes a preview of the message being answered and says where the reply
/// goes. `notifyOnClose` is false: closing needs no clean-up.
pub fn reply_modal(trigger: TriggerId, message: &StoredMessage) -> ModalResponse {
    let destination = match message.placement {
        Placement::Direct { .. } => {
            "Your reply goes to the author of this message as an anonymous direct \
             message. They will not see your name; workspace admins will, if your \
             reply is reported."
        }
        Placement::Channel { .. } | Placement::Thread { .. } => {
            "Your reply is posted anonymously in this message's thread. Nobody there \
             will see your name; workspace admins will, if your reply is reported."
        }
    };
    let view = json!({
        "type": "MODAL",
        "callbackId": format!("{REPLY_CALLBACK_PREFIX}{}", message.id.as_str()),
        "notifyOnClose": false,
        "title": plain("Anonymous reply"),
        "submit": plain("Send"),
        "close": plain("Cancel"),
        "blocks": [
            rich_text(vec![
                section(vec![bold("Replying to")]),
                quote(vec![text(&neutralise_mentions(&message.body.preview()))]),
                section(vec![italic(destination)]),
            ]),
            input_block(),
        ],
    });
    ModalResponse::open(trigger, view)
}

fn input_block() -> Value {
    json!({
        "type": "input",
        "blockId": REPLY_BLOCK_ID,
        "label": plain("Your reply"),
        "element": {
            "type": "plain_text_input",
            "onAction": REPLY_INPUT_ACTION,
            "line_mode": "multiline",
            "min_length": 1,
            "max_length": MAX_BODY_CHARS,
            "placeholder": plain("Type your anonymous reply"),
            "autofocused": true,
        },
    })
}
