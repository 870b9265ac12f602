//! What a sink is, how a delivery ends, and how HTTP answers map onto that.

use std::time::Duration;

use crate::incidents::IncidentEvent;

use super::progress::IncidentProgress;

/// How delivering one event ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The sink has it (acknowledged).
    Done,
    /// The sink is unavailable (429, 5xx, connection failed): try again later, in order,
    /// not before `after` when the sink said so (`Retry-After`).
    Retry {
        /// What happened.
        reason: String,
        /// The sink's requested wait.
        after: Option<Duration>,
    },
    /// The sink refused this event for good (4xx): park the incident.
    Park {
        /// What the sink said.
        reason: String,
    },
    /// The sink refused our credentials (401/403): stop the sink.
    Unauthorized {
        /// 401 or 403.
        status: u16,
    },
}

/// A destination of incident events, delivered one at a time in order per incident.
pub(crate) trait Sink {
    /// The sink's name: its progress document and its name in logs.
    fn name(&self) -> &'static str;

    /// Delivers one event; `progress` is the incident's progress at this sink (the ServiceNow
    /// sink keeps its ticket there) and is saved by the caller after `Done`.
    async fn deliver(&mut self, event: &IncidentEvent, progress: &mut IncidentProgress)
    -> Delivery;
}

/// Maps an HTTP status to a delivery outcome (2xx → `Done`).
pub(crate) fn classify(
    status: reqwest::StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &str,
) -> Delivery {
    let code = status.as_u16();
    if status.is_success() {
        Delivery::Done
    } else if code == 401 || code == 403 {
        Delivery::Unauthorized { status: code }
    } else if code == 429 || status.is_server_error() {
        Delivery::Retry {
            reason: format!("HTTP {code}"),
            after: retry_after(headers),
        }
    } else {
        Delivery::Park {
            reason: format!("HTTP {code}: {}", excerpt(body)),
        }
    }
}

/// A transport failure (connection refused, reset, timeout): the sink is unavailable.
pub(crate) fn transport(error: &reqwest::Error) -> Delivery {
    let mut reason = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        reason.push_str(": ");
        reason.push_str(&s.to_string());
        source = s.source();
    }
    Delivery::Retry {
        reason,
        after: None,
    }
}

/// `Retry-After` as seconds (the HTTP-date form is rare from these APIs and is ignored).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    let secs: f64 = value.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

/// The first 300 characters of a response body, on one line.
pub(crate) fn excerpt(body: &str) -> String {
    let one_line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &one_line[..i]),
        None => one_line,
    }
}
