//! The closed vocabularies of the contract: every string field whose value is one of a list.
//!
//! Each enum knows its wire spelling (`as_str`) and parses it back (`parse`); the lists follow
//! docs/telemetry-contract.md and, for peripherals and connections, Microsoft Graph's names in
//! snake_case.

/// Declares a string-valued enum with its exact wire spellings.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in the contract's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The spelling on the wire and in the lake.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire),+
                }
            }

            /// The value with this exact spelling, if any.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($wire => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

wire_enum! {
    /// The kind of event, the `type` field; each kind is one lake table.
    EventType {
        Heartbeat = "heartbeat",
        Peripheral = "peripheral",
        Meeting = "meeting",
        Booking = "booking",
        Update = "update",
        Enrollment = "enrollment",
        Log = "log",
    }
}

impl EventType {
    /// The lake table (and SQL table) that holds events of this type.
    pub const fn table(self) -> &'static str {
        match self {
            EventType::Heartbeat => "heartbeats",
            EventType::Peripheral => "peripheral_states",
            EventType::Meeting => "meetings",
            EventType::Booking => "bookings",
            EventType::Update => "updates",
            EventType::Enrollment => "enrollments",
            EventType::Log => "logs",
        }
    }
}

wire_enum! {
    /// The room system's operating platform.
    DevicePlatform { Windows = "windows", Android = "android" }
}

wire_enum! {
    /// What a peripheral is (Graph's `teamworkPeripheralsHealth` names in snake_case).
    PeripheralKind {
        RoomCamera = "room_camera",
        ContentCamera = "content_camera",
        Microphone = "microphone",
        Speaker = "speaker",
        CommunicationSpeaker = "communication_speaker",
        Display = "display",
        TouchConsole = "touch_console",
        Compute = "compute",
        HdmiIngest = "hdmi_ingest",
    }
}

wire_enum! {
    /// A peripheral's connection state (Graph's `teamworkConnection`).
    Connection { Connected = "connected", Disconnected = "disconnected", Unknown = "unknown" }
}

wire_enum! {
    /// The meeting platform a call ran on; `other` is a direct guest join.
    MeetingPlatform { Teams = "teams", Zoom = "zoom", Webex = "webex", Other = "other" }
}

wire_enum! {
    /// The state of a calendar booking.
    BookingStatus { Accepted = "accepted", Cancelled = "cancelled" }
}

wire_enum! {
    /// The software component an update step changes.
    UpdateComponent {
        TeamsApp = "teams_app",
        Firmware = "firmware",
        OperatingSystem = "operating_system",
        AdminAgent = "admin_agent",
        PartnerAgent = "partner_agent",
    }
}

wire_enum! {
    /// How far an update step got.
    UpdateStatus {
        Scheduled = "scheduled",
        Started = "started",
        Succeeded = "succeeded",
        Failed = "failed",
        RolledBack = "rolled_back",
    }
}

wire_enum! {
    /// Whether a room system joins or leaves management.
    EnrollmentAction { Enrolled = "enrolled", Unenrolled = "unenrolled" }
}

wire_enum! {
    /// A device log line's severity.
    LogLevel { Info = "info", Warning = "warning", Error = "error" }
}

/// A known peripheral metric, its valid range, and its column in `peripheral_states`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KnownMetric {
    /// The name in the event's `metrics` object and the lake column.
    pub name: &'static str,
    /// Smallest valid value (inclusive).
    pub min: f64,
    /// Largest valid value (inclusive); `f64::INFINITY` when unbounded.
    pub max: f64,
}

/// The metrics the contract names; a range applies by name whatever the peripheral kind.
pub const KNOWN_METRICS: &[KnownMetric] = &[
    KnownMetric {
        name: "fps",
        min: 0.0,
        max: 120.0,
    },
    KnownMetric {
        name: "dropped_frames_pct",
        min: 0.0,
        max: 100.0,
    },
    KnownMetric {
        name: "snr_db",
        min: -20.0,
        max: 100.0,
    },
    KnownMetric {
        name: "noise_floor_db",
        min: -120.0,
        max: 0.0,
    },
    KnownMetric {
        name: "volume_pct",
        min: 0.0,
        max: 100.0,
    },
    KnownMetric {
        name: "distortion_pct",
        min: 0.0,
        max: 100.0,
    },
    KnownMetric {
        name: "signal_errors",
        min: 0.0,
        max: f64::INFINITY,
    },
    KnownMetric {
        name: "touch_latency_ms",
        min: 0.0,
        max: 10_000.0,
    },
    KnownMetric {
        name: "disk_free_pct",
        min: 0.0,
        max: 100.0,
    },
];

/// The known metric with this name, if it is one.
pub fn known_metric(name: &str) -> Option<&'static KnownMetric> {
    KNOWN_METRICS.iter().find(|m| m.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for k in PeripheralKind::ALL {
            assert_eq!(PeripheralKind::parse(k.as_str()), Some(*k));
        }
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(*t));
        }
        assert_eq!(
            UpdateStatus::parse("rolled_back"),
            Some(UpdateStatus::RolledBack)
        );
        assert_eq!(Connection::parse("Connected"), None);
    }
}
