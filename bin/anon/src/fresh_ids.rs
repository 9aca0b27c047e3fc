//! Random ids for new anonymous messages and conversations (128 bits each,
//! from the system generator; never derived from time, STYLE.md).

use anon_core::ids::{ConversationId, FreshIds, MessageId};
use ring::rand::{SecureRandom, SystemRandom};

/// The system random generator failed.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the system random generator is unavailable")]
pub struct RandomUnavailable;

/// A fresh message id and conversation id.
pub fn fresh_ids() -> Result<FreshIds, RandomUnavailable> {
    let random = SystemRandom::new();
    let mut message = [0u8; 16];
    let mut conversation = [0u8; 16];
    random.fill(&mut message).map_err(|_| RandomUnavailable)?;
    random
        .fill(&mut conversation)
        .map_err(|_| RandomUnavailable)?;
    Ok(FreshIds {
        message: MessageId::from_random_bytes(message),
        conversation: ConversationId::from_random_bytes(conversation),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_differ_every_time() {
        let first = fresh_ids().expect("random works");
        let second = fresh_ids().expect("random works");
        assert_ne!(first.message, second.message);
        assert_ne!(first.conversation, second.conversation);
        assert_ne!(first.message.as_str(), first.conversation.as_str());
    }
}
