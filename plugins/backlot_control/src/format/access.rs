//! A map's `access` section: who may reach backlot over the network, per protocol, and the
//! address prefixes OSC from the network may not write.
//!
//! ```ron
//! access: (
//!     // CIDRs (or single addresses) per protocol: osc, oscquery, dmx, tracking, or all.
//!     // Added to the command line's `--allow`; a protocol with no entry lets everyone in.
//!     allow: (osc: ["10.0.0.0/24"], dmx: ["192.168.1.0/24"], all: ["127.0.0.1"]),
//!     // OSC from the network may not write under these (the operator panel still can, and
//!     // so can an `osc.bindings` alias the map itself points there).
//!     // Default: ["/takes/", "/control/"].
//!     read_only: ["/takes/"],
//! ),
//! ```

use backlot_net::access::{AllowLists, Cidr, MAX_CIDRS, Protocol};
use backlot_scene::format::find_after;
use serde::{Deserialize, Serialize};

/// Who may reach backlot, and what the network may not write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccessDef {
    /// Allowed senders per protocol.
    pub allow: AllowDef,
    /// Address prefixes OSC from the network may not write.
    pub read_only: Vec<String>,
}

impl Default for AccessDef {
    fn default() -> Self {
        Self {
            allow: AllowDef::default(),
            // Starting and stopping takes is the operator's, not any sender's on the network;
            // so is learn (`/control/learn`), which writes bindings into the map file.
            read_only: vec!["/takes/".to_string(), "/control/".to_string()],
        }
    }
}

impl AccessDef {
    /// The read-only prefix `address` falls under, if any. Prefixes match whole address
    /// segments: `/takes/` and `/takes` cover `/takes/record`, not `/takes_log`.
    pub fn network_read_only(&self, address: &str) -> Option<&str> {
        self.read_only
            .iter()
            .find(|prefix| under(address, prefix))
            .map(String::as_str)
    }
}

/// Whether `address` is `prefix` or lies below it.
fn under(address: &str, prefix: &str) -> bool {
    address
        .strip_prefix(prefix.trim_end_matches('/'))
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// CIDRs per protocol, as written in the map (validated with positions when parsed).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AllowDef {
    /// OSC (UDP and TCP).
    pub osc: Vec<String>,
    /// OSCQuery's HTTP server.
    pub oscquery: Vec<String>,
    /// Art-Net and sACN.
    pub dmx: Vec<String>,
    /// Camera trackers' own ports.
    pub tracking: Vec<String>,
    /// Every protocol.
    pub all: Vec<String>,
}

impl AllowDef {
    /// Each list with its protocol (`None`: all).
    fn named(&self) -> [(Option<Protocol>, &Vec<String>); 5] {
        [
            (Some(Protocol::Osc), &self.osc),
            (Some(Protocol::OscQuery), &self.oscquery),
            (Some(Protocol::Dmx), &self.dmx),
            (Some(Protocol::Tracking), &self.tracking),
            (None, &self.all),
        ]
    }

    /// The lists as CIDRs, `all` in each; entries that do not parse (a map with them does
    /// not load) are left out.
    pub fn lists(&self) -> AllowLists {
        let mut lists = AllowLists::default();
        for (protocol, entries) in self.named() {
            for cidr in entries.iter().filter_map(|e| Cidr::parse(e).ok()) {
                lists.add(protocol, cidr);
            }
        }
        lists
    }
}

/// Reports bad CIDRs, over-long lists and prefixes that are not addresses, each at its text.
pub(super) fn validate(access: &AccessDef, src: &str, report: &mut dyn FnMut(usize, String)) {
    let section = find_after(src, 0, "access").unwrap_or(0);
    let at = |text: &str| find_after(src, section, &format!("\"{text}\"")).unwrap_or(section);
    for (protocol, entries) in access.allow.named() {
        let name = protocol.map_or("all", Protocol::name);
        if entries.len() > MAX_CIDRS {
            report(
                find_after(src, section, name).unwrap_or(section),
                format!("access.allow.{name}: at most {MAX_CIDRS} entries"),
            );
        }
        for entry in entries {
            if let Err(e) = Cidr::parse(entry) {
                report(at(entry), format!("access.allow.{name}: {e}"));
            }
        }
    }
    for prefix in &access.read_only {
        if !prefix.starts_with('/') {
            report(
                at(prefix),
                format!("access.read_only: `{prefix}` is not an address prefix (starts with /)"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::parse_map;

    #[test]
    fn prefixes_match_whole_segments() {
        let access = AccessDef::default();
        assert_eq!(access.network_read_only("/takes/record"), Some("/takes/"));
        assert_eq!(access.network_read_only("/takes"), Some("/takes/"));
        assert_eq!(access.network_read_only("/takes_log"), None);
        assert_eq!(access.network_read_only("/scene/takes/x"), None);
        let everything = AccessDef {
            read_only: vec!["/".into()],
            ..AccessDef::default()
        };
        assert_eq!(everything.network_read_only("/scene/fog"), Some("/"));
    }

    #[test]
    fn a_map_without_access_keeps_takes_and_learn_read_only_and_lets_everyone_in() {
        let map = parse_map("(osc: (bindings: []))", "plain.map.ron").expect("map");
        assert_eq!(map.access, AccessDef::default());
        assert!(map.access.allow.lists().is_empty());
        assert_eq!(
            map.access.network_read_only("/control/learn"),
            Some("/control/")
        );
        let open = parse_map("(access: (read_only: []))", "open.map.ron").expect("map");
        assert_eq!(open.access.network_read_only("/takes/record"), None);
        assert_eq!(open.access.network_read_only("/control/learn"), None);
    }

    #[test]
    fn lists_union_all_into_each_protocol() {
        let map = parse_map(
            r#"(access: (allow: (osc: ["10.0.0.0/24"], all: ["127.0.0.1"])))"#,
            "a.map.ron",
        )
        .expect("map");
        let lists = map.access.allow.lists();
        let osc: Vec<String> = lists
            .get(Protocol::Osc)
            .iter()
            .map(Cidr::to_string)
            .collect();
        assert_eq!(osc, ["10.0.0.0/24", "127.0.0.1/32"]);
        assert_eq!(lists.get(Protocol::Dmx).len(), 1);
        assert_eq!(
            map.access.read_only,
            ["/takes/", "/control/"],
            "default kept"
        );
    }

    #[test]
    fn bad_entries_are_positioned_errors() {
        let src = "(\n    access: (\n        allow: (dmx: [\"10.0.0.0/24\", \"10.0.0.300/24\"]),\n        read_only: [\"takes\"],\n    ),\n)";
        let errors = parse_map(src, "bad.map.ron").expect_err("refused").0;
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 2, "{shown:?}");
        assert!(
            shown[0].starts_with("bad.map.ron:3:38: access.allow.dmx: `10.0.0.300`"),
            "{shown:?}"
        );
        assert!(
            shown[1].starts_with("bad.map.ron:4:21: access.read_only: `takes`"),
            "{shown:?}"
        );
        let unknown = parse_map("(access: (allow: (midi: [])))", "u.map.ron");
        assert!(unknown.is_err(), "unknown protocols are refused");
    }
}
