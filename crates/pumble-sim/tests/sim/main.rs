//! Integration tests of the simulator, one binary.

mod app;
mod driver;
mod faults;
mod http;
mod privacy;
mod render;
mod rest_auth;
mod rest_shapes;
mod world;
