//! Identifiers that must be unique: event ids and meeting ids.
//!
//! Uniqueness is by construction, not by luck: each id is a bijective mix of a counter that is
//! unique per room and stream, so no two events (or meetings) of a run can share an id.

use crate::rng::mix64;

/// A stream of events of one room: its room system's heartbeats, one-offs, or one peripheral.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EventStream {
    /// Heartbeats.
    Heartbeat,
    /// Bookings, meetings, updates, enrollments and logs.
    OneOff,
    /// The peripheral in this slot.
    Peripheral(usize),
}

impl EventStream {
    fn code(self) -> u64 {
        match self {
            EventStream::Heartbeat => 0,
            EventStream::OneOff => 1,
            EventStream::Peripheral(slot) => 2 + slot as u64,
        }
    }
}

/// Writes a UUID-shaped event id (36 characters) for event `n` of a room's stream.
///
/// The first 16 hex digits mix `(room, stream)`, the last 16 mix `n` with them; every mix is a
/// bijection, so distinct `(room, stream, n)` give distinct ids.
pub(crate) fn event_id(seed: u64, room: usize, stream: EventStream, n: u64, out: &mut [u8; 36]) {
    let hi = mix64(mix64(seed) ^ ((room as u64) << 16 | stream.code()));
    let lo = mix64(mix64(n) ^ hi);
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut digits = [0u8; 32];
    for (i, d) in digits.iter_mut().enumerate() {
        let word = if i < 16 { hi } else { lo };
        let shift = 60 - 4 * (i % 16);
        *d = HEX[((word >> shift) & 0xf) as usize];
    }
    let mut j = 0;
    for (i, slot) in out.iter_mut().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            *slot = b'-';
        } else {
            *slot = digits[j];
            j += 1;
        }
    }
}

/// A 22-character base-62 token unique per `(room, n)` for one seed: the seed-keyed mix of the
/// pair, then a second mix for looks.
pub(crate) fn token(seed: u64, room: usize, n: u64) -> String {
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let key = mix64(seed ^ 0x9e6c_63d0_676a_9a99);
    let unique = mix64(((room as u64) << 24 | (n & 0xff_ffff)) ^ key);
    let looks = mix64(unique ^ key);
    let mut out = String::with_capacity(22);
    for mut word in [unique, looks] {
        for _ in 0..11 {
            out.push(char::from(ALPHABET[(word % 62) as usize]));
            word /= 62;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn event_ids_are_unique_and_uuid_shaped() {
        let mut seen = HashSet::new();
        let mut buf = [0u8; 36];
        for room in 0..20 {
            for stream in [
                EventStream::Heartbeat,
                EventStream::OneOff,
                EventStream::Peripheral(3),
            ] {
                for n in 0..200 {
                    event_id(1, room, stream, n, &mut buf);
                    let s = std::str::from_utf8(&buf)
                        .expect("ids are ASCII")
                        .to_string();
                    assert_eq!(s.len(), 36);
                    assert_eq!(&s[8..9], "-");
                    assert!(seen.insert(s));
                }
            }
        }
    }

    #[test]
    fn tokens_are_unique() {
        let mut seen = HashSet::new();
        for room in 0..50 {
            for n in 0..500 {
                let t = token(3, room, n);
                assert_eq!(t.len(), 22);
                assert!(seen.insert(t));
            }
        }
    }
}
