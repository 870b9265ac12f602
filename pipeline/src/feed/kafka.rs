//! The Kafka sink: each incident event to the topic `room-incidents`, keyed by `incident_id`
//! (one incident's events stay in one partition, in order), the value the feed's JSON incident
//! event. The producer is idempotent with `acks=all`, so its own retries never duplicate; a
//! crash between the broker's acknowledgement and the progress write sends an event again, and
//! consumers drop it by key and `event`/`event_at` (or by the webhook's `event_id` rule).

use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::error::KafkaError;
use rdkafka::producer::{FutureProducer, FutureRecord};
use serde_json::Value;

use crate::incidents::IncidentEvent;

use super::progress::IncidentProgress;
use super::sink::{Delivery, Sink};

/// The topic of docs/incidents.md.
pub const INCIDENTS_TOPIC: &str = "room-incidents";

/// Where to produce.
#[derive(Clone)]
pub struct KafkaSinkConfig {
    /// Bootstrap servers, `host:port[,host:port…]`.
    pub brokers: String,
    /// The topic; `room-incidents` unless told otherwise.
    pub topic: String,
    /// Extra librdkafka properties, applied last.
    pub options: Vec<(String, String)>,
}

impl std::fmt::Debug for KafkaSinkConfig {
    /// Option values may be credentials (`sasl.password`): only their keys are shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<&str> = self.options.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("KafkaSinkConfig")
            .field("brokers", &self.brokers)
            .field("topic", &self.topic)
            .field("option_keys", &keys)
            .finish()
    }
}

impl KafkaSinkConfig {
    /// The topic of docs/incidents.md on these brokers.
    pub fn new(brokers: impl Into<String>) -> KafkaSinkConfig {
        KafkaSinkConfig {
            brokers: brokers.into(),
            topic: INCIDENTS_TOPIC.into(),
            options: Vec::new(),
        }
    }
}

/// The Kafka sink.
pub(crate) struct KafkaSink {
    producer: FutureProducer,
    topic: String,
}

impl KafkaSink {
    pub(crate) fn new(config: &KafkaSinkConfig) -> Result<KafkaSink, String> {
        let mut client = ClientConfig::new();
        client
            .set("bootstrap.servers", &config.brokers)
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("linger.ms", "5")
            .set("message.timeout.ms", "30000");
        for (k, v) in &config.options {
            client.set(k, v);
        }
        let producer = client.create().map_err(|e| {
            format!(
                "could not create a Kafka producer for {}: {e}",
                config.brokers
            )
        })?;
        Ok(KafkaSink {
            producer,
            topic: config.topic.clone(),
        })
    }
}

impl Sink for KafkaSink {
    fn name(&self) -> &'static str {
        "kafka"
    }

    async fn deliver(&mut self, event: &IncidentEvent, _: &mut IncidentProgress) -> Delivery {
        let payload = serde_json::to_vec(&Value::Object(event.feed_json())).unwrap_or_default();
        let record = FutureRecord::to(&self.topic)
            .key(event.incident_id.as_bytes())
            .payload(payload.as_slice());
        match self.producer.send(record, Duration::from_secs(10)).await {
            Ok(_) => Delivery::Done,
            Err((KafkaError::MessageProduction(code), _)) => Delivery::Retry {
                reason: format!("Kafka refused the message: {code}"),
                after: None,
            },
            Err((e, _)) => Delivery::Retry {
                reason: format!("Kafka delivery failed: {e}"),
                after: None,
            },
        }
    }
}
