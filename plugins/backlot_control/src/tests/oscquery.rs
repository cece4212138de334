//! OSCQuery: the namespace and values over HTTP, and DNS-SD advertisement.

use std::time::{Duration, Instant};

use backlot_params::{ParamRegistry, ParamValue};

use super::{MAP, app_with, http_get, port};
use crate::OscQueryServer;

#[test]
fn oscquery_serves_the_namespace_and_values() {
    let mut app = app_with(MAP, None);
    let p = port(&app, |r: &OscQueryServer| r.addr);
    app.world_mut()
        .resource_mut::<ParamRegistry>()
        .set("/scene/fog/density", ParamValue::Float(0.125))
        .expect("set");
    std::thread::sleep(Duration::from_millis(60));
    app.update();
    let get_http = |path: &str| http_get(p, path);
    let value = get_http("/scene/fog/density?VALUE");
    assert!(value.starts_with("HTTP/1.1 200"), "{value}");
    assert!(value.ends_with("{\"VALUE\":[0.125]}"), "{value}");
    let root = get_http("/");
    assert!(
        root.contains("\"FULL_PATH\":\"/scene/lights/key/intensity\""),
        "{root}"
    );
    assert!(root.contains("\"ACCESS\":1"), "read-only status is listed");
    assert!(get_http("/?HOST_INFO").contains("\"OSC_PORT\""));
    assert!(get_http("/missing?VALUE").starts_with("HTTP/1.1 404"));
}

#[test]
fn oscquery_is_advertised_over_dns_sd() {
    let app = app_with(MAP, None);
    let query = port(&app, |r: &OscQueryServer| r.addr);
    assert!(app.world().resource::<OscQueryServer>().mdns.is_some());
    let browser = mdns_sd::ServiceDaemon::new().expect("mdns");
    let events = browser.browse("_oscjson._tcp.local.").expect("browse");
    let start = Instant::now();
    let mut found = None;
    while start.elapsed() < Duration::from_secs(5) && found.is_none() {
        if let Ok(mdns_sd::ServiceEvent::ServiceResolved(info)) =
            events.recv_timeout(Duration::from_millis(200))
            && info.get_port() == query
        {
            found = Some(info.get_fullname().to_string());
        }
    }
    let _ = browser.shutdown();
    let name = found.expect("backlot's OSCQuery found by DNS-SD browsing");
    assert!(name.starts_with(&format!("backlot-{query}.")), "{name}");
}
