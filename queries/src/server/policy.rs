//! What the SQL surfaces (`roomsight sql`, `roomsight serve`) let a user run: the lake is
//! read-only through them.
//!
//! Every statement is judged on its parsed form before DataFusion sees it, and the plans
//! DataFusion makes are checked again with [`read_only_sql_options`] (no DDL, no DML, no
//! statements), so a statement class this module forgets is still refused by the planner.
//! Allowed: queries (`SELECT`, `WITH`, `VALUES`), `EXPLAIN` of a query, `DESCRIBE`, `SHOW`,
//! `SET` of the client display settings Postgres drivers send, and `BEGIN`/`COMMIT`/`ROLLBACK`
//! (accepted and ignored: nothing is ever written). Everything else — `CREATE`, `INSERT`,
//! `DROP`, `COPY`, `CREATE EXTERNAL TABLE`, `SET datafusion.…`, `SELECT … INTO`, table functions
//! other than the generators, tables named by a file path or URL — is refused with
//! [`Refused`], which says what was refused and why.

use std::fmt;
use std::ops::ControlFlow;

use datafusion::execution::context::SQLOptions;
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::{
    Expr, Ident, ObjectName, Query, Set, SetExpr, Statement, TableFactor, Value, Visit, Visitor,
};

/// Table functions a query may call: they generate rows and read nothing.
const ALLOWED_TABLE_FUNCTIONS: &[&str] = &["generate_series", "range", "unnest", "pg_get_keywords"];

/// Session settings Postgres clients (psql, JDBC, Npgsql, Grafana, Metabase) set on connect.
/// They change how results are displayed, never what can be read.
const ALLOWED_SETTINGS: &[&str] = &[
    "application_name",
    "bytea_output",
    "client_encoding",
    "client_min_messages",
    "datestyle",
    "extra_float_digits",
    "intervalstyle",
    "lc_messages",
    "search_path",
    "standard_conforming_strings",
    "statement_timeout",
    "timezone",
];

/// What to do with one statement the policy allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Plan and run it with DataFusion (queries, `EXPLAIN`, `DESCRIBE`, `SHOW TABLES`, …).
    Query,
    /// `SET name = value` of a client setting, answered by the surface without DataFusion.
    Set {
        /// The setting, lower case (`timezone` for `SET TIME ZONE`).
        name: String,
        /// Its new value, unquoted.
        value: String,
    },
    /// `SHOW name` of a Postgres session setting, answered by the surface.
    Show {
        /// The setting, lower case, words joined by spaces (`transaction isolation level`).
        name: String,
    },
    /// `BEGIN`, `COMMIT` or `ROLLBACK`: accepted, and nothing happens (nothing is written).
    Transaction(Transaction),
}

/// The transaction statements clients send around their queries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transaction {
    /// `BEGIN` / `START TRANSACTION`.
    Begin,
    /// `COMMIT` / `END`.
    Commit,
    /// `ROLLBACK` / `ABORT`.
    Rollback,
}

/// A statement the read-only policy refuses: the user's request, not a fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// What was refused (`CREATE TABLE`, `the table function read_csv`, …).
    pub what: String,
    /// Why, and what the user can do instead.
    pub why: &'static str,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is not allowed: {}", self.what, self.why)
    }
}

impl std::error::Error for Refused {}

const READ_ONLY: &str = "roomsight's SQL is read-only over the lake (SELECT, EXPLAIN, DESCRIBE \
                         and SHOW); the lake is written only by `roomsight ingest` and the jobs";

/// The DataFusion options every plan of a SQL surface is verified with: no DDL (`CREATE`,
/// `DROP`), no DML (`INSERT`, `COPY`), no statements (`SET`, transactions).
pub fn read_only_sql_options() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

/// Judges one parsed statement.
pub fn classify(statement: &Statement) -> Result<Action, Refused> {
    match statement {
        Statement::Query(query) => check_query(query).map(|()| Action::Query),
        Statement::Explain { statement, .. } => match classify(statement)? {
            Action::Query => Ok(Action::Query),
            _ => Err(refused(statement, READ_ONLY)),
        },
        Statement::ExplainTable { .. }
        | Statement::ShowTables { .. }
        | Statement::ShowColumns { .. } => Ok(Action::Query),
        Statement::ShowVariable { variable } => {
            let name = words(variable);
            // The parser splits `datafusion.execution.batch_size` into its parts.
            let is_engine_option = variable
                .first()
                .is_some_and(|first| first.value.eq_ignore_ascii_case("datafusion"));
            if is_engine_option || name == "all" {
                Ok(Action::Query)
            } else {
                Ok(Action::Show { name })
            }
        }
        Statement::Set(set) => classify_set(set, statement),
        Statement::StartTransaction { .. } => Ok(Action::Transaction(Transaction::Begin)),
        Statement::Commit { .. } => Ok(Action::Transaction(Transaction::Commit)),
        Statement::Rollback { .. } => Ok(Action::Transaction(Transaction::Rollback)),
        other => Err(refused(other, READ_ONLY)),
    }
}

/// Judges one statement as DataFusion's own parser gives it (with its extensions
/// `CREATE EXTERNAL TABLE`, `COPY … TO` and `RESET`, all refused).
pub fn classify_datafusion(statement: &DfStatement) -> Result<Action, Refused> {
    let what = match statement {
        DfStatement::Statement(statement) => return classify(statement),
        DfStatement::Explain(explain) => {
            return match classify_datafusion(&explain.statement)? {
                Action::Query => Ok(Action::Query),
                _ => Err(Refused {
                    what: "EXPLAIN of a statement that is not a query".to_owned(),
                    why: READ_ONLY,
                }),
            };
        }
        DfStatement::CreateExternalTable(_) => "CREATE EXTERNAL TABLE",
        DfStatement::CopyTo(_) => "COPY",
        DfStatement::Reset(_) => "RESET",
    };
    Err(Refused {
        what: what.to_owned(),
        why: READ_ONLY,
    })
}

fn classify_set(set: &Set, statement: &Statement) -> Result<Action, Refused> {
    let (name, value) = match set {
        Set::SingleAssignment {
            variable, values, ..
        } => (object_name(variable), join_values(values)),
        Set::SetTimeZone { value, .. } => ("timezone".to_owned(), expr_text(value)),
        Set::SetNames { charset_name, .. } => {
            ("client_encoding".to_owned(), charset_name.value.clone())
        }
        _ => return Err(refused(statement, SETTINGS)),
    };
    if ALLOWED_SETTINGS.contains(&name.as_str()) {
        Ok(Action::Set { name, value })
    } else {
        Err(Refused {
            what: format!("SET {name}"),
            why: SETTINGS,
        })
    }
}

const SETTINGS: &str = "only the client display settings (application_name, client_encoding, \
                        DateStyle, extra_float_digits, search_path, statement_timeout, TimeZone, \
                        …) may be set; the engine's options are fixed by the server";

/// Walks a query: no `SELECT … INTO`, no statements nested in it, only generator table
/// functions, no tables named by a path or URL.
fn check_query(query: &Query) -> Result<(), Refused> {
    match query.visit(&mut QueryGuard) {
        ControlFlow::Break(refused) => Err(refused),
        ControlFlow::Continue(()) => Ok(()),
    }
}

struct QueryGuard;

impl Visitor for QueryGuard {
    type Break = Refused;

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<Refused> {
        if let SetExpr::Select(select) = query.body.as_ref()
            && select.into.is_some()
        {
            return ControlFlow::Break(Refused {
                what: "SELECT … INTO".to_owned(),
                why: READ_ONLY,
            });
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_statement(&mut self, statement: &Statement) -> ControlFlow<Refused> {
        if matches!(statement, Statement::Query(_)) {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(refused(statement, READ_ONLY))
        }
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<Refused> {
        let function = match factor {
            TableFactor::Table {
                name,
                args: Some(_),
                ..
            } => Some(object_name(name)),
            TableFactor::Table {
                name, args: None, ..
            } => {
                let text = name.to_string();
                if text.contains('/') || text.contains("://") || text.contains('\\') {
                    return ControlFlow::Break(Refused {
                        what: format!("reading {text}"),
                        why: "queries read the lake's tables by name, never files by path",
                    });
                }
                None
            }
            TableFactor::Function { name, .. } => Some(object_name(name)),
            TableFactor::TableFunction { expr, .. } => Some(expr.to_string()),
            _ => None,
        };
        match function {
            Some(name)
                if !ALLOWED_TABLE_FUNCTIONS
                    .iter()
                    .any(|allowed| name.rsplit('.').next() == Some(allowed)) =>
            {
                ControlFlow::Break(Refused {
                    what: format!("the table function {name}"),
                    why: "only the row generators generate_series, range and unnest may be \
                          used in FROM; nothing may read files",
                })
            }
            _ => ControlFlow::Continue(()),
        }
    }
}

/// The statement's leading keywords (`CREATE TABLE`, `INSERT`, `COPY`), for messages.
fn refused(statement: &Statement, why: &'static str) -> Refused {
    let text = statement.to_string();
    let keywords: Vec<&str> = text
        .split_whitespace()
        .take_while(|word| word.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .take(3)
        .collect();
    let what = if keywords.is_empty() {
        "this statement".to_owned()
    } else {
        keywords.join(" ")
    };
    Refused { what, why }
}

fn object_name(name: &ObjectName) -> String {
    name.0
        .iter()
        .filter_map(|part| part.as_ident())
        .map(|ident| ident.value.to_lowercase())
        .collect::<Vec<_>>()
        .join(".")
}

fn words(idents: &[Ident]) -> String {
    idents
        .iter()
        .map(|ident| ident.value.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ")
}

fn join_values(values: &[Expr]) -> String {
    values.iter().map(expr_text).collect::<Vec<_>>().join(", ")
}

fn expr_text(expr: &Expr) -> String {
    match expr {
        Expr::Value(value) => match &value.value {
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => s.clone(),
            other => other.to_string(),
        },
        Expr::Identifier(ident) => ident.value.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests;
