//! The patch: which universes are routed from where, and what fixtures and channels make
//! of a universe's slots.

use backlot_params::ParamValue;

use crate::format::{DmxDef, FixtureProfile, LossBehaviour};

/// The sACN universe and Art-Net Port-Address of each patched universe.
pub fn routes(def: &DmxDef) -> Vec<(u16, Option<u16>, Option<u16>, LossBehaviour)> {
    def.universes
        .iter()
        .map(|u| {
            (
                u.id,
                def.artnet.then(|| u.artnet.unwrap_or(u.id)),
                def.sacn.then(|| u.sacn.unwrap_or(u.id)),
                u.on_loss,
            )
        })
        .collect()
}

/// What the patch makes of a universe's slots: (parameter, value, whether the value is
/// normalised 0..1 and still to be scaled over the parameter's range).
pub fn patch_values(
    def: &DmxDef,
    universe: u16,
    slots: &[u8; 512],
    base_intensity: impl Fn(&str) -> Option<f32>,
    strobe_phase: f64,
) -> Vec<(String, ParamValue, bool)> {
    let at = |address: u16, offset: u16| slots[usize::from(address + offset - 1).min(511)];
    let frac = |v: u8| f32::from(v) / 255.0;
    let fine = |hi: u8, lo: u8| f32::from(u16::from(hi) << 8 | u16::from(lo)) / 65535.0;
    let mut out = Vec::new();
    for f in def.fixtures.iter().filter(|f| f.universe == universe) {
        let a = f.address;
        let (prefix, base) = match (&f.light, &f.target) {
            (Some(light), _) => {
                let p = format!("/scene/lights/{light}");
                let b = base_intensity(&format!("{p}/intensity"));
                (p, b)
            }
            (None, Some(t)) => (t.clone(), None),
            _ => continue,
        };
        // Dimmer full is the intensity the scene file gives the light.
        let intensity = |level: f32| {
            (
                format!("{prefix}/intensity"),
                ParamValue::Float(level * base.unwrap_or(1.0)),
                base.is_none(),
            )
        };
        let color = |rgb: [f32; 3]| (format!("{prefix}/color"), ParamValue::Color(rgb), false);
        match f.profile {
            FixtureProfile::Dimmer => out.push(intensity(frac(at(a, 0)))),
            FixtureProfile::Dimmer16 => out.push(intensity(fine(at(a, 0), at(a, 1)))),
            FixtureProfile::Rgb => {
                out.push(color([frac(at(a, 0)), frac(at(a, 1)), frac(at(a, 2))]))
            }
            FixtureProfile::Rgbw => {
                let w = frac(at(a, 3));
                out.push(color([0, 1, 2].map(|i| (frac(at(a, i)) + w).min(1.0))));
            }
            FixtureProfile::DimmerRgb => {
                out.push(intensity(frac(at(a, 0))));
                out.push(color([frac(at(a, 1)), frac(at(a, 2)), frac(at(a, 3))]));
            }
            FixtureProfile::DimmerCct => {
                out.push(intensity(frac(at(a, 0))));
                let kelvin = 2700.0 + frac(at(a, 1)) * (6500.0 - 2700.0);
                out.push(color(backlot_scene::format::kelvin_to_srgb(kelvin)));
            }
            FixtureProfile::PanTilt16 => {
                let pan = (fine(at(a, 0), at(a, 1)) - 0.5) * 540.0;
                let tilt = (fine(at(a, 2), at(a, 3)) - 0.5) * 270.0;
                out.push((prefix.clone(), ParamValue::Vec3([tilt, pan, 0.0]), false));
            }
            FixtureProfile::DimmerStrobe => {
                let level = frac(at(a, 0));
                let s = at(a, 1);
                let open = s == 0 || {
                    let hz = 1.0 + f64::from(s - 1) / 254.0 * 24.0;
                    (strobe_phase * hz).fract() < 0.5
                };
                out.push(intensity(if open { level } else { 0.0 }));
            }
        }
    }
    for c in def.channels.iter().filter(|c| c.universe == universe) {
        let v = if c.bits == 16 {
            fine(at(c.address, 0), at(c.address, 1))
        } else {
            frac(at(c.address, 0))
        };
        out.push((c.target.clone(), ParamValue::Float(v), true));
    }
    out
}

/// Slots that carry intensity (HTP when sources of equal priority merge).
pub fn intensity_slots(def: &DmxDef, universe: u16) -> [bool; 512] {
    let mut htp = [false; 512];
    for f in def.fixtures.iter().filter(|f| f.universe == universe) {
        let first = usize::from(f.address.max(1) - 1);
        let slots: &[usize] = match f.profile {
            FixtureProfile::Dimmer
            | FixtureProfile::DimmerCct
            | FixtureProfile::DimmerRgb
            | FixtureProfile::DimmerStrobe => &[0],
            FixtureProfile::Dimmer16 => &[0, 1],
            FixtureProfile::Rgb => &[0, 1, 2],
            FixtureProfile::Rgbw => &[0, 1, 2, 3],
            FixtureProfile::PanTilt16 => &[],
        };
        for s in slots {
            if let Some(h) = htp.get_mut(first + s) {
                *h = true;
            }
        }
    }
    htp
}
