//! Text → validated [`MapFile`] with positions.

use std::path::Path;

use backlot_scene::format::{FileErrors, Problems, find_after, find_name, parse_ron, read_source};

use super::{ChannelDef, FixtureProfile, MapFile, MidiControl};

/// Parses and validates map text.
pub fn parse_map(src: &str, path: &str) -> Result<MapFile, FileErrors> {
    let map: MapFile = parse_ron(src, path, None)?;
    let mut problems = Problems::new(src, path);
    validate(&map, src, &mut |offset, message| {
        problems.report(offset, message)
    });
    problems.into_result(map)
}

/// Reads and parses a map file.
pub fn parse_map_file(path: &Path) -> Result<MapFile, FileErrors> {
    let (src, shown) = read_source(path)?;
    parse_map(&src, &shown)
}

fn validate(map: &MapFile, src: &str, report: &mut dyn FnMut(usize, String)) {
    super::access::validate(&map.access, src, report);
    let mut search = 0;
    for target in &map.osc.feedback {
        let at = find_after(src, search, &format!("\"{target}\"")).unwrap_or(0);
        search = at + 1;
        if target.parse::<std::net::SocketAddr>().is_err()
            && target
                .rsplit_once(':')
                .is_none_or(|(host, port)| host.is_empty() || port.parse::<u16>().is_err())
        {
            report(at, format!("feedback target `{target}` is not host:port"));
        }
    }
    let mut from = 0;
    for b in &map.osc.bindings {
        let at = find_after(src, from, &format!("\"{}\"", b.address)).unwrap_or(0);
        from = at + 1;
        if !b.address.starts_with('/') {
            report(at, format!("OSC address `{}` must start with /", b.address));
        }
        if !b.target.starts_with('/') {
            report(
                at,
                format!("target `{}` is not a parameter address", b.target),
            );
        }
        if !(b.slew_ms >= 0.0 && b.slew_ms <= 60_000.0) {
            report(at, "slew_ms must be 0..60000".into());
        }
    }
    let mut from = 0;
    let mut seen: Vec<MidiControl> = Vec::new();
    for b in &map.midi.bindings {
        let at = find_after(src, from, "control").unwrap_or(0);
        from = at + 1;
        let (channel, problem) = match b.control {
            MidiControl::Cc { channel, cc } => (channel, (cc > 127).then_some("cc must be 0..127")),
            MidiControl::Cc14 { channel, cc } => (
                channel,
                (cc > 31).then_some("a 14-bit cc is 0..31 (its LSB is cc + 32)"),
            ),
            MidiControl::Nrpn { channel, number } => (
                channel,
                (number > 16383).then_some("NRPN number must be 0..16383"),
            ),
            MidiControl::Note { channel, note, .. } => {
                (channel, (note > 127).then_some("note must be 0..127"))
            }
            MidiControl::PitchBend { channel } | MidiControl::Program { channel } => {
                (channel, None)
            }
        };
        if !(1..=16).contains(&channel) {
            report(at, format!("MIDI channel {channel} must be 1..16"));
        }
        if let Some(p) = problem {
            report(at, p.into());
        }
        if seen.contains(&b.control) {
            report(at, "this control is already bound above".into());
        }
        seen.push(b.control);
        if !b.target.starts_with('/') {
            report(
                at,
                format!("target `{}` is not a parameter address", b.target),
            );
        }
    }
    let ids: Vec<u16> = map.dmx.universes.iter().map(|u| u.id).collect();
    for (i, u) in map.dmx.universes.iter().enumerate() {
        let at = find_after(src, 0, &format!("id: {}", u.id)).unwrap_or(0);
        if ids[..i].contains(&u.id) {
            report(at, format!("universe {} is defined twice", u.id));
        }
        if u.artnet.is_some_and(|p| p > 0x7FFF) {
            report(at, "Art-Net Port-Address must be 0..32767".into());
        }
        if u.sacn.unwrap_or(u.id) == 0 || u.sacn.unwrap_or(u.id) > 63999 {
            report(at, "sACN universe must be 1..63999".into());
        }
    }
    let mut used: Vec<(u16, u16, String)> = Vec::new();
    let mut claim = |universe: u16,
                     first: u16,
                     count: u16,
                     who: String,
                     at: usize,
                     report: &mut dyn FnMut(usize, String)| {
        if !ids.contains(&universe) {
            report(
                at,
                format!("{who}: universe {universe} is not in `universes`"),
            );
        }
        if first == 0 || first + count - 1 > 512 {
            report(
                at,
                format!(
                    "{who}: channels {first}..{} are outside 1..512",
                    first + count - 1
                ),
            );
        }
        for ch in first..first + count {
            if let Some((_, _, other)) = used.iter().find(|(u, c, _)| *u == universe && *c == ch) {
                report(
                    at,
                    format!(
                        "{who}: channel {ch} of universe {universe} is already used by {other}"
                    ),
                );
                break;
            }
        }
        for ch in first..first + count {
            used.push((universe, ch, who.clone()));
        }
    };
    for f in &map.dmx.fixtures {
        let at = find_name(src, &f.name.0);
        let who = format!("fixture `{}`", f.name);
        claim(
            f.universe,
            f.address,
            f.profile.footprint(),
            who.clone(),
            at,
            &mut *report,
        );
        match (&f.light, &f.target, f.profile) {
            (None, None, _) => report(at, format!("{who} needs a `light` or a `target`")),
            (Some(_), Some(_), _) => {
                report(at, format!("{who} has both `light` and `target`; give one"))
            }
            (Some(_), None, FixtureProfile::PanTilt16) => report(
                at,
                format!("{who}: pan/tilt drives a `target` rotation parameter, not a light"),
            ),
            _ => {}
        }
    }
    let mut from = 0;
    for ChannelDef {
        universe,
        address,
        target,
        bits,
    } in &map.dmx.channels
    {
        let at = find_after(src, from, &format!("\"{target}\"")).unwrap_or(0);
        from = at + 1;
        if *bits != 8 && *bits != 16 {
            report(at, format!("bits must be 8 or 16, not {bits}"));
        }
        claim(
            *universe,
            *address,
            if *bits == 16 { 2 } else { 1 },
            format!("channel `{target}`"),
            at,
            &mut *report,
        );
    }
}
