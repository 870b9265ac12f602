//! `docs/cli.md`, rendered from the clap command tree so the reference cannot drift from the
//! binary: every command, its usage, and each flag's names, value, default, environment variable,
//! allowed values and help text, in declaration order.
//!
//! The test below compares the file with what [`render`] produces and fails with the first
//! differing line. After changing the command line, regenerate the file with
//! `ROOMSIGHT_BLESS=1 cargo test --workspace --locked -- cli_reference` and commit it.

use std::fmt::Write as _;

use clap::{Arg, ArgAction, Command, CommandFactory};

use super::Cli;

/// What clap does not know: exit codes, where settings come from, the settings file's form.
const PREAMBLE: &str = r#"# The `roomsight` command line

<!-- Generated from the command line's definition by src/cli/reference.rs; do not edit by hand.
     Regenerate: ROOMSIGHT_BLESS=1 cargo test --workspace --locked -- cli_reference -->

Operators, cron jobs and outside scripts call these commands, so the names, flags and exit codes
on this page are a contract: flags may be added, the ones here keep working. This page is
generated from the binary's own command-line definition, and a test fails when the two differ.

## Exit codes

| code | meaning |
| --- | --- |
| 0 | success (also `--help` and `--version`) |
| 1 | the work failed, or it found invalid input it was asked to judge (`validate` with an invalid event, `rooms load` with a rejected row, `sql -e/-f` with a failing query, `jobs run --once` with a failed run, `feed --once` with events still undelivered) |
| 2 | a wrong command line: an unknown flag, a missing or invalid value, flags that do not go together, or an unusable settings file |

Errors go to stderr as one sentence that says what was wrong and what to do.

## Where settings come from

Every flag can be given three ways; the first one found wins:

1. on the command line (`--lake /data/lake`);
2. in the environment, as the variable listed with the flag: `ROOMSIGHT_` and the flag's long
   name in upper case with `-` turned into `_` (`--flush-secs` → `ROOMSIGHT_FLUSH_SECS`);
   a repeatable flag takes a comma-separated list;
3. in the settings file: `--config FILE`, else `ROOMSIGHT_CONFIG`, else `./roomsight.toml` when
   it exists.

The settings file is TOML. Keys are long flag names (`fault-rate` or `fault_rate`), at the top
level for every command that has that flag, or in a table named after a command (`[simulate]`;
`[rooms.load]` for a nested one), which wins over the top level. A repeatable flag takes an
array. A key that is no flag of any command is refused by name (exit 2), so a typo never
silently does nothing.

```toml
lake = "/data/lake"          # every command with --lake
seed = 7
[simulate]
rooms = 200
days = 14
[ingest]
kafka-option = ["security.protocol=ssl", "ssl.ca.location=/etc/ssl/ca.pem"]
```

Other environment variables:

| variable | what it does |
| --- | --- |
| `ROOMSIGHT_LOG` | a full log filter (`roomsight=debug,rdkafka=warn`); overrides `-v` |
| `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_ENDPOINT_URL`, `AWS_PROFILE`, web identity | S3 lakes (`--lake s3://bucket/prefix`): the AWS environment first, then the profile in `~/.aws/credentials` and `~/.aws/config`, then the instance role |
| `XDG_DATA_HOME`, `HOME` | where `sql` keeps its history (`$XDG_DATA_HOME/roomsight/history`, else `~/.local/share/roomsight/history`) |

A lake `URL` is a local directory, a `file:///…` URL, or `s3://bucket/prefix` (any
S3-compatible store). Timestamps are RFC 3339 (`2026-11-24T09:15:00Z`), dates `YYYY-MM-DD`.
Every command has `-h`/`--help` (`--help` shows the long form); `-V`/`--version` prints the
version. Logs go to stderr.

## Names in SQL

The shell (`sql`), the server (`serve`) and the report SQL see one catalog, in the default
schema, so unqualified names work: the telemetry tables `heartbeats`, `peripheral_states`,
`meetings`, `bookings`, `updates`, `enrollments`, `logs` (one per event type; the lake folders
`telemetry/<table>/` use the same names), the room directory `rooms`, `incidents` (the current
state, one row per incident) and `incident_events` (their history), `dead_letters`, the views
`device_latest` and `peripheral_latest`, and every report of [reports.md](reports.md) by its name.
"#;

/// The Markdown reference of the whole command line.
pub(crate) fn render() -> String {
    let plain = Cli::command();
    let mut built = Cli::command();
    built.build();
    let mut out = String::from(PREAMBLE);
    out.push_str("\n## Commands\n\n");
    for sub in visible_subcommands(&plain) {
        let name = sub.get_name();
        let about = one_line(sub.get_about().map(ToString::to_string).unwrap_or_default());
        let _ = writeln!(out, "- [`roomsight {name}`](#{}): {about}", anchor(&[name]));
    }
    out.push_str("\n## Flags of every command\n\n");
    for arg in visible_args(&plain, false) {
        write_arg(&mut out, arg);
    }
    out.push('\n');
    for sub in visible_subcommands(&plain) {
        write_command(&mut out, &built, sub, &[sub.get_name()]);
    }
    let end = out.trim_end().len();
    out.truncate(end);
    out.push('\n');
    out
}

/// One command's section, then its subcommands'.
fn write_command(out: &mut String, built_root: &Command, cmd: &Command, path: &[&str]) {
    let title = format!("roomsight {}", path.join(" "));
    let _ = writeln!(out, "## `{title}`\n");
    if let Some(about) = cmd.get_long_about().or_else(|| cmd.get_about()) {
        let _ = writeln!(out, "{}\n", about.to_string().trim());
    }
    if let Some(usage) = usage(built_root, path) {
        let _ = writeln!(out, "```text\n{usage}\n```\n");
    }
    let subs: Vec<&Command> = visible_subcommands(cmd).collect();
    if !subs.is_empty() {
        out.push_str("Subcommands:\n\n");
        for sub in &subs {
            let mut sub_path = path.to_vec();
            sub_path.push(sub.get_name());
            let about = one_line(sub.get_about().map(ToString::to_string).unwrap_or_default());
            let _ = writeln!(
                out,
                "- [`{}`](#{}): {about}",
                sub.get_name(),
                anchor(&sub_path)
            );
        }
        out.push('\n');
    }
    let positionals: Vec<&Arg> = visible_args(cmd, true).collect();
    if !positionals.is_empty() {
        out.push_str("Arguments:\n\n");
        for arg in positionals {
            write_arg(out, arg);
        }
        out.push('\n');
    }
    let flags: Vec<&Arg> = visible_args(cmd, false).collect();
    if !flags.is_empty() {
        out.push_str("Flags:\n\n");
        for arg in flags {
            write_arg(out, arg);
        }
        out.push('\n');
    }
    for sub in subs {
        let mut sub_path = path.to_vec();
        sub_path.push(sub.get_name());
        write_command(out, built_root, sub, &sub_path);
    }
}

/// The usage line clap prints for the command at `path`, without its `Usage: ` label.
fn usage(built_root: &Command, path: &[&str]) -> Option<String> {
    let mut cmd = built_root.clone();
    for name in path {
        cmd = cmd.find_subcommand(name)?.clone();
    }
    let text = cmd.render_usage().to_string();
    let text = text.trim();
    Some(
        text.strip_prefix("Usage:")
            .unwrap_or(text)
            .trim()
            .to_string(),
    )
}

/// The subcommands a user sees (not hidden, not clap's own `help`).
fn visible_subcommands(cmd: &Command) -> impl Iterator<Item = &Command> {
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
}

/// The command's own visible arguments: positionals or flags. Global flags are listed once,
/// under "Flags of every command", and clap's `--help`/`--version` in the preamble.
fn visible_args(cmd: &Command, positional: bool) -> impl Iterator<Item = &Arg> {
    cmd.get_arguments().filter(move |a| {
        !a.is_hide_set()
            && a.is_positional() == positional
            && !matches!(a.get_id().as_str(), "help" | "version")
    })
}

/// One argument as a list item: its names and value, then what clap knows of it, then its help.
fn write_arg(out: &mut String, arg: &Arg) {
    let takes_value = arg.get_action().takes_values();
    let repeatable = matches!(arg.get_action(), ArgAction::Append | ArgAction::Count);
    let value = arg
        .get_value_names()
        .map(|names| {
            names
                .iter()
                .map(|n| format!("<{n}>"))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| format!("<{}>", arg.get_id().as_str().to_uppercase()));
    let mut names = Vec::new();
    if arg.is_positional() {
        names.push(value.clone());
    } else {
        if let Some(short) = arg.get_short() {
            names.push(format!("-{short}"));
        }
        if let Some(long) = arg.get_long() {
            names.push(format!("--{long}"));
        }
    }
    let mut head = names.join(", ");
    if takes_value && !arg.is_positional() {
        head.push(' ');
        head.push_str(&value);
    }
    if takes_value && repeatable {
        head.push('…');
    }
    let mut facts = Vec::new();
    if arg.is_required_set() {
        facts.push("required".to_string());
    }
    if repeatable {
        facts.push("repeatable".to_string());
    }
    if let Some(delimiter) = arg.get_value_delimiter() {
        facts.push(format!("values separated by `{delimiter}`"));
    }
    if takes_value {
        let defaults: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|v| format!("`{}`", v.to_string_lossy()))
            .collect();
        if !defaults.is_empty() {
            facts.push(format!("default {}", defaults.join(", ")));
        }
    }
    if let Some(env) = arg.get_env() {
        facts.push(format!("env `{}`", env.to_string_lossy()));
    }
    let aliases: Vec<String> = arg
        .get_visible_aliases()
        .unwrap_or_default()
        .iter()
        .map(|a| format!("`--{a}`"))
        .collect();
    if !aliases.is_empty() {
        facts.push(format!("also {}", aliases.join(", ")));
    }
    let _ = write!(out, "- `{head}`");
    if !facts.is_empty() {
        let _ = write!(out, " ({})", facts.join("; "));
    }
    let help = arg
        .get_long_help()
        .or_else(|| arg.get_help())
        .map(|h| h.to_string())
        .unwrap_or_default();
    let mut paragraphs: Vec<String> = help
        .split("\n\n")
        .map(|p| one_line(p.to_string()))
        .filter(|p| !p.is_empty())
        .map(|p| format!("{p}."))
        .collect();
    let values: Vec<String> = if takes_value {
        arg.get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| match v.get_help() {
                Some(help) => format!("`{}` ({})", v.get_name(), one_line(help.to_string())),
                None => format!("`{}`", v.get_name()),
            })
            .collect()
    } else {
        Vec::new()
    };
    if !values.is_empty() {
        let sentence = format!("One of: {}.", values.join(", "));
        match paragraphs.last_mut() {
            Some(last) => {
                last.push(' ');
                last.push_str(&sentence);
            }
            None => paragraphs.push(sentence),
        }
    }
    let mut paragraphs = paragraphs.into_iter();
    match paragraphs.next() {
        Some(first) => {
            let _ = writeln!(out, ": {first}");
        }
        None => out.push('\n'),
    }
    for p in paragraphs {
        let _ = writeln!(out, "\n  {p}");
    }
}

/// Text on one line, runs of white space as one space, without a final full stop.
fn one_line(text: String) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    joined.trim_end_matches('.').to_string()
}

/// GitHub's anchor of the heading `` `roomsight a b` ``.
fn anchor(path: &[&str]) -> String {
    let mut s = String::from("roomsight");
    for p in path {
        s.push('-');
        s.push_str(p);
    }
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect::<String>()
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// Every visible flag of every command shows up in the rendered reference.
    #[test]
    fn cli_reference_names_every_flag_and_command() {
        fn walk(cmd: &Command, path: &mut Vec<String>, text: &str) {
            for sub in visible_subcommands(cmd) {
                path.push(sub.get_name().to_string());
                let heading = format!("## `roomsight {}`", path.join(" "));
                assert!(text.contains(&heading), "missing section {heading}");
                for arg in sub.get_arguments().filter(|a| !a.is_hide_set()) {
                    if let Some(long) = arg.get_long() {
                        assert!(
                            text.contains(&format!("--{long}")),
                            "{heading}: --{long} missing"
                        );
                    }
                }
                walk(sub, path, text);
                path.pop();
            }
        }
        let text = render();
        walk(&Cli::command(), &mut Vec::new(), &text);
    }

    /// docs/cli.md is exactly what the command line renders; `ROOMSIGHT_BLESS=1` rewrites it.
    #[test]
    fn cli_reference_matches_docs_cli_md() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cli.md");
        let want = render();
        if std::env::var_os("ROOMSIGHT_BLESS").is_some_and(|v| v == "1") {
            std::fs::write(&path, &want).unwrap();
            return;
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        if have == want {
            return;
        }
        let (have_lines, want_lines): (Vec<&str>, Vec<&str>) =
            (have.lines().collect(), want.lines().collect());
        let differs = (0..have_lines.len().max(want_lines.len()))
            .find(|&i| have_lines.get(i) != want_lines.get(i));
        let (line, file_line, generated_line) = match differs {
            Some(i) => (
                i + 1,
                have_lines.get(i).copied().unwrap_or("<end of file>"),
                want_lines.get(i).copied().unwrap_or("<end>"),
            ),
            None => (0, "<the same lines, different line ends>", ""),
        };
        panic!(
            "docs/cli.md does not describe the command line as it is: first difference at line \
             {line}\n  docs/cli.md: {file_line}\n  generated:   {generated_line}\nRegenerate \
             it with `ROOMSIGHT_BLESS=1 cargo test --workspace --locked -- cli_reference`, review \
             the diff and commit it."
        );
    }
}
