//! The Kafka loop: one consumer-group member feeding the lake writer.
//!
//! The rebalance callbacks run inside `poll` on this thread and reach the writer through the
//! same mutex the loop uses between polls (never held across a poll): on assignment the writer
//! reads the lake's offsets (and the event ids of files other members committed); before a
//! revocation it commits what it buffered, so the next owner continues exactly there. After a
//! refused commit (another member moved a partition on) the loop seeks every assigned partition
//! back to the lake's offsets.
//!
//! A gap — Kafka serving a later offset than the one a partition continues at (retention,
//! compaction, deleted records, transaction markers) — is checked again by seeking back to the
//! expected offset before it is believed; a confirmed gap is counted, logged and recorded in the
//! lake's next commit ([`OnGap::Record`]), or stops the run ([`OnGap::Fail`]).
//!
//! A due flush lands on a background thread while the loop polls on
//! ([`LakeWriter::flush_in_background`], at most one in flight); the group offsets follow
//! each flush when it has landed. A revocation, `--once` catching up and the stop wait for it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::{RunError, RunSummary, Shutdown, log_flush};
use rdkafka::error::{KafkaError as RdError, RDKafkaErrorCode};

use crate::kafka::{
    Assignment, ConsumerConfig, KafkaError, Polled, ProducerConfig, StartOffsets,
    TelemetryConsumer, TelemetryProducer,
};
use crate::lake::rows::Origin;
use crate::timestamp::Timestamp;
use crate::writer::{Accepted, LakeWriter, Message, WriterError, scrub_raw};

/// How the loop runs.
#[derive(Clone, Debug)]
pub struct KafkaRun {
    /// The consumer's settings.
    pub consumer: ConsumerConfig,
    /// Return once every assigned partition is at its end and committed.
    pub once: bool,
    /// How often consumer lag is measured for the metrics.
    pub lag_interval: Duration,
    /// Also produce every rejected message (scrubbed, keyed by its reason) to this topic.
    pub dlq_topic: Option<String>,
    /// What a confirmed gap does.
    pub on_gap: OnGap,
}

/// What the ingest does when a partition continues after a gap: offsets Kafka no longer has
/// between where the lake stopped and what the broker serves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnGap {
    /// Count it, log it, record its range in the lake's next commit, and go on. Transaction
    /// markers and compaction make gaps normal on some topics.
    #[default]
    Record,
    /// Stop with [`RunError::Gap`], after committing what was read before it.
    Fail,
}

/// The writer as the consumer's rebalance hook.
struct LakeOwner {
    writer: Arc<Mutex<LakeWriter>>,
    source: String,
}

fn lock(writer: &Mutex<LakeWriter>) -> MutexGuard<'_, LakeWriter> {
    writer
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl StartOffsets for LakeOwner {
    fn start_offsets(
        &self,
        _topic: &str,
        _partitions: &[i32],
    ) -> Result<BTreeMap<i32, i64>, String> {
        lock(&self.writer)
            .resume_offsets(&self.source)
            .map_err(|e| e.to_string())
    }

    fn revoking(&self, _topic: &str, partitions: &[i32]) {
        let mut writer = lock(&self.writer);
        let started = Instant::now();
        match writer.flush() {
            Ok(Some(flushed)) => {
                log_flush(&flushed, started);
                tracing::info!(?partitions, "committed before handing partitions over");
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, "could not commit before the hand-over; the next owner re-reads")
            }
        }
    }
}

/// Consumes until stopped (or caught up with `once`), committing to the lake.
pub fn run(
    config: &KafkaRun,
    writer: LakeWriter,
    shutdown: &Shutdown,
) -> Result<RunSummary, RunError> {
    let topic = config.consumer.topic.clone();
    let source = format!("kafka:{topic}");
    let metrics = Arc::clone(writer.metrics());
    let writer = Arc::new(Mutex::new(writer));
    let owner = Arc::new(LakeOwner {
        writer: Arc::clone(&writer),
        source: source.clone(),
    });
    let consumer = TelemetryConsumer::new(&config.consumer, owner)?;
    let mut dlq = match &config.dlq_topic {
        Some(topic) => Some(TelemetryProducer::new(&ProducerConfig {
            brokers: config.consumer.brokers.clone(),
            topic: topic.clone(),
            options: config.consumer.options.clone(),
        })?),
        None => None,
    };
    let mut summary = RunSummary::default();
    let mut assigned = BTreeSet::new();
    let mut at_end = BTreeSet::new();
    let mut positions: BTreeMap<i32, i64> = BTreeMap::new();
    let mut last_lag = Instant::now();
    let mut last_warning = None;
    // Per partition: the expected offset a gap was seen at and re-checked by seeking back to it.
    let mut rechecked: BTreeMap<i32, i64> = BTreeMap::new();
    // `--once`: the ends of the partitions other members owned when this one first caught up,
    // and when the lake was last checked against them.
    let mut others_ends: Option<BTreeMap<i32, i64>> = None;
    let mut last_group_check: Option<Instant> = None;
    let result = loop {
        if shutdown.requested() {
            tracing::info!("stop requested: committing what was read");
            break Ok(());
        }
        let polled = match consumer.poll(Duration::from_millis(100)) {
            Ok(polled) => polled,
            Err(KafkaError::Consume { source, .. }) if is_transient(&source) => {
                // Brokers restarting, a leader moving: librdkafka reconnects by itself.
                if last_warning.is_none_or(|t: Instant| t.elapsed() >= Duration::from_secs(10)) {
                    tracing::warn!(error = %source, "Kafka is not reachable right now; retrying");
                    last_warning = Some(Instant::now());
                }
                None
            }
            Err(e) => break Err(RunError::from(e)),
        };
        for change in consumer.take_assignment_changes() {
            match change {
                Assignment::Assigned(parts) => {
                    for (p, offset) in parts {
                        rechecked.remove(&p);
                        assigned.insert(p);
                        positions.insert(p, offset);
                        metrics.assign_partition(&topic, p);
                    }
                }
                Assignment::Revoked(parts) => {
                    for p in parts {
                        rechecked.remove(&p);
                        assigned.remove(&p);
                        at_end.remove(&p);
                        positions.remove(&p);
                        metrics.forget_partition(&topic, p);
                    }
                }
            }
        }
        let mut w = lock(&writer);
        match polled {
            Some(Polled::Message(m)) => {
                at_end.remove(&m.partition);
                let gap = w
                    .next_offset(&source, m.partition)
                    .filter(|&expected| m.offset > expected);
                match gap {
                    Some(from) if rechecked.get(&m.partition) != Some(&from) => {
                        // The broker may have answered from the wrong place once: ask again
                        // before believing that the offsets in between are gone.
                        tracing::info!(
                            partition = m.partition,
                            asked = from,
                            served = m.offset,
                            "Kafka served a later offset than the partition continues at; seeking back to check the gap"
                        );
                        rechecked.insert(m.partition, from);
                        if let Err(e) = consumer.seek(m.partition, Some(from)) {
                            tracing::warn!(partition = m.partition, error = %e, "could not seek back to check a gap");
                        }
                        continue;
                    }
                    Some(from) => {
                        rechecked.remove(&m.partition);
                        if config.on_gap == OnGap::Fail {
                            break Err(RunError::Gap {
                                topic: topic.clone(),
                                partition: m.partition,
                                from,
                                to: m.offset,
                            });
                        }
                    }
                    None => {
                        rechecked.remove(&m.partition);
                    }
                }
                positions.insert(m.partition, m.offset + 1);
                let message = Message {
                    source: &source,
                    partition: m.partition,
                    offset: m.offset,
                    origin: Origin::Kafka {
                        topic: &topic,
                        partition: m.partition,
                        offset: m.offset,
                    },
                };
                let accepted = w.accept(&message, &m.payload, Timestamp::now());
                if let (Accepted::DeadLetter(reason), Some(dlq)) = (accepted, dlq.as_mut())
                    && let Err(e) = dlq.send(reason.as_str().as_bytes(), &scrub_raw(&m.payload))
                {
                    tracing::warn!(error = %e, "could not queue a dead letter for the DLQ topic; it is in the lake");
                }
            }
            Some(Polled::End { partition }) => {
                at_end.insert(partition);
            }
            None => {}
        }
        let caught_up = !assigned.is_empty() && assigned.is_subset(&at_end);
        if w.flush_due() || (config.once && caught_up && w.has_pending()) {
            flush(
                &mut w,
                Flush::Background,
                &consumer,
                &source,
                &assigned,
                &mut summary,
                &mut at_end,
            );
        }
        w.report_buffered();
        drop(w);
        if last_lag.elapsed() >= config.lag_interval {
            report_lag(&consumer, &metrics, &topic, &assigned, &positions);
            last_lag = Instant::now();
        }
        if config.once
            && caught_up
            && !lock(&writer).has_pending()
            && last_group_check.is_none_or(|t| t.elapsed() >= GROUP_CHECK_EVERY)
        {
            last_group_check = Some(Instant::now());
            match group_landed(&consumer, &writer, &source, &assigned, &mut others_ends) {
                Ok(true) => {
                    tracing::info!(partitions = ?assigned, "caught up: every assigned partition is at its end and committed, and the lake holds the rest of the topic");
                    break Ok(());
                }
                Ok(false) => tracing::debug!(
                    waiting_for = ?others_ends,
                    "caught up on this member's partitions; waiting until the lake holds the others' too"
                ),
                Err(e) => tracing::debug!(error = %e, "could not check the rest of the topic yet"),
            }
        }
    };
    let mut w = lock(&writer);
    flush(
        &mut w,
        Flush::Now,
        &consumer,
        &source,
        &assigned,
        &mut summary,
        &mut at_end,
    );
    drop(w);
    drop(consumer);
    if let Some(dlq) = dlq
        && let Err(e) = dlq.finish(Duration::from_secs(30))
    {
        tracing::warn!(error = %e, "some dead letters did not reach the DLQ topic; all are in the lake");
    }
    result.map(|()| summary)
}

/// How a flush lands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flush {
    /// On a background thread while the loop reads on; what lands is the previous flush.
    Background,
    /// Now, after the one in flight.
    Now,
}

/// Flushes; commits the group offsets after a lake commit, or seeks back to the lake's
/// offsets after a refused one.
fn flush(
    writer: &mut LakeWriter,
    how: Flush,
    consumer: &TelemetryConsumer,
    source: &str,
    assigned: &BTreeSet<i32>,
    summary: &mut RunSummary,
    at_end: &mut BTreeSet<i32>,
) {
    let started = Instant::now();
    let landed = match how {
        Flush::Background => writer.flush_in_background(),
        Flush::Now => writer.flush(),
    };
    match landed {
        Ok(Some(flushed)) => {
            log_flush(&flushed, started);
            summary.add(&flushed);
            let next: BTreeMap<i32, i64> = flushed
                .sources
                .iter()
                .filter(|r| r.source == source)
                .map(|r| (r.partition, r.to))
                .collect();
            for (&p, &o) in &next {
                writer
                    .metrics()
                    .set_committed_offset(source.trim_start_matches("kafka:"), p, o);
            }
            if let Err(e) = consumer.commit(&next) {
                tracing::warn!(error = %e, "the lake committed but the group offsets could not be; lag tools lag behind");
            }
        }
        Ok(None) => {}
        Err(e) => {
            if matches!(e, WriterError::Fenced { .. }) {
                summary.fenced += 1;
            }
            let lake = writer.state().source_offsets(source);
            tracing::warn!(error = %e, "continuing from the lake's offsets");
            for &p in assigned {
                at_end.remove(&p);
                if let Err(e) = consumer.seek(p, lake.get(&p).copied()) {
                    tracing::warn!(partition = p, error = %e, "could not seek back to the lake's offset");
                }
            }
        }
    }
}

/// How often a caught-up `--once` member checks the lake for the partitions it does not own.
const GROUP_CHECK_EVERY: Duration = Duration::from_millis(500);

/// `--once`: whether the lake holds the topic's other partitions (those this member does not
/// own) up to the ends they had when this member first caught up. A member's own partitions
/// being at their end is not enough in a group: a member that was killed keeps its partitions
/// until its session expires, and a closing member that exited meanwhile would leave them
/// unread. Waiting here, it gets them in the rebalance that follows the expiry; live members
/// land theirs and the lake shows it. Empty partitions need nothing.
fn group_landed(
    consumer: &TelemetryConsumer,
    writer: &Mutex<LakeWriter>,
    source: &str,
    assigned: &BTreeSet<i32>,
    others_ends: &mut Option<BTreeMap<i32, i64>>,
) -> Result<bool, String> {
    let timeout = Duration::from_secs(5);
    let ends = match others_ends {
        Some(ends) => ends,
        None => {
            let mut ends = BTreeMap::new();
            for p in consumer.partitions(timeout).map_err(|e| e.to_string())? {
                if assigned.contains(&p) {
                    continue;
                }
                let (low, high) = consumer.watermarks(p, timeout).map_err(|e| e.to_string())?;
                if high > low {
                    ends.insert(p, high);
                }
            }
            others_ends.insert(ends)
        }
    };
    if ends.keys().all(|p| assigned.contains(p)) {
        return Ok(true);
    }
    let mut w = lock(writer);
    w.refresh().map_err(|e| e.to_string())?;
    Ok(ends.iter().all(|(p, &end)| {
        assigned.contains(p) || w.next_offset(source, *p).is_some_and(|next| next >= end)
    }))
}

fn report_lag(
    consumer: &TelemetryConsumer,
    metrics: &crate::metrics::Metrics,
    topic: &str,
    assigned: &BTreeSet<i32>,
    positions: &BTreeMap<i32, i64>,
) {
    for &p in assigned {
        match consumer.end_offset(p, Duration::from_millis(500)) {
            Ok(end) => {
                let position = positions.get(&p).copied().unwrap_or(0);
                metrics.set_lag(topic, p, (end - position).max(0));
            }
            Err(e) => tracing::debug!(partition = p, error = %e, "could not measure lag"),
        }
    }
}

/// Errors librdkafka recovers from by itself (connections, leadership, timeouts): the loop
/// keeps polling. Anything else (authorization, an unknown topic, a fatal client error) stops
/// the run with its message.
fn is_transient(e: &RdError) -> bool {
    use RDKafkaErrorCode as C;
    matches!(
        e.rdkafka_error_code(),
        Some(
            C::BrokerTransportFailure
                | C::AllBrokersDown
                | C::Resolve
                | C::OperationTimedOut
                | C::RequestTimedOut
                | C::LeaderNotAvailable
                | C::NotLeaderForPartition
                | C::NetworkException
                | C::CoordinatorNotAvailable
                | C::NotCoordinator
                | C::CoordinatorLoadInProgress
                | C::UnknownTopicOrPartition
        )
    )
}
