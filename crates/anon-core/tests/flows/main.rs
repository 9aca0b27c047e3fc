//! Flow tests for anon-core: every path and denial, the reference app's
//! defects, properties, and the shared Pumble fixtures.

mod harness;

mod click;
mod defects;
mod fixtures;
mod lifecycle;
mod opt_out;
mod properties;
mod rendering;
mod reply;
mod report;
mod slash;
