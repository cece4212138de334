//! Faulty files against the real binary: NaN in every file kind is refused at its line and
//! column, and a take cut short by a crash replays without its last line.

use std::time::{Duration, Instant};

use crate::faults::command;
use crate::support::{
    Running, backlot, flat_wall_variant, free_tcp, free_udp, repo, run, temp_dir, text,
};

/// Line and column (1-based, in characters) of byte `offset`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[test]
fn nan_in_every_file_kind_is_refused_at_its_position() {
    let dir = temp_dir("faults-nan");
    for (shipped, name, anchor, number) in [
        (
            "scenes/neon_club.scene.ron",
            "nan.scene.ron",
            "density:",
            "0.03",
        ),
        (
            "scenes/stages/flat_wall.stage.ron",
            "nan.stage.ron",
            "overscan:",
            "10.0",
        ),
        (
            "scenes/maps/default.map.ron",
            "nan.map.ron",
            "slew_ms:",
            "80.0",
        ),
        (
            "scenes/neon_club.layers.ron",
            "nan.layers.ron",
            "bpm:",
            "124.0",
        ),
    ] {
        let good = std::fs::read_to_string(repo().join(shipped)).expect("shipped file");
        let a = good
            .find(anchor)
            .unwrap_or_else(|| panic!("{shipped} has no `{anchor}`"));
        let at = a + good[a..]
            .find(number)
            .unwrap_or_else(|| panic!("{shipped} has no {number} after `{anchor}`"));
        let bad = format!("{}NaN{}", &good[..at], &good[at + number.len()..]);
        let path = dir.join(name);
        std::fs::write(&path, &bad).expect("write");
        let out = run(backlot().arg("check").arg(&path));
        let said = text(&out);
        assert!(!out.status.success(), "{name} with NaN passed:\n{said}");
        let (line, col) = line_col(&bad, at);
        let position = format!("{}:{line}:{col}", path.display());
        assert!(
            said.contains(&position) && said.contains("finite"),
            "{name}: expected `{position}` and `finite` in:\n{said}"
        );
    }
}

/// A take row for the columns of `header`: camera 1 at flat_wall's camera position.
fn take_row(header: &str, time_s: f64) -> String {
    header
        .split(',')
        .map(|column| match column {
            "time_s" => format!("{time_s:.6}"),
            "camera" => "1".to_string(),
            "source" => "freed".to_string(),
            "y" => "1.600000".to_string(),
            "z" => "1.000000".to_string(),
            "focal_mm" => "50.0000".to_string(),
            "fov_deg" => "39.597752".to_string(),
            "raw_zoom" | "raw_focus" | "timecode" => String::new(),
            _ => "0.000000".to_string(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn a_take_cut_short_by_a_crash_replays_without_its_last_line() {
    use backlot_tracking::take::HEADER;

    let dir = temp_dir("faults-take");
    let stage = flat_wall_variant(&dir, "replay.stage.ron", &[]);
    let rows: Vec<String> = (0..30u32)
        .map(|i| take_row(HEADER, f64::from(i) / 60.0))
        .collect();
    let full = format!("{HEADER}\n{}\n", rows.join("\n"));
    // The crash came mid-row: the last line has lost its end.
    let take = dir.join("cut.csv");
    std::fs::write(&take, &full[..full.len() - 20]).expect("write take");
    let query = free_tcp();
    let mut cmd = command(&dir, free_udp(), free_tcp(), query, free_udp());
    cmd.arg("--stage")
        .arg(&stage)
        .arg("--tracking-replay")
        .arg(&take)
        .args(["--max-frames", "120"]);
    let mut app = Running::spawn(cmd, query, dir.join("backlot.log"));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = app.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "still running after 60 s with --max-frames 120:\n{}",
            app.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let log = app.log();
    assert!(status.success(), "{status}:\n{log}");
    // Header on line 1, rows on 2..=31: the cut one is line 31.
    let warning = format!("{}:31:", take.display());
    assert!(
        log.contains(&warning) && log.contains("skipped"),
        "no warning naming `{warning}`:\n{log}"
    );
    assert!(log.contains("(29 samples)"), "29 whole rows replay:\n{log}");
}
