//! Live input in any sample format becomes mono f32 with full scale at ±1.0 (the conversion
//! the cpal callback runs; no audio device is needed to check it).

use std::collections::VecDeque;

use cpal::{FromSample, I24, Sample};

use crate::audio::push_mono;

fn mono<T: Sample>(data: &[T], channels: usize) -> Vec<f32>
where
    f32: FromSample<T>,
{
    let mut out = VecDeque::new();
    push_mono(data, channels, &mut out);
    out.into()
}

fn close(got: &[f32], want: &[f32], tolerance: f32) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= tolerance, "{got:?} vs {want:?}");
    }
}

#[test]
fn signed_integers_map_full_scale_to_plus_minus_one() {
    close(&mono(&[i16::MIN, 0, i16::MAX], 1), &[-1.0, 0.0, 1.0], 1e-4);
    close(&mono(&[i32::MIN, 0, i32::MAX], 1), &[-1.0, 0.0, 1.0], 1e-6);
    close(&mono(&[i8::MIN, 0, i8::MAX], 1), &[-1.0, 0.0, 1.0], 1e-2);
}

#[test]
fn twenty_four_bit_samples_use_their_24_bit_range() {
    // cpal's I24 sits in an i32 but full scale is ±2²³, not ±2³¹.
    let min = I24::new(-8_388_608).expect("in range");
    let max = I24::new(8_388_607).expect("in range");
    let half = I24::new(4_194_304).expect("in range");
    close(&mono(&[min, half, max], 1), &[-1.0, 0.5, 1.0], 1e-6);
    assert!(I24::new(8_388_608).is_none(), "past 24 bits");
}

#[test]
fn unsigned_integers_are_centred_on_their_midpoint() {
    close(&mono(&[0u16, 32_768, u16::MAX], 1), &[-1.0, 0.0, 1.0], 1e-4);
    close(&mono(&[0u8, 128, u8::MAX], 1), &[-1.0, 0.0, 1.0], 1e-2);
}

#[test]
fn floats_pass_through() {
    close(&mono(&[-1.0f32, 0.25, 1.0], 1), &[-1.0, 0.25, 1.0], 0.0);
    close(&mono(&[-1.0f64, 0.25, 1.0], 1), &[-1.0, 0.25, 1.0], 1e-7);
}

#[test]
fn interleaved_channels_are_averaged_per_frame() {
    // Stereo: (L, R) frames.
    close(
        &mono(&[i16::MAX, i16::MIN, 16_384, 16_384], 2),
        &[0.0, 0.5],
        1e-4,
    );
    // Zero channels reported is taken as mono, not a division by zero.
    close(&mono(&[0.5f32, -0.5], 0), &[0.5, -0.5], 0.0);
}
