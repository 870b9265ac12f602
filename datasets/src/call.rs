//! A meeting's details: its platform and id, who was there, and how good the call was.
//!
//! Calls are mostly good; about one in twenty is poor (packet loss over 10 %, jitter over
//! 30 ms or round trip over 500 ms, Microsoft's Call Quality Dashboard thresholds), and many
//! more while the site's network is in trouble. The room camera's state shows: no people
//! count or video while it is disconnected, fewer frames while it degrades.

use roomsight_ingest::vocab::MeetingPlatform;

use crate::calendar::MeetingPlan;
use crate::clock::Ms;
use crate::estate::Room;
use crate::faults::PeripheralPlan;
use crate::ids;
use crate::rng::Rng;

/// Draws a meeting's details. `booking` is the booking it fulfils and its invitees;
/// `camera` the room camera's plan; `trouble` whether the site's network is bad.
#[expect(
    clippy::too_many_arguments,
    reason = "one call site; the inputs are all distinct"
)]
pub(crate) fn describe(
    rng: &mut Rng,
    seed: u64,
    room: &Room,
    n: u64,
    (start, end): (Ms, Ms),
    booking: Option<(String, i64)>,
    camera: Option<&PeripheralPlan>,
    trouble: bool,
) -> MeetingPlan {
    let platform = *rng.choose_weighted(&[
        (MeetingPlatform::Teams, 0.85),
        (MeetingPlatform::Zoom, 0.07),
        (MeetingPlatform::Webex, 0.05),
        (MeetingPlatform::Other, 0.03),
    ]);
    let token = ids::token(seed, room.index, n);
    let meeting_id = match platform {
        MeetingPlatform::Teams => format!("19:meeting_{token}@thread.v2"),
        MeetingPlatform::Zoom => format!("zoom:{token}"),
        MeetingPlatform::Webex => format!("webex:{token}"),
        MeetingPlatform::Other => format!("guest:{token}"),
    };

    let cap = i64::from(room.capacity);
    let (in_room, remote) = match &booking {
        Some((_, invited)) => {
            let here = ((*invited as f64) * rng.uniform(0.4, 1.0)).round() as i64;
            (here.clamp(1, cap + 2), rng.poisson(2.5) as i64)
        }
        None => (rng.range_i64(1, cap.min(4)), rng.poisson(0.8) as i64),
    };
    let camera_up = camera.is_some_and(|c| c.connected(start));
    let people_count = (camera_up && rng.bernoulli(0.92)).then_some(in_room);

    let poor = rng.bernoulli(if trouble { 0.5 } else { 0.05 });
    let rtt_base = room.site.rtt_ms * rng.uniform(0.8, 1.35);
    let mut loss = rng.normal(0.35, 0.25).abs();
    let mut jitter = rng.normal(5.0, 2.5).abs() + 1.0;
    let mut rtt = rtt_base + rng.normal(0.0, 6.0).abs();
    if poor {
        match rng.index(4) {
            0 => loss = rng.uniform(10.5, 25.0),
            1 => jitter = rng.uniform(31.0, 80.0),
            2 => rtt = rng.uniform(520.0, 900.0),
            _ => {
                loss = rng.uniform(10.5, 18.0);
                jitter = rng.uniform(31.0, 60.0);
            }
        }
    } else if rng.bernoulli(0.1) {
        // Mediocre but not poor: near the thresholds without crossing them.
        loss = rng.uniform(2.0, 8.0);
        jitter = rng.uniform(12.0, 28.0);
    }

    let video_fps = if !camera_up || rng.bernoulli(0.06) {
        None // audio only, or no camera to send
    } else {
        let drift = camera.map_or(0.0, |c| c.condition(start).drift);
        let base = if poor {
            rng.uniform(12.0, 24.0)
        } else {
            rng.normal(29.4, 0.4).min(30.0)
        };
        Some(round1((base - drift * 15.0).max(1.0)))
    };

    MeetingPlan {
        meeting_id,
        start,
        end,
        booking_id: booking.map(|(id, _)| id),
        participants: in_room + remote,
        people_count,
        platform,
        packet_loss_pct: round2(loss.min(100.0)),
        jitter_ms: round1(jitter),
        rtt_ms: round1(rtt),
        video_fps,
    }
}

/// Rounds to one decimal.
pub(crate) fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Rounds to two decimals.
pub(crate) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
