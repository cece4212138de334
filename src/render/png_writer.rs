//! Frames to PNG files on a thread of their own, behind a bounded queue, as they are read
//! back: a render holds a few frames in memory however long it runs.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender};
use std::thread::JoinHandle;

use bevy::prelude::*;

use super::{Captured, to_rgb8};

/// One captured frame of one target, on its way to disk.
struct Shot {
    name: String,
    frame: u32,
    image: Image,
}

fn shot_path(out: &Path, name: &str, frame: u32) -> PathBuf {
    out.join(format!("{name}-{frame:04}.png"))
}

/// Writes captured frames as PNGs on its own thread, behind a bounded queue: the renderer
/// waits when the disk is slower, and learns of the first failed write at its next frame.
pub(super) struct PngWriter {
    out: PathBuf,
    queue: Option<SyncSender<Shot>>,
    thread: Option<JoinHandle<Result<(), String>>>,
    /// (target, frame, path) of every frame queued.
    queued: Vec<(String, u32, PathBuf)>,
}

impl PngWriter {
    /// Starts the writer; at most `capacity` frames wait for it.
    pub(super) fn start(out: &Path, capacity: usize) -> Result<Self, String> {
        let (queue, frames) = std::sync::mpsc::sync_channel::<Shot>(capacity);
        let dir = out.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("backlot-png-writer".into())
            .spawn(move || write_pngs(&dir, &frames))
            .map_err(|e| format!("cannot start the PNG writer: {e}"))?;
        Ok(Self {
            out: out.to_path_buf(),
            queue: Some(queue),
            thread: Some(thread),
            queued: Vec::new(),
        })
    }

    /// Frames queued so far.
    pub(super) fn queued(&self) -> usize {
        self.queued.len()
    }

    /// Queues every frame captured so far.
    pub(super) fn take(&mut self, captured: &Captured) -> Result<(), String> {
        let shots = std::mem::take(&mut *captured.lock().unwrap_or_else(|e| e.into_inner()));
        shots
            .into_iter()
            .try_for_each(|(name, frame, image)| self.write(Shot { name, frame, image }))
    }

    /// Queues one frame, waiting while the queue is full; the writer's error once it failed.
    fn write(&mut self, shot: Shot) -> Result<(), String> {
        let entry = (
            shot.name.clone(),
            shot.frame,
            shot_path(&self.out, &shot.name, shot.frame),
        );
        let sent = self.queue.as_ref().is_some_and(|q| q.send(shot).is_ok());
        if !sent {
            // The writer stopped taking frames: its result says why.
            self.join()?;
            return Err("the PNG writer stopped".into());
        }
        self.queued.push(entry);
        Ok(())
    }

    /// Waits until every queued frame is on disk; the paths, by target then frame.
    pub(super) fn finish(mut self) -> Result<Vec<PathBuf>, String> {
        self.join()?;
        let mut queued = std::mem::take(&mut self.queued);
        queued.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        Ok(queued.into_iter().map(|(_, _, path)| path).collect())
    }

    /// Closes the queue and waits for the writer to finish it.
    fn join(&mut self) -> Result<(), String> {
        self.queue = None;
        match self.thread.take().map(JoinHandle::join) {
            None | Some(Ok(Ok(()))) => Ok(()),
            Some(Ok(Err(e))) => Err(e),
            Some(Err(_)) => Err("the PNG writer panicked".into()),
        }
    }
}

impl Drop for PngWriter {
    fn drop(&mut self) {
        // A render that failed elsewhere still leaves its queued frames written.
        let _ = self.join();
    }
}

/// The writer thread: every frame queued, until the queue closes or a write fails.
fn write_pngs(out: &Path, frames: &Receiver<Shot>) -> Result<(), String> {
    for shot in frames {
        let path = shot_path(out, &shot.name, shot.frame);
        let rgb =
            to_rgb8(shot.image).map_err(|e| format!("{} frame {}: {e}", shot.name, shot.frame))?;
        rgb.save(&path)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::prepare_out;
    use bevy::asset::RenderAssetUsages;
    use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};

    fn shot(frame: u32) -> Shot {
        let size = Extent3d {
            width: 2,
            height: 2,
            depth_or_array_layers: 1,
        };
        let image = Image::new(
            size,
            TextureDimension::D2,
            vec![200; 16],
            TextureFormat::Rgba8Unorm,
            RenderAssetUsages::default(),
        );
        Shot {
            name: "view".into(),
            frame,
            image,
        }
    }

    fn temp(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("backlot-{name}-{}", std::process::id()))
    }

    #[test]
    fn frames_are_written_as_they_come_and_listed_in_order() {
        let out = temp("png-writer");
        let _ = std::fs::remove_dir_all(&out);
        prepare_out(&out).expect("folder");
        let mut writer = PngWriter::start(&out, 1).expect("writer");
        for frame in [1, 0, 2] {
            writer.write(shot(frame)).expect("queued");
        }
        let written = writer.finish().expect("written");
        let expected: Vec<PathBuf> = (0..3)
            .map(|f| out.join(format!("view-{f:04}.png")))
            .collect();
        assert_eq!(written, expected);
        let png = image::open(&written[0]).expect("a PNG").to_rgb8();
        assert_eq!(png.get_pixel(1, 1).0, [200, 200, 200]);
        let _ = std::fs::remove_dir_all(&out);
    }

    /// A write that fails (here a folder under a regular file, which even root cannot
    /// create; on a show, a full disk) ends the render with the error, never a panic.
    #[test]
    fn a_failed_write_is_an_error_naming_the_file() {
        let file = temp("png-blocked");
        std::fs::write(&file, "a file, not a folder").expect("temp file");
        let out = file.join("frames");
        let mut writer = PngWriter::start(&out, 1).expect("writer");
        let queued = (0..5).try_for_each(|frame| writer.write(shot(frame)));
        let error = match queued {
            Err(e) => e,
            Ok(()) => writer
                .finish()
                .expect_err("nothing can be written under a file"),
        };
        let folder = prepare_out(&out);
        let _ = std::fs::remove_file(&file);
        assert!(
            error.contains("cannot write") && error.contains("view-0000.png"),
            "{error}"
        );
        let folder = folder.expect_err("not a folder");
        assert!(folder.contains("cannot create folder"), "{folder}");
    }
}
