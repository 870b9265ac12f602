//! The ServiceNow sink: one ticket per incident through the Table API (`/api/now/table/incident`).
//!
//! The ticket an incident maps to is kept in the sink's progress. When it is not known (first
//! event, or a crash between the POST and the bookkeeping) the sink looks the incident up by
//! `correlation_id` before creating anything, so a retry never opens a second ticket; several
//! matches mean someone else created one too: the oldest wins, with a warning. Updates are PATCHes
//! whose `work_notes` carry the event id (journal fields cannot be read back, so a note repeated
//! after a crash is recognisable, not prevented). A 404 on update re-creates the ticket.
//!
//! # The `correlation_id` of a ticket
//!
//! - The incident's first ticket has `correlation_id` = the `incident_id` (at most 57
//!   characters: the kind, `-`, the opening time `YYYYMMDDTHHMMSSZ`, `-`, 16 hex digits).
//! - A **replacement ticket** is opened when the incident is `reopened` while its current ticket
//!   is Closed (`state` 7) or Canceled (8) on the ServiceNow side (people closed it there; it
//!   must not be reopened). Its `correlation_id` is `<incident_id>/r<seq>`, where `<seq>` is the
//!   sequence number of the `reopened` incident event that caused it (e.g.
//!   `device_offline-20261124T091500Z-1a2b3c4d5e6f7a8b/r4`; at most 78 characters, within
//!   ServiceNow's 100). Its description names the ticket it replaces by number.
//! - The look-up before creating uses the exact `correlation_id` being created: `<incident_id>`
//!   for the first ticket (and for re-creating one deleted on the ServiceNow side, a 404),
//!   `<incident_id>/r<seq>` for a replacement. A retried delivery of the same `reopened` event
//!   after a crash therefore finds the replacement it already made instead of opening another,
//!   and a later reopen (a higher `seq`) never finds an earlier replacement, closed or not.
//!   Closed tickets are not filtered out of the look-up: each `correlation_id` names one ticket.
//! - Every ticket of an incident is found in ServiceNow with
//!   `correlation_idSTARTSWITH<incident_id>`.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::incidents::model::rfc3339;
use crate::incidents::{EventKind, IncidentEvent, Severity};

use super::progress::{IncidentProgress, Ticket};
use super::sink::{Delivery, Sink, classify, excerpt, transport};

/// The longest `short_description` ServiceNow shows in full.
pub const SHORT_DESCRIPTION_MAX: usize = 160;

/// How roomsight signs in to ServiceNow.
#[derive(Clone)]
pub enum Auth {
    /// Basic authentication.
    Basic {
        /// The integration user.
        user: String,
        /// Its password.
        password: String,
    },
    /// An OAuth bearer token obtained outside roomsight.
    Bearer(String),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Basic { user, .. } => {
                write!(f, "Basic {{ user: {user:?}, password: <redacted> }}")
            }
            Auth::Bearer(_) => f.write_str("Bearer(<redacted>)"),
        }
    }
}

/// Where and how to open tickets.
#[derive(Clone, Debug)]
pub struct ServiceNowConfig {
    /// The instance, e.g. `https://example.service-now.com`.
    pub url: String,
    /// The credentials.
    pub auth: Auth,
    /// `room_id` → the room's configuration item `sys_id` (`cmdb_ci`); rooms not in it get none.
    pub cmdb_ci: HashMap<String, String>,
    /// `room_id` → the room's name, for ticket titles; the id is used when missing.
    pub room_names: HashMap<String, String>,
    /// The `close_code` of resolved and closed tickets.
    pub close_code: String,
    /// `correlation_display`: the product name.
    pub correlation_display: String,
    /// How long one request may take.
    pub timeout: Duration,
}

impl ServiceNowConfig {
    /// The defaults of docs/incidents.md for an instance and credentials.
    pub fn new(url: impl Into<String>, auth: Auth) -> ServiceNowConfig {
        ServiceNowConfig {
            url: url.into(),
            auth,
            cmdb_ci: HashMap::new(),
            room_names: HashMap::new(),
            close_code: "Solved Remotely (Permanently)".into(),
            correlation_display: "roomsight".into(),
            timeout: Duration::from_secs(30),
        }
    }
}

/// The ServiceNow sink.
pub(crate) struct ServiceNowSink {
    config: ServiceNowConfig,
    client: reqwest::Client,
    table: String,
}

impl ServiceNowSink {
    pub(crate) fn new(config: ServiceNowConfig) -> Result<ServiceNowSink, String> {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| format!("could not build the HTTP client: {e}"))?;
        let table = format!(
            "{}/api/now/table/incident",
            config.url.trim_end_matches('/')
        );
        Ok(ServiceNowSink {
            config,
            client,
            table,
        })
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(reqwest::StatusCode, Value), Delivery> {
        let request = match &self.config.auth {
            Auth::Basic { user, password } => request.basic_auth(user, Some(password)),
            Auth::Bearer(token) => request.bearer_auth(token),
        };
        let response = request
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| transport(&e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.map_err(|e| transport(&e))?;
        match classify(status, &headers, &body) {
            Delivery::Done => {}
            other => return Err(other),
        }
        let value = if body.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&body).map_err(|e| Delivery::Park {
                reason: format!(
                    "ServiceNow answered HTTP {status} with something that is not JSON ({e}): {}",
                    excerpt(&body)
                ),
            })?
        };
        Ok((status, value))
    }

    /// Tickets correlated with `correlation_id`, oldest first.
    async fn lookup(&self, correlation_id: &str) -> Result<Vec<Ticket>, Delivery> {
        let query = format!("correlation_id={correlation_id}^ORDERBYsys_created_on");
        let request = self.client.get(&self.table).query(&[
            ("sysparm_query", query.as_str()),
            ("sysparm_fields", "sys_id,number,sys_created_on"),
            ("sysparm_limit", "10"),
        ]);
        let (_, value) = self.send(request).await?;
        let rows = value
            .get("result")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        Ok(rows.iter().filter_map(ticket_of).collect())
    }

    /// The ticket `correlation_id` names: found, or created from `event`.
    async fn find_or_create(
        &self,
        event: &IncidentEvent,
        correlation_id: &str,
        replaces: Option<&Ticket>,
    ) -> Result<Ticket, Delivery> {
        let found = self.lookup(correlation_id).await?;
        if let Some(oldest) = found.first() {
            if found.len() > 1 {
                tracing::warn!(
                    incident_id = %event.incident_id, correlation_id, tickets = found.len(),
                    using = %oldest.number,
                    "several ServiceNow tickets carry this correlation_id; using the oldest"
                );
            }
            return Ok(oldest.clone());
        }
        let body = self.create_body(event, correlation_id, replaces);
        let (_, value) = self.send(self.client.post(&self.table).json(&body)).await?;
        let ticket = value
            .get("result")
            .and_then(ticket_of)
            .ok_or_else(|| Delivery::Park {
                reason: "ServiceNow created a ticket but its answer carries no sys_id and number"
                    .into(),
            })?;
        tracing::info!(incident_id = %event.incident_id, ticket = %ticket.number, "opened a ServiceNow ticket");
        Ok(ticket)
    }

    fn create_body(
        &self,
        e: &IncidentEvent,
        correlation_id: &str,
        replaces: Option<&Ticket>,
    ) -> Value {
        let level = match e.severity {
            Severity::Critical => "1",
            Severity::Warning => "2",
        };
        let mut body = json!({
            "short_description": self.short_description(e),
            "description": description(e, replaces),
            "urgency": level,
            "impact": level,
            "category": e.kind.category(),
            "correlation_id": correlation_id,
            "correlation_display": self.config.correlation_display.as_str(),
        });
        if let Some(ci) = self.config.cmdb_ci.get(&e.room_id) {
            body["cmdb_ci"] = Value::from(ci.as_str());
        }
        body
    }

    fn short_description(&self, e: &IncidentEvent) -> String {
        let room = self.config.room_names.get(&e.room_id).unwrap_or(&e.room_id);
        let mut s = format!("{room}: {}", e.kind.title());
        if let Some(p) = &e.peripheral_id {
            s.push_str(&format!(" ({p})"));
        }
        truncate(&s, SHORT_DESCRIPTION_MAX)
    }

    /// PATCHes the ticket; `Ok(false)` when it no longer exists (404).
    async fn patch(&self, ticket: &Ticket, fields: &Map<String, Value>) -> Result<bool, Delivery> {
        let url = format!("{}/{}", self.table, ticket.sys_id);
        match self.send(self.client.patch(&url).json(fields)).await {
            Ok(_) => Ok(true),
            Err(Delivery::Park { reason }) if reason.starts_with("HTTP 404") => Ok(false),
            Err(other) => Err(other),
        }
    }

    /// The ticket's `state` on the ServiceNow side; `None` when it no longer exists.
    async fn state_of(&self, ticket: &Ticket) -> Result<Option<String>, Delivery> {
        let url = format!("{}/{}", self.table, ticket.sys_id);
        match self
            .send(
                self.client
                    .get(&url)
                    .query(&[("sysparm_fields", "state,number")]),
            )
            .await
        {
            Ok((_, v)) => Ok(Some(
                text(v.get("result").and_then(|r| r.get("state"))).unwrap_or_default(),
            )),
            Err(Delivery::Park { reason }) if reason.starts_with("HTTP 404") => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// The fields an event changes on its ticket.
    fn update_fields(&self, e: &IncidentEvent) -> Map<String, Value> {
        let mut f = Map::new();
        let note = format!(
            "[roomsight {}] {}: {} (last seen {})",
            e.event_id(),
            e.event,
            e.summary,
            rfc3339(e.last_seen_at)
        );
        f.insert("work_notes".into(), note.into());
        let level = match e.severity {
            Severity::Critical => "1",
            Severity::Warning => "2",
        };
        match e.event {
            EventKind::Opened | EventKind::Updated => {
                f.insert("urgency".into(), level.into());
                f.insert("impact".into(), level.into());
            }
            EventKind::Resolved => {
                f.insert("state".into(), "6".into());
                f.insert("close_code".into(), self.config.close_code.clone().into());
                f.insert(
                    "close_notes".into(),
                    format!(
                        "Resolved by roomsight: the condition has been clear since {}.",
                        rfc3339(e.last_seen_at)
                    )
                    .into(),
                );
            }
            EventKind::Reopened => {
                f.insert("state".into(), "2".into());
            }
            EventKind::Closed => {
                f.insert("state".into(), "7".into());
                f.insert("close_code".into(), self.config.close_code.clone().into());
                f.insert(
                    "close_notes".into(),
                    format!("Closed by roomsight: {}", close_reason(e)).into(),
                );
            }
        }
        f
    }

    async fn deliver_event(
        &self,
        e: &IncidentEvent,
        p: &mut IncidentProgress,
    ) -> Result<(), Delivery> {
        let ticket = if let Some(t) = p.ticket.clone() {
            t
        } else {
            let t = self.find_or_create(e, &e.incident_id, None).await?;
            p.ticket = Some(t.clone());
            if e.event == EventKind::Opened {
                return Ok(()); // the ticket is the opening
            }
            t
        };
        if e.event == EventKind::Opened {
            return Ok(()); // a retried opening of a known ticket
        }
        if e.event == EventKind::Reopened {
            match self.state_of(&ticket).await?.as_deref() {
                Some("7" | "8") => {
                    let replacement = format!("{}/r{}", e.incident_id, e.seq);
                    let t = self.find_or_create(e, &replacement, Some(&ticket)).await?;
                    p.ticket = Some(t);
                    return Ok(());
                }
                Some(_) => {}
                None => {
                    p.ticket = Some(self.find_or_create(e, &e.incident_id, None).await?);
                    return Ok(());
                }
            }
        }
        let fields = self.update_fields(e);
        if self.patch(&ticket, &fields).await? {
            return Ok(());
        }
        // Deleted on the ServiceNow side: a new ticket (found instead if a crashed attempt
        // already made it), then this event's change on it.
        tracing::warn!(incident_id = %e.incident_id, ticket = %ticket.number, "the ServiceNow ticket is gone (404); creating a new one");
        let t = self
            .find_or_create(e, &e.incident_id, Some(&ticket))
            .await?;
        p.ticket = Some(t.clone());
        if self.patch(&t, &fields).await? {
            Ok(())
        } else {
            Err(Delivery::Park {
                reason: format!(
                    "ServiceNow says the ticket {} it just named does not exist (404)",
                    t.number
                ),
            })
        }
    }
}

impl Sink for ServiceNowSink {
    fn name(&self) -> &'static str {
        "servicenow"
    }

    async fn deliver(
        &mut self,
        event: &IncidentEvent,
        progress: &mut IncidentProgress,
    ) -> Delivery {
        match self.deliver_event(event, progress).await {
            Ok(()) => Delivery::Done,
            Err(outcome) => outcome,
        }
    }
}

fn ticket_of(row: &Value) -> Option<Ticket> {
    Some(Ticket {
        sys_id: text(row.get("sys_id"))?,
        number: text(row.get("number")).unwrap_or_default(),
    })
}

/// A string field, whether ServiceNow sent it plain or as `{value, display_value}`.
fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) => text(o.get("value")),
        _ => None,
    }
}

fn description(e: &IncidentEvent, replaces: Option<&Ticket>) -> String {
    let mut s = format!(
        "{}\n\nRoom: {}\nRoom system: {}\n",
        e.summary, e.room_id, e.device_id
    );
    if let Some(p) = &e.peripheral_id {
        s.push_str(&format!("Peripheral: {p}\n"));
    }
    s.push_str(&format!(
        "Kind: {} ({})\nOpened: {}\nLast seen: {}\nroomsight incident: {}\n",
        e.kind,
        e.severity,
        rfc3339(e.opened_at),
        rfc3339(e.last_seen_at),
        e.incident_id
    ));
    if let Some(old) = replaces {
        s.push_str(&format!(
            "This ticket continues {} (closed or removed on the ServiceNow side).\n",
            old.number
        ));
    }
    if !e.details.is_empty() {
        let evidence = serde_json::to_string_pretty(&e.details).unwrap_or_default();
        s.push_str(&format!("\nEvidence:\n{evidence}\n"));
    }
    s
}

fn close_reason(e: &IncidentEvent) -> String {
    match e.details.get("closed_by").and_then(Value::as_str) {
        Some("person") => {
            let note = e
                .details
                .get("close_note")
                .and_then(Value::as_str)
                .unwrap_or("");
            format!("closed by a person. {note}").trim_end().to_string()
        }
        _ => "no activity for the configured number of business days.".into(),
    }
}

/// At most `max` characters, ending in `…` when cut.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_descriptions_are_cut_at_160_characters() {
        let long = "é".repeat(300);
        let cut = truncate(&long, SHORT_DESCRIPTION_MAX);
        assert_eq!(cut.chars().count(), SHORT_DESCRIPTION_MAX);
        assert!(cut.ends_with('…'));
        assert_eq!(truncate("short", SHORT_DESCRIPTION_MAX), "short");
    }

    #[test]
    fn credentials_never_show_in_debug_output() {
        let basic = Auth::Basic {
            user: "svc".into(),
            password: "hunter2".into(),
        };
        let bearer = Auth::Bearer("tok-secret".into());
        let shown = format!(
            "{:?} {:?}",
            ServiceNowConfig::new("https://x", basic),
            bearer
        );
        assert!(
            !shown.contains("hunter2") && !shown.contains("tok-secret"),
            "{shown}"
        );
        assert!(shown.contains("svc"));
    }

    #[test]
    fn reference_fields_read_as_their_value() {
        assert_eq!(
            text(Some(&json!({"value": "7", "display_value": "Closed"}))),
            Some("7".into())
        );
        assert_eq!(text(Some(&json!(6))), Some("6".into()));
    }
}
