//! The ticketing feed: every incident event, in order per incident, to each configured sink
//! (Kafka `room-incidents`, ServiceNow's Table API, a webhook), exactly once in effect.
//!
//! ## The outbox protocol
//! The lake's incident events *are* the outbox: they are durable before any sink sees them, and
//! each carries `(incident_id, seq)`. Each sink keeps its own progress document
//! (`<lake>/_roomsight/feed/<sink>.json`): per incident the last `seq` delivered, the ServiceNow
//! ticket it maps to, and whether it is parked. A delivery is recorded only after the sink
//! confirmed it, so a crash at any moment re-sends at most the one event in flight per sink:
//! - ServiceNow: an opening is re-sent as a lookup by `correlation_id` that finds the ticket the
//!   crashed attempt created, so no second ticket; a re-sent update repeats a work note that
//!   carries the event id, and sets the same state again.
//! - Kafka and webhooks: the receiver sees the event twice and drops it by key/`event_id`.
//!
//! Different incidents are independent: a parked incident (the sink refused one of its events
//! with a 4xx) holds back only its own later events. `feed --retry-parked` tries them again.
//!
//! ```no_run
//! # async fn example() -> Result<(), roomsight_pipeline::feed::FeedError> {
//! use roomsight_pipeline::feed::{FeedConfig, Feeder, WebhookConfig};
//! use roomsight_pipeline::incidents::IncidentStore;
//! let store = IncidentStore::open("./lake")?;
//! let mut feeder = Feeder::new(FeedConfig {
//!     webhook: Some(WebhookConfig {
//!         url: "https://hooks.example.com/roomsight".into(),
//!         secret: Some("shared secret".into()),
//!         timeout: std::time::Duration::from_secs(10),
//!     }),
//!     ..FeedConfig::default()
//! })?;
//! let report = feeder.deliver_pending(&store).await?;
//! assert!(report.all_delivered());
//! # Ok(()) }
//! ```

mod deliver;
mod error;
pub mod kafka;
pub mod progress;
pub mod servicenow;
mod sink;
pub mod webhook;

pub use deliver::{FeedConfig, FeedReport, Feeder, RetryPolicy, SinkReport};
pub use error::{FeedError, Result};
pub use kafka::KafkaSinkConfig;
pub use progress::{IncidentProgress, Parked, SinkProgress, Ticket};
pub use servicenow::{Auth, ServiceNowConfig};
pub use sink::Delivery;
pub use webhook::WebhookConfig;
