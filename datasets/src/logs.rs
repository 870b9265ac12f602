//! Device log lines: what a room system notes about meetings, sign-ins, calendar sync,
//! HDMI input, peripherals and maintenance.
//!
//! Some lines carry personal data the way real logs do (users' e-mail addresses, the room's
//! UPN) for the ingest's scrubber to remove; some carry Teams meeting ids
//! (`19:meeting_…@thread.v2`), which are not personal and must survive scrubbing.

use roomsight_ingest::vocab::{LogLevel, PeripheralKind};

use crate::calendar::MeetingPlan;
use crate::clock::{DAY, HOUR, MIN, Ms, SEC};
use crate::estate::Room;
use crate::faults::PeripheralPlan;
use crate::plan::{OneOff, Timed};
use crate::power::{DownCause, PowerPlan, Window};
use crate::rng::{Rng, Stream};

const FIRST: &[&str] = &[
    "jane", "john", "maria", "wei", "priya", "lukas", "sofia", "ahmed", "emma", "kenji", "olivia",
    "rafael", "anna", "david", "fatima", "lucas", "mei", "noah", "chloe", "arjun",
];
const LAST: &[&str] = &[
    "doe", "smith", "garcia", "zhang", "sharma", "mueller", "rossi", "khan", "brown", "tanaka",
    "wilson", "silva", "novak", "cohen", "haddad", "martin", "chen", "lee", "dubois", "iyer",
];

/// A user's e-mail address (or a guest's).
pub(crate) fn user_email(rng: &mut Rng) -> String {
    let domain = if rng.bernoulli(0.85) {
        "contoso.com"
    } else {
        "fabrikam.com"
    };
    format!("{}.{}@{domain}", rng.choose(FIRST), rng.choose(LAST))
}

fn push(
    out: &mut Vec<Timed>,
    power: &PowerPlan,
    t: Ms,
    level: LogLevel,
    source: &'static str,
    message: String,
) {
    if let Some(ts) = power.next_up(t) {
        out.push(Timed {
            ts,
            item: OneOff::log(level, source, message),
        });
    }
}

/// Lines about one meeting: who started it, the meeting joined, content shared, poor quality.
pub(crate) fn meeting_lines(
    rng: &mut Rng,
    room: &Room,
    m: &MeetingPlan,
    power: &PowerPlan,
    out: &mut Vec<Timed>,
) {
    let at = m.start + rng.range_i64(5 * SEC, MIN);
    if rng.bernoulli(0.35) {
        let msg = format!("Meeting started by {}", user_email(rng));
        push(out, power, at, LogLevel::Info, "teams_app", msg);
    }
    if m.meeting_id.starts_with("19:meeting_") && rng.bernoulli(0.4) {
        let msg = format!("Joined meeting {}", m.meeting_id);
        push(out, power, at + SEC, LogLevel::Info, "teams_app", msg);
    }
    if room
        .peripherals
        .iter()
        .any(|p| p.kind == PeripheralKind::HdmiIngest)
        && rng.bernoulli(0.25)
    {
        let msg = if rng.bernoulli(0.5) {
            "HDMI input connected: 1920x1080@60Hz".to_string()
        } else {
            format!("Content sharing started by user {}", user_email(rng))
        };
        let t = rng.range_i64(m.start, m.end);
        push(out, power, t, LogLevel::Info, "hdmi", msg);
    }
    if m.packet_loss_pct > 10.0 || m.jitter_ms > 30.0 || m.rtt_ms > 500.0 {
        let msg = format!(
            "Poor network quality in meeting {}: packet loss {}%, jitter {} ms, rtt {} ms",
            m.meeting_id, m.packet_loss_pct, m.jitter_ms, m.rtt_ms
        );
        push(
            out,
            power,
            m.end - MIN.min((m.end - m.start) / 2),
            LogLevel::Warning,
            "teams_app",
            msg,
        );
    }
}

/// Sometimes a line about a booking being accepted.
pub(crate) fn booking_line(rng: &mut Rng, booking_id: &str, at: Ms, out: &mut Vec<Timed>) {
    if rng.bernoulli(0.15) {
        let msg = format!(
            "Booking {booking_id} accepted for organizer {}",
            user_email(rng)
        );
        out.push(Timed {
            ts: at + SEC,
            item: OneOff::log(LogLevel::Info, "calendar", msg),
        });
    }
}

/// Routine lines and how often each comes up relative to the others.
const ROUTINE: &[((LogLevel, &str, &str), f64)] = &[
    (
        (LogLevel::Info, "calendar", "Calendar sync completed"),
        0.30,
    ),
    (
        (LogLevel::Info, "teams_app", "Configuration profile applied"),
        0.08,
    ),
    (
        (
            LogLevel::Info,
            "teams_app",
            "Proximity join beacon advertising",
        ),
        0.08,
    ),
    (
        (
            LogLevel::Info,
            "display",
            "Front-of-room display entered standby",
        ),
        0.12,
    ),
    (
        (
            LogLevel::Info,
            "display",
            "Front-of-room display woke from standby",
        ),
        0.12,
    ),
    (
        (
            LogLevel::Info,
            "network",
            "Network connectivity check to Teams service passed",
        ),
        0.12,
    ),
    (
        (
            LogLevel::Warning,
            "teams_app",
            "Teams service responded slowly (HTTP 503), retrying",
        ),
        0.06,
    ),
    (
        (
            LogLevel::Warning,
            "network",
            "DNS lookup took longer than 2000 ms",
        ),
        0.05,
    ),
    (
        (
            LogLevel::Warning,
            "audio",
            "Audio device enumeration took longer than expected",
        ),
        0.04,
    ),
    (
        (
            LogLevel::Error,
            "teams_app",
            "Unhandled exception in content sharing module; recovered",
        ),
        0.03,
    ),
];

/// The rest of a room's lines: enrollment, routine chatter, sign-outs, maintenance restarts,
/// peripheral disconnects and degradation warnings.
pub(crate) fn plan_room(
    room: &Room,
    w: &Window,
    power: &PowerPlan,
    peripherals: &[PeripheralPlan],
    out: &mut Vec<Timed>,
) {
    let mut rng = Rng::stream(w.seed, room.index as u64, Stream::Logs);
    let upn = room.upn();
    push(
        out,
        power,
        power.enrolled_at + 2 * SEC,
        LogLevel::Info,
        "admin_agent",
        format!("Enrolled in management as {upn}"),
    );

    let days = (power.active_end - power.enrolled_at) as f64 / DAY as f64;
    for _ in 0..rng.poisson(days * 12.0) {
        let t = rng.range_i64(power.enrolled_at + MIN, power.active_end);
        let (level, source, text) = *rng.choose_weighted(ROUTINE);
        push(out, power, t, level, source, text.to_string());
    }

    for s in &power.signed_out {
        let code = *rng.choose(&[
            "AADSTS50126 invalid username or password",
            "AADSTS50076 MFA required",
            "AADSTS700082 refresh token expired",
        ]);
        push(
            out,
            power,
            s.start,
            LogLevel::Error,
            "teams_app",
            format!("Sign-in failed for {upn}: {code}"),
        );
        push(
            out,
            power,
            s.end,
            LogLevel::Info,
            "teams_app",
            format!("Signed in as {upn}"),
        );
    }
    for s in &power.exchange_out {
        push(
            out,
            power,
            s.start,
            LogLevel::Warning,
            "calendar",
            format!("Exchange sync failed for {upn}: token expired"),
        );
        push(
            out,
            power,
            s.end,
            LogLevel::Info,
            "calendar",
            format!("Exchange sync restored for {upn}"),
        );
    }
    for d in &power.downs {
        match d.cause {
            DownCause::Maintenance => push(
                out,
                power,
                d.span.start - 30 * SEC,
                LogLevel::Info,
                "os",
                "Scheduled maintenance restart".to_string(),
            ),
            DownCause::Crash => push(
                out,
                power,
                d.span.end + 20 * SEC,
                LogLevel::Warning,
                "os",
                "System recovered from an unexpected restart".to_string(),
            ),
            DownCause::Offline => push(
                out,
                power,
                d.span.end + 20 * SEC,
                LogLevel::Warning,
                "network",
                format!(
                    "Connection to management service restored after {} minutes",
                    (d.span.end - d.span.start) / MIN
                ),
            ),
            DownCause::OsUpdate => {}
        }
    }

    for (p, plan) in room.peripherals.iter().zip(peripherals) {
        let source = source_of(p.kind);
        for s in &plan.disconnects {
            let msg = format!("{} {} ({}) disconnected", p.make, p.model, p.peripheral_id);
            push(out, power, s.start + SEC, LogLevel::Error, source, msg);
            let msg = format!("{} {} ({}) reconnected", p.make, p.model, p.peripheral_id);
            push(out, power, s.end + SEC, LogLevel::Info, source, msg);
        }
        for imp in &plan.impairments {
            // A few warnings over the second half of a drift or a regression.
            let len = imp.span.end - imp.span.start;
            for _ in 0..rng.poisson((len as f64 / HOUR as f64 / 4.0).min(12.0)) {
                let t = imp.span.start + len / 2 + rng.range_i64(0, len / 2);
                let msg = match p.kind {
                    PeripheralKind::RoomCamera | PeripheralKind::ContentCamera => {
                        "Video pipeline: frame rate below target"
                    }
                    PeripheralKind::Microphone => "Audio: microphone signal-to-noise ratio low",
                    PeripheralKind::Speaker | PeripheralKind::CommunicationSpeaker => {
                        "Audio: output distortion detected"
                    }
                    _ => "Device reported repeated errors",
                };
                push(
                    out,
                    power,
                    t,
                    LogLevel::Warning,
                    source,
                    format!("{msg} ({})", p.peripheral_id),
                );
            }
        }
    }
}

/// The log source for a peripheral kind.
fn source_of(kind: PeripheralKind) -> &'static str {
    match kind {
        PeripheralKind::RoomCamera | PeripheralKind::ContentCamera => "camera",
        PeripheralKind::Microphone
        | PeripheralKind::Speaker
        | PeripheralKind::CommunicationSpeaker => "audio",
        PeripheralKind::Display => "display",
        PeripheralKind::TouchConsole => "console",
        PeripheralKind::Compute => "os",
        PeripheralKind::HdmiIngest => "hdmi",
    }
}
