//! `roomsight sql`: the analysts' shell (interactive with line editing and history, or one-shot
//! with `-e`/`-f`), thin over `roomsight_queries::shell`.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use roomsight_queries::shell::{Flow, OutputFormat, Shell, ShellError, input_complete};
use roomsight_queries::{Catalog, CatalogOptions};
use rustyline::error::ReadlineError;
use tokio::runtime::Runtime;

use crate::cli::LakeArgs;
use crate::cmd::lake::open_existing;

/// Flags of `roomsight sql`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) lake: LakeArgs,

    /// Run these SQL statements (separated by `;`) or one `\` command, print, and exit; exit 1
    /// if one fails.
    #[arg(
        short = 'e',
        long = "execute",
        env = "ROOMSIGHT_EXECUTE",
        value_name = "SQL",
        conflicts_with = "file"
    )]
    pub(crate) execute: Option<String>,

    /// Run the SQL statements in FILE (`-` for standard input), print, and exit; exit 1 if one
    /// fails.
    #[arg(
        short = 'f',
        long = "file",
        env = "ROOMSIGHT_FILE",
        value_name = "FILE"
    )]
    pub(crate) file: Option<PathBuf>,

    /// How results are printed.
    #[arg(long, env = "ROOMSIGHT_FORMAT", value_enum, default_value_t = Format::Table)]
    pub(crate) format: Format,

    /// Print `Time: … ms` after each statement (planning to last row), like psql's `\timing`.
    #[arg(long, env = "ROOMSIGHT_TIMING")]
    pub(crate) timing: bool,

    /// Where the interactive shell keeps its history (default:
    /// `$XDG_DATA_HOME/roomsight/history`, else `~/.local/share/roomsight/history`).
    #[arg(long, env = "ROOMSIGHT_HISTORY", value_name = "FILE")]
    pub(crate) history: Option<PathBuf>,
}

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Aligned tables with a row count.
    Table,
    /// CSV with a header line.
    Csv,
    /// A JSON array of objects per statement.
    Json,
}

impl From<Format> for OutputFormat {
    fn from(format: Format) -> Self {
        match format {
            Format::Table => OutputFormat::Table,
            Format::Csv => OutputFormat::Csv,
            Format::Json => OutputFormat::Json,
        }
    }
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let catalog = open_catalog(&runtime, &args.lake.lake)?;
    let shell = Shell::new(catalog.context().clone(), args.format.into()).with_timing(args.timing);

    let script = match (&args.execute, &args.file) {
        (Some(sql), _) => Some(sql.clone()),
        (None, Some(path)) => Some(read_script(path)?),
        (None, None) if !std::io::stdin().is_terminal() => Some(read_script(&PathBuf::from("-"))?),
        (None, None) => None,
    };
    match script {
        Some(script) => run_script(&runtime, &shell, &script),
        None => interactive(&runtime, &shell, args.history),
    }
}

/// Opens the catalog of a lake that must already exist.
pub(crate) fn open_catalog(runtime: &Runtime, url: &str) -> anyhow::Result<Catalog> {
    open_existing(url)?;
    runtime
        .block_on(Catalog::open(url, CatalogOptions::default()))
        .with_context(|| format!("could not open the SQL catalog of the lake at {url}"))
}

fn read_script(path: &PathBuf) -> anyhow::Result<String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("could not read SQL from standard input")?;
        return Ok(text);
    }
    std::fs::read_to_string(path)
        .with_context(|| format!("could not read the SQL file {}", path.display()))
}

/// `-e`/`-f`: runs the statements in order; the first failure is printed and exits 1.
fn run_script(runtime: &Runtime, shell: &Shell, script: &str) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match runtime.block_on(shell.execute(script, &mut out)) {
        Ok(_) => {
            out.flush().context("could not write the results")?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            let _ = out.flush();
            report(&e);
            Ok(ExitCode::from(1))
        }
    }
}

/// The interactive shell: statements end with `;`, `\` commands with the line.
fn interactive(
    runtime: &Runtime,
    shell: &Shell,
    history: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let mut editor = rustyline::DefaultEditor::new().context("could not start line editing")?;
    let history = history.or_else(default_history);
    if let Some(path) = &history {
        // A first run has no history yet; any other problem only costs the history.
        let _ = editor.load_history(path);
    }
    println!("roomsight sql: `\\?` for help, `\\d` lists tables, `\\q` quits.");
    let mut buffer = String::new();
    loop {
        let prompt = if buffer.is_empty() {
            "roomsight> "
        } else {
            "        -> "
        };
        match editor.readline(prompt) {
            Ok(line) => {
                if !buffer.is_empty() {
                    buffer.push('\n');
                }
                buffer.push_str(&line);
                if buffer.trim().is_empty() || !input_complete(&buffer) {
                    if buffer.trim().is_empty() {
                        buffer.clear();
                    }
                    continue;
                }
                let _ = editor.add_history_entry(buffer.as_str());
                let mut out = std::io::stdout().lock();
                let flow = runtime.block_on(shell.execute(&buffer, &mut out));
                let _ = out.flush();
                buffer.clear();
                match flow {
                    Ok(Flow::Quit) => break,
                    Ok(Flow::Continue) => {}
                    Err(e) => report(&e),
                }
            }
            Err(ReadlineError::Interrupted) => buffer.clear(),
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e).context("could not read the terminal"),
        }
    }
    if let Some(path) = &history {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(e) = editor.save_history(path) {
            tracing::warn!(path = %path.display(), error = %e, "could not save the history");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn default_history() -> Option<PathBuf> {
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/share"))
        })?;
    Some(data.join("roomsight").join("history"))
}

/// Prints a failed input: the whole error chain once, then the caret under the query line.
fn report(error: &ShellError) {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        // DataFusion wraps errors in errors that repeat them: print each text once.
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    eprintln!("error: {message}");
    if let Some(caret) = error.caret() {
        eprintln!("{caret}");
    }
}
