//! The webhook sink against a receiver on 127.0.0.1: signed bodies, dedup ids, retries.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use object_store::ObjectStoreExt;
use roomsight_pipeline::feed::{FeedConfig, Feeder, RetryPolicy, SinkProgress, WebhookConfig};
use roomsight_pipeline::incidents::{self, IncidentStore};
use serde_json::Value;
use sha2::Sha256;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::incident_store::{offline, t};

#[derive(Default)]
struct Receiver {
    /// (signature header, body) of every accepted request.
    received: Vec<(Option<String>, Vec<u8>)>,
    /// Statuses to answer before accepting.
    failures: VecDeque<u16>,
}

async fn start(receiver: Arc<Mutex<Receiver>>) -> (String, JoinSet<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let mut server = JoinSet::new();
    server.spawn(async move {
        let mut connections = JoinSet::new();
        while let Ok((stream, _)) = listener.accept().await {
            let receiver = Arc::clone(&receiver);
            connections.spawn(async move {
                let service = service_fn(move |req: Request<Incoming>| {
                    let receiver = Arc::clone(&receiver);
                    async move {
                        let signature = req
                            .headers()
                            .get("x-roomsight-signature")
                            .map(|v| v.to_str().unwrap().to_string());
                        let body = req.into_body().collect().await.unwrap().to_bytes().to_vec();
                        let mut r = receiver.lock().unwrap();
                        let status = match r.failures.pop_front() {
                            Some(s) => s,
                            None => {
                                r.received.push((signature, body));
                                204
                            }
                        };
                        let mut response = Response::new(Full::new(Bytes::new()));
                        *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
                        response
                            .headers_mut()
                            .insert("retry-after", "0".parse().unwrap());
                        Ok::<_, Infallible>(response)
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (url, server)
}

fn config(url: &str, secret: Option<&str>) -> FeedConfig {
    FeedConfig {
        webhook: Some(WebhookConfig {
            url: url.into(),
            secret: secret.map(str::to_string),
            timeout: Duration::from_secs(5),
        }),
        retry: RetryPolicy {
            first_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
            patience: Duration::from_secs(30),
        },
        ..FeedConfig::default()
    }
}

fn expected_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

#[tokio::test]
async fn webhook_bodies_are_signed_carry_dedup_ids_and_survive_retries() {
    let receiver = Arc::new(Mutex::new(Receiver::default()));
    receiver.lock().unwrap().failures.extend([503, 429]);
    let (url, _server) = start(Arc::clone(&receiver)).await;
    let dir = tempfile::tempdir().unwrap();
    let store = IncidentStore::open(dir.path().to_str().unwrap()).unwrap();
    let events = incidents::apply(
        &store,
        vec![
            offline("a", "2026-03-02T10:00:00Z", None),
            offline("b", "2026-03-02T10:00:00Z", Some("2026-03-02T10:20:00Z")),
        ],
        &|_| chrono_tz::UTC,
        t("2026-03-02T11:00:00Z"),
    )
    .await
    .unwrap();
    let secret = "webhook secret";
    let report = Feeder::new(config(&url, Some(secret)))
        .unwrap()
        .deliver_pending(&store)
        .await
        .unwrap();
    assert!(report.all_delivered(), "{report:?}");

    let received = std::mem::take(&mut receiver.lock().unwrap().received);
    assert_eq!(received.len(), events.len());
    let mut ids = Vec::new();
    for ((signature, body), event) in received.iter().zip(&events) {
        assert_eq!(
            signature.as_deref(),
            Some(expected_signature(secret, body).as_str())
        );
        let json: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(
            json["event_id"],
            Value::from(format!("{}:{}", event.incident_id, event.seq))
        );
        assert_eq!(json["incident_id"], Value::from(event.incident_id.as_str()));
        assert_eq!(json["event"], Value::from(event.event.as_str()));
        assert!(json["opened_at"].as_str().unwrap().ends_with('Z'));
        ids.push(json["event_id"].as_str().unwrap().to_string());
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "event ids are unique per event");

    // Progress lost (a crash before bookkeeping, at worst): the receiver sees the same ids
    // again and can drop them.
    store
        .object_store()
        .delete(&SinkProgress::path("webhook"))
        .await
        .unwrap();
    Feeder::new(config(&url, None))
        .unwrap()
        .deliver_pending(&store)
        .await
        .unwrap();
    let again = std::mem::take(&mut receiver.lock().unwrap().received);
    let again_ids: Vec<String> = again
        .iter()
        .map(|(sig, body)| {
            assert!(sig.is_none(), "no secret, no signature");
            let json: Value = serde_json::from_slice(body).unwrap();
            json["event_id"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(again_ids, ids);
}

#[tokio::test]
async fn a_refused_webhook_event_parks_its_incident_only() {
    let receiver = Arc::new(Mutex::new(Receiver::default()));
    receiver.lock().unwrap().failures.extend([422]);
    let (url, _server) = start(Arc::clone(&receiver)).await;
    let dir = tempfile::tempdir().unwrap();
    let store = IncidentStore::open(dir.path().to_str().unwrap()).unwrap();
    incidents::apply(
        &store,
        vec![
            offline("a", "2026-03-02T10:00:00Z", None),
            offline("b", "2026-03-02T10:00:00Z", None),
        ],
        &|_| chrono_tz::UTC,
        t("2026-03-02T11:00:00Z"),
    )
    .await
    .unwrap();
    let report = Feeder::new(config(&url, None))
        .unwrap()
        .deliver_pending(&store)
        .await
        .unwrap();
    let sink = &report.sinks[0];
    assert_eq!(
        (sink.delivered, sink.parked.len(), sink.pending),
        (1, 1, 1),
        "{sink:?}"
    );
    assert!(sink.parked[0].1.error.contains("422"));
}
