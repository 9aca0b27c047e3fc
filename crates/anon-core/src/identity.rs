//! [`Identity`]: a user id that must not be printed.

use std::fmt;

use crate::ids::UserId;

/// A user tied to anonymous content: the author of an anonymous message, its
/// recipient, the sender of a command, the clicker of a button.
///
/// `Debug` and `Display` print `Identity(<redacted>)`, so a log line or an
/// error can never pair a person with a message. Reaching the id takes
/// [`expose_user_id`](Self::expose_user_id), named to stand out in review.
/// Comparing two identities needs no exposure.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Identity(UserId);

impl Identity {
    /// Wraps a user id that is about to be tied to anonymous content.
    pub fn new(user: UserId) -> Self {
        Self(user)
    }

    /// The underlying user id. Call this only where the id is genuinely
    /// needed (an API call, the store, the report post), never for logging.
    pub fn expose_user_id(&self) -> &UserId {
        &self.0
    }

    /// True when this identity is the given user.
    pub fn is(&self, user: &UserId) -> bool {
        &self.0 == user
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Identity(<redacted>)")
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted user>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_never_prints_the_user_id() {
        let user = UserId::parse("u_alice").expect("fixture id is valid");
        let identity = Identity::new(user.clone());
        assert!(!format!("{identity:?}").contains("u_alice"));
        assert!(!format!("{identity}").contains("u_alice"));
        assert!(!format!("{:?}", Some(&identity)).contains("u_alice"));
        assert_eq!(identity.expose_user_id(), &user);
        assert!(identity.is(&user));
    }
}
