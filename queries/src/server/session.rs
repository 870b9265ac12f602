//! One DataFusion session per client connection, made cheaply from a shared base session.
//!
//! The base session (the catalog's) holds the registered tables, views and functions; the
//! server adds the Postgres `pg_catalog` schema and its functions to it once
//! ([`prepare_base`]). Each connection then gets a [`SessionContext`] that shares the base's
//! catalog list, functions, object stores and spill directory, but has its own memory pool
//! of `memory_limit` bytes (a [`FairSpillPool`]: sorts, aggregations and joins spill to disk
//! where DataFusion can, and fail with "resources exhausted" where it cannot). A session runs
//! one query at a time, so the pool is the query's memory limit, and a query that exceeds it
//! fails alone: other sessions' pools are untouched.

use std::sync::Arc;

use datafusion::error::DataFusionError;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::prelude::SessionContext;
use datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;

/// Adds what Postgres clients query on connect to `base`: the `pg_catalog` schema (`pg_class`,
/// `pg_namespace`, `pg_attribute`, `pg_type`, …, built from the session's tables on each
/// query), and functions such as `pg_table_is_visible`, `format_type`, `current_schema`.
/// `information_schema` comes from DataFusion (the catalog's session config turns it on).
pub fn prepare_base(base: &SessionContext) -> Result<(), DataFusionError> {
    let catalog = base
        .state()
        .config()
        .options()
        .catalog
        .default_catalog
        .clone();
    datafusion_pg_catalog::setup_pg_catalog(base, &catalog, EmptyContextProvider).map_err(|e| *e)
}

/// A new session over `base`'s tables with its own memory pool of `memory_limit` bytes.
pub fn session_with_memory_limit(
    base: &SessionContext,
    memory_limit: usize,
) -> Result<SessionContext, DataFusionError> {
    let state = base.state();
    let shared = state.runtime_env();
    let mut runtime = RuntimeEnvBuilder::new()
        .with_memory_pool(Arc::new(FairSpillPool::new(memory_limit)))
        .with_object_store_registry(Arc::clone(&shared.object_store_registry));
    runtime.disk_manager = Some(Arc::clone(&shared.disk_manager));
    let state = SessionStateBuilder::new_from_existing(state)
        .with_runtime_env(Arc::new(runtime.build()?))
        .build();
    Ok(SessionContext::new_with_state(state))
}

#[cfg(test)]
mod tests {

    use datafusion::arrow::array::Int64Array;
    use datafusion::prelude::SessionConfig;

    use super::*;

    #[tokio::test]
    async fn sessions_share_tables_but_not_memory() {
        let base =
            SessionContext::new_with_config(SessionConfig::new().with_information_schema(true));
        base.sql("CREATE VIEW answer AS SELECT 42::BIGINT AS n")
            .await
            .unwrap();
        prepare_base(&base).unwrap();
        let small = session_with_memory_limit(&base, 64 * 1024).unwrap();
        let large = session_with_memory_limit(&base, 512 * 1024 * 1024).unwrap();

        let rows = large
            .sql("SELECT n FROM answer")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let n = rows[0]
            .column(0)
            .as_any()
            .downcast_ref::<Int64Array>()
            .unwrap();
        assert_eq!(n.value(0), 42);

        // A full sort of 2M rows needs more than 64 KiB and cannot spill below a batch: it
        // fails in the small session, and the same query still runs in the large one.
        let sort = "SELECT max(r) FROM (SELECT row_number() OVER (ORDER BY value DESC) AS r \
                    FROM generate_series(1, 2000000) AS t(value))";
        let err = small.sql(sort).await.unwrap().collect().await.unwrap_err();
        assert!(
            err.to_string()
                .to_lowercase()
                .contains("resources exhausted"),
            "{err}"
        );
        let rows = large.sql(sort).await.unwrap().collect().await.unwrap();
        assert_eq!(rows[0].num_rows(), 1);

        // psql's catalog queries plan against the shared pg_catalog.
        let tables = large
            .sql("SELECT relname FROM pg_catalog.pg_class WHERE relname = 'answer'")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        assert_eq!(tables.iter().map(|b| b.num_rows()).sum::<usize>(), 1);
    }
}
