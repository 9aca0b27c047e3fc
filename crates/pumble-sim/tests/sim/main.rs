//! Integration tests of the simulator, one binary.

mod faults;
mod http;
mod rest_auth;
mod rest_shapes;
