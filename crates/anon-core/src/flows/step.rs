//! [`Step`]: where a flow stands, and the stage values that carry it from
//! one fact to the next. Shared by `/anon`, `/anon-block`/`-unblock` and the
//! reply modal's submit.

use crate::audit::{AuditEvent, AuditRecord, Outcome};
use crate::body::{BodyError, MessageBody};
use crate::channel_facts::{ChannelFacts, MIN_HUMAN_MEMBERS};
use crate::effect::{Effect, Notice, NoticePlace};
use crate::flows::opt_out::OptOutChange;
use crate::identity::Identity;
use crate::ids::{ChannelId, ConversationId, MessageId, WorkspaceId};
use crate::message::{Delivery, NewMessage, Placement};
use crate::notice_text;
use crate::outbound::OutboundMessage;
use crate::quota::{QuotaDenied, QuotaRequest, QuotaTarget, GLOBAL, PER_TARGET};
use crate::redacted_text::RawText;
use crate::render::{anonymous_message, PostKind};

/// The next thing a flow needs from the caller. Drive it in a loop until
/// [`Step::Done`]:
///
/// ```text
/// loop {
///     step = match step {
///         Step::Done(effects) => { carry out effects in order; break }
///         Step::CheckRecipientOptOut(d) => d.decide(store: is d.recipient() opted out?)
///         Step::FetchChannelFacts(d)    => d.decide(ChannelFacts of d.channel())
///         Step::ConsumeQuota(g)         => g.decide(store: consume g.request() atomically)
///         Step::Deliver(p)              => store p.record(); post p.message() to
///                                          p.placement(); Step::Done(p.finish(outcome))
///         Step::ChangeOptOut(c)         => Step::Done(c.finish(store: set, changed?))
///     }
/// }
/// ```
///
/// When the store or Pumble call a stage needs fails, call that stage's
/// `unavailable()` instead: the user is told nothing was sent, and it is
/// audited.
#[derive(Debug)]
pub enum Step {
    /// Finished: carry out these effects in order.
    Done(Vec<Effect>),
    /// Ask the store whether the DM's recipient opted out.
    CheckRecipientOptOut(DmDraft),
    /// Ask Pumble about the channel of a post or thread reply.
    FetchChannelFacts(ChannelDraft),
    /// Ask the store to consume send quota.
    ConsumeQuota(QuotaGate),
    /// Record the message, post it, report the result.
    Deliver(ReadyPost),
    /// Apply an opt-out change in the store.
    ChangeOptOut(OptOutChange),
}

/// Everything known about one anonymous send while its checks run.
#[derive(Debug)]
pub(crate) struct Attempt {
    pub(crate) workspace: WorkspaceId,
    pub(crate) sender: Identity,
    pub(crate) event: AuditEvent,
    pub(crate) kind: PostKind,
    pub(crate) placement: Placement,
    /// The conversation; `is_new_conversation` tells whether it exists yet.
    pub(crate) conversation: ConversationId,
    pub(crate) is_new_conversation: bool,
    pub(crate) message_id: MessageId,
    pub(crate) text: RawText,
    pub(crate) notice_place: NoticePlace,
}

impl Attempt {
    fn channel(&self) -> Option<&ChannelId> {
        self.placement.channel()
    }

    fn audit(&self, outcome: Outcome) -> AuditRecord {
        let mut record = AuditRecord::new(self.workspace.clone(), self.event, outcome)
            .with_actor(self.sender.clone());
        if let Placement::Direct { recipient } = &self.placement {
            record = record.with_subject(recipient.clone());
        }
        if let Some(channel) = self.channel() {
            record = record.with_channel(channel.clone());
        }
        if !self.is_new_conversation {
            record = record.with_conversation(self.conversation.clone());
        }
        record
    }

    fn notice(&self, text: String) -> Effect {
        Effect::Notice(Notice {
            to: self.sender.clone(),
            place: self.notice_place.clone(),
            text,
        })
    }

    /// A refusal: audited, then told to the sender.
    pub(crate) fn refuse(&self, outcome: Outcome, chars: usize) -> Vec<Effect> {
        let target_is_person = matches!(self.placement, Placement::Direct { .. });
        vec![
            Effect::RecordAudit(self.audit(outcome)),
            self.notice(notice_text::refusal(outcome, target_is_person, chars)),
        ]
    }

    /// The length check, then the quota gate.
    pub(crate) fn check_length(self) -> Step {
        match MessageBody::parse(self.text.expose()) {
            Err(BodyError::Empty) => Step::Done(self.refuse(Outcome::Empty, 0)),
            Err(BodyError::TooLong { chars, .. }) => {
                Step::Done(self.refuse(Outcome::TooLong, chars))
            }
            Ok(body) => {
                let target = match &self.placement {
                    // A DM reply goes to an anonymous author: counted per
                    // conversation, never in the budget of DMs to a named
                    // user, so no denial can tell the replier who that is.
                    Placement::Direct { .. } if self.kind == PostKind::DirectReply => {
                        QuotaTarget::Conversation(self.conversation.clone())
                    }
                    Placement::Direct { recipient } => QuotaTarget::User(recipient.clone()),
                    Placement::Channel { channel } | Placement::Thread { channel, .. } => {
                        QuotaTarget::Channel(channel.clone())
                    }
                };
                let request = QuotaRequest {
                    workspace: self.workspace.clone(),
                    sender: self.sender.clone(),
                    target,
                    global: GLOBAL,
                    per_target: PER_TARGET,
                };
                Step::ConsumeQuota(QuotaGate {
                    attempt: self,
                    body,
                    request,
                })
            }
        }
    }
}

/// An anonymous DM from `/anon @user …` waiting for the recipient's opt-out
/// state.
#[derive(Debug)]
pub struct DmDraft {
    pub(crate) attempt: Attempt,
    /// The same person as the attempt's `Placement::Direct` recipient.
    pub(crate) recipient: Identity,
}

impl DmDraft {
    /// The workspace.
    pub fn workspace(&self) -> &WorkspaceId {
        &self.attempt.workspace
    }

    /// The recipient whose opt-out state is needed.
    pub fn recipient(&self) -> &Identity {
        &self.recipient
    }

    /// Continues with the store's answer.
    pub fn decide(self, recipient_opted_out: bool) -> Step {
        if recipient_opted_out {
            return Step::Done(self.attempt.refuse(Outcome::RecipientOptedOut, 0));
        }
        self.attempt.check_length()
    }

    /// The store could not answer.
    pub fn unavailable(self) -> Vec<Effect> {
        self.attempt.refuse(Outcome::Unavailable, 0)
    }
}

/// A channel post or thread reply waiting for facts about its channel.
#[derive(Debug)]
pub struct ChannelDraft {
    pub(crate) attempt: Attempt,
    /// The same channel as the attempt's channel or thread placement.
    pub(crate) channel: ChannelId,
}

impl ChannelDraft {
    /// The workspace.
    pub fn workspace(&self) -> &WorkspaceId {
        &self.attempt.workspace
    }

    /// The channel to ask about (`GET /v1/channels/{id}` for its type and
    /// `users`, then [`count_human_members`](crate::channel_facts::count_human_members)).
    pub fn channel(&self) -> &ChannelId {
        &self.channel
    }

    /// Continues with the channel's facts: refused in anything but a public
    /// or private channel, or with fewer than three human members.
    pub fn decide(self, facts: ChannelFacts) -> Step {
        if !facts.channel_type.allows_anonymous_posts() {
            return Step::Done(self.attempt.refuse(Outcome::DirectChannel, 0));
        }
        if facts.human_members < MIN_HUMAN_MEMBERS {
            return Step::Done(self.attempt.refuse(Outcome::TooFewMembers, 0));
        }
        self.attempt.check_length()
    }

    /// Pumble could not answer.
    pub fn unavailable(self) -> Vec<Effect> {
        self.attempt.refuse(Outcome::Unavailable, 0)
    }
}

/// A send that passed every check but the rate limits.
#[derive(Debug)]
pub struct QuotaGate {
    attempt: Attempt,
    body: MessageBody,
    request: QuotaRequest,
}

impl QuotaGate {
    /// What to consume: one global unit and one per-target unit, both or
    /// neither, in one store transaction ([`QuotaRequest::evaluate`]).
    pub fn request(&self) -> &QuotaRequest {
        &self.request
    }

    /// Continues with the store's verdict.
    pub fn decide(self, verdict: Result<(), QuotaDenied>) -> Step {
        match verdict {
            Err(QuotaDenied::Global) => {
                Step::Done(self.attempt.refuse(Outcome::RateLimitedGlobal, 0))
            }
            Err(QuotaDenied::Target) => {
                Step::Done(self.attempt.refuse(Outcome::RateLimitedTarget, 0))
            }
            Ok(()) => {
                let message =
                    anonymous_message(self.attempt.kind, &self.body, &self.attempt.message_id);
                let record = NewMessage {
                    workspace: self.attempt.workspace.clone(),
                    id: self.attempt.message_id.clone(),
                    conversation: self.attempt.conversation.clone(),
                    author: self.attempt.sender.clone(),
                    placement: self.attempt.placement.clone(),
                    body: self.body,
                };
                Step::Deliver(ReadyPost {
                    attempt: self.attempt,
                    record,
                    message,
                })
            }
        }
    }

    /// The store could not answer.
    pub fn unavailable(self) -> Vec<Effect> {
        self.attempt.refuse(Outcome::Unavailable, 0)
    }
}

/// What happened to a post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// Pumble accepted it.
    Posted(Delivery),
    /// No DM channel with the recipient could be found or created.
    NoDmChannel,
    /// Pumble answered with an error: the message was not posted.
    Rejected,
    /// No answer (timeout, connection lost): it may or may not be posted.
    Unconfirmed,
}

/// A message ready to go out.
///
/// In order:
/// 1. for a DM, find or create the bot's DM channel with the recipient (if
///    none: `finish(DeliveryOutcome::NoDmChannel)` and stop);
/// 2. store [`record`](Self::record), with the DM channel when there is one
///    (if that fails: [`unavailable`](Self::unavailable) and stop);
///    authorship is always stored before anything is shown;
/// 3. post [`message`](Self::message) to the channel, or as a thread reply
///    under the root, per [`placement`](Self::placement);
/// 4. [`finish`](Self::finish) with the outcome.
#[derive(Debug)]
pub struct ReadyPost {
    attempt: Attempt,
    record: NewMessage,
    message: OutboundMessage,
}

impl ReadyPost {
    /// The authorship record to store before posting.
    pub fn record(&self) -> &NewMessage {
        &self.record
    }

    /// Where to post.
    pub fn placement(&self) -> &Placement {
        &self.record.placement
    }

    /// What to post.
    pub fn message(&self) -> &OutboundMessage {
        &self.message
    }

    /// Effects after the post: record the delivery (or discard the record of
    /// a message that surely was not posted), audit, then confirm to the
    /// sender. The confirmation comes last and its failure changes nothing
    /// (D14).
    pub fn finish(self, outcome: DeliveryOutcome) -> Vec<Effect> {
        let workspace = self.record.workspace.clone();
        let message_id = self.record.id.clone();
        let audit = |outcome: Outcome| {
            Effect::RecordAudit(
                self.attempt
                    .audit(outcome)
                    .with_conversation(self.record.conversation.clone())
                    .with_message(message_id.clone()),
            )
        };
        match outcome {
            DeliveryOutcome::Posted(delivery) => vec![
                Effect::RecordDelivery {
                    workspace,
                    message: message_id.clone(),
                    delivery,
                },
                audit(Outcome::Ok),
                self.attempt.notice(notice_text::sent(self.attempt.kind)),
            ],
            DeliveryOutcome::NoDmChannel | DeliveryOutcome::Rejected => {
                let code = if outcome == DeliveryOutcome::NoDmChannel {
                    Outcome::NoDmChannel
                } else {
                    Outcome::SendFailed
                };
                vec![
                    Effect::DiscardMessage {
                        workspace,
                        message: message_id.clone(),
                    },
                    audit(code),
                    self.attempt.notice(notice_text::refusal(code, true, 0)),
                ]
            }
            // It may be visible: keep the record so a report can still
            // reveal its author.
            DeliveryOutcome::Unconfirmed => vec![
                audit(Outcome::SendFailed),
                self.attempt.notice(notice_text::unconfirmed()),
            ],
        }
    }

    /// Storing the record failed; nothing was posted.
    pub fn unavailable(self) -> Vec<Effect> {
        self.attempt.refuse(Outcome::Unavailable, 0)
    }
}
