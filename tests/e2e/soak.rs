//! The soak, two minutes on the debug build, on every CI run: the shipped show on a wall with
//! four FreeD-tracked cameras, every input streaming at show rates, takes toggled and the
//! scene edited; after warm-up resident memory must hold within the loose bound and threads
//! and open files stay flat, with no crash. The harness is the bench's
//! (`cargo bench --bench soak -- --minutes 60` runs it longer, judged per hour).

#[path = "../../benches/soak/harness.rs"]
mod harness;
#[path = "../../benches/soak/inputs.rs"]
mod inputs;
#[path = "../../benches/soak/verdict.rs"]
mod verdict;

use std::path::PathBuf;

#[test]
fn the_engine_holds_through_two_minutes_of_show_traffic() {
    let config = harness::Config::ci(PathBuf::from(env!("CARGO_BIN_EXE_backlot")));
    let report = harness::run(&config).expect("the soak starts");
    let verdict = report.verdict();
    eprintln!("{}\n{}", report.table(), verdict.text());
    assert!(verdict.passed(), "{}\n{}", report.table(), verdict.text());
}
