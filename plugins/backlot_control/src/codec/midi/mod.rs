//! MIDI 1.0 byte streams: a parser with running status and real-time bytes anywhere, and
//! MIDI Time Code (quarter frames and full-frame SysEx).

/// One MIDI message. Channels are 0..15 here (shown as 1..16).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MidiMessage {
    /// 8n.
    NoteOff {
        /// Channel.
        channel: u8,
        /// Note.
        note: u8,
        /// Velocity.
        velocity: u8,
    },
    /// 9n (velocity 0 arrives as NoteOff).
    NoteOn {
        /// Channel.
        channel: u8,
        /// Note.
        note: u8,
        /// Velocity.
        velocity: u8,
    },
    /// An.
    PolyPressure {
        /// Channel.
        channel: u8,
        /// Note.
        note: u8,
        /// Pressure.
        pressure: u8,
    },
    /// Bn.
    ControlChange {
        /// Channel.
        channel: u8,
        /// Controller.
        cc: u8,
        /// Value.
        value: u8,
    },
    /// Cn.
    ProgramChange {
        /// Channel.
        channel: u8,
        /// Program.
        program: u8,
    },
    /// Dn.
    ChannelPressure {
        /// Channel.
        channel: u8,
        /// Pressure.
        pressure: u8,
    },
    /// En, 0..16383 (centre 8192).
    PitchBend {
        /// Channel.
        channel: u8,
        /// Value.
        value: u16,
    },
    /// F1 quarter frame.
    QuarterFrame(u8),
    /// F2 song position, sixteenths.
    SongPosition(u16),
    /// F3.
    SongSelect(u8),
    /// F6.
    TuneRequest,
    /// F8.
    Clock,
    /// FA.
    Start,
    /// FB.
    Continue,
    /// FC.
    Stop,
    /// FE.
    ActiveSensing,
    /// FF.
    Reset,
    /// F0 … F7, without the framing bytes.
    SysEx(Vec<u8>),
}

/// Longest SysEx kept; longer ones are dropped.
pub const MAX_SYSEX: usize = 4096;

/// A byte-stream parser.
#[derive(Debug, Default, Clone)]
pub struct MidiParser {
    running: Option<u8>,
    data: Vec<u8>,
    sysex: Option<Vec<u8>>,
    /// Bytes that could not belong to any message (data with no status, overlong SysEx).
    pub discarded: u64,
}

fn data_len(status: u8) -> usize {
    match status & 0xF0 {
        0xC0 | 0xD0 => 1,
        0xF0 => match status {
            0xF1 | 0xF3 => 1,
            0xF2 => 2,
            _ => 0,
        },
        _ => 2,
    }
}

impl MidiParser {
    /// Feeds bytes; returns complete messages in order.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<MidiMessage> {
        bytes.iter().filter_map(|b| self.byte(*b)).collect()
    }

    /// One byte.
    pub fn byte(&mut self, b: u8) -> Option<MidiMessage> {
        if b >= 0xF8 {
            // Real-time: anywhere, even inside a message, without touching running status.
            return match b {
                0xF8 => Some(MidiMessage::Clock),
                0xFA => Some(MidiMessage::Start),
                0xFB => Some(MidiMessage::Continue),
                0xFC => Some(MidiMessage::Stop),
                0xFE => Some(MidiMessage::ActiveSensing),
                0xFF => Some(MidiMessage::Reset),
                _ => None,
            };
        }
        if b == 0xF0 {
            self.sysex = Some(Vec::new());
            self.running = None;
            return None;
        }
        if b == 0xF7 {
            self.running = None;
            return self.sysex.take().map(MidiMessage::SysEx);
        }
        if let Some(sx) = &mut self.sysex {
            if b < 0x80 {
                if sx.len() < MAX_SYSEX {
                    sx.push(b);
                } else {
                    self.discarded += 1;
                }
                return None;
            }
            // Any other status ends an unterminated SysEx.
            self.sysex = None;
        }
        if b >= 0x80 {
            self.data.clear();
            if b >= 0xF0 {
                // System common cancels running status.
                self.running = None;
                if data_len(b) == 0 {
                    return (b == 0xF6).then_some(MidiMessage::TuneRequest);
                }
            }
            self.running = Some(b);
            return None;
        }
        let Some(status) = self.running else {
            self.discarded += 1;
            return None;
        };
        self.data.push(b);
        if self.data.len() < data_len(status) {
            return None;
        }
        let (d0, d1) = (self.data[0], self.data.get(1).copied().unwrap_or(0));
        self.data.clear();
        if status >= 0xF0 {
            // System common messages do not run.
            self.running = None;
        }
        let channel = status & 0x0F;
        Some(match status & 0xF0 {
            0x80 => MidiMessage::NoteOff {
                channel,
                note: d0,
                velocity: d1,
            },
            0x90 if d1 == 0 => MidiMessage::NoteOff {
                channel,
                note: d0,
                velocity: 0,
            },
            0x90 => MidiMessage::NoteOn {
                channel,
                note: d0,
                velocity: d1,
            },
            0xA0 => MidiMessage::PolyPressure {
                channel,
                note: d0,
                pressure: d1,
            },
            0xB0 => MidiMessage::ControlChange {
                channel,
                cc: d0,
                value: d1,
            },
            0xC0 => MidiMessage::ProgramChange {
                channel,
                program: d0,
            },
            0xD0 => MidiMessage::ChannelPressure {
                channel,
                pressure: d0,
            },
            0xE0 => MidiMessage::PitchBend {
                channel,
                value: u16::from(d0) | u16::from(d1) << 7,
            },
            _ => match status {
                0xF1 => MidiMessage::QuarterFrame(d0),
                0xF2 => MidiMessage::SongPosition(u16::from(d0) | u16::from(d1) << 7),
                _ => MidiMessage::SongSelect(d0),
            },
        })
    }
}

/// A timecode as MTC carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mtc {
    /// Hours, minutes, seconds, frames.
    pub hmsf: [u8; 4],
    /// 0 = 24, 1 = 25, 2 = 29.97 DF, 3 = 30.
    pub rate: u8,
}

impl Mtc {
    /// Frames per second of the rate code.
    pub fn fps(&self) -> f64 {
        match self.rate {
            0 => 24.0,
            1 => 25.0,
            2 => 30000.0 / 1001.0,
            _ => 30.0,
        }
    }

    /// `HH:MM:SS:FF` (`;` before frames at 29.97 DF).
    pub fn label(&self) -> String {
        let [h, m, s, f] = self.hmsf;
        let sep = if self.rate == 2 { ';' } else { ':' };
        format!("{h:02}:{m:02}:{s:02}{sep}{f:02}")
    }

    /// Quarter frames for this time, pieces 0..7.
    pub fn quarter_frames(&self) -> [u8; 8] {
        let [h, m, s, f] = self.hmsf;
        let hi = (self.rate << 1) | (h >> 4 & 1);
        [f & 15, f >> 4, s & 15, s >> 4, m & 15, m >> 4, h & 15, hi]
            .iter()
            .enumerate()
            .map(|(i, v)| (i as u8) << 4 | (v & 15))
            .collect::<Vec<_>>()
            .try_into()
            .unwrap_or([0; 8])
    }
}

/// Assembles MTC from quarter frames and full-frame SysEx.
#[derive(Debug, Default, Clone)]
pub struct MtcAssembler {
    pieces: [Option<u8>; 8],
}

impl MtcAssembler {
    /// Feeds a message; returns a time when one is complete.
    pub fn feed(&mut self, m: &MidiMessage) -> Option<Mtc> {
        match m {
            MidiMessage::QuarterFrame(q) => {
                let piece = usize::from(q >> 4 & 7);
                self.pieces[piece] = Some(q & 15);
                if piece != 7 {
                    return None;
                }
                let p: Vec<u8> = self.pieces.iter().map(|p| p.unwrap_or(0)).collect();
                let complete = self.pieces.iter().all(Option::is_some);
                self.pieces = [None; 8];
                complete.then(|| Mtc {
                    hmsf: [
                        p[6] | (p[7] & 1) << 4,
                        p[4] | p[5] << 4,
                        p[2] | p[3] << 4,
                        p[0] | p[1] << 4,
                    ],
                    rate: p[7] >> 1 & 3,
                })
            }
            MidiMessage::SysEx(d) if d.len() == 8 && d[..4] == [0x7F, 0x7F, 0x01, 0x01] => {
                Some(Mtc {
                    hmsf: [d[4] & 0x1F, d[5], d[6], d[7]],
                    rate: d[4] >> 5 & 3,
                })
            }
            _ => None,
        }
    }
}

/// Bytes for a message (feedback to surfaces).
pub fn encode(m: &MidiMessage) -> Vec<u8> {
    match *m {
        MidiMessage::NoteOff {
            channel,
            note,
            velocity,
        } => vec![0x80 | channel, note, velocity],
        MidiMessage::NoteOn {
            channel,
            note,
            velocity,
        } => vec![0x90 | channel, note, velocity],
        MidiMessage::PolyPressure {
            channel,
            note,
            pressure,
        } => vec![0xA0 | channel, note, pressure],
        MidiMessage::ControlChange { channel, cc, value } => vec![0xB0 | channel, cc, value],
        MidiMessage::ProgramChange { channel, program } => vec![0xC0 | channel, program],
        MidiMessage::ChannelPressure { channel, pressure } => vec![0xD0 | channel, pressure],
        MidiMessage::PitchBend { channel, value } => vec![
            0xE0 | channel,
            (value & 0x7F) as u8,
            (value >> 7 & 0x7F) as u8,
        ],
        MidiMessage::QuarterFrame(q) => vec![0xF1, q],
        MidiMessage::SongPosition(p) => vec![0xF2, (p & 0x7F) as u8, (p >> 7 & 0x7F) as u8],
        MidiMessage::SongSelect(s) => vec![0xF3, s],
        MidiMessage::TuneRequest => vec![0xF6],
        MidiMessage::Clock => vec![0xF8],
        MidiMessage::Start => vec![0xFA],
        MidiMessage::Continue => vec![0xFB],
        MidiMessage::Stop => vec![0xFC],
        MidiMessage::ActiveSensing => vec![0xFE],
        MidiMessage::Reset => vec![0xFF],
        MidiMessage::SysEx(ref d) => {
            let mut v = vec![0xF0];
            v.extend(d);
            v.push(0xF7);
            v
        }
    }
}

#[cfg(test)]
mod tests;
