//! `roomsight rooms load`: the room directory (`rooms.csv`) into the lake.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use roomsight_ingest::lake::directory::write_rooms;
use roomsight_ingest::lake::store::Lake;
use roomsight_ingest::rooms::read_rooms;

use crate::cli::LakeArgs;
use crate::cmd::lake::runtime;

/// Flags of `roomsight rooms`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    pub(crate) command: RoomsCommand,
}

/// The subcommands of `roomsight rooms`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum RoomsCommand {
    /// Load a `rooms.csv` room directory into the lake, replacing the previous one whole. Bad
    /// rows are reported with their line numbers and the rest load; exit 1 if any row was
    /// rejected.
    Load(LoadArgs),
}

/// Flags of `roomsight rooms load`.
#[derive(Debug, clap::Args)]
pub(crate) struct LoadArgs {
    #[command(flatten)]
    pub(crate) lake: LakeArgs,

    /// The directory: CSV with the header
    /// `room_id,name,site,building,floor,capacity,country,timezone,room_group,ring`.
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        RoomsCommand::Load(args) => run_load(args),
    }
}

fn run_load(args: LoadArgs) -> anyhow::Result<ExitCode> {
    let file = std::fs::File::open(&args.file).with_context(|| {
        format!(
            "cannot open the room directory {}: check the path",
            args.file.display()
        )
    })?;
    let directory = read_rooms(std::io::BufReader::new(file))
        .with_context(|| format!("cannot read the room directory {}", args.file.display()))?;
    for rejected in &directory.rejected {
        println!("rejected {}: {rejected}", args.file.display());
    }
    if directory.rooms.is_empty() && !directory.rejected.is_empty() {
        anyhow::bail!(
            "no row of {} is valid ({} rejected), so the lake's room directory was left as it \
             was; fix the rows above and load again",
            args.file.display(),
            directory.rejected.len()
        );
    }
    let lake = Lake::open(&args.lake.lake)?;
    tracing::info!(lake = lake.url(), file = %args.file.display(), rooms = directory.rooms.len(),
                   rejected = directory.rejected.len(), "loading the room directory");
    let loaded = runtime()?
        .block_on(write_rooms(&lake, &directory.rooms))
        .with_context(|| format!("loading the room directory into {} failed", lake.url()))?;
    println!(
        "loaded {} rooms into {}/{} ({} rows rejected)",
        loaded.rooms,
        lake.url().trim_end_matches('/'),
        loaded.path,
        directory.rejected.len()
    );
    Ok(if directory.rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
