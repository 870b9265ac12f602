//! Report outputs as tables: every `reports/<report>/` folder of the lake is registered under
//! the report's name, with its partition column `report_date` (`Date32`, range reports) or
//! `as_of` (text, snapshot reports) as the folder names say.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::prelude::SessionContext;
use object_store::ObjectStore;
use object_store::path::Path;

use crate::catalog::LAKE_URL;
use crate::error::{Error, Result};
use crate::tables::REPORTS_DIR;

/// The partition column a report's folder uses, from the name of one of its partitions.
fn partition_column(dir_name: &str) -> Option<(String, DataType)> {
    let (key, _) = dir_name.split_once('=')?;
    match key {
        "report_date" => Some((key.to_owned(), DataType::Date32)),
        "as_of" => Some((key.to_owned(), DataType::Utf8)),
        _ => None,
    }
}

async fn child_dirs(store: &Arc<dyn ObjectStore>, prefix: &str) -> Result<Vec<String>> {
    let listing = store
        .list_with_delimiter(Some(&Path::from(prefix)))
        .await
        .map_err(|e| Error::Register {
            name: prefix.into(),
            source: e.into(),
        })?;
    Ok(listing
        .common_prefixes
        .iter()
        .filter_map(|p| p.filename().map(str::to_owned))
        .collect())
}

/// Registers (or re-registers) every report folder that holds at least one partition.
pub async fn register(ctx: &SessionContext) -> Result<()> {
    let url =
        datafusion::execution::object_store::ObjectStoreUrl::parse(LAKE_URL).map_err(|source| {
            Error::Register {
                name: LAKE_URL.into(),
                source,
            }
        })?;
    let store = ctx
        .runtime_env()
        .object_store(&url)
        .map_err(|source| Error::Register {
            name: LAKE_URL.into(),
            source,
        })?;
    for report in child_dirs(&store, REPORTS_DIR).await? {
        let dir = format!("{REPORTS_DIR}{report}");
        let Some(partition) = child_dirs(&store, &dir)
            .await?
            .iter()
            .find_map(|d| partition_column(d))
        else {
            continue;
        };
        let register_error = |source| Error::Register {
            name: report.clone(),
            source,
        };
        let table_url =
            ListingTableUrl::parse(format!("{LAKE_URL}{dir}/")).map_err(register_error)?;
        let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
            .with_file_extension(".parquet")
            .with_table_partition_cols(vec![partition]);
        let config = ListingTableConfig::new(table_url)
            .with_listing_options(options)
            .infer_schema(&ctx.state())
            .await
            .map_err(register_error)?;
        let table = ListingTable::try_new(config).map_err(register_error)?;
        ctx.deregister_table(report.as_str())
            .map_err(register_error)?;
        ctx.register_table(report.as_str(), Arc::new(table))
            .map_err(register_error)?;
    }
    Ok(())
}
