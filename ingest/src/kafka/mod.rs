//! Kafka I/O for telemetry: producing events (the simulator, backfills) with the contract's
//! message key, and consuming them as a group member that starts where the lake says.
//!
//! librdkafka runs its own threads; nothing here needs an async runtime. Its log lines are
//! routed into `tracing` through the client context.

mod consumer;
mod context;
mod mock;
mod producer;

pub use consumer::{Assignment, Consumed, ConsumerConfig, Polled, StartOffsets, TelemetryConsumer};
pub use context::{KafkaError, KafkaResult};
pub use mock::InProcessKafka;
pub use producer::{DeliveryReport, ProducerConfig, TelemetryProducer};
