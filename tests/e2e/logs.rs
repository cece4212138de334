//! `run --log-dir`: warnings and errors also land in a log file that outlives the terminal;
//! info stays out of it.

use std::net::UdpSocket;

use crate::support::{backlot, free_tcp, free_udp, run, temp_dir, text};

#[test]
fn errors_reach_the_log_file_and_info_does_not() {
    let dir = temp_dir("logs");
    let logs = dir.join("logs");
    // Held here, so backlot cannot listen on it: an error it reports, then runs on.
    let taken = UdpSocket::bind("127.0.0.1:0").expect("udp");
    let osc_port = taken.local_addr().expect("addr").port();
    let out = run(backlot()
        .args(["run", "--headless", "--no-render", "--no-layers"])
        .args(["--max-frames", "300", "--size", "160x90", "--log-dir"])
        .arg(&logs)
        .args(["--osc-port", &osc_port.to_string()])
        .args(["--osc-tcp-port", &free_tcp().to_string()])
        .args(["--oscquery-port", &free_tcp().to_string()])
        .args(["--artnet-port", &free_udp().to_string()])
        .args(["--sacn-port", &free_udp().to_string()]));
    let terminal = text(&out);
    assert!(out.status.success(), "{terminal}");
    assert!(
        terminal.contains("running without rendering"),
        "info reaches the terminal: {terminal}"
    );
    let files: Vec<_> = std::fs::read_dir(&logs)
        .expect("the log folder was created")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("backlot.") && n.ends_with(".log"))
        })
        .collect();
    assert_eq!(files.len(), 1, "one file for today: {files:?}");
    let log = std::fs::read_to_string(&files[0]).expect("log file");
    assert!(
        log.contains("OSC (udp) cannot listen on") && log.contains(&format!("(port {osc_port})")),
        "the error is in the file:\n{log}\n--- terminal:\n{terminal}"
    );
    assert!(!log.contains("running without rendering"), "{log}");
    // Every line at the margin is one event, and each is a warning or an error.
    for line in log.lines().filter(|l| !l.starts_with(' ')) {
        assert!(
            line.contains(" WARN ") || line.contains(" ERROR "),
            "not a warning or an error: {line}"
        );
    }
    drop(taken);
}

#[test]
fn an_unwritable_log_folder_costs_one_warning_not_the_show() {
    let dir = temp_dir("logs-unwritable");
    let file = dir.join("a-file");
    std::fs::write(&file, "not a folder").expect("file");
    let out = run(backlot()
        .args(["run", "--headless", "--no-render", "--no-layers"])
        .args(["--max-frames", "30", "--size", "160x90", "--log-dir"])
        .arg(file.join("logs"))
        .args(["--osc-port", &free_udp().to_string()])
        .args(["--osc-tcp-port", &free_tcp().to_string()])
        .args(["--oscquery-port", &free_tcp().to_string()])
        .args(["--artnet-port", &free_udp().to_string()])
        .args(["--sacn-port", &free_udp().to_string()]));
    let terminal = text(&out);
    assert!(out.status.success(), "{terminal}");
    assert_eq!(terminal.matches("no log file in").count(), 1, "{terminal}");
}
