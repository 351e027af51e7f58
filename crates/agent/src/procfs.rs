//! Discovery of the processes that were running before the agent started, from /proc. Every
//! field is optional in practice (processes exit while we read them); unreadable parts are left
//! empty, never a panic.
use std::path::{Path, PathBuf};

use auspex_bpf::abi::{Creds, Namespaces};

/// A process as seen in /proc.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcProcess {
    /// Host tgid.
    pub pid: u32,
    /// Parent tgid.
    pub ppid: u32,
    /// Start time in boot-time ns (starttime ticks × 1e9 / CLK_TCK), Tetragon's procFS ktime.
    pub ktime: u64,
    /// Pid in its own pid namespace.
    pub nspid: u32,
    /// Executable path (`[comm]` for kernel threads).
    pub binary: String,
    /// argv including argv[0].
    pub argv: Vec<Vec<u8>>,
    /// Working directory.
    pub cwd: String,
    /// Credentials and capability sets.
    pub creds: Creds,
    /// Audit login uid.
    pub auid: u32,
    /// Namespace inode numbers.
    pub ns: Namespaces,
    /// A kernel thread.
    pub kernel_thread: bool,
}

const PF_KTHREAD: u64 = 0x0020_0000;

fn clk_tck() -> u64 {
    nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .filter(|v| *v > 0)
        .map(|v| v as u64)
        .unwrap_or(100)
}

/// Reads every process under `procfs`.
pub fn scan(procfs: &Path) -> Vec<ProcProcess> {
    let tck = clk_tck();
    let Ok(dir) = std::fs::read_dir(procfs) else {
        return Vec::new();
    };
    let mut out: Vec<ProcProcess> = dir
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter_map(|pid| read_process(procfs, pid, tck))
        .collect();
    // Parents first (by start time), so the cache can link children as it goes.
    out.sort_by_key(|p| (p.ktime, p.pid));
    out
}

/// Parsed `/proc/PID/stat` fields we use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    /// Parent pid (field 4).
    pub ppid: u32,
    /// Task flags (field 9).
    pub flags: u64,
    /// Start time in clock ticks since boot (field 22).
    pub starttime: u64,
}

/// Parses `/proc/PID/stat` content; the comm field may contain spaces and parentheses.
pub fn parse_stat(content: &str) -> Option<Stat> {
    let rest = &content[content.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // f[0] is field 3 (state).
    Some(Stat {
        ppid: f.get(1)?.parse().ok()?,
        flags: f.get(6)?.parse().ok()?,
        starttime: f.get(19)?.parse().ok()?,
    })
}

fn comm_of(content: &str) -> &str {
    match (content.find('('), content.rfind(')')) {
        (Some(a), Some(b)) if b > a => &content[a + 1..b],
        _ => "",
    }
}

fn status_fields(status: &str, key: &str) -> Vec<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .map(|v| {
            v.split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

fn status_hex(status: &str, key: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .unwrap_or(0)
}

/// Inode number of a namespace link target like `net:[4026531840]`.
pub fn ns_inode(link: &str) -> Option<u32> {
    link.rsplit_once('[')?.1.strip_suffix(']')?.parse().ok()
}

/// Namespace inodes of a process directory (`/proc/PID` or `/proc/self`).
pub fn read_namespaces(dir: &Path) -> Namespaces {
    let ns = |name: &str| -> u32 {
        std::fs::read_link(dir.join("ns").join(name))
            .ok()
            .and_then(|l| l.to_str().and_then(ns_inode))
            .unwrap_or(0)
    };
    Namespaces {
        uts: ns("uts"),
        ipc: ns("ipc"),
        mnt: ns("mnt"),
        pid: ns("pid"),
        pid_for_children: ns("pid_for_children"),
        net: ns("net"),
        time: ns("time"),
        time_for_children: ns("time_for_children"),
        cgroup: ns("cgroup"),
        user: ns("user"),
    }
}

/// Namespaces of the host: those of pid 1, and for any pid 1 does not let us read (some init
/// systems and sandboxes hide them), the agent's own, since the agent runs in the host's.
pub fn host_namespaces(procfs: &Path) -> Namespaces {
    let init = read_namespaces(&procfs.join("1"));
    let own = read_namespaces(&procfs.join("self"));
    let pick = |a: u32, b: u32| if a != 0 { a } else { b };
    Namespaces {
        uts: pick(init.uts, own.uts),
        ipc: pick(init.ipc, own.ipc),
        mnt: pick(init.mnt, own.mnt),
        pid: pick(init.pid, own.pid),
        pid_for_children: pick(init.pid_for_children, own.pid_for_children),
        net: pick(init.net, own.net),
        time: pick(init.time, own.time),
        time_for_children: pick(init.time_for_children, own.time_for_children),
        cgroup: pick(init.cgroup, own.cgroup),
        user: pick(init.user, own.user),
    }
}

/// Reads one process; `None` when it vanished or is not a thread-group leader.
pub fn read_process(procfs: &Path, pid: u32, clk_tck: u64) -> Option<ProcProcess> {
    let dir: PathBuf = procfs.join(pid.to_string());
    let stat_raw = std::fs::read_to_string(dir.join("stat")).ok()?;
    let stat = parse_stat(&stat_raw)?;
    let status = std::fs::read_to_string(dir.join("status")).unwrap_or_default();
    let tgid = status_fields(&status, "Tgid:");
    if tgid.first().is_some_and(|t| *t != pid as u64) {
        return None;
    }
    let kernel_thread = stat.flags & PF_KTHREAD != 0;
    let binary = match std::fs::read_link(dir.join("exe")) {
        Ok(p) => p.to_string_lossy().into_owned(),
        Err(_) => format!("[{}]", comm_of(&stat_raw)),
    };
    let argv = std::fs::read(dir.join("cmdline"))
        .map(|raw| {
            raw.split(|b| *b == 0)
                .map(<[u8]>::to_vec)
                .collect::<Vec<_>>()
        })
        .map(|mut v| {
            if v.last().is_some_and(|a| a.is_empty()) {
                v.pop();
            }
            v
        })
        .unwrap_or_default();
    let cwd = std::fs::read_link(dir.join("cwd"))
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "/".to_string());
    let uids = status_fields(&status, "Uid:");
    let gids = status_fields(&status, "Gid:");
    let id = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0) as u32;
    let creds = Creds {
        uid: id(&uids, 0),
        euid: id(&uids, 1),
        suid: id(&uids, 2),
        fsuid: id(&uids, 3),
        gid: id(&gids, 0),
        egid: id(&gids, 1),
        sgid: id(&gids, 2),
        fsgid: id(&gids, 3),
        cap_inheritable: status_hex(&status, "CapInh:"),
        cap_permitted: status_hex(&status, "CapPrm:"),
        cap_effective: status_hex(&status, "CapEff:"),
        ..Creds::default()
    };
    let auid = std::fs::read_to_string(dir.join("loginuid"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(u32::MAX);
    let nspid = status_fields(&status, "NSpid:")
        .last()
        .map(|v| *v as u32)
        .unwrap_or(pid);
    let ns = read_namespaces(&dir);
    Some(ProcProcess {
        pid,
        ppid: stat.ppid,
        ktime: stat
            .starttime
            .saturating_mul(1_000_000_000 / clk_tck.max(1)),
        nspid,
        binary,
        argv,
        cwd,
        creds,
        auid,
        ns,
        kernel_thread,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_spaces_and_parens_in_comm() {
        let s = "1234 (a b) c)) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 98765 1000 100 18446744073709551615";
        let st = parse_stat(s).expect("parses");
        assert_eq!(st.ppid, 1);
        assert_eq!(st.flags, 4194560);
        assert_eq!(st.starttime, 98765);
        assert_eq!(comm_of(s), "a b) c)");
    }

    #[test]
    fn truncated_stat_is_none() {
        assert_eq!(parse_stat("12 (x) S 1 2"), None);
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn namespace_link_inode() {
        assert_eq!(ns_inode("net:[4026531840]"), Some(4026531840));
        assert_eq!(ns_inode("net:4026531840"), None);
    }

    /// A procfs of malformed entries: the scan keeps what parses (with fallbacks for the
    /// optional files), skips the rest, and never panics.
    #[test]
    fn malformed_entries_are_skipped_or_defaulted() {
        let root = tempfile::tempdir().expect("tempdir");
        let proc = |pid: &str, files: &[(&str, &[u8])]| {
            let d = root.path().join(pid);
            std::fs::create_dir(&d).expect("mkdir");
            for (name, content) in files {
                std::fs::write(d.join(name), content).expect("write");
            }
        };
        let stat = |pid: u32, start: u64| {
            format!("{pid} (sh) S 1 {pid} {pid} 0 -1 4194560 0 0 0 0 1 2 0 0 20 0 1 0 {start} 1 1")
        };
        // Good stat; garbage in every optional file, no exe/cwd/ns links.
        proc(
            "10",
            &[
                ("stat", stat(10, 500).as_bytes()),
                (
                    "status",
                    b"Tgid:\t10\nUid:\t-1 x 99999999999999999999\nCapEff:\tzz\nNSpid:\t\n",
                ),
                ("cmdline", b"a\0\xff\xfeb\0"),
                ("loginuid", b"not a number"),
            ],
        );
        // Parsed, even with only a stat file.
        proc("11", &[("stat", stat(11, 100).as_bytes())]);
        for (pid, content) in [
            ("12", "12 (x) S 1 2".to_string()),                 // truncated
            ("13", "13 (no closing paren S 1 2 3".to_string()), // no ')'
            ("14", stat(14, 1).replace(" 1 ", " 99999999999999999999 ")), // ppid overflows
            ("15", String::new()),                              // empty
        ] {
            proc(pid, &[("stat", content.as_bytes())]);
        }
        proc("16", &[("stat", b"16 (\xff\xfe) S 1 \xff")]); // not UTF-8
        proc(
            "17",
            &[("stat", stat(17, 1).as_bytes()), ("status", b"Tgid:\t99\n")],
        ); // a thread of 99
        proc("self", &[("stat", b"garbage")]);
        proc("18", &[]); // no stat at all
        let got = scan(root.path());
        let pids: Vec<u32> = got.iter().map(|p| p.pid).collect();
        assert_eq!(pids, vec![11, 10], "parsed ones, by start time");
        let p10 = &got[1];
        assert_eq!(p10.binary, "[sh]", "no exe link: the comm in brackets");
        assert_eq!(p10.argv, vec![b"a".to_vec(), b"\xff\xfeb".to_vec()]);
        assert_eq!(p10.cwd, "/");
        assert_eq!(p10.auid, u32::MAX, "unparsable loginuid: unset");
        assert_eq!(p10.creds.cap_effective, 0);
        assert_eq!(p10.nspid, 10, "empty NSpid: the pid");
        assert_eq!(p10.ppid, 1);
    }

    #[test]
    fn reads_own_process() {
        let me = std::process::id();
        let p = read_process(Path::new("/proc"), me, clk_tck()).expect("self is readable");
        assert_eq!(p.pid, me);
        assert!(p.binary.starts_with('/'), "binary {}", p.binary);
        assert!(!p.argv.is_empty());
        assert!(p.ktime > 0);
        assert_ne!(p.ns.mnt, 0);
    }
}
