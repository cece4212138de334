//! The autosave writer against a real folder: atomic replacement under a concurrent
//! reader, coalescing behind a slow write, failures counted and survived.

use std::collections::BTreeMap;
use std::sync::mpsc;

use backlot_params::ParamValue;

use super::*;
use crate::recovery::format::{Driver, FORMAT, ParamState, decode};

fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("backlot-autosave-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// An autosave with `n` parameters, all at `v`.
fn snapshot(n: usize, v: f32) -> Arc<Autosave> {
    let params = (0..n)
        .map(|i| {
            let state = ParamState {
                value: ParamValue::Float(v),
                driver: Driver::Scene,
            };
            (format!("/scene/p{i}"), state)
        })
        .collect::<BTreeMap<_, _>>();
    Arc::new(Autosave {
        format: FORMAT,
        clean: false,
        saved_unix_ms: 0,
        show: None,
        params,
        claims: Vec::new(),
        playback: None,
        looks: None,
        lists: None,
    })
}

fn first_value(a: &Autosave) -> Option<ParamValue> {
    a.params.values().next().map(|p| p.value.clone())
}

const FLUSH: Duration = Duration::from_secs(20);

#[test]
fn a_reader_never_sees_half_a_file() {
    let dir = dir("atomic");
    let path = dir.join("s.show.autosave.ron");
    let mut writer = AutosaveWriter::new(path.clone());
    let reader_path = path.clone();
    let reader = std::thread::spawn(move || {
        let (mut whole, mut missing) = (0, 0);
        for _ in 0..400 {
            match std::fs::read(&reader_path) {
                Ok(bytes) => {
                    if let Err(e) = decode(&bytes, &reader_path) {
                        return Err(e.to_string());
                    }
                    whole += 1;
                }
                Err(_) => missing += 1,
            }
        }
        Ok((whole, missing))
    });
    for i in 0..60 {
        writer.submit(snapshot(2000, i as f32));
        // Let some writes happen in between (what the frame does: one now and then).
        if i % 6 == 0 {
            assert!(writer.flush(FLUSH), "{:?}", writer.report());
        }
    }
    assert!(writer.flush(FLUSH), "{:?}", writer.report());
    let read = reader.join().expect("the reader thread");
    assert!(read.is_ok(), "a read saw a broken file: {read:?}");
    let last = decode(&std::fs::read(&path).expect("the autosave"), &path).expect("whole");
    assert_eq!(
        first_value(&last),
        Some(ParamValue::Float(59.0)),
        "the newest landed"
    );
    let report = writer.report();
    assert_eq!(report.failed, 0, "{report:?}");
    assert!(report.written >= 11, "{report:?}");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
    drop(writer);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_waiting_snapshot_is_replaced_by_a_newer_one() {
    let dir = dir("coalesce");
    let path = dir.join("s.show.autosave.ron");
    let (started_tx, started) = mpsc::channel::<()>();
    let (gate, gate_rx) = mpsc::channel::<()>();
    let gate_rx = Mutex::new(gate_rx);
    let started_tx = Mutex::new(started_tx);
    // The first write waits at the gate, so the next snapshots pile up in the slot.
    let write: WriteFn = Arc::new(move |path: &Path, text: &str| -> io::Result<()> {
        let _ = started_tx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(());
        let _ = gate_rx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recv_timeout(Duration::from_secs(20));
        write_atomically(path, text)
    });
    let mut writer = AutosaveWriter::with_write(path.clone(), write);
    writer.submit(snapshot(3, 1.0));
    started
        .recv_timeout(Duration::from_secs(20))
        .expect("the first write started");
    for v in 2..=5 {
        writer.submit(snapshot(3, v as f32));
    }
    assert_eq!(
        writer.report().replaced,
        3,
        "one waits, the others were replaced"
    );
    for _ in 0..2 {
        gate.send(()).expect("the gate");
    }
    assert!(writer.flush(FLUSH), "{:?}", writer.report());
    let report = writer.report();
    assert_eq!((report.written, report.replaced), (2, 3), "{report:?}");
    let last = decode(&std::fs::read(&path).expect("autosave"), &path).expect("whole");
    assert_eq!(first_value(&last), Some(ParamValue::Float(5.0)));
    drop(writer);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn failures_are_counted_with_their_reason_and_the_writer_goes_on() {
    let dir = dir("failing");
    // The folder the autosave should be in does not exist: the temp file cannot be made.
    let missing = dir.join("no-such-folder").join("s.show.autosave.ron");
    let mut writer = AutosaveWriter::new(missing);
    writer.submit(snapshot(3, 1.0));
    assert!(writer.flush(FLUSH));
    let report = writer.report();
    assert_eq!((report.written, report.failed), (0, 1), "{report:?}");
    let why = report.last_error.expect("a reason");
    assert!(why.contains("no-such-folder"), "{why}");
    assert!(report.running, "a failed write does not end the thread");

    // A panicking write is a failed write too; the next one lands.
    let counted = Arc::new(Mutex::new(0_u32));
    let write: WriteFn = Arc::new(move |path: &Path, text: &str| -> io::Result<()> {
        let mut n = counted.lock().unwrap_or_else(PoisonError::into_inner);
        *n += 1;
        if *n == 1 {
            panic!("disk on fire");
        }
        write_atomically(path, text)
    });
    let path = dir.join("s.show.autosave.ron");
    let mut writer = AutosaveWriter::with_write(path.clone(), write);
    writer.submit(snapshot(3, 1.0));
    assert!(writer.flush(FLUSH));
    let report = writer.report();
    assert_eq!(report.failed, 1, "{report:?}");
    assert!(
        report
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("disk on fire")),
        "{report:?}"
    );
    writer.submit(snapshot(3, 2.0));
    assert!(writer.flush(FLUSH));
    let report = writer.report();
    assert_eq!((report.written, report.failed), (1, 1), "{report:?}");
    assert_eq!(report.last_error, None, "a good write clears the error");
    assert!(writer.supervise().is_none(), "the thread still runs");
    drop(writer);
    let _ = std::fs::remove_dir_all(dir);
}
