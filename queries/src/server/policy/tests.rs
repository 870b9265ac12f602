use datafusion::sql::parser::DFParser;
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;

use super::*;

fn judge(sql: &str) -> Result<Action, Refused> {
    let mut statements =
        DFParser::parse_sql_with_dialect(sql, &PostgreSqlDialect {}).expect("test SQL parses");
    assert_eq!(statements.len(), 1, "one statement in {sql}");
    classify_datafusion(&statements.pop_front().expect("one statement"))
}

fn refused_what(sql: &str) -> String {
    match judge(sql) {
        Err(refused) => refused.what,
        Ok(action) => panic!("{sql} was allowed as {action:?}"),
    }
}

#[test]
fn queries_and_their_explains_are_allowed() {
    for sql in [
        "SELECT room_id, count(*) FROM heartbeats WHERE date = DATE '2026-11-02' GROUP BY 1",
        "WITH x AS (SELECT 1 AS a) SELECT * FROM x JOIN rooms USING (a)",
        "EXPLAIN SELECT * FROM heartbeats",
        "EXPLAIN ANALYZE SELECT count(*) FROM logs",
        "SELECT * FROM generate_series(1, 10)",
        "SELECT * FROM pg_catalog.pg_class WHERE relname IN (SELECT 'x')",
        "DESCRIBE heartbeats",
        "SHOW TABLES",
        "SHOW datafusion.execution.batch_size",
    ] {
        assert_eq!(judge(sql), Ok(Action::Query), "{sql}");
    }
}

#[test]
fn every_writing_statement_class_is_refused_by_name() {
    for (sql, what) in [
        ("CREATE TABLE t (a INT)", "CREATE TABLE"),
        ("CREATE TABLE t AS SELECT 1", "CREATE TABLE"),
        ("CREATE VIEW v AS SELECT 1", "CREATE VIEW"),
        (
            "INSERT INTO heartbeats SELECT * FROM heartbeats",
            "INSERT INTO",
        ),
        ("DELETE FROM heartbeats", "DELETE FROM"),
        ("UPDATE rooms SET name = 'x'", "UPDATE"),
        ("DROP TABLE heartbeats", "DROP TABLE"),
        ("COPY heartbeats TO '/tmp/out.parquet'", "COPY"),
        (
            "CREATE EXTERNAL TABLE x STORED AS CSV LOCATION '/etc/passwd'",
            "CREATE EXTERNAL TABLE",
        ),
        // EXPLAIN ANALYZE would run it: refused as what it explains.
        (
            "EXPLAIN ANALYZE INSERT INTO rooms VALUES (1)",
            "INSERT INTO",
        ),
        ("RESET datafusion.execution.batch_size", "RESET"),
    ] {
        assert_eq!(refused_what(sql), what, "{sql}");
    }
}

#[test]
fn files_are_never_read_from_a_query() {
    assert_eq!(
        refused_what("SELECT * FROM read_csv('/etc/passwd')"),
        "the table function read_csv"
    );
    assert_eq!(
        refused_what("SELECT * FROM parquet_metadata('x.parquet')"),
        "the table function parquet_metadata"
    );
    assert_eq!(
        refused_what(r#"SELECT * FROM "/etc/passwd""#),
        r#"reading "/etc/passwd""#
    );
    assert_eq!(
        refused_what("SELECT * INTO newtable FROM heartbeats"),
        "SELECT … INTO"
    );
    // Nested in a subquery is no way around it.
    assert_eq!(
        refused_what("SELECT * FROM rooms WHERE room_id IN (SELECT c FROM read_parquet('/x'))"),
        "the table function read_parquet"
    );
}

#[test]
fn only_client_display_settings_may_be_set() {
    assert_eq!(
        judge("SET extra_float_digits = 3"),
        Ok(Action::Set {
            name: "extra_float_digits".to_owned(),
            value: "3".to_owned()
        })
    );
    assert_eq!(
        judge("SET application_name = 'Metabase'"),
        Ok(Action::Set {
            name: "application_name".to_owned(),
            value: "Metabase".to_owned()
        })
    );
    assert_eq!(
        judge("SET TIME ZONE 'Europe/Paris'"),
        Ok(Action::Set {
            name: "timezone".to_owned(),
            value: "Europe/Paris".to_owned()
        })
    );
    assert_eq!(
        refused_what("SET datafusion.runtime.memory_limit = '100G'"),
        "SET datafusion.runtime.memory_limit"
    );
    assert_eq!(
        refused_what("SET datafusion.execution.target_partitions = 64"),
        "SET datafusion.execution.target_partitions"
    );
}

#[test]
fn transactions_and_pg_settings_are_answered_locally() {
    assert_eq!(judge("BEGIN"), Ok(Action::Transaction(Transaction::Begin)));
    assert_eq!(
        judge("COMMIT"),
        Ok(Action::Transaction(Transaction::Commit))
    );
    assert_eq!(
        judge("ROLLBACK"),
        Ok(Action::Transaction(Transaction::Rollback))
    );
    assert_eq!(
        judge("SHOW transaction isolation level"),
        Ok(Action::Show {
            name: "transaction isolation level".to_owned()
        })
    );
}
