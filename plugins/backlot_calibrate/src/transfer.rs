//! Signal transfer functions: the outputs' (as in the stage's `transfer`) and the captures'.

/// A transfer function between linear light (0..1 of white) and a 0..1 signal. The same
/// curves as the stage's output `transfer` (`Srgb`, `Gamma22`, `Gamma24`, `Linear`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transfer {
    /// IEC 61966-2-1 (the stage's default).
    #[default]
    Srgb,
    /// Pure power 2.2.
    Gamma22,
    /// Pure power 2.4 (BT.1886 with a zero black).
    Gamma24,
    /// No encoding.
    Linear,
}

impl Transfer {
    /// Every transfer, in the order the command line lists them.
    pub const ALL: [Transfer; 4] = [
        Transfer::Srgb,
        Transfer::Gamma22,
        Transfer::Gamma24,
        Transfer::Linear,
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Transfer::Srgb => "srgb",
            Transfer::Gamma22 => "gamma22",
            Transfer::Gamma24 => "gamma24",
            Transfer::Linear => "linear",
        }
    }

    /// The transfer a command-line name means (case-insensitive).
    pub fn from_name(name: &str) -> Option<Transfer> {
        let name = name.trim();
        Self::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(name))
    }

    /// Linear light → signal. Negative light encodes as 0; the result is not clamped above 1.
    pub fn encode(self, linear: f64) -> f64 {
        let v = linear.max(0.0);
        match self {
            Transfer::Srgb => {
                if v <= 0.003_130_8 {
                    12.92 * v
                } else {
                    1.055 * v.powf(1.0 / 2.4) - 0.055
                }
            }
            Transfer::Gamma22 => v.powf(1.0 / 2.2),
            Transfer::Gamma24 => v.powf(1.0 / 2.4),
            Transfer::Linear => v,
        }
    }

    /// Signal → linear light. Negative signal decodes as 0.
    pub fn decode(self, signal: f64) -> f64 {
        let v = signal.max(0.0);
        match self {
            Transfer::Srgb => {
                if v <= 0.040_45 {
                    v / 12.92
                } else {
                    ((v + 0.055) / 1.055).powf(2.4)
                }
            }
            Transfer::Gamma22 => v.powf(2.2),
            Transfer::Gamma24 => v.powf(2.4),
            Transfer::Linear => v,
        }
    }

    /// [`Transfer::decode`] of each channel.
    pub fn decode_rgb(self, signal: [f64; 3]) -> [f64; 3] {
        signal.map(|v| self.decode(v))
    }

    /// [`Transfer::encode`] of each channel.
    pub fn encode_rgb(self, linear: [f64; 3]) -> [f64; 3] {
        linear.map(|v| self.encode(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in Transfer::ALL {
            assert_eq!(Transfer::from_name(t.name()), Some(t));
        }
        assert_eq!(Transfer::from_name("sRGB"), Some(Transfer::Srgb));
        assert_eq!(Transfer::from_name("pq"), None);
    }

    #[test]
    fn encode_inverts_decode() {
        for t in Transfer::ALL {
            for i in 0..=100 {
                let s = f64::from(i) / 100.0;
                let back = t.encode(t.decode(s));
                assert!((back - s).abs() < 1e-9, "{t:?} at {s}: {back}");
            }
        }
        // The sRGB curve's published anchors.
        assert!((Transfer::Srgb.decode(0.5) - 0.214_041).abs() < 1e-6);
        assert!((Transfer::Srgb.encode(0.18) - 0.461_356).abs() < 1e-6);
    }
}
