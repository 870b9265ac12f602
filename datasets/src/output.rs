//! Files: `rooms.csv`, `faults.csv`, `releases.csv`, and [`write_to_dir`], which writes a whole
//! sample directory (`rooms.csv`, `events.ndjson`, `faults.csv`, `releases.csv`).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::config::SimConfig;
use crate::emit::Progress;
use crate::error::{Error, Result};
use crate::estate::Room;
use crate::faults::Fault;
use crate::fleet::Fleet;
use crate::summary::Summary;

/// The header of `rooms.csv`, as the contract names it (the ingest crate's column list).
pub const ROOMS_HEADER: [&str; 10] = roomsight_ingest::rooms::ROOMS_COLUMNS;

/// The header of `faults.csv`.
pub const FAULTS_HEADER: [&str; 6] = [
    "peripheral_id",
    "device_id",
    "room_id",
    "fault_type",
    "start",
    "end",
];

/// The header of `releases.csv`.
pub const RELEASES_HEADER: [&str; 8] = [
    "component",
    "line",
    "to_version",
    "bad",
    "validation_start",
    "pilot_start",
    "general_start",
    "rolled_back_at",
];

/// Buffer size of the events file: large writes keep the disk, not the syscalls, the limit.
const EVENTS_BUFFER: usize = 8 << 20;

pub(crate) fn write_rooms_csv(rooms: &[Room], out: impl Write) -> Result<()> {
    let csv_err = |source| Error::Csv {
        what: "rooms.csv",
        source,
    };
    let mut w = csv::Writer::from_writer(out);
    w.write_record(ROOMS_HEADER).map_err(csv_err)?;
    for r in rooms {
        let capacity = r.capacity.to_string();
        let floor = r.floor.to_string();
        w.write_record([
            r.room_id.as_str(),
            r.name.as_str(),
            r.site.name,
            r.building,
            floor.as_str(),
            capacity.as_str(),
            r.site.country,
            r.site.timezone,
            r.room_group,
            r.ring.as_str(),
        ])
        .map_err(csv_err)?;
    }
    w.flush().map_err(|e| csv_err(e.into()))
}

pub(crate) fn write_faults_csv(faults: &[Fault], out: impl Write) -> Result<()> {
    let csv_err = |source| Error::Csv {
        what: "faults.csv",
        source,
    };
    let mut w = csv::Writer::from_writer(out);
    w.write_record(FAULTS_HEADER).map_err(csv_err)?;
    for f in faults {
        let (start, end) = (f.start.to_string(), f.end.to_string());
        w.write_record([
            f.peripheral_id.as_deref().unwrap_or(""),
            f.device_id.as_str(),
            f.room_id.as_str(),
            f.fault_type.as_str(),
            start.as_str(),
            end.as_str(),
        ])
        .map_err(csv_err)?;
    }
    w.flush().map_err(|e| csv_err(e.into()))
}

pub(crate) fn write_releases_csv(
    releases: &[crate::updates::ReleaseRow],
    out: impl Write,
) -> Result<()> {
    let csv_err = |source| Error::Csv {
        what: "releases.csv",
        source,
    };
    let text =
        |t: Option<roomsight_ingest::Timestamp>| t.map(|t| t.to_string()).unwrap_or_default();
    let mut w = csv::Writer::from_writer(out);
    w.write_record(RELEASES_HEADER).map_err(csv_err)?;
    for r in releases {
        let [v, p, g] = r.ring_start.map(text);
        w.write_record([
            r.component,
            r.line.as_str(),
            r.to_version,
            if r.bad { "true" } else { "false" },
            v.as_str(),
            p.as_str(),
            g.as_str(),
            text(r.rolled_back_at).as_str(),
        ])
        .map_err(csv_err)?;
    }
    w.flush().map_err(|e| csv_err(e.into()))
}

/// Simulates `config` into `dir` (created if missing): `rooms.csv`, `events.ndjson` (one event
/// per line, in emission order), `faults.csv` and `releases.csv`. Calls `progress` after each simulated day.
pub fn write_to_dir(
    config: &SimConfig,
    dir: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<Summary> {
    let fleet = Fleet::new(config)?;
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })?;

    let create = |name: &str| {
        let path = dir.join(name);
        File::create(&path)
            .map(|f| (f, path.clone()))
            .map_err(|source| Error::Write { path, source })
    };

    let (file, _) = create("rooms.csv")?;
    fleet.rooms_csv(BufWriter::new(file))?;
    let (file, _) = create("faults.csv")?;
    fleet.write_faults_csv(BufWriter::new(file))?;
    let (file, _) = create("releases.csv")?;
    fleet.write_releases_csv(BufWriter::new(file))?;

    let (file, path) = create("events.ndjson")?;
    let mut events = BufWriter::with_capacity(EVENTS_BUFFER, file);
    let summary = fleet
        .emit_with_progress(
            |line: &[u8]| {
                events.write_all(line)?;
                events.write_all(b"\n")
            },
            progress,
        )
        .map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
    events
        .flush()
        .map_err(|source| Error::Write { path, source })?;
    Ok(summary)
}
