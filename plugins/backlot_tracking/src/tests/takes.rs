//! Takes in the app against a disk that fills up, a writer that panics, a disk that stalls
//! and a folder that cannot be written: each shows as state the app reads, a failure turns
//! `/takes/recording` false, and the frame never waits for the disk.

use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};

use backlot_params::{ParamRegistry, ParamValue};
use bevy::prelude::*;

use super::{STAGE, app, get, update_until};
use crate::take::tests::{Exploding, FullDisk, StalledDisk, row};
use crate::take::{ROW_QUEUE, TakeWriter};
use crate::{TakeRecorder, TrackingPlugin};

fn offline() -> TrackingPlugin {
    TrackingPlugin {
        live: false,
        ..default()
    }
}

/// Records into `sink`, as if `/takes/record` had opened it.
fn record_into(app: &mut App, sink: Box<dyn Write + Send>) {
    let writer = TakeWriter::with_sink(Path::new("sink.csv"), sink).expect("the header fits");
    app.world_mut().resource_mut::<TakeRecorder>().writer = Some(writer);
    app.update();
    assert_eq!(get(app, "/takes/recording"), ParamValue::Bool(true));
}

/// Queues rows as ingest does.
fn queue_rows(app: &mut App, n: u64) {
    let mut recorder = app.world_mut().resource_mut::<TakeRecorder>();
    let writer = recorder.writer.as_mut().expect("recording");
    for i in 0..n {
        writer.write(&row(i as f64));
    }
}

fn press_record(app: &mut App) {
    app.world_mut()
        .resource_mut::<ParamRegistry>()
        .set("/takes/record", ParamValue::Trigger)
        .expect("trigger");
    app.update();
}

#[test]
fn a_full_disk_stops_the_take_and_says_why() {
    let mut app = app(STAGE, offline());
    record_into(&mut app, Box::new(FullDisk { room: 4096 }));
    queue_rows(&mut app, 200);
    update_until(&mut app, |a| {
        get(a, "/takes/recording") == ParamValue::Bool(false)
    });
    let recorder = app.world().resource::<TakeRecorder>();
    let error = recorder.error.as_deref().expect("the error is shown");
    let full = std::io::Error::from(ErrorKind::StorageFull).to_string();
    assert!(
        error.contains("sink.csv") && error.contains(&full),
        "{error}"
    );
    assert!(recorder.recording().is_none());
    assert_eq!(recorder.last.as_deref(), Some(Path::new("sink.csv")));
}

#[test]
fn a_panicking_writer_stops_the_take_and_says_why() {
    let mut app = app(STAGE, offline());
    record_into(&mut app, Box::new(Exploding { header: false }));
    queue_rows(&mut app, 1);
    update_until(&mut app, |a| {
        get(a, "/takes/recording") == ParamValue::Bool(false)
    });
    let recorder = app.world().resource::<TakeRecorder>();
    let error = recorder.error.as_deref().expect("the error is shown");
    assert!(error.contains("panicked: sink exploded"), "{error}");
}

#[test]
fn a_flood_is_counted_and_shown_and_stopping_does_not_wait() {
    let mut app = app(STAGE, offline());
    let (open, gate) = mpsc::channel();
    let out = Arc::new(Mutex::new(Vec::new()));
    record_into(
        &mut app,
        Box::new(StalledDisk {
            gate,
            out: out.clone(),
        }),
    );
    // The disk is stalled: returning at all is the point.
    queue_rows(&mut app, ROW_QUEUE as u64 + 1000);
    app.update();
    let recorder = app.world().resource::<TakeRecorder>();
    assert!(recorder.dropped >= 900, "{} dropped", recorder.dropped);
    assert_eq!(
        get(&app, "/takes/recording"),
        ParamValue::Bool(true),
        "a slow disk is not a failed one"
    );
    press_record(&mut app);
    assert_eq!(get(&app, "/takes/recording"), ParamValue::Bool(false));
    assert_eq!(
        app.world().resource::<TakeRecorder>().closing(),
        1,
        "the stalled disk is still being closed, off the frame"
    );
    drop(open);
    update_until(&mut app, |a| {
        a.world().resource::<TakeRecorder>().closing() == 0
    });
    let recorder = app.world().resource::<TakeRecorder>();
    assert!(recorder.error.is_none(), "{:?}", recorder.error);
    let text = String::from_utf8(out.lock().expect("not poisoned").clone()).expect("utf-8");
    assert_eq!(
        text.lines().count() as u64,
        1 + recorder.samples,
        "every queued row is written"
    );
}

/// A folder no take can be written in: read-only, or (as root, where permissions do not
/// stop writes) a path under a regular file.
fn unwritable(base: &Path) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro = base.join("read-only");
        std::fs::create_dir_all(&ro).expect("dir");
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).expect("chmod");
        let probe = ro.join("probe");
        if std::fs::write(&probe, b"").is_err() {
            return ro;
        }
        let _ = std::fs::remove_file(probe);
    }
    let file = base.join("not-a-folder");
    std::fs::write(&file, b"").expect("file");
    file.join("takes")
}

#[test]
fn a_take_in_an_unwritable_folder_says_why_and_does_not_record() {
    let base = std::env::temp_dir().join(format!("backlot-takes-ro-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).expect("temp dir");
    let takes_dir = unwritable(&base);
    let mut app = app(
        STAGE,
        TrackingPlugin {
            takes_dir: takes_dir.clone(),
            ..offline()
        },
    );
    press_record(&mut app);
    // The writer thread creates the file: its failure shows a few frames later, as a failed
    // write does.
    update_until(&mut app, |a| {
        get(a, "/takes/recording") == ParamValue::Bool(false)
    });
    let recorder = app.world().resource::<TakeRecorder>();
    assert!(recorder.recording().is_none());
    assert!(recorder.last.is_none(), "no take was recorded");
    let error = recorder.error.as_deref().expect("the error is shown");
    assert!(
        error.starts_with("cannot record a take: ")
            && error.contains(&takes_dir.display().to_string()),
        "{error}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&takes_dir, std::fs::Permissions::from_mode(0o755));
    }
    let _ = std::fs::remove_dir_all(base);
}
