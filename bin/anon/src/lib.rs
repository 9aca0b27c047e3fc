//! anon server library.
