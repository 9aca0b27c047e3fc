//! Random identifiers and credentials.

/// A fresh random id with the given prefix, e.g. `msg_3f2a…` (UUID v4, simple
/// hex form; v4 so ids carry no creation time).
pub(crate) fn random_id(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}
