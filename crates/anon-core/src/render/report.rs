//! The report post and the reports channel's first post.

use super::blocks::{bold, bullets, channel, italic, quote, rich_text, section, text, user};
use super::neutralise::neutralise_mentions;
use crate::identity::Identity;
use crate::message::{Placement, StoredMessage};
use crate::outbound::OutboundMessage;

/// The post in the reports channel for a report on `message` by `reporter`.
///
/// Reveals exactly: the author of this message, the reporter, where it was
/// posted, its conversation and message ids, and a preview of this
/// message's own text (at most 200 characters, cut on a character
/// boundary). People are named with user-mention elements; the fallback
/// text names them by id without mention syntax.
pub fn report_post(message: &StoredMessage, reporter: &Identity) -> OutboundMessage {
    let author_id = message.author.expose_user_id().as_str();
    let reporter_id = reporter.expose_user_id().as_str();
    let conversation = message.conversation.as_str();
    let where_elements = match &message.placement {
        Placement::Direct { .. } => vec![text("Where: a direct message to the reporter")],
        Placement::Channel { channel: id } => vec![text("Where: a post in "), channel(id.as_str())],
        Placement::Thread { channel: id, .. } => {
            vec![text("Where: a thread reply in "), channel(id.as_str())]
        }
    };
    let preview = neutralise_mentions(&message.body.preview());
    let fallback = format!(
        "Report of an anonymous message. Written by user {author_id}, reported by user \
         {reporter_id}. Conversation {conversation}, message {}. Message: {preview}",
        message.id.as_str()
    );
    let blocks = vec![rich_text(vec![
        section(vec![bold("Report of an anonymous message")]),
        bullets(vec![
            section(vec![text("Written by "), user(author_id)]),
            section(vec![text("Reported by "), user(reporter_id)]),
            section(where_elements),
            section(vec![text(&format!("Conversation: {conversation}"))]),
            section(vec![text(&format!("Message: {}", message.id.as_str()))]),
        ]),
        section(vec![bold("Reported message")]),
        quote(vec![text(&preview)]),
        section(vec![italic(
            "This reveals the author of this one message only. Treat it as confidential.",
        )]),
    ])];
    OutboundMessage::new(fallback, blocks)
}

/// The first post in a newly created reports channel.
pub fn reports_channel_intro() -> OutboundMessage {
    let line = "This private channel receives reports of anonymous messages sent with anon. \
                Each report reveals who wrote the one reported message, and who reported it. \
                Workspace owners and administrators are invited automatically.";
    OutboundMessage::new(
        line.to_owned(),
        vec![rich_text(vec![
            section(vec![bold("Anonymous message reports")]),
            section(vec![text(line)]),
        ])],
    )
}
