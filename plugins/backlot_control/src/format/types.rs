//! The data of a control map (`*.map.ron`): OSC, MIDI and DMX bindings, patch and feedback,
//! and network access (`access`, see [`AccessDef`]).

use backlot_scene::format::EntityName;
use serde::{Deserialize, Serialize};

use super::AccessDef;

/// A whole map.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MapFile {
    /// OSC.
    pub osc: OscDef,
    /// MIDI.
    pub midi: MidiDef,
    /// DMX (Art-Net, sACN).
    pub dmx: DmxDef,
    /// Who may reach backlot over the network, and what OSC from it may not write.
    pub access: AccessDef,
}

/// OSC settings and aliases. Every parameter is also reachable at its own address.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OscDef {
    /// `host:port` targets that get every value change (TouchOSC-like surfaces).
    pub feedback: Vec<String>,
    /// Numbers arriving at parameter addresses are 0..1 of the parameter's range.
    pub unit_scale: bool,
    /// Extra addresses (or patterns) bound to parameters.
    pub bindings: Vec<OscBinding>,
}

/// An OSC address bound to a parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OscBinding {
    /// The incoming address.
    pub address: String,
    /// The parameter it sets.
    pub target: String,
    /// 0..1 in, the parameter's range out.
    #[serde(default)]
    pub unit_scale: bool,
    /// Glide to each new value over this long, ms.
    #[serde(default)]
    pub slew_ms: f32,
    /// Against other controllers: a higher priority keeps the parameter while it keeps
    /// sending (1 s after its last value); equal priorities go by recency.
    #[serde(default)]
    pub priority: i32,
}

/// MIDI ports and bindings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MidiDef {
    /// Input port names (substring match); empty = every port.
    pub inputs: Vec<String>,
    /// Output port names for feedback; empty = every port.
    pub outputs: Vec<String>,
    /// Bindings.
    pub bindings: Vec<MidiBinding>,
}

/// A MIDI control bound to a parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MidiBinding {
    /// What is moved.
    pub control: MidiControl,
    /// The parameter.
    pub target: String,
    /// Glide, ms.
    #[serde(default)]
    pub slew_ms: f32,
    /// Soft takeover: the control takes over only once it passes the current value.
    #[serde(default = "yes")]
    pub pickup: bool,
    /// Echo the value back (motor faders, LEDs, rings).
    #[serde(default = "yes")]
    pub feedback: bool,
    /// Against other controllers (see [`OscBinding::priority`]).
    #[serde(default)]
    pub priority: i32,
}

fn yes() -> bool {
    true
}

/// A control on a surface. Channels are 1..16.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MidiControl {
    /// 7-bit control change.
    Cc {
        /// 1..16.
        channel: u8,
        /// 0..127.
        cc: u8,
    },
    /// 14-bit control change: MSB on `cc` (0..31), LSB on `cc + 32`.
    Cc14 {
        /// 1..16.
        channel: u8,
        /// 0..31.
        cc: u8,
    },
    /// NRPN (CC 99/98 select, data entry CC 6/38).
    Nrpn {
        /// 1..16.
        channel: u8,
        /// 0..16383.
        number: u16,
    },
    /// A key or pad.
    Note {
        /// 1..16.
        channel: u8,
        /// 0..127.
        note: u8,
        /// How presses act.
        #[serde(default)]
        mode: NoteMode,
    },
    /// Pitch bend (motor faders on Mackie-style surfaces).
    PitchBend {
        /// 1..16.
        channel: u8,
    },
    /// Program change selects an enum option (or a number).
    Program {
        /// 1..16.
        channel: u8,
    },
}

/// How a note drives a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum NoteMode {
    /// On while held.
    #[default]
    Momentary,
    /// Each press flips.
    Toggle,
    /// Each press fires (triggers) or sets the maximum.
    Trigger,
}

/// DMX input and patch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DmxDef {
    /// Listen for Art-Net on udp 6454.
    pub artnet: bool,
    /// Listen for sACN on udp 5568 (unicast, plus multicast per universe).
    pub sacn: bool,
    /// Universes.
    pub universes: Vec<UniverseDef>,
    /// Fixtures.
    pub fixtures: Vec<FixtureDef>,
    /// Single channels driving any parameter.
    pub channels: Vec<ChannelDef>,
}

impl Default for DmxDef {
    fn default() -> Self {
        Self {
            artnet: true,
            sacn: true,
            universes: Vec::new(),
            fixtures: Vec::new(),
            channels: Vec::new(),
        }
    }
}

/// One patched universe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UniverseDef {
    /// The patch's number for it.
    pub id: u16,
    /// Art-Net Port-Address (default `id`).
    #[serde(default)]
    pub artnet: Option<u16>,
    /// sACN universe (default `id`).
    #[serde(default)]
    pub sacn: Option<u16>,
    /// What happens when every source goes away.
    #[serde(default)]
    pub on_loss: LossBehaviour,
    /// Against other controllers (see [`OscBinding::priority`]).
    #[serde(default)]
    pub priority: i32,
}

/// On DMX loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum LossBehaviour {
    /// Keep the last look.
    #[default]
    Hold,
    /// Give the parameters back to the scene's base values.
    Release,
}

/// A fixture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureDef {
    /// Unique name.
    pub name: EntityName,
    /// Universe id.
    pub universe: u16,
    /// First channel, 1..512.
    pub address: u16,
    /// Channel layout.
    pub profile: FixtureProfile,
    /// The scene light it drives (`/scene/lights/<light>/...`).
    #[serde(default)]
    pub light: Option<String>,
    /// Or any parameter prefix (pan/tilt: a vec3 rotation parameter).
    #[serde(default)]
    pub target: Option<String>,
}

/// Fixture channel layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FixtureProfile {
    /// Dimmer, 8-bit.
    Dimmer,
    /// Dimmer, 16-bit (coarse, fine).
    Dimmer16,
    /// Red, green, blue.
    Rgb,
    /// Red, green, blue, white.
    Rgbw,
    /// Dimmer, red, green, blue.
    DimmerRgb,
    /// Dimmer, colour temperature (0 = 2700 K … 255 = 6500 K).
    DimmerCct,
    /// Pan coarse/fine, tilt coarse/fine (±270° / ±135°).
    PanTilt16,
    /// Dimmer, strobe (0 = open, 1..255 = 1..25 Hz).
    DimmerStrobe,
}

impl FixtureProfile {
    /// Channels used.
    pub fn footprint(self) -> u16 {
        match self {
            FixtureProfile::Dimmer => 1,
            FixtureProfile::Dimmer16 | FixtureProfile::DimmerCct | FixtureProfile::DimmerStrobe => {
                2
            }
            FixtureProfile::Rgb => 3,
            FixtureProfile::Rgbw | FixtureProfile::DimmerRgb | FixtureProfile::PanTilt16 => 4,
        }
    }
}

/// A channel (or 16-bit pair) driving one parameter across its range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelDef {
    /// Universe id.
    pub universe: u16,
    /// 1..512.
    pub address: u16,
    /// The parameter.
    pub target: String,
    /// 8 or 16.
    #[serde(default = "eight")]
    pub bits: u8,
}

fn eight() -> u8 {
    8
}
