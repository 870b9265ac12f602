//! The Postgres protocol handlers of one connection: simple and extended queries over the
//! connection's DataFusion session, through the read-only policy and the query limits.
//!
//! A query goes: Postgres-compatible parse (with the rewrites psql and BI tools' catalog
//! queries need) → [`policy::classify`] → DataFusion plan → [`read_only_sql_options`] check →
//! execution as a stream under a [`Deadline`] → rows encoded by `arrow-pg`. `SET` of client
//! settings, `SHOW` of Postgres settings and transaction statements are answered here.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use datafusion::arrow::array::{ArrayRef, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;
use datafusion::sql::parser::{DFParser, Statement as DfStatement};
use datafusion::sql::sqlparser::ast::Statement;
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion_pg_catalog::sql::PostgresCompatibilityParser;
use futures::{Sink, StreamExt, stream};
use pgwire::api::portal::{Format, Portal};
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::results::{FieldInfo, QueryResponse, Response, Tag};
use pgwire::api::stmt::QueryParser;
use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore, Type};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use pgwire::types::format::FormatOptions;
use tokio::time::Instant;
use tracing::{debug, info};

use super::cancel::{Cancels, SessionCancel, cancelled};
use super::limits::{Deadline, Limits};
use super::policy::{self, Action, Refused, Transaction, read_only_sql_options};
use crate::shell::location::{char_offset, locate, locate_in_message};

const STATEMENT_TIMEOUT: &str = "statement_timeout";

/// A statement parsed by the extended protocol's Parse message.
#[derive(Clone, Debug)]
pub(crate) enum Prepared {
    /// A DataFusion plan, possibly with `$1`… placeholders.
    Query(Box<LogicalPlan>),
    /// A statement answered without DataFusion (`SET`, `SHOW`, `BEGIN`).
    Local(Action),
}

/// The query handlers of one connection.
pub(crate) struct SessionHandler {
    ctx: SessionContext,
    parser: Arc<SessionParser>,
    limits: Limits,
    cancel: SessionCancel,
}

impl SessionHandler {
    pub(crate) fn new(ctx: SessionContext, limits: Limits, cancels: Arc<Cancels>) -> Self {
        let parser = Arc::new(SessionParser {
            ctx: ctx.clone(),
            sql: PostgresCompatibilityParser::new(),
        });
        SessionHandler {
            ctx,
            parser,
            limits,
            cancel: SessionCancel::new(cancels),
        }
    }

    /// The time limit of the next query: the server's, or the client's `statement_timeout`
    /// when that is shorter (0 means "none" in Postgres, so the server's).
    fn timeout<C: ClientInfo>(&self, client: &C) -> Duration {
        client
            .metadata()
            .get(STATEMENT_TIMEOUT)
            .and_then(|value| parse_duration(value))
            .filter(|own| !own.is_zero())
            .map_or(self.limits.timeout, |own| own.min(self.limits.timeout))
    }

    async fn run_plan<C: ClientInfo>(
        &self,
        client: &C,
        plan: LogicalPlan,
        format: &Format,
        deadline: Instant,
        timeout: Duration,
    ) -> PgWireResult<Response> {
        read_only_sql_options()
            .verify_plan(&plan)
            .map_err(|e| refused_by_planner(&e))?;
        let options = Arc::new(FormatOptions::from_client_metadata(client.metadata()));
        let fields = Arc::new(arrow_pg::datatypes::arrow_schema_to_pg_fields(
            plan.schema().as_arrow(),
            format,
            Some(options),
        )?);
        let started = tokio::time::timeout_at(deadline, async {
            let df = self.ctx.execute_logical_plan(plan).await?;
            df.execute_stream().await
        })
        .await
        .map_err(|_| query_error(&timed_out(timeout), None))?
        .map_err(|e| query_error(&e, None))?;
        let limited = Deadline::new(started, deadline, timeout)
            .with_cancel(cancelled(self.cancel.watch(client)));
        let rows = rows_of(fields.clone(), limited);
        Ok(Response::Query(QueryResponse::new(fields, rows)))
    }

    fn answer_local<C: ClientInfo>(
        &self,
        client: &mut C,
        action: Action,
    ) -> PgWireResult<Response> {
        match action {
            Action::Query => Err(internal("a query reached the local answers")),
            Action::Set { name, value } => {
                if name == STATEMENT_TIMEOUT && parse_duration(&value).is_none() {
                    return Err(user_error(
                        "22023",
                        format!(
                            "invalid value for statement_timeout: {value:?} (use e.g. 5000 or '5s')"
                        ),
                    ));
                }
                client.metadata_mut().insert(name, value);
                Ok(Response::Execution(Tag::new("SET")))
            }
            Action::Show { name } => {
                let value = show_value(client, &name, self.limits)?;
                let batch = single_value(&name, &value)?;
                let fields = Arc::new(arrow_pg::datatypes::arrow_schema_to_pg_fields(
                    batch.schema().as_ref(),
                    &Format::UnifiedText,
                    None,
                )?);
                let rows = rows_of(fields.clone(), stream::iter([Ok(batch)]));
                Ok(Response::Query(QueryResponse::new(fields, rows)))
            }
            Action::Transaction(Transaction::Begin) => {
                Ok(Response::TransactionStart(Tag::new("BEGIN")))
            }
            Action::Transaction(Transaction::Commit) => {
                Ok(Response::TransactionEnd(Tag::new("COMMIT")))
            }
            Action::Transaction(Transaction::Rollback) => {
                Ok(Response::TransactionEnd(Tag::new("ROLLBACK")))
            }
        }
    }
}

/// Parses the extended protocol's statements (shared by Parse and Describe).
pub(crate) struct SessionParser {
    ctx: SessionContext,
    sql: PostgresCompatibilityParser,
}

impl SessionParser {
    /// Parses `sql` into statements, or says why not: a syntax error with its position, or a
    /// refused DataFusion extension (`CREATE EXTERNAL TABLE`, `COPY … TO`).
    fn parse(&self, sql: &str) -> PgWireResult<Vec<Statement>> {
        match self.sql.parse(sql) {
            Ok(statements) => Ok(statements),
            Err(parse_error) => {
                // DataFusion's own statements do not parse as Postgres: say they are refused
                // rather than misspelt.
                let datafusion = DFParser::parse_sql_with_dialect(sql, &PostgreSqlDialect {});
                if let Ok(statements) = &datafusion {
                    for statement in statements {
                        if !matches!(statement, DfStatement::Statement(_))
                            && let Err(refused) = policy::classify_datafusion(statement)
                        {
                            return Err(refusal(&refused));
                        }
                    }
                }
                let message = format!("syntax error: {parse_error}");
                // The compatibility parser's message has no position; DataFusion's own parser
                // says where it stopped.
                let position = locate_in_message(&message)
                    .or_else(|| {
                        datafusion
                            .err()
                            .and_then(|e| locate_in_message(&e.to_string()))
                    })
                    .and_then(|at| char_offset(sql, at));
                Err(PgWireError::UserError(Box::new(with_position(
                    ErrorInfo::new("ERROR".to_owned(), "42601".to_owned(), message),
                    position,
                ))))
            }
        }
    }

    async fn plan(&self, statement: Statement, sql: &str) -> PgWireResult<LogicalPlan> {
        self.ctx
            .state()
            .statement_to_plan(DfStatement::Statement(Box::new(statement)))
            .await
            .map_err(|e| query_error(&e, Some(sql)))
    }
}

#[async_trait]
impl QueryParser for SessionParser {
    type Statement = Prepared;

    async fn parse_sql<C>(
        &self,
        _client: &C,
        sql: &str,
        _types: &[Option<Type>],
    ) -> PgWireResult<Option<Prepared>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        debug!(sql, "parse");
        let mut statements = self.parse(sql)?;
        if statements.len() > 1 {
            return Err(user_error(
                "42601",
                "a prepared statement holds one SQL statement; send them one at a time".to_owned(),
            ));
        }
        let Some(statement) = statements.pop() else {
            return Ok(None);
        };
        match policy::classify(&statement).map_err(|r| refusal(&r))? {
            Action::Query => {
                let plan = self.plan(statement, sql).await?;
                Ok(Some(Prepared::Query(Box::new(plan))))
            }
            local => Ok(Some(Prepared::Local(local))),
        }
    }

    fn get_parameter_types(&self, statement: &Prepared) -> PgWireResult<Vec<Type>> {
        let Prepared::Query(plan) = statement else {
            return Ok(vec![]);
        };
        parameter_types(plan)?
            .iter()
            .map(|data_type| match data_type {
                Some(data_type) => arrow_pg::datatypes::into_pg_type(data_type),
                None => Ok(Type::UNKNOWN),
            })
            .collect()
    }

    fn get_result_schema(
        &self,
        statement: &Prepared,
        format: Option<&Format>,
    ) -> PgWireResult<Vec<FieldInfo>> {
        match statement {
            Prepared::Query(plan) => arrow_pg::datatypes::arrow_schema_to_pg_fields(
                plan.schema().as_arrow(),
                format.unwrap_or(&Format::UnifiedText),
                None,
            ),
            Prepared::Local(Action::Show { name }) => {
                arrow_pg::datatypes::arrow_schema_to_pg_fields(
                    &Schema::new(vec![Field::new(name, DataType::Utf8, false)]),
                    format.unwrap_or(&Format::UnifiedText),
                    None,
                )
            }
            Prepared::Local(_) => Ok(vec![]),
        }
    }
}

#[async_trait]
impl SimpleQueryHandler for SessionHandler {
    async fn do_query<C>(&self, client: &mut C, sql: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: std::fmt::Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        info!(sql, "query");
        let statements = self.parser.parse(sql)?;
        if statements.is_empty() {
            return Ok(vec![Response::EmptyQuery]);
        }
        let mut responses = Vec::with_capacity(statements.len());
        for statement in statements {
            let timeout = self.timeout(client);
            let deadline = Instant::now() + timeout;
            let response = match policy::classify(&statement).map_err(|r| refusal(&r))? {
                Action::Query => {
                    let plan = tokio::time::timeout_at(deadline, self.parser.plan(statement, sql))
                        .await
                        .map_err(|_| query_error(&timed_out(timeout), None))??;
                    self.run_plan(client, plan, &Format::UnifiedText, deadline, timeout)
                        .await?
                }
                local => self.answer_local(client, local)?,
            };
            responses.push(response);
        }
        Ok(responses)
    }
}

#[async_trait]
impl ExtendedQueryHandler for SessionHandler {
    type Statement = Prepared;
    type QueryParser = SessionParser;

    fn query_parser(&self) -> Arc<SessionParser> {
        self.parser.clone()
    }

    async fn do_query<C>(
        &self,
        client: &mut C,
        portal: &Portal<Prepared>,
        _max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Prepared>,
        C::Error: std::fmt::Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        match &portal.statement.statement {
            Prepared::Local(action) => self.answer_local(client, action.clone()),
            Prepared::Query(plan) => {
                info!(sql = %portal.statement.id, "execute");
                let timeout = self.timeout(client);
                let deadline = Instant::now() + timeout;
                let types = parameter_types(plan)?;
                let type_refs: Vec<Option<&DataType>> = types.iter().map(Option::as_ref).collect();
                let values = arrow_pg::datatypes::df::deserialize_parameters(portal, &type_refs)?;
                let plan = plan
                    .as_ref()
                    .clone()
                    .replace_params_with_values(&values)
                    .map_err(|e| query_error(&e, None))?;
                self.run_plan(
                    client,
                    plan,
                    &portal.result_column_format,
                    deadline,
                    timeout,
                )
                .await
            }
        }
    }
}

/// The plan's placeholders `$1`, `$2`, … in order, with the types DataFusion inferred.
fn parameter_types(plan: &LogicalPlan) -> PgWireResult<Vec<Option<DataType>>> {
    let types = plan
        .get_parameter_types()
        .map_err(|e| query_error(&e, None))?;
    let mut numbered: Vec<(usize, Option<DataType>)> = types
        .into_iter()
        .filter_map(|(id, data_type)| {
            id.trim_start_matches('$')
                .parse::<usize>()
                .ok()
                .map(|n| (n, data_type))
        })
        .collect();
    numbered.sort_by_key(|(n, _)| *n);
    Ok(numbered
        .into_iter()
        .map(|(_, data_type)| data_type)
        .collect())
}

/// Encodes record batches as Postgres data rows; an error (the memory pool, the deadline)
/// ends the stream and reaches the client as an ErrorResponse.
fn rows_of<S>(
    fields: Arc<Vec<FieldInfo>>,
    batches: S,
) -> impl futures::Stream<Item = PgWireResult<pgwire::messages::data::DataRow>> + Send + 'static
where
    S: futures::Stream<Item = Result<RecordBatch, DataFusionError>> + Send + 'static,
{
    batches
        .map(move |batch| {
            let rows: Box<dyn Iterator<Item = _> + Send> = match batch {
                Ok(batch) => arrow_pg::datatypes::encode_recordbatch(fields.clone(), batch),
                Err(e) => Box::new(std::iter::once(Err(query_error(&e, None)))),
            };
            stream::iter(rows)
        })
        .flatten()
}

fn show_value<C: ClientInfo>(client: &C, name: &str, limits: Limits) -> PgWireResult<String> {
    let from_client = |key: &str, default: &str| {
        client
            .metadata()
            .get(key)
            .cloned()
            .unwrap_or_else(|| default.to_owned())
    };
    let value = match name {
        "transaction isolation level"
        | "transaction_isolation"
        | "default_transaction_isolation" => "read committed".to_owned(),
        "transaction_read_only" | "default_transaction_read_only" => "on".to_owned(),
        "server_version" => "16.6".to_owned(),
        "server_version_num" => "160006".to_owned(),
        "server_encoding" => "UTF8".to_owned(),
        "standard_conforming_strings" | "integer_datetimes" => "on".to_owned(),
        "max_identifier_length" => "63".to_owned(),
        "is_superuser" => "off".to_owned(),
        "lc_collate" | "lc_ctype" => "C".to_owned(),
        "client_encoding" => from_client("client_encoding", "UTF8"),
        "search_path" => from_client("search_path", "public"),
        "timezone" | "time zone" => from_client("timezone", "UTC"),
        "datestyle" => from_client("datestyle", "ISO, YMD"),
        "intervalstyle" => from_client("intervalstyle", "postgres"),
        "application_name" => from_client("application_name", ""),
        "extra_float_digits" => from_client("extra_float_digits", "1"),
        "statement_timeout" => from_client(
            STATEMENT_TIMEOUT,
            &format!("{}ms", limits.timeout.as_millis()),
        ),
        other => {
            return Err(user_error(
                "42704",
                format!("unrecognized configuration parameter \"{other}\""),
            ));
        }
    };
    Ok(value)
}

fn single_value(name: &str, value: &str) -> PgWireResult<RecordBatch> {
    let schema = Arc::new(Schema::new(vec![Field::new(name, DataType::Utf8, false)]));
    let column: ArrayRef = Arc::new(StringArray::from(vec![value.to_owned()]));
    RecordBatch::try_new(schema, vec![column]).map_err(|e| internal(&e.to_string()))
}

/// Postgres' `statement_timeout` values: milliseconds, or a number with a unit.
fn parse_duration(value: &str) -> Option<Duration> {
    let value = value.trim().trim_matches('\'').trim();
    let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
    let amount: u64 = digits.parse().ok()?;
    let unit = value[digits.len()..].trim().to_lowercase();
    let millis = match unit.as_str() {
        "" | "ms" => amount,
        "s" => amount.checked_mul(1000)?,
        "min" => amount.checked_mul(60_000)?,
        "h" => amount.checked_mul(3_600_000)?,
        _ => return None,
    };
    Some(Duration::from_millis(millis))
}

fn timed_out(timeout: Duration) -> DataFusionError {
    DataFusionError::ResourcesExhausted(super::limits::timeout_message(timeout))
}

/// A DataFusion error as the client sees it: its SQLSTATE class, DataFusion's message, and the
/// position in the query when DataFusion knows it.
pub(crate) fn query_error(error: &DataFusionError, sql: Option<&str>) -> PgWireError {
    let root = error.find_root();
    let (code, message) = match root {
        DataFusionError::ResourcesExhausted(message) if message.starts_with("canceling") => {
            ("57014", message.clone())
        }
        DataFusionError::ResourcesExhausted(message) => (
            "53200",
            format!(
                "the query needs more memory than the server allows per query ({message}); \
                 narrow it (a date range on `date`, fewer rooms) or ask the operator for a \
                 larger --query-memory-mb"
            ),
        ),
        DataFusionError::SQL(..) => ("42601", root.to_string()),
        DataFusionError::Plan(_) | DataFusionError::SchemaError(..) => ("42P01", root.to_string()),
        DataFusionError::NotImplemented(_) => ("0A000", root.to_string()),
        _ => ("XX000", error.to_string()),
    };
    let position = sql.and_then(|sql| locate(error).and_then(|at| char_offset(sql, at)));
    PgWireError::UserError(Box::new(with_position(
        ErrorInfo::new("ERROR".to_owned(), code.to_owned(), message),
        position,
    )))
}

fn refused_by_planner(error: &DataFusionError) -> PgWireError {
    user_error(
        "25006",
        format!("{error}; roomsight's SQL is read-only over the lake"),
    )
}

fn refusal(refused: &Refused) -> PgWireError {
    info!(what = %refused.what, "refused");
    user_error("25006", refused.to_string())
}

fn with_position(mut info: ErrorInfo, position: Option<usize>) -> ErrorInfo {
    info.position = position.map(|p| p.to_string());
    info
}

fn user_error(code: &str, message: String) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".to_owned(),
        code.to_owned(),
        message,
    )))
}

fn internal(what: &str) -> PgWireError {
    user_error(
        "XX000",
        format!("internal error in roomsight serve (a bug, please report it): {what}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_timeouts_parse_like_postgres() {
        assert_eq!(parse_duration("5000"), Some(Duration::from_millis(5000)));
        assert_eq!(parse_duration("'5s'"), Some(Duration::from_secs(5)));
        assert_eq!(parse_duration("2 min"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("0"), Some(Duration::ZERO));
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("5 fortnights"), None);
    }
}
