//! Memory of the process cache with N cached processes (bench/run uses it): fills a ProcessCache
//! with realistic `Process` messages and prints the resident-set growth.
use auspex_agent::process_cache::ProcessCache;
use auspex_events::tetragon::Process;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let before = rss_kib();
    let mut cache = ProcessCache::new(n as usize * 2);
    for pid in 1..=n {
        let p = Process {
            exec_id: auspex_events::process_id::exec_id(
                "bench-node",
                1_000_000_000 + u64::from(pid),
                pid,
            ),
            pid: Some(pid),
            uid: Some(1000),
            cwd: "/home/user/src/project".into(),
            binary: "/usr/bin/some-typical-binary".into(),
            arguments: format!("--flag value --other {pid} /path/to/a/file.txt"),
            flags: "execve clone".into(),
            start_time: Some(prost_types::Timestamp {
                seconds: 1_795_000_000,
                nanos: 1,
            }),
            auid: Some(1000),
            parent_exec_id: auspex_events::process_id::exec_id("bench-node", 1, 1),
            tid: Some(pid),
            in_init_tree: Some(false),
            ..Default::default()
        };
        cache.insert((pid, 1_000_000_000 + u64::from(pid)), Some((1, 1)), p);
    }
    let after = rss_kib();
    println!("{n} {} {}", cache.len(), after.saturating_sub(before));
}
