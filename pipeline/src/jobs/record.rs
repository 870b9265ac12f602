//! Run records: one small JSON object per run, kept in the lake.
//!
//! Run `N` of job `J` is `_roomsight/jobs/runs/<J>/<N as 20 digits>.json`, written once with
//! put-if-absent (two schedulers racing on one lake cannot overwrite each other's records: the
//! loser takes the next number). Each file is one JSON object on one line, so the folder is
//! also an NDJSON table a SQL engine can read (`job_runs`). The records are the scheduler's
//! only state: the newest scheduled moment (what to catch up from), and per date the lake
//! version it was last computed at (what late data made stale) or a failure (what to retry).

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use serde::{Deserialize, Serialize};

use super::error::JobsError;
use super::window::Window;

/// Where run records live, relative to the lake's root.
pub const RUNS_DIR: &str = "_roomsight/jobs/runs";

/// Why a run happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// Its cron expression came due.
    Scheduled,
    /// A scheduled moment passed while no scheduler ran; caught up later.
    CatchUp,
    /// Telemetry for dates it covered landed after they were computed.
    LateData,
    /// The dates' last run failed.
    Retry,
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// The report's partitions were replaced.
    Succeeded,
    /// Nothing was replaced; `error` says why.
    Failed,
}

/// One run of one job, as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The job's name.
    pub job: String,
    /// The report it ran.
    pub report: String,
    /// Its number among the job's runs (1, 2, …).
    pub run: u64,
    /// Why it ran.
    pub trigger: Trigger,
    /// The cron moment it stands for (RFC 3339, UTC); null for recomputations.
    pub scheduled_for: Option<String>,
    /// First local date covered, for range reports.
    pub window_from: Option<NaiveDate>,
    /// Last local date covered (inclusive), for range reports.
    pub window_to: Option<NaiveDate>,
    /// The snapshot moment, for snapshot reports (RFC 3339, UTC).
    pub as_of: Option<String>,
    /// The lake's commit version when the run started: data committed later is "late".
    pub lake_version: u64,
    /// When it started (RFC 3339, UTC).
    pub started_at: String,
    /// When it ended.
    pub finished_at: String,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
    /// Rows the report wrote.
    pub rows: u64,
    /// Output partitions it replaced.
    pub partitions: u64,
    /// How it ended.
    pub status: RunStatus,
    /// The error chain, when it failed.
    pub error: Option<String>,
}

/// RFC 3339 with seconds, `Z` for UTC: the form every record uses.
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses a record's timestamp.
pub fn parse_ts(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

impl RunRecord {
    /// The window it covered.
    pub fn window(&self) -> Option<Window> {
        match (self.window_from, self.window_to, &self.as_of) {
            (Some(from), Some(to), _) => Some(Window::dates(from, to)),
            (_, _, Some(at)) => parse_ts(at).map(Window::AsOf),
            _ => None,
        }
    }

    /// The cron moment it stands for, if it was scheduled (or caught up).
    pub fn scheduled_moment(&self) -> Option<DateTime<Utc>> {
        self.scheduled_for.as_deref().and_then(parse_ts)
    }
}

fn store_error(path: &Path) -> impl FnOnce(object_store::Error) -> JobsError + '_ {
    move |source| JobsError::Store {
        path: path.to_string(),
        source,
    }
}

fn job_dir(job: &str) -> Path {
    Path::from(format!("{RUNS_DIR}/{job}"))
}

fn record_path(job: &str, run: u64) -> Path {
    Path::from(format!("{RUNS_DIR}/{job}/{run:020}.json"))
}

/// Names of the jobs that have records, sorted.
pub async fn jobs_with_records(store: &Arc<dyn ObjectStore>) -> Result<Vec<String>, JobsError> {
    let root = Path::from(RUNS_DIR);
    let listing = store
        .list_with_delimiter(Some(&root))
        .await
        .map_err(store_error(&root));
    let listing = match listing {
        Ok(l) => l,
        Err(JobsError::Store {
            source: object_store::Error::NotFound { .. },
            ..
        }) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut jobs: Vec<String> = listing
        .common_prefixes
        .iter()
        .filter_map(|p| p.filename().map(str::to_owned))
        .collect();
    jobs.sort();
    Ok(jobs)
}

/// Every record of a job, oldest first.
pub async fn read_records(
    store: &Arc<dyn ObjectStore>,
    job: &str,
) -> Result<Vec<RunRecord>, JobsError> {
    let dir = job_dir(job);
    let mut paths: Vec<Path> = match store.list(Some(&dir)).try_collect::<Vec<_>>().await {
        Ok(metas) => metas.into_iter().map(|m| m.location).collect(),
        Err(object_store::Error::NotFound { .. }) => Vec::new(),
        Err(source) => {
            return Err(JobsError::Store {
                path: dir.to_string(),
                source,
            });
        }
    };
    paths.retain(|p| p.extension() == Some("json"));
    paths.sort();
    let mut records = Vec::with_capacity(paths.len());
    for path in paths {
        let bytes = store
            .get(&path)
            .await
            .map_err(store_error(&path))?
            .bytes()
            .await
            .map_err(store_error(&path))?;
        let record: RunRecord =
            serde_json::from_slice(&bytes).map_err(|source| JobsError::CorruptRecord {
                path: path.to_string(),
                source,
            })?;
        records.push(record);
    }
    records.sort_by_key(|r| r.run);
    Ok(records)
}

/// Stores a record as the job's next run number after `record.run - 1`, moving on past
/// numbers another scheduler took first; returns the number it landed as.
pub async fn append_record(
    store: &Arc<dyn ObjectStore>,
    record: &mut RunRecord,
) -> Result<u64, JobsError> {
    loop {
        let path = record_path(&record.job, record.run);
        let mut body = serde_json::to_vec(&*record).map_err(|source| JobsError::Internal {
            what: format!("encoding the run record {path}: {source}"),
        })?;
        body.push(b'\n');
        let options = PutOptions {
            mode: PutMode::Create,
            ..PutOptions::default()
        };
        match store.put_opts(&path, PutPayload::from(body), options).await {
            Ok(_) => return Ok(record.run),
            Err(object_store::Error::AlreadyExists { .. }) => record.run += 1,
            Err(source) => {
                return Err(JobsError::Store {
                    path: path.to_string(),
                    source,
                });
            }
        }
    }
}
