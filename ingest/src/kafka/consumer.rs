//! A member of the ingest consumer group whose start positions come from the lake.
//!
//! Kafka's group offsets are not the truth about what has landed: the lake's commit log is. On
//! every partition assignment the rebalance callback asks a [`StartOffsets`] source (the lake)
//! where each partition continues and assigns the partitions at exactly those offsets; a
//! partition the lake has never seen starts at its beginning. Before partitions are given up,
//! [`StartOffsets::revoking`] lets the owner commit what it buffered (a clean hand-over); the
//! revocation is then queued as [`Assignment::Revoked`]. Whatever was not committed is re-read
//! by the new owner from the lake's offsets, so nothing is lost and, because a lake commit is
//! conditional on the partition's offset, nothing lands twice.
//!
//! Group offsets are still committed after each lake commit ([`TelemetryConsumer::commit`]) so
//! that standard lag tools see progress; they are never read back.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext};
use rdkafka::error::KafkaError as RdError;
use rdkafka::message::Message;
use rdkafka::types::RDKafkaRespErr;
use rdkafka::{ClientConfig, ClientContext, Offset, TopicPartitionList};

use super::context::{Context, KafkaError, KafkaResult};

/// Where each partition of a topic continues: partition → next offset to read.
pub trait StartOffsets: Send + Sync {
    /// The next offset to read per partition, for those the source knows; others start at the
    /// beginning. An error leaves the assignment unmade and is reported by the next poll.
    fn start_offsets(&self, topic: &str, partitions: &[i32]) -> Result<BTreeMap<i32, i64>, String>;

    /// Called before these partitions are given up in a rebalance, so the owner can commit what
    /// it buffered for them and hand over cleanly. Runs inside [`TelemetryConsumer::poll`].
    fn revoking(&self, _topic: &str, _partitions: &[i32]) {}
}

/// A change of the partitions this member owns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Assignment {
    /// These partitions were assigned, starting at these offsets.
    Assigned(Vec<(i32, i64)>),
    /// These partitions were taken away: drop anything buffered for them.
    Revoked(Vec<i32>),
}

/// Consumer settings.
#[derive(Clone, Debug)]
pub struct ConsumerConfig {
    /// Bootstrap servers.
    pub brokers: String,
    /// The telemetry topic.
    pub topic: String,
    /// The consumer group shared by all ingest processes.
    pub group: String,
    /// Extra librdkafka properties, applied last.
    pub options: Vec<(String, String)>,
}

/// One consumed message, copied out of librdkafka's buffers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consumed {
    /// Partition.
    pub partition: i32,
    /// Offset.
    pub offset: i64,
    /// The message value (empty for a null value).
    pub payload: Vec<u8>,
}

/// What one poll brought.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Polled {
    /// A message.
    Message(Consumed),
    /// The member has read everything the broker had in this partition so far.
    End {
        /// Partition.
        partition: i32,
    },
}

/// The rebalance-aware context.
struct GroupContext {
    base: Context,
    topic: String,
    offsets: Arc<dyn StartOffsets>,
    changes: Mutex<Vec<Assignment>>,
    failure: Mutex<Option<String>>,
}

impl ClientContext for GroupContext {
    fn log(&self, level: rdkafka::config::RDKafkaLogLevel, fac: &str, message: &str) {
        self.base.log(level, fac, message);
    }

    fn error(&self, error: RdError, reason: &str) {
        // Reaching a partition's end is news for `--once`, not an error.
        if matches!(error, RdError::PartitionEOF(_))
            || error.rdkafka_error_code() == Some(rdkafka::types::RDKafkaErrorCode::PartitionEOF)
        {
            tracing::debug!("{reason}");
        } else {
            tracing::warn!(error = %error, "Kafka client: {reason}");
        }
    }
}

impl ConsumerContext for GroupContext {
    fn rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        err: RDKafkaRespErr,
        tpl: &mut TopicPartitionList,
    ) {
        let partitions: Vec<i32> = tpl
            .elements()
            .iter()
            .filter(|e| e.topic() == self.topic)
            .map(|e| e.partition())
            .collect();
        match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => {
                let known = match self.offsets.start_offsets(&self.topic, &partitions) {
                    Ok(known) => known,
                    Err(e) => {
                        self.fail(format!("could not read the lake's offsets: {e}"));
                        return;
                    }
                };
                let mut assigned = Vec::new();
                for &p in &partitions {
                    let offset = known
                        .get(&p)
                        .map_or(Offset::Beginning, |&o| Offset::Offset(o));
                    if let Err(e) = tpl.set_partition_offset(&self.topic, p, offset) {
                        self.fail(format!("could not set the start of partition {p}: {e}"));
                        return;
                    }
                    assigned.push((p, known.get(&p).copied().unwrap_or(0)));
                }
                if let Err(e) = consumer.assign(tpl) {
                    self.fail(format!("could not take the assigned partitions: {e}"));
                    return;
                }
                tracing::info!(?assigned, "partitions assigned at the lake's offsets");
                self.push(Assignment::Assigned(assigned));
            }
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => {
                tracing::info!(?partitions, "partitions revoked");
                self.offsets.revoking(&self.topic, &partitions);
                self.push(Assignment::Revoked(partitions));
                if let Err(e) = consumer.unassign() {
                    self.fail(format!("could not give up revoked partitions: {e}"));
                }
            }
            other => self.fail(format!("rebalance failed: {other:?}")),
        }
    }
}

impl GroupContext {
    fn push(&self, change: Assignment) {
        if let Ok(mut changes) = self.changes.lock() {
            changes.push(change);
        }
    }

    fn fail(&self, message: String) {
        tracing::error!("{message}");
        if let Ok(mut failure) = self.failure.lock() {
            failure.get_or_insert(message);
        }
    }
}

/// A consumer-group member that starts every assigned partition where the lake says.
pub struct TelemetryConsumer {
    consumer: BaseConsumer<GroupContext>,
    topic: String,
}

impl TelemetryConsumer {
    /// Joins the group and subscribes to the topic. Auto-commit is off (the lake's commit is
    /// the offset store); fetch back-off is short, the fetch queue bounded.
    pub fn new(config: &ConsumerConfig, offsets: Arc<dyn StartOffsets>) -> KafkaResult<Self> {
        let mut client = ClientConfig::new();
        client
            .set("bootstrap.servers", &config.brokers)
            .set("group.id", &config.group)
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            .set("partition.assignment.strategy", "range")
            .set("fetch.queue.backoff.ms", "20")
            .set("queued.max.messages.kbytes", "65536")
            // Reaching a partition's end is reported, so `--once` knows when it has caught up.
            .set("enable.partition.eof", "true");
        for (k, v) in &config.options {
            client.set(k, v);
        }
        let context = GroupContext {
            base: Context::default(),
            topic: config.topic.clone(),
            offsets,
            changes: Mutex::new(Vec::new()),
            failure: Mutex::new(None),
        };
        let client_error = |source| KafkaError::Client {
            brokers: config.brokers.clone(),
            source,
        };
        let consumer: BaseConsumer<GroupContext> =
            client.create_with_context(context).map_err(client_error)?;
        consumer.subscribe(&[&config.topic]).map_err(client_error)?;
        Ok(TelemetryConsumer {
            consumer,
            topic: config.topic.clone(),
        })
    }

    /// Waits up to `timeout` for the next message; rebalances run inside this call.
    pub fn poll(&self, timeout: Duration) -> KafkaResult<Option<Polled>> {
        let polled = self.consumer.poll(timeout);
        if let Some(message) = self.take_failure() {
            return Err(KafkaError::Group {
                topic: self.topic.clone(),
                message,
            });
        }
        match polled {
            None => Ok(None),
            Some(Ok(m)) => Ok(Some(Polled::Message(Consumed {
                partition: m.partition(),
                offset: m.offset(),
                payload: m.payload().unwrap_or_default().to_vec(),
            }))),
            Some(Err(RdError::PartitionEOF(partition))) => Ok(Some(Polled::End { partition })),
            Some(Err(source)) => Err(KafkaError::Consume {
                topic: self.topic.clone(),
                source,
            }),
        }
    }

    /// The assignment changes since the last call, in order.
    pub fn take_assignment_changes(&self) -> Vec<Assignment> {
        self.consumer
            .context()
            .changes
            .lock()
            .map(|mut c| std::mem::take(&mut *c))
            .unwrap_or_default()
    }

    /// Moves the read position of an assigned partition (after a lake commit was refused, to
    /// continue from the lake's offset); `None` starts at the beginning.
    pub fn seek(&self, partition: i32, offset: Option<i64>) -> KafkaResult<()> {
        let offset = offset.map_or(Offset::Beginning, Offset::Offset);
        self.consumer
            .seek(&self.topic, partition, offset, Duration::from_secs(10))
            .map_err(|source| KafkaError::Consume {
                topic: self.topic.clone(),
                source,
            })
    }

    /// The topic's partitions, from the cluster's metadata.
    pub fn partitions(&self, timeout: Duration) -> KafkaResult<Vec<i32>> {
        let metadata = self
            .consumer
            .fetch_metadata(Some(&self.topic), timeout)
            .map_err(|source| KafkaError::Consume {
                topic: self.topic.clone(),
                source,
            })?;
        Ok(metadata
            .topics()
            .iter()
            .filter(|t| t.name() == self.topic)
            .flat_map(|t| t.partitions().iter().map(|p| p.id()))
            .collect())
    }

    /// The first offset a partition still holds and its end (low and high watermarks).
    pub fn watermarks(&self, partition: i32, timeout: Duration) -> KafkaResult<(i64, i64)> {
        self.consumer
            .fetch_watermarks(&self.topic, partition, timeout)
            .map_err(|source| KafkaError::Consume {
                topic: self.topic.clone(),
                source,
            })
    }

    /// The end (high watermark) of a partition: the offset the next produced message will get.
    pub fn end_offset(&self, partition: i32, timeout: Duration) -> KafkaResult<i64> {
        self.consumer
            .fetch_watermarks(&self.topic, partition, timeout)
            .map(|(_, high)| high)
            .map_err(|source| KafkaError::Consume {
                topic: self.topic.clone(),
                source,
            })
    }

    /// Records progress in the group (for lag tools) after the lake committed it: partition →
    /// next offset.
    pub fn commit(&self, next_offsets: &BTreeMap<i32, i64>) -> KafkaResult<()> {
        let mut tpl = TopicPartitionList::new();
        for (&p, &o) in next_offsets {
            tpl.add_partition_offset(&self.topic, p, Offset::Offset(o))
                .map_err(|source| KafkaError::Consume {
                    topic: self.topic.clone(),
                    source,
                })?;
        }
        self.consumer
            .commit(&tpl, CommitMode::Sync)
            .map_err(|source| KafkaError::Consume {
                topic: self.topic.clone(),
                source,
            })
    }

    fn take_failure(&self) -> Option<String> {
        self.consumer
            .context()
            .failure
            .lock()
            .ok()
            .and_then(|mut f| f.take())
    }
}
