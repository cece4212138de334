//! A model worker is supervised: an inference that panics comes back as an error with
//! nothing left in flight, the worker restarts after a short wait and the next inference
//! runs; one that keeps panicking stops after a bounded number of restarts and says so.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::model::{Inference, MAX_RESTARTS, ModelWorker};

/// Polls until the worker hands back a result, at most five seconds (a guard against
/// hanging, not a speed check).
fn next_result(w: &mut ModelWorker) -> Result<Vec<f32>, String> {
    let start = Instant::now();
    loop {
        if let Some(r) = w.poll() {
            return r;
        }
        assert!(start.elapsed() < Duration::from_secs(5), "no result");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Polls until the worker has been restarted `n` times (or has stopped for good).
fn restarted(w: &mut ModelWorker, n: u32) {
    let start = Instant::now();
    while w.restarts() < n && w.failed().is_none() {
        assert!(start.elapsed() < Duration::from_secs(5), "not restarted");
        std::thread::sleep(Duration::from_millis(1));
        assert!(w.poll().is_none(), "nothing was asked");
    }
}

#[test]
fn a_panicking_inference_clears_in_flight_restarts_the_worker_and_the_next_one_runs() {
    let infer: Inference = Arc::new(|f: &[f32]| -> Result<Vec<f32>, String> {
        assert!(f[0] >= 0.0, "negative feature");
        Ok(vec![f[0] * 2.0])
    });
    let mut w = ModelWorker::with_inference("test", infer).expect("worker starts");
    w.request(vec![1.0]);
    assert_eq!(next_result(&mut w), Ok(vec![2.0]));

    w.request(vec![-1.0]);
    assert!(w.in_flight());
    let e = next_result(&mut w).expect_err("the panic is an error");
    assert!(
        e.contains("panicked") && e.contains("negative feature"),
        "{e}"
    );
    assert!(!w.in_flight(), "nothing is left in flight");
    // A request while the worker is down is not queued forever.
    w.request(vec![5.0]);
    assert!(!w.in_flight());

    restarted(&mut w, 1);
    assert_eq!(w.restarts(), 1);
    assert_eq!(w.failed(), None);
    w.request(vec![1.5]);
    assert!(w.in_flight());
    assert_eq!(
        next_result(&mut w),
        Ok(vec![3.0]),
        "the next inference runs"
    );
}

#[test]
fn an_inference_error_is_reported_without_a_restart() {
    let infer: Inference =
        Arc::new(|_: &[f32]| -> Result<Vec<f32>, String> { Err("shape mismatch".into()) });
    let mut w = ModelWorker::with_inference("test", infer).expect("worker starts");
    w.request(vec![0.0]);
    assert_eq!(next_result(&mut w), Err("shape mismatch".to_string()));
    assert!(!w.in_flight());
    assert_eq!(w.restarts(), 0);
    w.request(vec![0.0]);
    assert!(w.in_flight(), "the same worker takes the next request");
}

#[test]
fn a_worker_that_keeps_panicking_stops_after_bounded_restarts_and_says_so() {
    let infer: Inference =
        Arc::new(|_: &[f32]| -> Result<Vec<f32>, String> { panic!("always broken") });
    let mut w = ModelWorker::with_inference("test", infer).expect("worker starts");
    for round in 0..=MAX_RESTARTS {
        restarted(&mut w, round);
        w.request(vec![0.0]);
        assert!(w.in_flight(), "round {round}: the worker takes a request");
        assert!(next_result(&mut w).is_err());
        assert!(!w.in_flight());
    }
    assert_eq!(w.restarts(), MAX_RESTARTS);
    let why = w.failed().expect("stopped for good").to_string();
    assert!(
        why.contains("stopped") && why.contains("always broken"),
        "{why}"
    );
    // Stopped: no more restarts, requests are not taken.
    std::thread::sleep(Duration::from_millis(5));
    assert!(w.poll().is_none());
    w.request(vec![0.0]);
    assert!(!w.in_flight());
    assert_eq!(w.restarts(), MAX_RESTARTS);
}
