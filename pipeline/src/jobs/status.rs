//! The jobs section of `lake status`: per job, how many runs, how many failed, and the last.

use std::fmt;

use roomsight_ingest::lake::store::Lake;
use serde::Serialize;

use super::error::Result;
use super::record::{RunRecord, RunStatus, jobs_with_records, read_records};

/// One job's runs, summed up.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JobStatus {
    /// The job.
    pub job: String,
    /// Runs recorded.
    pub runs: u64,
    /// Of which failed.
    pub failed: u64,
    /// The newest run.
    pub last: RunRecord,
}

/// Every job with run records in the lake, by name.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct JobsStatus {
    /// The jobs.
    pub jobs: Vec<JobStatus>,
}

/// Reads the run records of every job in the lake.
pub async fn jobs_status(lake: &Lake) -> Result<JobsStatus> {
    let mut jobs = Vec::new();
    for job in jobs_with_records(lake.store()).await? {
        let records = read_records(lake.store(), &job).await?;
        let failed = records
            .iter()
            .filter(|r| r.status == RunStatus::Failed)
            .count();
        if let Some(last) = records.last() {
            jobs.push(JobStatus {
                job,
                runs: records.len() as u64,
                failed: failed as u64,
                last: last.clone(),
            });
        }
    }
    Ok(JobsStatus { jobs })
}

impl fmt::Display for JobsStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.jobs.is_empty() {
            return writeln!(f, "jobs: no runs recorded");
        }
        writeln!(f, "jobs:")?;
        writeln!(
            f,
            "  {:<24} {:>5} {:>6}  {:<9} {:<23} {:<24} {:>9} {:>8}",
            "job", "runs", "failed", "last", "window", "finished", "rows", "ms"
        )?;
        for job in &self.jobs {
            let last = &job.last;
            let window = last
                .window()
                .map_or_else(|| "-".to_owned(), |w| w.to_string());
            let status = match last.status {
                RunStatus::Succeeded => "succeeded",
                RunStatus::Failed => "FAILED",
            };
            writeln!(
                f,
                "  {:<24} {:>5} {:>6}  {:<9} {:<23} {:<24} {:>9} {:>8}",
                job.job,
                job.runs,
                job.failed,
                status,
                window,
                last.finished_at,
                last.rows,
                last.duration_ms
            )?;
            if let Some(error) = &last.error {
                writeln!(f, "    error: {error}")?;
            }
        }
        Ok(())
    }
}
