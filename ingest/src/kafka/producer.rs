//! Producing telemetry to Kafka, keyed by `device_id` as the contract asks, so one device's
//! events stay ordered in one partition.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rdkafka::ClientConfig;
use rdkafka::error::{KafkaError as RdError, RDKafkaErrorCode};
use rdkafka::producer::{BaseRecord, Producer, ThreadedProducer};

use super::context::{Context, KafkaError, KafkaResult};

/// Where and how to produce.
#[derive(Clone, Debug)]
pub struct ProducerConfig {
    /// Bootstrap servers, `host:port[,host:port…]`.
    pub brokers: String,
    /// The topic (`room-telemetry` by default in the CLI).
    pub topic: String,
    /// Extra librdkafka properties, applied last (they win over roomsight's defaults).
    pub options: Vec<(String, String)>,
}

/// How a production run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Messages the brokers acknowledged.
    pub delivered: u64,
}

/// An idempotent producer of telemetry messages.
pub struct TelemetryProducer {
    producer: ThreadedProducer<Context>,
    topic: String,
    sent: u64,
}

impl TelemetryProducer {
    /// Connects a producer: `acks=all`, idempotence on (no duplicates from its own retries),
    /// small linger for batching, lz4-free (zlib) build so gzip is the compression on offer.
    pub fn new(config: &ProducerConfig) -> KafkaResult<Self> {
        let mut client = ClientConfig::new();
        client
            .set("bootstrap.servers", &config.brokers)
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("linger.ms", "20")
            .set("batch.num.messages", "10000")
            .set("queue.buffering.max.kbytes", "65536")
            .set("message.timeout.ms", "60000");
        for (k, v) in &config.options {
            client.set(k, v);
        }
        let producer = client
            .create_with_context(Context::default())
            .map_err(|source| KafkaError::Client {
                brokers: config.brokers.clone(),
                source,
            })?;
        Ok(TelemetryProducer {
            producer,
            topic: config.topic.clone(),
            sent: 0,
        })
    }

    /// Queues one message; waits (bounded memory) while librdkafka's queue is full.
    pub fn send(&mut self, key: &[u8], payload: &[u8]) -> KafkaResult<()> {
        let mut record = BaseRecord::to(&self.topic).key(key).payload(payload);
        loop {
            match self.producer.send(record) {
                Ok(()) => {
                    self.sent += 1;
                    return Ok(());
                }
                Err((RdError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    record = back;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err((source, _)) => {
                    return Err(KafkaError::Enqueue {
                        topic: self.topic.clone(),
                        source,
                    });
                }
            }
        }
    }

    /// Waits until every queued message is acknowledged or `timeout` passes; an error names how
    /// many were not delivered.
    pub fn finish(self, timeout: Duration) -> KafkaResult<DeliveryReport> {
        let deadline = Instant::now() + timeout;
        let context = self.producer.context();
        while context.delivered.load(Ordering::Relaxed) + context.failed.load(Ordering::Relaxed)
            < self.sent
            && Instant::now() < deadline
        {
            let _ = self.producer.flush(Duration::from_millis(200));
        }
        let delivered = context.delivered.load(Ordering::Relaxed);
        if delivered == self.sent {
            return Ok(DeliveryReport { delivered });
        }
        let first = context
            .first_error
            .lock()
            .ok()
            .and_then(|f| f.clone())
            .unwrap_or_else(|| format!("no acknowledgement within {timeout:?}"));
        Err(KafkaError::Undelivered {
            topic: self.topic,
            failed: self.sent - delivered,
            total: self.sent,
            first,
        })
    }
}
