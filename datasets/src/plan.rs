//! A room's whole plan: everything decided before any event is written.
//!
//! Planning is cheap and small (a few dozen items per room and day); the high-rate streams
//! (heartbeats every minute, peripheral states every five) are generated from the plan slice
//! by slice when events are emitted ([`crate::device`], [`crate::peripheral`]).

use roomsight_ingest::vocab::{
    BookingStatus, EnrollmentAction, LogLevel, UpdateComponent, UpdateStatus,
};

use crate::calendar::{self, MeetingPlan};
use crate::catalog;
use crate::clock::{Ms, Span};
use crate::estate::{Ring, Room};
use crate::faults::{self, FaultRow, PeripheralPlan};
use crate::logs;
use crate::power::{PowerPlan, Window};
use crate::updates::{self, Rollout, RoomUpdates};

/// What an update step targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// The room system.
    Device,
    /// The peripheral in this slot.
    Peripheral(usize),
}

/// A low-rate event of a room, decided at planning time.
#[derive(Debug)]
pub(crate) enum OneOff {
    /// The room system joins or leaves management.
    Enrollment(EnrollmentAction),
    /// A booking created, changed or cancelled.
    Booking {
        booking_id: String,
        start: Ms,
        end: Ms,
        status: BookingStatus,
        attendees: i64,
    },
    /// A meeting, sent when it ends.
    Meeting(Box<MeetingPlan>),
    /// An update step.
    Update {
        update_id: String,
        component: UpdateComponent,
        target: Target,
        from: &'static str,
        to: &'static str,
        ring: Ring,
        status: UpdateStatus,
        error: Option<&'static str>,
    },
    /// A device log line.
    Log {
        level: LogLevel,
        source: &'static str,
        message: String,
    },
}

impl OneOff {
    /// A log line.
    pub(crate) fn log(level: LogLevel, source: &'static str, message: String) -> Self {
        OneOff::Log {
            level,
            source,
            message,
        }
    }
}

/// A one-off and when it is sent.
#[derive(Debug)]
pub(crate) struct Timed {
    pub(crate) ts: Ms,
    pub(crate) item: OneOff,
}

/// The versions a room system reports over time.
#[derive(Debug, Default)]
pub(crate) struct Versions {
    /// Teams app: `(from, version)`, sorted.
    pub(crate) app: Vec<(Ms, &'static str)>,
    /// Operating system: `(from, version)`, sorted.
    pub(crate) os: Vec<(Ms, &'static str)>,
}

fn at(list: &[(Ms, &'static str)], t: Ms) -> &'static str {
    let i = list.partition_point(|(from, _)| *from <= t);
    list[i.saturating_sub(1)].1
}

impl Versions {
    /// The Teams app version at `t`.
    pub(crate) fn app_at(&self, t: Ms) -> &'static str {
        at(&self.app, t)
    }

    /// The OS version at `t`.
    pub(crate) fn os_at(&self, t: Ms) -> &'static str {
        at(&self.os, t)
    }
}

/// Everything decided about one room.
#[derive(Debug)]
pub(crate) struct RoomPlan {
    pub(crate) power: PowerPlan,
    pub(crate) peripherals: Vec<PeripheralPlan>,
    pub(crate) versions: Versions,
    /// Low-rate events, sorted by time (ties in planning order).
    pub(crate) one_offs: Vec<Timed>,
    /// When the room is in a meeting (merged), for the room system's load.
    pub(crate) busy: Vec<Span>,
    /// The room's faults.
    pub(crate) faults: Vec<FaultRow>,
}

/// Fleet-wide inputs to a room's plan.
pub(crate) struct FleetContext<'a> {
    pub(crate) window: Window,
    pub(crate) rollouts: &'a [Rollout],
    /// Per site, when its network makes calls poor.
    pub(crate) site_trouble: &'a [Vec<Span>],
    /// The estate's bad day, if any: most room systems go offline at once.
    pub(crate) estate_outage: Option<Span>,
}

/// Plans one room.
pub(crate) fn plan_room(room: &Room, ctx: &FleetContext<'_>, unenroll: bool) -> RoomPlan {
    let w = &ctx.window;
    let mut faults: Vec<FaultRow> = Vec::new();
    let mut power = PowerPlan::plan(room, w, unenroll, ctx.estate_outage, &mut faults);
    let mut peripherals = faults::plan_peripherals(room, &power, w, &mut faults);

    let platform = room.system.platform();
    let app_line = catalog::teams_app_line(platform);
    let os_line = catalog::os_line(platform, room.system.model.make);
    let mut versions = Versions {
        app: vec![(
            Ms::MIN,
            app_line.versions[room.system.app_version.min(app_line.versions.len() - 1)],
        )],
        os: vec![(
            Ms::MIN,
            os_line.versions[room.system.os_version.min(os_line.versions.len() - 1)],
        )],
    };

    let mut one_offs = vec![Timed {
        ts: power.enrolled_at,
        item: OneOff::Enrollment(EnrollmentAction::Enrolled),
    }];
    updates::plan_room(
        room,
        w,
        ctx.rollouts,
        RoomUpdates {
            power: &mut power,
            peripherals: &mut peripherals,
            versions: &mut versions,
            out: &mut one_offs,
            faults: &mut faults,
        },
    );
    versions.app.sort_by_key(|(t, _)| *t);
    versions.os.sort_by_key(|(t, _)| *t);

    let trouble = &ctx.site_trouble[room.site_index];
    let busy = calendar::plan_room(room, w, &power, &peripherals, trouble, &mut one_offs);
    logs::plan_room(room, w, &power, &peripherals, &mut one_offs);
    if power.unenrolls {
        one_offs.push(Timed {
            ts: power.active_end,
            item: OneOff::Enrollment(EnrollmentAction::Unenrolled),
        });
    }
    // Steps and lines planned before a later-planned restart are sent once the device is back.
    for t in &mut one_offs {
        if matches!(t.item, OneOff::Update { .. } | OneOff::Log { .. })
            && let Some(down) = power.down_at(t.ts)
        {
            t.ts = down.end + 5 * crate::clock::SEC;
        }
    }
    // Nothing but the unenrollment itself is sent once the device has left management.
    one_offs.retain(|t| {
        t.ts < power.active_end
            || matches!(t.item, OneOff::Enrollment(EnrollmentAction::Unenrolled))
    });
    one_offs.sort_by_key(|t| t.ts);
    faults.sort_by_key(|f| (f.span.start, f.slot));
    RoomPlan {
        power,
        peripherals,
        versions,
        one_offs,
        busy,
        faults,
    }
}
