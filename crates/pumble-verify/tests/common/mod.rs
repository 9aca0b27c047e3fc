//! Shared fixtures for the integration tests.
#![allow(dead_code)] // each test binary uses a different subset

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// pumble-protocol.md §2.2 test vector.
pub const PINNED_SECRET: &str = "xpss-00000000000000000000000000000000";
pub const PINNED_TIMESTAMP: &str = "1717000000000";
pub const PINNED_BODY: &str = r#"{"messageType":"SLASH_COMMAND","slashCommand":"/anon-block","text":"","userId":"u_alice","channelId":"ch_general","workspaceId":"ws_1","triggerId":"trg_9"}"#;
pub const PINNED_SIGNATURE: &str =
    "cd4d58803a7d6b1240d9e1f97ed7285fe41d587b0b41069c6d31a837170f2feb";

/// A second secret, for rotation and wrong-secret cases.
pub const OTHER_SECRET: &str = "xpss-11111111111111111111111111111111";

/// The pinned timestamp in whole seconds.
pub const PINNED_SECONDS: u64 = 1_717_000_000;

/// The instant `seconds` after the Unix epoch.
pub fn at_secs(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

/// The instant `millis` after the Unix epoch.
pub fn at_millis(millis: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(millis)
}
