//! Kafka I/O for telemetry: producing events (the simulator, backfills) with the contract's
//! message key, and the librdkafka settings roomsight uses.
//!
//! librdkafka runs its own threads; nothing here needs an async runtime. Its log lines are
//! routed into `tracing` through the client context.

mod context;
mod producer;

pub use context::{KafkaError, KafkaResult};
pub use producer::{DeliveryReport, ProducerConfig, TelemetryProducer};
