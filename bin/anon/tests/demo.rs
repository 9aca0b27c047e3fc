//! `anon demo` end to end: the scenario runs against the simulator and every
//! privacy check passes. (Its own test binary: the demo installs the
//! process-wide capturing logger.)

use anon::demo;

#[test]
fn the_demo_scenario_passes_every_privacy_check() {
    let mut out = Vec::new();
    let report = demo::run(&mut out).expect("the demo runs to the end");
    let printed = String::from_utf8_lossy(&out);
    assert_eq!(report.checks.len(), 3);
    assert!(report.passed(), "{printed}");
    // The administrator's view shows the report naming the thread reply's author.
    assert!(printed.contains("Written by @Heidi"), "{printed}");
    for check in &report.checks {
        assert!(check.inspected > 0, "{} inspected nothing", check.name);
    }
}
