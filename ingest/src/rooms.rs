//! The room directory, `rooms.csv`: the customer's rooms, loaded beside the telemetry.
//!
//! Header `room_id,name,site,building,floor,capacity,country,timezone,room_group,ring` (any
//! column order; extra columns are ignored). Every field but `building` and `floor` is
//! required; `capacity` is an integer ≥ 1, `country` an ISO 3166-1 alpha-2 code, `timezone` an
//! IANA name. A row that breaks a rule, or repeats an earlier `room_id`, is rejected with the
//! physical line where it starts; the other rows load.

use std::collections::HashSet;
use std::io::Read;

use crate::country::is_iso_3166_alpha2;
use crate::error::{Error, Result};
use crate::validate_id::is_valid_id;

/// The columns of `rooms.csv`, in the contract's order.
pub const ROOMS_COLUMNS: [&str; 10] = [
    "room_id",
    "name",
    "site",
    "building",
    "floor",
    "capacity",
    "country",
    "timezone",
    "room_group",
    "ring",
];

/// One room of the directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Room {
    /// The id telemetry uses for the room.
    pub room_id: String,
    /// Display name.
    pub name: String,
    /// Site (office) the room is in.
    pub site: String,
    /// Building, when given.
    pub building: Option<String>,
    /// Floor, when given (free text: `3`, `G`, `M2`).
    pub floor: Option<String>,
    /// Seats, ≥ 1.
    pub capacity: u32,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// IANA time-zone name; reports take local dates and business hours from it.
    pub timezone: String,
    /// A free label for room administration.
    pub room_group: String,
    /// The update deployment ring.
    pub ring: String,
}

/// A rejected row: where it starts and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowRejection {
    /// The physical line (1-based) where the row starts.
    pub line: u64,
    /// The column at fault, when one is.
    pub column: Option<&'static str>,
    /// What is wrong, in a sentence.
    pub detail: String,
}

impl std::fmt::Display for RowRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.column {
            Some(c) => write!(f, "line {}: `{}` {}", self.line, c, self.detail),
            None => write!(f, "line {}: {}", self.line, self.detail),
        }
    }
}

/// The result of reading a directory: the rooms that loaded and the rows that did not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoomDirectory {
    /// Valid rooms, in file order.
    pub rooms: Vec<Room>,
    /// Rejected rows, in file order.
    pub rejected: Vec<RowRejection>,
}

/// Reads a `rooms.csv` directory. Returns an error only when the file as a whole is unusable
/// (unreadable, or a required column missing from the header); bad rows are in `rejected`.
pub fn read_rooms(input: impl Read) -> Result<RoomDirectory> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input);
    let headers = reader
        .headers()
        .map_err(|source| Error::RoomsCsv { source })?
        .clone();
    let mut index = [0usize; 10];
    for (slot, column) in index.iter_mut().zip(ROOMS_COLUMNS) {
        *slot = headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == column)
            .ok_or(Error::RoomsHeader { column })?;
    }

    let mut directory = RoomDirectory::default();
    let mut seen = HashSet::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, |p| p.line());
                if record.iter().all(str::is_empty) {
                    continue;
                }
                match parse_row(&record, &index) {
                    Ok(room) if !seen.insert(room.room_id.clone()) => {
                        directory.rejected.push(RowRejection {
                            line,
                            column: Some("room_id"),
                            detail: format!("repeats `{}` from an earlier row", room.room_id),
                        })
                    }
                    Ok(room) => directory.rooms.push(room),
                    Err((column, detail)) => directory.rejected.push(RowRejection {
                        line,
                        column,
                        detail,
                    }),
                }
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    let source = match e.into_kind() {
                        csv::ErrorKind::Io(io) => io,
                        _ => unreachable!("matched Io above"),
                    };
                    return Err(Error::Read {
                        what: "rooms.csv".into(),
                        source,
                    });
                }
                directory.rejected.push(RowRejection {
                    line,
                    column: None,
                    detail: format!("is not valid CSV ({e})"),
                });
            }
        }
    }
    Ok(directory)
}

type RowError = (Option<&'static str>, String);

fn parse_row(record: &csv::StringRecord, index: &[usize; 10]) -> Result<Room, RowError> {
    let get = |i: usize| record.get(index[i]).unwrap_or("");
    let required = |i: usize| -> Result<String, RowError> {
        let v = get(i);
        if v.is_empty() {
            Err((Some(ROOMS_COLUMNS[i]), "is required".to_string()))
        } else {
            Ok(v.to_string())
        }
    };
    let optional = |i: usize| Some(get(i).to_string()).filter(|s| !s.is_empty());

    let room_id = required(0)?;
    if !is_valid_id(&room_id) {
        return Err((
            Some("room_id"),
            format!("must be 1–64 characters of [A-Za-z0-9._:-], got `{room_id}`"),
        ));
    }
    let name = required(1)?;
    let site = required(2)?;
    let capacity_text = required(5)?;
    let capacity = match capacity_text.parse::<u32>() {
        Ok(c) if c >= 1 => c,
        _ => {
            return Err((
                Some("capacity"),
                format!("must be a whole number of seats ≥ 1, got `{capacity_text}`"),
            ));
        }
    };
    let country = required(6)?;
    if !is_iso_3166_alpha2(&country) {
        return Err((
            Some("country"),
            format!("must be an ISO 3166-1 alpha-2 code such as GB or DE, got `{country}`"),
        ));
    }
    let timezone = required(7)?;
    if timezone.parse::<chrono_tz::Tz>().is_err() {
        return Err((
            Some("timezone"),
            format!("must be an IANA time-zone name such as Europe/Berlin, got `{timezone}`"),
        ));
    }
    Ok(Room {
        room_id,
        name,
        site,
        building: optional(3),
        floor: optional(4),
        capacity,
        country,
        timezone,
        room_group: required(8)?,
        ring: required(9)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "room_id,name,site,building,floor,capacity,country,timezone,room_group,ring\n";

    fn read(body: &str) -> RoomDirectory {
        read_rooms(format!("{HEADER}{body}").as_bytes()).unwrap()
    }

    #[test]
    fn loads_valid_rows_with_optional_building_and_floor() {
        let d = read(
            "ldn-1,Thames,London,HQ,3,8,GB,Europe/London,hq-boardrooms,general\n\
             utc-1,Cloud,Remote,,,2,US,UTC,huddle,pilot\n",
        );
        assert_eq!(d.rejected, vec![]);
        assert_eq!(d.rooms.len(), 2);
        assert_eq!(d.rooms[0].building.as_deref(), Some("HQ"));
        assert_eq!(d.rooms[1].building, None);
        assert_eq!(d.rooms[1].floor, None);
        assert_eq!(d.rooms[1].timezone, "UTC");
    }

    #[test]
    fn rejects_each_broken_rule_with_its_line() {
        let d = read(
            "ok-1,A,S,,,4,DE,Europe/Berlin,g,general\n\
             bad id,A,S,,,4,DE,Europe/Berlin,g,general\n\
             cap-0,A,S,,,0,DE,Europe/Berlin,g,general\n\
             cap-x,A,S,,,four,DE,Europe/Berlin,g,general\n\
             cty,A,S,,,4,UK,Europe/Berlin,g,general\n\
             tz,A,S,,,4,DE,Europe/Atlantis,g,general\n\
             noname,,S,,,4,DE,Europe/Berlin,g,general\n\
             ok-1,B,S,,,4,DE,Europe/Berlin,g,general\n\
             noring,A,S,,,4,DE,Europe/Berlin,g,\n",
        );
        assert_eq!(d.rooms.len(), 1);
        let got: Vec<(u64, Option<&str>)> = d.rejected.iter().map(|r| (r.line, r.column)).collect();
        assert_eq!(
            got,
            vec![
                (3, Some("room_id")),
                (4, Some("capacity")),
                (5, Some("capacity")),
                (6, Some("country")),
                (7, Some("timezone")),
                (8, Some("name")),
                (9, Some("room_id")),
                (10, Some("ring")),
            ]
        );
    }

    #[test]
    fn line_numbers_are_physical_lines_where_rows_start() {
        let d = read(
            "q-1,\"Multi\nline name\",S,,,4,DE,Europe/Berlin,g,general\n\
             q-2,B,S,,,0,DE,Europe/Berlin,g,general\n",
        );
        assert_eq!(d.rooms.len(), 1);
        assert_eq!(d.rooms[0].name, "Multi\nline name");
        assert_eq!(d.rejected[0].line, 4);
    }

    #[test]
    fn short_rows_are_rejected_not_fatal() {
        let d = read("s-1,A,S\nok,A,S,,,4,DE,Europe/Berlin,g,general\n");
        assert_eq!(d.rooms.len(), 1);
        assert_eq!(d.rejected[0].line, 2);
    }

    #[test]
    fn header_missing_a_column_is_an_error() {
        let err = read_rooms("room_id,name\nx,y\n".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("`site`"), "{err}");
    }

    #[test]
    fn byte_order_mark_and_crlf_are_accepted() {
        let text = format!(
            "\u{feff}{}x-1,A,S,,,4,DE,UTC,g,general\r\n",
            HEADER.replace('\n', "\r\n")
        );
        let d = read_rooms(text.as_bytes()).unwrap();
        assert_eq!(d.rooms.len(), 1, "{:?}", d.rejected);
    }
}
