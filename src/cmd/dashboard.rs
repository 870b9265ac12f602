//! `roomsight dashboard`: writes the self-contained HTML estate dashboard.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use roomsight_queries::{Catalog, CatalogOptions};

use crate::cli::{BusinessHoursArgs, LakeArgs};
use crate::cmd::lake::{open_existing, runtime};

/// Flags of `roomsight dashboard`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) lake: LakeArgs,

    /// Directory to write `index.html` into (created if missing); the page needs nothing else.
    #[arg(long, env = "ROOMSIGHT_OUT", value_name = "DIR")]
    pub(crate) out: PathBuf,

    #[command(flatten)]
    pub(crate) business: BusinessHoursArgs,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let lake = open_existing(&args.lake.lake)?;
    let page = runtime()?.block_on(async {
        let catalog = Catalog::open(lake.url(), CatalogOptions::default())
            .await
            .with_context(|| format!("could not open the lake at {} for SQL", lake.url()))?;
        roomsight_pipeline::dashboard::write(&catalog, &args.out, args.business.hours())
            .await
            .context("could not draw the dashboard")
    })?;
    println!("{}", page.display());
    Ok(ExitCode::SUCCESS)
}
