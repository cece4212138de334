//! The writer thread: one save at a time, the newest waiting request wins, a failed or
//! panicking save is reported and leaves nothing behind.

use std::time::{Duration, Instant};

use super::*;
use crate::save::disk::write_atomically;
use crate::save::tests::{scratch, temp_files, with_look};

/// Polls until a save finishes, at most 5 s (a bound against hanging, not a timing check).
fn done(writer: &mut ShowWriter) -> SaveDone {
    let start = Instant::now();
    loop {
        if let Some(d) = writer.poll() {
            return d;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the save never finished"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Writes the show whole without reading anything first: a save that fails at the write.
fn write_whole(show: &ShowFile, path: &Path) -> Result<Saved, SaveError> {
    let text = show.to_ron().map_err(|e| SaveError::Verify {
        path: path.display().to_string(),
        detail: e.to_string(),
    })?;
    write_atomically(path, &text)?;
    Ok(Saved::Created)
}

fn exploding(_: &ShowFile, _: &Path) -> Result<Saved, SaveError> {
    panic!("save exploded")
}

#[test]
fn a_failed_write_is_reported_and_leaves_no_temp_file() {
    let dir = scratch("dir-in-place");
    let path = dir.join("t.show.ron");
    std::fs::create_dir_all(&path).expect("a folder where the show file should be");
    let request = SaveRequest {
        path: path.clone(),
        show: with_look("new", 0.5),
    };
    // The write itself fails: the temp file is written, the rename onto a folder is not.
    let mut writer = ShowWriter::with_save(write_whole);
    writer.request(request.clone());
    let d = done(&mut writer);
    assert_eq!(d.path, path);
    let e = d
        .result
        .expect_err("a folder cannot be replaced by a show file");
    assert!(e.starts_with("cannot save the show: cannot write"), "{e}");
    assert!(temp_files(&dir).is_empty(), "{:?}", temp_files(&dir));
    // The real save finds no file to read there either, and says so.
    let mut writer = ShowWriter::default();
    writer.request(request);
    let e = done(&mut writer)
        .result
        .expect_err("a folder is no show file");
    assert!(e.starts_with("cannot save the show: cannot read"), "{e}");
    assert!(path.is_dir(), "the folder is as it was");
    assert!(temp_files(&dir).is_empty(), "{:?}", temp_files(&dir));
    assert!(!writer.busy());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_panicking_save_is_a_failed_save() {
    let mut writer = ShowWriter::with_save(exploding);
    writer.request(SaveRequest {
        path: PathBuf::from("nowhere.show.ron"),
        show: with_look("new", 0.5),
    });
    assert!(writer.busy());
    let e = done(&mut writer).result.expect_err("a panic is a failure");
    assert!(e.contains("panicked: save exploded"), "{e}");
    assert!(!writer.busy(), "nothing left under way");
}

#[test]
fn saves_run_one_at_a_time_and_the_newest_waiting_request_wins() {
    let dir = scratch("coalesce");
    let path = dir.join("t.show.ron");
    std::fs::write(&path, crate::save::tests::SHOW).expect("write the show file");
    let mut writer = ShowWriter::default();
    // The first starts at once and stays running until polled; the next two wait in one
    // slot, so the second is replaced by the third.
    for (look, fog) in [("one", 0.1), ("two", 0.2), ("three", 0.3)] {
        writer.request(SaveRequest {
            path: path.clone(),
            show: with_look(look, fog),
        });
    }
    assert_eq!(writer.replaced(), 1);
    let mut results = vec![done(&mut writer)];
    while writer.busy() {
        results.push(done(&mut writer));
    }
    assert_eq!(results.len(), 2, "{results:?}");
    assert!(
        results.iter().all(|d| d.result == Ok(Saved::Patched)),
        "{results:?}"
    );
    let text = std::fs::read_to_string(&path).expect("read the show file");
    let names: Vec<String> = crate::file::parse_show(&text, "t.show.ron", None)
        .expect("the saved show parses")
        .looks
        .into_iter()
        .map(|l| l.name)
        .collect();
    assert_eq!(names, ["base", "three"]);
    assert!(temp_files(&dir).is_empty(), "{:?}", temp_files(&dir));
    let _ = std::fs::remove_dir_all(dir);
}
