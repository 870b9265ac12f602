//! [`Summary`]: what a simulation wrote.

use std::fmt;

use roomsight_ingest::vocab::EventType;

use crate::faults::FaultType;

/// Counts of what a simulation emitted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Rooms simulated.
    pub rooms: usize,
    /// Days simulated.
    pub days: u32,
    /// Distinct events per type, indexed like [`EventType::ALL`] (resent copies not counted).
    pub events: [u64; 7],
    /// Lines emitted: distinct events plus resent copies.
    pub lines: u64,
    /// Resent copies (same `event_id` and payload, sent again later).
    pub duplicates: u64,
    /// Events emitted late, out of order.
    pub late: u64,
    /// Injected faults per type, indexed like [`FaultType::ALL`].
    pub faults: [u64; 6],
    /// Bytes of the NDJSON stream: every line plus its newline.
    pub bytes: u64,
}

impl Summary {
    /// Distinct events of one type.
    pub fn events_of(&self, t: EventType) -> u64 {
        EventType::ALL
            .iter()
            .position(|x| *x == t)
            .map_or(0, |i| self.events[i])
    }

    /// Distinct events in all.
    pub fn total_events(&self) -> u64 {
        self.events.iter().sum()
    }

    /// Injected faults of one type.
    pub fn faults_of(&self, t: FaultType) -> u64 {
        self.faults[t as usize]
    }
}

impl fmt::Display for Summary {
    /// A few lines for people: totals, then counts per event type and per fault type.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "simulated {} rooms for {} days: {} events in {} lines ({} duplicates, {} late), {:.1} MiB",
            self.rooms,
            self.days,
            self.total_events(),
            self.lines,
            self.duplicates,
            self.late,
            self.bytes as f64 / (1024.0 * 1024.0)
        )?;
        let events: Vec<String> = EventType::ALL
            .iter()
            .zip(self.events)
            .map(|(t, n)| format!("{t} {n}"))
            .collect();
        writeln!(f, "events: {}", events.join(", "))?;
        let faults: Vec<String> = FaultType::ALL
            .iter()
            .zip(self.faults)
            .map(|(t, n)| format!("{t} {n}"))
            .collect();
        write!(f, "faults: {}", faults.join(", "))
    }
}
