//! anon-store: work in progress; see the crate README once it lands.
