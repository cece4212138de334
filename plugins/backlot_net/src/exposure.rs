//! What the network sees of backlot: each listener, the interface addresses it is reachable
//! on and who may reach it ([`NetExposure`]), and the ports that could not be bound
//! ([`PortProblems`], with the program holding them when the system says).

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use bevy::prelude::Resource;

use crate::access::{AllowList, Protocol};

/// Most listeners and most port problems kept (trackers come from the stage file).
pub const MAX_ENTRIES: usize = 256;
/// Most interface addresses listed for a wildcard bind.
const MAX_INTERFACES: usize = 32;

/// One listening socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listening {
    /// Whose allow-list applies.
    pub protocol: Protocol,
    /// What it is, as in logs: `OSC (udp)`, `tracker "freed" (udp)`.
    pub what: String,
    /// The bound address.
    pub local: SocketAddr,
    /// The interface addresses it answers on.
    pub reachable: Vec<IpAddr>,
}

impl Listening {
    /// `local`'s listener, with the interfaces a wildcard address stands for.
    pub fn new(protocol: Protocol, what: impl Into<String>, local: SocketAddr) -> Self {
        Self {
            protocol,
            what: what.into(),
            local,
            reachable: reachable(local.ip()),
        }
    }

    /// `OSC (udp): port 9000 on 10.0.0.5, 127.0.0.1 (every interface); allow-list 10.0.0.0/24`.
    pub fn describe(&self, allow: &AllowList) -> String {
        let addresses: Vec<String> = self.reachable.iter().map(IpAddr::to_string).collect();
        format!(
            "{}: port {} on {}{}; {}",
            self.what,
            self.local.port(),
            if addresses.is_empty() {
                self.local.ip().to_string()
            } else {
                addresses.join(", ")
            },
            if self.local.ip().is_unspecified() {
                " (every interface)"
            } else {
                ""
            },
            allow.describe()
        )
    }
}

/// Every listener backlot has open, shared by control and tracking (the Controls panel's
/// Network section shows it).
#[derive(Resource, Debug, Clone, Default)]
pub struct NetExposure {
    listening: Vec<Listening>,
}

impl NetExposure {
    /// Adds a listener (one with the same name and port is replaced).
    pub fn add(&mut self, l: Listening) {
        self.listening
            .retain(|o| !(o.what == l.what && o.local.port() == l.local.port()));
        if self.listening.len() < MAX_ENTRIES {
            self.listening.push(l);
        }
    }

    /// Forgets `protocol`'s listeners (tracking before it opens its sockets anew).
    pub fn clear(&mut self, protocol: Protocol) {
        self.listening.retain(|l| l.protocol != protocol);
    }

    /// The listeners.
    pub fn listening(&self) -> &[Listening] {
        &self.listening
    }
}

/// The interface addresses a socket bound to `ip` answers on: `ip` itself, or for a
/// wildcard every IPv4 interface address (every address for `::`).
pub fn reachable(ip: IpAddr) -> Vec<IpAddr> {
    if !ip.is_unspecified() {
        return vec![ip];
    }
    let mut all: Vec<IpAddr> = if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .map(|i| i.ip())
        .filter(|a| ip.is_ipv6() || a.is_ipv4())
        .collect();
    all.sort();
    all.dedup();
    all.truncate(MAX_INTERFACES);
    all
}

/// A port a listener could not bind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortProblem {
    /// Whose listener.
    pub protocol: Protocol,
    /// What could not listen, as in logs: `OSC (udp)`.
    pub what: String,
    /// The address and port asked for.
    pub addr: SocketAddr,
    /// Why.
    pub error: String,
    /// The program holding the port, when the system says.
    pub holder: Option<String>,
    /// Found while starting (not on a later reload): what `--strict-ports` refuses.
    pub at_start: bool,
}

impl PortProblem {
    /// A failed bind of `addr` (`tcp` or udp); asks the system who holds the port when it
    /// was in use.
    pub fn new(
        protocol: Protocol,
        what: impl Into<String>,
        addr: SocketAddr,
        tcp: bool,
        error: &std::io::Error,
    ) -> Self {
        let holder = (error.kind() == std::io::ErrorKind::AddrInUse)
            .then(|| port_holder(tcp, addr.port()))
            .flatten();
        Self {
            protocol,
            what: what.into(),
            addr,
            error: error.to_string(),
            holder,
            at_start: true,
        }
    }
}

impl fmt::Display for PortProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} cannot listen on {} (port {}): {}",
            self.what,
            self.addr,
            self.addr.port(),
            self.error
        )?;
        if let Some(h) = &self.holder {
            write!(f, "; the port is held by {h}")?;
        }
        Ok(())
    }
}

/// Ports that could not be bound, shown in the Controls panel and as
/// `/status/net/<protocol>/listening`; `run --strict-ports` exits on those found at start.
#[derive(Resource, Debug, Clone, Default)]
pub struct PortProblems {
    list: Vec<PortProblem>,
}

impl PortProblems {
    /// Records a problem (one for the same listener and address is replaced).
    pub fn report(&mut self, p: PortProblem) {
        self.list
            .retain(|o| !(o.what == p.what && o.addr == p.addr));
        if self.list.len() < MAX_ENTRIES {
            self.list.push(p);
        }
    }

    /// Forgets `protocol`'s problems (tracking before it binds anew).
    pub fn clear(&mut self, protocol: Protocol) {
        self.list.retain(|p| p.protocol != protocol);
    }

    /// Every problem.
    pub fn list(&self) -> &[PortProblem] {
        &self.list
    }

    /// Whether `protocol` has one.
    pub fn has(&self, protocol: Protocol) -> bool {
        self.list.iter().any(|p| p.protocol == protocol)
    }

    /// Those found while starting.
    pub fn at_start(&self) -> impl Iterator<Item = &PortProblem> {
        self.list.iter().filter(|p| p.at_start)
    }
}

/// Most processes and descriptors per process looked through for a port's holder.
const MAX_PROCESSES: usize = 1 << 16;
const MAX_DESCRIPTORS: usize = 1 << 16;

/// The program holding local `port` (`name (pid N)`), from `/proc` on Linux; `None`
/// elsewhere or when it belongs to a process this user cannot see.
pub fn port_holder(tcp: bool, port: u16) -> Option<String> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let tables = if tcp {
        ["/proc/net/tcp", "/proc/net/tcp6"]
    } else {
        ["/proc/net/udp", "/proc/net/udp6"]
    };
    let inodes: Vec<u64> = tables
        .iter()
        .filter_map(|t| std::fs::read_to_string(t).ok())
        .flat_map(|text| socket_inodes(&text, port, tcp))
        .collect();
    if inodes.is_empty() {
        return None;
    }
    for process in std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .take(MAX_PROCESSES)
    {
        let Some(pid) = process
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(process.path().join("fd")) else {
            continue;
        };
        let holds = fds.flatten().take(MAX_DESCRIPTORS).any(|fd| {
            std::fs::read_link(fd.path())
                .ok()
                .and_then(|target| socket_inode(&target.to_string_lossy()))
                .is_some_and(|inode| inodes.contains(&inode))
        });
        if holds {
            let name = std::fs::read_to_string(process.path().join("comm"))
                .map(|c| c.trim().to_string())
                .unwrap_or_default();
            return Some(format!("{name} (pid {pid})"));
        }
    }
    None
}

/// `socket:[12345]` → 12345.
fn socket_inode(link: &str) -> Option<u64> {
    link.strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// The socket inodes bound to local `port` in a `/proc/net/{udp,tcp}[6]` table (for TCP only
/// listening sockets, state 0A). Lines that do not parse are skipped.
pub fn socket_inodes(table: &str, port: u16, tcp: bool) -> Vec<u64> {
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local = fields.get(1)?;
            let (_, hex_port) = local.rsplit_once(':')?;
            let listening = !tcp || fields.get(3).is_some_and(|s| *s == "0A");
            let inode: u64 = fields.get(9)?.parse().ok()?;
            (u16::from_str_radix(hex_port, 16).ok()? == port && listening && inode != 0)
                .then_some(inode)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Cidr;

    const UDP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  100: 0100007F:2328 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 4242 2 0000000000000000 0
  101: 00000000:1A2C 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 777 2 0000000000000000 0
garbage
";
    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:2329 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 31337 1 0000000000000000 100 0 0 10 0
   1: 0100007F:2329 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000  1000        0 31338 1 0000000000000000 20 4 30 10 -1
";

    #[test]
    fn finds_the_sockets_on_a_port() {
        assert_eq!(socket_inodes(UDP, 9000, false), vec![4242]);
        assert_eq!(socket_inodes(UDP, 6700, false), vec![777]);
        assert!(socket_inodes(UDP, 9001, false).is_empty());
        // Only the listening socket, not the connection on the same port.
        assert_eq!(socket_inodes(TCP, 9001, true), vec![31337]);
        assert_eq!(socket_inode("socket:[4242]"), Some(4242));
        assert_eq!(socket_inode("/dev/null"), None);
    }

    #[test]
    fn wildcards_list_interfaces_and_problems_say_what_and_where() {
        assert_eq!(
            reachable("127.0.0.1".parse().expect("ip")),
            vec!["127.0.0.1".parse::<IpAddr>().expect("ip")]
        );
        let all = reachable("0.0.0.0".parse().expect("ip"));
        assert!(all.iter().all(IpAddr::is_ipv4));
        let l = Listening::new(
            Protocol::Osc,
            "OSC (udp)",
            "127.0.0.1:9000".parse().expect("a"),
        );
        let allow = AllowList::new(Protocol::Osc, &[Cidr::parse("10.0.0.0/24").expect("c")]);
        assert_eq!(
            l.describe(&allow),
            "OSC (udp): port 9000 on 127.0.0.1; allow-list 10.0.0.0/24"
        );

        let taken = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        let addr = taken.local_addr().expect("addr");
        let error = std::net::UdpSocket::bind(addr).expect_err("port is taken");
        let p = PortProblem::new(Protocol::Osc, "OSC (udp)", addr, false, &error);
        let text = p.to_string();
        assert!(text.contains(&addr.port().to_string()), "{text}");
        if cfg!(target_os = "linux") {
            // This very process holds it, and /proc shows its own descriptors.
            assert!(
                p.holder
                    .as_deref()
                    .is_some_and(|h| h.contains(&std::process::id().to_string())),
                "{p:?}"
            );
        }
        let mut problems = PortProblems::default();
        problems.report(p.clone());
        problems.report(p);
        assert_eq!(problems.list().len(), 1);
        assert!(problems.has(Protocol::Osc) && !problems.has(Protocol::Dmx));
        problems.clear(Protocol::Osc);
        assert!(problems.list().is_empty());
    }
}
