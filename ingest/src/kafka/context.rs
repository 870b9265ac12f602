//! The librdkafka client context: logs into `tracing`, delivery outcomes into counters.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use rdkafka::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::message::DeliveryResult;
use rdkafka::producer::ProducerContext;

/// What went wrong talking to Kafka (the environment's fault unless it says otherwise).
#[derive(Debug, thiserror::Error)]
pub enum KafkaError {
    /// The client could not be created: a librdkafka setting is wrong (the configuration's fault).
    #[error(
        "could not create the Kafka client for brokers `{brokers}`: check --brokers and --kafka-option settings"
    )]
    Client {
        /// The bootstrap servers.
        brokers: String,
        /// librdkafka's error.
        source: rdkafka::error::KafkaError,
    },
    /// A message could not be queued for sending.
    #[error("could not queue a message for topic `{topic}`")]
    Enqueue {
        /// The topic.
        topic: String,
        /// librdkafka's error.
        source: rdkafka::error::KafkaError,
    },
    /// Consuming failed.
    #[error("could not consume from topic `{topic}`")]
    Consume {
        /// The topic.
        topic: String,
        /// librdkafka's error.
        source: rdkafka::error::KafkaError,
    },
    /// The consumer group could not place this member (assignment or rebalance failed).
    #[error("the consumer group of topic `{topic}` failed: {message}")]
    Group {
        /// The topic.
        topic: String,
        /// What failed.
        message: String,
    },
    /// Messages were not acknowledged by the brokers.
    #[error(
        "{failed} of {total} messages to topic `{topic}` were not delivered (first error: {first}); \
         check that the brokers are reachable and the topic exists"
    )]
    Undelivered {
        /// The topic.
        topic: String,
        /// Messages that failed.
        failed: u64,
        /// Messages sent.
        total: u64,
        /// The first delivery error.
        first: String,
    },
}

/// Result of Kafka operations.
pub type KafkaResult<T> = Result<T, KafkaError>;

/// Routes librdkafka's logs to `tracing` and counts delivery outcomes.
#[derive(Default)]
pub(crate) struct Context {
    pub(crate) delivered: AtomicU64,
    pub(crate) failed: AtomicU64,
    pub(crate) first_error: Mutex<Option<String>>,
}

impl ClientContext for Context {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, message: &str) {
        match level {
            RDKafkaLogLevel::Emerg
            | RDKafkaLogLevel::Alert
            | RDKafkaLogLevel::Critical
            | RDKafkaLogLevel::Error => tracing::error!(target: "librdkafka", fac, "{message}"),
            RDKafkaLogLevel::Warning => tracing::warn!(target: "librdkafka", fac, "{message}"),
            RDKafkaLogLevel::Notice | RDKafkaLogLevel::Info => {
                tracing::info!(target: "librdkafka", fac, "{message}")
            }
            RDKafkaLogLevel::Debug => tracing::debug!(target: "librdkafka", fac, "{message}"),
        }
    }
}

impl ProducerContext for Context {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _opaque: ()) {
        match result {
            Ok(_) => {
                self.delivered.fetch_add(1, Ordering::Relaxed);
            }
            Err((e, _)) => {
                self.failed.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut first) = self.first_error.lock() {
                    first.get_or_insert_with(|| e.to_string());
                }
            }
        }
    }
}
