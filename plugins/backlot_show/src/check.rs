//! Looks checked against the live parameters: a look value naming a parameter the running
//! scene does not have is kept (the scene may get it back) but not played, and reported
//! once at its place in the show file. The check needs the registry, so it runs at run
//! time: when asked ([`CheckShowParams`], e.g. once the scene has loaded), and by itself
//! once the parameter addresses have stopped changing for [`SETTLE_FRAMES`] frames.

use backlot_params::ParamRegistry;
use bevy::prelude::*;

use crate::playback::{CheckShowParams, ShowPlayback};

/// Frames the parameter addresses must stay unchanged before looks are checked against
/// them: scene, stage and layers register theirs over the first frames, and a check
/// before they all have would report parameters that are only late.
pub const SETTLE_FRAMES: u32 = 30;

/// Where the check stands.
#[derive(Resource, Debug, Default)]
pub struct ParamCheck {
    addresses: u64,
    loads: u64,
    stable: u32,
    reported: Vec<String>,
}

/// Checks the looks when asked or settled; says what changed since the last report.
pub fn check_params(
    mut asked: MessageReader<CheckShowParams>,
    mut check: ResMut<ParamCheck>,
    mut playback: ResMut<ShowPlayback>,
    registry: Res<ParamRegistry>,
) {
    let asked = asked.read().count() > 0;
    let Some(show) = playback.show.as_ref() else {
        return;
    };
    let now = (registry.addresses_generation(), playback.loads());
    if (check.addresses, check.loads) != now {
        check.addresses = now.0;
        check.loads = now.1;
        check.stable = 0;
    }
    check.stable = check.stable.saturating_add(1);
    if !asked && check.stable != SETTLE_FRAMES {
        return;
    }
    let problems = show.unknown_params(&registry);
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    if asked || lines != check.reported {
        for line in &lines {
            warn!("{line}");
        }
        if lines.is_empty() && !check.reported.is_empty() {
            info!("show: every look value names a parameter of the scene again");
        }
        check.reported = lines;
    }
    playback.unknown_params = problems.len();
}
