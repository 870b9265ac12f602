//! Maintenance windows (incidents.md): planned work on a room, a room system or a peripheral
//! during which detection opens no incident.
//!
//! - [`model`]: the window, its events (`created`, `ended`) and its id;
//! - [`store`]: the append-only batches in `<lake>/maintenance_windows/` (the SQL table
//!   `maintenance_window_events`, the view `maintenance_windows`);
//! - [`add`], [`end`], [`windows`]: what `roomsight maintenance add|end|list` do.
//!
//! Detection honours these windows and the implicit windows of updates in progress
//! (`crate::detect`'s window filter, over the SQL view `effective_maintenance_windows`).

mod error;
pub mod model;
pub mod store;

use chrono::{DateTime, Utc};

pub use error::{MaintenanceError, Result};
pub use model::{NewWindow, Window, WindowEvent, WindowEventKind, fold, window_id};
pub use store::MaintenanceStore;

/// Records a new window created at `now`; refused when it ends at or before its start. The
/// caller checks the room (the directory is in the catalog, not here).
pub async fn add(store: &MaintenanceStore, new: NewWindow, now: DateTime<Utc>) -> Result<Window> {
    if new.to <= new.from {
        return Err(MaintenanceError::EndsBeforeStart {
            from: new.from,
            to: new.to,
        });
    }
    let window = Window {
        window_id: window_id(&new, now),
        room_id: new.room_id,
        device_id: new.device_id,
        kind: new.kind,
        from: new.from,
        to: new.to,
        reason: new.reason,
        created_by: new.created_by,
        created_at: now,
        ended_at: None,
    };
    store
        .append(&[WindowEvent {
            event: WindowEventKind::Created,
            window: window.clone(),
            event_at: now,
        }])
        .await?;
    Ok(window)
}

/// Ends window `id` at `now`: its `to` moves to `now` (to its start, for a window that has not
/// begun, which then covers nothing). Refused for an unknown id or a window already over.
pub async fn end(store: &MaintenanceStore, id: &str, now: DateTime<Utc>) -> Result<Window> {
    let all = fold(&store.read().await?);
    let Some(mut window) = all.into_iter().find(|w| w.window_id == id) else {
        return Err(MaintenanceError::NotFound { id: id.into() });
    };
    if window.to <= now {
        return Err(MaintenanceError::AlreadyOver {
            id: id.into(),
            to: window.to,
        });
    }
    window.to = now.max(window.from);
    store
        .append(&[WindowEvent {
            event: WindowEventKind::Ended,
            window: window.clone(),
            event_at: now,
        }])
        .await?;
    window.ended_at = Some(now);
    Ok(window)
}

/// Every window as it stands, in the order they were added.
pub async fn windows(store: &MaintenanceStore) -> Result<Vec<Window>> {
    Ok(fold(&store.read().await?))
}
