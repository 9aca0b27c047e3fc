//! End-to-end tests of anon live in tests/tests/.
