//! SMPTE timecode labels for take files: frame counts ↔ `HH:MM:SS:FF`, with 29.97
//! drop-frame (`;` before the frames).

use std::fmt;

/// Timecode rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimecodeRate {
    /// 24000/1001, non-drop.
    Fps23_976,
    /// 24.
    Fps24,
    /// 25.
    Fps25,
    /// 30000/1001 drop-frame.
    Fps29_97Df,
    /// 30000/1001 non-drop.
    Fps29_97,
    /// 30.
    Fps30,
}

impl TimecodeRate {
    /// Frames counted per labelled second.
    pub fn nominal(self) -> u32 {
        match self {
            TimecodeRate::Fps23_976 | TimecodeRate::Fps24 => 24,
            TimecodeRate::Fps25 => 25,
            _ => 30,
        }
    }

    /// Real frames per second.
    pub fn fps(self) -> f64 {
        match self {
            TimecodeRate::Fps23_976 => 24000.0 / 1001.0,
            TimecodeRate::Fps29_97Df | TimecodeRate::Fps29_97 => 30000.0 / 1001.0,
            other => f64::from(other.nominal()),
        }
    }

    /// Whether labels skip frames ;00 and ;01 each minute except every tenth.
    pub fn drop_frame(self) -> bool {
        self == TimecodeRate::Fps29_97Df
    }
}

/// A frame count at a rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timecode {
    /// Frames since 00:00:00:00.
    pub frame: u64,
    /// The rate.
    pub rate: TimecodeRate,
}

impl Timecode {
    /// Hours, minutes, seconds, frames as labelled.
    pub fn fields(&self) -> [u64; 4] {
        let mut n = self.frame;
        if self.rate.drop_frame() {
            // 17982 frames per ten minutes, 1798 per dropped minute.
            let d = n / 17982;
            let m = n % 17982;
            n += 18 * d + if m >= 2 { 2 * ((m - 2) / 1798) } else { 0 };
        }
        let base = u64::from(self.rate.nominal());
        [
            (n / (base * 3600)) % 24,
            (n / (base * 60)) % 60,
            (n / base) % 60,
            n % base,
        ]
    }

    /// The frame count of a label (drop-frame labels that do not exist map to the next one).
    pub fn from_fields(h: u64, m: u64, s: u64, f: u64, rate: TimecodeRate) -> Self {
        let base = u64::from(rate.nominal());
        let mut frame = ((h * 60 + m) * 60 + s) * base + f;
        if rate.drop_frame() {
            let minutes = h * 60 + m;
            frame -= 2 * (minutes - minutes / 10);
        }
        Self { frame, rate }
    }

    /// Timecode at `seconds` of real time.
    pub fn from_seconds(seconds: f64, rate: TimecodeRate) -> Self {
        Self {
            frame: (seconds.max(0.0) * rate.fps()).floor() as u64,
            rate,
        }
    }
}

impl fmt::Display for Timecode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [h, m, s, fr] = self.fields();
        let sep = if self.rate.drop_frame() { ';' } else { ':' };
        write!(f, "{h:02}:{m:02}:{s:02}{sep}{fr:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn drop_frame_vectors() {
        let df = |n| {
            Timecode {
                frame: n,
                rate: TimecodeRate::Fps29_97Df,
            }
            .to_string()
        };
        assert_eq!(df(1799), "00:00:59;29");
        assert_eq!(df(1800), "00:01:00;02");
        assert_eq!(df(17982), "00:10:00;00");
        assert_eq!(df(107892), "01:00:00;00");
    }

    #[test]
    fn non_drop_labels() {
        let tc = Timecode::from_fields(1, 2, 3, 4, TimecodeRate::Fps25);
        assert_eq!(tc.to_string(), "01:02:03:04");
        assert_eq!(tc.frame, ((3600 + 120 + 3) * 25) + 4);
        assert_eq!(
            Timecode::from_seconds(2.0, TimecodeRate::Fps24).to_string(),
            "00:00:02:00"
        );
    }

    proptest! {
        #[test]
        fn labels_round_trip(frame in 0u64..2_000_000, rate in 0usize..6) {
            let rate = [
                TimecodeRate::Fps23_976, TimecodeRate::Fps24, TimecodeRate::Fps25,
                TimecodeRate::Fps29_97Df, TimecodeRate::Fps29_97, TimecodeRate::Fps30,
            ][rate];
            let tc = Timecode { frame, rate };
            let [h, m, s, f] = tc.fields();
            let back = Timecode::from_fields(h, m, s, f, rate);
            // Under 24 hours at every rate, so labels never wrap.
            prop_assert_eq!(back.frame, frame);
        }
    }
}
