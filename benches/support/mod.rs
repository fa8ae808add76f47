//! Shared by the benchmarks: run a child process to completion while sampling its peak
//! resident set; sizes from the environment; percentiles.
// Each benchmark uses a part of this module.
#![allow(dead_code)]

use std::process::Child;
use std::time::Duration;

/// A size from the environment (e.g. `BENCH_EMAILS=1000`), else `default`.
pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The `p` quantile (0–1) of sorted durations.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// Peak resident set of a running process (VmHWM), in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Waits for `child`, asserting success (`what` names it in the failure); returns its peak
/// RSS in KiB, read from /proc every 20 ms while it runs.
pub fn wait_with_peak_rss(mut child: Child, what: &str) -> u64 {
    let mut peak = 0;
    loop {
        if let Some(kib) = peak_rss_kib(child.id()) {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "{what} failed: {status}");
            return peak;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
