//! The anonymous message itself: label, quoted body, explanation, buttons.

use super::blocks::{actions, bold, button, italic, quote, rich_text, section, text};
use super::neutralise::neutralise_mentions;
use crate::body::MessageBody;
use crate::ids::MessageId;
use crate::outbound::OutboundMessage;
use crate::wire_names::{REPLY_ACTION, REPORT_ACTION};

/// Which kind of anonymous message is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostKind {
    /// The first message of an anonymous DM (`/anon @user …`).
    DirectMessage,
    /// An anonymous reply sent as a DM through the Reply button.
    DirectReply,
    /// A top-level anonymous post in a channel.
    ChannelPost,
    /// An anonymous reply in a thread (`/anon` in a thread, or the Reply
    /// button on a channel or thread message).
    ThreadReply,
}

impl PostKind {
    fn label(self) -> &'static str {
        match self {
            PostKind::DirectMessage => "Anonymous message",
            PostKind::DirectReply | PostKind::ThreadReply => "Anonymous reply",
            PostKind::ChannelPost => "Anonymous post",
        }
    }

    fn explanation(self) -> &'static str {
        match self {
            PostKind::DirectMessage | PostKind::DirectReply => {
                "Sent with /anon. Anonymous to you, not to workspace admins: \
                 they see who sent it only if it is reported."
            }
            PostKind::ChannelPost | PostKind::ThreadReply => {
                "Posted with /anon. Anonymous to this channel, not to workspace \
                 admins: they see who posted it only if it is reported."
            }
        }
    }

    fn reply_caption(self) -> &'static str {
        match self {
            PostKind::DirectMessage | PostKind::DirectReply => "Reply anonymously",
            PostKind::ChannelPost | PostKind::ThreadReply => "Reply anonymously in thread",
        }
    }
}

/// Renders an anonymous message. `id` is anon's id for this very message;
/// both buttons carry it as their `value`. The body appears only as a
/// literal text element, neutralised; nothing about the author appears.
pub fn anonymous_message(kind: PostKind, body: &MessageBody, id: &MessageId) -> OutboundMessage {
    let shown = neutralise_mentions(body.expose());
    let fallback = format!("{}: {}", kind.label(), shown);
    let blocks = vec![
        rich_text(vec![
            section(vec![bold(kind.label())]),
            quote(vec![text(&shown)]),
            section(vec![italic(kind.explanation())]),
        ]),
        actions(vec![
            button(REPLY_ACTION, id.as_str(), kind.reply_caption(), "primary"),
            button(REPORT_ACTION, id.as_str(), "Report", "danger"),
        ]),
    ];
    OutboundMessage::new(fallback, blocks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(text: &str) -> MessageBody {
        MessageBody::parse(text).expect("non-empty test body")
    }

    #[test]
    fn message_has_label_quote_and_both_buttons_with_its_id() {
        let id = MessageId::from_random_bytes([7; 16]);
        let message = anonymous_message(PostKind::DirectMessage, &body("thank you"), &id);
        assert_eq!(message.text(), "Anonymous message: thank you");
        let blocks = message.blocks();
        assert_eq!(
            blocks[0]["elements"][0]["elements"][0],
            bold("Anonymous message")
        );
        assert_eq!(
            blocks[0]["elements"][1],
            json!({"type":"rich_text_quote","elements":[{"type":"text","text":"thank you"}]})
        );
        let buttons = &blocks[1]["elements"];
        assert_eq!(buttons[0]["onAction"], REPLY_ACTION);
        assert_eq!(buttons[0]["value"], id.as_str());
        assert_eq!(buttons[0]["text"]["text"], "Reply anonymously");
        assert_eq!(buttons[1]["onAction"], REPORT_ACTION);
        assert_eq!(buttons[1]["value"], id.as_str());
        assert_eq!(buttons[1]["style"], "danger");
    }

    #[test]
    fn labels_and_captions_follow_the_kind() {
        let id = MessageId::from_random_bytes([1; 16]);
        let cases = [
            (
                PostKind::DirectMessage,
                "Anonymous message",
                "Reply anonymously",
            ),
            (
                PostKind::DirectReply,
                "Anonymous reply",
                "Reply anonymously",
            ),
            (
                PostKind::ChannelPost,
                "Anonymous post",
                "Reply anonymously in thread",
            ),
            (
                PostKind::ThreadReply,
                "Anonymous reply",
                "Reply anonymously in thread",
            ),
        ];
        for (kind, label, caption) in cases {
            let message = anonymous_message(kind, &body("x"), &id);
            assert!(message.text().starts_with(label), "{kind:?}");
            assert_eq!(message.blocks()[1]["elements"][0]["text"]["text"], caption);
        }
    }

    #[test]
    fn typed_mentions_never_become_mentions() {
        let id = MessageId::from_random_bytes([2; 16]);
        let typed = "<<@u_carol>> @here @channel <<#ch_x>>";
        let message = anonymous_message(PostKind::ChannelPost, &body(typed), &id);
        let json = message.to_json().to_string();
        for forbidden in [
            "<<@",
            "@here",
            "@channel",
            "<<#",
            "\"user\"",
            "usergroup",
            "broadcast",
        ] {
            assert!(!json.contains(forbidden), "{forbidden} in {json}");
        }
        assert!(!message.text().contains("<<@"));
        assert!(!message.text().contains("@here"));
    }
}
