use super::*;

#[test]
fn sizes() {
    assert_eq!(parse_size("500x400"), Ok((500, 400)));
    assert!(parse_size("500").is_err());
    assert!(parse_size("0x10").is_err());
    assert!(parse_size("axb").is_err());
}

#[test]
fn poses() {
    assert_eq!(
        parse_pose("1,2,3,-4,5,6"),
        Ok([1.0, 2.0, 3.0, -4.0, 5.0, 6.0])
    );
    assert!(parse_pose("1,2,3").is_err());
    assert!(parse_pose("1,2,3,4,5,x").is_err());
    assert!(parse_pose("1,2,3,4,5,inf").is_err());
}

#[test]
fn allows() {
    let (p, c) = parse_allow("osc=10.0.0.0/24").expect("osc");
    assert_eq!(
        (p, c.to_string().as_str()),
        (Some(Protocol::Osc), "10.0.0.0/24")
    );
    assert_eq!(parse_allow("all=127.0.0.1").expect("all").0, None);
    assert!(parse_allow("midi=10.0.0.0/24").is_err());
    assert!(parse_allow("osc=10.0.0.5/24").is_err(), "host bits");
    assert!(parse_allow("10.0.0.0/24").is_err());
}

#[test]
fn run_network_flags() {
    let cli = Cli::try_parse_from([
        "backlot",
        "run",
        "--bind",
        "127.0.0.1",
        "--dmx-bind",
        "0.0.0.0",
        "--allow",
        "osc=127.0.0.1/32",
        "--allow",
        "all=10.0.0.0/8",
        "--no-mdns",
    ])
    .expect("parses");
    let Command::Run(args) = cli.command else {
        panic!("not run");
    };
    let net = args.network();
    assert_eq!(
        net.addr(Protocol::Osc),
        "127.0.0.1".parse::<IpAddr>().expect("ip")
    );
    assert_eq!(
        net.addr(Protocol::Dmx),
        "0.0.0.0".parse::<IpAddr>().expect("ip")
    );
    assert_eq!(net.allow.get(Protocol::Osc).len(), 2);
    assert_eq!(net.allow.get(Protocol::Dmx).len(), 1);
    assert!(!net.mdns);
    let defaults = Cli::try_parse_from(["backlot", "run"]).expect("parses");
    let Command::Run(args) = defaults.command else {
        panic!("not run");
    };
    assert_eq!(args.network(), NetworkSettings::default());
    assert!(Cli::try_parse_from(["backlot", "run", "--bind", "nowhere"]).is_err());
    assert!(Cli::try_parse_from(["backlot", "run", "--allow", "osc=x"]).is_err());
}

#[test]
fn calibrate_flags() {
    let cli = Cli::try_parse_from([
        "backlot",
        "calibrate",
        "solve",
        "--patches",
        "p/patches.csv",
        "--captures",
        "caps",
        "--out",
        "wall.cube",
        "--capture-transfer",
        "linear",
    ])
    .expect("parses");
    let Command::Calibrate(CalibrateArgs {
        command: CalibrateCommand::Solve(args),
    }) = cli.command
    else {
        panic!("not calibrate solve");
    };
    assert_eq!(args.capture_transfer, Transfer::Linear);
    assert_eq!(args.transfer, Transfer::Srgb);
    assert_eq!((args.lut_size, args.report, args.plot), (33, None, None));
    let cli =
        Cli::try_parse_from(["backlot", "calibrate", "patches", "--out", "p"]).expect("parses");
    let Command::Calibrate(CalibrateArgs {
        command: CalibrateCommand::Patches(args),
    }) = cli.command
    else {
        panic!("not calibrate patches");
    };
    assert_eq!((args.count, args.transfer), (200, Transfer::Srgb));
    let pq = [
        "backlot",
        "calibrate",
        "patches",
        "--out",
        "p",
        "--transfer",
        "pq",
    ];
    assert!(Cli::try_parse_from(pq).is_err());
}

#[test]
fn run_takes_a_show_beside_explicit_files() {
    let cli = Cli::try_parse_from([
        "backlot",
        "run",
        "--show",
        "scenes/shows/neon_club.show.ron",
        "--stage",
        "flat.stage.ron",
        "--no-layers",
    ])
    .expect("parses");
    let Command::Run(args) = cli.command else {
        panic!("not run");
    };
    assert_eq!(
        args.show.as_deref(),
        Some(std::path::Path::new("scenes/shows/neon_club.show.ron"))
    );
    assert_eq!(
        args.stage.as_deref(),
        Some(std::path::Path::new("flat.stage.ron"))
    );
    assert!(args.no_layers && args.scene.is_none());
    let plain = Cli::try_parse_from(["backlot", "run"]).expect("parses");
    let Command::Run(args) = plain.command else {
        panic!("not run");
    };
    assert!(args.show.is_none());
    assert!(Cli::try_parse_from(["backlot", "run", "--show"]).is_err());
}
