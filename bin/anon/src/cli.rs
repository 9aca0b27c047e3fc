//! The command line: `anon [serve|demo|manifest|check-config|reseal|healthcheck]`.
//! Parsed by hand (a handful of subcommands and two options).

use std::fmt;

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Run the demo scenario against a local simulator.
    Demo,
    /// Print the deployable manifest for a public URL.
    Manifest {
        /// The server's public base URL.
        public_url: String,
    },
    /// Load the configuration, report every problem, and exit.
    CheckConfig,
    /// Re-seal every stored value under the current key.
    Reseal {
        /// Also seal a database written by the previous (TypeScript) anon.
        import_plaintext: bool,
    },
    /// Ask this container's own `GET /health` (for Docker's HEALTHCHECK).
    Healthcheck,
    /// Print the usage text.
    Help,
    /// Print the program's name and version.
    Version,
}

/// The command line could not be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\n\n{USAGE}", self.0)
    }
}

impl std::error::Error for UsageError {}

/// The usage text.
pub const USAGE: &str = "\
anon: anonymous messages for Pumble, with admin accountability

Usage: anon [COMMAND]

Commands:
  serve                        Run the server (default). Configured from the environment.
  demo                         Play the whole product against a local Pumble simulator,
                               print what each person sees and the privacy checks. Needs
                               no configuration and no network.
  manifest --public-url URL    Print the Pumble manifest with absolute URLs for URL.
  check-config                 Check the environment; name every missing or malformed variable.
  reseal [--import-plaintext]  Re-seal every stored value under TOKEN_ENCRYPTION_KEY (set
                               TOKEN_ENCRYPTION_KEY_PREVIOUS to the old key during a rotation).
                               --import-plaintext also seals a database of the previous anon.
  healthcheck                  Exit 0 when GET /health on 127.0.0.1:$PORT answers 200.
  help, -h, --help             Show this text (also after any command: `anon reseal --help`).
  version, -V, --version       Show the version.

Environment: see .env.example (or `anon check-config`).";

/// Parses the arguments after the program name.
pub fn parse<I, S>(args: I) -> Result<Command, UsageError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let args: Vec<String> = args.into_iter().map(Into::into).collect();
    let Some((first, rest)) = args.split_first() else {
        return Ok(Command::Serve);
    };
    // `anon <command> --help` asks for the usage, whatever else is given.
    if rest.iter().any(|arg| arg == "-h" || arg == "--help") {
        return Ok(Command::Help);
    }
    let no_more = |command: Command| {
        if let Some(extra) = rest.first() {
            Err(UsageError(format!("unexpected argument `{extra}`")))
        } else {
            Ok(command)
        }
    };
    match first.as_str() {
        "serve" => no_more(Command::Serve),
        "demo" => no_more(Command::Demo),
        "check-config" => no_more(Command::CheckConfig),
        "healthcheck" => no_more(Command::Healthcheck),
        "help" | "-h" | "--help" => Ok(Command::Help),
        "version" | "-V" | "--version" => no_more(Command::Version),
        "manifest" => parse_manifest(rest),
        "reseal" => match rest {
            [] => Ok(Command::Reseal {
                import_plaintext: false,
            }),
            [flag] if flag == "--import-plaintext" => Ok(Command::Reseal {
                import_plaintext: true,
            }),
            [other, ..] => Err(UsageError(format!("unexpected argument `{other}`"))),
        },
        other => Err(UsageError(format!("unknown command `{other}`"))),
    }
}

fn parse_manifest(rest: &[String]) -> Result<Command, UsageError> {
    let url = match rest {
        [flag, url] if flag == "--public-url" => url.clone(),
        [flag] if flag.starts_with("--public-url=") => flag["--public-url=".len()..].to_owned(),
        _ => return Err(UsageError("manifest needs --public-url URL".to_owned())),
    };
    // The refusal never echoes the URL: it may hold a password.
    let url = crate::manifest::check_public_url(&url)
        .map_err(|refusal| UsageError(format!("--public-url {refusal}")))?;
    Ok(Command::Manifest { public_url: url })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_arguments_serve() {
        assert_eq!(parse(Vec::<String>::new()), Ok(Command::Serve));
        assert_eq!(parse(["serve"]), Ok(Command::Serve));
    }

    #[test]
    fn every_command_parses() {
        assert_eq!(parse(["demo"]), Ok(Command::Demo));
        assert_eq!(parse(["check-config"]), Ok(Command::CheckConfig));
        assert_eq!(parse(["healthcheck"]), Ok(Command::Healthcheck));
        assert_eq!(parse(["--help"]), Ok(Command::Help));
        assert_eq!(parse(["--version"]), Ok(Command::Version));
        assert_eq!(parse(["-V"]), Ok(Command::Version));
        assert_eq!(
            parse(["reseal", "--import-plaintext"]),
            Ok(Command::Reseal {
                import_plaintext: true
            })
        );
        assert_eq!(
            parse(["reseal"]),
            Ok(Command::Reseal {
                import_plaintext: false
            })
        );
        assert_eq!(
            parse(["manifest", "--public-url", "https://anon.example.test"]),
            Ok(Command::Manifest {
                public_url: "https://anon.example.test".to_owned()
            })
        );
        assert_eq!(
            parse(["manifest", "--public-url=https://anon.example.test/"]),
            Ok(Command::Manifest {
                public_url: "https://anon.example.test".to_owned()
            })
        );
    }

    #[test]
    fn help_after_any_command_shows_the_usage() {
        for args in [
            &["serve", "--help"][..],
            &["demo", "-h"],
            &["check-config", "--help"],
            &["healthcheck", "--help"],
            &["reseal", "--import-plaintext", "--help"],
            &["manifest", "--help"],
            &[
                "manifest",
                "--public-url",
                "https://anon.example.test",
                "-h",
            ],
        ] {
            assert_eq!(parse(args.iter().copied()), Ok(Command::Help), "{args:?}");
        }
    }

    #[test]
    fn mistakes_are_named() {
        assert!(parse(["launch"]).unwrap_err().0.contains("launch"));
        assert!(parse(["serve", "now"]).unwrap_err().0.contains("now"));
        assert!(parse(["manifest"]).is_err());
        assert!(parse(["manifest", "--public-url", "anon.example.test"]).is_err());
        let with_password = parse([
            "manifest",
            "--public-url",
            "https://user:pw@anon.example.test",
        ])
        .unwrap_err()
        .0;
        assert!(
            with_password.contains("user name or password"),
            "{with_password}"
        );
        assert!(!with_password.contains("pw@"), "{with_password}");
        assert!(parse(["manifest", "--public-url", "https://anon.example.test/?x=1"]).is_err());
        assert!(parse(["manifest", "--public-url", "https://"]).is_err());
        assert!(parse(["reseal", "--force"])
            .unwrap_err()
            .0
            .contains("--force"));
    }
}
