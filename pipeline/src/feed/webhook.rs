//! The webhook sink: each incident event POSTed as JSON to one URL.
//!
//! The body is the feed's JSON incident event plus `event_id` (`<incident_id>:<seq>`), which
//! receivers deduplicate by (a retry after a crash sends the same id again). With a secret set,
//! `X-Roomsight-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes>` lets the receiver
//! check the sender. Same outcomes as every sink: 2xx done, 429/5xx retried, 401/403 stop,
//! other 4xx park the incident.

use std::fmt;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::incidents::IncidentEvent;

use super::progress::IncidentProgress;
use super::sink::{Delivery, Sink, classify, transport};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-Roomsight-Signature";

/// Where to POST.
#[derive(Clone)]
pub struct WebhookConfig {
    /// The receiver's URL.
    pub url: String,
    /// The HMAC secret; no signature header without one.
    pub secret: Option<String>,
    /// How long one request may take.
    pub timeout: Duration,
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &self.url)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The webhook body of an event: the feed JSON plus `event_id`.
pub fn webhook_body(event: &IncidentEvent) -> Vec<u8> {
    let mut m = event.feed_json();
    m.insert("event_id".into(), Value::from(event.event_id()));
    serde_json::to_vec(&Value::Object(m)).unwrap_or_default()
}

/// `sha256=<hex HMAC-SHA256 of body under secret>`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

/// The webhook sink.
pub(crate) struct WebhookSink {
    config: WebhookConfig,
    client: reqwest::Client,
}

impl WebhookSink {
    pub(crate) fn new(config: WebhookConfig) -> Result<WebhookSink, String> {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| format!("could not build the HTTP client: {e}"))?;
        Ok(WebhookSink { config, client })
    }
}

impl Sink for WebhookSink {
    fn name(&self) -> &'static str {
        "webhook"
    }

    async fn deliver(&mut self, event: &IncidentEvent, _: &mut IncidentProgress) -> Delivery {
        let body = webhook_body(event);
        let mut request = self
            .client
            .post(&self.config.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Roomsight-Event-Id", event.event_id());
        if let Some(secret) = &self.config.secret {
            request = request.header(SIGNATURE_HEADER, signature(secret, &body));
        }
        let response = match request.body(body).send().await {
            Ok(r) => r,
            Err(e) => return transport(&e),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        classify(status, &headers, &text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_a_known_hmac_sha256() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn the_secret_never_shows_in_debug_output() {
        let c = WebhookConfig {
            url: "http://x".into(),
            secret: Some("s3cret".into()),
            timeout: Duration::from_secs(1),
        };
        assert!(!format!("{c:?}").contains("s3cret"));
    }
}
