//! OSC into control: the shared OSC port's UDP and SLIP-over-TCP listeners feed the
//! [`OscRouter`], which decodes each packet once; control is its fallback and takes every
//! message no other plugin subscribed to (tracking takes `/backlot/camera`, layers
//! `/backlot/performer`).

use std::net::SocketAddr;
use std::sync::Arc;

use backlot_net::osc::{OscError, Timed};
use backlot_net::{
    AllowList, OscRouter, OscSink, SlipEvent, SlipLimits, SlipListener, UdpListener,
};

use crate::inbox::{LogKind, MONITOR_LINES, OscIn, SharedInbox, describe};

/// Control's side of the router: messages into the inbox, malformed packets counted.
#[derive(Debug, Clone)]
pub struct ControlOsc(pub SharedInbox);

impl OscSink for ControlOsc {
    fn receive(&self, from: SocketAddr, messages: Vec<Timed>) {
        // Described before locking, and only as many as the monitor keeps: the frame drains
        // through this lock.
        let skip = messages.len().saturating_sub(MONITOR_LINES);
        let lines: Vec<String> = messages
            .iter()
            .skip(skip)
            .map(|t| format!("{from} {}", describe(&t.message)))
            .collect();
        let mut inbox = self.0.lock();
        for line in lines {
            inbox.log(LogKind::Osc, line, false);
        }
        for timed in messages {
            inbox.push_osc(OscIn { from, timed });
        }
    }

    fn malformed(&self, from: SocketAddr, error: &OscError) {
        self.0.lock().count(
            &format!("osc {from}"),
            Some(error.to_string()),
            LogKind::Osc,
        );
    }
}

/// Makes control the router's fallback.
pub fn subscribe(router: &OscRouter, inbox: &SharedInbox) {
    router.set_fallback(Arc::new(ControlOsc(inbox.clone())));
}

/// Listens for OSC datagrams on `addr` from those `access` allows (others are refused
/// before the router decodes anything).
pub fn listen_udp(
    addr: SocketAddr,
    access: Option<Arc<AllowList>>,
    router: &OscRouter,
) -> std::io::Result<UdpListener> {
    let router = router.clone();
    UdpListener::bind_with("osc-udp", addr, access, move |d| {
        router.deliver(d.bytes, d.from);
    })
}

/// Accepts OSC 1.1 TCP connections (SLIP frames) on `addr` from those `access` allows
/// (others are refused at accept), within the default [`SlipLimits`].
pub fn listen_tcp(
    addr: SocketAddr,
    access: Option<Arc<AllowList>>,
    router: &OscRouter,
    inbox: &SharedInbox,
) -> std::io::Result<SlipListener> {
    let (router, inbox) = (router.clone(), inbox.clone());
    SlipListener::bind_with(
        "osc-tcp",
        addr,
        SlipLimits::default(),
        access,
        move |from, event| match event {
            SlipEvent::Frame(bytes) => router.deliver(bytes, from),
            SlipEvent::Error(e) => {
                inbox
                    .lock()
                    .count(&format!("osc {from}"), Some(e.to_string()), LogKind::Osc)
            }
        },
    )
}
