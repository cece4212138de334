use super::*;

/// A frame stuck in the Scene set until the watchdog has seen it (bounded, so a broken
/// watchdog fails the test rather than hanging it).
#[test]
fn a_stalled_frame_is_reported_with_its_phase_and_counted() {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins).add_plugins(WatchdogPlugin {
        limit: Duration::from_millis(300),
    });
    app.add_systems(
        Update,
        (|beat: Res<Heartbeat>, mut frames: Local<u32>| {
            *frames += 1;
            if *frames == 3 {
                let stuck = Instant::now();
                while beat.stalls() == 0 && stuck.elapsed() < Duration::from_secs(30) {
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
        })
        .in_set(BacklotSystems::Scene),
    );
    for _ in 0..3 {
        app.update();
    }
    let beat = app.world().resource::<Heartbeat>().clone();
    let stall = beat.stall().expect("the watchdog saw the stuck frame");
    assert_eq!((stall.frame, stall.phase), (2, Phase::Scene));
    assert!(
        stall.describe().contains("in Scene"),
        "{}",
        stall.describe()
    );
    app.update();
    let registry = app.world().resource::<ParamRegistry>();
    assert_eq!(
        registry.get(addresses::STATUS_STALLS).ok(),
        Some(&ParamValue::Int(1))
    );
    // Frames run again: the watchdog says so on its next look.
    let waiting = Instant::now();
    while beat.stall().is_some_and(|s| s.ongoing) && waiting.elapsed() < Duration::from_secs(30) {
        app.update();
        std::thread::sleep(Duration::from_millis(10));
    }
    let over = beat.stall().expect("the stall");
    assert!(!over.ongoing, "recovery reported");
    assert!(
        over.duration > Duration::from_millis(300),
        "{:?}",
        over.duration
    );
    assert_eq!(beat.stalls(), 1);
}
