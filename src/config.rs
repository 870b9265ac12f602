//! Layered configuration: flags, then `ROOMSIGHT_*` environment variables, then the TOML file.
//!
//! clap already resolves a flag from the command line first and its `env` variable second;
//! values from the settings file become the flags' *defaults*, so they apply only when neither
//! of the other two is given. Keys are flag names (`lake`, `fault-rate` or `fault_rate`), at the
//! top level for every command that has that flag, or inside a table named after the command
//! (`[simulate]`, `[rooms.load]` for nested ones), which wins over the top level.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{ArgAction, CommandFactory, FromArgMatches};

use crate::cli::Cli;

/// Why the command line could not be turned into a [`Cli`].
#[derive(Debug)]
pub(crate) enum ParseError {
    /// clap's own error (usage, `--help`, `--version`).
    Clap(clap::Error),
    /// The settings file is unreadable or names settings that do not exist.
    Config(String),
}

/// Prints a parse error the way docs/cli.md says (exit 2), or help/version (exit 0).
pub(crate) fn exit_on_parse_error(e: ParseError) -> ExitCode {
    match e {
        ParseError::Clap(e) => {
            let _ = e.print();
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
        }
        ParseError::Config(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}

/// Parses the command line with the settings file's values as defaults.
pub(crate) fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Cli, ParseError> {
    let args: Vec<OsString> = args.into_iter().collect();
    let mut command = Cli::command();
    if let Some(path) = settings_path(&args) {
        let text = std::fs::read_to_string(&path).map_err(|e| {
            ParseError::Config(format!(
                "could not read the settings file {}: {e}; fix the path given by --config or \
                 ROOMSIGHT_CONFIG",
                path.display()
            ))
        })?;
        let table: toml::Table = text.parse().map_err(|e| {
            ParseError::Config(format!(
                "the settings file {} is not valid TOML: {e}",
                path.display()
            ))
        })?;
        command = apply_settings(command, &table, &path)?;
    }
    let matches = command
        .try_get_matches_from(args)
        .map_err(ParseError::Clap)?;
    Cli::from_arg_matches(&matches).map_err(ParseError::Clap)
}

/// `--config FILE` / `--config=FILE`, else `ROOMSIGHT_CONFIG`, else `./roomsight.toml` if present.
fn settings_path(args: &[OsString]) -> Option<PathBuf> {
    let mut iter = args.iter().skip(1);
    while let Some(arg) = iter.next() {
        let arg = arg.to_string_lossy();
        if arg == "--" {
            break;
        }
        if arg == "--config" {
            return iter.next().map(PathBuf::from);
        }
        if let Some(path) = arg.strip_prefix("--config=") {
            return Some(PathBuf::from(path));
        }
    }
    if let Some(path) = std::env::var_os("ROOMSIGHT_CONFIG") {
        return Some(PathBuf::from(path));
    }
    let local = Path::new("roomsight.toml");
    local.is_file().then(|| local.to_path_buf())
}

/// Sets each flag's default from the settings, checking that every key names a real flag.
fn apply_settings(
    command: clap::Command,
    table: &toml::Table,
    path: &Path,
) -> Result<clap::Command, ParseError> {
    let mut unknown = Vec::new();
    collect_unknown(&command, table, "", &mut unknown);
    if !unknown.is_empty() {
        return Err(ParseError::Config(format!(
            "the settings file {} has unknown settings: {}; keys are flag names (see --help), at \
             the top level or in a table named after a command",
            path.display(),
            unknown.join(", ")
        )));
    }
    apply_to(command, table, &[table])
        .map_err(|msg| ParseError::Config(format!("the settings file {}: {msg}", path.display())))
}

fn normalize(key: &str) -> String {
    key.replace('_', "-")
}

fn collect_unknown(
    command: &clap::Command,
    table: &toml::Table,
    prefix: &str,
    out: &mut Vec<String>,
) {
    for (key, value) in table {
        let flag = normalize(key);
        let is_flag = has_flag_anywhere(command, &flag);
        match (value, command.find_subcommand(key.as_str())) {
            (toml::Value::Table(sub), Some(sc)) => {
                collect_unknown(sc, sub, &format!("{prefix}{key}."), out)
            }
            _ if is_flag => {}
            _ => out.push(format!("`{prefix}{key}`")),
        }
    }
}

fn has_flag_anywhere(command: &clap::Command, flag: &str) -> bool {
    command.get_arguments().any(|a| a.get_long() == Some(flag))
        || command
            .get_subcommands()
            .any(|sc| has_flag_anywhere(sc, flag))
}

/// Applies settings to `command` and its subcommands; `scopes` are the tables in force, the
/// most specific last.
fn apply_to(
    mut command: clap::Command,
    table: &toml::Table,
    scopes: &[&toml::Table],
) -> Result<clap::Command, String> {
    let ids: Vec<(String, String)> = command
        .get_arguments()
        .filter_map(|a| {
            a.get_long()
                .map(|l| (a.get_id().to_string(), l.to_string()))
        })
        .collect();
    for (id, long) in ids {
        let value = scopes.iter().rev().find_map(|t| {
            t.get(long.as_str())
                .or_else(|| t.get(long.replace('-', "_").as_str()))
        });
        let Some(value) = value else { continue };
        let values = to_strings(value).map_err(|e| format!("`{long}` {e}"))?;
        command = command.mut_arg(id.as_str(), |arg| {
            let arg = arg.required(false);
            match arg.get_action() {
                ArgAction::Append => arg.default_values(values),
                _ => arg.default_value(values.into_iter().next().unwrap_or_default()),
            }
        });
    }
    let subs: Vec<String> = command
        .get_subcommands()
        .map(|sc| sc.get_name().to_string())
        .collect();
    for name in subs {
        let mut inner: Vec<&toml::Table> = scopes.to_vec();
        if let Some(toml::Value::Table(sub)) = table.get(name.as_str()) {
            inner.push(sub);
        }
        let sub_table = inner.last().copied().unwrap_or(table);
        let mut result = Ok(());
        command = command.mut_subcommand(name.as_str(), |sc| {
            match apply_to(sc.clone(), sub_table, &inner) {
                Ok(sc) => sc,
                Err(e) => {
                    result = Err(e);
                    sc
                }
            }
        });
        result?;
    }
    Ok(command)
}

fn to_strings(value: &toml::Value) -> Result<Vec<String>, String> {
    Ok(match value {
        toml::Value::String(s) => vec![s.clone()],
        toml::Value::Integer(i) => vec![i.to_string()],
        toml::Value::Float(f) => vec![f.to_string()],
        toml::Value::Boolean(b) => vec![b.to_string()],
        toml::Value::Datetime(d) => vec![d.to_string()],
        toml::Value::Array(items) => items
            .iter()
            .map(to_strings)
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect(),
        toml::Value::Table(_) => return Err("must be a value, not a table".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Command;

    fn parse_with(settings: &str, args: &[&str]) -> Result<Cli, ParseError> {
        let table: toml::Table = settings.parse().unwrap();
        let command = apply_settings(Cli::command(), &table, Path::new("test.toml"))?;
        let matches = command
            .try_get_matches_from(std::iter::once("roomsight").chain(args.iter().copied()))
            .map_err(ParseError::Clap)?;
        Cli::from_arg_matches(&matches).map_err(ParseError::Clap)
    }

    fn simulate_seed(cli: &Cli) -> u64 {
        match &cli.command {
            Command::Simulate(a) => a.seed,
            other => panic!("not simulate: {other:?}"),
        }
    }

    #[test]
    fn file_values_are_defaults_that_flags_override() {
        let cli = parse_with("seed = 7", &["simulate", "--out", "x"]).unwrap();
        assert_eq!(simulate_seed(&cli), 7);
        let cli = parse_with("seed = 7", &["simulate", "--out", "x", "--seed", "9"]).unwrap();
        assert_eq!(simulate_seed(&cli), 9);
    }

    #[test]
    fn a_command_table_wins_over_the_top_level() {
        let cli = parse_with(
            "seed = 7\n[simulate]\nseed = 8\n",
            &["simulate", "--out", "x"],
        )
        .unwrap();
        assert_eq!(simulate_seed(&cli), 8);
    }

    #[test]
    fn a_required_flag_can_come_from_the_file() {
        let cli = parse_with("[simulate]\nout = \"dir\"\n", &["simulate"]).unwrap();
        match cli.command {
            Command::Simulate(a) => assert_eq!(a.out, Some(PathBuf::from("dir"))),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn business_hours_in_the_settings_file_reach_every_command_that_computes_reports() {
        let settings = "business-start = \"09:00\"\nbusiness_end = \"17:30\"\n";
        let commands: [&[&str]; 4] = [
            &["report", "utilization_daily", "--lake", "l"],
            &["jobs", "run", "--lake", "l", "--schedule", "s.toml"],
            &["dashboard", "--lake", "l", "--out", "o"],
            &["demo"],
        ];
        for args in commands {
            let cli = parse_with(settings, args).unwrap();
            let hours = match &cli.command {
                Command::Report(a) => a.business,
                Command::Jobs(a) => match &a.command {
                    crate::cmd::jobs::JobsCommand::Run(r) => r.business,
                },
                Command::Dashboard(a) => a.business,
                Command::Demo(a) => a.business,
                other => panic!("{other:?}"),
            };
            assert_eq!(
                (hours.business_start, hours.business_end),
                (9 * 60, 17 * 60 + 30),
                "{args:?}"
            );
        }
    }

    #[test]
    fn unknown_settings_are_refused_by_name() {
        let Err(ParseError::Config(msg)) =
            parse_with("sed = 7\n[simulate]\nrooms = 3\nbogus = 1\n", &[])
        else {
            panic!("expected a config error");
        };
        assert!(
            msg.contains("`sed`") && msg.contains("`simulate.bogus`"),
            "{msg}"
        );
    }
}
