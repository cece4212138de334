//! The OSCQuery namespace: the JSON tree of every parameter and the answer to one request
//! (`/`, `/<address>`, `/<address>?VALUE` and the other attributes, `/?HOST_INFO`), with
//! no I/O, so it is tested without a socket.

use std::sync::{Arc, RwLock};
use std::time::Instant;

use backlot_params::{ParamEntry, ParamKind, ParamRegistry, ParamValue};
use backlot_scene::SceneStatus;
use backlot_ui::Heartbeat;
use serde_json::{Map, Value, json};

use super::live;

/// What the HTTP side serves, refreshed by the app.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The namespace tree; shared, so a request copies a pointer under the lock, not the tree.
    pub tree: Arc<Value>,
    /// OSC UDP port, for HOST_INFO.
    pub osc_port: u16,
    /// OSC TCP (SLIP) port.
    pub osc_tcp_port: u16,
    /// `tree` holds the scene's parameters ([`namespace_ready`]); requests wait until then.
    pub ready: bool,
    /// The frame's heartbeat, when the app has a watchdog: the values it gives are computed
    /// when asked, so they stay true while the frame loop is stuck.
    pub live: Option<Heartbeat>,
}

/// Shared with the HTTP thread.
pub type SharedSnapshot = Arc<RwLock<Snapshot>>;

/// Whether the namespace is worth serving: the scene's parameters are registered.
///
/// The scene registers all of its parameters in the one system that spawns it (every scene
/// has at least `/scene/camera/position`), so one address under `/scene` means they all
/// are. A scene that failed before any good load registers none, and an app without the
/// scene plugin has none coming: both serve what there is rather than wait for nothing.
pub fn namespace_ready(registry: &ParamRegistry, scene: Option<&SceneStatus>) -> bool {
    registry.iter_under("/scene").next().is_some() || scene.is_none_or(|s| s.failed_without_scene)
}

fn osc_type(kind: &ParamKind) -> &'static str {
    match kind {
        ParamKind::Float => "f",
        ParamKind::Int => "i",
        ParamKind::Bool => "T",
        ParamKind::Color | ParamKind::Vec3 => "fff",
        ParamKind::Trigger => "N",
        ParamKind::Enum(_) => "s",
    }
}

/// A value as OSCQuery's VALUE array.
pub fn value_json(v: &ParamValue) -> Value {
    match v {
        ParamValue::Float(f) => json!([f]),
        ParamValue::Int(i) => json!([i]),
        ParamValue::Bool(b) => json!([b]),
        ParamValue::Color(c) | ParamValue::Vec3(c) => json!(c),
        ParamValue::Trigger => json!([]),
        ParamValue::Enum(s) => json!([s]),
    }
}

fn leaf(e: &ParamEntry, driver: &str) -> Value {
    let s = &e.spec;
    let mut node = Map::new();
    node.insert("FULL_PATH".into(), json!(s.address.as_str()));
    node.insert("TYPE".into(), json!(osc_type(&s.kind)));
    node.insert("VALUE".into(), value_json(&e.value));
    node.insert("ACCESS".into(), json!(if s.read_only { 1 } else { 3 }));
    let mut description = s.description.clone();
    if !driver.is_empty() {
        description = if description.is_empty() {
            format!("driven by {driver}")
        } else {
            format!("{description} (driven by {driver})")
        };
    }
    node.insert("DESCRIPTION".into(), json!(description));
    if !s.unit.is_empty() {
        node.insert("UNIT".into(), json!([s.unit]));
    }
    match (&s.kind, s.range) {
        (ParamKind::Enum(options), _) => {
            node.insert("RANGE".into(), json!([{ "VALS": options }]));
        }
        (ParamKind::Color | ParamKind::Vec3, Some((lo, hi))) => {
            node.insert("RANGE".into(), json!([{ "MIN": lo, "MAX": hi }, { "MIN": lo, "MAX": hi }, { "MIN": lo, "MAX": hi }]));
        }
        (_, Some((lo, hi))) => {
            node.insert("RANGE".into(), json!([{ "MIN": lo, "MAX": hi }]));
        }
        _ => {}
    }
    Value::Object(node)
}

/// Builds the namespace tree; `driver` names what drives each parameter.
pub fn build_tree<'a>(
    entries: impl Iterator<Item = &'a ParamEntry>,
    driver: impl Fn(&str) -> String,
) -> Value {
    let mut root = json!({ "FULL_PATH": "/", "ACCESS": 0, "CONTENTS": {} });
    for e in entries {
        let address = e.spec.address.as_str();
        let mut node = &mut root;
        let mut path = String::new();
        let parts: Vec<&str> = address.split('/').skip(1).collect();
        for (i, part) in parts.iter().enumerate() {
            path.push('/');
            path.push_str(part);
            let contents = node
                .as_object_mut()
                .map(|o| o.entry("CONTENTS").or_insert_with(|| json!({})))
                .and_then(Value::as_object_mut);
            let Some(contents) = contents else { break };
            if i + 1 == parts.len() {
                contents.insert((*part).to_string(), leaf(e, &driver(address)));
                break;
            }
            node = contents.entry((*part).to_string()).or_insert_with(
                || json!({ "FULL_PATH": path.clone(), "ACCESS": 0, "CONTENTS": {} }),
            );
        }
    }
    root
}

fn find<'a>(tree: &'a Value, path: &str) -> Option<&'a Value> {
    let mut node = tree;
    for part in path.split('/').filter(|p| !p.is_empty()) {
        node = node.get("CONTENTS")?.get(part)?;
    }
    Some(node)
}

/// Answers one request: (status, JSON body).
pub fn answer(snapshot: &Snapshot, url: &str) -> (u16, String) {
    answer_at(snapshot, url, Instant::now())
}

/// [`answer`] with live values as of `now`.
pub(super) fn answer_at(snapshot: &Snapshot, url: &str, now: Instant) -> (u16, String) {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let path = if path.is_empty() { "/" } else { path };
    if query == "HOST_INFO" {
        let info = json!({
            "NAME": "backlot",
            "OSC_PORT": snapshot.osc_port,
            "OSC_TRANSPORT": "UDP",
            "EXTENSIONS": { "ACCESS": true, "VALUE": true, "RANGE": true, "DESCRIPTION": true, "UNIT": true, "TAGS": false, "LISTEN": false, "PATH_CHANGED": false },
            "OSC_TCP_PORT": snapshot.osc_tcp_port,
        });
        return (200, info.to_string());
    }
    let Some(node) = find(&snapshot.tree, path) else {
        return (
            404,
            json!({ "ERROR": format!("no node {path}") }).to_string(),
        );
    };
    // A value computed now rather than the one the frame last published.
    let fresh = snapshot
        .live
        .as_ref()
        .and_then(|heartbeat| live::value(heartbeat, path, now))
        .map(|value| live::with_value(node, &value));
    let node = fresh.as_ref().unwrap_or(node);
    match query {
        "" => (200, node.to_string()),
        "VALUE" | "TYPE" | "RANGE" | "ACCESS" | "DESCRIPTION" | "FULL_PATH" | "UNIT" => {
            match node.get(query) {
                Some(v) => (200, json!({ query: v }).to_string()),
                None => (204, String::new()),
            }
        }
        other => (
            400,
            json!({ "ERROR": format!("unsupported query {other}") }).to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use backlot_params::{ParamAddress, ParamRegistry, ParamSpec};

    #[test]
    fn namespace_and_queries() {
        let mut r = ParamRegistry::default();
        r.register(ParamSpec::float(
            ParamAddress::new("/scene/lights/key/intensity").expect("a"),
            100.0,
            0.0,
            1000.0,
            "lm",
        ))
        .expect("reg");
        r.register(ParamSpec::color(
            ParamAddress::new("/scene/lights/key/color").expect("a"),
            [1.0, 0.5, 0.0],
        ))
        .expect("reg");
        r.register(
            ParamSpec::float(
                ParamAddress::new("/status/fps").expect("a"),
                60.0,
                0.0,
                1000.0,
                "Hz",
            )
            .read_only(),
        )
        .expect("reg");
        let tree = build_tree(r.iter(), |a| {
            if a.contains("intensity") {
                "OSC 1.2.3.4:5".into()
            } else {
                String::new()
            }
        });
        let s = Snapshot {
            tree: Arc::new(tree),
            osc_port: 9000,
            osc_tcp_port: 9001,
            ready: true,
            live: None,
        };
        let (code, body) = answer(&s, "/");
        assert_eq!(code, 200);
        let v: Value = serde_json::from_str(&body).expect("json");
        let key = &v["CONTENTS"]["scene"]["CONTENTS"]["lights"]["CONTENTS"]["key"]["CONTENTS"];
        assert_eq!(key["intensity"]["TYPE"], "f");
        assert_eq!(key["intensity"]["RANGE"][0]["MAX"], 1000.0);
        assert_eq!(key["color"]["VALUE"], json!([1.0, 0.5, 0.0]));
        assert!(
            key["intensity"]["DESCRIPTION"]
                .as_str()
                .expect("d")
                .contains("OSC 1.2.3.4:5")
        );
        assert_eq!(v["CONTENTS"]["status"]["CONTENTS"]["fps"]["ACCESS"], 1);
        assert_eq!(
            answer(&s, "/scene/lights/key/intensity?VALUE"),
            (200, "{\"VALUE\":[100.0]}".into())
        );
        assert_eq!(answer(&s, "/nope?VALUE").0, 404);
        let (_, info) = answer(&s, "/?HOST_INFO");
        assert!(info.contains("\"OSC_PORT\":9000"), "{info}");
        assert_eq!(answer(&s, "/scene?VALUE").0, 204);
    }

    #[test]
    fn ready_once_the_scene_registered_its_parameters() {
        let mut r = ParamRegistry::default();
        r.register(ParamSpec::float(
            ParamAddress::new("/status/fps").expect("a"),
            0.0,
            0.0,
            1000.0,
            "Hz",
        ))
        .expect("reg");
        let loading = SceneStatus::default();
        assert!(
            !namespace_ready(&r, Some(&loading)),
            "only status so far: the scene is still loading"
        );
        assert!(
            namespace_ready(&r, None),
            "no scene plugin: nothing to wait for"
        );
        let mut failed = SceneStatus::default();
        failed.failed_without_scene = true;
        assert!(
            namespace_ready(&r, Some(&failed)),
            "a failed scene brings nothing"
        );
        r.register(ParamSpec::float(
            ParamAddress::new("/scene/camera/fov").expect("a"),
            50.0,
            5.0,
            170.0,
            "deg",
        ))
        .expect("reg");
        assert!(namespace_ready(&r, Some(&loading)));
    }
}
