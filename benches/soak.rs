//! Soak of the whole engine (`cargo bench --bench soak -- [--minutes N] [--binary PATH]
//! [--small] [--size WxH] [--reload-every SECS] [--ci]`).
//!
//! Runs `backlot run --headless` on neon_club with its layer set and a flat wall with four
//! FreeD-tracked cameras, streams every input at show rates over loopback, toggles takes and
//! edits the scene, samples the process every five seconds and prints a table and a verdict
//! (see `soak/harness.rs`); exits 1 when the verdict fails. Runs of 30 minutes or more
//! (the default) are judged by resident memory growth per hour, shorter ones by a loose
//! absolute bound. `--ci` is the two-minute run on the small wall that the e2e suite runs on
//! every build (tests/e2e/soak.rs). `--binary` soaks another build with the same harness.

#[path = "soak/harness.rs"]
mod harness;
#[path = "soak/inputs.rs"]
mod inputs;
#[path = "soak/verdict.rs"]
mod verdict;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

/// `1280x720`.
fn size(text: &str) -> Option<(u32, u32)> {
    let (w, h) = text.split_once(['x', 'X'])?;
    Some((w.trim().parse().ok()?, h.trim().parse().ok()?))
}

fn main() -> ExitCode {
    let binary = arg("--binary")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_backlot")));
    let mut config = harness::Config::ci(binary);
    if !flag("--ci") {
        let minutes = arg("--minutes")
            .and_then(|m| m.parse::<f64>().ok())
            .filter(|m| m.is_finite() && *m > 0.0 && *m < 100_000.0)
            .unwrap_or(30.0);
        config.duration = Duration::from_secs_f64(minutes * 60.0);
        config.small = flag("--small");
        if !config.small {
            config.size = (1280, 720);
        }
        if let Some(s) = arg("--size").and_then(|s| size(&s)) {
            config.size = s;
        }
        if let Some(secs) = arg("--reload-every")
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 1.0 && *s < 100_000.0)
        {
            config.reload_every = Duration::from_secs_f64(secs);
        }
    }
    let report = match harness::run(&config) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("soak: {e}");
            return ExitCode::from(2);
        }
    };
    println!("{}", report.table());
    let verdict = report.verdict();
    println!("{}", verdict.text());
    if verdict.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
