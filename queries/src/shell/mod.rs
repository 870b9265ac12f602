//! `roomsight sql`: the analysts' shell over the catalog.
//!
//! [`Shell::execute`] runs one input — SQL statements separated by `;`, or a meta-command
//! (`\d`, `\d NAME`, `\?`, `\q`) — and writes results to a writer in the chosen
//! [`OutputFormat`]. The line editing and history live in the binary (`roomsight sql`); this
//! module owns what an input means. The lake is read-only through the shell, by the same
//! [`policy`](crate::server::policy) as the server. A failed statement is a [`ShellError`]
//! whose [`caret`](ShellError::caret) points at the problem in the query text when DataFusion
//! or its parser knows where it is.

pub mod docs;
pub mod format;
pub mod location;

use std::io::Write;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use datafusion::sql::parser::DFParser;
use datafusion::sql::sqlparser::dialect::GenericDialect;

pub use format::OutputFormat;

use crate::server::policy::{self, Action, Refused};

/// What the caller should do after an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Read the next input.
    Continue,
    /// The user asked to leave (`\q`).
    Quit,
}

/// Why an input failed. The user's doing in every case but [`ShellError::Write`].
#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    /// The read-only policy refused a statement.
    #[error(transparent)]
    Refused(#[from] Refused),
    /// The text is not SQL DataFusion can parse.
    #[error("the SQL does not parse")]
    Parse {
        /// The parser's error (it names what it expected and found).
        source: DataFusionError,
        /// The query line with a caret under the problem.
        caret: Option<String>,
    },
    /// The statement parsed but failed to plan or run.
    #[error("the query failed")]
    Query {
        /// DataFusion's error.
        source: DataFusionError,
        /// The query line with a caret under the problem, when DataFusion knows where it is.
        caret: Option<String>,
    },
    /// `\d NAME` of a name the catalog does not have.
    #[error("there is no table or view named `{name}`; `\\d` lists them")]
    UnknownTable {
        /// The name asked for.
        name: String,
    },
    /// A backslash command the shell does not know.
    #[error("unknown command `{command}`; `\\?` lists the commands")]
    UnknownCommand {
        /// The command as typed.
        command: String,
    },
    /// `SET` and `SHOW` of Postgres client settings mean something only to the server.
    #[error("`{what}` is for `roomsight serve` sessions; the shell has no client settings")]
    ServerOnly {
        /// The statement.
        what: String,
    },
    /// Writing the result failed (a closed pipe, a full disk): the environment's doing.
    #[error("cannot write the result")]
    Write(#[source] datafusion::arrow::error::ArrowError),
}

impl ShellError {
    /// The query line with a caret under the problem, when known.
    pub fn caret(&self) -> Option<&str> {
        match self {
            ShellError::Parse { caret, .. } | ShellError::Query { caret, .. } => caret.as_deref(),
            _ => None,
        }
    }
}

/// The help of `\?`.
pub const HELP: &str = "\
SQL statements end with `;` (several per line are fine). The lake is read-only here.
  \\d          list tables and views, with what each holds
  \\d NAME     columns of a table or view: type, nullability, meaning
  \\?          this help
  \\q          quit (Ctrl-D also works)
Example: SELECT room_id, count(*) FROM heartbeats WHERE date >= DATE '2026-11-01' GROUP BY 1;";

/// The shell over one session.
#[derive(Clone)]
pub struct Shell {
    ctx: SessionContext,
    format: OutputFormat,
    timing: bool,
}

impl Shell {
    /// A shell over `ctx` (the catalog's session) printing results as `format`.
    pub fn new(ctx: SessionContext, format: OutputFormat) -> Self {
        Shell {
            ctx,
            format,
            timing: false,
        }
    }

    /// Also writes `Time: … ms` (planning to last row) after each statement's result, like
    /// psql's `\timing`.
    pub fn with_timing(mut self, timing: bool) -> Self {
        self.timing = timing;
        self
    }

    /// Runs `input` — a meta-command, or SQL statements run in order, stopping at the
    /// first that fails — writing each result to `out`.
    pub async fn execute(&self, input: &str, out: &mut dyn Write) -> Result<Flow, ShellError> {
        let trimmed = input.trim();
        if let Some(command) = trimmed.strip_prefix('\\') {
            return self.meta(command.trim().trim_end_matches(';'), out).await;
        }
        let statements =
            DFParser::parse_sql_with_dialect(input, &GenericDialect {}).map_err(|source| {
                ShellError::Parse {
                    caret: caret_for(&source, input),
                    source,
                }
            })?;
        for statement in statements {
            match policy::classify_datafusion(&statement)? {
                Action::Query => {}
                Action::Transaction(_) => continue,
                Action::Set { .. } | Action::Show { .. } => {
                    return Err(ShellError::ServerOnly {
                        what: statement.to_string(),
                    });
                }
            }
            let failed = |source: DataFusionError| ShellError::Query {
                caret: caret_for(&source, input),
                source,
            };
            let started = std::time::Instant::now();
            let plan = self
                .ctx
                .state()
                .statement_to_plan(statement)
                .await
                .map_err(failed)?;
            policy::read_only_sql_options()
                .verify_plan(&plan)
                .map_err(failed)?;
            let df = self.ctx.execute_logical_plan(plan).await.map_err(failed)?;
            let schema = Arc::new(df.schema().as_arrow().clone());
            let batches = df.collect().await.map_err(failed)?;
            let elapsed = started.elapsed();
            format::write_result(out, self.format, &schema, &batches).map_err(ShellError::Write)?;
            if self.timing {
                writeln!(out, "Time: {:.3} ms", elapsed.as_secs_f64() * 1000.0)
                    .map_err(|e| ShellError::Write(e.into()))?;
            }
        }
        Ok(Flow::Continue)
    }

    async fn meta(&self, command: &str, out: &mut dyn Write) -> Result<Flow, ShellError> {
        let mut words = command.split_whitespace();
        match (words.next(), words.next()) {
            (Some("q"), None) => Ok(Flow::Quit),
            (Some("?"), None) => {
                writeln!(out, "{HELP}").map_err(|e| ShellError::Write(e.into()))?;
                Ok(Flow::Continue)
            }
            (Some("d"), None) => self.list_tables(out).await,
            (Some("d"), Some(name)) => self.describe(name, out).await,
            _ => Err(ShellError::UnknownCommand {
                command: format!("\\{command}"),
            }),
        }
    }

    /// `\d`: every table and view of the default schema, known ones first, with meanings.
    async fn list_tables(&self, out: &mut dyn Write) -> Result<Flow, ShellError> {
        let state = self.ctx.state();
        let options = state.config().options();
        let schema = self
            .ctx
            .catalog(&options.catalog.default_catalog)
            .and_then(|catalog| catalog.schema(&options.catalog.default_schema));
        let mut names = schema.map(|s| s.table_names()).unwrap_or_default();
        let rank = |name: &str| {
            docs::TABLES
                .iter()
                .position(|(known, _)| *known == name)
                .unwrap_or(usize::MAX)
        };
        names.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
        let mut kinds = Vec::with_capacity(names.len());
        for name in &names {
            let provider = self.ctx.table_provider(name.as_str()).await;
            let kind = match provider.map(|p| p.table_type()) {
                Ok(datafusion::datasource::TableType::View) => "view",
                _ => "table",
            };
            kinds.push(kind.to_owned());
        }
        let meanings: Vec<String> = names
            .iter()
            .map(|name| docs::table_meaning(name).unwrap_or("").to_owned())
            .collect();
        self.write_listing(
            out,
            &[("name", names), ("type", kinds), ("meaning", meanings)],
        )
    }

    /// `\d NAME`: the columns of one table or view.
    async fn describe(&self, name: &str, out: &mut dyn Write) -> Result<Flow, ShellError> {
        let provider =
            self.ctx
                .table_provider(name)
                .await
                .map_err(|_| ShellError::UnknownTable {
                    name: name.to_owned(),
                })?;
        let schema = provider.schema();
        let table = name.rsplit('.').next().unwrap_or(name);
        let mut columns = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for field in schema.fields() {
            columns.0.push(field.name().clone());
            columns.1.push(field.data_type().to_string());
            columns
                .2
                .push(if field.is_nullable() { "yes" } else { "no" }.to_owned());
            columns.3.push(
                docs::column_meaning(table, field.name())
                    .unwrap_or("")
                    .to_owned(),
            );
        }
        if let Some(meaning) = docs::table_meaning(table) {
            writeln!(out, "{table}: {meaning}").map_err(|e| ShellError::Write(e.into()))?;
        }
        self.write_listing(
            out,
            &[
                ("column", columns.0),
                ("type", columns.1),
                ("nullable", columns.2),
                ("meaning", columns.3),
            ],
        )
    }

    fn write_listing(
        &self,
        out: &mut dyn Write,
        columns: &[(&str, Vec<String>)],
    ) -> Result<Flow, ShellError> {
        let schema = Arc::new(Schema::new(
            columns
                .iter()
                .map(|(name, _)| Field::new(*name, DataType::Utf8, false))
                .collect::<Vec<_>>(),
        ));
        let arrays: Vec<ArrayRef> = columns
            .iter()
            .map(|(_, values)| Arc::new(StringArray::from(values.clone())) as ArrayRef)
            .collect();
        let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(ShellError::Write)?;
        format::write_result(out, self.format, &schema, &[batch]).map_err(ShellError::Write)?;
        Ok(Flow::Continue)
    }
}

/// Whether `buffer` holds a complete input: a meta-command, or SQL ending with `;` outside
/// quotes and comments (the interactive shell keeps reading lines until then).
pub fn input_complete(buffer: &str) -> bool {
    let trimmed = buffer.trim();
    if trimmed.starts_with('\\') {
        return true;
    }
    let mut quote: Option<char> = None;
    let mut last_significant = None;
    let mut chars = trimmed.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(c),
                '-' if chars.peek() == Some(&'-') => {
                    // A line comment runs to the end of its line.
                    for next in chars.by_ref() {
                        if next == '\n' {
                            break;
                        }
                    }
                    continue;
                }
                c if c.is_whitespace() => continue,
                _ => {}
            },
        }
        last_significant = Some(c);
    }
    quote.is_none() && last_significant == Some(';')
}

fn caret_for(error: &DataFusionError, sql: &str) -> Option<String> {
    location::locate(error).and_then(|at| location::caret(sql, at))
}

#[cfg(test)]
mod tests;
