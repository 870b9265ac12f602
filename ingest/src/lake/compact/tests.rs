//! Compaction, vacuum and status over real lakes in temporary directories, written the way
//! ingest writes them: one staged file per commit, with source offsets.

use std::collections::{BTreeMap, BTreeSet};

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMicrosecondType};

use super::*;
use crate::lake::log::{self as commit_log, SourceRange};
use crate::lake::rows::{DeadLetter, DeadLetterRows, Origin, TableRows};
use crate::lake::status::status;
use crate::lake::store::{STAGING_DIR, TRASH_DIR};
use crate::lake::vacuum::vacuum;
use crate::reason::Reason;

const DAY: &str = "2026-11-24";
const SOURCE: &str = "kafka:t";

/// One heartbeat: `(event_id, room_id, minute of the day)`.
type Beat = (&'static str, &'static str, u32);

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-26T12:00:00Z").unwrap()
}

fn heartbeat((id, room, minute): Beat) -> String {
    format!(
        r#"{{"schema":"roomsight.telemetry/v1","type":"heartbeat","event_id":"{id}","ts":"{DAY}T{:02}:{:02}:00Z","device_id":"dev-{room}","room_id":"{room}","platform":"windows","app_version":"5.2","os_version":"10.0.22631","teams_signed_in":true,"exchange_signed_in":true,"cpu_pct":15,"mem_pct":40,"uptime_s":3600}}"#,
        minute / 60,
        minute % 60
    )
}

fn tmp_lake() -> (tempfile::TempDir, Lake) {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
    (dir, lake)
}

/// Stages a heartbeat file whose rows came from offsets `from..` of partition 0.
async fn stage_beats(lake: &Lake, name: &str, beats: &[Beat], from: i64) -> FileEntry {
    let mut rows = TableRows::new(Table::Heartbeats);
    for (i, beat) in beats.iter().enumerate() {
        let json = heartbeat(*beat);
        let event = crate::validate(json.as_bytes(), now()).unwrap();
        let origin = Origin::Kafka {
            topic: "t",
            partition: 0,
            offset: from + i as i64,
        };
        rows.push(&event, 0, &origin, now());
    }
    let batch = encode::sort(Table::Heartbeats, &rows.finish().unwrap()).unwrap();
    stage_file(lake, Table::Heartbeats, name, batch).await
}

async fn stage_file(lake: &Lake, table: Table, name: &str, batch: RecordBatch) -> FileEntry {
    let rows = batch.num_rows() as u64;
    let bytes = encode::encode(table, &[batch], &EncodeOptions::default()).unwrap();
    let size = bytes.len() as u64;
    let staged = lake
        .stage(&format!("{}-{name}", table.name()), bytes)
        .await
        .unwrap();
    let dir = if table == Table::DeadLetters {
        format!("dead_letters/date={DAY}")
    } else {
        format!("telemetry/{}/date={DAY}", table.name())
    };
    FileEntry {
        path: format!("{dir}/{name}"),
        table: table.name().into(),
        date: DAY.into(),
        rows,
        bytes: size,
        staged: Some(staged),
    }
}

fn ingest_commit(add: Vec<FileEntry>, from: i64, to: i64) -> Commit {
    Commit {
        operation: "ingest".into(),
        writer: "test-ingest".into(),
        committed_at: "2026-11-24T10:00:00Z".into(),
        add,
        remove: vec![],
        sources: vec![SourceRange {
            source: SOURCE.into(),
            partition: 0,
            from,
            to,
        }],
        gaps: vec![],
    }
}

/// An ingest-style flush: one heartbeat file, committed with its offsets; returns the next offset.
async fn ingest(lake: &Lake, state: &mut LakeState, name: &str, beats: &[Beat], from: i64) -> i64 {
    let file = stage_beats(lake, name, beats, from).await;
    let to = from + beats.len() as i64;
    lake.commit(state, &ingest_commit(vec![file], from, to))
        .await
        .unwrap();
    to
}

/// Stages and commits a dead-letters file with these reasons (no offsets).
async fn ingest_dead(lake: &Lake, state: &mut LakeState, name: &str, reasons: &[Reason]) {
    let mut rows = DeadLetterRows::new();
    for (i, reason) in reasons.iter().enumerate() {
        rows.push(&DeadLetter {
            reason: *reason,
            field: None,
            detail: "bad",
            raw: b"{",
            raw_bytes: 1,
            origin: Origin::File {
                path: "x.ndjson",
                line: i as u64 + 1,
            },
            received_at: Timestamp::parse_rfc3339(&format!("{DAY}T08:00:0{i}Z")).unwrap(),
        });
    }
    let batch = rows.finish().unwrap();
    let file = stage_file(lake, Table::DeadLetters, name, batch).await;
    let mut commit = ingest_commit(vec![file], 0, 0);
    commit.sources.clear();
    lake.commit(state, &commit).await.unwrap();
}

/// The live rows of a table, file by file in path order.
async fn live(lake: &Lake, table: Table) -> Vec<RecordBatch> {
    let state = lake.state().await.unwrap();
    let mut batches = Vec::new();
    for file in state.files.values().filter(|f| f.table == table.name()) {
        let bytes = lake.read_live(file).await.unwrap();
        batches.extend(encode::decode(bytes, None).unwrap());
    }
    batches
}

fn strings(batches: &[RecordBatch], column: &str) -> Vec<String> {
    let mut out = Vec::new();
    for b in batches {
        let a = b.column_by_name(column).unwrap().as_string::<i32>();
        out.extend(a.iter().map(|v| v.unwrap_or_default().to_owned()));
    }
    out
}

fn sort_keys(batches: &[RecordBatch]) -> Vec<(String, String, i64, String)> {
    let rooms = strings(batches, "room_id");
    let devices = strings(batches, "device_id");
    let ids = strings(batches, "event_id");
    let ts: Vec<i64> = batches
        .iter()
        .flat_map(|b| {
            let a = b.column_by_name("ts").unwrap();
            a.as_primitive::<TimestampMicrosecondType>()
                .values()
                .to_vec()
        })
        .collect();
    (0..ids.len())
        .map(|i| (rooms[i].clone(), devices[i].clone(), ts[i], ids[i].clone()))
        .collect()
}

fn distinct(files: &[&[Beat]]) -> BTreeSet<&'static str> {
    files.iter().flat_map(|f| f.iter().map(|b| b.0)).collect()
}

async fn run(lake: &Lake, options: &CompactOptions) -> CompactSummary {
    compact(lake, options, &mut |_| {}).await.unwrap()
}

const A: &[Beat] = &[
    ("e1", "r2", 5),
    ("e2", "r1", 9),
    ("e3", "r1", 1),
    ("e4", "r3", 30),
];
const B: &[Beat] = &[
    ("e3", "r1", 1),
    ("e5", "r2", 2),
    ("e1", "r2", 5),
    ("e6", "r1", 7),
];
const C: &[Beat] = &[("e7", "r3", 3), ("e8", "r1", 8), ("e2", "r1", 9)];
const D: &[Beat] = &[("e9", "r2", 44), ("e10", "r1", 0)];

/// A lake with four heartbeat flushes (resends across them) and two dead-letter files.
async fn busy_lake() -> (tempfile::TempDir, Lake, Vec<String>) {
    let (dir, lake) = tmp_lake();
    let mut state = lake.state().await.unwrap();
    let mut offset = 0;
    for (i, beats) in [A, B, C, D].into_iter().enumerate() {
        offset = ingest(
            &lake,
            &mut state,
            &format!("part-{i}.parquet"),
            beats,
            offset,
        )
        .await;
    }
    ingest_dead(
        &lake,
        &mut state,
        "dl-0.parquet",
        &[Reason::Malformed, Reason::FutureTs],
    )
    .await;
    ingest_dead(&lake, &mut state, "dl-1.parquet", &[Reason::Malformed]).await;
    let old = state.files.keys().cloned().collect();
    (dir, lake, old)
}

#[tokio::test]
async fn compaction_keeps_one_sorted_row_per_event_and_retires_the_old_files() {
    let (dir, lake, old) = busy_lake().await;
    let total: usize = [A, B, C, D].iter().map(|f| f.len()).sum();
    let ids = distinct(&[A, B, C, D]);
    let before = lake.state().await.unwrap();

    let summary = run(&lake, &CompactOptions::default()).await;
    assert_eq!(summary.partitions, 2, "{summary:?}");
    assert_eq!(summary.files_in, old.len());
    assert_eq!(summary.files_out, 2, "one file per partition");
    assert_eq!(summary.rows_in, total as u64 + 3, "3 dead letters");
    assert_eq!(summary.duplicates_dropped, (total - ids.len()) as u64);
    assert_eq!(summary.rows_out, ids.len() as u64 + 3);

    let beats = live(&lake, Table::Heartbeats).await;
    let got: Vec<String> = strings(&beats, "event_id");
    assert_eq!(got.len(), ids.len(), "one row per event_id: {got:?}");
    assert_eq!(got.iter().map(String::as_str).collect::<BTreeSet<_>>(), ids);
    let keys = sort_keys(&beats);
    assert!(
        keys.is_sorted(),
        "sorted by room, device, ts, event_id: {keys:?}"
    );
    // Of a resent event, the first copy (smallest offset) is kept: e1 came at offset 0 and 6.
    let e1 = got.iter().position(|id| id == "e1").unwrap();
    let offsets: Vec<i64> = beats
        .iter()
        .flat_map(|b| {
            let a = b.column_by_name("kafka_offset").unwrap();
            a.as_primitive::<Int64Type>().values().to_vec()
        })
        .collect();
    assert_eq!(offsets[e1], 0);
    assert_eq!(
        live(&lake, Table::DeadLetters)
            .await
            .iter()
            .map(RecordBatch::num_rows)
            .sum::<usize>(),
        3
    );

    let after = lake.state().await.unwrap();
    assert_eq!(
        after.version,
        before.version + 2,
        "one commit per partition"
    );
    assert_eq!(after.offsets, before.offsets, "compaction moves no offsets");
    for path in &old {
        assert!(!after.files.contains_key(path), "{path} is still live");
        assert!(!dir.path().join(path).exists(), "{path} is still listed");
        assert!(
            dir.path().join(TRASH_DIR).join(path).exists(),
            "{path} is not in the trash"
        );
    }
    for file in after.files.values() {
        assert!(
            dir.path().join(&file.path).exists(),
            "{} is not published",
            file.path
        );
    }
    let staging = dir.path().join(STAGING_DIR);
    assert_eq!(
        std::fs::read_dir(staging).unwrap().count(),
        0,
        "staging is empty"
    );

    let again = run(&lake, &CompactOptions::default()).await;
    assert_eq!(again.commits, 0, "{again:?}");
    assert_eq!(
        lake.state().await.unwrap().version,
        after.version,
        "a second run is a no-op"
    );
}

#[tokio::test]
async fn big_partitions_are_cut_into_balanced_sorted_files() {
    let (_dir, lake) = tmp_lake();
    let mut state = lake.state().await.unwrap();
    let next = ingest(&lake, &mut state, "a.parquet", A, 0).await;
    ingest(&lake, &mut state, "b.parquet", C, next).await;
    let options = CompactOptions {
        target_file_rows: 3,
        ..CompactOptions::default()
    };
    let summary = run(&lake, &options).await;
    let rows = distinct(&[A, C]).len() as u64;
    assert_eq!(summary.files_out as u64, rows.div_ceil(3), "{summary:?}");
    let state = lake.state().await.unwrap();
    let sizes: Vec<u64> = state.files.values().map(|f| f.rows).collect();
    assert!(
        sizes
            .iter()
            .all(|&n| n <= 3 && n + 1 >= rows / sizes.len() as u64),
        "{sizes:?}"
    );
    assert_eq!(sizes.iter().sum::<u64>(), rows);
    let keys = sort_keys(&live(&lake, Table::Heartbeats).await);
    assert!(
        keys.is_sorted(),
        "files in path order continue each other: {keys:?}"
    );
    assert_eq!(
        run(&lake, &options).await.commits,
        0,
        "settled files are left alone"
    );
}

#[tokio::test]
async fn partitions_over_the_byte_budget_are_compacted_in_groups() {
    let (_dir, lake) = tmp_lake();
    let mut state = lake.state().await.unwrap();
    let mut next = 0;
    for (i, beats) in [A, B, C, D].into_iter().enumerate() {
        next = ingest(&lake, &mut state, &format!("p{i}.parquet"), beats, next).await;
    }
    let sizes: Vec<u64> = state.files.values().map(|f| f.bytes).collect();
    let budget = (sizes[0] + sizes[1]).max(sizes[2] + sizes[3]);
    assert!(
        sizes[0] + sizes[1] + sizes[2] > budget,
        "fixture: three files exceed the budget"
    );
    let options = CompactOptions {
        max_input_bytes: budget,
        ..CompactOptions::default()
    };
    let plan = plan(&lake, &options).await.unwrap();
    assert_eq!(plan.groups.len(), 2);
    assert!(
        plan.groups
            .iter()
            .all(|g| g.bytes() <= budget && g.files.len() == 2)
    );
    let summary = execute(&lake, plan, &options, &mut |_| {}).await.unwrap();
    assert_eq!((summary.commits, summary.partitions), (2, 1));
    let within = distinct(&[A, B]).len() + distinct(&[C, D]).len();
    assert_eq!(
        summary.rows_out as usize, within,
        "duplicates go within each group"
    );
}

#[tokio::test]
async fn an_ingest_commit_between_planning_and_committing_is_kept() {
    let (_dir, lake) = tmp_lake();
    let mut ingest_state = lake.state().await.unwrap();
    let mut next = ingest(&lake, &mut ingest_state, "a.parquet", A, 0).await;
    next = ingest(&lake, &mut ingest_state, "b.parquet", B, next).await;
    let options = CompactOptions::default();
    let plan = plan(&lake, &options).await.unwrap();
    assert_eq!(plan.groups.len(), 1);

    // Ingest lands a flush into the same partition while compaction works on its snapshot.
    let end = ingest(&lake, &mut ingest_state, "c.parquet", C, next).await;
    let summary = execute(&lake, plan, &options, &mut |_| {}).await.unwrap();
    assert_eq!((summary.commits, summary.lost), (1, 0), "{summary:?}");

    let state = lake.state().await.unwrap();
    assert_eq!(state.version, 4, "three ingest commits and one compaction");
    assert!(
        state.files.keys().any(|p| p.ends_with("c.parquet")),
        "the new flush is live"
    );
    assert_eq!(state.files.len(), 2);
    assert_eq!(state.source_offsets(SOURCE), BTreeMap::from([(0, end)]));
    let rows: u64 = state.files.values().map(|f| f.rows).sum();
    assert_eq!(rows as usize, distinct(&[A, B]).len() + C.len());

    // The next run merges the late flush too.
    run(&lake, &options).await;
    let ids = strings(&live(&lake, Table::Heartbeats).await, "event_id");
    assert_eq!(ids.len(), distinct(&[A, B, C]).len());
    assert_eq!(lake.state().await.unwrap().files.len(), 1);
}

#[tokio::test]
async fn a_compaction_that_loses_the_race_skips_the_partition_and_cleans_up() {
    let (dir, lake, _) = busy_lake().await;
    let options = CompactOptions {
        table: Some(Table::Heartbeats),
        ..CompactOptions::default()
    };
    let first = plan(&lake, &options).await.unwrap();
    let second = first.clone();
    let won = execute(&lake, first, &options, &mut |_| {}).await.unwrap();
    let version = lake.state().await.unwrap().version;
    let lost = execute(&lake, second, &options, &mut |_| {}).await.unwrap();
    assert_eq!((won.commits, lost.commits, lost.lost), (1, 0, 1));
    assert_eq!(lake.state().await.unwrap().version, version);
    let staging = dir.path().join(STAGING_DIR);
    assert_eq!(
        std::fs::read_dir(staging).unwrap().count(),
        0,
        "the loser's files are gone"
    );
}

#[tokio::test]
async fn filters_pick_one_table_and_one_date() {
    let (_dir, lake, _) = busy_lake().await;
    let dead_only = CompactOptions {
        table: Some(Table::DeadLetters),
        ..CompactOptions::default()
    };
    let plan_dead = plan(&lake, &dead_only).await.unwrap();
    assert_eq!(plan_dead.groups.len(), 1);
    assert_eq!(plan_dead.groups[0].table, Table::DeadLetters);
    let other_day = CompactOptions {
        date: NaiveDate::from_ymd_opt(2026, 11, 25),
        ..CompactOptions::default()
    };
    assert!(plan(&lake, &other_day).await.unwrap().groups.is_empty());
    assert_eq!(compactable_table("rooms"), None);
    assert_eq!(compactable_table("dead_letters"), Some(Table::DeadLetters));
}

#[tokio::test]
async fn a_single_file_is_rewritten_only_if_it_holds_duplicates() {
    let (_dir, lake) = tmp_lake();
    let mut state = lake.state().await.unwrap();
    ingest(&lake, &mut state, "clean.parquet", A, 0).await;
    assert!(
        plan(&lake, &CompactOptions::default())
            .await
            .unwrap()
            .groups
            .is_empty()
    );

    let (_dir, lake) = tmp_lake();
    let mut state = lake.state().await.unwrap();
    let resent: Vec<Beat> = A.iter().chain(&A[..2]).copied().collect();
    ingest(&lake, &mut state, "dups.parquet", &resent, 0).await;
    let summary = run(&lake, &CompactOptions::default()).await;
    assert_eq!(
        (summary.commits, summary.duplicates_dropped),
        (1, 2),
        "{summary:?}"
    );
}

#[tokio::test]
async fn vacuum_deletes_retired_and_orphaned_files_after_the_grace_period_only() {
    let (dir, lake, old) = busy_lake().await;
    run(&lake, &CompactOptions::default()).await;
    lake.stage("orphan.parquet", bytes::Bytes::from_static(b"x"))
        .await
        .unwrap();
    // A commit that landed but was not published yet: its staged file must survive.
    let mut state = lake.state().await.unwrap();
    let from = state.source_offsets(SOURCE)[&0];
    let pending = stage_beats(&lake, "pending.parquet", D, from).await;
    let staged = pending.staged.clone().unwrap();
    let to = from + D.len() as i64;
    commit_log::append(
        lake.store(),
        &mut state,
        &ingest_commit(vec![pending], from, to),
    )
    .await
    .unwrap();

    let kept = vacuum(&lake, Duration::from_secs(3600)).await.unwrap();
    assert_eq!(
        kept,
        VacuumSummary::default(),
        "everything is younger than an hour"
    );
    let gone = vacuum(&lake, Duration::ZERO).await.unwrap();
    assert_eq!(
        (gone.trash_deleted, gone.staging_deleted),
        (old.len(), 1),
        "{gone:?}"
    );
    assert!(gone.bytes_freed > 0);
    for path in &old {
        assert!(!dir.path().join(TRASH_DIR).join(path).exists());
    }
    assert!(!dir.path().join(STAGING_DIR).join("orphan.parquet").exists());
    assert!(
        dir.path().join(&staged).exists(),
        "a committed staged file is kept"
    );
    assert_eq!(
        lake.recover(10).await.unwrap(),
        1,
        "and published by recovery"
    );
}

#[tokio::test]
async fn status_counts_match_what_was_written() {
    let (_dir, lake, _) = busy_lake().await;
    let s = status(&lake).await.unwrap();
    let total: usize = [A, B, C, D].iter().map(|f| f.len()).sum();
    assert_eq!(s.version, 6);
    assert_eq!(
        s.last_commit.as_ref().map(|c| c.operation.as_str()),
        Some("ingest")
    );
    let beats = s.tables.iter().find(|t| t.table == "heartbeats").unwrap();
    assert_eq!((beats.files, beats.rows), (4, total as u64));
    assert_eq!(beats.partitions.len(), 1);
    assert_eq!(beats.partitions[0].date, DAY);
    let state = lake.state().await.unwrap();
    let bytes: u64 = state
        .files
        .values()
        .filter(|f| f.table == "heartbeats")
        .map(|f| f.bytes)
        .sum();
    assert_eq!(beats.bytes, bytes);
    assert_eq!(
        s.dead_letters_by_reason,
        BTreeMap::from([("future_ts".to_owned(), 1), ("malformed".to_owned(), 2)])
    );
    assert_eq!(s.offsets.len(), 1);
    assert_eq!(
        (s.offsets[0].partition, s.offsets[0].next_offset),
        (0, total as i64)
    );

    run(&lake, &CompactOptions::default()).await;
    let s = status(&lake).await.unwrap();
    let beats = s.tables.iter().find(|t| t.table == "heartbeats").unwrap();
    assert_eq!(
        (beats.files, beats.rows),
        (1, distinct(&[A, B, C, D]).len() as u64)
    );
    assert_eq!(
        s.last_commit.map(|c| c.operation),
        Some("compact".to_owned())
    );
    assert_eq!(
        s.dead_letters_by_reason.values().sum::<u64>(),
        3,
        "still all dead letters"
    );
}
