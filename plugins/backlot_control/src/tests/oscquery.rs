//! OSCQuery: the namespace and values over HTTP, and DNS-SD advertisement.

use std::time::{Duration, Instant};

use backlot_params::{ParamAddress, ParamRegistry, ParamSpec, ParamValue, ParamsPlugin};
use bevy::prelude::*;

use super::{MAP, app_with, http_get, port};
use crate::{ControlPlugin, ControlSettings, OscQueryServer};

/// The plugin in a minimal app, without the harness's parameters.
fn bare_app(settings: ControlSettings) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, AssetPlugin::default(), ParamsPlugin));
    app.add_plugins(ControlPlugin { settings });
    app
}

#[test]
fn the_snapshot_is_ready_once_the_scene_registered_its_parameters() {
    let mut app = bare_app(ControlSettings::any_ports(false));
    // The scene plugin's status, before its file loaded.
    app.init_resource::<backlot_scene::SceneStatus>();
    let ready = |app: &App| {
        let query = app.world().resource::<OscQueryServer>();
        let snapshot = query.snapshot.read().expect("snapshot");
        snapshot.ready
    };
    app.update();
    std::thread::sleep(Duration::from_millis(60));
    app.update();
    assert!(
        !ready(&app),
        "the scene is still loading: nothing worth serving"
    );
    app.world_mut()
        .resource_mut::<ParamRegistry>()
        .register(ParamSpec::float(
            ParamAddress::new("/scene/camera/fov").expect("address"),
            50.0,
            5.0,
            170.0,
            "deg",
        ))
        .expect("register");
    std::thread::sleep(Duration::from_millis(60));
    app.update();
    assert!(ready(&app));
    let snapshot = app
        .world()
        .resource::<OscQueryServer>()
        .snapshot
        .read()
        .expect("snapshot")
        .clone();
    assert_eq!(
        crate::oscquery::answer(&snapshot, "/scene/camera/fov?VALUE"),
        (200, "{\"VALUE\":[50.0]}".into()),
        "ready comes with the parameters it waited for"
    );
}

#[test]
fn oscquery_can_be_left_off() {
    let mut settings = ControlSettings::any_ports(true);
    settings.oscquery = false;
    let mut app = bare_app(settings);
    app.update();
    let query = app.world().resource::<OscQueryServer>();
    assert!(query.addr.is_none() && query.stats().is_none() && query.mdns.is_none());
    assert!(
        app.world().resource::<crate::OscServers>().osc.is_some(),
        "OSC itself still listens"
    );
}

#[test]
fn the_server_reports_its_connections() {
    let app = app_with(MAP, None);
    let p = port(&app, |r: &OscQueryServer| r.addr);
    assert!(http_get(p, "/?HOST_INFO").starts_with("HTTP/1.1 200"));
    let query = app.world().resource::<OscQueryServer>();
    let stats = query.stats().expect("running");
    assert!(stats.running && stats.accepted >= 1, "{stats}");
    let health = query.health();
    assert_eq!(health.len(), 1);
    assert!(health[0].0.starts_with("oscquery"), "{}", health[0].0);
}

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
