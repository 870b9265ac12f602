//! The views of the catalog: `incidents`, the maintenance windows' views and the analyst views of `queries/sql/views/`, each a
//! `.sql` file holding one `SELECT` whose header comment says what it shows.

use datafusion::prelude::SessionContext;

use crate::error::{Error, Result};

/// Every view: its name and its SQL text.
pub const VIEWS: &[(&str, &str)] = &[
    ("incidents", include_str!("../sql/catalog/incidents.sql")),
    (
        "maintenance_windows",
        include_str!("../sql/catalog/maintenance_windows.sql"),
    ),
    (
        "update_windows",
        include_str!("../sql/catalog/update_windows.sql"),
    ),
    (
        "effective_maintenance_windows",
        include_str!("../sql/catalog/effective_maintenance_windows.sql"),
    ),
    (
        "device_latest",
        include_str!("../sql/views/device_latest.sql"),
    ),
    (
        "peripheral_latest",
        include_str!("../sql/views/peripheral_latest.sql"),
    ),
];

/// Registers every view of [`VIEWS`].
pub async fn register(ctx: &SessionContext) -> Result<()> {
    for (name, sql) in VIEWS {
        let plan = ctx
            .state()
            .create_logical_plan(sql)
            .await
            .map_err(|source| Error::View {
                name: (*name).into(),
                source,
            })?;
        let view = datafusion::datasource::ViewTable::new(plan, Some((*sql).to_owned()));
        ctx.register_table(*name, std::sync::Arc::new(view))
            .map_err(|source| Error::Register {
                name: (*name).into(),
                source,
            })?;
    }
    Ok(())
}
