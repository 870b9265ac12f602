//! The feeder: reads the outbox (the lake's incident events), delivers each sink's pending
//! events in order per incident, and records each confirmed delivery in the sink's progress.
//!
//! Per sink and pass: incidents are taken in the order they first appear in the lake; a parked
//! incident is skipped (its later events wait behind the refused one) and does not block the
//! others; an unavailable sink (429, 5xx, no connection) is retried with exponential backoff,
//! honouring `Retry-After` up to the policy's longest wait, and after the policy's patience is
//! spent the pass ends for that sink with its events still pending: they stay in the outbox for
//! the next pass. 401/403 stop the sink. Sinks run concurrently and independently.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use object_store::ObjectStore;
use tokio::time::Instant;

use crate::incidents::{IncidentEvent, IncidentStore};

use super::error::{FeedError, Result};
use super::kafka::{KafkaSink, KafkaSinkConfig};
use super::progress::{Parked, SinkProgress};
use super::servicenow::{ServiceNowConfig, ServiceNowSink};
use super::sink::{Delivery, Sink};
use super::webhook::{WebhookConfig, WebhookSink};

/// How long to keep retrying an unavailable sink.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The first wait after a failure; doubled after each further failure.
    pub first_delay: Duration,
    /// The longest single wait (also caps `Retry-After`).
    pub max_delay: Duration,
    /// How long one event may keep failing before the pass ends for its sink.
    pub patience: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            first_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
            patience: Duration::from_secs(15 * 60),
        }
    }
}

/// Which sinks to deliver to.
#[derive(Clone, Debug, Default)]
pub struct FeedConfig {
    /// Kafka `room-incidents`.
    pub kafka: Option<KafkaSinkConfig>,
    /// A ServiceNow instance.
    pub servicenow: Option<ServiceNowConfig>,
    /// A webhook receiver.
    pub webhook: Option<WebhookConfig>,
    /// Retrying unavailable sinks.
    pub retry: RetryPolicy,
    /// Try parked incidents again (their refused event first).
    pub retry_parked: bool,
}

/// What one pass did at one sink.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SinkReport {
    /// The sink.
    pub sink: &'static str,
    /// Events delivered in this pass.
    pub delivered: usize,
    /// Events still waiting (sink unavailable, or behind a parked event).
    pub pending: usize,
    /// Parked incidents: id and why.
    pub parked: Vec<(String, Parked)>,
    /// Why the sink was unavailable when the pass gave up on it.
    pub unavailable: Option<String>,
    /// Why the sink stopped for good (bad credentials): fix the configuration.
    pub stopped: Option<String>,
}

impl SinkReport {
    /// Whether every event reached this sink.
    pub fn all_delivered(&self) -> bool {
        self.pending == 0 && self.parked.is_empty() && self.stopped.is_none()
    }
}

/// What one pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeedReport {
    /// Per configured sink.
    pub sinks: Vec<SinkReport>,
}

impl FeedReport {
    /// Whether every event reached every sink.
    pub fn all_delivered(&self) -> bool {
        self.sinks.iter().all(SinkReport::all_delivered)
    }
}

/// The configured sinks, ready to deliver.
pub struct Feeder {
    kafka: Option<KafkaSink>,
    servicenow: Option<ServiceNowSink>,
    webhook: Option<WebhookSink>,
    retry: RetryPolicy,
    retry_parked: bool,
}

impl Feeder {
    /// Sets up the configured sinks.
    pub fn new(config: FeedConfig) -> Result<Feeder> {
        let kafka = match &config.kafka {
            Some(c) => Some(KafkaSink::new(c).map_err(|reason| FeedError::Config {
                sink: "kafka",
                reason,
            })?),
            None => None,
        };
        let servicenow = match config.servicenow {
            Some(c) => Some(ServiceNowSink::new(c).map_err(|reason| FeedError::Config {
                sink: "servicenow",
                reason,
            })?),
            None => None,
        };
        let webhook = match config.webhook {
            Some(c) => Some(WebhookSink::new(c).map_err(|reason| FeedError::Config {
                sink: "webhook",
                reason,
            })?),
            None => None,
        };
        Ok(Feeder {
            kafka,
            servicenow,
            webhook,
            retry: config.retry,
            retry_parked: config.retry_parked,
        })
    }

    /// Whether any sink is configured.
    pub fn has_sinks(&self) -> bool {
        self.kafka.is_some() || self.servicenow.is_some() || self.webhook.is_some()
    }

    /// One pass: delivers every pending event to every sink that is still running.
    pub async fn deliver_pending(&mut self, store: &IncidentStore) -> Result<FeedReport> {
        let events = store.read().await?.events;
        let objects = store.object_store();
        let (retry, unpark) = (self.retry, std::mem::take(&mut self.retry_parked));
        let (k, s, w) = tokio::join!(
            pass(self.kafka.as_mut(), objects, &events, retry, unpark),
            pass(self.servicenow.as_mut(), objects, &events, retry, unpark),
            pass(self.webhook.as_mut(), objects, &events, retry, unpark),
        );
        let mut report = FeedReport::default();
        for r in [k, s, w].into_iter().flatten() {
            report.sinks.push(r?);
        }
        // A sink that refused the credentials stays stopped.
        for r in &report.sinks {
            if r.stopped.is_some() {
                match r.sink {
                    "kafka" => self.kafka = None,
                    "servicenow" => self.servicenow = None,
                    _ => self.webhook = None,
                }
            }
        }
        Ok(report)
    }

    /// Delivers until `shutdown` completes: a pass, then a wait of `poll`, and again. Progress
    /// is saved after every delivery, so stopping at any moment loses nothing. Ends with an
    /// error when every sink has stopped for bad credentials.
    pub async fn run(
        &mut self,
        store: &IncidentStore,
        poll: Duration,
        shutdown: impl Future<Output = ()>,
    ) -> Result<()> {
        tokio::select! {
            r = self.run_passes(store, poll) => r,
            () = shutdown => Ok(()),
        }
    }

    async fn run_passes(&mut self, store: &IncidentStore, poll: Duration) -> Result<()> {
        loop {
            let report = self.deliver_pending(store).await?;
            for r in &report.sinks {
                tracing::info!(
                    sink = r.sink,
                    delivered = r.delivered,
                    pending = r.pending,
                    parked = r.parked.len(),
                    "feed pass"
                );
                if let Some(stopped) = &r.stopped {
                    tracing::error!(sink = r.sink, "{stopped}");
                }
            }
            if !self.has_sinks() {
                let reason: Vec<String> = report
                    .sinks
                    .iter()
                    .filter_map(|r| r.stopped.clone())
                    .collect();
                return Err(FeedError::Config {
                    sink: "feed",
                    reason: format!("every sink stopped: {}", reason.join("; ")),
                });
            }
            tokio::time::sleep(poll).await;
        }
    }
}

/// One sink's pass over the outbox (`None` when the sink is not configured).
async fn pass<S: Sink>(
    sink: Option<&mut S>,
    objects: &Arc<dyn ObjectStore>,
    events: &[IncidentEvent],
    retry: RetryPolicy,
    unpark: bool,
) -> Option<Result<SinkReport>> {
    let sink = sink?;
    Some(deliver_sink(sink, objects, events, retry, unpark).await)
}

/// The outbox by incident, in order of first appearance, each incident's events by `seq`.
fn by_incident(events: &[IncidentEvent]) -> Vec<Vec<&IncidentEvent>> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut groups: Vec<Vec<&IncidentEvent>> = Vec::new();
    for e in events {
        let i = *index.entry(&e.incident_id).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[i].push(e);
    }
    for g in &mut groups {
        g.sort_by_key(|e| e.seq);
    }
    groups
}

async fn deliver_sink<S: Sink>(
    sink: &mut S,
    objects: &Arc<dyn ObjectStore>,
    events: &[IncidentEvent],
    retry: RetryPolicy,
    unpark: bool,
) -> Result<SinkReport> {
    let name = sink.name();
    let mut progress = SinkProgress::load(objects, name).await?;
    if unpark && progress.unpark_all() > 0 {
        progress.save(objects, name).await?;
    }
    let mut report = SinkReport {
        sink: name,
        ..SinkReport::default()
    };
    for group in by_incident(events) {
        let first = group[0];
        let id = first.incident_id.as_str();
        let mut p = progress.incidents.get(id).cloned().unwrap_or_default();
        let pending: Vec<_> = group
            .into_iter()
            .filter(|e| e.seq > p.delivered_seq)
            .collect();
        if let Some(parked) = &p.parked {
            report.pending += pending.len();
            report.parked.push((id.to_string(), parked.clone()));
            continue;
        }
        for (i, event) in pending.iter().enumerate() {
            if report.unavailable.is_some() || report.stopped.is_some() {
                report.pending += pending.len() - i;
                break;
            }
            let mut delay = retry.first_delay;
            let started = Instant::now();
            let outcome = loop {
                let before = p.clone();
                let outcome = sink.deliver(event, &mut p).await;
                if p != before && !matches!(outcome, Delivery::Done) {
                    // A ticket found or created before the failure: keep it.
                    progress.incidents.insert(id.to_string(), p.clone());
                    progress.save(objects, name).await?;
                }
                match outcome {
                    Delivery::Retry { reason, after } => {
                        if started.elapsed() >= retry.patience {
                            break Delivery::Retry { reason, after };
                        }
                        let wait = after.unwrap_or_default().max(delay).min(retry.max_delay);
                        tracing::warn!(sink = name, incident_id = id, seq = event.seq, %reason, wait_ms = wait.as_millis() as u64, "sink unavailable; retrying");
                        tokio::time::sleep(wait).await;
                        delay = (delay * 2).min(retry.max_delay);
                    }
                    other => break other,
                }
            };
            match outcome {
                Delivery::Done => {
                    p.delivered_seq = event.seq;
                    progress.incidents.insert(id.to_string(), p.clone());
                    progress.save(objects, name).await?;
                    report.delivered += 1;
                }
                Delivery::Park { reason } => {
                    tracing::warn!(sink = name, incident_id = id, seq = event.seq, %reason, "sink refused the event; incident parked");
                    let parked = Parked {
                        seq: event.seq,
                        error: reason,
                        at: Utc::now(),
                    };
                    p.parked = Some(parked.clone());
                    progress.incidents.insert(id.to_string(), p.clone());
                    progress.save(objects, name).await?;
                    report.parked.push((id.to_string(), parked));
                    report.pending += pending.len() - i;
                    break;
                }
                Delivery::Retry { reason, .. } => {
                    tracing::warn!(sink = name, %reason, "sink still unavailable; its events stay in the outbox");
                    report.unavailable = Some(reason);
                    report.pending += pending.len() - i;
                    break;
                }
                Delivery::Unauthorized { status } => {
                    report.stopped =
                        Some(FeedError::Unauthorized { sink: name, status }.to_string());
                    report.pending += pending.len() - i;
                    break;
                }
            }
        }
    }
    Ok(report)
}
