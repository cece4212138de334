//! Text → validated [`ClusterFile`], every problem at the line and column of its token.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;

use backlot_files::{FileErrors, Problems, parse_ron};

use super::layout::Layout;
use super::{ClusterFile, LEASE_MS, Role};

/// Parses and validates cluster text; `shown` names the file in messages. What needs other
/// files (the stage's outputs, the files named) is checked by [`check_outputs`] and
/// [`check_paths`].
pub fn parse_cluster(
    text: &str,
    shown: &str,
    asset_root: Option<&Path>,
) -> Result<ClusterFile, FileErrors> {
    let cluster: ClusterFile = parse_ron(text, shown, asset_root)?;
    let mut problems = Problems::new(text, shown);
    validate(&cluster, &Layout::of(text), &mut problems);
    problems.into_result(cluster)
}

/// Every output a node draws exists in the stage (`stage_outputs`: its output names); each
/// problem at the output's string in `text`, the cluster file's text.
pub fn check_outputs(
    file: &ClusterFile,
    stage_outputs: &[String],
    text: &str,
    shown: &str,
) -> Result<(), FileErrors> {
    let layout = Layout::of(text);
    let mut problems = Problems::new(text, shown);
    let known: Vec<String> = stage_outputs.iter().map(|o| format!("`{o}`")).collect();
    let known = if known.is_empty() {
        "none".to_string()
    } else {
        known.join(", ")
    };
    for (i, node) in file.nodes.iter().enumerate() {
        for (j, output) in node.outputs.iter().enumerate() {
            if !stage_outputs.contains(output) {
                problems.report(
                    layout.output(i, j),
                    format!(
                        "node `{}` draws output `{output}`, which the stage does not define (it has {known})",
                        node.name
                    ),
                );
            }
        }
    }
    problems.into_result(())
}

/// The stage file and the scene file (when named) exist beside `cluster_file`, the path of
/// the file `text` was read from; each problem at the path's string.
pub fn check_paths(
    file: &ClusterFile,
    cluster_file: &Path,
    text: &str,
    shown: &str,
) -> Result<(), FileErrors> {
    let layout = Layout::of(text);
    let mut problems = Problems::new(text, shown);
    let named = [
        ("stage", Some((&file.stage, file.stage_path(cluster_file)))),
        (
            "scene",
            file.scene.as_ref().zip(file.scene_path(cluster_file)),
        ),
    ];
    for (key, path) in named {
        if let Some((written, full)) = path
            && !full.is_file()
        {
            problems.report(
                layout.top(key),
                format!(
                    "{key} file `{}` not found (looked for {}; paths are relative to the cluster file)",
                    written.display(),
                    full.display()
                ),
            );
        }
    }
    problems.into_result(())
}

fn validate(cluster: &ClusterFile, layout: &Layout<'_>, problems: &mut Problems<'_>) {
    if let Some(problem) = key_segment_problem(&cluster.name) {
        problems.report(layout.top("name"), format!("cluster name {problem}"));
    }
    let mut names: Vec<&str> = Vec::new();
    let mut primary: Option<&str> = None;
    let mut backup: Option<&str> = None;
    // (output, node), (listen endpoint, node), (OSC or OSCQuery port, node).
    let mut owners: Vec<(&str, &str)> = Vec::new();
    let mut listens: Vec<(&str, &str)> = Vec::new();
    let mut ports: Vec<(u16, &str)> = Vec::new();
    for (i, node) in cluster.nodes.iter().enumerate() {
        let name = node.name.as_str();
        if let Some(problem) = key_segment_problem(name) {
            problems.report(layout.node_field(i, "name"), format!("node name {problem}"));
        } else if names.contains(&name) {
            problems.report(
                layout.node_field(i, "name"),
                format!("duplicate node name `{name}`"),
            );
        }
        names.push(name);

        let single = match node.role {
            Role::Primary => Some((&mut primary, "exactly one Primary")),
            Role::Backup => Some((&mut backup, "at most one Backup")),
            Role::Render | Role::Spare => None,
        };
        if let Some((slot, what)) = single {
            if let Some(first) = *slot {
                problems.report(
                    layout.node_field(i, "role"),
                    format!(
                        "node `{name}` is a second {:?} (`{first}` is one); a cluster has {what}",
                        node.role
                    ),
                );
            } else {
                *slot = Some(name);
            }
        }

        if node.role != Role::Render && !node.outputs.is_empty() {
            problems.report(
                layout.node_field(i, "outputs"),
                format!(
                    "node `{name}` is a {:?}: only Render nodes own outputs (a Spare takes a dead node's outputs at run time)",
                    node.role
                ),
            );
        }
        for (j, output) in node.outputs.iter().enumerate() {
            match owners.iter().find(|(o, _)| *o == output.as_str()) {
                Some((_, owner)) => problems.report(
                    layout.output(i, j),
                    format!(
                        "output `{output}` is already drawn by node `{owner}`; an output has one owner"
                    ),
                ),
                None => owners.push((output.as_str(), name)),
            }
        }

        if let Some(problem) = endpoint_problem(&node.listen) {
            problems.report(
                layout.node_field(i, "listen"),
                format!("node `{name}` listen: {problem}"),
            );
        } else if let Some((_, other)) = listens.iter().find(|(l, _)| *l == node.listen.as_str()) {
            problems.report(
                layout.node_field(i, "listen"),
                format!(
                    "node `{name}` listens on `{}`, as node `{other}` does; every node needs its own endpoint",
                    node.listen
                ),
            );
        } else {
            listens.push((node.listen.as_str(), name));
        }

        // One node may serve OSC (UDP) and OSCQuery (TCP) on one number; port 0 (any free
        // port) never collides.
        let own = [
            ("osc_port", "OSC", node.osc_port),
            ("oscquery_port", "OSCQuery", node.oscquery_port),
        ];
        for (key, what, port) in own {
            let Some(port) = port.filter(|p| *p != 0) else {
                continue;
            };
            if let Some((_, other)) = ports.iter().find(|(p, _)| *p == port) {
                problems.report(
                    layout.node_field(i, key),
                    format!(
                        "node `{name}`: {what} port {port} is already node `{other}`'s; ports are unique among nodes"
                    ),
                );
            }
        }
        for (_, _, port) in own {
            if let Some(port) = port.filter(|p| *p != 0) {
                ports.push((port, name));
            }
        }
    }
    if primary.is_none() {
        problems.report(
            layout.top("nodes"),
            "the cluster has no Primary node; it needs exactly one".into(),
        );
    }

    for (j, endpoint) in cluster.zenoh.connect.iter().enumerate() {
        if let Some(problem) = endpoint_problem(endpoint) {
            problems.report(layout.connect(j), format!("zenoh connect: {problem}"));
        }
    }
    if !(cluster.frame_rate > 0.0 && cluster.frame_rate <= 1000.0) {
        problems.report(
            layout.top("frame_rate"),
            format!(
                "frame_rate must be more than 0 and at most 1000, got {}",
                cluster.frame_rate
            ),
        );
    }
    if cluster.snapshot_every == 0 {
        problems.report(
            layout.top("snapshot_every"),
            "snapshot_every must be at least 1 (a full snapshot every N frames)".into(),
        );
    }
    let barrier_ok = (1..=10_000).contains(&cluster.barrier_timeout_ms);
    if !barrier_ok {
        problems.report(
            layout.top("barrier_timeout_ms"),
            format!(
                "barrier_timeout_ms must be 1..10000, got {}",
                cluster.barrier_timeout_ms
            ),
        );
    }
    check_lease(cluster, layout, problems, barrier_ok);
}

/// The lease is in range and longer than the barrier timeout: a stalled node must be late
/// (dropped from the barrier) before it can be taken for gone (its outputs taken over).
fn check_lease(
    cluster: &ClusterFile,
    layout: &Layout<'_>,
    problems: &mut Problems<'_>,
    barrier_ok: bool,
) {
    let lease = cluster.zenoh.lease_ms;
    let at = layout.zenoh("lease_ms");
    if !LEASE_MS.contains(&lease) {
        problems.report(
            at.unwrap_or_else(|| layout.top("zenoh")),
            format!(
                "zenoh lease_ms must be {}..{}, got {lease}",
                LEASE_MS.start(),
                LEASE_MS.end()
            ),
        );
    } else if barrier_ok && lease <= cluster.barrier_timeout_ms {
        // Unwritten, the default lease is what is too short: point at the barrier timeout.
        problems.report(
            at.unwrap_or_else(|| layout.top("barrier_timeout_ms")),
            format!(
                "zenoh lease_ms ({lease}) must be longer than barrier_timeout_ms ({}): a \
                 stalled node would be taken for gone, and its outputs taken over, before the \
                 barrier drops it as late",
                cluster.barrier_timeout_ms
            ),
        );
    }
}

/// What keeps `name` from being a Zenoh key segment, if anything.
fn key_segment_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("must not be empty".into());
    }
    name.chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-')))
        .map(|c| {
            format!(
                "`{name}` has `{c}`; use letters, digits, `_` or `-` (it is a Zenoh key segment)"
            )
        })
}

/// What keeps `endpoint` from being `tcp/HOST:PORT`, if anything.
pub(super) fn endpoint_problem(endpoint: &str) -> Option<String> {
    let Some((protocol, address)) = endpoint.split_once('/') else {
        return Some(format!("`{endpoint}` is not tcp/HOST:PORT"));
    };
    if protocol != "tcp" {
        return Some(format!(
            "`{endpoint}` uses `{protocol}`; only tcp is built in (tcp/HOST:PORT)"
        ));
    }
    if let Ok(addr) = address.parse::<SocketAddr>() {
        return (addr.port() == 0).then(|| format!("`{endpoint}`: the port must be 1..65535"));
    }
    let Some((host, port)) = address.rsplit_once(':') else {
        return Some(format!("`{endpoint}` has no port (tcp/HOST:PORT)"));
    };
    let port_ok = !port.is_empty()
        && port.bytes().all(|b| b.is_ascii_digit())
        && port.parse::<u16>().is_ok_and(|p| p != 0);
    if !port_ok {
        return Some(format!("`{endpoint}`: port `{port}` must be 1..65535"));
    }
    if host.parse::<IpAddr>().is_ok() {
        return Some(format!(
            "`{endpoint}`: an IPv6 address goes in brackets (tcp/[{host}]:{port})"
        ));
    }
    if !is_hostname(host) {
        return Some(format!(
            "`{endpoint}`: `{host}` is neither an IP address nor a host name"
        ));
    }
    None
}

/// Letters, digits and `-` in dot-separated labels of 1..=63 (RFC 1123).
fn is_hostname(host: &str) -> bool {
    host.len() <= 253
        && host.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}
