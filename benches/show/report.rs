//! The show bench's figures: order statistics of frame times and the rows it prints.

use super::TARGET_US;

#[derive(Clone, Copy)]
pub(crate) struct Stats {
    pub(crate) median: f64,
    pub(crate) p99: f64,
    pub(crate) mean: f64,
    pub(crate) n: usize,
}

pub(crate) fn stats(samples: &[f64]) -> Stats {
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n == 0 {
        return Stats {
            median: f64::NAN,
            p99: f64::NAN,
            mean: f64::NAN,
            n,
        };
    }
    let at = |q: f64| s[((n - 1) as f64 * q).round() as usize];
    Stats {
        median: at(0.5),
        p99: at(0.99),
        mean: s.iter().sum::<f64>() / n as f64,
        n,
    }
}

pub(crate) fn row(what: &str, s: Stats, base: Stats) {
    println!(
        "  {what:<44} {:>8.1} {:>8.1} {:>8.1}   {:>+8.1} {:>+8.1} {:>+8.1}   {:>6.2}x  ({} frames)",
        s.median,
        s.p99,
        s.mean,
        s.median - base.median,
        s.p99 - base.p99,
        s.mean - base.mean,
        s.median / base.median,
        s.n
    );
}

pub(crate) fn verdict(what: &str, s: Stats, base: Stats) {
    let judge = |added: f64| {
        if added < TARGET_US { "within" } else { "OVER" }
    };
    let (median, p99) = (s.median - base.median, s.p99 - base.p99);
    println!(
        "  {what}: {median:.1} us added at the median ({} target), {p99:.1} us at p99 ({} target)",
        judge(median),
        judge(p99)
    );
}

pub(crate) fn alone(what: &str, s: Option<Stats>) {
    match s {
        Some(s) => println!(
            "  {what:<44} {:>8.1} {:>8.1} {:>8.1}   ({} runs)",
            s.median, s.p99, s.mean, s.n
        ),
        None => println!("  {what:<44} not measured (no show)"),
    }
}
