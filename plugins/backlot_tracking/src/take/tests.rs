//! Take files: rows survive the file, bad takes name the line, a cut last row is skipped,
//! and the writer never holds the frame: a full disk, a panic and a flood all show.

use std::io::{self, Write};
use std::path::Path;
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bevy::math::Vec3;

use super::*;
use crate::pose::Pose;

pub(crate) fn row(t: f64) -> TakeRow {
    TakeRow {
        time_s: t,
        camera: 1,
        source: "freed".into(),
        raw_position: [1000.0, -2500.25, 1500.0],
        raw_rotation: [90.0, -10.5, 0.0],
        raw_lens: Some((0x80000, 0x10000)),
        pose: Pose {
            position: Vec3::new(1.0, 1.5, 2.50025),
            rotation: [90.0, -10.5, 0.0],
        },
        zoom: 0.5,
        focus: 0.25,
        focal_mm: 50.0,
        fov_deg: 39.597_75,
        timecode: Some("01:02:03:04".into()),
    }
}

#[test]
fn rows_survive_the_file() {
    let dir = std::env::temp_dir().join(format!("backlot-take-{}", std::process::id()));
    let path = dir.join("take.csv");
    let mut w = TakeWriter::create(&path).expect("create");
    for i in 0..100 {
        w.write(&row(f64::from(i) / 100.0));
    }
    assert_eq!(w.count, 100);
    w.finish().expect("finish");
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.starts_with(HEADER));
    assert_eq!(text.lines().count(), 101);
    let rows = read_take(&path).expect("parse");
    assert_eq!(rows.len(), 100);
    let r = &rows[42];
    assert!((r.time_s - 0.42).abs() < 1e-9);
    assert_eq!(r.pose, row(0.0).pose);
    assert_eq!(r.timecode.as_deref(), Some("01:02:03:04"));
    assert!((r.fov_deg - 39.597_75).abs() < 1e-5);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_takes_name_the_line() {
    let good = format!("{HEADER}\n{}\n", row(0.0).to_csv());
    let next = format!("{}\n", row(2.0).to_csv());
    assert!(parse_take(&good, "t.csv").is_ok());
    // A bad row before the last is an error, not a crash's cut.
    let e = parse_take(
        &format!(
            "{good}{}\n{next}",
            row(1.0).to_csv().replace("1.500000", "x")
        ),
        "t.csv",
    )
    .expect_err("bad number");
    assert!(e.starts_with("t.csv:3:"), "{e}");
    let e = parse_take("time_s,camera\n0,1\n", "t.csv").expect_err("short header");
    assert!(e.contains("t.csv:1:") && e.contains("`x`"), "{e}");
    let e = parse_take(&format!("{good}{}\n", row(-1.0).to_csv()), "t.csv").expect_err("order");
    assert!(e.contains("t.csv:3: time goes backwards"), "{e}");
    let e = parse_take(&format!("{good}1.0,1,freed\n{next}"), "t.csv").expect_err("short row");
    assert!(e.starts_with("t.csv:3:"), "{e}");
    assert!(parse_take("", "t.csv").is_err());
}

#[test]
fn a_last_row_cut_by_a_crash_is_skipped_with_a_warning() {
    let good = format!("{HEADER}\n{}\n{}\n", row(0.0).to_csv(), row(1.0).to_csv());
    let full = row(2.0).to_csv();
    let complete = Take::parse(&format!("{good}{full}\n"), "t.csv").expect("complete");
    assert_eq!((complete.rows.len(), complete.warnings.len()), (3, 0));
    // Cut anywhere, the row has no line end: even what still parses may have lost digits.
    for cut in [1, 5, 40, full.len() - 3, full.len()] {
        let take = Take::parse(&format!("{good}{}", &full[..cut]), "t.csv")
            .unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        assert_eq!(take.rows.len(), 2, "cut at {cut}");
        assert_eq!(take.warnings.len(), 1, "cut at {cut}");
        assert!(
            take.warnings[0].starts_with("t.csv:4:"),
            "{:?}",
            take.warnings
        );
    }
    // Fewer fields, or a number cut short, on the last line.
    for (last, why) in [
        ("2.0,1,fre".to_string(), "fields"),
        (full.replace("1.500000", "1.5e"), "not a number"),
        ("\0\0\0\0".to_string(), "fields"),
    ] {
        let take = Take::parse(&format!("{good}{last}\n\n"), "t.csv")
            .unwrap_or_else(|e| panic!("{last}: {e}"));
        assert_eq!(take.rows.len(), 2, "{last}");
        assert_eq!(take.warnings.len(), 1, "{last}");
        let w = &take.warnings[0];
        assert!(w.starts_with("t.csv:4:") && w.contains(why), "{w}");
    }
    // From a file: the rows replay, the warning names the file.
    let dir = std::env::temp_dir().join(format!("backlot-take-cut-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("cut.csv");
    std::fs::write(&path, format!("{good}{}", &full[..20])).expect("write");
    let take = Take::read(&path).expect("replays");
    assert_eq!(take.rows.len(), 2);
    assert!(
        take.warnings[0].starts_with(&format!("{}:4:", path.display())),
        "{:?}",
        take.warnings
    );
    assert_eq!(read_take(&path).expect("replays"), take.rows);
    let _ = std::fs::remove_dir_all(dir);
}

/// A disk with `room` bytes left.
pub(crate) struct FullDisk {
    pub(crate) room: usize,
}

impl Write for FullDisk {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.room == 0 {
            return Err(io::ErrorKind::StorageFull.into());
        }
        let n = buf.len().min(self.room);
        self.room -= n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A disk that takes the header, then stalls each write until `gate` is signalled or its
/// sender dropped; what it took is in `out`.
pub(crate) struct StalledDisk {
    pub(crate) gate: Receiver<()>,
    pub(crate) out: Arc<Mutex<Vec<u8>>>,
}

impl Write for StalledDisk {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut out = self.out.lock().expect("not poisoned");
        if !out.is_empty() {
            drop(out);
            let _ = self.gate.recv();
            out = self.out.lock().expect("not poisoned");
        }
        out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A sink that takes the header and panics at the first row.
pub(crate) struct Exploding {
    pub(crate) header: bool,
}

impl Write for Exploding {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        assert!(!self.header, "sink exploded");
        self.header = true;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Polls `f` until it gives a value, at most 3 s (threads answer at their own pace).
fn poll<T>(mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < Duration::from_secs(3), "timed out");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_full_disk_ends_the_writer_with_its_error() {
    let mut w = TakeWriter::with_sink(Path::new("full.csv"), Box::new(FullDisk { room: 4096 }))
        .expect("the header fits");
    for i in 0..200 {
        w.write(&row(f64::from(i)));
    }
    let e = poll(|| w.failure());
    assert_eq!(e.kind(), io::ErrorKind::StorageFull, "{e}");
    assert!(w.opened(), "the header fitted");
    assert!(w.failure().is_none(), "reported once");
    // Nothing more is taken, and what is lost is counted.
    let (count, dropped) = (w.count, w.dropped);
    w.write(&row(200.0));
    assert_eq!((w.count, w.dropped), (count, dropped + 1));
    // Even the header not fitting ends the writer, naming the file: it never opened.
    let mut w = TakeWriter::with_sink(Path::new("full.csv"), Box::new(FullDisk { room: 10 }))
        .expect("the thread starts");
    let e = poll(|| w.failure());
    assert_eq!(e.kind(), io::ErrorKind::StorageFull);
    assert!(e.to_string().contains("full.csv"), "{e}");
    assert!(!w.opened());
}

#[test]
fn a_take_that_cannot_be_created_fails_on_its_thread_naming_the_folder() {
    let base = std::env::temp_dir().join(format!("backlot-take-nofolder-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).expect("dir");
    // A folder under a regular file cannot be created, whoever runs the test.
    let file = base.join("not-a-folder");
    std::fs::write(&file, b"").expect("file");
    let folder = file.join("takes");
    let mut w = TakeWriter::create(&folder.join("take.csv")).expect("the thread starts");
    w.write(&row(0.0));
    let e = poll(|| w.failure());
    assert!(
        e.to_string().contains(&format!(
            "cannot create the takes folder {}",
            folder.display()
        )),
        "{e}"
    );
    assert!(!w.opened());
    // Rows after it are dropped and counted, never waited for.
    let dropped = w.dropped;
    w.write(&row(1.0));
    assert_eq!(w.dropped, dropped + 1);
    assert!(!folder.exists());
    let _ = std::fs::remove_dir_all(base);
}

#[test]
fn a_take_file_is_created_by_its_thread() {
    let dir = std::env::temp_dir().join(format!("backlot-take-created-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("new").join("take.csv");
    let mut w = TakeWriter::create(&path).expect("the thread starts");
    poll(|| w.opened().then_some(()));
    assert!(w.failure().is_none(), "still running");
    assert_eq!(
        std::fs::read_to_string(&path).expect("created with its folder"),
        format!("{HEADER}\n")
    );
    w.finish().expect("finish");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_panicking_writer_is_seen_dead() {
    let mut w = TakeWriter::with_sink(Path::new("p.csv"), Box::new(Exploding { header: false }))
        .expect("header");
    w.write(&row(0.0));
    let e = poll(|| w.failure());
    assert!(e.to_string().contains("panicked: sink exploded"), "{e}");
}

#[test]
fn a_flood_past_the_queue_is_dropped_and_counted_without_waiting() {
    let (open, gate) = mpsc::channel();
    let out = Arc::new(Mutex::new(Vec::new()));
    let disk = StalledDisk {
        gate,
        out: out.clone(),
    };
    let mut w = TakeWriter::with_sink(Path::new("slow.csv"), Box::new(disk)).expect("header");
    let sent = ROW_QUEUE as u64 + 1000;
    // The disk is stalled: returning from this loop at all is the point.
    for i in 0..sent {
        w.write(&row(i as f64));
    }
    assert_eq!(w.count + w.dropped, sent);
    // The thread holds at most one buffer of rows besides the queue.
    assert!(w.count <= ROW_QUEUE as u64 + 100, "{} queued", w.count);
    assert!(w.dropped >= 900, "{} dropped", w.dropped);
    let queued = w.count;
    drop(open);
    w.finish().expect("closes once the disk moves");
    let text = String::from_utf8(out.lock().expect("not poisoned").clone()).expect("utf-8");
    assert_eq!(
        text.lines().count() as u64,
        1 + queued,
        "every queued row written"
    );
}
