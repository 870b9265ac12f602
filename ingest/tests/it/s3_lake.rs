//! The lake's guarantees on a real S3-compatible server (moto): a commit is a conditional PUT
//! (`If-None-Match: *`), so racing writers each win a distinct version, a writer that lost its
//! partition is fenced, and a staged file becomes visible at its Hive path only once committed.

use std::sync::Arc;

use bytes::Bytes;
use object_store::ObjectStoreExt;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use roomsight_ingest::lake::log::{self, Commit, FileEntry, LakeState, LogError, SourceRange};
use roomsight_ingest::lake::store::{Lake, LakeError};

use crate::moto::Moto;

/// A lake under `s3://<bucket>/estate`, with its own client (as another process would have).
fn lake(moto: &Moto, bucket: &str) -> Lake {
    let store = PrefixStore::new(moto.store(bucket), "estate");
    Lake::with_store(format!("s3://{bucket}/estate"), Arc::new(store))
}

fn ingest(partition: i32, from: i64, to: i64, path: &str, staged: Option<String>) -> Commit {
    Commit {
        operation: "ingest".into(),
        writer: format!("writer-{partition}"),
        committed_at: "2026-11-24T10:00:00Z".into(),
        add: vec![FileEntry {
            path: path.into(),
            table: "heartbeats".into(),
            date: "2026-11-24".into(),
            rows: u64::try_from(to - from).unwrap(),
            bytes: 3,
            staged,
        }],
        remove: vec![],
        sources: vec![SourceRange {
            source: "kafka:room-telemetry".into(),
            partition,
            from,
            to,
        }],
        gaps: vec![],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_writers_on_s3_each_win_distinct_versions() {
    let moto = Moto::start();
    moto.create_bucket("race");
    let writers: Vec<_> = (0..6)
        .map(|partition| {
            let lake = lake(&moto, "race");
            tokio::spawn(async move {
                let mut state = LakeState::default();
                for i in 0..4 {
                    let path =
                        format!("telemetry/heartbeats/date=2026-11-24/p{partition}-{i}.parquet");
                    let commit = ingest(partition, i * 10, (i + 1) * 10, &path, None);
                    log::append(lake.store(), &mut state, &commit)
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    let state = lake(&moto, "race").state().await.unwrap();
    assert_eq!(state.version, 24, "every commit got its own version");
    assert_eq!(state.files.len(), 24);
    assert!(
        state
            .source_offsets("kafka:room-telemetry")
            .values()
            .all(|&next| next == 40)
    );
}

#[tokio::test]
async fn a_writer_that_lost_its_partition_is_fenced_on_s3() {
    let moto = Moto::start();
    moto.create_bucket("fence");
    let old_owner_lake = lake(&moto, "fence");
    let mut old_owner = LakeState::default();
    log::append(
        old_owner_lake.store(),
        &mut old_owner,
        &ingest(0, 0, 10, "a", None),
    )
    .await
    .unwrap();
    let new_owner_lake = lake(&moto, "fence");
    let mut new_owner = LakeState::default();
    log::append(
        new_owner_lake.store(),
        &mut new_owner,
        &ingest(0, 10, 30, "b", None),
    )
    .await
    .unwrap();
    let err = log::append(
        old_owner_lake.store(),
        &mut old_owner,
        &ingest(0, 10, 20, "stale", None),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, LogError::Fenced { lake: 30, .. }), "{err}");
    assert!(
        log::read_commit(old_owner_lake.store(), 3)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn staged_files_are_published_only_after_their_commit_and_recovered_after_a_crash() {
    let moto = Moto::start();
    moto.create_bucket("publish");
    let lake = lake(&moto, "publish");
    let live = "telemetry/heartbeats/date=2026-11-24/f.parquet";
    let staged = lake
        .stage("f.parquet", Bytes::from_static(b"abc"))
        .await
        .unwrap();
    assert!(!exists(&lake, live).await, "visible before its commit");

    // A writer that died between its commit and its moves: the commit is in the log, the file
    // still staged. The next process to open the lake for writing finishes the move.
    let mut state = LakeState::default();
    log::append(
        lake.store(),
        &mut state,
        &ingest(0, 0, 3, live, Some(staged.clone())),
    )
    .await
    .unwrap();
    assert!(!exists(&lake, live).await);
    let survivor = self::lake(&moto, "publish");
    assert_eq!(survivor.recover(5).await.unwrap(), 1);
    assert!(exists(&lake, live).await);
    assert!(!exists(&lake, &staged).await, "the staged copy is gone");
    let entry = &survivor.state().await.unwrap().files[live];
    assert_eq!(
        survivor.read_live(entry).await.unwrap(),
        Bytes::from_static(b"abc")
    );
    assert_eq!(
        survivor.recover(5).await.unwrap(),
        0,
        "recovery is idempotent"
    );
}

#[tokio::test]
async fn a_lake_on_a_missing_bucket_fails_with_the_store_s_error() {
    let moto = Moto::start();
    let lake = lake(&moto, "never-created");
    let err = lake.is_populated().await.unwrap_err();
    assert!(matches!(err, LakeError::Store { .. }), "{err}");
}

async fn exists(lake: &Lake, path: &str) -> bool {
    match lake.store().head(&Path::from(path)).await {
        Ok(_) => true,
        Err(object_store::Error::NotFound { .. }) => false,
        Err(e) => panic!("{e}"),
    }
}
