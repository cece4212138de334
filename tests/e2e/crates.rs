//! The crate graph, stated in one line and checked over `cargo metadata`:
//!
//! bottom crates `params`, `files`, `net`, `ui` (over `params` only) and `colour` (OCIO and
//! LUT baking, over nothing of ours); `scene` above them;
//! `stage` above scene; `tracking`, `control`, `layers` above stage, never on each other;
//! `cluster` (the render cluster) above stage too, beside them; `show` (looks and cue lists)
//! beside them as well, on none of them; `calibrate` (wall-to-camera colour calibration) a
//! pure library on no other crate.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// Which workspace crates each plugin may depend on (normal dependencies).
fn allowed() -> BTreeMap<&'static str, BTreeSet<&'static str>> {
    let bottom = [
        "backlot_params",
        "backlot_files",
        "backlot_net",
        "backlot_ui",
        "backlot_colour",
    ];
    let with = |extra: &[&'static str]| -> BTreeSet<&'static str> {
        bottom.iter().chain(extra).copied().collect()
    };
    BTreeMap::from([
        ("backlot_params", BTreeSet::new()),
        ("backlot_files", BTreeSet::from(["backlot_params"])),
        ("backlot_net", BTreeSet::from(["backlot_params"])),
        ("backlot_ui", BTreeSet::from(["backlot_params"])),
        ("backlot_colour", BTreeSet::new()),
        ("backlot_scene", with(&[])),
        ("backlot_stage", with(&["backlot_scene"])),
        (
            "backlot_tracking",
            with(&["backlot_scene", "backlot_stage"]),
        ),
        ("backlot_control", with(&["backlot_scene", "backlot_stage"])),
        ("backlot_layers", with(&["backlot_scene", "backlot_stage"])),
        ("backlot_cluster", with(&["backlot_scene", "backlot_stage"])),
        ("backlot_show", with(&["backlot_scene", "backlot_stage"])),
        ("backlot_calibrate", BTreeSet::new()),
    ])
}

#[test]
fn the_crate_graph_is_the_stated_one() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
    let allowed = allowed();
    let mut seen = BTreeSet::new();
    for package in meta["packages"].as_array().expect("packages") {
        let name = package["name"].as_str().expect("name");
        if name == "backlot" {
            continue;
        }
        let may = allowed
            .get(name)
            .unwrap_or_else(|| panic!("{name}: a new crate must take its place in the graph"));
        seen.insert(name);
        for dep in package["dependencies"].as_array().expect("dependencies") {
            let dep_name = dep["name"].as_str().expect("dependency name");
            // Dev-dependencies (tests) may reach further; builds may not.
            if !dep_name.starts_with("backlot") || dep["kind"].as_str() == Some("dev") {
                continue;
            }
            assert!(
                may.contains(dep_name),
                "{name} depends on {dep_name}, which the crate graph does not allow"
            );
        }
    }
    assert_eq!(
        seen,
        allowed.keys().copied().collect(),
        "every crate of the graph is in the workspace"
    );
}
