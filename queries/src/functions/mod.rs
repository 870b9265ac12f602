//! The scalar functions roomsight's SQL adds to DataFusion's, registered on every session.
//!
//! | function | result |
//! | --- | --- |
//! | `local_ts(ts, tz)` | the wall-clock time in IANA zone `tz` at instant `ts`, as a `Timestamp(µs)` without zone |
//! | `local_date(ts, tz)` | the date in zone `tz` at instant `ts` (`Date32`) |
//! | `utc_from_local(local, tz)` | the instant (`Timestamp(µs, UTC)`) at which zone `tz`'s clock shows `local`; a time skipped by a DST gap maps to the end of the gap, an ambiguous one to its first occurrence |
//! | `version_key(v)` | a text whose byte order is the version order of docs/reports.md |
//! | `binomial_upper_tail(k, n, q)` | `P(X >= k)` for `X ~ Binomial(n, q)`: `update_impact`'s exact one-sided test |
//!
//! They exist because per-row time zones (each room has its own) cannot be expressed with
//! DataFusion's casts, whose time zone is part of the type. The benchmarks define DuckDB macros
//! of the same names so the same report SQL runs in both engines.

mod binomial;
mod version;
mod zone;

use datafusion::logical_expr::ScalarUDF;
use datafusion::prelude::SessionContext;

pub use binomial::binomial_upper_tail;
pub use version::version_key;
pub use zone::{local_wall_clock, utc_from_wall_clock};

/// Every roomsight function, ready to register.
pub fn all() -> Vec<ScalarUDF> {
    vec![
        ScalarUDF::from(zone::LocalTs::new()),
        ScalarUDF::from(zone::LocalDate::new()),
        ScalarUDF::from(zone::UtcFromLocal::new()),
        ScalarUDF::from(version::VersionKey::new()),
        ScalarUDF::from(binomial::BinomialUpperTail::new()),
    ]
}

/// Registers every roomsight function on a session.
pub fn register(ctx: &SessionContext) {
    for udf in all() {
        ctx.register_udf(udf);
    }
}
