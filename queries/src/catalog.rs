//! The catalog: one DataFusion session that sees the whole lake under the names of docs/cli.md.
//!
//! [`Catalog::open`] registers, in the session's default schema:
//! - the telemetry tables (`heartbeats`, `peripheral_states`, `meetings`, `bookings`, `updates`,
//!   `enrollments`, `logs`) and `dead_letters`: Parquet over their Hive folders, with the
//!   partition column `date` (the event's UTC date, `Date32`), so `WHERE date BETWEEN …` reads
//!   only those folders, and rows sorted by room/device and time inside files, so row-group
//!   statistics prune `ts` and `room_id` filters;
//! - `rooms`, the room directory loaded by `roomsight rooms load`;
//! - `incident_events` (every change of every incident) and the view `incidents` (the latest
//!   event of each, i.e. each incident's current state);
//! - `maintenance_window_events` (every change of every maintenance window), the view
//!   `maintenance_windows` (each window as it stands), `update_windows` (the implicit window of
//!   every update step) and `effective_maintenance_windows` (both, as detection honours them);
//! - the analyst views of `queries/sql/views/`;
//! - the report outputs found under `reports/<report>/` (see [`crate::outputs`]).
//!
//! Tables are registered even when their folder does not exist yet (they read as empty, with
//! the right columns), so SQL plans against a fresh lake. The lake's object store is registered
//! under the URL `lake://roomsight/`, so every backend `roomsight_ingest` can open (local disk
//! today, object storage later) is read the same way.
//!
//! # What a query sees
//! Tables are listed when a query is planned. Ingest publishes a file into its folder only after
//! the commit that lists it, so a query never sees uncommitted data. Compaction swaps a
//! partition's files with renames that are not atomic together: a query planned during those
//! renames may miss some of that partition's rows (never count them twice; see
//! `roomsight_ingest::lake::compact`). Duplicated `event_id`s are removed at ingest (a window of
//! the last 2M ids) and by compaction; the report SQL keys meetings and bookings by their ids.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::catalog::TableProvider;
use datafusion::common::ScalarValue;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::prelude::{DataFrame, SessionConfig, SessionContext};
use roomsight_ingest::lake::store::Lake;
use roomsight_ingest::schema::Table;

use crate::error::{Error, Result};
use crate::{functions, outputs, tables, views};

/// The URL under which the lake's object store is registered in every session.
pub const LAKE_URL: &str = "lake://roomsight/";

/// How the session is set up.
#[derive(Clone, Debug, Default)]
pub struct CatalogOptions {
    /// Threads (and partitions) a query may use; the machine's cores when `None`.
    pub target_partitions: Option<usize>,
}

/// One DataFusion session over a lake.
#[derive(Clone)]
pub struct Catalog {
    ctx: SessionContext,
    lake: Lake,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("lake", &self.lake.url())
            .finish()
    }
}

/// The session configuration every roomsight session uses: `information_schema` on, the
/// default schema `public`.
pub fn session_config(options: &CatalogOptions) -> SessionConfig {
    let mut config = SessionConfig::new().with_information_schema(true);
    // Spans let errors point at the offending spot of the query (the shell's caret, the
    // server's error position).
    config.options_mut().sql_parser.collect_spans = true;
    if let Some(n) = options.target_partitions {
        config = config.with_target_partitions(n.max(1));
    }
    config
}

impl Catalog {
    /// Opens the lake at `url` (a directory or `file://` URL) and registers everything in a new
    /// session.
    pub async fn open(url: &str, options: CatalogOptions) -> Result<Catalog> {
        let lake = Lake::open(url)?;
        let ctx = SessionContext::new_with_config(session_config(&options));
        Catalog::with_context(lake, ctx).await
    }

    /// Registers the lake in a session the caller made (its own runtime, memory pool, …).
    pub async fn with_context(lake: Lake, ctx: SessionContext) -> Result<Catalog> {
        register(&ctx, &lake).await?;
        Ok(Catalog { ctx, lake })
    }

    /// The DataFusion session.
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// The lake.
    pub fn lake(&self) -> &Lake {
        &self.lake
    }

    /// Plans `sql` with named parameters (`$from_date` …) bound to `params`.
    pub async fn query(&self, sql: &str, params: &[(&str, ScalarValue)]) -> Result<DataFrame> {
        let context = || format!("the query failed: {}", first_line(sql));
        let df = self.ctx.sql(sql).await.map_err(|source| Error::Query {
            context: context(),
            source,
        })?;
        if params.is_empty() {
            return Ok(df);
        }
        let values: Vec<(String, ScalarValue)> = params
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.clone()))
            .collect();
        df.with_param_values(values).map_err(|source| Error::Query {
            context: context(),
            source,
        })
    }

    /// Registers the report outputs written since the catalog was opened.
    pub async fn refresh_outputs(&self) -> Result<()> {
        outputs::register(&self.ctx).await
    }
}

fn first_line(sql: &str) -> String {
    let line = sql
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("--"))
        .unwrap_or("");
    line.chars().take(80).collect()
}

/// Registers the lake's store, the functions, tables and views in `ctx`.
pub async fn register(ctx: &SessionContext, lake: &Lake) -> Result<()> {
    let url = ObjectStoreUrl::parse(LAKE_URL).map_err(|source| Error::Register {
        name: LAKE_URL.into(),
        source,
    })?;
    ctx.register_object_store(url.as_ref(), Arc::clone(lake.store()));
    functions::register(ctx);
    for table in Table::ALL {
        let partitions = if Table::PARTITIONED.contains(&table) {
            vec![(tables::DATE_PARTITION.to_owned(), DataType::Date32)]
        } else {
            Vec::new()
        };
        let provider = listing(&tables::table_dir(table), table.schema(), partitions)?;
        register_table(ctx, table.name(), provider)?;
    }
    let events = listing(
        tables::INCIDENT_EVENTS_DIR,
        tables::incident_events_schema(),
        Vec::new(),
    )?;
    register_table(ctx, "incident_events", events)?;
    let windows = listing(
        tables::MAINTENANCE_WINDOWS_DIR,
        tables::maintenance_window_events_schema(),
        Vec::new(),
    )?;
    register_table(ctx, "maintenance_window_events", windows)?;
    views::register(ctx).await?;
    outputs::register(ctx).await
}

fn register_table(ctx: &SessionContext, name: &str, table: Arc<dyn TableProvider>) -> Result<()> {
    ctx.register_table(name, table)
        .map(drop)
        .map_err(|source| Error::Register {
            name: name.into(),
            source,
        })
}

/// A Parquet table over the folder `dir` of the lake (relative to its root).
pub fn listing(
    dir: &str,
    schema: SchemaRef,
    partitions: Vec<(String, DataType)>,
) -> Result<Arc<dyn TableProvider>> {
    let register_error = |source| Error::Register {
        name: dir.into(),
        source,
    };
    let url = ListingTableUrl::parse(format!("{LAKE_URL}{dir}")).map_err(register_error)?;
    let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
        .with_file_extension(".parquet")
        .with_table_partition_cols(partitions);
    let config = ListingTableConfig::new(url)
        .with_listing_options(options)
        .with_schema(schema);
    let table = ListingTable::try_new(config).map_err(register_error)?;
    Ok(Arc::new(table))
}
