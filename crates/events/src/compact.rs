//! Compact one-line rendering of events, as `tetra getevents -o compact` prints them.
//!
//! [`compact_line`] turns one [`GetEventsResponse`] into
//! `<emoji> <word> <source> <binary> <details>`:
//!
//! * the emoji and word name the event (`🚀 process`, `💥 exit`, `📬 open`, …); the word is
//!   left-aligned in 7 columns (`format!("{emoji} {word:<7}")`, longer words are not cut);
//! * `<source>` is `<pod namespace>/<pod name>` when the process has a pod, else the event's
//!   `node_name`; `<binary>` is the process binary;
//! * `<details>` depend on the event and, for kprobes, on the hooked function (after dropping an
//!   `__x64_`, `__arm64_` or `__ia32_` syscall prefix): see the table in the Tetragon reference
//!   (§3) and the tests of this module;
//! * when the process has `CAP_SYS_ADMIN` "effective" the line is padded towards column 120 and
//!   `🛑 CAP_SYS_ADMIN` appended.
//!
//! Details that are byte-for-byte Tetragon's and easy to get wrong:
//!
//! * **The CAP_SYS_ADMIN quirk.** Tetragon walks the *indices* of `cap.effective`, not its
//!   values, so the marker is printed when the effective list has more than 21 entries
//!   (index 21 = `CAP_SYS_ADMIN`), whatever the entries are.
//! * **Padding.** The marker is right-aligned in a field of `120 - len(line)` *characters*
//!   after one space, where `len(line)` counts *bytes* (emoji count 3–4, and color escape codes
//!   count too); a line of 120 bytes or more gets just the space.
//! * **Colors** (`CompactOptions::color`): the event word is blue (red for `throttle`), the source
//!   green, the binary magenta, the details cyan, an exit status/signal red, a loader path yellow.
//!   Some details are printed without color exactly where Tetragon does so (setns namespace,
//!   `tcp_sendmsg` byte count, names of unhandled kprobes, tracepoints, uprobes, usdts and LSM
//!   hooks). Colors wrap even empty strings (`ESC[36mESC[0m`), and the CAP marker is always
//!   magenta-wrapped, so with colors every line that has a process is padded towards column 120,
//!   ending with an empty `ESC[35mESC[0m` when the process lacks `CAP_SYS_ADMIN`.
//! * **Quoting.** Strings that come from the monitored system (source, binary, file paths, string
//!   arguments, uprobe/usdt paths and symbols, BPF program/map names, cgroup paths) are printed
//!   Go-quoted (`strconv.Quote`) when they contain a space or a non-printable character. Process
//!   `arguments` are already a quoted argv join; they are quoted only when they contain a
//!   non-printable character (so a terminal escape sequence in argv cannot reach the terminal).
//! * **Timestamps** (`CompactOptions::timestamps`): the line is prefixed with the event time as
//!   RFC 3339 UTC with exactly 9 fractional digits and a space (`1970-01-01T00:00:00.000000000Z`
//!   for an event without time).
//!
//! `raw_syscalls/sys_enter` tracepoints decode the syscall id (first argument: `long_arg`,
//! `syscall_id`, or any other integer argument) with the name tables at the end of this module
//! (`x64`, `i386`, `arm64` ABIs) and print `name(type arg=value, …)` from the following
//! `size_arg` arguments (pointers in hex, `?` when an argument is missing). A syscall of an ABI
//! other than the build target's (x86_64: `x64`, aarch64: `arm64`) is printed `abi/name`, without
//! arguments; an unknown id prints `unknown`.
//!
//! Events without a process (other than `process_throttle`), `rate_limit_info` events and empty
//! events have no compact form ([`compact_line`] returns `None`); `test` events print
//! `TEST EVENT`. Kernel/user stack traces and the LSM IMA hash, which Tetragon prints on lines of
//! their own after the event line, come from [`compact_extra_lines`].

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::tetragon::get_events_response::Event;
use crate::tetragon::kprobe_argument::Arg;
use crate::tetragon::{
    GetEventsResponse, KprobeArgument, KprobeSock, Process, ProcessKprobe, ProcessTracepoint,
    StackTraceEntry, ThrottleType,
};
use crate::time::{Timestamp, format_rfc3339, timestamp_from_unix_nanos, timestamp_to_unix_nanos};

/// How [`compact_line`] renders an event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CompactOptions {
    /// ANSI colors (`--color always`).
    pub color: bool,
    /// Prefix the line with the event time (`--timestamps`).
    pub timestamps: bool,
}

/// Column towards which the CAP_SYS_ADMIN marker is right-aligned.
const CAPS_PAD: usize = 120;
/// The marker printed for processes with CAP_SYS_ADMIN (see the module docs for the quirk).
const CAP_SYS_ADMIN_MARKER: &str = "🛑 CAP_SYS_ADMIN";
/// `CapabilitiesType::CapSysAdmin`.
const CAP_SYS_ADMIN: usize = 21;

/// The compact line of `ev` (without a trailing newline), or `None` when the event has no
/// compact form (see the module docs).
pub fn compact_line(ev: &GetEventsResponse, opts: &CompactOptions) -> Option<String> {
    let p = Painter { on: opts.color };
    let line = render(ev, p)?;
    if opts.timestamps {
        let mut out = timestamp_9(ev.time.as_ref());
        out.push(' ');
        out.push_str(&line);
        Some(out)
    } else {
        Some(line)
    }
}

/// The lines Tetragon prints after an event's compact line (each ending in `\n`; empty when
/// there are none): the kprobe kernel stack trace (`Kernel:` then `   0x<addr>: <symbol>+0x<off>`)
/// and user stack trace (`User:` then `   0x<addr>: <symbol> (<module>+0x<off>)`), and the IMA
/// hash of LSM events (`   <path> <hash>`).
pub fn compact_extra_lines(ev: &GetEventsResponse, opts: &CompactOptions) -> String {
    let p = Painter { on: opts.color };
    let mut out = String::new();
    match &ev.event {
        Some(Event::ProcessKprobe(k)) => {
            stack_trace(&mut out, p, "Kernel:", &k.kernel_stack_trace, false);
            stack_trace(&mut out, p, "User:", &k.user_stack_trace, true);
        }
        Some(Event::ProcessLsm(l)) if !l.ima_hash.is_empty() => {
            let path = match l.function_name.as_str() {
                "bprm_check_security"
                | "bprm_committed_creds"
                | "bprm_committing_creds"
                | "bprm_creds_for_exec"
                | "bprm_creds_from_file" => match arg(&l.args, 0) {
                    Some(Arg::LinuxBinprmArg(b)) => b.path.as_str(),
                    _ => "",
                },
                "file_ioctl" | "file_lock" | "file_open" | "file_post_open" | "file_receive"
                | "mmap_file" => file_path(&l.args, 0).unwrap_or(""),
                _ => "",
            };
            if !path.is_empty() {
                out.push_str(&p.paint(Color::Green, &format!("   {}", maybe_quote(path))));
                out.push_str(&p.paint(Color::Blue, &format!(" {}\n", l.ima_hash)));
            }
        }
        _ => {}
    }
    out
}

fn stack_trace(out: &mut String, p: Painter, title: &str, trace: &[StackTraceEntry], user: bool) {
    if trace.is_empty() {
        return;
    }
    out.push_str(title);
    out.push('\n');
    for st in trace {
        out.push_str(&p.paint(Color::Green, &format!("   0x{:x}:", st.address)));
        if user {
            if !st.symbol.is_empty() {
                out.push_str(&p.paint(Color::Blue, &format!(" {}", st.symbol)));
            }
            out.push_str(&p.paint(
                Color::Yellow,
                &format!(" ({}+0x{:x})\n", st.module, st.offset),
            ));
        } else {
            out.push_str(&p.paint(Color::Blue, &format!(" {}", st.symbol)));
            out.push('+');
            out.push_str(&p.paint(Color::Yellow, &format!("0x{:x}\n", st.offset)));
        }
    }
}

/// `2006-01-02T15:04:05.000000000Z` (always 9 fractional digits, UTC).
fn timestamp_9(ts: Option<&Timestamp>) -> String {
    let ts = ts
        .map(|t| timestamp_from_unix_nanos(timestamp_to_unix_nanos(t)))
        .unwrap_or_default();
    let whole = format_rfc3339(&Timestamp {
        seconds: ts.seconds,
        nanos: 0,
    });
    let base = whole.strip_suffix('Z').unwrap_or(&whole);
    format!("{base}.{:09}Z", ts.nanos)
}

/// ANSI foreground colors (SGR codes).
#[derive(Debug, Clone, Copy)]
enum Color {
    Red = 31,
    Green = 32,
    Yellow = 33,
    Blue = 34,
    Magenta = 35,
    Cyan = 36,
}

/// Colors text when enabled; like Tetragon's color library it wraps empty strings too.
#[derive(Debug, Clone, Copy)]
struct Painter {
    on: bool,
}

impl Painter {
    fn paint(self, c: Color, s: &str) -> String {
        if self.on {
            format!("\x1b[{}m{s}\x1b[0m", c as u8)
        } else {
            s.to_owned()
        }
    }

    /// The event column: `<emoji> <word>` with the word padded to 7 columns.
    fn event(self, c: Color, emoji: &str, word: &str) -> String {
        self.paint(c, &format!("{emoji} {word:<7}"))
    }
}

/// `<source> <binary>` and the (possibly empty, possibly colored) CAP marker of a process.
struct ProcessInfo {
    info: String,
    caps: String,
}

fn process_info(p: Painter, node_name: &str, process: &Process) -> ProcessInfo {
    let source = match &process.pod {
        Some(pod) => format!("{}/{}", pod.namespace, pod.name),
        None => node_name.to_owned(),
    };
    let source = p.paint(Color::Green, &maybe_quote(&source));
    let binary = p.paint(Color::Magenta, &maybe_quote(&process.binary));
    // Tetragon iterates the indices of the effective set (see the module docs).
    let sys_admin = process
        .cap
        .as_ref()
        .is_some_and(|c| c.effective.len() > CAP_SYS_ADMIN);
    let caps = p.paint(
        Color::Magenta,
        if sys_admin { CAP_SYS_ADMIN_MARKER } else { "" },
    );
    ProcessInfo {
        info: format!("{source} {binary}"),
        caps,
    }
}

/// Appends the CAP marker: one space, then the marker right-aligned in `120 - len(line)`
/// characters (`len` in bytes, as Go's `len`).
fn cap_trailer(line: String, caps: &str) -> String {
    if caps.is_empty() {
        return line;
    }
    let width = CAPS_PAD.saturating_sub(line.len());
    let pad = width.saturating_sub(caps.chars().count());
    let mut out = line;
    out.reserve(1 + pad + caps.len());
    out.push(' ');
    out.extend(std::iter::repeat_n(' ', pad));
    out.push_str(caps);
    out
}

fn render(ev: &GetEventsResponse, p: Painter) -> Option<String> {
    let node = ev.node_name.as_str();
    let (line, caps) = match ev.event.as_ref()? {
        Event::Test(_) => return Some("TEST EVENT".to_owned()),
        Event::RateLimitInfo(_) => return None,
        Event::ProcessThrottle(t) => {
            let event = p.event(Color::Red, "🧬", "throttle");
            let typ = match ThrottleType::try_from(t.r#type) {
                Ok(ThrottleType::ThrottleStart) => p.paint(Color::Red, "START"),
                Ok(ThrottleType::ThrottleStop) => p.paint(Color::Green, "STOP "),
                _ => String::new(),
            };
            return Some(format!("{event} {typ} {}", maybe_quote(&t.cgroup)));
        }
        Event::ProcessExec(e) => {
            let pi = process_info(p, node, e.process.as_ref()?);
            let args = p.paint(
                Color::Cyan,
                &quote_nonprintable(&e.process.as_ref()?.arguments),
            );
            let event = p.event(Color::Blue, "🚀", "process");
            (format!("{event} {} {args}", pi.info), pi.caps)
        }
        Event::ProcessExit(e) => {
            let process = e.process.as_ref()?;
            let pi = process_info(p, node, process);
            let args = p.paint(Color::Cyan, &quote_nonprintable(&process.arguments));
            let status = if e.signal.is_empty() {
                p.paint(Color::Red, &e.status.to_string())
            } else {
                p.paint(Color::Red, &e.signal)
            };
            let event = p.event(Color::Blue, "💥", "exit");
            (format!("{event} {} {args} {status}", pi.info), pi.caps)
        }
        Event::ProcessLoader(l) => {
            let pi = process_info(p, node, l.process.as_ref()?);
            let mut buildid = String::with_capacity(l.buildid.len() * 2 + 1);
            for b in &l.buildid {
                let _ = write!(buildid, "{b:02x}");
            }
            if !buildid.is_empty() {
                buildid.push(' ');
            }
            let path = p.paint(Color::Yellow, &maybe_quote(&l.path));
            let event = p.event(Color::Blue, "🧬", "loader");
            (format!("{event} {} {buildid}{path}", pi.info), pi.caps)
        }
        Event::ProcessKprobe(k) => {
            let pi = process_info(p, node, k.process.as_ref()?);
            (kprobe(p, k, &pi.info), pi.caps)
        }
        Event::ProcessTracepoint(t) => {
            let pi = process_info(p, node, t.process.as_ref()?);
            let line = if t.subsys == "raw_syscalls" && t.event == "sys_enter" {
                let event = p.event(Color::Blue, "☎ ", "syscall");
                format!("{event} {} {}", pi.info, raw_syscall_enter(t))
            } else {
                let event = p.event(Color::Blue, "⁉️", "tracepoint");
                format!("{event} {} {} {}", pi.info, t.subsys, t.event)
            };
            (line, pi.caps)
        }
        Event::ProcessUprobe(u) => {
            let pi = process_info(p, node, u.process.as_ref()?);
            let event = p.event(Color::Blue, "🕵️", "uprobe");
            let line = format!(
                "{event} {} {} {}",
                pi.info,
                maybe_quote(&u.path),
                maybe_quote(&u.symbol)
            );
            (line, pi.caps)
        }
        Event::ProcessUsdt(u) => {
            let pi = process_info(p, node, u.process.as_ref()?);
            let event = p.event(Color::Blue, "🕵️", "usdt");
            let line = format!(
                "{event} {} {} {} {}",
                pi.info,
                maybe_quote(&u.path),
                maybe_quote(&u.provider),
                maybe_quote(&u.name)
            );
            (line, pi.caps)
        }
        Event::ProcessLsm(l) => {
            let pi = process_info(p, node, l.process.as_ref()?);
            let event = p.event(Color::Blue, "🔒", "LSM");
            (format!("{event} {} {}", pi.info, l.function_name), pi.caps)
        }
    };
    Some(cap_trailer(line, &caps))
}

/// Drops the architecture prefix of a syscall symbol (`__x64_sys_write` → `sys_write`).
fn cut_syscall_prefix(name: &str) -> &str {
    ["__x64_", "__arm64_", "__ia32_"]
        .iter()
        .find_map(|prefix| name.strip_prefix(prefix))
        .unwrap_or(name)
}

fn arg(args: &[KprobeArgument], i: usize) -> Option<&Arg> {
    args.get(i).and_then(|a| a.arg.as_ref())
}

fn file_path(args: &[KprobeArgument], i: usize) -> Option<&str> {
    match arg(args, i) {
        Some(Arg::FileArg(f)) => Some(&f.path),
        _ => None,
    }
}

fn string_arg(args: &[KprobeArgument], i: usize) -> &str {
    match arg(args, i) {
        Some(Arg::StringArg(s)) => s,
        _ => "",
    }
}

fn int_arg(args: &[KprobeArgument], i: usize) -> i32 {
    match arg(args, i) {
        Some(Arg::IntArg(v)) => *v,
        _ => 0,
    }
}

fn tcp_tuple(args: &[KprobeArgument]) -> String {
    let default = KprobeSock::default();
    let s = match arg(args, 0) {
        Some(Arg::SockArg(s)) => s,
        _ => &default,
    };
    format!("tcp {}:{} -> {}:{}", s.saddr, s.sport, s.daddr, s.dport)
}

/// Name of a `setns` namespace type (`CLONE_NEW*`, 0 = any); empty when unknown.
fn namespace_name(nstype: i32) -> &'static str {
    match nstype {
        0 => "any",
        0x0200_0000 => "cgroup",
        0x0800_0000 => "ipc",
        0x4000_0000 => "net",
        0x0002_0000 => "mnt",
        0x2000_0000 => "pid",
        0x80 => "time",
        0x1000_0000 => "user",
        0x0400_0000 => "uts",
        _ => "",
    }
}

fn kprobe(p: Painter, k: &ProcessKprobe, pi: &str) -> String {
    let args = k.args.as_slice();
    let cyan = |s: &str| p.paint(Color::Cyan, s);
    let blue = |emoji: &str, word: &str| p.event(Color::Blue, emoji, word);
    // `<event> <source> <binary> <details>`.
    let line = |event: String, details: &str| format!("{event} {pi} {details}");
    let file_at = |i: usize| {
        file_path(args, i)
            .map(|f| cyan(&maybe_quote(f)))
            .unwrap_or_default()
    };
    match cut_syscall_prefix(&k.function_name) {
        name @ ("sys_write" | "sys_read") => {
            let event = if name == "sys_write" {
                blue("📝", "write")
            } else {
                blue("📚", "read")
            };
            let bytes = if args.len() > 2 {
                let n = match arg(args, 2) {
                    Some(Arg::SizeArg(n)) => *n,
                    _ => 0,
                };
                cyan(&format!("{n} bytes"))
            } else {
                String::new()
            };
            format!("{event} {pi} {} {bytes}", file_at(0))
        }
        "fd_install" => line(blue("📬", "open"), &file_at(1)),
        name @ ("sys_openat" | "sys_open") => {
            let word = if name == "sys_openat" {
                "openat"
            } else {
                "open"
            };
            let file = if args.len() > 1 {
                cyan(&maybe_quote(string_arg(args, 1)))
            } else {
                String::new()
            };
            line(blue("📬️", word), &file)
        }
        "sys_close" => line(blue("📪", "close"), &file_at(0)),
        name @ ("sys_mount" | "sys_pivot_root") => {
            let word = if name == "sys_mount" {
                "mount"
            } else {
                "pivot_root"
            };
            let str_at = |i: usize| {
                if args.len() > i {
                    cyan(&maybe_quote(string_arg(args, i)))
                } else {
                    String::new()
                }
            };
            format!("{} {pi} {} {}", blue("💾", word), str_at(0), str_at(1))
        }
        "sys_setuid" => {
            let uid = if args.is_empty() {
                String::new()
            } else {
                cyan(&int_arg(args, 0).to_string())
            };
            line(blue("🔑", "setuid"), &uid)
        }
        "sys_clock_settime" => format!("{} {pi}", blue("⏰", "clock_settime")),
        "proc_exec_connector" => format!("{} {pi}", blue("🔧", "proc_exec_connector")),
        "sys_setns" => {
            let ns = if args.len() > 1 {
                namespace_name(int_arg(args, 1))
            } else {
                ""
            };
            line(blue("🔧", "setns"), ns)
        }
        name @ ("tcp_connect" | "tcp_close") => {
            let event = if name == "tcp_connect" {
                blue("🔌", "connect")
            } else {
                blue("🧹", "close")
            };
            let sock = if args.is_empty() {
                String::new()
            } else {
                cyan(&tcp_tuple(args))
            };
            line(event, &sock)
        }
        "tcp_sendmsg" => {
            let sock = if args.is_empty() {
                String::new()
            } else {
                cyan(&tcp_tuple(args))
            };
            let bytes = int_arg(args, 1);
            format!("{} {pi} {sock} bytes {bytes}", blue("📤", "sendmsg"))
        }
        "bpf_check" => {
            let attr = match (args.is_empty(), arg(args, 0)) {
                (true, _) => String::new(),
                (false, Some(Arg::BpfAttrArg(a))) => cyan(&format!(
                    "{} {} instruction count {}",
                    a.prog_type,
                    maybe_quote(&a.prog_name),
                    a.insn_cnt
                )),
                (false, _) => cyan("  instruction count 0"),
            };
            line(blue("🐝", "bpf_load"), &attr)
        }
        "security_perf_event_alloc" => {
            let attr = match (args.is_empty(), arg(args, 0)) {
                (true, _) => String::new(),
                (false, Some(Arg::PerfEventArg(e))) => {
                    cyan(&format!("{} {}", e.r#type, maybe_quote(&e.kprobe_func)))
                }
                (false, _) => cyan(" "),
            };
            line(blue("🐝", "perf_event_alloc"), &attr)
        }
        "security_bpf_map_alloc" | "security_bpf_map_create" => {
            let attr = match (args.is_empty(), arg(args, 0)) {
                (true, _) => String::new(),
                (false, Some(Arg::BpfMapArg(m))) => cyan(&format!(
                    "{} {} key size {} value size {} max entries {}",
                    m.map_type,
                    maybe_quote(&m.map_name),
                    m.key_size,
                    m.value_size,
                    m.max_entries
                )),
                (false, _) => cyan("  key size 0 value size 0 max entries 0"),
            };
            line(blue("🗺", "bpf_map_create"), &attr)
        }
        "security_file_permission" => {
            if args.len() > 1 {
                let event = match int_arg(args, 1) {
                    0x02 => blue("📝", "write"),
                    0x04 => blue("📚", "read"),
                    _ => blue("❓", "security_file_permission"),
                };
                let path = file_path(args, 0).unwrap_or("");
                line(event, &cyan(&maybe_quote(path)))
            } else {
                line(blue("❓", "security_file_permission"), "")
            }
        }
        "security_mmap_file" => {
            if args.len() > 1 {
                let prot = match arg(args, 1) {
                    Some(Arg::UintArg(v)) => *v,
                    _ => 0,
                };
                let mut tag = String::from("mmap-");
                for (bit, c) in [(0x1, 'r'), (0x2, 'w'), (0x4, 'x')] {
                    if prot & bit != 0 {
                        tag.push(c);
                    }
                }
                let path = file_path(args, 0).unwrap_or("");
                line(blue("📝", &tag), &cyan(&maybe_quote(path)))
            } else {
                line(blue("❓", "security_mmap_file"), "")
            }
        }
        name @ ("security_path_truncate" | "security_file_truncate") => {
            if args.is_empty() {
                line(blue("❓", name), "")
            } else {
                let path = match arg(args, 0) {
                    Some(Arg::PathArg(p)) => p.path.as_str(),
                    Some(Arg::FileArg(f)) => f.path.as_str(),
                    _ => "",
                };
                line(blue("📝", "truncate"), &cyan(&maybe_quote(path)))
            }
        }
        _ => line(blue("❓", "syscall"), &k.function_name),
    }
}

// --- raw_syscalls/sys_enter ----------------------------------------------------------------

/// The ABI whose syscalls are printed without an `abi/` prefix: the build target's.
fn default_abi() -> Option<&'static str> {
    if cfg!(target_arch = "x86_64") {
        Some("x64")
    } else if cfg!(target_arch = "aarch64") {
        Some("arm64")
    } else {
        None
    }
}

/// The name of system call `id` of `abi` (`x64`, `i386` or `arm64`), e.g.
/// `syscall_name("x64", 257) == Some("openat")`.
pub fn syscall_name(abi: &str, id: u64) -> Option<&'static str> {
    let table = match abi {
        "x64" => X64_NAMES,
        "i386" => I386_NAMES,
        "arm64" => ARM64_NAMES,
        _ => return None,
    };
    let id = usize::try_from(id).ok()?;
    table.split(' ').nth(id).filter(|n| *n != "-")
}

/// The parameters of a system call as `type name` strings (pointer types glued to the name:
/// `const char *filename`), e.g. `openat` → `["int dfd", "const char *filename", …]`.
fn syscall_params(name: &str) -> Option<impl Iterator<Item = &'static str>> {
    PROTOTYPES.lines().find_map(|line| {
        let rest = line.strip_prefix(name)?.strip_prefix('(')?;
        let params = rest.strip_suffix(')')?;
        Some(params.split(", ").filter(|p| !p.is_empty()))
    })
}

fn raw_syscall_enter(tp: &ProcessTracepoint) -> String {
    let Some(default) = default_abi() else {
        return "unknown".to_owned();
    };
    let mut abi = default;
    let id: Option<u64> = match tp.args.first().and_then(|a| a.arg.as_ref()) {
        Some(Arg::LongArg(v)) => u64::try_from(*v).ok(),
        Some(Arg::SyscallId(s)) => {
            abi = s.abi.as_str();
            Some(u64::from(s.id))
        }
        Some(Arg::IntArg(v)) => u64::try_from(*v).ok(),
        Some(Arg::UintArg(v)) => Some(u64::from(*v)),
        Some(Arg::SizeArg(v)) => Some(*v),
        _ => None,
    };
    let Some(name) = id.and_then(|id| syscall_name(abi, id)) else {
        return "unknown".to_owned();
    };
    if abi != default {
        return format!("{abi}/{name}");
    }
    let mut out = name.to_owned();
    if let Some(params) = syscall_params(name) {
        out.push('(');
        for (j, param) in params.enumerate() {
            if j > 0 {
                out.push_str(", ");
            }
            let is_ptr = param.contains('*');
            let value = match tp.args.get(j + 1).and_then(|a| a.arg.as_ref()) {
                Some(Arg::SizeArg(v)) if is_ptr => format!("0x{v:x}"),
                Some(Arg::SizeArg(v)) => v.to_string(),
                _ => "?".to_owned(),
            };
            let _ = write!(out, "{param}={value}");
        }
        out.push(')');
    }
    out
}

// --- Go-style quoting ----------------------------------------------------------------------

/// `s` Go-quoted (`strconv.Quote`) when it contains a space or a non-printable character,
/// else `s` itself.
pub fn maybe_quote(s: &str) -> Cow<'_, str> {
    if s.chars().any(|c| c == ' ' || !is_print(c)) {
        Cow::Owned(go_quote(s))
    } else {
        Cow::Borrowed(s)
    }
}

/// `s` Go-quoted when it contains a non-printable character (spaces do not count).
fn quote_nonprintable(s: &str) -> Cow<'_, str> {
    if s.chars().all(is_print) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(go_quote(s))
    }
}

/// A double-quoted Go string literal for `s`, as Go's `strconv.Quote` writes it: `\"` and `\\`,
/// `\a \b \f \n \r \t \v`, `\xNN` for other ASCII controls and DEL, `\uNNNN` / `\UNNNNNNNN` for
/// other non-printable characters; printable characters as they are.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if is_print(c) => out.push(c),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if c < ' ' || c == '\x7f' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) < 0x1_0000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// Go's `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space.
/// Non-printable: controls (Cc), format characters (Cf), separators other than U+0020 (Zs, Zl,
/// Zp), private use (Co) and noncharacters. Unassigned code points are treated as printable
/// (this crate carries no Unicode tables).
fn is_print(c: char) -> bool {
    let u = c as u32;
    if u < 0x7f {
        return u >= 0x20;
    }
    !matches!(
        u,
        // Cc
        0x7f..=0x9f
        // Zs (except U+0020), Zl, Zp
        | 0xa0 | 0x1680 | 0x2000..=0x200a | 0x2028 | 0x2029 | 0x202f | 0x205f | 0x3000
        // Cf
        | 0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x890 | 0x891 | 0x8e2 | 0x180e
        | 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x2064 | 0x2066..=0x206f | 0xfeff
        | 0xfff9..=0xfffb | 0x110bd | 0x110cd | 0x13430..=0x1343f | 0x1bca0..=0x1bca3
        | 0x1d173..=0x1d17a | 0xe0001 | 0xe0020..=0xe007f
        // Co
        | 0xe000..=0xf8ff | 0xf_0000..=0xf_fffd | 0x10_0000..=0x10_fffd
        // noncharacters
        | 0xfdd0..=0xfdef
    ) && (u & 0xfffe) != 0xfffe
}

// --- syscall tables ------------------------------------------------------------------------
//
// Generated from the Linux UAPI headers (`asm/unistd_64.h`, `asm/unistd_32.h`,
// `asm-generic/unistd.h` configured for arm64: `__ARCH_WANT_RENAMEAT`, `__ARCH_WANT_NEW_STAT`,
// `__ARCH_WANT_SET_GET_RLIMIT`, `__ARCH_WANT_SYS_CLONE3`) and, for the prototypes, from the
// `syscalls/sys_enter_*/format` files of an x86_64 kernel's tracefs (`newstat` & co. listed
// under their syscall-table names). Names are space-separated, the n-th word is syscall n.

/// x86_64 64-bit ABI (`x64`) system call names by number, `-` for unused numbers (Linux UAPI `asm/unistd_64.h`).
const X64_NAMES: &str = "\
read write open close stat fstat lstat poll lseek mmap mprotect munmap brk rt_sigaction \
rt_sigprocmask rt_sigreturn ioctl pread64 pwrite64 readv writev access pipe select \
sched_yield mremap msync mincore madvise shmget shmat shmctl dup dup2 pause nanosleep \
getitimer alarm setitimer getpid sendfile socket connect accept sendto recvfrom sendmsg \
recvmsg shutdown bind listen getsockname getpeername socketpair setsockopt getsockopt \
clone fork vfork execve exit wait4 kill uname semget semop semctl shmdt msgget msgsnd \
msgrcv msgctl fcntl flock fsync fdatasync truncate ftruncate getdents getcwd chdir fchdir \
rename mkdir rmdir creat link unlink symlink readlink chmod fchmod chown fchown lchown \
umask gettimeofday getrlimit getrusage sysinfo times ptrace getuid syslog getgid setuid \
setgid geteuid getegid setpgid getppid getpgrp setsid setreuid setregid getgroups \
setgroups setresuid getresuid setresgid getresgid getpgid setfsuid setfsgid getsid capget \
capset rt_sigpending rt_sigtimedwait rt_sigqueueinfo rt_sigsuspend sigaltstack utime \
mknod uselib personality ustat statfs fstatfs sysfs getpriority setpriority \
sched_setparam sched_getparam sched_setscheduler sched_getscheduler \
sched_get_priority_max sched_get_priority_min sched_rr_get_interval mlock munlock \
mlockall munlockall vhangup modify_ldt pivot_root _sysctl prctl arch_prctl adjtimex \
setrlimit chroot sync acct settimeofday mount umount2 swapon swapoff reboot sethostname \
setdomainname iopl ioperm create_module init_module delete_module get_kernel_syms \
query_module quotactl nfsservctl getpmsg putpmsg afs_syscall tuxcall security gettid \
readahead setxattr lsetxattr fsetxattr getxattr lgetxattr fgetxattr listxattr llistxattr \
flistxattr removexattr lremovexattr fremovexattr tkill time futex sched_setaffinity \
sched_getaffinity set_thread_area io_setup io_destroy io_getevents io_submit io_cancel \
get_thread_area lookup_dcookie epoll_create epoll_ctl_old epoll_wait_old remap_file_pages \
getdents64 set_tid_address restart_syscall semtimedop fadvise64 timer_create \
timer_settime timer_gettime timer_getoverrun timer_delete clock_settime clock_gettime \
clock_getres clock_nanosleep exit_group epoll_wait epoll_ctl tgkill utimes vserver mbind \
set_mempolicy get_mempolicy mq_open mq_unlink mq_timedsend mq_timedreceive mq_notify \
mq_getsetattr kexec_load waitid add_key request_key keyctl ioprio_set ioprio_get \
inotify_init inotify_add_watch inotify_rm_watch migrate_pages openat mkdirat mknodat \
fchownat futimesat newfstatat unlinkat renameat linkat symlinkat readlinkat fchmodat \
faccessat pselect6 ppoll unshare set_robust_list get_robust_list splice tee \
sync_file_range vmsplice move_pages utimensat epoll_pwait signalfd timerfd_create eventfd \
fallocate timerfd_settime timerfd_gettime accept4 signalfd4 eventfd2 epoll_create1 dup3 \
pipe2 inotify_init1 preadv pwritev rt_tgsigqueueinfo perf_event_open recvmmsg \
fanotify_init fanotify_mark prlimit64 name_to_handle_at open_by_handle_at clock_adjtime \
syncfs sendmmsg setns getcpu process_vm_readv process_vm_writev kcmp finit_module \
sched_setattr sched_getattr renameat2 seccomp getrandom memfd_create kexec_file_load bpf \
execveat userfaultfd membarrier mlock2 copy_file_range preadv2 pwritev2 pkey_mprotect \
pkey_alloc pkey_free statx io_pgetevents rseq - - - - - - - - - - - - - - - - - - - - - - \
- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - \
- - - - - - - - - - - - - - - - - - - - - - pidfd_send_signal io_uring_setup \
io_uring_enter io_uring_register open_tree move_mount fsopen fsconfig fsmount fspick \
pidfd_open clone3 close_range openat2 pidfd_getfd faccessat2 process_madvise epoll_pwait2 \
mount_setattr quotactl_fd landlock_create_ruleset landlock_add_rule \
landlock_restrict_self memfd_secret process_mrelease futex_waitv set_mempolicy_home_node";

/// x86 32-bit ABI (`i386`) system call names by number, `-` for unused numbers (Linux UAPI `asm/unistd_32.h`).
const I386_NAMES: &str = "\
restart_syscall exit fork read write open close waitpid creat link unlink execve chdir \
time mknod chmod lchown break oldstat lseek getpid mount umount setuid getuid stime \
ptrace alarm oldfstat pause utime stty gtty access nice ftime sync kill rename mkdir \
rmdir dup pipe times prof brk setgid getgid signal geteuid getegid acct umount2 lock \
ioctl fcntl mpx setpgid ulimit oldolduname umask chroot ustat dup2 getppid getpgrp setsid \
sigaction sgetmask ssetmask setreuid setregid sigsuspend sigpending sethostname setrlimit \
getrlimit getrusage gettimeofday settimeofday getgroups setgroups select symlink oldlstat \
readlink uselib swapon reboot readdir mmap munmap truncate ftruncate fchmod fchown \
getpriority setpriority profil statfs fstatfs ioperm socketcall syslog setitimer \
getitimer stat lstat fstat olduname iopl vhangup idle vm86old wait4 swapoff sysinfo ipc \
fsync sigreturn clone setdomainname uname modify_ldt adjtimex mprotect sigprocmask \
create_module init_module delete_module get_kernel_syms quotactl getpgid fchdir bdflush \
sysfs personality afs_syscall setfsuid setfsgid _llseek getdents _newselect flock msync \
readv writev getsid fdatasync _sysctl mlock munlock mlockall munlockall sched_setparam \
sched_getparam sched_setscheduler sched_getscheduler sched_yield sched_get_priority_max \
sched_get_priority_min sched_rr_get_interval nanosleep mremap setresuid getresuid vm86 \
query_module poll nfsservctl setresgid getresgid prctl rt_sigreturn rt_sigaction \
rt_sigprocmask rt_sigpending rt_sigtimedwait rt_sigqueueinfo rt_sigsuspend pread64 \
pwrite64 chown getcwd capget capset sigaltstack sendfile getpmsg putpmsg vfork ugetrlimit \
mmap2 truncate64 ftruncate64 stat64 lstat64 fstat64 lchown32 getuid32 getgid32 geteuid32 \
getegid32 setreuid32 setregid32 getgroups32 setgroups32 fchown32 setresuid32 getresuid32 \
setresgid32 getresgid32 chown32 setuid32 setgid32 setfsuid32 setfsgid32 pivot_root \
mincore madvise getdents64 fcntl64 - - gettid readahead setxattr lsetxattr fsetxattr \
getxattr lgetxattr fgetxattr listxattr llistxattr flistxattr removexattr lremovexattr \
fremovexattr tkill sendfile64 futex sched_setaffinity sched_getaffinity set_thread_area \
get_thread_area io_setup io_destroy io_getevents io_submit io_cancel fadvise64 - \
exit_group lookup_dcookie epoll_create epoll_ctl epoll_wait remap_file_pages \
set_tid_address timer_create timer_settime timer_gettime timer_getoverrun timer_delete \
clock_settime clock_gettime clock_getres clock_nanosleep statfs64 fstatfs64 tgkill utimes \
fadvise64_64 vserver mbind get_mempolicy set_mempolicy mq_open mq_unlink mq_timedsend \
mq_timedreceive mq_notify mq_getsetattr kexec_load waitid - add_key request_key keyctl \
ioprio_set ioprio_get inotify_init inotify_add_watch inotify_rm_watch migrate_pages \
openat mkdirat mknodat fchownat futimesat fstatat64 unlinkat renameat linkat symlinkat \
readlinkat fchmodat faccessat pselect6 ppoll unshare set_robust_list get_robust_list \
splice sync_file_range tee vmsplice move_pages getcpu epoll_pwait utimensat signalfd \
timerfd_create eventfd fallocate timerfd_settime timerfd_gettime signalfd4 eventfd2 \
epoll_create1 dup3 pipe2 inotify_init1 preadv pwritev rt_tgsigqueueinfo perf_event_open \
recvmmsg fanotify_init fanotify_mark prlimit64 name_to_handle_at open_by_handle_at \
clock_adjtime syncfs sendmmsg setns process_vm_readv process_vm_writev kcmp finit_module \
sched_setattr sched_getattr renameat2 seccomp getrandom memfd_create bpf execveat socket \
socketpair bind connect listen accept4 getsockopt setsockopt getsockname getpeername \
sendto sendmsg recvfrom recvmsg shutdown userfaultfd membarrier mlock2 copy_file_range \
preadv2 pwritev2 pkey_mprotect pkey_alloc pkey_free statx arch_prctl io_pgetevents rseq - \
- - - - - semget semctl shmget shmctl shmat shmdt msgget msgsnd msgrcv msgctl \
clock_gettime64 clock_settime64 clock_adjtime64 clock_getres_time64 \
clock_nanosleep_time64 timer_gettime64 timer_settime64 timerfd_gettime64 \
timerfd_settime64 utimensat_time64 pselect6_time64 ppoll_time64 - io_pgetevents_time64 \
recvmmsg_time64 mq_timedsend_time64 mq_timedreceive_time64 semtimedop_time64 \
rt_sigtimedwait_time64 futex_time64 sched_rr_get_interval_time64 pidfd_send_signal \
io_uring_setup io_uring_enter io_uring_register open_tree move_mount fsopen fsconfig \
fsmount fspick pidfd_open clone3 close_range openat2 pidfd_getfd faccessat2 \
process_madvise epoll_pwait2 mount_setattr quotactl_fd landlock_create_ruleset \
landlock_add_rule landlock_restrict_self memfd_secret process_mrelease futex_waitv \
set_mempolicy_home_node";

/// arm64 (`arm64`) system call names by number, `-` for unused numbers (Linux UAPI `asm-generic/unistd.h` as configured for arm64).
const ARM64_NAMES: &str = "\
io_setup io_destroy io_submit io_cancel io_getevents setxattr lsetxattr fsetxattr \
getxattr lgetxattr fgetxattr listxattr llistxattr flistxattr removexattr lremovexattr \
fremovexattr getcwd lookup_dcookie eventfd2 epoll_create1 epoll_ctl epoll_pwait dup dup3 \
fcntl inotify_init1 inotify_add_watch inotify_rm_watch ioctl ioprio_set ioprio_get flock \
mknodat mkdirat unlinkat symlinkat linkat renameat umount2 mount pivot_root nfsservctl \
statfs fstatfs truncate ftruncate fallocate faccessat chdir fchdir chroot fchmod fchmodat \
fchownat fchown openat close vhangup pipe2 quotactl getdents64 lseek read write readv \
writev pread64 pwrite64 preadv pwritev sendfile pselect6 ppoll signalfd4 vmsplice splice \
tee readlinkat newfstatat fstat sync fsync fdatasync sync_file_range timerfd_create \
timerfd_settime timerfd_gettime utimensat acct capget capset personality exit exit_group \
waitid set_tid_address unshare futex set_robust_list get_robust_list nanosleep getitimer \
setitimer kexec_load init_module delete_module timer_create timer_gettime \
timer_getoverrun timer_settime timer_delete clock_settime clock_gettime clock_getres \
clock_nanosleep syslog ptrace sched_setparam sched_setscheduler sched_getscheduler \
sched_getparam sched_setaffinity sched_getaffinity sched_yield sched_get_priority_max \
sched_get_priority_min sched_rr_get_interval restart_syscall kill tkill tgkill \
sigaltstack rt_sigsuspend rt_sigaction rt_sigprocmask rt_sigpending rt_sigtimedwait \
rt_sigqueueinfo rt_sigreturn setpriority getpriority reboot setregid setgid setreuid \
setuid setresuid getresuid setresgid getresgid setfsuid setfsgid times setpgid getpgid \
getsid setsid getgroups setgroups uname sethostname setdomainname getrlimit setrlimit \
getrusage umask prctl getcpu gettimeofday settimeofday adjtimex getpid getppid getuid \
geteuid getgid getegid gettid sysinfo mq_open mq_unlink mq_timedsend mq_timedreceive \
mq_notify mq_getsetattr msgget msgctl msgrcv msgsnd semget semctl semtimedop semop shmget \
shmctl shmat shmdt socket socketpair bind listen accept connect getsockname getpeername \
sendto recvfrom setsockopt getsockopt shutdown sendmsg recvmsg readahead brk munmap \
mremap add_key request_key keyctl clone execve mmap fadvise64 swapon swapoff mprotect \
msync mlock munlock mlockall munlockall mincore madvise remap_file_pages mbind \
get_mempolicy set_mempolicy migrate_pages move_pages rt_tgsigqueueinfo perf_event_open \
accept4 recvmmsg - - - - - - - - - - - - - - - - wait4 prlimit64 fanotify_init \
fanotify_mark name_to_handle_at open_by_handle_at clock_adjtime syncfs setns sendmmsg \
process_vm_readv process_vm_writev kcmp finit_module sched_setattr sched_getattr \
renameat2 seccomp getrandom memfd_create bpf execveat userfaultfd membarrier mlock2 \
copy_file_range preadv2 pwritev2 pkey_mprotect pkey_alloc pkey_free statx io_pgetevents \
rseq kexec_file_load - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - \
- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - \
- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - \
- - - - - pidfd_send_signal io_uring_setup io_uring_enter io_uring_register open_tree \
move_mount fsopen fsconfig fsmount fspick pidfd_open clone3 close_range openat2 \
pidfd_getfd faccessat2 process_madvise epoll_pwait2 mount_setattr quotactl_fd \
landlock_create_ruleset landlock_add_rule landlock_restrict_self - process_mrelease \
futex_waitv set_mempolicy_home_node";

/// System call prototypes, one per line: `name(type arg, ...)` (from the kernel's
/// `syscalls/sys_enter_*` tracepoint formats, x86_64, Linux 6.x).
const PROTOTYPES: &str = "\
accept(int fd, struct sockaddr *upeer_sockaddr, int *upeer_addrlen)\n\
accept4(int fd, struct sockaddr *upeer_sockaddr, int *upeer_addrlen, int flags)\n\
access(const char *filename, int mode)\n\
acct(const char *name)\n\
add_key(const char *_type, const char *_description, const void *_payload, size_t plen, key_serial_t ringid)\n\
adjtimex(struct __kernel_timex *txc_p)\n\
alarm(unsigned int seconds)\n\
arch_prctl(int option, unsigned long arg2)\n\
bind(int fd, struct sockaddr *umyaddr, int addrlen)\n\
bpf(int cmd, union bpf_attr *uattr, unsigned int size)\n\
brk(unsigned long brk)\n\
capget(cap_user_header_t header, cap_user_data_t dataptr)\n\
capset(cap_user_header_t header, const cap_user_data_t data)\n\
chdir(const char *filename)\n\
chmod(const char *filename, umode_t mode)\n\
chown(const char *filename, uid_t user, gid_t group)\n\
chroot(const char *filename)\n\
clock_adjtime(const clockid_t which_clock, struct __kernel_timex *utx)\n\
clock_getres(const clockid_t which_clock, struct __kernel_timespec *tp)\n\
clock_gettime(const clockid_t which_clock, struct __kernel_timespec *tp)\n\
clock_nanosleep(const clockid_t which_clock, int flags, const struct __kernel_timespec *rqtp, struct __kernel_timespec *rmtp)\n\
clock_settime(const clockid_t which_clock, const struct __kernel_timespec *tp)\n\
clone(unsigned long clone_flags, unsigned long newsp, int *parent_tidptr, int *child_tidptr, unsigned long tls)\n\
clone3(struct clone_args *uargs, size_t size)\n\
close(unsigned int fd)\n\
close_range(unsigned int fd, unsigned int max_fd, unsigned int flags)\n\
connect(int fd, struct sockaddr *uservaddr, int addrlen)\n\
copy_file_range(int fd_in, loff_t *off_in, int fd_out, loff_t *off_out, size_t len, unsigned int flags)\n\
creat(const char *pathname, umode_t mode)\n\
dup(unsigned int fildes)\n\
dup2(unsigned int oldfd, unsigned int newfd)\n\
dup3(unsigned int oldfd, unsigned int newfd, int flags)\n\
epoll_create(int size)\n\
epoll_create1(int flags)\n\
epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)\n\
epoll_pwait(int epfd, struct epoll_event *events, int maxevents, int timeout, const sigset_t *sigmask, size_t sigsetsize)\n\
epoll_pwait2(int epfd, struct epoll_event *events, int maxevents, const struct __kernel_timespec *timeout, const sigset_t *sigmask, size_t sigsetsize)\n\
epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)\n\
eventfd(unsigned int count)\n\
eventfd2(unsigned int count, int flags)\n\
execve(const char *filename, const char *const *argv, const char *const *envp)\n\
execveat(int fd, const char *filename, const char *const *argv, const char *const *envp, int flags)\n\
exit(int error_code)\n\
exit_group(int error_code)\n\
faccessat(int dfd, const char *filename, int mode)\n\
faccessat2(int dfd, const char *filename, int mode, int flags)\n\
fadvise64(int fd, loff_t offset, size_t len, int advice)\n\
fallocate(int fd, int mode, loff_t offset, loff_t len)\n\
fanotify_init(unsigned int flags, unsigned int event_f_flags)\n\
fanotify_mark(int fanotify_fd, unsigned int flags, __u64 mask, int dfd, const char *pathname)\n\
fchdir(unsigned int fd)\n\
fchmod(unsigned int fd, umode_t mode)\n\
fchmodat(int dfd, const char *filename, umode_t mode)\n\
fchown(unsigned int fd, uid_t user, gid_t group)\n\
fchownat(int dfd, const char *filename, uid_t user, gid_t group, int flag)\n\
fcntl(unsigned int fd, unsigned int cmd, unsigned long arg)\n\
fdatasync(unsigned int fd)\n\
fgetxattr(int fd, const char *name, void *value, size_t size)\n\
flistxattr(int fd, char *list, size_t size)\n\
flock(unsigned int fd, unsigned int cmd)\n\
fork()\n\
fremovexattr(int fd, const char *name)\n\
fsconfig(int fd, unsigned int cmd, const char *_key, const void *_value, int aux)\n\
fsetxattr(int fd, const char *name, const void *value, size_t size, int flags)\n\
fsmount(int fs_fd, unsigned int flags, unsigned int attr_flags)\n\
fsopen(const char *_fs_name, unsigned int flags)\n\
fspick(int dfd, const char *path, unsigned int flags)\n\
fstat(unsigned int fd, struct stat *statbuf)\n\
fstatfs(unsigned int fd, struct statfs *buf)\n\
fsync(unsigned int fd)\n\
ftruncate(unsigned int fd, off_t length)\n\
futex(u32 *uaddr, int op, u32 val, const struct __kernel_timespec *utime, u32 *uaddr2, u32 val3)\n\
futex_waitv(struct futex_waitv *waiters, unsigned int nr_futexes, unsigned int flags, struct __kernel_timespec *timeout, clockid_t clockid)\n\
futimesat(int dfd, const char *filename, struct __kernel_old_timeval *utimes)\n\
get_mempolicy(int *policy, unsigned long *nmask, unsigned long maxnode, unsigned long addr, unsigned long flags)\n\
get_robust_list(int pid, struct robust_list_head * *head_ptr, size_t *len_ptr)\n\
getcpu(unsigned *cpup, unsigned *nodep, struct getcpu_cache *unused)\n\
getcwd(char *buf, unsigned long size)\n\
getdents(unsigned int fd, struct linux_dirent *dirent, unsigned int count)\n\
getdents64(unsigned int fd, struct linux_dirent64 *dirent, unsigned int count)\n\
getegid()\n\
geteuid()\n\
getgid()\n\
getgroups(int gidsetsize, gid_t *grouplist)\n\
getitimer(int which, struct __kernel_old_itimerval *value)\n\
getpeername(int fd, struct sockaddr *usockaddr, int *usockaddr_len)\n\
getpgid(pid_t pid)\n\
getpgrp()\n\
getpid()\n\
getppid()\n\
getpriority(int which, int who)\n\
getrandom(char *ubuf, size_t len, unsigned int flags)\n\
getresgid(gid_t *rgidp, gid_t *egidp, gid_t *sgidp)\n\
getresuid(uid_t *ruidp, uid_t *euidp, uid_t *suidp)\n\
getrlimit(unsigned int resource, struct rlimit *rlim)\n\
getrusage(int who, struct rusage *ru)\n\
getsid(pid_t pid)\n\
getsockname(int fd, struct sockaddr *usockaddr, int *usockaddr_len)\n\
getsockopt(int fd, int level, int optname, char *optval, int *optlen)\n\
gettid()\n\
gettimeofday(struct __kernel_old_timeval *tv, struct timezone *tz)\n\
getuid()\n\
getxattr(const char *pathname, const char *name, void *value, size_t size)\n\
inotify_add_watch(int fd, const char *pathname, u32 mask)\n\
inotify_init()\n\
inotify_init1(int flags)\n\
inotify_rm_watch(int fd, __s32 wd)\n\
io_cancel(aio_context_t ctx_id, struct iocb *iocb, struct io_event *result)\n\
io_destroy(aio_context_t ctx)\n\
io_getevents(aio_context_t ctx_id, long min_nr, long nr, struct io_event *events, struct __kernel_timespec *timeout)\n\
io_pgetevents(aio_context_t ctx_id, long min_nr, long nr, struct io_event *events, struct __kernel_timespec *timeout, const struct __aio_sigset *usig)\n\
io_setup(unsigned nr_events, aio_context_t *ctxp)\n\
io_submit(aio_context_t ctx_id, long nr, struct iocb * *iocbpp)\n\
io_uring_enter(unsigned int fd, u32 to_submit, u32 min_complete, u32 flags, const void *argp, size_t argsz)\n\
io_uring_register(unsigned int fd, unsigned int opcode, void *arg, unsigned int nr_args)\n\
io_uring_setup(u32 entries, struct io_uring_params *params)\n\
ioctl(unsigned int fd, unsigned int cmd, unsigned long arg)\n\
ioperm(unsigned long from, unsigned long num, int turn_on)\n\
iopl(unsigned int level)\n\
ioprio_get(int which, int who)\n\
ioprio_set(int which, int who, int ioprio)\n\
kcmp(pid_t pid1, pid_t pid2, int type, unsigned long idx1, unsigned long idx2)\n\
keyctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)\n\
kill(pid_t pid, int sig)\n\
landlock_add_rule(const int ruleset_fd, const enum landlock_rule_type rule_type, const void *const rule_attr, const __u32 flags)\n\
landlock_create_ruleset(const struct landlock_ruleset_attr *const attr, const size_t size, const __u32 flags)\n\
landlock_restrict_self(const int ruleset_fd, const __u32 flags)\n\
lchown(const char *filename, uid_t user, gid_t group)\n\
lgetxattr(const char *pathname, const char *name, void *value, size_t size)\n\
link(const char *oldname, const char *newname)\n\
linkat(int olddfd, const char *oldname, int newdfd, const char *newname, int flags)\n\
listen(int fd, int backlog)\n\
listxattr(const char *pathname, char *list, size_t size)\n\
llistxattr(const char *pathname, char *list, size_t size)\n\
lremovexattr(const char *pathname, const char *name)\n\
lseek(unsigned int fd, off_t offset, unsigned int whence)\n\
lsetxattr(const char *pathname, const char *name, const void *value, size_t size, int flags)\n\
lstat(const char *filename, struct stat *statbuf)\n\
madvise(unsigned long start, size_t len_in, int behavior)\n\
mbind(unsigned long start, unsigned long len, unsigned long mode, const unsigned long *nmask, unsigned long maxnode, unsigned int flags)\n\
membarrier(int cmd, unsigned int flags, int cpu_id)\n\
memfd_create(const char *uname, unsigned int flags)\n\
memfd_secret(unsigned int flags)\n\
migrate_pages(pid_t pid, unsigned long maxnode, const unsigned long *old_nodes, const unsigned long *new_nodes)\n\
mincore(unsigned long start, size_t len, unsigned char *vec)\n\
mkdir(const char *pathname, umode_t mode)\n\
mkdirat(int dfd, const char *pathname, umode_t mode)\n\
mknod(const char *filename, umode_t mode, unsigned dev)\n\
mknodat(int dfd, const char *filename, umode_t mode, unsigned int dev)\n\
mlock(unsigned long start, size_t len)\n\
mlock2(unsigned long start, size_t len, int flags)\n\
mlockall(int flags)\n\
mmap(unsigned long addr, unsigned long len, unsigned long prot, unsigned long flags, unsigned long fd, unsigned long off)\n\
modify_ldt(int func, void *ptr, unsigned long bytecount)\n\
mount(char *dev_name, char *dir_name, char *type, unsigned long flags, void *data)\n\
mount_setattr(int dfd, const char *path, unsigned int flags, struct mount_attr *uattr, size_t usize)\n\
move_mount(int from_dfd, const char *from_pathname, int to_dfd, const char *to_pathname, unsigned int flags)\n\
move_pages(pid_t pid, unsigned long nr_pages, const void * *pages, const int *nodes, int *status, int flags)\n\
mprotect(unsigned long start, size_t len, unsigned long prot)\n\
mq_getsetattr(mqd_t mqdes, const struct mq_attr *u_mqstat, struct mq_attr *u_omqstat)\n\
mq_notify(mqd_t mqdes, const struct sigevent *u_notification)\n\
mq_open(const char *u_name, int oflag, umode_t mode, struct mq_attr *u_attr)\n\
mq_timedreceive(mqd_t mqdes, char *u_msg_ptr, size_t msg_len, unsigned int *u_msg_prio, const struct __kernel_timespec *u_abs_timeout)\n\
mq_timedsend(mqd_t mqdes, const char *u_msg_ptr, size_t msg_len, unsigned int msg_prio, const struct __kernel_timespec *u_abs_timeout)\n\
mq_unlink(const char *u_name)\n\
mremap(unsigned long addr, unsigned long old_len, unsigned long new_len, unsigned long flags, unsigned long new_addr)\n\
msgctl(int msqid, int cmd, struct msqid_ds *buf)\n\
msgget(key_t key, int msgflg)\n\
msgrcv(int msqid, struct msgbuf *msgp, size_t msgsz, long msgtyp, int msgflg)\n\
msgsnd(int msqid, struct msgbuf *msgp, size_t msgsz, int msgflg)\n\
msync(unsigned long start, size_t len, int flags)\n\
munlock(unsigned long start, size_t len)\n\
munlockall()\n\
munmap(unsigned long addr, size_t len)\n\
name_to_handle_at(int dfd, const char *name, struct file_handle *handle, void *mnt_id, int flag)\n\
nanosleep(struct __kernel_timespec *rqtp, struct __kernel_timespec *rmtp)\n\
newfstatat(int dfd, const char *filename, struct stat *statbuf, int flag)\n\
open(const char *filename, int flags, umode_t mode)\n\
open_by_handle_at(int mountdirfd, struct file_handle *handle, int flags)\n\
open_tree(int dfd, const char *filename, unsigned flags)\n\
openat(int dfd, const char *filename, int flags, umode_t mode)\n\
openat2(int dfd, const char *filename, struct open_how *how, size_t usize)\n\
pause()\n\
perf_event_open(struct perf_event_attr *attr_uptr, pid_t pid, int cpu, int group_fd, unsigned long flags)\n\
personality(unsigned int personality)\n\
pidfd_getfd(int pidfd, int fd, unsigned int flags)\n\
pidfd_open(pid_t pid, unsigned int flags)\n\
pidfd_send_signal(int pidfd, int sig, siginfo_t *info, unsigned int flags)\n\
pipe(int *fildes)\n\
pipe2(int *fildes, int flags)\n\
pivot_root(const char *new_root, const char *put_old)\n\
pkey_alloc(unsigned long flags, unsigned long init_val)\n\
pkey_free(int pkey)\n\
pkey_mprotect(unsigned long start, size_t len, unsigned long prot, int pkey)\n\
poll(struct pollfd *ufds, unsigned int nfds, int timeout_msecs)\n\
ppoll(struct pollfd *ufds, unsigned int nfds, struct __kernel_timespec *tsp, const sigset_t *sigmask, size_t sigsetsize)\n\
prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)\n\
pread64(unsigned int fd, char *buf, size_t count, loff_t pos)\n\
preadv(unsigned long fd, const struct iovec *vec, unsigned long vlen, unsigned long pos_l, unsigned long pos_h)\n\
preadv2(unsigned long fd, const struct iovec *vec, unsigned long vlen, unsigned long pos_l, unsigned long pos_h, rwf_t flags)\n\
prlimit64(pid_t pid, unsigned int resource, const struct rlimit64 *new_rlim, struct rlimit64 *old_rlim)\n\
process_madvise(int pidfd, const struct iovec *vec, size_t vlen, int behavior, unsigned int flags)\n\
process_mrelease(int pidfd, unsigned int flags)\n\
process_vm_readv(pid_t pid, const struct iovec *lvec, unsigned long liovcnt, const struct iovec *rvec, unsigned long riovcnt, unsigned long flags)\n\
process_vm_writev(pid_t pid, const struct iovec *lvec, unsigned long liovcnt, const struct iovec *rvec, unsigned long riovcnt, unsigned long flags)\n\
pselect6(int n, fd_set *inp, fd_set *outp, fd_set *exp, struct __kernel_timespec *tsp, void *sig)\n\
ptrace(long request, long pid, unsigned long addr, unsigned long data)\n\
pwrite64(unsigned int fd, const char *buf, size_t count, loff_t pos)\n\
pwritev(unsigned long fd, const struct iovec *vec, unsigned long vlen, unsigned long pos_l, unsigned long pos_h)\n\
pwritev2(unsigned long fd, const struct iovec *vec, unsigned long vlen, unsigned long pos_l, unsigned long pos_h, rwf_t flags)\n\
quotactl(unsigned int cmd, const char *special, qid_t id, void *addr)\n\
quotactl_fd(unsigned int fd, unsigned int cmd, qid_t id, void *addr)\n\
read(unsigned int fd, char *buf, size_t count)\n\
readahead(int fd, loff_t offset, size_t count)\n\
readlink(const char *path, char *buf, int bufsiz)\n\
readlinkat(int dfd, const char *pathname, char *buf, int bufsiz)\n\
readv(unsigned long fd, const struct iovec *vec, unsigned long vlen)\n\
reboot(int magic1, int magic2, unsigned int cmd, void *arg)\n\
recvfrom(int fd, void *ubuf, size_t size, unsigned int flags, struct sockaddr *addr, int *addr_len)\n\
recvmmsg(int fd, struct mmsghdr *mmsg, unsigned int vlen, unsigned int flags, struct __kernel_timespec *timeout)\n\
recvmsg(int fd, struct user_msghdr *msg, unsigned int flags)\n\
remap_file_pages(unsigned long start, unsigned long size, unsigned long prot, unsigned long pgoff, unsigned long flags)\n\
removexattr(const char *pathname, const char *name)\n\
rename(const char *oldname, const char *newname)\n\
renameat(int olddfd, const char *oldname, int newdfd, const char *newname)\n\
renameat2(int olddfd, const char *oldname, int newdfd, const char *newname, unsigned int flags)\n\
request_key(const char *_type, const char *_description, const char *_callout_info, key_serial_t destringid)\n\
restart_syscall()\n\
rmdir(const char *pathname)\n\
rseq(struct rseq *rseq, u32 rseq_len, int flags, u32 sig)\n\
rt_sigaction(int sig, const struct sigaction *act, struct sigaction *oact, size_t sigsetsize)\n\
rt_sigpending(sigset_t *uset, size_t sigsetsize)\n\
rt_sigprocmask(int how, sigset_t *nset, sigset_t *oset, size_t sigsetsize)\n\
rt_sigqueueinfo(pid_t pid, int sig, siginfo_t *uinfo)\n\
rt_sigreturn()\n\
rt_sigsuspend(sigset_t *unewset, size_t sigsetsize)\n\
rt_sigtimedwait(const sigset_t *uthese, siginfo_t *uinfo, const struct __kernel_timespec *uts, size_t sigsetsize)\n\
rt_tgsigqueueinfo(pid_t tgid, pid_t pid, int sig, siginfo_t *uinfo)\n\
sched_get_priority_max(int policy)\n\
sched_get_priority_min(int policy)\n\
sched_getaffinity(pid_t pid, unsigned int len, unsigned long *user_mask_ptr)\n\
sched_getattr(pid_t pid, struct sched_attr *uattr, unsigned int usize, unsigned int flags)\n\
sched_getparam(pid_t pid, struct sched_param *param)\n\
sched_getscheduler(pid_t pid)\n\
sched_rr_get_interval(pid_t pid, struct __kernel_timespec *interval)\n\
sched_setaffinity(pid_t pid, unsigned int len, unsigned long *user_mask_ptr)\n\
sched_setattr(pid_t pid, struct sched_attr *uattr, unsigned int flags)\n\
sched_setparam(pid_t pid, struct sched_param *param)\n\
sched_setscheduler(pid_t pid, int policy, struct sched_param *param)\n\
sched_yield()\n\
seccomp(unsigned int op, unsigned int flags, void *uargs)\n\
select(int n, fd_set *inp, fd_set *outp, fd_set *exp, struct __kernel_old_timeval *tvp)\n\
semctl(int semid, int semnum, int cmd, unsigned long arg)\n\
semget(key_t key, int nsems, int semflg)\n\
semop(int semid, struct sembuf *tsops, unsigned nsops)\n\
semtimedop(int semid, struct sembuf *tsops, unsigned int nsops, const struct __kernel_timespec *timeout)\n\
sendmmsg(int fd, struct mmsghdr *mmsg, unsigned int vlen, unsigned int flags)\n\
sendmsg(int fd, struct user_msghdr *msg, unsigned int flags)\n\
sendto(int fd, void *buff, size_t len, unsigned int flags, struct sockaddr *addr, int addr_len)\n\
set_mempolicy(int mode, const unsigned long *nmask, unsigned long maxnode)\n\
set_mempolicy_home_node(unsigned long start, unsigned long len, unsigned long home_node, unsigned long flags)\n\
set_robust_list(struct robust_list_head *head, size_t len)\n\
set_tid_address(int *tidptr)\n\
setdomainname(char *name, int len)\n\
setfsgid(gid_t gid)\n\
setfsuid(uid_t uid)\n\
setgid(gid_t gid)\n\
setgroups(int gidsetsize, gid_t *grouplist)\n\
sethostname(char *name, int len)\n\
setitimer(int which, struct __kernel_old_itimerval *value, struct __kernel_old_itimerval *ovalue)\n\
setns(int fd, int flags)\n\
setpgid(pid_t pid, pid_t pgid)\n\
setpriority(int which, int who, int niceval)\n\
setregid(gid_t rgid, gid_t egid)\n\
setresgid(gid_t rgid, gid_t egid, gid_t sgid)\n\
setresuid(uid_t ruid, uid_t euid, uid_t suid)\n\
setreuid(uid_t ruid, uid_t euid)\n\
setrlimit(unsigned int resource, struct rlimit *rlim)\n\
setsid()\n\
setsockopt(int fd, int level, int optname, char *optval, int optlen)\n\
settimeofday(struct __kernel_old_timeval *tv, struct timezone *tz)\n\
setuid(uid_t uid)\n\
setxattr(const char *pathname, const char *name, const void *value, size_t size, int flags)\n\
shmat(int shmid, char *shmaddr, int shmflg)\n\
shmctl(int shmid, int cmd, struct shmid_ds *buf)\n\
shmdt(char *shmaddr)\n\
shmget(key_t key, size_t size, int shmflg)\n\
shutdown(int fd, int how)\n\
sigaltstack(const stack_t *uss, stack_t *uoss)\n\
signalfd(int ufd, sigset_t *user_mask, size_t sizemask)\n\
signalfd4(int ufd, sigset_t *user_mask, size_t sizemask, int flags)\n\
socket(int family, int type, int protocol)\n\
socketpair(int family, int type, int protocol, int *usockvec)\n\
splice(int fd_in, loff_t *off_in, int fd_out, loff_t *off_out, size_t len, unsigned int flags)\n\
stat(const char *filename, struct stat *statbuf)\n\
statfs(const char *pathname, struct statfs *buf)\n\
statx(int dfd, const char *filename, unsigned flags, unsigned int mask, struct statx *buffer)\n\
swapoff(const char *specialfile)\n\
swapon(const char *specialfile, int swap_flags)\n\
symlink(const char *oldname, const char *newname)\n\
symlinkat(const char *oldname, int newdfd, const char *newname)\n\
sync()\n\
sync_file_range(int fd, loff_t offset, loff_t nbytes, unsigned int flags)\n\
syncfs(int fd)\n\
sysfs(int option, unsigned long arg1, unsigned long arg2)\n\
sysinfo(struct sysinfo *info)\n\
syslog(int type, char *buf, int len)\n\
tee(int fdin, int fdout, size_t len, unsigned int flags)\n\
tgkill(pid_t tgid, pid_t pid, int sig)\n\
time(__kernel_old_time_t *tloc)\n\
timer_create(const clockid_t which_clock, struct sigevent *timer_event_spec, timer_t *created_timer_id)\n\
timer_delete(timer_t timer_id)\n\
timer_getoverrun(timer_t timer_id)\n\
timer_gettime(timer_t timer_id, struct __kernel_itimerspec *setting)\n\
timer_settime(timer_t timer_id, int flags, const struct __kernel_itimerspec *new_setting, struct __kernel_itimerspec *old_setting)\n\
timerfd_create(int clockid, int flags)\n\
timerfd_gettime(int ufd, struct __kernel_itimerspec *otmr)\n\
timerfd_settime(int ufd, int flags, const struct __kernel_itimerspec *utmr, struct __kernel_itimerspec *otmr)\n\
times(struct tms *tbuf)\n\
tkill(pid_t pid, int sig)\n\
truncate(const char *path, long length)\n\
umask(int mask)\n\
uname(struct new_utsname *name)\n\
unlink(const char *pathname)\n\
unlinkat(int dfd, const char *pathname, int flag)\n\
unshare(unsigned long unshare_flags)\n\
userfaultfd(int flags)\n\
ustat(unsigned dev, struct ustat *ubuf)\n\
utime(char *filename, struct utimbuf *times)\n\
utimensat(int dfd, const char *filename, struct __kernel_timespec *utimes, int flags)\n\
utimes(char *filename, struct __kernel_old_timeval *utimes)\n\
vfork()\n\
vhangup()\n\
vmsplice(int fd, const struct iovec *uiov, unsigned long nr_segs, unsigned int flags)\n\
wait4(pid_t upid, int *stat_addr, int options, struct rusage *ru)\n\
waitid(int which, pid_t upid, struct siginfo *infop, int options, struct rusage *ru)\n\
write(unsigned int fd, const char *buf, size_t count)\n\
writev(unsigned long fd, const struct iovec *vec, unsigned long vlen)\n\
";
