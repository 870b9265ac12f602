//! Command-line tests of the `roomsight` binary: exit codes, output and settings layering.
#![allow(clippy::unwrap_used, reason = "test fixtures fail loudly by design")]

#[path = "../../ingest/tests/it/broker.rs"]
mod broker;
mod dashboard;
mod detect;
mod detect_rules;
mod feed_cli;
mod incidents_cli;
mod ingest;
mod ingest_gap;
mod ingest_group;
mod ingest_kafka;
mod jobs;
mod kafka;
mod lake;
mod maintenance;
#[path = "../../ingest/tests/it/moto.rs"]
mod moto;
mod report;
mod repository;
mod s3;
mod settings;
mod simulate;
mod sql_cli;
mod validate;

use assert_cmd::Command;

/// The built `roomsight` binary with a clean environment for its settings.
pub(crate) fn roomsight() -> Command {
    Command::from_std(roomsight_process())
}

/// The same as a plain process, for tests that spawn it in the background and signal it.
pub(crate) fn roomsight_process() -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("roomsight"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("ROOMSIGHT_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// A valid heartbeat line with the given event id.
pub(crate) fn heartbeat(event_id: &str) -> String {
    format!(
        r#"{{"schema":"roomsight.telemetry/v1","type":"heartbeat","event_id":"{event_id}","ts":"2026-11-24T09:15:00Z","device_id":"dev-1","room_id":"room-1","platform":"windows","app_version":"5.2.1","os_version":"10.0.22631","teams_signed_in":true,"exchange_signed_in":true,"cpu_pct":12.5,"mem_pct":40,"uptime_s":3600}}"#
    )
}
