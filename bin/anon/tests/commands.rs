//! The `anon` binary's subcommands as an operator runs them: exit codes and
//! what they say on stderr.

use std::process::{Command, Output, Stdio};

const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// `anon <args>` with only the given environment (plus a complete, valid
/// configuration unless `complete` is false).
fn anon(args: &[&str], env: &[(&str, &str)], complete: bool) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_anon"));
    command.args(args).env_clear().stdin(Stdio::null());
    if complete {
        command
            .env("PUMBLE_APP_ID", "0123456789abcdef01234567")
            .env("PUMBLE_APP_KEY", "xpat-11111111111111111111111111111111")
            .env(
                "PUMBLE_APP_CLIENT_SECRET",
                "xpcls-22222222222222222222222222222222",
            )
            .env(
                "PUMBLE_APP_SIGNING_SECRET",
                "xpss-33333333333333333333333333333333",
            )
            .env("TOKEN_ENCRYPTION_KEY", KEY);
    }
    command.envs(env.iter().copied());
    command.output().expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn reseal_refuses_a_database_that_does_not_exist_and_creates_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mistyped = dir.path().join("anon.bd");
    let path = mistyped.to_str().expect("UTF-8 path");
    for args in [&["reseal"][..], &["reseal", "--import-plaintext"][..]] {
        let output = anon(args, &[("DATABASE_PATH", path)], true);
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {text}");
        assert!(text.contains("DATABASE_PATH"), "{text}");
        assert!(text.contains("no existing database"), "{text}");
        assert!(!String::from_utf8_lossy(&output.stdout).contains("resealed"));
        assert!(!mistyped.exists(), "{args:?} created the file");
    }
}

#[test]
fn check_config_names_each_placeholder_of_the_example() {
    let output = anon(
        &["check-config"],
        &[
            ("PUMBLE_APP_ID", "REPLACE_WITH_YOUR_APP_ID"),
            ("PUMBLE_APP_KEY", "xpat-REPLACE_WITH_YOUR_APP_KEY"),
            (
                "PUMBLE_APP_CLIENT_SECRET",
                "xpcls-REPLACE_WITH_YOUR_CLIENT_SECRET",
            ),
            (
                "PUMBLE_APP_SIGNING_SECRET",
                "xpss-REPLACE_WITH_YOUR_SIGNING_SECRET",
            ),
            ("PORT", "abc"),
        ],
        false,
    );
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(text.contains("(6 problems)"), "{text}");
    for variable in [
        "PUMBLE_APP_ID",
        "PUMBLE_APP_KEY",
        "PUMBLE_APP_CLIENT_SECRET",
        "PUMBLE_APP_SIGNING_SECRET",
    ] {
        assert!(
            text.contains(&format!(
                "{variable} still holds the .env.example placeholder"
            )),
            "{variable}: {text}"
        );
    }
    assert!(text.contains("TOKEN_ENCRYPTION_KEY is missing"), "{text}");
    assert!(text.contains("PORT is malformed"), "{text}");
    assert!(
        !text.contains("REPLACE_WITH"),
        "values are never printed: {text}"
    );
}

#[test]
fn check_config_says_when_database_path_is_a_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = anon(
        &["check-config"],
        &[("DATABASE_PATH", dir.path().to_str().expect("UTF-8 path"))],
        true,
    );
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(text.contains("(1 problem):"), "{text}");
    assert!(
        text.contains("DATABASE_PATH points to a directory"),
        "{text}"
    );
}

#[test]
fn check_config_names_settings_that_look_like_a_mistake_and_still_passes() {
    let output = anon(
        &["check-config"],
        &[
            ("TOKEN_ENCRYPTION_KEY_PREVIOUS", KEY),
            ("PUBLIC_URL", "http://anon.example.test"),
        ],
        true,
    );
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("caution: TOKEN_ENCRYPTION_KEY_PREVIOUS equals TOKEN_ENCRYPTION_KEY"),
        "{text}"
    );
    assert!(
        text.contains("caution: PUBLIC_URL is an http:// URL"),
        "{text}"
    );
    assert!(!text.contains(KEY), "{text}");
    assert!(
        String::from_utf8_lossy(&output.stdout).starts_with("configuration OK"),
        "{output:?}"
    );
}

#[test]
fn help_after_a_command_and_version_answer_with_success() {
    for args in [&["reseal", "--help"][..], &["manifest", "--help"]] {
        let output = anon(args, &[], false);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {output:?}");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("Usage: anon [COMMAND]"),
            "{args:?}: {output:?}"
        );
    }
    let output = anon(&["--version"], &[], false);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!("anon {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn healthcheck_reports_a_malformed_port() {
    let output = anon(&["healthcheck"], &[("PORT", "abc")], false);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(text.contains("PORT is malformed"), "{text}");
}

#[test]
fn manifest_refuses_a_url_with_credentials_without_echoing_them() {
    let output = anon(
        &[
            "manifest",
            "--public-url",
            "https://user:hunter2@anon.example.test",
        ],
        &[],
        false,
    );
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(text.contains("user name or password"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(output.stdout.is_empty());
}

#[test]
fn a_closed_stdout_ends_a_command_quietly() {
    for args in [
        &["manifest", "--public-url", "https://anon.example.test"][..],
        &["help"][..],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_anon"))
            .args(args)
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary runs");
        // Close the reading end before the command writes: its write fails
        // with a broken pipe, as under `anon manifest … | head -1`.
        drop(child.stdout.take());
        let output = child.wait_with_output().expect("the binary ends");
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {text}");
        assert!(!text.contains("panicked"), "{text}");
    }
}
