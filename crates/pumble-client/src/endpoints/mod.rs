//! The REST calls, grouped by resource. Each adds methods to
//! [`ActingClient`](crate::ActingClient) (or, for OAuth, to
//! [`PumbleClient`](crate::PumbleClient)).

mod channels;
mod messages;
mod oauth;
mod users;
