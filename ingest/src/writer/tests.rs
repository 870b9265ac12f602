//! Tests of the writer against a lake in a temporary directory.

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use bytes::Bytes;
use object_store::ObjectStoreExt;
use object_store::path::Path;
use tokio::runtime::Runtime;

use super::*;
use crate::lake::encode::decode;
use crate::lake::log::SourceRange;

const SOURCE: &str = "kafka:room-telemetry";

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-26T12:00:00Z").unwrap()
}

fn heartbeat(id: &str, ts: &str) -> String {
    format!(
        r#"{{"schema":"roomsight.telemetry/v1","type":"heartbeat","event_id":"{id}","ts":"{ts}","device_id":"dev-1","room_id":"room-1","platform":"windows","app_version":"5.2","os_version":"10.0","teams_signed_in":true,"exchange_signed_in":true,"cpu_pct":10,"mem_pct":40,"uptime_s":60}}"#
    )
}

fn log_line(id: &str, message: &str) -> String {
    format!(
        r#"{{"schema":"roomsight.telemetry/v1","type":"log","event_id":"{id}","ts":"2026-11-26T11:00:00Z","device_id":"dev-1","room_id":"room-1","level":"warning","source":"calendar","message":"{message}"}}"#
    )
}

struct Fixture {
    _dir: tempfile::TempDir,
    runtime: Runtime,
    lake: Lake,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
    Fixture {
        _dir: dir,
        runtime: Runtime::new().unwrap(),
        lake,
    }
}

impl Fixture {
    fn writer(&self, id: &str) -> LakeWriter {
        let config = WriterConfig {
            writer_id: id.into(),
            ..WriterConfig::default()
        };
        LakeWriter::open(
            self.lake.clone(),
            self.runtime.handle().clone(),
            config,
            Arc::new(Metrics::new()),
        )
        .unwrap()
    }

    /// Every live row of `table`, read back from the published files.
    fn rows(&self, table: Table) -> Vec<RecordBatch> {
        let state = self.runtime.block_on(self.lake.state()).unwrap();
        let mut batches = Vec::new();
        for file in state.files.values().filter(|f| f.table == table.name()) {
            let bytes: Bytes = self.runtime.block_on(async {
                let got = self
                    .lake
                    .store()
                    .get(&Path::from(file.path.as_str()))
                    .await
                    .unwrap();
                got.bytes().await.unwrap()
            });
            batches.extend(decode(bytes, None).unwrap());
        }
        batches
    }

    fn strings(&self, table: Table, column: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .rows(table)
            .iter()
            .flat_map(|b| {
                let a = b.column_by_name(column).unwrap().as_string::<i32>();
                a.iter()
                    .map(|v| v.unwrap_or_default().to_string())
                    .collect::<Vec<_>>()
            })
            .collect();
        out.sort();
        out
    }
}

fn kafka(partition: i32, offset: i64) -> Message<'static> {
    Message {
        source: SOURCE,
        partition,
        offset,
        origin: Origin::Kafka {
            topic: "room-telemetry",
            partition,
            offset,
        },
    }
}

#[test]
fn valid_rows_and_dead_letters_commit_together_with_their_offsets() {
    let f = fixture();
    let mut w = f.writer("w1");
    let hb = heartbeat("e1", "2026-11-26T10:00:00Z");
    assert_eq!(
        w.accept(&kafka(0, 0), hb.as_bytes(), now()),
        Accepted::Row(Table::Heartbeats)
    );
    assert_eq!(
        w.accept(&kafka(0, 1), b"{not json", now()),
        Accepted::DeadLetter(Reason::Malformed)
    );
    let late = heartbeat("e2", "2026-11-20T23:59:59Z");
    assert_eq!(
        w.accept(&kafka(1, 7), late.as_bytes(), now()),
        Accepted::Row(Table::Heartbeats)
    );
    let flushed = w.flush().unwrap().unwrap();
    assert_eq!(flushed.version, 1);
    assert_eq!(flushed.rows(), 3);

    let state = f.runtime.block_on(f.lake.state()).unwrap();
    assert_eq!(
        state.source_offsets(SOURCE),
        BTreeMap::from([(0, 2), (1, 8)])
    );
    let mut dirs: Vec<_> = state
        .files
        .keys()
        .map(|p| p.rsplit_once('/').unwrap().0.to_string())
        .collect();
    dirs.sort();
    assert_eq!(
        dirs,
        [
            "dead_letters/date=2026-11-26",
            "telemetry/heartbeats/date=2026-11-20",
            "telemetry/heartbeats/date=2026-11-26",
        ]
    );
    assert_eq!(f.strings(Table::Heartbeats, "event_id"), ["e1", "e2"]);
    assert_eq!(f.strings(Table::DeadLetters, "reason"), ["malformed"]);
    assert!(w.flush().unwrap().is_none(), "nothing pending: no commit");
}

#[test]
fn a_resend_counts_once_within_a_batch_across_batches_and_after_a_restart() {
    let f = fixture();
    let hb = heartbeat("e1", "2026-11-26T10:00:00Z");
    {
        let mut w = f.writer("w1");
        w.accept(&kafka(0, 0), hb.as_bytes(), now());
        assert_eq!(
            w.accept(&kafka(0, 1), hb.as_bytes(), now()),
            Accepted::Duplicate(Table::Heartbeats)
        );
        w.flush().unwrap();
        assert_eq!(
            w.accept(&kafka(0, 2), hb.as_bytes(), now()),
            Accepted::Duplicate(Table::Heartbeats)
        );
        w.flush().unwrap();
    }
    // A new process remembers the ids of the lake's newest files.
    let mut w = f.writer("w2");
    assert_eq!(
        w.accept(&kafka(0, 3), hb.as_bytes(), now()),
        Accepted::Duplicate(Table::Heartbeats)
    );
    w.flush().unwrap();
    assert_eq!(f.strings(Table::Heartbeats, "event_id"), ["e1"]);
    let state = f.runtime.block_on(f.lake.state()).unwrap();
    assert_eq!(state.source_offsets(SOURCE), BTreeMap::from([(0, 4)]));
}

#[test]
fn a_writer_that_lost_its_partition_is_fenced_and_forgets_what_it_buffered() {
    let f = fixture();
    let mut old = f.writer("old");
    let mut new = f.writer("new");
    let a = heartbeat("a", "2026-11-26T10:00:00Z");
    let b = heartbeat("b", "2026-11-26T10:01:00Z");
    old.accept(&kafka(0, 0), a.as_bytes(), now());
    old.accept(&kafka(0, 1), b.as_bytes(), now());
    // The new owner read the same messages from the lake's offset and committed first.
    new.accept(&kafka(0, 0), a.as_bytes(), now());
    new.accept(&kafka(0, 1), b.as_bytes(), now());
    new.flush().unwrap();

    let err = old.flush().unwrap_err();
    assert!(
        matches!(err, WriterError::Fenced { partition: 0, .. }),
        "{err}"
    );
    assert_eq!(f.strings(Table::Heartbeats, "event_id"), ["a", "b"]);
    // The old writer continues from the lake: offsets 0 and 1 are behind it now.
    assert_eq!(
        old.accept(&kafka(0, 1), b.as_bytes(), now()),
        Accepted::Replayed
    );
    let c = heartbeat("c", "2026-11-26T10:02:00Z");
    assert_eq!(
        old.accept(&kafka(0, 2), c.as_bytes(), now()),
        Accepted::Row(Table::Heartbeats)
    );
    old.flush().unwrap();
    assert_eq!(f.strings(Table::Heartbeats, "event_id"), ["a", "b", "c"]);
}

#[test]
fn a_partition_taken_over_remembers_the_ids_its_old_owner_landed_before_our_own_commits() {
    let f = fixture();
    let mut mine = f.writer("mine");
    let mut theirs = f.writer("theirs");
    // They land `x` from partition 0 (version 1), then we land from partition 1 (version 2): our
    // commit moves past theirs without reading it.
    let x = heartbeat("x", "2026-11-26T10:00:00Z");
    theirs.accept(&kafka(0, 0), x.as_bytes(), now());
    theirs.flush().unwrap();
    let y = heartbeat("y", "2026-11-26T10:01:00Z");
    mine.accept(&kafka(1, 0), y.as_bytes(), now());
    assert_eq!(mine.flush().unwrap().unwrap().version, 2);
    // Partition 0 is ours now, and its next message is a resend of `x`.
    assert_eq!(
        mine.resume_offsets(SOURCE).unwrap(),
        BTreeMap::from([(0, 1), (1, 1)])
    );
    assert_eq!(
        mine.accept(&kafka(0, 1), x.as_bytes(), now()),
        Accepted::Duplicate(Table::Heartbeats)
    );
    // Our own rows are remembered as they were, without reading our files back.
    assert_eq!(
        mine.accept(&kafka(1, 1), y.as_bytes(), now()),
        Accepted::Duplicate(Table::Heartbeats)
    );
    mine.flush().unwrap();
    assert_eq!(f.strings(Table::Heartbeats, "event_id"), ["x", "y"]);
}

#[test]
fn a_fenced_writer_remembers_the_ids_of_the_commit_that_fenced_it() {
    let f = fixture();
    let mut old = f.writer("old");
    let mut new = f.writer("new");
    // The new owner was assigned partition 0 before the old owner's hand-over commit landed.
    assert_eq!(new.resume_offsets(SOURCE).unwrap(), BTreeMap::new());
    let x = heartbeat("x", "2026-11-26T10:00:00Z");
    old.accept(&kafka(0, 0), x.as_bytes(), now());
    old.flush().unwrap();
    new.accept(&kafka(0, 0), x.as_bytes(), now());
    let err = new.flush().unwrap_err();
    assert!(matches!(err, WriterError::Fenced { .. }), "{err}");
    // It continues after the old owner's commit, where a resend of `x` comes next.
    assert_eq!(
        new.accept(&kafka(0, 1), x.as_bytes(), now()),
        Accepted::Duplicate(Table::Heartbeats)
    );
    new.flush().unwrap();
    assert_eq!(f.strings(Table::Heartbeats, "event_id"), ["x"]);
}

#[test]
fn discarded_ids_are_not_mistaken_for_resends_when_read_again() {
    let f = fixture();
    let mut w = f.writer("w1");
    let a = heartbeat("a", "2026-11-26T10:00:00Z");
    w.accept(&kafka(0, 0), a.as_bytes(), now());
    w.discard();
    assert_eq!(
        w.accept(&kafka(0, 0), a.as_bytes(), now()),
        Accepted::Row(Table::Heartbeats)
    );
    w.flush().unwrap();
    assert_eq!(f.strings(Table::Heartbeats, "event_id"), ["a"]);
}

#[test]
fn no_email_or_upn_reaches_the_lake_through_logs_or_dead_letters() {
    let f = fixture();
    let mut w = f.writer("w1");
    let log = log_line("l1", "sign-in failed for jane.doe@contoso.com");
    w.accept(&kafka(0, 0), log.as_bytes(), now());
    let bad = r#"{"schema":"roomsight.telemetry/v1","type":"log","owner":"bob@fabrikam.org""#;
    w.accept(&kafka(0, 1), bad.as_bytes(), now());
    w.flush().unwrap();
    assert_eq!(
        f.strings(Table::Logs, "message"),
        ["sign-in failed for <redacted>"]
    );
    let raws: Vec<String> = f
        .rows(Table::DeadLetters)
        .iter()
        .flat_map(|b| {
            let a = b.column_by_name("raw").unwrap().as_binary::<i32>();
            a.iter()
                .map(|v| String::from_utf8_lossy(v.unwrap()).into_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(raws.len(), 1);
    assert!(!raws[0].contains('@'), "{}", raws[0]);
    assert!(raws[0].contains("<redacted>"));
}

#[test]
fn an_address_written_with_json_escapes_is_redacted_in_dead_letters_raw_bytes() {
    let f = fixture();
    let mut w = f.writer("w1");
    // Invalid (no event_id) and with the address's `@` escaped as JSON allows.
    let bad =
        r#"{"schema":"roomsight.telemetry/v1","type":"log","message":"by jane\u0040contoso.com"}"#;
    w.accept(&kafka(0, 0), bad.as_bytes(), now());
    w.flush().unwrap();
    let raws: Vec<String> = f
        .rows(Table::DeadLetters)
        .iter()
        .flat_map(|b| {
            let a = b.column_by_name("raw").unwrap().as_binary::<i32>();
            a.iter()
                .map(|v| String::from_utf8_lossy(v.unwrap()).into_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(raws.len(), 1);
    assert!(!raws[0].contains("contoso"), "{}", raws[0]);
    assert!(raws[0].contains("<redacted>"), "{}", raws[0]);
}

#[test]
fn backfill_lines_resume_after_the_lake_offset() {
    let f = fixture();
    let source = "file:/data/backfill.ndjson";
    let line = |i: i64| Message {
        source,
        partition: 0,
        offset: i,
        origin: Origin::File {
            path: "/data/backfill.ndjson",
            line: i as u64 + 1,
        },
    };
    let mut w = f.writer("w1");
    for i in 0..3 {
        let hb = heartbeat(&format!("e{i}"), "2026-11-26T10:00:00Z");
        w.accept(&line(i), hb.as_bytes(), now());
    }
    w.flush().unwrap();
    let mut w = f.writer("w2");
    assert_eq!(w.resume_offsets(source).unwrap(), BTreeMap::from([(0, 3)]));
    let hb = heartbeat("e0", "2026-11-26T10:00:00Z");
    assert_eq!(w.accept(&line(0), hb.as_bytes(), now()), Accepted::Replayed);
}

#[test]
fn flush_is_due_by_size_and_by_age() {
    let f = fixture();
    let config = WriterConfig {
        flush_bytes: 2_000,
        flush_age: Duration::from_millis(50),
        writer_id: "w".into(),
        ..WriterConfig::default()
    };
    let mut w = LakeWriter::open(
        f.lake.clone(),
        f.runtime.handle().clone(),
        config,
        Arc::new(Metrics::new()),
    )
    .unwrap();
    assert!(!w.flush_due());
    w.accept(
        &kafka(0, 0),
        heartbeat("a", "2026-11-26T10:00:00Z").as_bytes(),
        now(),
    );
    assert!(!w.flush_due());
    std::thread::sleep(Duration::from_millis(60));
    assert!(w.flush_due(), "old enough");
    w.flush().unwrap();
    for i in 1..40 {
        let hb = heartbeat(&format!("e{i}"), "2026-11-26T10:00:00Z");
        w.accept(&kafka(0, i), hb.as_bytes(), now());
    }
    assert!(w.buffered_bytes() >= 2_000);
    assert!(w.flush_due(), "big enough");
}

#[test]
fn a_background_flush_lands_while_the_next_batch_buffers() {
    let f = fixture();
    let mut w = f.writer("w1");
    let a = heartbeat("a", "2026-11-26T10:00:00Z");
    let b = heartbeat("b", "2026-11-26T10:01:00Z");
    w.accept(&kafka(0, 0), a.as_bytes(), now());
    assert!(
        w.flush_in_background().unwrap().is_none(),
        "nothing landed yet"
    );
    assert!(w.has_pending(), "the flush in flight is pending");
    // Buffered while the first flush is in flight: the range continues the one in flight, and
    // a resend of an id in flight still counts once.
    assert_eq!(
        w.accept(&kafka(0, 0), a.as_bytes(), now()),
        Accepted::Replayed
    );
    assert_eq!(
        w.accept(&kafka(0, 1), a.as_bytes(), now()),
        Accepted::Duplicate(Table::Heartbeats)
    );
    assert_eq!(
        w.accept(&kafka(0, 2), b.as_bytes(), now()),
        Accepted::Row(Table::Heartbeats)
    );
    let first = w.flush_in_background().unwrap().unwrap();
    assert_eq!((first.version, first.rows()), (1, 1));
    assert_eq!((first.sources[0].from, first.sources[0].to), (0, 1));
    let second = w.land().unwrap().unwrap();
    assert_eq!((second.version, second.rows()), (2, 1));
    assert_eq!((second.sources[0].from, second.sources[0].to), (1, 3));
    assert!(!w.has_pending());
    assert!(w.land().unwrap().is_none(), "nothing in flight any more");
    assert_eq!(f.strings(Table::Heartbeats, "event_id"), ["a", "b"]);
    let state = f.runtime.block_on(f.lake.state()).unwrap();
    assert_eq!(state.source_offsets(SOURCE), BTreeMap::from([(0, 3)]));
}

#[test]
fn a_fenced_background_flush_discards_what_was_buffered_after_it() {
    let f = fixture();
    let mut old = f.writer("old");
    let mut new = f.writer("new");
    let a = heartbeat("a", "2026-11-26T10:00:00Z");
    let b = heartbeat("b", "2026-11-26T10:01:00Z");
    old.accept(&kafka(0, 0), a.as_bytes(), now());
    // The new owner read the same message from the lake's offset and committed first.
    new.accept(&kafka(0, 0), a.as_bytes(), now());
    new.flush().unwrap();

    old.flush_in_background().unwrap();
    assert_eq!(
        old.accept(&kafka(0, 1), b.as_bytes(), now()),
        Accepted::Row(Table::Heartbeats)
    );
    let err = old.flush().unwrap_err();
    assert!(
        matches!(err, WriterError::Fenced { partition: 0, .. }),
        "{err}"
    );
    assert!(!old.has_pending(), "both batches were discarded");
    assert_eq!(old.buffered_rows(), 0);
    // It continues from the lake's offset; `b` was discarded, not landed, so it is no resend.
    assert_eq!(
        old.accept(&kafka(0, 0), a.as_bytes(), now()),
        Accepted::Replayed
    );
    assert_eq!(
        old.accept(&kafka(0, 1), b.as_bytes(), now()),
        Accepted::Row(Table::Heartbeats)
    );
    old.flush().unwrap();
    assert_eq!(f.strings(Table::Heartbeats, "event_id"), ["a", "b"]);
}

#[test]
fn merged_flushes_span_both_ranges() {
    let range = |from, to| SourceRange {
        source: SOURCE.into(),
        partition: 0,
        from,
        to,
    };
    let earlier = Flushed {
        version: 4,
        files: Vec::new(),
        sources: vec![range(0, 10)],
    };
    let later = Flushed {
        version: 5,
        files: Vec::new(),
        sources: vec![range(10, 25)],
    };
    let both = earlier.then(later);
    assert_eq!(both.version, 5);
    assert_eq!(both.sources, vec![range(0, 25)]);
}

#[test]
fn a_backfill_flushing_in_the_background_lands_every_line_once() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("backfill.ndjson");
    let lines: Vec<String> = (0..40)
        .map(|i| heartbeat(&format!("e{i:02}"), "2026-11-26T10:00:00Z"))
        .collect();
    std::fs::write(&path, lines.join("\n")).unwrap();
    let config = WriterConfig {
        // Due after every line: each flush lands while the next line is read.
        flush_bytes: 1,
        writer_id: "w1".into(),
        ..WriterConfig::default()
    };
    let mut w = LakeWriter::open(
        f.lake.clone(),
        f.runtime.handle().clone(),
        config,
        Arc::new(Metrics::new()),
    )
    .unwrap();
    let summary =
        crate::run::files::run(&[&path], &mut w, &crate::run::Shutdown::new(), &mut |_| {})
            .unwrap();
    assert_eq!((summary.commits, summary.rows), (40, 40));
    assert!(!w.has_pending());
    let ids: Vec<String> = (0..40).map(|i| format!("e{i:02}")).collect();
    assert_eq!(f.strings(Table::Heartbeats, "event_id"), ids);
    let state = f.runtime.block_on(f.lake.state()).unwrap();
    let source = format!("file:{}", std::fs::canonicalize(&path).unwrap().display());
    assert_eq!(state.source_offsets(&source), BTreeMap::from([(0, 40)]));
    assert_eq!(state.version, 40);
}

#[test]
fn a_gap_is_counted_once_and_recorded_with_the_commit_that_reads_past_it() {
    let f = fixture();
    let mut w = f.writer("w1");
    for (i, offset) in [0, 1, 2].into_iter().enumerate() {
        let hb = heartbeat(&format!("a{i}"), "2026-11-26T10:00:00Z");
        w.accept(&kafka(0, offset), hb.as_bytes(), now());
    }
    w.flush().unwrap();
    assert_eq!(w.next_offset(SOURCE, 0), Some(3));
    assert_eq!(w.next_offset(SOURCE, 1), None, "never read");

    // After the commit the partition continues at 10 (3..10 deleted), then at 15 within the
    // same buffer (a compacted stretch).
    let hb = heartbeat("b1", "2026-11-26T10:00:00Z");
    w.accept(&kafka(0, 10), hb.as_bytes(), now());
    assert_eq!(w.next_offset(SOURCE, 0), Some(11));
    let hb = heartbeat("b2", "2026-11-26T10:00:00Z");
    w.accept(&kafka(0, 15), hb.as_bytes(), now());
    // A partition the lake never saw starts wherever Kafka's log begins: no gap.
    let hb = heartbeat("c1", "2026-11-26T10:00:00Z");
    w.accept(&kafka(1, 40), hb.as_bytes(), now());
    let flushed = w.flush().unwrap().unwrap();
    let gap = |partition, from, to| SourceRange {
        source: SOURCE.into(),
        partition,
        from,
        to,
    };
    let commit = f
        .runtime
        .block_on(crate::lake::log::read_commit(
            f.lake.store(),
            flushed.version,
        ))
        .unwrap()
        .unwrap();
    assert_eq!(commit.gaps, vec![gap(0, 3, 10), gap(0, 11, 15)]);
    assert_eq!(w.metrics().gap_messages_total("room-telemetry", 0), 11);
    assert_eq!(w.metrics().gap_messages_total("room-telemetry", 1), 0);
    let state = f.runtime.block_on(f.lake.state()).unwrap();
    let tally = state.gaps[&(SOURCE.to_string(), 0)];
    assert_eq!((tally.count, tally.offsets), (2, 11));
    assert_eq!((tally.last_from, tally.last_to), (11, 15));

    // A buffer discarded after a gap (a failed commit) and read again counts the gap once.
    let hb = heartbeat("d1", "2026-11-26T10:00:00Z");
    w.accept(&kafka(0, 20), hb.as_bytes(), now());
    w.discard();
    w.accept(&kafka(0, 20), hb.as_bytes(), now());
    assert_eq!(w.metrics().gap_messages_total("room-telemetry", 0), 15);
    let flushed = w.flush().unwrap().unwrap();
    let commit = f
        .runtime
        .block_on(crate::lake::log::read_commit(
            f.lake.store(),
            flushed.version,
        ))
        .unwrap()
        .unwrap();
    assert_eq!(commit.gaps, vec![gap(0, 16, 20)]);
}

#[test]
fn files_are_never_checked_for_gaps() {
    let f = fixture();
    let mut w = f.writer("w1");
    let line = |offset: i64| Message {
        source: "file:x.ndjson",
        partition: 0,
        offset,
        origin: Origin::File {
            path: "x.ndjson",
            line: offset as u64 + 1,
        },
    };
    // Lines a backfill skips (blank ones) are not messages Kafka lost.
    for (i, offset) in [0, 5].into_iter().enumerate() {
        let hb = heartbeat(&format!("f{i}"), "2026-11-26T10:00:00Z");
        w.accept(&line(offset), hb.as_bytes(), now());
    }
    let flushed = w.flush().unwrap().unwrap();
    let commit = f
        .runtime
        .block_on(crate::lake::log::read_commit(
            f.lake.store(),
            flushed.version,
        ))
        .unwrap()
        .unwrap();
    assert!(commit.gaps.is_empty());
    assert!(f.runtime.block_on(f.lake.state()).unwrap().gaps.is_empty());
}
