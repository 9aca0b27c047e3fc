//! Integration tests of anon-store, each on a fresh file database.

mod audit;
mod health;
mod leak_scan;
mod lifecycle;
mod messages;
mod oauth_states;
mod opt_outs;
mod plaintext_import;
mod rate_limits;
mod report_channels;
mod rotation;
mod support;
mod tampering;
mod tokens;
