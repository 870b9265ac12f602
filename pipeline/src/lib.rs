//! # roomsight-pipeline: jobs, incidents and the ticketing feed
//!
//! Owns what runs on a schedule and what leaves the system:
//! - report jobs and their outputs (`reports/<report>/report_date=…/`), replaced atomically;
//! - the scheduler (cron expressions, catch-up of missed runs, recomputation after late data);
//! - the incident lifecycle of `docs/incidents.md` (open, update, resolve, reopen, auto-close) and
//!   the maintenance windows that keep planned work from opening incidents;
//! - the ticketing sinks (Kafka `room-incidents`, ServiceNow Table API, webhooks) behind a
//!   durable outbox, exactly once in effect;
//! - the self-contained HTML estate dashboard.
//!
//! It uses `queries` for SQL and `models` for anomaly scores; it must not parse telemetry
//! itself (that is `ingest`) nor embed SQL text outside `queries`.

mod batch_log;
pub mod dashboard;
pub mod detect;
pub mod feed;
pub mod gate;
pub mod incidents;
pub mod jobs;
pub mod maintenance;
pub mod report;
