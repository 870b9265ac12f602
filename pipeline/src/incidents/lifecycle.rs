//! The incident lifecycle of docs/incidents.md, against the store: detection's evidence in,
//! incident events out, written as one batch.
//!
//! [`apply`] reads the store, decides (see [`timeline`](super::timeline) for the rules) and
//! writes the events as the next batch with put-if-absent; when another writer took that batch
//! first it reads again and decides again, so concurrent writers never fork an incident.
//! [`open_customer`] and [`close`] are a person's actions (`roomsight incidents open|close`).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};
use tracing::instrument;

use super::error::{IncidentError, Result};
use super::model::{
    EventKind, IncidentEvent, IncidentKey, Kind, Observation, Origin, Severity, State, incident_id,
};
use super::store::{IncidentStore, MAX_ATTEMPTS, Snapshot};
use super::timeline::{Clock, Incidents, decide};

/// Applies the condition intervals detection saw up to `now` to the stored incidents, appends
/// the resulting events as one batch and returns them.
///
/// `observations` must hold every interval, per key, that detection saw holding over the window
/// it looked at (up to `now`); a key without observations is taken to be clear. `zones` gives
/// each room's time zone (for business days). Deterministic: applying the same observations at
/// the same `now` again appends nothing and returns no events.
pub async fn apply(
    store: &IncidentStore,
    observations: Vec<Observation>,
    zones: &(dyn Fn(&str) -> Tz + Sync),
    now: DateTime<Utc>,
) -> Result<Vec<IncidentEvent>> {
    apply_observed(store, observations, zones, now, DateTime::<Utc>::MIN_UTC).await
}

/// [`apply`] for detection that looked only at the time from `observed_from` to `now`: an open
/// incident last seen before `observed_from` is not resolved for want of observations (nothing
/// is known about the time before), only one whose `last_seen_at` lies in that window, where
/// the absence of its condition is evidence that it cleared.
#[instrument(skip_all, fields(observations = observations.len(), %now, %observed_from, events = tracing::field::Empty))]
pub async fn apply_observed(
    store: &IncidentStore,
    observations: Vec<Observation>,
    zones: &(dyn Fn(&str) -> Tz + Sync),
    now: DateTime<Utc>,
    observed_from: DateTime<Utc>,
) -> Result<Vec<IncidentEvent>> {
    let clock = Clock {
        now,
        zones,
        observed_from,
    };
    let events = write_decided(store, |snapshot| {
        Ok(decide(&snapshot.events, observations.clone(), &clock))
    })
    .await?;
    tracing::Span::current().record("events", events.len());
    Ok(events)
}

/// What a person reports when opening an incident (`roomsight incidents open`).
#[derive(Clone, Debug)]
pub struct CustomerReport {
    /// The kind.
    pub kind: Kind,
    /// The severity; [`Kind::default_severity`] when not given.
    pub severity: Option<Severity>,
    /// The room.
    pub room_id: String,
    /// The room system.
    pub device_id: String,
    /// The peripheral, if it is about one.
    pub peripheral_id: Option<String>,
    /// What the person saw.
    pub summary: String,
}

/// Opens a customer incident at `now` and returns its `opened` event. Refused when an incident
/// of the same kind, device and peripheral is open.
pub async fn open_customer(
    store: &IncidentStore,
    report: CustomerReport,
    now: DateTime<Utc>,
) -> Result<IncidentEvent> {
    let key = IncidentKey {
        kind: report.kind,
        device_id: report.device_id.clone(),
        peripheral_id: report.peripheral_id.clone(),
    };
    let events = write_decided(store, |snapshot| {
        let incidents = Incidents::from_events(&snapshot.events);
        if let Some(open) = incidents
            .latest
            .iter()
            .find(|e| e.key() == key && e.state == State::Open)
        {
            return Err(IncidentError::AlreadyOpen {
                id: open.incident_id.clone(),
                kind: key.kind.to_string(),
                device_id: key.device_id.clone(),
            });
        }
        let mut details = Map::new();
        details.insert("opened_by".into(), Value::from("customer"));
        Ok(vec![IncidentEvent {
            incident_id: incident_id(&key, now),
            seq: 1,
            event: EventKind::Opened,
            kind: report.kind,
            severity: report
                .severity
                .unwrap_or_else(|| report.kind.default_severity()),
            state: State::Open,
            origin: Origin::Customer,
            room_id: report.room_id.clone(),
            device_id: report.device_id.clone(),
            peripheral_id: report.peripheral_id.clone(),
            opened_at: now,
            event_at: now,
            last_seen_at: now,
            resolved_at: None,
            closed_at: None,
            summary: report.summary.clone(),
            details,
            recorded_at: now,
        }])
    })
    .await?;
    Ok(events
        .into_iter()
        .next()
        .expect("write_decided returns what was decided: exactly one event"))
}

/// Closes an incident at `now`, as a person decided; `note` goes into its details. Returns the
/// `closed` event. A customer incident closes from `open` or `resolved`; a system incident only
/// from `resolved` ([`IncidentError::StillOpen`] otherwise: resolve first).
pub async fn close(
    store: &IncidentStore,
    id: &str,
    note: Option<String>,
    now: DateTime<Utc>,
) -> Result<IncidentEvent> {
    let events = write_decided(store, |snapshot| {
        let incidents = Incidents::from_events(&snapshot.events);
        let Some(latest) = incidents.get(id) else {
            return Err(IncidentError::NotFound { id: id.into() });
        };
        if latest.state == State::Closed {
            return Err(IncidentError::AlreadyClosed { id: id.into() });
        }
        if latest.origin == Origin::System && latest.state == State::Open {
            return Err(IncidentError::StillOpen { id: id.into() });
        }
        let mut row = latest.clone();
        row.seq += 1;
        row.event = EventKind::Closed;
        row.state = State::Closed;
        row.event_at = now.max(row.event_at);
        row.closed_at = Some(row.event_at);
        row.recorded_at = now;
        row.details
            .insert("closed_by".into(), Value::from("person"));
        if let Some(note) = &note {
            row.details
                .insert("close_note".into(), Value::from(note.as_str()));
        }
        Ok(vec![row])
    })
    .await?;
    Ok(events
        .into_iter()
        .next()
        .expect("write_decided returns what was decided: exactly one event"))
}

/// The latest state of every incident.
pub async fn incidents(store: &IncidentStore) -> Result<Incidents> {
    Ok(Incidents::from_events(&store.read().await?.events))
}

/// Every event of one incident, in order.
pub async fn history(store: &IncidentStore, id: &str) -> Result<Vec<IncidentEvent>> {
    let mut events: Vec<_> = store
        .read()
        .await?
        .events
        .into_iter()
        .filter(|e| e.incident_id == id)
        .collect();
    if events.is_empty() {
        return Err(IncidentError::NotFound { id: id.into() });
    }
    events.sort_by_key(|e| e.seq);
    Ok(events)
}

/// Reads the store, decides the next events and writes them as the next batch; decides again
/// from a fresh read when another writer took that batch.
async fn write_decided(
    store: &IncidentStore,
    decide: impl Fn(&Snapshot) -> Result<Vec<IncidentEvent>>,
) -> Result<Vec<IncidentEvent>> {
    let mut snapshot = store.read().await?;
    for _ in 0..MAX_ATTEMPTS {
        let events = decide(&snapshot)?;
        if store.append_after(snapshot.batch, &events).await?.is_some() {
            return Ok(events);
        }
        let newer = store.read_since(snapshot.batch).await?;
        snapshot.events.extend(newer.events);
        snapshot.batch = newer.batch;
    }
    Err(IncidentError::Contended {
        attempts: MAX_ATTEMPTS,
    })
}
