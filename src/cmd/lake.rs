//! `roomsight lake …`: looking after the lake itself; `lake status` prints what it holds.

use std::process::ExitCode;

use anyhow::Context;
use roomsight_ingest::lake::status::status;
use roomsight_ingest::lake::store::Lake;
use roomsight_pipeline::jobs::jobs_status;

use crate::cli::LakeArgs;

/// Flags of `roomsight lake`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    pub(crate) command: LakeCommand,
}

/// The subcommands of `roomsight lake`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum LakeCommand {
    /// Tables, date partitions, files, rows and bytes (from the commit log), dead letters by
    /// reason, the last committed offset of every source partition, and the report job runs.
    Status(StatusArgs),
}

/// Flags of `roomsight lake status`.
#[derive(Debug, clap::Args)]
pub(crate) struct StatusArgs {
    #[command(flatten)]
    pub(crate) lake: LakeArgs,

    /// Output format.
    #[arg(long, env = "ROOMSIGHT_FORMAT", value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
}

/// How `lake status` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Aligned tables for people.
    Text,
    /// One JSON document for scripts.
    Json,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        LakeCommand::Status(args) => run_status(args),
    }
}

fn run_status(args: StatusArgs) -> anyhow::Result<ExitCode> {
    let lake = open_existing(&args.lake.lake)?;
    let (status, jobs) = runtime()?.block_on(async {
        let status = status(&lake)
            .await
            .with_context(|| format!("could not read the status of the lake at {}", lake.url()))?;
        let jobs = jobs_status(&lake).await.with_context(|| {
            format!(
                "could not read the report job runs of the lake at {}",
                lake.url()
            )
        })?;
        anyhow::Ok((status, jobs))
    })?;
    match args.format {
        Format::Text => print!("{status}{jobs}"),
        Format::Json => {
            let mut document = serde_json::to_value(&status)?;
            if let Some(fields) = document.as_object_mut() {
                fields.insert("jobs".to_owned(), serde_json::to_value(&jobs.jobs)?);
            }
            println!("{}", serde_json::to_string_pretty(&document)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Opens a lake that must already exist (`Lake::open` would create an empty one).
pub(crate) fn open_existing(url: &str) -> anyhow::Result<Lake> {
    let dir = match url.split_once("://") {
        None => Some(url),
        Some(("file", rest)) => Some(rest),
        Some(_) => None,
    };
    if let Some(dir) = dir
        && !std::path::Path::new(dir).is_dir()
    {
        anyhow::bail!(
            "there is no lake at {url}: the directory does not exist; check --lake or ROOMSIGHT_LAKE"
        );
    }
    let lake = Lake::open(url)?;
    if !lake.is_local() && !runtime()?.block_on(lake.is_populated())? {
        anyhow::bail!(
            "there is no lake at {url}: nothing is stored under that prefix; check --lake or \
             ROOMSIGHT_LAKE (and AWS_ENDPOINT_URL / AWS_PROFILE for the store it points at)"
        );
    }
    Ok(lake)
}

/// The async runtime for one command's lake I/O.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime (out of threads or file descriptors?)")
}
