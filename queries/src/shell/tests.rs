use datafusion::prelude::SessionConfig;

use super::*;

async fn shell(format: OutputFormat) -> Shell {
    let ctx = SessionContext::new_with_config(SessionConfig::new().with_information_schema(true));
    ctx.sql(
        "CREATE TABLE heartbeats AS VALUES ('r1', 'd1', 10.5), ('r1', 'd1', 20.5), ('r2', 'd2', 7.0)",
    )
    .await
    .unwrap();
    ctx.sql("CREATE TABLE rooms AS VALUES ('r1', 'Oslo'), ('r2', 'Lima')")
        .await
        .unwrap();
    ctx.sql("CREATE VIEW busy AS SELECT column1 AS room_id FROM heartbeats")
        .await
        .unwrap();
    Shell::new(ctx, format)
}

async fn run(shell: &Shell, input: &str) -> Result<String, ShellError> {
    let mut out = Vec::new();
    shell.execute(input, &mut out).await?;
    Ok(String::from_utf8(out).unwrap())
}

#[tokio::test]
async fn several_statements_run_in_order() {
    let shell = shell(OutputFormat::Csv).await;
    let out = run(
        &shell,
        "SELECT count(*) AS n FROM heartbeats; \
         SELECT r.column2 AS city, max(h.column3) AS top FROM heartbeats h \
         JOIN rooms r ON r.column1 = h.column1 GROUP BY 1 ORDER BY 1;",
    )
    .await
    .unwrap();
    assert_eq!(out, "n\n3\ncity,top\nLima,7.0\nOslo,20.5\n");
}

#[tokio::test]
async fn meta_commands_list_and_describe() {
    let shell = shell(OutputFormat::Table).await;
    let list = run(&shell, "\\d").await.unwrap();
    // Known tables first, with their meaning; then the others by name.
    let heartbeats = list.find("| heartbeats").unwrap();
    let busy = list.find("| busy").unwrap();
    assert!(heartbeats < busy, "{list}");
    assert!(list.contains("one row per device heartbeat"), "{list}");
    assert!(list.contains("| view "), "{list}");

    let described = run(&shell, "\\d rooms").await.unwrap();
    assert!(
        described.starts_with("rooms: the room directory"),
        "{described}"
    );
    assert!(described.contains("| column1 | Utf8"), "{described}");

    assert!(matches!(
        run(&shell, "\\d nowhere").await,
        Err(ShellError::UnknownTable { name }) if name == "nowhere"
    ));
    assert!(matches!(
        run(&shell, "\\x").await,
        Err(ShellError::UnknownCommand { .. })
    ));
    assert!(run(&shell, "\\?").await.unwrap().contains("\\d NAME"));
    let mut out = Vec::new();
    assert_eq!(shell.execute("\\q", &mut out).await.unwrap(), Flow::Quit);
}

#[tokio::test]
async fn errors_point_at_the_problem() {
    let shell = shell(OutputFormat::Table).await;
    let err = run(
        &shell,
        "SELECT column1\nFROM heartbeats\nWHERE column3 >>> 1;",
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ShellError::Parse { .. }), "{err:?}");
    let caret = err.caret().expect("a caret");
    assert!(caret.starts_with("LINE 3: WHERE column3 >>> 1;"), "{caret}");

    let err = run(&shell, "SELECT nosuch FROM heartbeats;")
        .await
        .unwrap_err();
    assert!(matches!(err, ShellError::Query { .. }), "{err:?}");
    let chain = format!("{:#}", anyhow_like(&err));
    assert!(chain.contains("nosuch"), "{chain}");
}

#[tokio::test]
async fn the_lake_is_read_only_from_the_shell() {
    let shell = shell(OutputFormat::Table).await;
    for sql in [
        "DROP TABLE heartbeats;",
        "INSERT INTO rooms VALUES ('r3', 'Rome');",
        "CREATE EXTERNAL TABLE x STORED AS CSV LOCATION '/etc/passwd';",
        "COPY heartbeats TO '/tmp/x.csv';",
    ] {
        let err = run(&shell, sql).await.unwrap_err();
        assert!(matches!(err, ShellError::Refused(_)), "{sql}: {err:?}");
    }
    // Nothing changed.
    let out = run(&shell, "SELECT count(*) AS n FROM rooms;")
        .await
        .unwrap();
    assert!(out.contains("| 2 |"), "{out}");
}

#[test]
fn input_is_complete_at_a_semicolon_outside_quotes_and_comments() {
    assert!(input_complete("SELECT 1;"));
    assert!(input_complete("SELECT 1;  \n"));
    assert!(input_complete("\\d heartbeats"));
    assert!(!input_complete("SELECT 1"));
    assert!(!input_complete("SELECT ';"));
    assert!(!input_complete("SELECT 1 -- done;"));
    assert!(input_complete("SELECT 'a;b';"));
    assert!(input_complete("SELECT 1 -- first\n;"));
}

/// The error and its sources, as the binary prints them.
fn anyhow_like(err: &ShellError) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
