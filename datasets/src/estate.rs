//! The estate: rooms at sites, each with one room system and the peripherals that suit it.
//!
//! Room `i` is drawn only from `(seed, i)`, so a larger fleet keeps the rooms of a smaller one.

use roomsight_ingest::vocab::{DevicePlatform, PeripheralKind};

use crate::catalog::{
    COMPUTE_FIRMWARE, FirmwareLine, PERIPHERALS, PeripheralModel, SITES, SYSTEMS, Site, SystemModel,
};
use crate::rng::{Rng, Stream};

/// An update deployment ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ring {
    /// The first few rooms to get every update.
    Validation,
    /// Rooms that get updates days after validation.
    Pilot,
    /// Everyone else.
    General,
}

impl Ring {
    /// Every ring, in rollout order.
    pub const ALL: [Ring; 3] = [Ring::Validation, Ring::Pilot, Ring::General];

    /// The name in `rooms.csv` and `update` events.
    pub const fn as_str(self) -> &'static str {
        match self {
            Ring::Validation => "validation",
            Ring::Pilot => "pilot",
            Ring::General => "general",
        }
    }
}

/// One meeting room.
#[derive(Debug)]
pub struct Room {
    /// Position in the fleet, 0-based.
    pub index: usize,
    /// `room-<site>-<nnnn>`.
    pub room_id: String,
    /// Display name.
    pub name: String,
    /// The site it is at.
    pub site: &'static Site,
    /// Index of the site in the catalog.
    pub site_index: usize,
    /// Building.
    pub building: &'static str,
    /// Floor.
    pub floor: u32,
    /// Seats.
    pub capacity: u32,
    /// `room_group` label (`huddle`, `hq-boardrooms`, …).
    pub room_group: &'static str,
    /// Update ring.
    pub ring: Ring,
    /// How busy the room is, 0–1 (share of business hours booked).
    pub popularity: f64,
    /// The room system.
    pub system: RoomSystem,
    /// Its peripherals; the position is the peripheral's slot.
    pub peripherals: Vec<Peripheral>,
}

impl Room {
    /// Whether it is a huddle room (2–4 seats).
    pub fn is_huddle(&self) -> bool {
        self.room_group == "huddle"
    }

    /// The room's resource mailbox, as its UPN.
    pub fn upn(&self) -> String {
        format!("{}@contoso.onmicrosoft.com", self.room_id)
    }
}

/// The Teams Rooms system of a room.
#[derive(Debug)]
pub struct RoomSystem {
    /// `mtr-<site>-<nnnn>`.
    pub device_id: String,
    /// Its model.
    pub model: &'static SystemModel,
    /// Serial number.
    pub serial: String,
    /// Index into the Teams app line's versions at the start.
    pub app_version: usize,
    /// Index into the OS line's versions at the start.
    pub os_version: usize,
}

impl RoomSystem {
    /// Windows or Android.
    pub fn platform(&self) -> DevicePlatform {
        self.model.platform
    }
}

/// One peripheral of a room.
#[derive(Debug)]
pub struct Peripheral {
    /// Unique across the estate: `<room number>-<kind code><n>`.
    pub peripheral_id: String,
    /// What it is.
    pub kind: PeripheralKind,
    /// Manufacturer.
    pub make: &'static str,
    /// Model.
    pub model: &'static str,
    /// Its firmware history.
    pub firmware: &'static FirmwareLine,
    /// Index into `firmware.versions` at the start.
    pub firmware_at_start: usize,
    /// Serial number.
    pub serial: String,
    /// Whether the room works without it.
    pub optional: bool,
    /// Relative error rate of its model.
    pub quality: f64,
}

/// Room types: `(room_group, capacity range, weight)`; boardrooms get `hq-` at the HQ.
const ROOM_TYPES: &[(&str, u32, u32, f64)] = &[
    ("huddle", 2, 4, 0.40),
    ("small-meeting", 5, 6, 0.25),
    ("medium-meeting", 8, 10, 0.20),
    ("large-meeting", 12, 16, 0.10),
    ("boardrooms", 16, 20, 0.05),
];

/// Builds room `index` of a fleet.
pub(crate) fn build_room(seed: u64, index: usize) -> Room {
    let mut rng = Rng::stream(seed, index as u64, Stream::Estate);
    // The first rooms cover every site, so even a tiny fleet spans time zones.
    let site_index = if index < SITES.len() {
        index
    } else {
        let weights: Vec<f64> = SITES.iter().map(|s| s.weight).collect();
        rng.weighted_index(&weights)
    };
    let site = &SITES[site_index];
    let number = format!("{}-{:04}", site.code, index + 1);

    let types: Vec<f64> = ROOM_TYPES.iter().map(|t| t.3).collect();
    let (group, lo, hi, _) = ROOM_TYPES[rng.weighted_index(&types)];
    let capacity = rng.range_i64(i64::from(lo), i64::from(hi)) as u32;
    let room_group = match group {
        "boardrooms" if site.hq => "hq-boardrooms",
        g => g,
    };
    let ring = match index {
        0 => Ring::Validation,
        1 => Ring::Pilot,
        _ => match rng.f64() {
            x if x < 0.05 => Ring::Validation,
            x if x < 0.20 => Ring::Pilot,
            _ => Ring::General,
        },
    };
    let floor = rng.range_i64(1, i64::from(site.floors)) as u32;
    let building = *rng.choose(site.buildings);
    let name = format!(
        "{} {}.{:02}",
        rng.choose(site.room_names),
        floor,
        (index + 1) % 100
    );
    let popularity = match room_group {
        "huddle" => rng.uniform(0.25, 0.55),
        "boardrooms" | "hq-boardrooms" => rng.uniform(0.2, 0.45),
        _ => rng.uniform(0.4, 0.8),
    };

    let windows = rng.bernoulli(0.6);
    let platform = if windows {
        DevicePlatform::Windows
    } else {
        DevicePlatform::Android
    };
    let systems: Vec<&SystemModel> = SYSTEMS.iter().filter(|s| s.platform == platform).collect();
    let weights: Vec<f64> = systems.iter().map(|s| s.weight).collect();
    let model = systems[rng.weighted_index(&weights)];
    let system = RoomSystem {
        device_id: format!("mtr-{number}"),
        model,
        serial: serial(&mut rng, model.make),
        app_version: older_sometimes(&mut rng, 2, 0.15),
        os_version: older_sometimes(&mut rng, 2, 0.2),
    };

    let mut room = Room {
        index,
        room_id: format!("room-{number}"),
        name,
        site,
        site_index,
        building,
        floor,
        capacity,
        room_group,
        ring,
        popularity,
        system,
        peripherals: Vec::new(),
    };
    room.peripherals = build_peripherals(&mut rng, &room, &number);
    room
}

fn build_peripherals(rng: &mut Rng, room: &Room, number: &str) -> Vec<Peripheral> {
    let system = room.system.model;
    let platform = system.platform;
    let mut out = Vec::new();
    let mut add =
        |rng: &mut Rng, kind, make, model, firmware: &'static FirmwareLine, quality, optional| {
            let n = out.iter().filter(|p: &&Peripheral| p.kind == kind).count() + 1;
            out.push(Peripheral {
                peripheral_id: format!("{number}-{}{n}", kind_code(kind)),
                kind,
                make,
                model,
                firmware,
                firmware_at_start: older_sometimes(rng, firmware.versions.len(), 0.2),
                serial: serial(rng, make),
                optional,
                quality,
            });
        };
    let pick =
        |rng: &mut Rng, kind: PeripheralKind, name: Option<&str>| -> &'static PeripheralModel {
            let fits: Vec<&'static PeripheralModel> = PERIPHERALS
                .iter()
                .filter(|m| m.kind == kind && m.platform.is_none_or(|p| p == platform))
                .filter(|m| name.is_none_or(|n| m.model == n))
                .collect();
            fits[rng.index(fits.len())]
        };

    match system.bar_firmware {
        Some(bar) => {
            // An Android video bar: camera, microphones and speakers are built in.
            for kind in [
                PeripheralKind::RoomCamera,
                PeripheralKind::Microphone,
                PeripheralKind::Speaker,
            ] {
                add(rng, kind, system.make, system.model, bar, 1.0, false);
            }
        }
        None => {
            let m = pick(rng, PeripheralKind::RoomCamera, None);
            add(rng, m.kind, m.make, m.model, m.firmware, m.quality, false);
            if room.is_huddle() {
                let m = pick(rng, PeripheralKind::CommunicationSpeaker, None);
                add(rng, m.kind, m.make, m.model, m.firmware, m.quality, false);
            } else {
                let m = pick(rng, PeripheralKind::Microphone, None);
                add(rng, m.kind, m.make, m.model, m.firmware, m.quality, false);
                let m = pick(rng, PeripheralKind::Speaker, None);
                add(rng, m.kind, m.make, m.model, m.firmware, m.quality, false);
            }
        }
    }
    let displays = if room.capacity >= 8 || rng.bernoulli(0.3) {
        2
    } else {
        1
    };
    let display = pick(rng, PeripheralKind::Display, None);
    for _ in 0..displays {
        add(
            rng,
            display.kind,
            display.make,
            display.model,
            display.firmware,
            display.quality,
            false,
        );
    }
    let console = pick(rng, PeripheralKind::TouchConsole, system.console);
    add(
        rng,
        console.kind,
        console.make,
        console.model,
        console.firmware,
        console.quality,
        false,
    );
    if platform == DevicePlatform::Windows {
        let line = COMPUTE_FIRMWARE
            .iter()
            .find(|(make, _)| *make == system.make)
            .map_or(&COMPUTE_FIRMWARE[0].1, |(_, line)| line);
        add(
            rng,
            PeripheralKind::Compute,
            system.make,
            system.model,
            line,
            1.0,
            false,
        );
        if rng.bernoulli(0.4) {
            let m = pick(rng, PeripheralKind::HdmiIngest, None);
            add(rng, m.kind, m.make, m.model, m.firmware, m.quality, true);
        }
    }
    if room.capacity >= 6 && rng.bernoulli(0.2) {
        let m = pick(rng, PeripheralKind::ContentCamera, None);
        add(rng, m.kind, m.make, m.model, m.firmware, m.quality, true);
    }
    out
}

/// The short code of a kind in peripheral ids.
fn kind_code(kind: PeripheralKind) -> &'static str {
    match kind {
        PeripheralKind::RoomCamera => "cam",
        PeripheralKind::ContentCamera => "ccam",
        PeripheralKind::Microphone => "mic",
        PeripheralKind::Speaker => "spk",
        PeripheralKind::CommunicationSpeaker => "cspk",
        PeripheralKind::Display => "dsp",
        PeripheralKind::TouchConsole => "tch",
        PeripheralKind::Compute => "cmp",
        PeripheralKind::HdmiIngest => "hdmi",
    }
}

/// The index of the current version of a line of `n` versions, or with probability `p_older`
/// the one before it.
fn older_sometimes(rng: &mut Rng, n: usize, p_older: f64) -> usize {
    let current = n.saturating_sub(1);
    if current > 0 && rng.bernoulli(p_older) {
        current - 1
    } else {
        current
    }
}

/// A plausible serial number.
fn serial(rng: &mut Rng, make: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPRSTUVWXYZ";
    let prefix: String = make.chars().take(2).collect::<String>().to_uppercase();
    let body: String = (0..10).map(|_| char::from(*rng.choose(ALPHABET))).collect();
    format!("{prefix}{body}")
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn rooms_are_stable_and_well_formed() {
        let a = build_room(9, 5);
        let b = build_room(9, 5);
        assert_eq!(a.room_id, b.room_id);
        assert_eq!(a.system.serial, b.system.serial);
        let mut ids = HashSet::new();
        for i in 0..300 {
            let r = build_room(9, i);
            assert!(roomsight_ingest::is_valid_id(&r.room_id));
            assert!(roomsight_ingest::is_valid_id(&r.system.device_id));
            assert!((2..=20).contains(&r.capacity));
            assert!(
                r.peripherals
                    .iter()
                    .any(|p| p.kind == PeripheralKind::RoomCamera)
            );
            assert!(
                r.peripherals
                    .iter()
                    .any(|p| p.kind == PeripheralKind::Display)
            );
            let windows = r.system.platform() == DevicePlatform::Windows;
            assert_eq!(
                r.peripherals
                    .iter()
                    .any(|p| p.kind == PeripheralKind::Compute),
                windows
            );
            for p in &r.peripherals {
                assert!(
                    ids.insert(p.peripheral_id.clone()),
                    "{} repeats",
                    p.peripheral_id
                );
                assert!(roomsight_ingest::is_valid_id(&p.peripheral_id));
                assert_eq!(
                    p.optional,
                    matches!(
                        p.kind,
                        PeripheralKind::HdmiIngest | PeripheralKind::ContentCamera
                    )
                );
            }
        }
        let huddles = (0..300).filter(|&i| build_room(9, i).is_huddle()).count();
        assert!((90..150).contains(&huddles), "{huddles}");
    }
}
