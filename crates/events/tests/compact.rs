//! `auspex_events::compact`: every row of the compact table (plain and colored), the
//! `tetra getevents -o compact` samples of the field notes, quoting, timestamps, the
//! CAP_SYS_ADMIN marker and its quirk, syscall decoding and the extra (stack trace / IMA) lines.

use auspex_events::compact::{
    CompactOptions, compact_extra_lines, compact_line, go_quote, maybe_quote, syscall_name,
};
use auspex_events::tetragon::get_events_response::Event;
use auspex_events::tetragon::kprobe_argument::Arg;
use auspex_events::tetragon::{
    Capabilities, GetEventsResponse, KprobeArgument, KprobeBpfAttr, KprobeBpfMap, KprobeFile,
    KprobeLinuxBinprm, KprobePath, KprobePerfEvent, KprobeSock, Pod, Process, ProcessExec,
    ProcessExit, ProcessKprobe, ProcessLoader, ProcessLsm, ProcessThrottle, ProcessTracepoint,
    ProcessUprobe, ProcessUsdt, RateLimitInfo, StackTraceEntry, SyscallId, Test, ThrottleType,
};
use auspex_events::time::parse_rfc3339;

const PLAIN: CompactOptions = CompactOptions {
    color: false,
    timestamps: false,
};
const COLOR: CompactOptions = CompactOptions {
    color: true,
    timestamps: false,
};

// --- builders --------------------------------------------------------------------------------

fn process(binary: &str, arguments: &str) -> Process {
    Process {
        binary: binary.into(),
        arguments: arguments.into(),
        ..Default::default()
    }
}

fn in_pod(mut p: Process, namespace: &str, name: &str) -> Process {
    p.pod = Some(Pod {
        namespace: namespace.into(),
        name: name.into(),
        ..Default::default()
    });
    p
}

/// All 41 capabilities effective (a privileged container).
fn privileged(mut p: Process) -> Process {
    p.cap = Some(Capabilities {
        effective: (0..41).collect(),
        ..Default::default()
    });
    p
}

fn response(node: &str, event: Event) -> GetEventsResponse {
    GetEventsResponse {
        node_name: node.into(),
        event: Some(event),
        ..Default::default()
    }
}

fn exec(node: &str, p: Process) -> GetEventsResponse {
    response(
        node,
        Event::ProcessExec(ProcessExec {
            process: Some(p),
            ..Default::default()
        }),
    )
}

fn exit(node: &str, p: Process, status: u32, signal: &str) -> GetEventsResponse {
    response(
        node,
        Event::ProcessExit(ProcessExit {
            process: Some(p),
            status,
            signal: signal.into(),
            ..Default::default()
        }),
    )
}

fn kprobe(node: &str, p: Process, function: &str, args: Vec<Arg>) -> GetEventsResponse {
    response(
        node,
        Event::ProcessKprobe(ProcessKprobe {
            process: Some(p),
            function_name: function.into(),
            args: args.into_iter().map(karg).collect(),
            ..Default::default()
        }),
    )
}

fn karg(arg: Arg) -> KprobeArgument {
    KprobeArgument {
        arg: Some(arg),
        ..Default::default()
    }
}

fn file(path: &str) -> Arg {
    Arg::FileArg(KprobeFile {
        path: path.into(),
        ..Default::default()
    })
}

fn sock(saddr: &str, sport: u32, daddr: &str, dport: u32) -> Arg {
    Arg::SockArg(KprobeSock {
        family: "AF_INET".into(),
        r#type: "SOCK_STREAM".into(),
        protocol: "IPPROTO_TCP".into(),
        saddr: saddr.into(),
        sport,
        daddr: daddr.into(),
        dport,
        ..Default::default()
    })
}

fn tracepoint(p: Process, subsys: &str, event: &str, args: Vec<Arg>) -> GetEventsResponse {
    response(
        "node1",
        Event::ProcessTracepoint(ProcessTracepoint {
            process: Some(p),
            subsys: subsys.into(),
            event: event.into(),
            args: args.into_iter().map(karg).collect(),
            ..Default::default()
        }),
    )
}

fn curl() -> Process {
    in_pod(process("/usr/bin/curl", ""), "kube-system", "tetragon")
}

fn plain(ev: &GetEventsResponse) -> String {
    compact_line(ev, &PLAIN).expect("event has a compact form")
}

fn colored(ev: &GetEventsResponse) -> String {
    compact_line(ev, &COLOR).expect("event has a compact form")
}

// --- colored expectations ----------------------------------------------------------------------

fn red(s: &str) -> String {
    format!("\x1b[31m{s}\x1b[0m")
}
fn green(s: &str) -> String {
    format!("\x1b[32m{s}\x1b[0m")
}
fn yellow(s: &str) -> String {
    format!("\x1b[33m{s}\x1b[0m")
}
fn blue(s: &str) -> String {
    format!("\x1b[34m{s}\x1b[0m")
}
fn magenta(s: &str) -> String {
    format!("\x1b[35m{s}\x1b[0m")
}
fn cyan(s: &str) -> String {
    format!("\x1b[36m{s}\x1b[0m")
}

/// The colored CAP trailer: one space, then the magenta marker (empty without CAP_SYS_ADMIN)
/// right-aligned in `120 - bytes(line)` characters.
fn trail(line: &str, sys_admin: bool) -> String {
    let caps = magenta(if sys_admin { "🛑 CAP_SYS_ADMIN" } else { "" });
    let width = 120usize.saturating_sub(line.len());
    let pad = width.saturating_sub(caps.chars().count());
    format!("{line} {}{caps}", " ".repeat(pad))
}

/// `<blue event> <green source> <magenta binary>` of the `curl()` process.
fn curl_info(event: &str) -> String {
    format!(
        "{} {} {}",
        blue(event),
        green("kube-system/tetragon"),
        magenta("/usr/bin/curl")
    )
}

/// Asserts the plain line and the colored line (colored body + trailer) of a curl() event.
fn check(ev: &GetEventsResponse, plain_line: &str, colored_body: &str) {
    assert_eq!(plain(ev), plain_line, "plain");
    assert_eq!(colored(ev), trail(colored_body, false), "colored");
}

// --- the CAP_SYS_ADMIN marker -----------------------------------------------------------------

#[test]
fn cap_marker_is_right_aligned_towards_column_120() {
    let ev = exec(
        "n",
        privileged(in_pod(
            process("/usr/bin/curl", "https://ebpf.io"),
            "default",
            "xwing",
        )),
    );
    // 56 bytes of line (the rocket counts 4), then one space, then the 15-character marker
    // right-aligned in 120 - 56 = 64 characters: 49 spaces.
    let line = "🚀 process default/xwing /usr/bin/curl https://ebpf.io";
    assert_eq!(line.len(), 56);
    let expected = format!("{line} {}🛑 CAP_SYS_ADMIN", " ".repeat(49));
    assert_eq!(plain(&ev), expected);
}

#[test]
fn cap_marker_after_a_long_line_gets_one_space() {
    let long = "x".repeat(130);
    let ev = exec("n", privileged(process("/bin/echo", &long)));
    assert_eq!(
        plain(&ev),
        format!("🚀 process n /bin/echo {long} 🛑 CAP_SYS_ADMIN")
    );
}

#[test]
fn cap_marker_quirk_counts_entries_not_values() {
    // 22 entries, none of them CAP_SYS_ADMIN (21): index 21 exists, so the marker is printed.
    let mut p = process("/bin/true", "");
    p.cap = Some(Capabilities {
        effective: vec![0; 22],
        ..Default::default()
    });
    assert!(plain(&exec("n", p.clone())).ends_with("🛑 CAP_SYS_ADMIN"));
    // Only CAP_SYS_ADMIN itself (one entry): no marker.
    p.cap = Some(Capabilities {
        effective: vec![21],
        ..Default::default()
    });
    assert_eq!(plain(&exec("n", p.clone())), "🚀 process n /bin/true ");
    // 21 entries 0..=20: no marker either.
    p.cap = Some(Capabilities {
        effective: (0..21).collect(),
        ..Default::default()
    });
    assert_eq!(plain(&exec("n", p.clone())), "🚀 process n /bin/true ");
    // The permitted set does not count.
    p.cap = Some(Capabilities {
        permitted: (0..41).collect(),
        ..Default::default()
    });
    assert_eq!(plain(&exec("n", p)), "🚀 process n /bin/true ");
}

#[test]
fn colored_lines_pad_towards_the_empty_magenta_trailer() {
    let ev = exec(
        "n",
        in_pod(
            process("/usr/bin/curl", "https://ebpf.io"),
            "default",
            "xwing",
        ),
    );
    // 92 bytes: blue 5+12+4, green 5+13+4, magenta 5+13+4, cyan 5+15+4 and three spaces;
    // the empty magenta trailer (9 characters) is right-aligned in 28: 19 spaces.
    let body = "\x1b[34m🚀 process\x1b[0m \x1b[32mdefault/xwing\x1b[0m \
                \x1b[35m/usr/bin/curl\x1b[0m \x1b[36mhttps://ebpf.io\x1b[0m";
    assert_eq!(body.len(), 92);
    let expected = format!("{body} {}\x1b[35m\x1b[0m", " ".repeat(19));
    assert_eq!(colored(&ev), expected);

    let ev = exec(
        "n",
        privileged(in_pod(
            process("/usr/bin/curl", "https://ebpf.io"),
            "default",
            "xwing",
        )),
    );
    // Marker: 5 + 15 + 4 = 24 characters in 28: 4 spaces.
    let expected = format!("{body}     \x1b[35m🛑 CAP_SYS_ADMIN\x1b[0m");
    assert_eq!(colored(&ev), expected);
}

// --- process_exec / process_exit ------------------------------------------------------------------

#[test]
fn process_exec() {
    let ev = exec("my-node", process("/usr/bin/curl", "cilium.io"));
    assert_eq!(plain(&ev), "🚀 process my-node /usr/bin/curl cilium.io");
    let ev = exec(
        "my-node",
        in_pod(
            process("/usr/bin/curl", "cilium.io"),
            "kube-system",
            "tetragon",
        ),
    );
    check(
        &ev,
        "🚀 process kube-system/tetragon /usr/bin/curl cilium.io",
        &format!("{} {}", curl_info("🚀 process"), cyan("cilium.io")),
    );
    // Empty arguments: a trailing space, and an empty cyan span when colored.
    let ev = exec("my-node", curl());
    check(
        &ev,
        "🚀 process kube-system/tetragon /usr/bin/curl ",
        &format!("{} {}", curl_info("🚀 process"), cyan("")),
    );
}

#[test]
fn process_exit_status_and_signal() {
    let with_args = || {
        in_pod(
            process("/usr/bin/curl", "cilium.io"),
            "kube-system",
            "tetragon",
        )
    };
    check(
        &exit("n", with_args(), 1, ""),
        "💥 exit    kube-system/tetragon /usr/bin/curl cilium.io 1",
        &format!(
            "{} {} {}",
            curl_info("💥 exit   "),
            cyan("cilium.io"),
            red("1")
        ),
    );
    check(
        &exit("n", with_args(), 0, "SIGKILL"),
        "💥 exit    kube-system/tetragon /usr/bin/curl cilium.io SIGKILL",
        &format!(
            "{} {} {}",
            curl_info("💥 exit   "),
            cyan("cilium.io"),
            red("SIGKILL")
        ),
    );
    assert_eq!(
        plain(&exit(
            "ubuntu-22",
            process("/usr/bin/sleep", "0.001s"),
            0,
            ""
        )),
        "💥 exit    ubuntu-22 /usr/bin/sleep 0.001s 0"
    );
}

#[test]
fn events_without_a_compact_form() {
    let none = |ev: GetEventsResponse| {
        assert_eq!(compact_line(&ev, &PLAIN), None);
        assert_eq!(compact_line(&ev, &COLOR), None);
    };
    none(GetEventsResponse::default());
    none(response("n", Event::ProcessExec(ProcessExec::default())));
    none(response("n", Event::ProcessExit(ProcessExit::default())));
    none(response(
        "n",
        Event::ProcessKprobe(ProcessKprobe {
            function_name: "unhandled_function".into(),
            ..Default::default()
        }),
    ));
    none(response(
        "n",
        Event::ProcessTracepoint(ProcessTracepoint::default()),
    ));
    none(response(
        "n",
        Event::ProcessUprobe(ProcessUprobe::default()),
    ));
    none(response("n", Event::ProcessLsm(ProcessLsm::default())));
    none(response("n", Event::ProcessUsdt(ProcessUsdt::default())));
    none(response(
        "n",
        Event::ProcessLoader(ProcessLoader::default()),
    ));
    none(response(
        "n",
        Event::RateLimitInfo(RateLimitInfo {
            number_of_dropped_process_events: 3,
        }),
    ));
}

#[test]
fn test_event() {
    let ev = response("n", Event::Test(Test::default()));
    assert_eq!(plain(&ev), "TEST EVENT");
    assert_eq!(colored(&ev), "TEST EVENT");
}

// --- throttle / loader ---------------------------------------------------------------------------

#[test]
fn process_throttle() {
    let throttle = |t: ThrottleType| {
        response(
            "n",
            Event::ProcessThrottle(ProcessThrottle {
                r#type: t as i32,
                cgroup: "/kubepods/burstable/pod1".into(),
            }),
        )
    };
    let start = throttle(ThrottleType::ThrottleStart);
    assert_eq!(plain(&start), "🧬 throttle START /kubepods/burstable/pod1");
    assert_eq!(
        colored(&start),
        format!(
            "{} {} /kubepods/burstable/pod1",
            red("🧬 throttle"),
            red("START")
        )
    );
    let stop = throttle(ThrottleType::ThrottleStop);
    assert_eq!(plain(&stop), "🧬 throttle STOP  /kubepods/burstable/pod1");
    assert_eq!(
        colored(&stop),
        format!(
            "{} {} /kubepods/burstable/pod1",
            red("🧬 throttle"),
            green("STOP ")
        )
    );
    let unknown = throttle(ThrottleType::ThrottleUnknown);
    assert_eq!(plain(&unknown), "🧬 throttle  /kubepods/burstable/pod1");
}

#[test]
fn process_loader() {
    let loader = |buildid: Vec<u8>| {
        response(
            "n",
            Event::ProcessLoader(ProcessLoader {
                process: Some(curl()),
                path: "/usr/lib/libssl.so.3".into(),
                buildid,
                ..Default::default()
            }),
        )
    };
    check(
        &loader(vec![0xde, 0xad, 0x01]),
        "🧬 loader  kube-system/tetragon /usr/bin/curl dead01 /usr/lib/libssl.so.3",
        &format!(
            "{} dead01 {}",
            curl_info("🧬 loader "),
            yellow("/usr/lib/libssl.so.3")
        ),
    );
    check(
        &loader(vec![]),
        "🧬 loader  kube-system/tetragon /usr/bin/curl /usr/lib/libssl.so.3",
        &format!(
            "{} {}",
            curl_info("🧬 loader "),
            yellow("/usr/lib/libssl.so.3")
        ),
    );
}

// --- kprobes -------------------------------------------------------------------------------------

#[test]
fn kprobe_write_and_read() {
    let args = || vec![file("/etc/password"), Arg::IntArg(3), Arg::SizeArg(1234)];
    check(
        &kprobe("n", curl(), "__x64_sys_write", args()),
        "📝 write   kube-system/tetragon /usr/bin/curl /etc/password 1234 bytes",
        &format!(
            "{} {} {}",
            curl_info("📝 write  "),
            cyan("/etc/password"),
            cyan("1234 bytes")
        ),
    );
    check(
        &kprobe("n", curl(), "__arm64_sys_read", args()),
        "📚 read    kube-system/tetragon /usr/bin/curl /etc/password 1234 bytes",
        &format!(
            "{} {} {}",
            curl_info("📚 read   "),
            cyan("/etc/password"),
            cyan("1234 bytes")
        ),
    );
    // No arguments: empty file and byte count.
    check(
        &kprobe("n", curl(), "__x64_sys_write", vec![]),
        "📝 write   kube-system/tetragon /usr/bin/curl  ",
        &format!("{}  ", curl_info("📝 write  ")),
    );
    // The syscall name without prefix matches too.
    assert_eq!(
        plain(&kprobe("n", curl(), "sys_read", args())),
        "📚 read    kube-system/tetragon /usr/bin/curl /etc/password 1234 bytes"
    );
}

#[test]
fn kprobe_fd_install_open_openat_close() {
    check(
        &kprobe(
            "n",
            curl(),
            "fd_install",
            vec![Arg::IntArg(3), file("/etc/password")],
        ),
        "📬 open    kube-system/tetragon /usr/bin/curl /etc/password",
        &format!("{} {}", curl_info("📬 open   "), cyan("/etc/password")),
    );
    check(
        &kprobe("n", curl(), "fd_install", vec![]),
        "📬 open    kube-system/tetragon /usr/bin/curl ",
        &format!("{} ", curl_info("📬 open   ")),
    );
    check(
        &kprobe(
            "n",
            curl(),
            "__x64_sys_openat",
            vec![Arg::IntArg(-100), Arg::StringArg("/etc/shadow".into())],
        ),
        "📬️ openat  kube-system/tetragon /usr/bin/curl /etc/shadow",
        &format!("{} {}", curl_info("📬️ openat "), cyan("/etc/shadow")),
    );
    check(
        &kprobe(
            "n",
            curl(),
            "__ia32_sys_open",
            vec![Arg::IntArg(0), Arg::StringArg("/etc/shadow".into())],
        ),
        "📬️ open    kube-system/tetragon /usr/bin/curl /etc/shadow",
        &format!("{} {}", curl_info("📬️ open   "), cyan("/etc/shadow")),
    );
    check(
        &kprobe("n", curl(), "__x64_sys_close", vec![file("/etc/password")]),
        "📪 close   kube-system/tetragon /usr/bin/curl /etc/password",
        &format!("{} {}", curl_info("📪 close  "), cyan("/etc/password")),
    );
}

#[test]
fn kprobe_mount_pivot_root_setuid_clock_settime_connector() {
    let two = || {
        vec![
            Arg::StringArg("/dev/sda1".into()),
            Arg::StringArg("/mnt".into()),
        ]
    };
    check(
        &kprobe("n", curl(), "__x64_sys_mount", two()),
        "💾 mount   kube-system/tetragon /usr/bin/curl /dev/sda1 /mnt",
        &format!(
            "{} {} {}",
            curl_info("💾 mount  "),
            cyan("/dev/sda1"),
            cyan("/mnt")
        ),
    );
    check(
        &kprobe("n", curl(), "__x64_sys_pivot_root", two()),
        "💾 pivot_root kube-system/tetragon /usr/bin/curl /dev/sda1 /mnt",
        &format!(
            "{} {} {}",
            curl_info("💾 pivot_root"),
            cyan("/dev/sda1"),
            cyan("/mnt")
        ),
    );
    check(
        &kprobe("n", curl(), "__x64_sys_setuid", vec![Arg::IntArg(0)]),
        "🔑 setuid  kube-system/tetragon /usr/bin/curl 0",
        &format!("{} {}", curl_info("🔑 setuid "), cyan("0")),
    );
    check(
        &kprobe("n", curl(), "__x64_sys_clock_settime", vec![Arg::IntArg(0)]),
        "⏰ clock_settime kube-system/tetragon /usr/bin/curl",
        &curl_info("⏰ clock_settime"),
    );
    check(
        &kprobe("n", curl(), "proc_exec_connector", vec![]),
        "🔧 proc_exec_connector kube-system/tetragon /usr/bin/curl",
        &curl_info("🔧 proc_exec_connector"),
    );
}

#[test]
fn kprobe_setns_namespace_names() {
    let setns = |nstype: i32| {
        kprobe(
            "n",
            curl(),
            "__x64_sys_setns",
            vec![Arg::IntArg(3), Arg::IntArg(nstype)],
        )
    };
    for (nstype, name) in [
        (0, "any"),
        (0x0200_0000, "cgroup"),
        (0x0800_0000, "ipc"),
        (0x4000_0000, "net"),
        (0x0002_0000, "mnt"),
        (0x2000_0000, "pid"),
        (0x80, "time"),
        (0x1000_0000, "user"),
        (0x0400_0000, "uts"),
        // Several namespaces at once (setns on a pidfd): no name.
        (0x7c02_0000, ""),
    ] {
        // The namespace name is printed without color, as Tetragon does.
        check(
            &setns(nstype),
            &format!("🔧 setns   kube-system/tetragon /usr/bin/curl {name}"),
            &format!("{} {name}", curl_info("🔧 setns  ")),
        );
    }
}

#[test]
fn kprobe_tcp_connect_close_sendmsg() {
    let s = || sock("10.244.0.6", 35596, "185.199.110.133", 443);
    let tuple = "tcp 10.244.0.6:35596 -> 185.199.110.133:443";
    check(
        &kprobe("n", curl(), "tcp_connect", vec![s()]),
        &format!("🔌 connect kube-system/tetragon /usr/bin/curl {tuple}"),
        &format!("{} {}", curl_info("🔌 connect"), cyan(tuple)),
    );
    check(
        &kprobe("n", curl(), "tcp_close", vec![s()]),
        &format!("🧹 close   kube-system/tetragon /usr/bin/curl {tuple}"),
        &format!("{} {}", curl_info("🧹 close  "), cyan(tuple)),
    );
    check(
        &kprobe("n", curl(), "tcp_sendmsg", vec![s(), Arg::IntArg(38)]),
        &format!("📤 sendmsg kube-system/tetragon /usr/bin/curl {tuple} bytes 38"),
        &format!("{} {} bytes 38", curl_info("📤 sendmsg"), cyan(tuple)),
    );
    check(
        &kprobe("n", curl(), "tcp_sendmsg", vec![]),
        "📤 sendmsg kube-system/tetragon /usr/bin/curl  bytes 0",
        &format!("{}  bytes 0", curl_info("📤 sendmsg")),
    );
}

#[test]
fn kprobe_bpf_check_perf_event_bpf_map() {
    let bpftool = || in_pod(process("/usr/bin/bpftool", ""), "kube-system", "tetragon");
    let info = |event: &str| {
        format!(
            "{} {} {}",
            blue(event),
            green("kube-system/tetragon"),
            magenta("/usr/bin/bpftool")
        )
    };
    let checkb = |ev: &GetEventsResponse, p: &str, c: &str| {
        assert_eq!(plain(ev), p);
        assert_eq!(colored(ev), trail(c, false));
    };
    checkb(
        &kprobe("n", bpftool(), "bpf_check", vec![]),
        "🐝 bpf_load kube-system/tetragon /usr/bin/bpftool ",
        &format!("{} ", info("🐝 bpf_load")),
    );
    checkb(
        &kprobe(
            "n",
            bpftool(),
            "bpf_check",
            vec![Arg::BpfAttrArg(KprobeBpfAttr {
                prog_type: "BPF_PROG_TYPE_KPROBE".into(),
                insn_cnt: 2048,
                prog_name: "amazing-program".into(),
            })],
        ),
        "🐝 bpf_load kube-system/tetragon /usr/bin/bpftool BPF_PROG_TYPE_KPROBE amazing-program instruction count 2048",
        &format!(
            "{} {}",
            info("🐝 bpf_load"),
            cyan("BPF_PROG_TYPE_KPROBE amazing-program instruction count 2048")
        ),
    );
    checkb(
        &kprobe("n", bpftool(), "security_perf_event_alloc", vec![]),
        "🐝 perf_event_alloc kube-system/tetragon /usr/bin/bpftool ",
        &format!("{} ", info("🐝 perf_event_alloc")),
    );
    checkb(
        &kprobe(
            "n",
            bpftool(),
            "security_perf_event_alloc",
            vec![Arg::PerfEventArg(KprobePerfEvent {
                kprobe_func: "commit_creds".into(),
                r#type: "PERF_TYPE_TRACEPOINT".into(),
                ..Default::default()
            })],
        ),
        "🐝 perf_event_alloc kube-system/tetragon /usr/bin/bpftool PERF_TYPE_TRACEPOINT commit_creds",
        &format!(
            "{} {}",
            info("🐝 perf_event_alloc"),
            cyan("PERF_TYPE_TRACEPOINT commit_creds")
        ),
    );
    let map = || {
        vec![Arg::BpfMapArg(KprobeBpfMap {
            map_type: "BPF_MAP_TYPE_HASH".into(),
            key_size: 8,
            value_size: 8,
            max_entries: 1024,
            map_name: "amazing-map".into(),
        })]
    };
    for function in ["security_bpf_map_alloc", "security_bpf_map_create"] {
        checkb(
            &kprobe("n", bpftool(), function, vec![]),
            "🗺 bpf_map_create kube-system/tetragon /usr/bin/bpftool ",
            &format!("{} ", info("🗺 bpf_map_create")),
        );
        checkb(
            &kprobe("n", bpftool(), function, map()),
            "🗺 bpf_map_create kube-system/tetragon /usr/bin/bpftool BPF_MAP_TYPE_HASH amazing-map key size 8 value size 8 max entries 1024",
            &format!(
                "{} {}",
                info("🗺 bpf_map_create"),
                cyan("BPF_MAP_TYPE_HASH amazing-map key size 8 value size 8 max entries 1024")
            ),
        );
    }
}

#[test]
fn kprobe_security_file_permission() {
    let perm = |mask: i32| {
        kprobe(
            "n",
            curl(),
            "security_file_permission",
            vec![file("/etc/kubernetes/manifests"), Arg::IntArg(mask)],
        )
    };
    check(
        &perm(2),
        "📝 write   kube-system/tetragon /usr/bin/curl /etc/kubernetes/manifests",
        &format!(
            "{} {}",
            curl_info("📝 write  "),
            cyan("/etc/kubernetes/manifests")
        ),
    );
    check(
        &perm(4),
        "📚 read    kube-system/tetragon /usr/bin/curl /etc/kubernetes/manifests",
        &format!(
            "{} {}",
            curl_info("📚 read   "),
            cyan("/etc/kubernetes/manifests")
        ),
    );
    check(
        &perm(1),
        "❓ security_file_permission kube-system/tetragon /usr/bin/curl /etc/kubernetes/manifests",
        &format!(
            "{} {}",
            curl_info("❓ security_file_permission"),
            cyan("/etc/kubernetes/manifests")
        ),
    );
    check(
        &kprobe("n", curl(), "security_file_permission", vec![file("/x")]),
        "❓ security_file_permission kube-system/tetragon /usr/bin/curl ",
        &format!("{} ", curl_info("❓ security_file_permission")),
    );
}

#[test]
fn kprobe_security_mmap_file() {
    let mmap = |prot: u32| {
        kprobe(
            "n",
            curl(),
            "security_mmap_file",
            vec![
                file("/usr/lib/libc.so.6"),
                Arg::UintArg(prot),
                Arg::UintArg(0),
            ],
        )
    };
    for (prot, word) in [
        (0, "mmap-  "),
        (1, "mmap-r "),
        (3, "mmap-rw"),
        (5, "mmap-rx"),
        (7, "mmap-rwx"),
    ] {
        check(
            &mmap(prot),
            &format!("📝 {word} kube-system/tetragon /usr/bin/curl /usr/lib/libc.so.6"),
            &format!(
                "{} {}",
                curl_info(&format!("📝 {word}")),
                cyan("/usr/lib/libc.so.6")
            ),
        );
    }
    check(
        &kprobe("n", curl(), "security_mmap_file", vec![]),
        "❓ security_mmap_file kube-system/tetragon /usr/bin/curl ",
        &format!("{} ", curl_info("❓ security_mmap_file")),
    );
}

#[test]
fn kprobe_truncate() {
    let path = Arg::PathArg(KprobePath {
        path: "/var/log/auth.log".into(),
        ..Default::default()
    });
    check(
        &kprobe("n", curl(), "security_path_truncate", vec![path]),
        "📝 truncate kube-system/tetragon /usr/bin/curl /var/log/auth.log",
        &format!("{} {}", curl_info("📝 truncate"), cyan("/var/log/auth.log")),
    );
    check(
        &kprobe(
            "n",
            curl(),
            "security_file_truncate",
            vec![file("/var/log/auth.log")],
        ),
        "📝 truncate kube-system/tetragon /usr/bin/curl /var/log/auth.log",
        &format!("{} {}", curl_info("📝 truncate"), cyan("/var/log/auth.log")),
    );
    check(
        &kprobe("n", curl(), "security_path_truncate", vec![]),
        "❓ security_path_truncate kube-system/tetragon /usr/bin/curl ",
        &format!("{} ", curl_info("❓ security_path_truncate")),
    );
}

#[test]
fn kprobe_other_functions() {
    check(
        &kprobe("n", curl(), "unhandled_function", vec![]),
        "❓ syscall kube-system/tetragon /usr/bin/curl unhandled_function",
        &format!("{} unhandled_function", curl_info("❓ syscall")),
    );
    // The full function name is printed, prefix included.
    check(
        &kprobe("n", curl(), "__x64_sys_linkat", vec![]),
        "❓ syscall kube-system/tetragon /usr/bin/curl __x64_sys_linkat",
        &format!("{} __x64_sys_linkat", curl_info("❓ syscall")),
    );
}

// --- tracepoints, uprobes, usdt, lsm ----------------------------------------------------------------

#[test]
fn other_tracepoints() {
    let ev = tracepoint(curl(), "sched", "sched_process_fork", vec![]);
    check(
        &ev,
        "⁉️ tracepoint kube-system/tetragon /usr/bin/curl sched sched_process_fork",
        &format!("{} sched sched_process_fork", curl_info("⁉️ tracepoint")),
    );
    // raw_syscalls/sys_exit is not decoded.
    let ev = tracepoint(curl(), "raw_syscalls", "sys_exit", vec![Arg::LongArg(0)]);
    assert_eq!(
        plain(&ev),
        "⁉️ tracepoint kube-system/tetragon /usr/bin/curl raw_syscalls sys_exit"
    );
}

#[cfg(target_arch = "x86_64")]
#[test]
fn raw_syscalls_sys_enter() {
    let sys_enter = |args: Vec<Arg>| tracepoint(curl(), "raw_syscalls", "sys_enter", args);
    let openat = sys_enter(vec![
        Arg::LongArg(257),
        Arg::SizeArg(0xffff_ff9c),
        Arg::SizeArg(0x7ffd_1234_5678),
        Arg::SizeArg(0x80000),
        Arg::SizeArg(0),
    ]);
    let decoded = "openat(int dfd=4294967196, const char *filename=0x7ffd12345678, \
                   int flags=524288, umode_t mode=0)";
    check(
        &openat,
        &format!("☎  syscall kube-system/tetragon /usr/bin/curl {decoded}"),
        &format!("{} {decoded}", curl_info("☎  syscall")),
    );
    // Missing or non-size arguments print `?`.
    let read = sys_enter(vec![Arg::LongArg(0), Arg::SizeArg(3)]);
    assert_eq!(
        plain(&read),
        "☎  syscall kube-system/tetragon /usr/bin/curl \
         read(unsigned int fd=3, char *buf=?, size_t count=?)"
    );
    // No parameters.
    let getpid = sys_enter(vec![Arg::LongArg(39)]);
    assert!(plain(&getpid).ends_with(" getpid()"), "{}", plain(&getpid));
    // The syscall_id argument (syscall64) with the default and another ABI.
    let x64 = sys_enter(vec![Arg::SyscallId(SyscallId {
        id: 59,
        abi: "x64".into(),
    })]);
    assert!(
        plain(&x64).ends_with(
            " execve(const char *filename=?, const char *const *argv=?, const char *const *envp=?)"
        ),
        "{}",
        plain(&x64)
    );
    let i386 = sys_enter(vec![Arg::SyscallId(SyscallId {
        id: 5,
        abi: "i386".into(),
    })]);
    assert_eq!(
        plain(&i386),
        "☎  syscall kube-system/tetragon /usr/bin/curl i386/open"
    );
    // Unknown ids, ABIs and missing ids.
    for args in [
        vec![Arg::LongArg(100_000)],
        vec![Arg::LongArg(-1)],
        vec![Arg::LongArg(335)],
        vec![Arg::SyscallId(SyscallId {
            id: 1,
            abi: "mips".into(),
        })],
        vec![Arg::StringArg("x".into())],
        vec![],
    ] {
        assert_eq!(
            plain(&sys_enter(args)),
            "☎  syscall kube-system/tetragon /usr/bin/curl unknown"
        );
    }
}

#[test]
fn syscall_names() {
    assert_eq!(syscall_name("x64", 0), Some("read"));
    assert_eq!(syscall_name("x64", 59), Some("execve"));
    assert_eq!(syscall_name("x64", 257), Some("openat"));
    assert_eq!(syscall_name("x64", 435), Some("clone3"));
    assert_eq!(syscall_name("x64", 335), None);
    assert_eq!(syscall_name("i386", 11), Some("execve"));
    assert_eq!(syscall_name("i386", 5), Some("open"));
    assert_eq!(syscall_name("arm64", 56), Some("openat"));
    assert_eq!(syscall_name("arm64", 221), Some("execve"));
    assert_eq!(syscall_name("arm64", 79), Some("newfstatat"));
    assert_eq!(syscall_name("arm64", 25), Some("fcntl"));
    assert_eq!(syscall_name("arm32", 1), None);
    assert_eq!(syscall_name("x64", u64::MAX), None);
}

#[test]
fn uprobe_usdt_lsm() {
    let ev = response(
        "n",
        Event::ProcessUprobe(ProcessUprobe {
            process: Some(curl()),
            path: "/usr/lib/libssl.so.3".into(),
            symbol: "SSL_write".into(),
            ..Default::default()
        }),
    );
    check(
        &ev,
        "🕵️ uprobe  kube-system/tetragon /usr/bin/curl /usr/lib/libssl.so.3 SSL_write",
        &format!("{} /usr/lib/libssl.so.3 SSL_write", curl_info("🕵️ uprobe ")),
    );
    let ev = response(
        "n",
        Event::ProcessUsdt(ProcessUsdt {
            process: Some(curl()),
            path: "/usr/bin/python3".into(),
            provider: "python".into(),
            name: "function__entry".into(),
            ..Default::default()
        }),
    );
    check(
        &ev,
        "🕵️ usdt    kube-system/tetragon /usr/bin/curl /usr/bin/python3 python function__entry",
        &format!(
            "{} /usr/bin/python3 python function__entry",
            curl_info("🕵️ usdt   ")
        ),
    );
    let ev = response(
        "n",
        Event::ProcessLsm(ProcessLsm {
            process: Some(curl()),
            function_name: "file_open".into(),
            ..Default::default()
        }),
    );
    check(
        &ev,
        "🔒 LSM     kube-system/tetragon /usr/bin/curl file_open",
        &format!("{} file_open", curl_info("🔒 LSM    ")),
    );
}

// --- quoting ----------------------------------------------------------------------------------------

#[test]
fn go_quoting() {
    assert_eq!(go_quote("abc"), r#""abc""#);
    assert_eq!(go_quote(r#"a"b\c"#), r#""a\"b\\c""#);
    assert_eq!(go_quote("\x07\x08\x0c\n\r\t\x0b"), r#""\a\b\f\n\r\t\v""#);
    assert_eq!(go_quote("\x1b[31m\x00\x7f"), r#""\x1b[31m\x00\x7f""#);
    assert_eq!(
        go_quote("\u{85}\u{a0}\u{200b}\u{feff}"),
        r#""\u0085\u00a0\u200b\ufeff""#
    );
    assert_eq!(go_quote("\u{e0001}\u{10fffd}"), r#""\U000e0001\U0010fffd""#);
    assert_eq!(go_quote("héllo wörld 🚀"), "\"héllo wörld 🚀\"");

    assert_eq!(maybe_quote("/usr/bin/curl"), "/usr/bin/curl");
    assert_eq!(maybe_quote("héllo/🚀️"), "héllo/🚀️");
    assert_eq!(maybe_quote(""), "");
    assert_eq!(maybe_quote("/tmp/my file"), r#""/tmp/my file""#);
    assert_eq!(maybe_quote("/tmp/a\tb"), r#""/tmp/a\tb""#);
    assert_eq!(maybe_quote("/tmp/a\u{2028}"), r#""/tmp/a\u2028""#);
}

#[test]
fn untrusted_strings_are_quoted() {
    let p = process("/tmp/evil bin", "-c \"echo hi\"");
    assert_eq!(
        plain(&exec("node 1", p.clone())),
        r#"🚀 process "node 1" "/tmp/evil bin" -c "echo hi""#
    );
    // Arguments are quoted only for non-printable characters.
    let p = process("/bin/echo", "\x1b[2J hi");
    assert_eq!(
        plain(&exec("n", p)),
        r#"🚀 process n /bin/echo "\x1b[2J hi""#
    );
    let ev = kprobe(
        "n",
        curl(),
        "__x64_sys_openat",
        vec![Arg::IntArg(0), Arg::StringArg("/tmp/a b\n".into())],
    );
    assert_eq!(
        plain(&ev),
        r#"📬️ openat  kube-system/tetragon /usr/bin/curl "/tmp/a b\n""#
    );
    assert_eq!(
        colored(&ev),
        trail(
            &format!("{} {}", curl_info("📬️ openat "), cyan(r#""/tmp/a b\n""#)),
            false
        )
    );
    let ev = kprobe(
        "n",
        curl(),
        "__x64_sys_write",
        vec![file("/tmp/x y"), Arg::IntArg(1), Arg::SizeArg(1)],
    );
    assert_eq!(
        plain(&ev),
        r#"📝 write   kube-system/tetragon /usr/bin/curl "/tmp/x y" 1 bytes"#
    );
    let ev = response(
        "n",
        Event::ProcessUprobe(ProcessUprobe {
            process: Some(curl()),
            path: "/opt/my app/lib.so".into(),
            symbol: "f\u{7}".into(),
            ..Default::default()
        }),
    );
    assert_eq!(
        plain(&ev),
        r#"🕵️ uprobe  kube-system/tetragon /usr/bin/curl "/opt/my app/lib.so" "f\a""#
    );
}

// --- timestamps --------------------------------------------------------------------------------------

#[test]
fn timestamps_prefix() {
    let opts = CompactOptions {
        color: false,
        timestamps: true,
    };
    let mut ev = exec("n", curl());
    assert_eq!(
        compact_line(&ev, &opts).unwrap(),
        "1970-01-01T00:00:00.000000000Z 🚀 process kube-system/tetragon /usr/bin/curl "
    );
    ev.time = parse_rfc3339("2025-10-22T11:39:42.43762Z");
    assert_eq!(
        compact_line(&ev, &opts).unwrap(),
        "2025-10-22T11:39:42.437620000Z 🚀 process kube-system/tetragon /usr/bin/curl "
    );
    ev.time = parse_rfc3339("2024-02-29T23:59:59Z");
    let line = compact_line(&ev, &opts).unwrap();
    assert!(
        line.starts_with("2024-02-29T23:59:59.000000000Z 🚀 "),
        "{line}"
    );
    // The prefix does not take part in the CAP padding.
    let mut ev = exec(
        "n",
        privileged(in_pod(
            process("/usr/bin/curl", "https://ebpf.io"),
            "default",
            "xwing",
        )),
    );
    ev.time = parse_rfc3339("2024-01-01T00:00:00.123456789Z");
    assert_eq!(
        compact_line(&ev, &opts).unwrap(),
        format!(
            "2024-01-01T00:00:00.123456789Z 🚀 process default/xwing /usr/bin/curl https://ebpf.io {}🛑 CAP_SYS_ADMIN",
            " ".repeat(49)
        )
    );
    // Colors and timestamps together; the timestamp itself is not colored.
    let both = CompactOptions {
        color: true,
        timestamps: true,
    };
    let ev = response("n", Event::Test(Test::default()));
    assert_eq!(
        compact_line(&ev, &both).unwrap(),
        "1970-01-01T00:00:00.000000000Z TEST EVENT"
    );
}

// --- extra lines -------------------------------------------------------------------------------------

#[test]
fn stack_traces_and_ima_hash() {
    let ev = response(
        "n",
        Event::ProcessKprobe(ProcessKprobe {
            process: Some(curl()),
            function_name: "fd_install".into(),
            kernel_stack_trace: vec![StackTraceEntry {
                address: 0xffff_ffff_8100_0000,
                offset: 0x1a,
                symbol: "fd_install".into(),
                ..Default::default()
            }],
            user_stack_trace: vec![
                StackTraceEntry {
                    address: 0x7f00_0000_1000,
                    offset: 0x1000,
                    symbol: "open64".into(),
                    module: "/usr/lib/libc.so.6".into(),
                },
                StackTraceEntry {
                    address: 0x5555_0000_2000,
                    offset: 0x2000,
                    module: "/usr/bin/curl".into(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        }),
    );
    assert_eq!(
        compact_extra_lines(&ev, &PLAIN),
        "Kernel:\n   0xffffffff81000000: fd_install+0x1a\n\
         User:\n   0x7f0000001000: open64 (/usr/lib/libc.so.6+0x1000)\n\
         \x20  0x555500002000: (/usr/bin/curl+0x2000)\n"
    );
    assert_eq!(
        compact_extra_lines(&ev, &COLOR),
        format!(
            "Kernel:\n{}{}+{}User:\n{}{}{}{}{}",
            green("   0xffffffff81000000:"),
            blue(" fd_install"),
            yellow("0x1a\n"),
            green("   0x7f0000001000:"),
            blue(" open64"),
            yellow(" (/usr/lib/libc.so.6+0x1000)\n"),
            green("   0x555500002000:"),
            yellow(" (/usr/bin/curl+0x2000)\n"),
        )
    );
    assert_eq!(compact_extra_lines(&exec("n", curl()), &PLAIN), "");

    let lsm = |function: &str, arg: Arg, hash: &str| {
        response(
            "n",
            Event::ProcessLsm(ProcessLsm {
                process: Some(curl()),
                function_name: function.into(),
                args: vec![karg(arg)],
                ima_hash: hash.into(),
                ..Default::default()
            }),
        )
    };
    let binprm = Arg::LinuxBinprmArg(KprobeLinuxBinprm {
        path: "/usr/bin/curl".into(),
        ..Default::default()
    });
    let ev = lsm("bprm_check_security", binprm.clone(), "sha256:abcd");
    assert_eq!(
        compact_extra_lines(&ev, &PLAIN),
        "   /usr/bin/curl sha256:abcd\n"
    );
    assert_eq!(
        compact_extra_lines(&ev, &COLOR),
        format!("{}{}", green("   /usr/bin/curl"), blue(" sha256:abcd\n"))
    );
    assert_eq!(
        compact_extra_lines(&lsm("file_open", file("/etc/passwd"), "sha1:01"), &PLAIN),
        "   /etc/passwd sha1:01\n"
    );
    // No hash, an unlisted hook, or an argument of another kind: nothing.
    assert_eq!(
        compact_extra_lines(&lsm("bprm_check_security", binprm.clone(), ""), &PLAIN),
        ""
    );
    assert_eq!(
        compact_extra_lines(&lsm("task_alloc", binprm, "sha1:01"), &PLAIN),
        ""
    );
    assert_eq!(
        compact_extra_lines(&lsm("file_open", Arg::IntArg(1), "sha1:01"), &PLAIN),
        ""
    );
}

// --- field-notes samples --------------------------------------------------------------------------

/// The samples were copied from rendered documentation, which collapses runs of spaces: compare
/// with runs of whitespace collapsed (and no trailing space).
fn collapsed(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn assert_sample(ev: &GetEventsResponse, sample: &str) {
    let line = plain(ev);
    assert_eq!(collapsed(&line), sample, "line: {line:?}");
}

fn host(binary: &str, args: &str) -> Process {
    privileged(process(binary, args))
}

fn sith(binary: &str, args: &str) -> Process {
    privileged(in_pod(process(binary, args), "default", "sith-infiltrator"))
}

#[test]
fn field_notes_process_and_network_samples() {
    let url =
        "https://raw.githubusercontent.com/realpython/python-scripts/master/scripts/18_zipper.py";
    let node = "kind-control-plane";
    let s = || sock("10.244.0.6", 35596, "185.199.110.133", 443);
    let cases = [
        (
            exec(node, host("/usr/bin/python", "")),
            "🚀 process kind-control-plane /usr/bin/python 🛑 CAP_SYS_ADMIN".to_owned(),
        ),
        (
            exec(node, host("/usr/bin/curl", url)),
            format!("🚀 process kind-control-plane /usr/bin/curl {url} 🛑 CAP_SYS_ADMIN"),
        ),
        (
            kprobe(node, host("/usr/bin/curl", url), "tcp_connect", vec![s()]),
            "🔌 connect kind-control-plane /usr/bin/curl tcp 10.244.0.6:35596 -> 185.199.110.133:443 🛑 CAP_SYS_ADMIN".to_owned(),
        ),
        (
            kprobe(node, host("/usr/bin/curl", url), "tcp_close", vec![s()]),
            "🧹 close kind-control-plane /usr/bin/curl tcp 10.244.0.6:35596 -> 185.199.110.133:443 🛑 CAP_SYS_ADMIN".to_owned(),
        ),
        (
            exit(node, host("/usr/bin/curl", url), 0, ""),
            format!("💥 exit kind-control-plane /usr/bin/curl {url} 0 🛑 CAP_SYS_ADMIN"),
        ),
        (
            exit(node, host("/usr/bin/python", ""), 0, ""),
            "💥 exit kind-control-plane /usr/bin/python 0 🛑 CAP_SYS_ADMIN".to_owned(),
        ),
    ];
    for (ev, sample) in &cases {
        assert_sample(ev, sample);
    }

    // tcp_connect / tcp_close of the whole node; events from softirq context have no binary
    // and no capabilities.
    let systemd = || host("/usr/lib/systemd/systemd", "");
    let kernel = || process("", "");
    let t = |p: Process, f: &str, sa: &str, sp: u32, da: &str, dp: u32| {
        kprobe(node, p, f, vec![sock(sa, sp, da, dp)])
    };
    let lo = "127.0.0.1";
    let cases = [
        (
            t(systemd(), "tcp_connect", lo, 46318, lo, 10259),
            "🔌 connect kind-control-plane /usr/lib/systemd/systemd tcp 127.0.0.1:46318 -> 127.0.0.1:10259 🛑 CAP_SYS_ADMIN",
        ),
        (
            t(systemd(), "tcp_close", lo, 46318, lo, 10259),
            "🧹 close kind-control-plane /usr/lib/systemd/systemd tcp 127.0.0.1:46318 -> 127.0.0.1:10259 🛑 CAP_SYS_ADMIN",
        ),
        (
            t(kernel(), "tcp_close", lo, 0, lo, 46318),
            "🧹 close kind-control-plane tcp 127.0.0.1:0 -> 127.0.0.1:46318",
        ),
        (
            t(kernel(), "tcp_connect", lo, 40446, lo, 8080),
            "🔌 connect kind-control-plane tcp 127.0.0.1:40446 -> 127.0.0.1:8080",
        ),
        (
            t(kernel(), "tcp_close", lo, 40446, lo, 8080),
            "🧹 close kind-control-plane tcp 127.0.0.1:40446 -> 127.0.0.1:8080",
        ),
        (
            t(kernel(), "tcp_close", lo, 8080, lo, 40446),
            "🧹 close kind-control-plane tcp 127.0.0.1:8080 -> 127.0.0.1:40446",
        ),
        (
            t(kernel(), "tcp_connect", lo, 40452, lo, 8080),
            "🔌 connect kind-control-plane tcp 127.0.0.1:40452 -> 127.0.0.1:8080",
        ),
        (
            t(systemd(), "tcp_connect", lo, 58178, lo, 2381),
            "🔌 connect kind-control-plane /usr/lib/systemd/systemd tcp 127.0.0.1:58178 -> 127.0.0.1:2381 🛑 CAP_SYS_ADMIN",
        ),
        (
            t(kernel(), "tcp_close", lo, 2381, lo, 58178),
            "🧹 close kind-control-plane tcp 127.0.0.1:2381 -> 127.0.0.1:58178",
        ),
        (
            t(systemd(), "tcp_close", lo, 58178, lo, 2381),
            "🧹 close kind-control-plane /usr/lib/systemd/systemd tcp 127.0.0.1:58178 -> 127.0.0.1:2381 🛑 CAP_SYS_ADMIN",
        ),
    ];
    for (ev, sample) in &cases {
        assert_sample(ev, sample);
    }

    // tcp_sendmsg with the byte count from an int argument.
    let ev = kprobe(
        "n",
        in_pod(
            process("/usr/bin/curl", "https://httpbin.org/get"),
            "default",
            "elasticsearch-quickstart-es-default-0",
        ),
        "tcp_sendmsg",
        vec![
            sock("10.42.0.11", 49958, "54.157.190.211", 443),
            Arg::IntArg(38),
        ],
    );
    assert_sample(
        &ev,
        "📤 sendmsg default/elasticsearch-quickstart-es-default-0 /usr/bin/curl tcp 10.42.0.11:49958 -> 54.157.190.211:443 bytes 38",
    );
}

#[test]
fn field_notes_sith_infiltrator_samples() {
    let setns = |nstype: i32| {
        kprobe(
            "kind-control-plane",
            sith("/usr/bin/nsenter", "-t 1 -a bash"),
            "__x64_sys_setns",
            vec![Arg::IntArg(3), Arg::IntArg(nstype)],
        )
    };
    let permission = |binary: &str, args: &str, path: &str, mask: i32| {
        kprobe(
            "kind-control-plane",
            sith(binary, args),
            "security_file_permission",
            vec![file(path), Arg::IntArg(mask)],
        )
    };
    let rootfs = "/run/containerd/io.containerd.runtime.v2.task/k8s.io/323bd684d621510af170e9d4e42bd2acd4523511a586654935bb51b09a9e822b/rootfs";
    let cp_args = format!("/kind/product_name /kind/product_uuid {rootfs}/");
    let mount_args =
        format!("-o ro,bind {rootfs}/product_name {rootfs}/sys/class/dmi/id/product_name");
    let n = "kind-control-plane";
    let cases = [
        (
            exec(n, sith("/usr/bin/nsenter", "-t 1 -a bash")),
            "🚀 process default/sith-infiltrator /usr/bin/nsenter -t 1 -a bash 🛑 CAP_SYS_ADMIN".to_owned(),
        ),
        // nsenter -a on a pidfd joins several namespaces in one setns call: no single name.
        (
            setns(0x7e02_0000),
            "🔧 setns default/sith-infiltrator /usr/bin/nsenter 🛑 CAP_SYS_ADMIN".to_owned(),
        ),
        (
            exec(n, sith("/usr/bin/bash", "")),
            "🚀 process default/sith-infiltrator /usr/bin/bash 🛑 CAP_SYS_ADMIN".to_owned(),
        ),
        (
            exec(n, sith("/bin/bash", "")),
            "🚀 process default/sith-infiltrator /bin/bash 🛑 CAP_SYS_ADMIN".to_owned(),
        ),
        (
            exec(
                n,
                sith(
                    "/kind/bin/mount-product-files.sh",
                    "/kind/bin/mount-product-files.sh",
                ),
            ),
            "🚀 process default/sith-infiltrator /kind/bin/mount-product-files.sh /kind/bin/mount-product-files.sh 🛑 CAP_SYS_ADMIN".to_owned(),
        ),
        (
            exec(n, sith("/usr/bin/jq", "-r .bundle")),
            "🚀 process default/sith-infiltrator /usr/bin/jq -r .bundle 🛑 CAP_SYS_ADMIN".to_owned(),
        ),
        (
            exit(n, sith("/usr/bin/jq", "-r .bundle"), 0, ""),
            "💥 exit default/sith-infiltrator /usr/bin/jq -r .bundle 0 🛑 CAP_SYS_ADMIN".to_owned(),
        ),
        (
            exec(n, sith("/usr/bin/cp", &cp_args)),
            format!("🚀 process default/sith-infiltrator /usr/bin/cp {cp_args} 🛑 CAP_SYS_ADMIN"),
        ),
        (
            exit(n, sith("/usr/bin/cp", &cp_args), 0, ""),
            format!("💥 exit default/sith-infiltrator /usr/bin/cp {cp_args} 0 🛑 CAP_SYS_ADMIN"),
        ),
        (
            exec(n, sith("/usr/bin/mount", &mount_args)),
            format!(
                "🚀 process default/sith-infiltrator /usr/bin/mount {mount_args} 🛑 CAP_SYS_ADMIN"
            ),
        ),
        (
            exec(n, sith("/usr/bin/ls", "-la")),
            "🚀 process default/sith-infiltrator /usr/bin/ls -la 🛑 CAP_SYS_ADMIN".to_owned(),
        ),
        (
            permission("/usr/bin/ls", "-la", "/etc/kubernetes/manifests", 4),
            "📚 read default/sith-infiltrator /usr/bin/ls /etc/kubernetes/manifests 🛑 CAP_SYS_ADMIN".to_owned(),
        ),
        (
            exit(n, sith("/usr/bin/ls", "-la"), 0, ""),
            "💥 exit default/sith-infiltrator /usr/bin/ls -la 0 🛑 CAP_SYS_ADMIN".to_owned(),
        ),
        (
            exit(n, sith("/usr/bin/ls", "-la"), 2, ""),
            "💥 exit default/sith-infiltrator /usr/bin/ls -la 2 🛑 CAP_SYS_ADMIN".to_owned(),
        ),
        (
            exec(n, sith("/usr/bin/cat", "")),
            "🚀 process default/sith-infiltrator /usr/bin/cat 🛑 CAP_SYS_ADMIN".to_owned(),
        ),
        (
            permission(
                "/usr/bin/cat",
                "",
                "/etc/kubernetes/manifests/hack-latest.yaml",
                2,
            ),
            "📝 write default/sith-infiltrator /usr/bin/cat /etc/kubernetes/manifests/hack-latest.yaml 🛑 CAP_SYS_ADMIN".to_owned(),
        ),
        (
            exit(n, sith("/usr/bin/cat", ""), 0, ""),
            "💥 exit default/sith-infiltrator /usr/bin/cat 0 🛑 CAP_SYS_ADMIN".to_owned(),
        ),
    ];
    for (ev, sample) in &cases {
        assert_sample(ev, sample);
    }
}
