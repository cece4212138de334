use super::*;

fn sample(frame: u64, age_ms: u64, phase: Phase) -> Option<Sample> {
    Some(Sample {
        frame,
        age: Duration::from_millis(age_ms),
        phase,
    })
}

#[test]
fn the_judge_reports_a_stall_once_then_its_recovery() {
    let mut judge = StallJudge::new(Duration::from_millis(500));
    let t = Instant::now();
    let none = Duration::ZERO;
    assert_eq!(judge.observe(None, none, t), None, "no frame yet");
    assert_eq!(judge.observe(sample(3, 499, Phase::Scene), none, t), None);
    let Some(Verdict::Stalled(stall)) = judge.observe(sample(3, 620, Phase::Scene), none, t) else {
        panic!("620 ms is past the limit");
    };
    assert_eq!((stall.frame, stall.phase), (3, Phase::Scene));
    assert!(stall.ongoing);
    assert_eq!(
        stall.describe(),
        "frame 3 has taken 620 ms so far, in Scene"
    );
    let Some(Verdict::Ongoing(still)) = judge.observe(sample(3, 1234, Phase::Stage), none, t)
    else {
        panic!("the same frame is still stuck");
    };
    assert_eq!(
        still.describe(),
        "frame 3 has taken 1234 ms so far, in Scene"
    );
    // Frame 3 ended after the last look: the longest frame since is its whole length.
    let longest = Duration::from_millis(1300);
    let Some(Verdict::Recovered(over)) = judge.observe(sample(5, 4, Phase::First), longest, t)
    else {
        panic!("frames run again");
    };
    assert!(!over.ongoing);
    assert_eq!(over.describe(), "frame 3 took 1300 ms, stalled in Scene");
    assert_eq!(judge.observe(sample(6, 10, Phase::Input), none, t), None);
}

#[test]
fn the_heartbeat_tells_the_frame_its_age_and_phase() {
    let beat = Heartbeat::default();
    assert_eq!(beat.sample_at(Instant::now()), None, "no frame yet");
    beat.begin_frame();
    beat.enter(Phase::Layers);
    let later = Instant::now() + Duration::from_secs(2);
    let s = beat.sample_at(later).expect("a frame");
    assert_eq!((s.frame, s.phase), (0, Phase::Layers));
    assert!(s.age >= Duration::from_secs(2), "{:?}", s.age);
    std::thread::sleep(Duration::from_millis(1));
    beat.begin_frame();
    let s = beat.sample_at(Instant::now()).expect("a frame");
    assert_eq!((s.frame, s.phase), (1, Phase::First));
    assert!(beat.take_longest() > Duration::ZERO, "frame 0 ended");
    assert_eq!(beat.take_longest(), Duration::ZERO, "taken");
}

#[test]
fn every_phase_round_trips_through_its_byte() {
    for phase in PHASES {
        assert_eq!(Phase::from_u8(phase as u8), phase);
    }
    assert_eq!(Phase::from_u8(200), Phase::Idle);
}
