//! The fixed catalog the estate is drawn from: sites, room-system models and peripheral
//! models with their firmware histories.
//!
//! Plain static tables, so a room's make, model and versions read like a real estate's.

use chrono_tz::Tz;
use roomsight_ingest::vocab::{DevicePlatform, PeripheralKind};

/// An office with meeting rooms.
#[derive(Debug)]
pub struct Site {
    /// Short code used in room and device ids (`ldn`).
    pub code: &'static str,
    /// The site's name in `rooms.csv` (`London`).
    pub name: &'static str,
    /// IANA time zone.
    pub timezone: &'static str,
    /// The same zone for computation.
    pub tz: Tz,
    /// ISO 3166-1 alpha-2 country.
    pub country: &'static str,
    /// Buildings of the site.
    pub buildings: &'static [&'static str],
    /// Number of floors with meeting rooms.
    pub floors: u32,
    /// Share of the estate's rooms.
    pub weight: f64,
    /// Names rooms are called after.
    pub room_names: &'static [&'static str],
    /// Typical round-trip time of calls from this site, ms.
    pub rtt_ms: f64,
    /// Whether this is the headquarters (its boardrooms are `hq-boardrooms`).
    pub hq: bool,
}

/// The sites of the estate.
pub static SITES: &[Site] = &[
    Site {
        code: "ldn",
        name: "London",
        timezone: "Europe/London",
        tz: chrono_tz::Europe::London,
        country: "GB",
        buildings: &["Canary Wharf One", "Canary Wharf Two"],
        floors: 12,
        weight: 0.22,
        room_names: &[
            "Thames",
            "Kew",
            "Camden",
            "Greenwich",
            "Soho",
            "Mayfair",
            "Hyde",
            "Borough",
        ],
        rtt_ms: 38.0,
        hq: true,
    },
    Site {
        code: "ber",
        name: "Berlin",
        timezone: "Europe/Berlin",
        tz: chrono_tz::Europe::Berlin,
        country: "DE",
        buildings: &["Spreeturm"],
        floors: 6,
        weight: 0.12,
        room_names: &[
            "Spree",
            "Havel",
            "Tiergarten",
            "Kreuzberg",
            "Wannsee",
            "Mitte",
        ],
        rtt_ms: 42.0,
        hq: false,
    },
    Site {
        code: "nyc",
        name: "New York",
        timezone: "America/New_York",
        tz: chrono_tz::America::New_York,
        country: "US",
        buildings: &["Hudson Yards 10"],
        floors: 9,
        weight: 0.16,
        room_names: &[
            "Hudson", "Brooklyn", "Chelsea", "Harlem", "Tribeca", "Astoria",
        ],
        rtt_ms: 34.0,
        hq: false,
    },
    Site {
        code: "sfo",
        name: "San Francisco",
        timezone: "America/Los_Angeles",
        tz: chrono_tz::America::Los_Angeles,
        country: "US",
        buildings: &["Market Street 101"],
        floors: 5,
        weight: 0.12,
        room_names: &[
            "Presidio",
            "Sausalito",
            "Embarcadero",
            "Mission",
            "Twin Peaks",
        ],
        rtt_ms: 48.0,
        hq: false,
    },
    Site {
        code: "sgp",
        name: "Singapore",
        timezone: "Asia/Singapore",
        tz: chrono_tz::Asia::Singapore,
        country: "SG",
        buildings: &["Marina Bay Tower"],
        floors: 4,
        weight: 0.10,
        room_names: &["Sentosa", "Orchard", "Raffles", "Changi", "Tiong Bahru"],
        rtt_ms: 62.0,
        hq: false,
    },
    Site {
        code: "syd",
        name: "Sydney",
        timezone: "Australia/Sydney",
        tz: chrono_tz::Australia::Sydney,
        country: "AU",
        buildings: &["Barangaroo T2"],
        floors: 3,
        weight: 0.09,
        room_names: &["Bondi", "Manly", "Coogee", "Darling", "Circular Quay"],
        rtt_ms: 88.0,
        hq: false,
    },
    Site {
        code: "blr",
        name: "Bangalore",
        timezone: "Asia/Kolkata",
        tz: chrono_tz::Asia::Kolkata,
        country: "IN",
        buildings: &["Embassy Tech Village A", "Embassy Tech Village B"],
        floors: 8,
        weight: 0.11,
        room_names: &["Cubbon", "Lalbagh", "Nandi", "Kaveri", "Hampi", "Mysore"],
        rtt_ms: 78.0,
        hq: false,
    },
    Site {
        code: "sao",
        name: "São Paulo",
        timezone: "America/Sao_Paulo",
        tz: chrono_tz::America::Sao_Paulo,
        country: "BR",
        buildings: &["Faria Lima 3500"],
        floors: 4,
        weight: 0.08,
        room_names: &["Ibirapuera", "Paulista", "Pinheiros", "Jardins", "Morumbi"],
        rtt_ms: 105.0,
        hq: false,
    },
];

/// A room-system model.
#[derive(Debug)]
pub struct SystemModel {
    /// Windows or Android.
    pub platform: DevicePlatform,
    /// Manufacturer.
    pub make: &'static str,
    /// Model.
    pub model: &'static str,
    /// Share among the systems of its platform.
    pub weight: f64,
    /// Whether its heartbeat carries `temp_c`.
    pub reports_temp: bool,
    /// The built-in camera, microphone and speaker of an Android bar share this firmware
    /// history; `None` for Windows compute units, which use separate peripherals.
    pub bar_firmware: Option<&'static FirmwareLine>,
    /// The touch console that ships with it (Android), by model name.
    pub console: Option<&'static str>,
}

/// A firmware history: versions in the field (oldest first, the last is current) and the
/// version a rollout during the simulation brings, if one does.
#[derive(Debug)]
pub struct FirmwareLine {
    /// Versions found on devices at the start, oldest first.
    pub versions: &'static [&'static str],
    /// The version rolled out during the simulation.
    pub next: Option<&'static str>,
}

/// A peripheral model.
#[derive(Debug)]
pub struct PeripheralModel {
    /// What it is.
    pub kind: PeripheralKind,
    /// Manufacturer.
    pub make: &'static str,
    /// Model.
    pub model: &'static str,
    /// Its firmware history.
    pub firmware: &'static FirmwareLine,
    /// Relative error rate of the model (1 = typical); cohorts differ a little.
    pub quality: f64,
    /// Only in rooms of this platform, or either when `None`.
    pub platform: Option<DevicePlatform>,
}

const fn fw(versions: &'static [&'static str], next: Option<&'static str>) -> FirmwareLine {
    FirmwareLine { versions, next }
}

static POLY_X50_FW: FirmwareLine = fw(&["4.1.0.0330", "4.2.0.0411"], Some("4.3.0.0502"));
static YEALINK_A30_FW: FirmwareLine = fw(&["133.321.0.3", "133.321.0.9"], None);
static RALLY_BAR_FW: FirmwareLine = fw(&["1.9.2", "1.10.1"], Some("1.11.0"));
static NEAT_BAR_FW: FirmwareLine = fw(&["NFC1.20240815.0012", "NFC1.20241010.0007"], None);

/// Room-system models by platform.
pub static SYSTEMS: &[SystemModel] = &[
    SystemModel {
        platform: DevicePlatform::Windows,
        make: "Lenovo",
        model: "ThinkSmart Core",
        weight: 0.35,
        reports_temp: true,
        bar_firmware: None,
        console: None,
    },
    SystemModel {
        platform: DevicePlatform::Windows,
        make: "Yealink",
        model: "MCore Pro",
        weight: 0.25,
        reports_temp: true,
        bar_firmware: None,
        console: None,
    },
    SystemModel {
        platform: DevicePlatform::Windows,
        make: "Crestron",
        model: "UC-ENGINE",
        weight: 0.2,
        reports_temp: false,
        bar_firmware: None,
        console: None,
    },
    SystemModel {
        platform: DevicePlatform::Windows,
        make: "Dell",
        model: "OptiPlex 7090 Ultra",
        weight: 0.2,
        reports_temp: true,
        bar_firmware: None,
        console: None,
    },
    SystemModel {
        platform: DevicePlatform::Android,
        make: "Poly",
        model: "Studio X50",
        weight: 0.3,
        reports_temp: true,
        bar_firmware: Some(&POLY_X50_FW),
        console: Some("TC8"),
    },
    SystemModel {
        platform: DevicePlatform::Android,
        make: "Yealink",
        model: "MeetingBar A30",
        weight: 0.25,
        reports_temp: true,
        bar_firmware: Some(&YEALINK_A30_FW),
        console: Some("CTP18"),
    },
    SystemModel {
        platform: DevicePlatform::Android,
        make: "Logitech",
        model: "Rally Bar",
        weight: 0.25,
        reports_temp: true,
        bar_firmware: Some(&RALLY_BAR_FW),
        console: Some("Tap IP"),
    },
    SystemModel {
        platform: DevicePlatform::Android,
        make: "Neat",
        model: "Bar Pro",
        weight: 0.2,
        reports_temp: false,
        bar_firmware: Some(&NEAT_BAR_FW),
        console: Some("Pad"),
    },
];

use DevicePlatform::{Android, Windows};
use PeripheralKind::*;

macro_rules! periph {
    ($kind:expr, $make:literal, $model:literal, $fw:expr, $quality:literal, $platform:expr) => {
        PeripheralModel {
            kind: $kind,
            make: $make,
            model: $model,
            firmware: &$fw,
            quality: $quality,
            platform: $platform,
        }
    };
}

/// Separate peripherals (Android bars' built-in camera, microphone and speaker come from
/// [`SYSTEMS`] instead).
pub static PERIPHERALS: &[PeripheralModel] = &[
    periph!(
        RoomCamera,
        "Logitech",
        "Rally Camera",
        fw(&["1.10.4", "1.12.2"], Some("1.13.0")),
        1.0,
        Some(Windows)
    ),
    periph!(
        RoomCamera,
        "Poly",
        "Studio E70",
        fw(&["1.3.0.1042", "1.4.0.1108"], Some("1.5.0.1211")),
        0.9,
        Some(Windows)
    ),
    periph!(
        RoomCamera,
        "Yealink",
        "UVC86",
        fw(&["153.430.0.6", "153.431.0.2"], None),
        1.2,
        Some(Windows)
    ),
    periph!(
        RoomCamera,
        "Huddly",
        "IQ",
        fw(&["1.9.3", "1.10.1"], None),
        1.1,
        Some(Windows)
    ),
    periph!(
        Microphone,
        "Shure",
        "MXA310",
        fw(&["4.6.11", "4.7.9"], Some("5.0.21")),
        0.8,
        Some(Windows)
    ),
    periph!(
        Microphone,
        "Sennheiser",
        "TeamConnect Ceiling 2",
        fw(&["1.9.2", "1.10.0"], None),
        0.9,
        Some(Windows)
    ),
    periph!(
        Microphone,
        "Logitech",
        "Rally Mic Pod",
        fw(&["1.10.4", "1.12.2"], None),
        1.0,
        Some(Windows)
    ),
    periph!(
        Microphone,
        "Yealink",
        "VCM36-W",
        fw(&["125.440.0.8"], None),
        1.2,
        Some(Windows)
    ),
    periph!(
        Speaker,
        "Logitech",
        "Rally Speaker",
        fw(&["1.10.4", "1.12.2"], None),
        1.0,
        Some(Windows)
    ),
    periph!(
        Speaker,
        "Yealink",
        "MSpeaker II",
        fw(&["126.30.0.12"], None),
        1.1,
        Some(Windows)
    ),
    periph!(
        Speaker,
        "Biamp",
        "Desono EX-S6",
        fw(&["2.4.0"], None),
        0.8,
        Some(Windows)
    ),
    periph!(
        CommunicationSpeaker,
        "Jabra",
        "Speak2 75",
        fw(&["1.22.0", "1.24.0"], Some("1.26.0")),
        1.0,
        Some(Windows)
    ),
    periph!(
        CommunicationSpeaker,
        "Yealink",
        "CP900",
        fw(&["122.32.0.10"], None),
        1.2,
        Some(Windows)
    ),
    periph!(
        CommunicationSpeaker,
        "Poly",
        "Sync 40",
        fw(&["1.2.15", "1.3.3"], None),
        1.0,
        Some(Windows)
    ),
    periph!(
        Display,
        "Samsung",
        "QM55C",
        fw(&["1410.2", "1420.1"], None),
        1.0,
        None
    ),
    periph!(
        Display,
        "Samsung",
        "QM65C",
        fw(&["1410.2", "1420.1"], None),
        1.0,
        None
    ),
    periph!(
        Display,
        "LG",
        "55UH5N-E",
        fw(&["04.20.51", "04.22.11"], None),
        1.1,
        None
    ),
    periph!(
        Display,
        "Sony",
        "FW-65BZ35L",
        fw(&["6.7280", "6.7355"], None),
        0.9,
        None
    ),
    periph!(
        TouchConsole,
        "Logitech",
        "Tap",
        fw(&["1.10.4", "1.12.2"], None),
        1.0,
        Some(Windows)
    ),
    periph!(
        TouchConsole,
        "Crestron",
        "TSW-1070",
        fw(&["3.001.0016", "3.002.1061"], Some("3.003.0024")),
        0.9,
        Some(Windows)
    ),
    periph!(
        TouchConsole,
        "Lenovo",
        "ThinkSmart Controller",
        fw(&["1.0.36"], None),
        1.1,
        Some(Windows)
    ),
    periph!(
        TouchConsole,
        "Yealink",
        "MTouch Plus",
        fw(&["133.15.0.40"], None),
        1.2,
        Some(Windows)
    ),
    periph!(
        TouchConsole,
        "Poly",
        "TC8",
        fw(&["4.1.0.0330", "4.2.0.0411"], None),
        1.0,
        Some(Android)
    ),
    periph!(
        TouchConsole,
        "Yealink",
        "CTP18",
        fw(&["137.15.0.20"], None),
        1.1,
        Some(Android)
    ),
    periph!(
        TouchConsole,
        "Logitech",
        "Tap IP",
        fw(&["1.9.2", "1.10.1"], None),
        1.0,
        Some(Android)
    ),
    periph!(
        TouchConsole,
        "Neat",
        "Pad",
        fw(&["NFC1.20241010.0007"], None),
        0.9,
        Some(Android)
    ),
    periph!(
        ContentCamera,
        "Logitech",
        "Scribe",
        fw(&["2.1.1", "2.2.0"], None),
        1.0,
        None
    ),
    periph!(
        ContentCamera,
        "Huddly",
        "Canvas",
        fw(&["1.2.4"], None),
        1.1,
        None
    ),
    periph!(
        HdmiIngest,
        "Crestron",
        "HD-CONV-USB-200",
        fw(&["1.0.2"], None),
        1.0,
        Some(Windows)
    ),
    periph!(
        HdmiIngest,
        "Magewell",
        "USB Capture HDMI Gen 2",
        fw(&["1.3.4", "1.3.8"], None),
        1.0,
        Some(Windows)
    ),
];

/// Compute units' BIOS lines, per Windows system make.
pub static COMPUTE_FIRMWARE: &[(&str, FirmwareLine)] = &[
    ("Lenovo", fw(&["M3LKT2BA", "M3LKT2CA"], None)),
    ("Yealink", fw(&["1.0.9", "1.1.2"], None)),
    ("Crestron", fw(&["2.3.1"], None)),
    ("Dell", fw(&["1.22.0", "1.24.1"], None)),
];

/// Teams Rooms app versions in the field (oldest first) and the one rolled out.
pub fn teams_app_line(platform: DevicePlatform) -> FirmwareLine {
    match platform {
        Windows => fw(&["5.1.64.0", "5.2.115.0"], Some("5.3.41.0")),
        Android => fw(
            &["1449.1.0.96.2024061103", "1449.1.0.96.2024082803"],
            Some("1449.1.0.96.2024101504"),
        ),
    }
}

/// Operating-system versions in the field and the one rolled out (Windows monthly patch).
pub fn os_line(platform: DevicePlatform, make: &str) -> FirmwareLine {
    match (platform, make) {
        (Windows, _) => fw(
            &["10.0.22631.4169", "10.0.22631.4317"],
            Some("10.0.22631.4460"),
        ),
        (Android, "Yealink") => fw(&["10"], None),
        (Android, _) => fw(&["12"], None),
    }
}

/// The admin agent's versions and the one rolled out.
pub static ADMIN_AGENT: FirmwareLine = fw(&["1.8.4", "1.8.6"], Some("1.9.0"));

/// The partner agent (Android OEM agent) versions and the one rolled out.
pub static PARTNER_AGENT: FirmwareLine = fw(&["2.3.1"], Some("2.4.0"));
