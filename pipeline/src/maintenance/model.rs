//! A maintenance window and the events that record it (`created`, `ended`).

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::incidents::Kind;

/// What happened to a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowEventKind {
    /// It was added.
    Created,
    /// It was ended early; the event's `to` is the moment it ended.
    Ended,
}

impl WindowEventKind {
    /// The name in the lake.
    pub fn as_str(self) -> &'static str {
        match self {
            WindowEventKind::Created => "created",
            WindowEventKind::Ended => "ended",
        }
    }

    /// The kind named `s`.
    pub fn parse(s: &str) -> Option<WindowEventKind> {
        match s {
            "created" => Some(WindowEventKind::Created),
            "ended" => Some(WindowEventKind::Ended),
            _ => None,
        }
    }
}

/// A maintenance window as it stands: planned work in `[from, to)` that must page no one.
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    /// Its id (`mw-` and 16 hex digits).
    pub window_id: String,
    /// The room.
    pub room_id: String,
    /// A room system or a peripheral (none: the whole room).
    pub device_id: Option<String>,
    /// The incident kind it silences (none: every kind).
    pub kind: Option<Kind>,
    /// Its start.
    pub from: DateTime<Utc>,
    /// Its end, exclusive (moved earlier when ended early).
    pub to: DateTime<Utc>,
    /// Why.
    pub reason: String,
    /// Who added it (free text).
    pub created_by: String,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it was ended early, if it was.
    pub ended_at: Option<DateTime<Utc>>,
}

/// One row of `maintenance_window_events`.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowEvent {
    /// What happened.
    pub event: WindowEventKind,
    /// The window after it happened (`ended_at` is not stored: it is the `ended` event's
    /// `event_at`).
    pub window: Window,
    /// When it happened.
    pub event_at: DateTime<Utc>,
}

/// What someone asks for with `roomsight maintenance add`.
#[derive(Clone, Debug)]
pub struct NewWindow {
    /// The room.
    pub room_id: String,
    /// A room system or peripheral of the room (none: the whole room).
    pub device_id: Option<String>,
    /// One incident kind (none: every kind).
    pub kind: Option<Kind>,
    /// Start.
    pub from: DateTime<Utc>,
    /// End, after `from`.
    pub to: DateTime<Utc>,
    /// Why.
    pub reason: String,
    /// Who.
    pub created_by: String,
}

/// The id of a window added at `created_at`: `mw-` and 16 hex digits of SHA-256 over its fields.
pub fn window_id(w: &NewWindow, created_at: DateTime<Utc>) -> String {
    let mut h = Sha256::new();
    let (from, to) = (
        w.from.timestamp_micros().to_string(),
        w.to.timestamp_micros().to_string(),
    );
    let created = created_at
        .timestamp_nanos_opt()
        .unwrap_or_default()
        .to_string();
    let parts: [&str; 8] = [
        w.room_id.as_str(),
        w.device_id.as_deref().unwrap_or(""),
        w.kind.map_or("", Kind::as_str),
        from.as_str(),
        to.as_str(),
        w.reason.as_str(),
        w.created_by.as_str(),
        created.as_str(),
    ];
    for part in parts {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let digest = h.finalize();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("mw-{hex}")
}

/// Folds events (in store order) into the windows as they stand, in the order they were added.
pub fn fold(events: &[WindowEvent]) -> Vec<Window> {
    let mut out: Vec<Window> = Vec::new();
    for e in events {
        let at = out.iter().position(|w| w.window_id == e.window.window_id);
        match (e.event, at) {
            (WindowEventKind::Created, None) => out.push(e.window.clone()),
            (WindowEventKind::Created, Some(_)) => {}
            (WindowEventKind::Ended, Some(i)) => {
                let w = &mut out[i];
                if e.window.to < w.to {
                    w.to = e.window.to;
                }
                w.ended_at = Some(w.ended_at.map_or(e.event_at, |t| t.min(e.event_at)));
            }
            (WindowEventKind::Ended, None) => {
                let mut w = e.window.clone();
                w.ended_at = Some(e.event_at);
                out.push(w);
            }
        }
    }
    out
}
