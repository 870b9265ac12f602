//! An in-process Kafka cluster (librdkafka's mock brokers) for `roomsight demo` and fast tests:
//! real Kafka protocol on a local port, consumer groups included, nothing to install.

use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;

use super::context::{KafkaError, KafkaResult};

/// A running in-process cluster with one topic; stopped when dropped.
pub struct InProcessKafka {
    cluster: MockCluster<'static, DefaultProducerContext>,
}

impl InProcessKafka {
    /// Starts one mock broker and creates `topic` with `partitions` partitions.
    pub fn start(topic: &str, partitions: i32) -> KafkaResult<Self> {
        let client_error = |source| KafkaError::Client {
            brokers: "(in-process mock cluster)".into(),
            source,
        };
        let cluster = MockCluster::new(1).map_err(client_error)?;
        cluster
            .create_topic(topic, partitions, 1)
            .map_err(client_error)?;
        Ok(InProcessKafka { cluster })
    }

    /// The bootstrap servers of the cluster.
    pub fn brokers(&self) -> String {
        self.cluster.bootstrap_servers()
    }
}
