//! Learned models at their rate: on a worker thread when live, inline for renders.

use crate::mix::feature;
use crate::state::LayersState;

/// Models at their rate.
pub(super) fn run(state: &mut LayersState, now: f64) {
    let model_defs = state.file.models.clone();
    for m in &model_defs {
        let features: Vec<f32> = m.inputs.iter().map(|f| feature(state, f, now)).collect();
        let Some(ms) = state.models.get_mut(&m.name.0) else {
            continue;
        };
        if let Some(w) = ms
            .worker
            .as_mut()
            .map(|w| w.get_mut().unwrap_or_else(|e| e.into_inner()))
        {
            // A failed or panicked inference reads 0 until the next good one.
            if let Some(r) = w.poll() {
                match r {
                    Ok(o) => {
                        ms.outputs = o;
                        ms.error = None;
                    }
                    Err(e) => ms.error = Some(e),
                }
            }
            if now - ms.last_run >= 1.0 / f64::from(m.rate_hz) {
                ms.last_run = now;
                w.request(features);
            }
        } else if let Some(model) = &ms.inline
            && now - ms.last_run >= 1.0 / f64::from(m.rate_hz)
        {
            ms.last_run = now;
            // Renders run the model on the frame: a panicking inference costs its outputs.
            let run = std::panic::AssertUnwindSafe(|| model.run(&features));
            let result = std::panic::catch_unwind(run).unwrap_or_else(|p| {
                Err(format!(
                    "inference panicked: {}",
                    crate::background::panic_text(&*p)
                ))
            });
            match result {
                Ok(o) => {
                    ms.outputs = o;
                    ms.error = None;
                }
                Err(e) => ms.error = Some(e),
            }
        }
    }
}
