//! Analysis against signals made here: click tracks and sines.

use super::*;

const RATE: u32 = 48_000;

fn click_track(bpm: f64, seconds: f64, offset: f64) -> (Vec<f32>, Vec<f64>) {
    let n = (seconds * f64::from(RATE)) as usize;
    let mut out = vec![0.0f32; n];
    let period = 60.0 / bpm;
    let mut clicks = Vec::new();
    let mut t = offset;
    let mut seed = 12345u32;
    while t < seconds {
        let start = (t * f64::from(RATE)) as usize;
        // A 2 ms burst of decaying noise: a stick click.
        for i in 0..96 {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = (seed >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0;
            if let Some(s) = out.get_mut(start + i) {
                *s = noise * 0.9 * (-(i as f32) / 30.0).exp();
            }
        }
        clicks.push(t);
        t += period;
    }
    (out, clicks)
}

#[test]
fn click_track_gives_tempo_and_onsets() {
    let (signal, clicks) = click_track(120.0, 12.0, 0.25);
    let mut a = Analyzer::new(RATE);
    for chunk in signal.chunks(800) {
        a.push(chunk);
    }
    let bpm = a.now.bpm.expect("tempo");
    assert!((bpm - 120.0).abs() <= 1.0, "tempo {bpm}");
    // Every click found within 20 ms, and nothing else.
    let onsets: Vec<f64> = a.onsets.iter().copied().collect();
    for c in &clicks {
        let nearest = onsets
            .iter()
            .map(|o| (o - c).abs())
            .fold(f64::MAX, f64::min);
        assert!(
            nearest <= 0.020,
            "click at {c:.3}: nearest onset {nearest:.4} s away"
        );
    }
    assert_eq!(onsets.len(), clicks.len(), "{onsets:?}");
    // The phase is near 0 just after a click, near 0.5 half way.
    let last = clicks[clicks.len() - 1];
    let phase_at = |t: f64| {
        let p = ((t - last) * 2.0).rem_euclid(1.0);
        (p - a.now.beat_phase as f64 + 1.5).rem_euclid(1.0) - 0.5
    };
    assert!(
        phase_at(a.now.time).abs() < 0.1,
        "beat phase {} at {:.3}",
        a.now.beat_phase,
        a.now.time
    );
}

#[test]
fn other_tempos_are_found_too() {
    for bpm in [90.0, 128.0, 150.0] {
        let (signal, _) = click_track(bpm, 12.0, 0.1);
        let mut a = Analyzer::new(RATE);
        a.push(&signal);
        let got = a.now.bpm.expect("tempo");
        assert!((f64::from(got) - bpm).abs() <= 1.0, "{bpm}: {got}");
    }
}

#[test]
fn a_sine_at_a_band_centre_lights_that_band_only() {
    for band in 0..BANDS {
        let f = band_centre(band);
        let signal: Vec<f32> = (0..RATE / 2)
            .map(|i| 0.5 * (std::f32::consts::TAU * f * i as f32 / RATE as f32).sin())
            .collect();
        let mut a = Analyzer::new(RATE);
        a.push(&signal);
        let db = a.now.bands_db;
        // −6 dBFS sine.
        assert!(
            (db[band] + 6.0).abs() < 1.5,
            "band {band} at {f:.0} Hz: {db:?}"
        );
        for (i, d) in db.iter().enumerate() {
            if i != band {
                assert!(
                    *d < db[band] - 20.0,
                    "band {band}: band {i} at {d:.1} dB vs {:.1}",
                    db[band]
                );
            }
        }
        // The level window holds at least two periods above the lowest band.
        if band > 0 {
            assert!(
                (a.now.rms - 0.5 / 2f32.sqrt()).abs() < 0.01,
                "rms {}",
                a.now.rms
            );
        }
    }
}

#[test]
fn silence_and_garbage_are_calm() {
    let mut a = Analyzer::new(RATE);
    a.push(&vec![0.0; 48_000]);
    assert_eq!(a.now.rms, 0.0);
    assert!(a.onsets.is_empty());
    a.push(&[f32::NAN, f32::INFINITY, 1e30, -1e30]);
    assert!(a.now.rms.is_finite() || a.now.rms == 0.0);
}
