//! Art-Net time code into the show's timecode: the `/timecode` parameter and the
//! [`Timecode`] resource, as MIDI time code sets them.

use backlot_net::Timecode;
use backlot_params::{ParamAddress, ParamKind, ParamRegistry, ParamSpec, ParamValue, addresses};
use bevy::prelude::*;

use crate::codec::midi::Mtc;
use crate::route::ControlRuntime;

/// Frames since midnight (drop-frame counted at 30, as MIDI time code is).
pub fn frames_since_midnight(tc: &Mtc) -> i32 {
    let [h, m, s, f] = tc.hmsf.map(i32::from);
    ((h * 60 + m) * 60 + s) * tc.fps().round() as i32 + f
}

/// Publishes the latest Art-Net time code, in a frame where one arrived. Runs after MIDI's
/// publishing, so with both sources talking the one that spoke this frame shows.
pub(crate) fn publish_artnet_timecode(
    rt: Res<ControlRuntime>,
    mut registry: ResMut<ParamRegistry>,
    timecode: Option<ResMut<Timecode>>,
) {
    let Some(tc) = rt.inbox.lock().take_timecode() else {
        return;
    };
    let frames = frames_since_midnight(&tc);
    if registry.entry(addresses::TIMECODE).is_none()
        && let Ok(a) = ParamAddress::new(addresses::TIMECODE)
    {
        let spec = ParamSpec::new(a, ParamKind::Int, ParamValue::Int(0))
            .with_range(0.0, i32::MAX as f32)
            .read_only()
            .with_description("Time code (MIDI or Art-Net), frames since midnight");
        let _ = registry.register(spec);
    }
    let _ = registry.set_status(addresses::TIMECODE, ParamValue::Int(frames));
    if let Some(mut t) = timecode {
        t.label = Some(tc.label());
        t.frames = Some(i64::from(frames));
        t.fps = tc.fps() as f32;
        t.source = "Art-Net time code";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_count_from_midnight_at_the_source_rate() {
        let tc = |hmsf, rate| frames_since_midnight(&Mtc { hmsf, rate });
        assert_eq!(tc([1, 2, 3, 4], 1), ((3600 + 120 + 3) * 25) + 4);
        assert_eq!(tc([0, 0, 1, 0], 0), 24);
        assert_eq!(tc([0, 0, 1, 0], 2), 30, "drop-frame counts at 30");
        assert_eq!(tc([23, 59, 59, 29], 3), 24 * 3600 * 30 - 1);
    }

    /// Only the newest time code before a frame applies; those it replaced are counted and
    /// published beside the inbox's other counts.
    #[test]
    fn replaced_time_codes_are_counted_and_published() {
        use crate::tests::{MAP, app_with, get};
        let mut app = app_with(MAP, None);
        let tc = |f| Mtc {
            hmsf: [1, 2, 3, f],
            rate: 1,
        };
        {
            let mut inbox = app.world().resource::<ControlRuntime>().inbox.lock();
            for f in 0..3 {
                inbox.push_timecode(tc(f));
            }
        }
        app.update();
        let replaced = addresses::STATUS_INBOX_TIMECODES_REPLACED;
        assert_eq!(get(&app, replaced), ParamValue::Int(2));
        let newest = frames_since_midnight(&tc(2));
        assert_eq!(get(&app, addresses::TIMECODE), ParamValue::Int(newest));
        // One more, taken by its frame: nothing replaced.
        app.world()
            .resource::<ControlRuntime>()
            .inbox
            .lock()
            .push_timecode(tc(3));
        app.update();
        assert_eq!(get(&app, replaced), ParamValue::Int(2));
    }
}
