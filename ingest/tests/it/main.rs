//! Integration tests of the ingest crate: property tests of the contract code (the validator and
//! the scrubber are total over any input) and the Kafka consumer against a real broker.
#![allow(clippy::unwrap_used, reason = "test fixtures fail loudly by design")]

mod broker;
mod consumer;
mod contract_doc;
mod ingest_mock;
mod moto;
mod s3_lake;

use proptest::prelude::*;
use roomsight_ingest::scrub::{REDACTED, scrub};
use roomsight_ingest::{Reason, Timestamp, validate};

const VALID: &str = r#"{"schema":"roomsight.telemetry/v1","type":"peripheral","event_id":"e-1","ts":"2026-11-24T09:15:00Z","device_id":"dev-1","room_id":"room-1","peripheral_id":"cam-1","kind":"room_camera","make":"Logi","model":"Rally","firmware":"1.2.3","connection":"connected","optional":false,"error_count":0,"metrics":{"fps":30,"x":1.5}}"#;

fn now() -> Timestamp {
    Timestamp::from_utc(2026, 11, 24, 12, 0, 0)
}

/// Fragments that make JSON-ish text likely to get past the first checks.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("{".to_string()),
        Just("}".to_string()),
        Just(",".to_string()),
        Just(":".to_string()),
        Just("\"schema\":\"roomsight.telemetry/v1\"".to_string()),
        Just("\"type\":\"meeting\"".to_string()),
        Just("\"type\":\"heartbeat\"".to_string()),
        Just("\"ts\":\"2026-11-24T09:15:00Z\"".to_string()),
        Just("\"start\":\"2026-11-24T08:15:00+01:00\"".to_string()),
        Just("\"metrics\":{\"fps\":".to_string()),
        Just("null".to_string()),
        Just("1e999".to_string()),
        Just("-0.0".to_string()),
        Just("\"\\u00e9\\ud800\"".to_string()),
        "[a-z_]{1,12}".prop_map(|k| format!("\"{k}\"")),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|n| n.to_string()),
    ]
}

fn check(bytes: &[u8]) {
    match validate(bytes, now()) {
        Ok(event) => {
            // A valid event serializes to a message that is valid and equal again.
            let wire = event.to_json();
            assert_eq!(
                validate(wire.as_bytes(), now()).as_ref(),
                Ok(&event),
                "{wire}"
            );
        }
        Err(r) => assert!(Reason::ALL.contains(&r.reason)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn validate_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check(&bytes);
    }

    #[test]
    fn validate_never_panics_on_json_like_text(parts in proptest::collection::vec(fragment(), 0..40)) {
        check(parts.concat().as_bytes());
    }

    #[test]
    fn validate_never_panics_on_mutations_of_a_valid_event(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut bytes = VALID.as_bytes().to_vec();
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        check(&bytes);
    }

    #[test]
    fn scrub_leaves_no_address_and_counts_what_it_replaced(
        words in proptest::collection::vec(
            prop_oneof![
                "[a-z]{1,8}",
                "[a-z0-9._+-]{1,10}@[a-z]{1,8}\\.[a-z]{2,4}",
                "19:meeting_[A-Za-z0-9]{4,10}@thread\\.v2",
                "[ ,.;:()<>\"'@é]{1,3}",
            ],
            0..20,
        ),
    ) {
        let message = words.concat();
        let (out, n) = scrub(&message);
        prop_assert_eq!(out.matches(REDACTED).count() - message.matches(REDACTED).count(), n as usize);
        // Nothing that still looks like user@domain.tld survives.
        let (again, m) = scrub(&out);
        prop_assert_eq!(m, 0, "left an address in {:?}", again);
    }
}

#[test]
fn the_fixture_is_valid() {
    assert!(validate(VALID.as_bytes(), now()).is_ok());
}
