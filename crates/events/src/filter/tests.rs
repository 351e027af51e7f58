//! Tests of the export filters: every allow/deny key (matching and not
//! matching), combination rules, parse errors, field filters, redaction and
//! the rate limiter. Examples from the field notes are acceptance cases.

use std::time::{Duration, Instant};

use prost_types::Timestamp;
use serde_json::json;

use super::*;
use crate::json::{from_json_line, to_json_line};
use crate::tetragon::{
    Capabilities, CapabilitiesType, Container, EnvVar, KprobeArgument, Pod, ProcessExec,
    ProcessExit, ProcessKprobe, ProcessLsm, ProcessThrottle, ProcessTracepoint, ProcessUprobe,
    RateLimitInfo, kprobe_argument,
};

#[allow(dead_code)]
#[path = "../../tests/data/field_notes.rs"]
mod field_notes;

// ---------------------------------------------------------------- builders

fn proc(binary: &str, arguments: &str, pid: u32) -> Process {
    Process {
        exec_id: format!("id-{pid}"),
        pid: Some(pid),
        tid: Some(pid),
        binary: binary.into(),
        arguments: arguments.into(),
        ..Default::default()
    }
}

fn in_pod(mut p: Process, namespace: &str, name: &str, labels: &[(&str, &str)]) -> Process {
    p.pod = Some(Pod {
        namespace: namespace.into(),
        name: name.into(),
        container: Some(Container {
            id: "containerd://abc".into(),
            name: "main".into(),
            ..Default::default()
        }),
        pod_labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Default::default()
    });
    p.docker = "3f1e2d4c5b6a".into();
    p
}

fn wrap(event: Event) -> GetEventsResponse {
    GetEventsResponse {
        event: Some(event),
        node_name: "node1".into(),
        time: Some(Timestamp {
            seconds: 1_700_000_000,
            nanos: 5,
        }),
        ..Default::default()
    }
}

fn exec(process: Process, parent: Option<Process>, ancestors: Vec<Process>) -> GetEventsResponse {
    wrap(Event::ProcessExec(ProcessExec {
        process: Some(process),
        parent,
        ancestors,
    }))
}

fn exec1(process: Process) -> GetEventsResponse {
    exec(process, Some(proc("/usr/bin/bash", "-l", 1)), Vec::new())
}

fn exit(process: Process, parent: Option<Process>) -> GetEventsResponse {
    wrap(Event::ProcessExit(ProcessExit {
        process: Some(process),
        parent,
        signal: "SIGKILL".into(),
        status: 9,
        ..Default::default()
    }))
}

fn kprobe(process: Process, policy: &str) -> GetEventsResponse {
    wrap(Event::ProcessKprobe(ProcessKprobe {
        process: Some(process),
        parent: Some(proc("/usr/bin/bash", "", 1)),
        function_name: "security_file_permission".into(),
        policy_name: policy.into(),
        args: vec![KprobeArgument {
            arg: Some(kprobe_argument::Arg::IntArg(4)),
            label: String::new(),
        }],
        ..Default::default()
    }))
}

fn throttle() -> GetEventsResponse {
    wrap(Event::ProcessThrottle(ProcessThrottle {
        r#type: 1,
        cgroup: "/sys/fs/cgroup/x".into(),
    }))
}

fn filter(json: &str) -> EventFilter {
    let mut v = EventFilter::parse_stream(json).unwrap_or_else(|e| panic!("{json}: {e}"));
    assert_eq!(v.len(), 1, "{json}");
    v.remove(0)
}

fn parse_err(json: &str) -> FilterErrorKind {
    EventFilter::parse_stream(json)
        .err()
        .unwrap_or_else(|| panic!("{json} accepted"))
        .kind
}

/// Asserts that `json` matches every event of `yes` and none of `no`.
fn check(json: &str, yes: &[&GetEventsResponse], no: &[&GetEventsResponse]) {
    let f = filter(json);
    for (i, ev) in yes.iter().enumerate() {
        assert!(
            f.matches(ev),
            "{json}: should match yes[{i}]: {}",
            to_json_line(ev)
        );
    }
    for (i, ev) in no.iter().enumerate() {
        assert!(
            !f.matches(ev),
            "{json}: should not match no[{i}]: {}",
            to_json_line(ev)
        );
    }
}

fn vim_exec() -> GetEventsResponse {
    from_json_line(field_notes::VIM_EXEC).expect("field-notes sample parses")
}

// ------------------------------------------------------- allow/deny: keys

#[test]
fn key_event_set() {
    let e = exec1(proc("/bin/ls", "", 10));
    let x = exit(proc("/bin/ls", "", 10), None);
    let k = kprobe(proc("/bin/cat", "", 11), "p");
    check(
        r#"{"event_set":["PROCESS_EXEC"]}"#,
        &[&e],
        &[&x, &k, &throttle()],
    );
    check(
        r#"{"event_set":["PROCESS_EXEC","PROCESS_KPROBE"]}"#,
        &[&e, &k],
        &[&x],
    );
    check(r#"{"event_set":[5]}"#, &[&x], &[&e]);
    check(
        r#"{"event_set":["PROCESS_THROTTLE"]}"#,
        &[&throttle()],
        &[&e],
    );
    let rli = rate_limit_info_event(3, "n", Timestamp::default());
    check(r#"{"event_set":["RATE_LIMIT_INFO"]}"#, &[&rli], &[&e]);
    let others = [
        (
            "PROCESS_TRACEPOINT",
            wrap(Event::ProcessTracepoint(ProcessTracepoint::default())),
        ),
        (
            "PROCESS_UPROBE",
            wrap(Event::ProcessUprobe(ProcessUprobe::default())),
        ),
        (
            "PROCESS_LSM",
            wrap(Event::ProcessLsm(ProcessLsm::default())),
        ),
        ("TEST", wrap(Event::Test(Default::default()))),
    ];
    for (name, ev) in &others {
        check(&format!(r#"{{"event_set":["{name}"]}}"#), &[ev], &[&e]);
    }
}

#[test]
fn key_binary_regex() {
    // Field notes: allowlist that logs only vim.
    let json =
        r#"{"event_set": ["PROCESS_EXEC", "PROCESS_EXIT"], "binary_regex": ["^/usr/bin/vim$"]}"#;
    let vim = vim_exec();
    let bash = exec1(proc("/usr/bin/bash", "", 5));
    let vim_kprobe = kprobe(proc("/usr/bin/vim", "", 5), "p");
    check(json, &[&vim], &[&bash, &vim_kprobe, &throttle()]);
    // Unanchored like Go's MatchString; several patterns are ORed.
    check(
        r#"{"binary_regex":["vi", "nothing"]}"#,
        &[&vim],
        &[&bash, &throttle()],
    );
}

#[test]
fn key_parent_binary_regex() {
    let parent_bash = exec(
        proc("/sbin/iptables", "", 3),
        Some(proc("/bin/bash", "", 2)),
        vec![],
    );
    let parent_zsh = exec(
        proc("/sbin/iptables", "", 3),
        Some(proc("/bin/zsh", "", 2)),
        vec![],
    );
    let parent_foo = exec(
        proc("/sbin/iptables", "", 3),
        Some(proc("/bin/foo", "", 2)),
        vec![],
    );
    let orphan = exec(proc("/bin/bash", "", 3), None, vec![]);
    check(
        r#"{"parent_binary_regex":["bash","zsh"]}"#,
        &[&parent_bash, &parent_zsh],
        &[&parent_foo, &orphan, &throttle()],
    );
}

#[test]
fn key_ancestor_binary_regex() {
    let with = exec(
        proc("/usr/bin/curl", "", 30),
        Some(proc("/bin/sh", "", 20)),
        vec![proc("/usr/bin/bash", "", 10), proc("/sbin/init", "", 1)],
    );
    let without = exec(
        proc("/usr/bin/curl", "", 30),
        Some(proc("/usr/bin/bash", "", 20)),
        vec![proc("/sbin/init", "", 1)],
    );
    let no_ancestors = exec(
        proc("/usr/bin/bash", "", 30),
        Some(proc("/usr/bin/bash", "", 20)),
        vec![],
    );
    // Only the `ancestors` list counts (the parent is parent_binary_regex).
    check(
        r#"{"ancestor_binary_regex":["bash$"]}"#,
        &[&with],
        &[&without, &no_ancestors, &throttle()],
    );
}

#[test]
fn key_arguments_regexes() {
    // Field notes: denylist of the socfortress audit script.
    let deny = r#"{"event_set": ["PROCESS_EXEC", "PROCESS_EXIT"], "binary_regex": ["^/bin/bash$", "^/usr/bin/bash$"], "arguments_regex": ["/usr/share/socfortress/scripts/open-audit.sh"]}
{"event_set": ["PROCESS_EXEC","PROCESS_EXIT"], "parent_binary_regex": ["^/usr/bin/bash$"], "parent_arguments_regex": ["/usr/share/socfortress/scripts/open-audit.sh"]}"#;
    let filters = ExportFilter::parse("", deny).unwrap();
    assert_eq!(filters.deny.len(), 2);
    let script = "/usr/share/socfortress/scripts/open-audit.sh --full";
    let the_script = exec(proc("/usr/bin/bash", script, 10), None, vec![]);
    let its_child = exec(
        proc("/usr/bin/auditctl", "-l", 11),
        Some(proc("/usr/bin/bash", script, 10)),
        vec![],
    );
    let its_child_exit = exit(
        proc("/usr/bin/auditctl", "-l", 11),
        Some(proc("/usr/bin/bash", script, 10)),
    );
    let other_bash = exec(
        proc("/usr/bin/bash", "other.sh", 12),
        Some(proc("/usr/bin/bash", "x.sh", 2)),
        vec![],
    );
    let script_by_sh = exec(proc("/bin/sh", script, 13), None, vec![]);
    let child_kprobe = kprobe(proc("/usr/bin/auditctl", "-l", 11), "p");
    assert!(filters.deny[0].matches(&the_script));
    assert!(!filters.deny[0].matches(&its_child));
    assert!(filters.deny[1].matches(&its_child));
    assert!(filters.deny[1].matches(&its_child_exit));
    assert!(!filters.deny[1].matches(&the_script));
    for denied in [&the_script, &its_child, &its_child_exit] {
        assert!(!filters.admits(denied));
    }
    for kept in [&other_bash, &script_by_sh, &child_kprobe] {
        assert!(filters.admits(kept), "{}", to_json_line(kept));
    }
    check(
        r#"{"arguments_regex":["^-p ", "--secret"]}"#,
        &[
            &exec1(proc("/bin/x", "-p 1", 1)),
            &exec1(proc("/bin/x", "a --secret b", 1)),
        ],
        &[&exec1(proc("/bin/x", "a -p 1", 1)), &throttle()],
    );
    check(
        r#"{"parent_arguments_regex":["-l"]}"#,
        &[&exec1(proc("/bin/x", "", 9))],
        &[&exec(proc("/bin/x", "-l", 9), None, vec![]), &throttle()],
    );
}

#[test]
fn key_pid() {
    let vim = vim_exec();
    check(
        r#"{"pid":[19882, 1]}"#,
        &[&vim],
        &[&exec1(proc("/bin/x", "", 19808)), &throttle()],
    );
    // protojson also accepts numbers as strings.
    check(r#"{"pid":["19882"]}"#, &[&vim], &[]);
}

#[test]
fn key_pid_set() {
    let json = r#"{"pid_set":[100]}"#;
    let itself = exec(proc("/bin/a", "", 100), Some(proc("/bin/p", "", 1)), vec![]);
    let child = exec(
        proc("/bin/a", "", 200),
        Some(proc("/bin/p", "", 100)),
        vec![],
    );
    let grandchild = exec(
        proc("/bin/a", "", 300),
        Some(proc("/bin/p", "", 200)),
        vec![proc("/bin/g", "", 100), proc("/sbin/init", "", 1)],
    );
    let unrelated = exec(
        proc("/bin/a", "", 300),
        Some(proc("/bin/p", "", 200)),
        vec![proc("/sbin/init", "", 1)],
    );
    check(
        json,
        &[&itself, &child, &grandchild],
        &[&unrelated, &throttle()],
    );
}

#[test]
fn key_namespace() {
    let host = exec1(proc("/bin/ls", "", 1));
    let foo = exec1(in_pod(proc("/bin/ls", "", 2), "foo", "web-1", &[]));
    let ks = exec1(in_pod(
        proc("/bin/ls", "", 3),
        "kube-system",
        "coredns",
        &[],
    ));
    check(
        r#"{"namespace":["foo"]}"#,
        &[&foo],
        &[&host, &ks, &throttle()],
    );
    // "" selects host (non-pod) events.
    check(r#"{"namespace":[""]}"#, &[&host], &[&foo, &ks, &throttle()]);
    check(
        r#"{"namespace":["", "cilium", "kube-system"]}"#,
        &[&host, &ks],
        &[&foo],
    );
    // Field notes: exec/exit in namespace foo, OR any kprobe.
    let allow = ExportFilter::parse(
        "{\"event_set\": [\"PROCESS_EXEC\", \"PROCESS_EXIT\"], \"namespace\": [\"foo\"]}\n{\"event_set\": [\"PROCESS_KPROBE\"]}\n",
        "",
    )
    .unwrap();
    let foo_exit = exit(in_pod(proc("/bin/ls", "", 2), "foo", "web-1", &[]), None);
    let bar_exit = exit(in_pod(proc("/bin/ls", "", 2), "bar", "web-1", &[]), None);
    let host_kprobe = kprobe(proc("/bin/cat", "", 4), "");
    for yes in [&foo, &foo_exit, &host_kprobe] {
        assert!(allow.admits(yes), "{}", to_json_line(yes));
    }
    for no in [&host, &ks, &bar_exit, &throttle()] {
        assert!(!allow.admits(no), "{}", to_json_line(no));
    }
}

#[test]
fn key_pod_namespace_container_regexes() {
    let host = exec1(proc("/bin/ls", "", 1));
    let web = exec1(in_pod(proc("/bin/ls", "", 2), "prod-eu", "web-7d9f", &[]));
    let db = exec1(in_pod(proc("/bin/ls", "", 3), "staging", "db-0", &[]));
    check(
        r#"{"pod_regex":["^web-"]}"#,
        &[&web],
        &[&db, &host, &throttle()],
    );
    check(
        r#"{"namespace_regex":["^prod-"]}"#,
        &[&web],
        &[&db, &host, &throttle()],
    );
    let mut sidecar = in_pod(proc("/bin/ls", "", 4), "staging", "db-0", &[]);
    if let Some(c) = sidecar.pod.as_mut().and_then(|p| p.container.as_mut()) {
        c.name = "istio-proxy".into();
    }
    let sidecar = exec1(sidecar);
    check(
        r#"{"container_name_regex":["^istio"]}"#,
        &[&sidecar],
        &[&db, &host, &throttle()],
    );
}

#[test]
fn key_labels() {
    let json = r#"{"labels":["app=foo,env in (a,b),!x"]}"#;
    let yes = exec1(in_pod(
        proc("/bin/ls", "", 1),
        "ns",
        "p",
        &[("app", "foo"), ("env", "a")],
    ));
    let has_x = exec1(in_pod(
        proc("/bin/ls", "", 1),
        "ns",
        "p",
        &[("app", "foo"), ("env", "a"), ("x", "1")],
    ));
    let wrong_env = exec1(in_pod(
        proc("/bin/ls", "", 1),
        "ns",
        "p",
        &[("app", "foo"), ("env", "c")],
    ));
    let host = exec1(proc("/bin/ls", "", 1));
    check(json, &[&yes], &[&has_x, &wrong_env, &host, &throttle()]);
    // Selectors are ORed; the empty selector matches any pod but no host event.
    check(r#"{"labels":["app=bar","x"]}"#, &[&has_x], &[&yes, &host]);
    check(r#"{"labels":[""]}"#, &[&yes, &has_x], &[&host]);
}

#[test]
fn key_container_id() {
    let pod = exec1(in_pod(proc("/bin/ls", "", 1), "ns", "p", &[]));
    let host = exec1(proc("/bin/ls", "", 1));
    check(
        r#"{"container_id":["^3f1e"]}"#,
        &[&pod],
        &[&host, &throttle()],
    );
    check(r#"{"container_id":["^ffff"]}"#, &[], &[&pod]);
}

#[test]
fn key_policy_names() {
    let p1 = kprobe(proc("/bin/cat", "", 1), "p1");
    let p2 = kprobe(proc("/bin/cat", "", 1), "p2");
    let lsm = wrap(Event::ProcessLsm(ProcessLsm {
        policy_name: "p1".into(),
        ..Default::default()
    }));
    let tp = wrap(Event::ProcessTracepoint(ProcessTracepoint {
        policy_name: "p3".into(),
        ..Default::default()
    }));
    check(
        r#"{"policy_names":["p1","p3"]}"#,
        &[&p1, &lsm, &tp],
        &[&p2, &exec1(proc("/bin/ls", "", 1)), &throttle()],
    );
}

#[test]
fn key_health_check() {
    let mut probe = in_pod(
        proc("/bin/grpc_health_probe", "-addr=:5000", 7),
        "ns",
        "p",
        &[],
    );
    if let Some(c) = probe.pod.as_mut().and_then(|p| p.container.as_mut()) {
        c.maybe_exec_probe = true;
    }
    let probe_exec = exec1(probe.clone());
    let probe_child = exec(proc("/bin/sh", "", 8), Some(probe), vec![]);
    let normal = exec1(in_pod(proc("/bin/ls", "", 9), "ns", "p", &[]));
    let host = exec1(proc("/bin/ls", "", 1));
    check(
        r#"{"health_check":true}"#,
        &[&probe_exec, &probe_child],
        &[&normal, &host, &throttle()],
    );
    check(
        r#"{"health_check":false}"#,
        &[&normal, &host],
        &[&probe_exec, &probe_child],
    );
}

#[test]
fn key_in_init_tree() {
    let mut p = in_pod(proc("/bin/ls", "", 1), "ns", "p", &[]);
    p.in_init_tree = Some(true);
    let in_tree = exec1(p);
    let vim = vim_exec(); // "in_init_tree": false
    let unset = exec1(proc("/bin/ls", "", 2));
    check(
        r#"{"in_init_tree":true}"#,
        &[&in_tree],
        &[&vim, &unset, &throttle()],
    );
    check(r#"{"in_init_tree":false}"#, &[&vim, &unset], &[&in_tree]);
}

fn with_caps(permitted: &[CapabilitiesType], effective: &[CapabilitiesType]) -> GetEventsResponse {
    let mut p = proc("/bin/x", "", 1);
    p.cap = Some(Capabilities {
        permitted: permitted.iter().map(|c| *c as i32).collect(),
        effective: effective.iter().map(|c| *c as i32).collect(),
        inheritable: Vec::new(),
    });
    exec1(p)
}

#[test]
fn key_capabilities() {
    use CapabilitiesType::*;
    let admin = with_caps(&[CapSysAdmin, CapNetRaw], &[CapSysAdmin]);
    let raw = with_caps(&[CapNetRaw], &[]);
    let dac = with_caps(&[DacOverride], &[DacOverride]);
    let no_cap = exec1(proc("/bin/x", "", 1));
    check(
        r#"{"capabilities":{"permitted":{"any":["CAP_SYS_ADMIN","CAP_BPF"]}}}"#,
        &[&admin],
        &[&raw, &no_cap, &throttle()],
    );
    check(
        r#"{"capabilities":{"permitted":{"all":["CAP_SYS_ADMIN","CAP_NET_RAW"]}}}"#,
        &[&admin],
        &[&raw],
    );
    check(
        r#"{"capabilities":{"permitted":{"exactly":["CAP_NET_RAW"]}}}"#,
        &[&raw],
        &[&admin, &dac],
    );
    check(
        r#"{"capabilities":{"effective":{"none":["CAP_SYS_ADMIN"]}}}"#,
        &[&raw, &dac],
        &[&admin, &no_cap],
    );
    // Sets are ANDed.
    check(
        r#"{"capabilities":{"permitted":{"any":["CAP_NET_RAW"]},"effective":{"any":["CAP_SYS_ADMIN"]}}}"#,
        &[&admin],
        &[&raw],
    );
    // The schema spells DAC_OVERRIDE without CAP_; both names are accepted.
    check(
        r#"{"capabilities":{"effective":{"any":["DAC_OVERRIDE"]}}}"#,
        &[&dac],
        &[&admin],
    );
    check(
        r#"{"capabilities":{"effective":{"any":["CAP_DAC_OVERRIDE"]}}}"#,
        &[&dac],
        &[&admin],
    );
    // Errors: two match sets, none, unknown capability.
    let e = parse_err(r#"{"capabilities":{"permitted":{"any":["CAP_BPF"],"all":["CAP_BPF"]}}}"#);
    assert!(
        matches!(&e, FilterErrorKind::InvalidValue { key, message }
            if key == "capabilities.permitted" && message.contains("only define one match set")),
        "{e:?}"
    );
    let e = parse_err(r#"{"capabilities":{"effective":{}}}"#);
    assert!(
        matches!(&e, FilterErrorKind::InvalidValue { message, .. } if message.contains("exactly one")),
        "{e:?}"
    );
    assert_eq!(
        parse_err(r#"{"capabilities":{"permitted":{"any":["CAP_FLY"]}}}"#),
        FilterErrorKind::BadCapability {
            key: "capabilities.permitted.any".into(),
            value: "\"CAP_FLY\"".into()
        }
    );
    assert_eq!(
        parse_err(r#"{"capabilities":{"allowed":{"any":["CAP_BPF"]}}}"#),
        FilterErrorKind::UnknownKey("allowed".into())
    );
}

#[test]
fn key_cel_expression() {
    let ls = exec1(proc("/usr/bin/ls", "-la /tmp", 42));
    let curl = exec1(proc("/usr/bin/curl", "https://example.com", 7));
    let kp = kprobe(proc("/usr/bin/cat", "/etc/passwd", 9), "files");
    // The field notes' example; uint32 fields compare with int literals.
    check(
        r#"{"cel_expression":["process_exec.process.pid == 42"]}"#,
        &[&ls],
        &[&curl, &kp],
    );
    // Strings, the standard functions, and alternatives (any expression).
    check(
        r#"{"celExpression":["process_exec.process.binary.endsWith('/curl')", "process_kprobe.policy_name == 'files' && process_kprobe.args[0].int_arg == 4"]}"#,
        &[&curl, &kp],
        &[&ls],
    );
    // Enums are their numbers; has() tests presence.
    let mut sig = kprobe(proc("/usr/bin/cat", "", 10), "files");
    if let Some(Event::ProcessKprobe(k)) = &mut sig.event {
        k.action = crate::tetragon::KprobeAction::Sigkill as i32;
    }
    check(
        r#"{"cel_expression":["process_kprobe.action == 3"]}"#,
        &[&sig],
        &[&kp],
    );
    check(
        r#"{"cel_expression":["has(process_exec.parent) && process_exec.parent.pid == 1u"]}"#,
        &[&ls, &curl],
        &[&kp],
    );
    // 64-bit integers are numbers, timestamps are timestamps.
    let mut exit_ev = exit(proc("/usr/bin/ls", "", 42), None);
    if let Some(Event::ProcessExit(e)) = &mut exit_ev.event {
        e.status = 2;
        e.process.as_mut().unwrap().start_time = Some(Timestamp {
            seconds: 1_700_000_000,
            nanos: 0,
        });
    }
    check(
        r#"{"cel_expression":["process_exit.status == 2u && process_exit.process.start_time > timestamp('2023-01-01T00:00:00Z')"]}"#,
        &[&exit_ev],
        &[&ls],
    );
    // A false or non-boolean result, or an error, is no match.
    check(
        r#"{"cel_expression":["process_exec.process.pid"]}"#,
        &[],
        &[&ls],
    );
    check(
        r#"{"cel_expression":["process_exec.nope == 1"]}"#,
        &[],
        &[&ls],
    );
    // AND with the other keys of the filter.
    check(
        r#"{"binary_regex":["ls$"],"cel_expression":["process_exec.process.pid > 10"]}"#,
        &[&ls],
        &[&curl],
    );
    let e = parse_err(r#"{"cel_expression":["process_exec.process.pid =="]}"#);
    match &e {
        FilterErrorKind::BadCelExpression { expression, .. } => {
            assert_eq!(expression, "process_exec.process.pid ==")
        }
        other => panic!("{other:?}"),
    }
    assert!(
        e.to_string()
            .starts_with("cel_expression: invalid expression"),
        "{e}"
    );
    // Nothing to evaluate: accepted.
    assert!(filter(r#"{"cel_expression":[]}"#).is_empty());
}

/// Kubernetes' IP and CIDR functions, over a socket argument's addresses.
#[test]
fn key_cel_expression_ip_and_cidr() {
    let connect = |daddr: &str| {
        wrap(Event::ProcessKprobe(ProcessKprobe {
            process: Some(proc("/usr/bin/curl", "", 5)),
            function_name: "tcp_connect".into(),
            args: vec![KprobeArgument {
                arg: Some(kprobe_argument::Arg::SockArg(crate::tetragon::KprobeSock {
                    daddr: daddr.into(),
                    ..Default::default()
                })),
                label: String::new(),
            }],
            ..Default::default()
        }))
    };
    let private = connect("10.2.3.4");
    let public = connect("93.184.216.34");
    let local = connect("127.0.0.1");
    let v6 = connect("fd00::1");
    check(
        r#"{"cel_expression":["cidr('10.0.0.0/8').containsIP(process_kprobe.args[0].sock_arg.daddr)"]}"#,
        &[&private],
        &[&public, &local, &v6],
    );
    check(
        r#"{"cel_expression":["ip(process_kprobe.args[0].sock_arg.daddr).isLoopback()"]}"#,
        &[&local],
        &[&private, &public],
    );
    check(
        r#"{"cel_expression":["ip(process_kprobe.args[0].sock_arg.daddr).family() == 6"]}"#,
        &[&v6],
        &[&private],
    );
    check(
        r#"{"cel_expression":["ip(process_kprobe.args[0].sock_arg.daddr).isGlobalUnicast() && !cidr('10.0.0.0/8').containsIP(ip(process_kprobe.args[0].sock_arg.daddr))"]}"#,
        &[&public, &v6],
        &[&private, &local],
    );
    check(
        r#"{"cel_expression":["cidr('10.1.2.3/8').masked() == cidr('10.0.0.0/8') && cidr('10.0.0.0/8').prefixLength() == 8 && cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16') && isIP('::1') && !isCIDR('10.0.0.0/40') && cidr('10.0.0.0/8').ip() == ip('10.0.0.0')"]}"#,
        &[&private, &public],
        &[],
    );
}

// ------------------------------------------------- allow/deny: combinations

#[test]
fn and_within_a_filter() {
    let json = r#"{"event_set":["PROCESS_EXEC"],"binary_regex":["^/bin/ls$"],"namespace":["foo"]}"#;
    let all = exec1(in_pod(proc("/bin/ls", "", 1), "foo", "p", &[]));
    let wrong_type = exit(in_pod(proc("/bin/ls", "", 1), "foo", "p", &[]), None);
    let wrong_binary = exec1(in_pod(proc("/bin/cat", "", 1), "foo", "p", &[]));
    let wrong_ns = exec1(in_pod(proc("/bin/ls", "", 1), "bar", "p", &[]));
    check(json, &[&all], &[&wrong_type, &wrong_binary, &wrong_ns]);
}

#[test]
fn or_across_filters_and_deny_over_allow() {
    let allow = "{\"binary_regex\":[\"^/bin/ls$\"]}\n{\"binary_regex\":[\"^/bin/cat$\"]}";
    let deny = r#"{"namespace":["kube-system"]}"#;
    let f = ExportFilter::parse(allow, deny).unwrap();
    let ls = exec1(proc("/bin/ls", "", 1));
    let cat = exec1(proc("/bin/cat", "", 1));
    let vi = exec1(proc("/bin/vi", "", 1));
    let ls_ks = exec1(in_pod(proc("/bin/ls", "", 1), "kube-system", "p", &[]));
    assert!(f.admits(&ls));
    assert!(f.admits(&cat));
    assert!(!f.admits(&vi));
    assert!(!f.admits(&ls_ks), "deny wins over allow");

    // Only a deny list: everything else passes.
    let deny_only = ExportFilter::parse("", deny).unwrap();
    assert!(deny_only.admits(&vi));
    assert!(!deny_only.admits(&ls_ks));
    // Nothing configured: everything passes.
    let none = ExportFilter::default();
    assert!(none.is_empty() && none.admits(&vi) && none.admits(&throttle()));
    // The empty filter matches everything.
    assert!(filter("{}").matches(&throttle()));
    assert!(!ExportFilter::parse("", "{}").unwrap().admits(&ls));
}

#[test]
fn helm_default_lists() {
    let allow = r#"{"event_set":["PROCESS_EXEC","PROCESS_EXIT","PROCESS_KPROBE","PROCESS_UPROBE","PROCESS_TRACEPOINT","PROCESS_LSM"]}"#;
    // Field notes: the Kubernetes denylist.
    let deny = "{\"health_check\":true}\n{\"namespace\":[\"\", \"cilium\", \"kube-system\",\"cert-manager\",\"dynatrace\"]}";
    let f = ExportFilter::parse(allow, deny).unwrap();
    let app = exec1(in_pod(proc("/bin/ls", "", 1), "default", "p", &[]));
    let mut probe = in_pod(proc("/bin/ls", "", 1), "default", "p", &[]);
    if let Some(c) = probe.pod.as_mut().and_then(|p| p.container.as_mut()) {
        c.maybe_exec_probe = true;
    }
    assert!(f.admits(&app));
    assert!(!f.admits(&exec1(probe)));
    assert!(!f.admits(&exec1(proc("/bin/ls", "", 1))), "host event");
    assert!(!f.admits(&exec1(in_pod(proc("/bin/ls", "", 1), "cilium", "p", &[]))));
    assert!(!f.admits(&throttle()), "not in the allowed event set");
}

#[test]
fn camel_case_keys() {
    let json = r#"{"eventSet":["PROCESS_EXEC"],"binaryRegex":["ls$"],"parentBinaryRegex":["bash"],"ancestorBinaryRegex":["init"],"argumentsRegex":["-l"],"parentArgumentsRegex":["-l"],"pidSet":[1],"podRegex":["p"],"namespaceRegex":["f"],"containerNameRegex":["main"],"containerId":["3f"],"policyNames":[],"healthCheck":false,"inInitTree":false,"labels":["app"],"namespace":["foo"],"pid":[2]}"#;
    let ev = exec(
        in_pod(proc("/bin/ls", "-l", 2), "foo", "p", &[("app", "x")]),
        Some(proc("/usr/bin/bash", "-l", 1)),
        vec![proc("/sbin/init", "", 0)],
    );
    check(json, &[&ev], &[&exec1(proc("/bin/ls", "-l", 2))]);
}

#[test]
fn null_and_empty_lists_are_unset() {
    let f = filter(r#"{"binary_regex":[],"namespace":null,"health_check":null,"pid":[]}"#);
    assert!(f.is_empty());
    assert!(f.matches(&throttle()));
}

#[test]
fn parse_errors() {
    assert_eq!(
        parse_err(r#"{"binary":["ls"]}"#),
        FilterErrorKind::UnknownKey("binary".into())
    );
    assert_eq!(
        parse_err(r#"{"Binary_Regex":["ls"]}"#),
        FilterErrorKind::UnknownKey("Binary_Regex".into())
    );
    let e = parse_err(r#"{"binary_regex":["^/usr/bin/(vim"]}"#);
    match &e {
        FilterErrorKind::BadRegex { key, pattern, .. } => {
            assert_eq!(key, "binary_regex");
            assert_eq!(pattern, "^/usr/bin/(vim");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("binary_regex") && e.to_string().contains("^/usr/bin/(vim"));
    let e = parse_err(r#"{"parentArgumentsRegex":["a)"]}"#);
    assert!(matches!(&e, FilterErrorKind::BadRegex { key, pattern, .. }
        if key == "parent_arguments_regex" && pattern == "a)"));
    assert_eq!(
        parse_err(r#"{"event_set":["PROCESS_EXEC","PROCESS_FOO"]}"#),
        FilterErrorKind::BadEventType {
            key: "event_set".into(),
            value: "\"PROCESS_FOO\"".into()
        }
    );
    assert!(matches!(
        parse_err(r#"{"event_set":[2]}"#),
        FilterErrorKind::BadEventType { .. }
    ));
    assert_eq!(
        parse_err(r#"{"binary_regex":["a"],"binaryRegex":["b"]}"#),
        FilterErrorKind::DuplicateKey("binary_regex".into())
    );
    assert!(matches!(
        parse_err(r#"{"binary_regex":"ls"}"#),
        FilterErrorKind::InvalidValue { key, .. } if key == "binary_regex"
    ));
    assert!(matches!(
        parse_err(r#"{"pid":[-1]}"#),
        FilterErrorKind::InvalidValue { key, .. } if key == "pid"
    ));
    assert!(matches!(
        parse_err(r#"{"health_check":"yes"}"#),
        FilterErrorKind::InvalidValue { key, .. } if key == "health_check"
    ));
    let e = parse_err(r#"{"labels":["app in (a"]}"#);
    assert!(
        matches!(&e, FilterErrorKind::BadLabelSelector { selector, .. } if selector == "app in (a")
    );
    assert_eq!(parse_err("[]"), FilterErrorKind::NotAnObject);
    assert!(matches!(parse_err("{"), FilterErrorKind::Json(_)));

    // The position of the bad object is reported.
    let err = EventFilter::parse_stream("{}\n{\"pid\":[1]}\n{\"podRegex\":[\"(\"]}").unwrap_err();
    assert_eq!(err.index, 2);
    assert!(
        err.to_string()
            .starts_with("filter #3: pod_regex: invalid regex \"(\""),
        "{err}"
    );
    assert!(ExportFilter::parse("{}", "{\"nope\":1}").is_err());
}

// ----------------------------------------------------------- field filters

fn field_filters(text: &str) -> FieldFilters {
    FieldFilters::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn field_filter_include_with_inverted_event_set() {
    // Field notes: only exec_id and parent_exec_id, for every type but PROCESS_EXEC.
    let ff = field_filters(
        r#"{"fields":"process.exec_id,process.parent_exec_id", "event_set": ["PROCESS_EXEC"], "invert_event_set": true, "action": "INCLUDE"}"#,
    );
    assert!(!ff.is_empty());
    let vim = vim_exec();
    assert!(!ff.affects(&vim));
    assert_eq!(ff.apply_event(&vim), vim);
    assert_eq!(ff.apply_line(&vim), to_json_line(&vim));

    let mut p = proc("/usr/bin/vim", "x", 19882);
    p.parent_exec_id = "parent-id".into();
    let ev = exit(p, Some(proc("/usr/bin/bash", "", 1)));
    assert!(ff.affects(&ev));
    assert_eq!(
        ff.apply(&ev),
        json!({
            "process_exit": {"process": {"exec_id": "id-19882", "parent_exec_id": "parent-id"}},
            "node_name": "node1",
            "time": "2023-11-14T22:13:20.000000005Z"
        })
    );
    assert_eq!(
        ff.apply_line(&ev),
        r#"{"process_exit":{"process":{"exec_id":"id-19882","parent_exec_id":"parent-id"}},"node_name":"node1","time":"2023-11-14T22:13:20.000000005Z"}"#
    );
    // Non-process events keep their (now empty) event key.
    assert_eq!(
        ff.apply_line(&throttle()),
        r#"{"process_throttle":{},"node_name":"node1","time":"2023-11-14T22:13:20.000000005Z"}"#
    );
}

#[test]
fn field_filter_kubernetes_example() {
    // Field notes: the ConfigMap example (one INCLUDE for every event type).
    let ff = field_filters(
        r#"{"fields":"process.binary,process.arguments,process.cwd,process.pod.name,process.pod.container.name,process.pod.namespace,process.flags,process.tid,process.pod.workload_kind,parent.binary,parent.arguments,args,status,signal,message,policy_name,function_name,event,file.path"}"#,
    );
    let vim = vim_exec();
    assert_eq!(
        ff.apply_line(&vim),
        concat!(
            r#"{"process_exec":{"process":{"cwd":"/etc/tetragon/tetragon.tp.d","binary":"/usr/bin/vim","#,
            r#""arguments":"/tmp/network-monitoring.yaml","flags":"procFS auid","tid":19882},"#,
            r#""parent":{"binary":"/usr/bin/bash"}},"node_name":"linux","time":"2025-10-22T11:39:42.437624740Z"}"#
        )
    );
    let mut p = in_pod(
        proc("/bin/cat", "/etc/shadow", 5),
        "default",
        "web",
        &[("app", "x")],
    );
    if let Some(pod) = p.pod.as_mut() {
        pod.workload_kind = "Deployment".into();
        pod.workload = "web".into();
    }
    let k = kprobe(p, "file-monitoring");
    assert_eq!(
        ff.apply(&k),
        json!({
            "process_kprobe": {
                "process": {
                    "binary": "/bin/cat",
                    "arguments": "/etc/shadow",
                    "pod": {"namespace": "default", "name": "web", "container": {"name": "main"}, "workload_kind": "Deployment"},
                    "tid": 5
                },
                "parent": {"binary": "/usr/bin/bash"},
                "function_name": "security_file_permission",
                "args": [{"int_arg": 4}],
                "policy_name": "file-monitoring"
            },
            "node_name": "node1",
            "time": "2023-11-14T22:13:20.000000005Z"
        })
    );
    let x = exit(proc("/bin/ls", "-l", 3), None);
    assert_eq!(
        ff.apply(&x)["process_exit"],
        json!({"process": {"binary": "/bin/ls", "arguments": "-l", "tid": 3}, "signal": "SIGKILL", "status": 9})
    );
}

#[test]
fn field_filter_exclude_and_precedence() {
    let vim = vim_exec();
    // Reference example: drop the parent.
    let ff = field_filters(r#"{"fields":"parent","action":"EXCLUDE"}"#);
    let out = ff.apply(&vim);
    assert!(out["process_exec"].get("parent").is_none());
    assert_eq!(out["process_exec"]["process"]["pid"], json!(19882));
    assert_eq!(out["node_name"], json!("linux"));

    // EXCLUDE wins over INCLUDE; several INCLUDEs are a union.
    let ff = field_filters(
        "{\"fields\":\"process\"}\n{\"fields\":\"parent.pid\"}\n{\"fields\":\"process.pid,process.start_time\",\"action\":\"EXCLUDE\"}",
    );
    let out = ff.apply(&vim);
    let process = out["process_exec"]["process"].as_object().unwrap();
    assert!(process.get("pid").is_none() && process.get("start_time").is_none());
    assert_eq!(process["binary"], json!("/usr/bin/vim"));
    assert_eq!(out["process_exec"]["parent"], json!({"pid": 19808}));
    // Included below an excluded subtree: still excluded.
    let ff = field_filters(
        "{\"fields\":\"parent.pid\"}\n{\"fields\":\"parent\",\"action\":\"EXCLUDE\"}",
    );
    assert_eq!(ff.apply(&vim)["process_exec"], json!({}));

    // Exclusion limited to an event type.
    let ff = field_filters(
        r#"{"fields":"process.arguments","event_set":["PROCESS_KPROBE"],"action":"EXCLUDE"}"#,
    );
    assert_eq!(ff.apply_event(&vim), vim);
    let k = kprobe(proc("/bin/cat", "secret", 5), "p");
    let out = ff.apply_event(&k);
    let Some(Event::ProcessKprobe(inner)) = &out.event else {
        panic!("kind changed")
    };
    assert_eq!(inner.process.as_ref().unwrap().arguments, "");
    assert_eq!(inner.process.as_ref().unwrap().binary, "/bin/cat");
    assert_eq!(inner.policy_name, "p");
}

#[test]
fn field_filter_paths_camel_case_and_lists() {
    let anc = exec(
        proc("/bin/a", "", 3),
        Some(proc("/bin/p", "", 2)),
        vec![proc("/bin/g", "x", 1), proc("/sbin/init", "", 0)],
    );
    let ff = field_filters(r#"{"fields":"process.execId,ancestors.binary"}"#);
    assert_eq!(
        ff.apply(&anc)["process_exec"],
        json!({"process": {"exec_id": "id-3"}, "ancestors": [{"binary": "/bin/g"}, {"binary": "/sbin/init"}]})
    );
    let mut p = proc("/bin/env", "", 4);
    p.environment_variables = vec![EnvVar {
        key: "A".into(),
        value: "1".into(),
    }];
    let ff =
        field_filters(r#"{"fields":"process.environment_variables.Value","action":"EXCLUDE"}"#);
    assert_eq!(
        ff.apply(&exec1(p))["process_exec"]["process"]["environment_variables"],
        json!([{"Key": "A"}])
    );
}

#[test]
fn field_filter_parse_errors() {
    let err = |text: &str| FieldFilters::parse(text).err().map(|e| e.kind);
    assert!(matches!(err(r#"{"fields":"a","action":"DROP"}"#),
        Some(FilterErrorKind::InvalidValue { key, .. }) if key == "action"));
    assert!(matches!(err(r#"{"fields":""}"#),
        Some(FilterErrorKind::InvalidValue { key, .. }) if key == "fields"));
    assert!(matches!(err(r#"{"fields":"a,,b"}"#),
        Some(FilterErrorKind::InvalidValue { key, .. }) if key == "fields"));
    assert!(matches!(err(r#"{"fields":"a..b"}"#),
        Some(FilterErrorKind::InvalidValue { key, .. }) if key == "fields"));
    assert_eq!(
        err(r#"{"field":"a"}"#),
        Some(FilterErrorKind::UnknownKey("field".into()))
    );
    assert!(matches!(
        err(r#"{"fields":"a","event_set":["EXEC"]}"#),
        Some(FilterErrorKind::BadEventType { .. })
    ));
    // camelCase keys and numeric enum values are accepted.
    let ff =
        field_filters(r#"{"fields":"parent","eventSet":[1],"invertEventSet":false,"action":1}"#);
    assert_eq!(ff.filters()[0].action, FieldAction::Exclude);
    assert!(FieldFilters::parse("").unwrap().is_empty());
    assert!(FieldFilters::default().is_empty());
}

// --------------------------------------------------------------- redaction

#[test]
fn redaction_field_notes_examples() {
    // Field notes example 1: redact the value of -p for binaries named foo.
    let r =
        Redactor::parse(r#"{"binary_regex": ["(?:^|/)foo$"], "redact": ["-p(?:\\s+|=)(\\S*)"]}"#)
            .unwrap();
    let mut p = proc("/usr/bin/foo", "--user admin -p hunter2 --host db", 1);
    r.redact_process(&mut p);
    assert_eq!(p.arguments, "--user admin -p ***** --host db");
    let mut p = proc("foo", "-p=hunter2 -p  other", 1);
    r.redact_process(&mut p);
    assert_eq!(p.arguments, "-p=***** -p  *****");
    let mut p = proc("/usr/bin/foobar", "-p hunter2", 1);
    r.redact_process(&mut p);
    assert_eq!(p.arguments, "-p hunter2", "binary does not match");

    // Field notes example 2 (as given to --redaction-filters, with `\/`).
    let r = Redactor::parse(r#"{"binary_regex": ["(?:^|\/)vim$"], "redact": ["(.*)"]}"#).unwrap();
    let mut ev = vim_exec();
    r.redact_event(&mut ev);
    let line = to_json_line(&ev);
    assert!(
        line.contains(r#""binary":"/usr/bin/vim","arguments":"*****""#),
        "{line}"
    );
    let mut p = proc("/usr/bin/vi", "notes.txt", 1);
    r.redact_process(&mut p);
    assert_eq!(p.arguments, "notes.txt");
}

#[test]
fn redaction_details() {
    // No binary_regex: every binary; several filters apply in order; `match`
    // is the deprecated spelling of binary_regex.
    let r = Redactor::parse(
        "{\"redact\":[\"--token[= ](\\\\S+)\"]}\n{\"match\":[\"curl$\"],\"redact\":[\"(?:https?://)([^@/ ]+)@\"]}",
    )
    .unwrap();
    let mut p = proc("/usr/bin/curl", "--token abc https://user:pw@host/x", 1);
    r.redact_process(&mut p);
    assert_eq!(p.arguments, "--token ***** https://*****@host/x");
    let mut p = proc("/usr/bin/wget", "--token=abc https://user:pw@host/x", 1);
    r.redact_process(&mut p);
    assert_eq!(p.arguments, "--token=***** https://user:pw@host/x");

    // Every participating group is redacted; nested groups once; empty
    // strings are left alone unless the regex matches them.
    let r = Redactor::parse(r#"{"redact":["(a)(x)?(b(c))"]}"#).unwrap();
    assert_eq!(
        r.redact_arguments("/bin/t", "abc abc"),
        Some("********** **********".into())
    );
    assert_eq!(r.redact_arguments("/bin/t", "zzz"), None);

    // Environment variables: matched as KEY=VALUE.
    let r = Redactor::parse(r#"{"redact":["(?:PASSWORD|TOKEN)=(.*)"]}"#).unwrap();
    let mut p = proc("/bin/app", "", 1);
    p.environment_variables = vec![
        EnvVar {
            key: "DB_PASSWORD".into(),
            value: "hunter2".into(),
        },
        EnvVar {
            key: "HOME".into(),
            value: "/root".into(),
        },
    ];
    r.redact_process(&mut p);
    assert_eq!(p.environment_variables[0].key, "DB_PASSWORD");
    assert_eq!(p.environment_variables[0].value, "*****");
    assert_eq!(p.environment_variables[1].value, "/root");

    // redact_event covers parent and ancestors too.
    let r = Redactor::parse(r#"{"redact":["secret=(\\w+)"]}"#).unwrap();
    let mut ev = exec(
        proc("/bin/a", "secret=1", 3),
        Some(proc("/bin/p", "secret=2", 2)),
        vec![proc("/bin/g", "secret=3", 1)],
    );
    r.redact_event(&mut ev);
    let line = to_json_line(&ev);
    assert_eq!(line.matches("secret=*****").count(), 3, "{line}");

    // Errors name the key and the pattern.
    let err = Redactor::parse(r#"{"redact":["(unclosed"]}"#).unwrap_err();
    assert!(
        matches!(&err.kind, FilterErrorKind::BadRegex { key, pattern, .. }
        if key == "redact" && pattern == "(unclosed")
    );
    let err = Redactor::parse(r#"{"binaryRegex":["["]}"#).unwrap_err();
    assert!(matches!(&err.kind, FilterErrorKind::BadRegex { key, .. } if key == "binary_regex"));
    assert_eq!(
        Redactor::parse(r#"{"redcat":[]}"#).unwrap_err().kind,
        FilterErrorKind::UnknownKey("redcat".into())
    );
    assert!(Redactor::parse("").unwrap().is_empty());
}

// ------------------------------------------------------------ rate limiter

#[test]
fn rate_limiter_unlimited_and_zero() {
    let t0 = Instant::now();
    let mut unlimited = RateLimiter::new(-1, t0);
    assert_eq!(unlimited.limit(), None);
    assert!((0..10_000).all(|_| unlimited.allow(t0)));
    assert_eq!(unlimited.take_report(t0 + Duration::from_secs(61)), None);
    // Invalid (other negative) values mean unlimited too.
    assert!(RateLimiter::new(-7, t0).allow(t0));

    let mut zero = RateLimiter::new(0, t0);
    assert!((0..5).all(|i| !zero.allow(t0 + Duration::from_secs(i * 30))));
    assert_eq!(zero.dropped_total(), 5);
    assert_eq!(zero.take_report(t0 + Duration::from_secs(150)), Some(5));
    assert_eq!(zero.dropped_pending(), 0);
}

#[test]
fn rate_limiter_token_bucket_and_reports() {
    let t0 = Instant::now();
    let at = |ms: u64| t0 + Duration::from_millis(ms);
    let mut rl = RateLimiter::new(3, t0);
    // Burst of 3, then drops.
    assert!(rl.allow(at(0)) && rl.allow(at(0)) && rl.allow(at(1)));
    assert!(!rl.allow(at(2)));
    assert!(!rl.allow(at(19_999)));
    // One token every 20 s.
    assert!(rl.allow(at(20_001)));
    assert!(!rl.allow(at(20_002)));
    assert_eq!(rl.dropped_total(), 3);
    // No report before a minute has passed.
    assert_eq!(rl.take_report(at(59_999)), None);
    assert_eq!(rl.take_report(at(60_000)), Some(3));
    assert_eq!(rl.take_report(at(60_001)), None, "once per minute");
    // A long pause refills up to the burst only.
    let later = 10 * 60_000;
    assert!((0..3).all(|i| rl.allow(at(later + i))));
    assert!(!rl.allow(at(later + 3)));
    // A minute without drops reports nothing; drops are counted per period.
    assert_eq!(rl.take_report(at(later + 10)), Some(1));
    assert_eq!(rl.take_report(at(later + 70_000)), None);
    assert_eq!(rl.dropped_total(), 4);
    // Time going backwards neither refills nor panics.
    assert!(!rl.allow(at(5)));
    assert_eq!(rl.dropped_total(), 5);
}

#[test]
fn rate_limit_info_event_encoding() {
    let ev = rate_limit_info_event(
        42,
        "node1",
        Timestamp {
            seconds: 1_700_000_000,
            nanos: 0,
        },
    );
    assert_eq!(
        to_json_line(&ev),
        r#"{"rate_limit_info":{"number_of_dropped_process_events":"42"},"node_name":"node1","time":"2023-11-14T22:13:20Z"}"#
    );
    assert!(matches!(
        ev.event,
        Some(Event::RateLimitInfo(RateLimitInfo {
            number_of_dropped_process_events: 42
        }))
    ));
    assert_eq!(event_type(&ev), crate::tetragon::EventType::RateLimitInfo);
}

// ------------------------------------------------------------ accessors

#[test]
fn event_accessors() {
    let vim = vim_exec();
    assert_eq!(event_key(&vim), Some("process_exec"));
    assert_eq!(event_process(&vim).map(|p| p.pid), Some(Some(19882)));
    assert_eq!(
        event_parent(&vim).map(|p| p.binary.as_str()),
        Some("/usr/bin/bash")
    );
    assert!(event_ancestors(&vim).is_empty());
    assert_eq!(event_policy_name(&vim), None);
    assert_eq!(
        event_policy_name(&kprobe(proc("/x", "", 1), "pol")),
        Some("pol")
    );
    assert_eq!(event_key(&GetEventsResponse::default()), None);
    assert!(event_process(&throttle()).is_none());
}

#[test]
fn field_filter_round_trip_is_lossless() {
    // Fields that no filter touches survive JSON -> message unchanged
    // (64-bit integers as strings, bytes, enums, timestamps, wrappers).
    let ff =
        field_filters(r#"{"fields":"no_such_field,process.no_such_field","action":"EXCLUDE"}"#);
    let mut events: Vec<GetEventsResponse> = [
        field_notes::VIM_EXEC,
        field_notes::NSRESOURCEWORK_EXIT,
        field_notes::KTHREADD_EXIT,
        field_notes::XWING_CURL_EXEC,
        field_notes::ELASTIC_NC_EXIT,
    ]
    .iter()
    .map(|s| from_json_line(s).expect("sample parses"))
    .collect();
    let mut p = in_pod(proc("/bin/cat", "a b", 5), "ns", "pod", &[("app", "x")]);
    p.in_init_tree = Some(false);
    p.auid = Some(u32::MAX);
    p.cap = Some(Capabilities {
        permitted: vec![CapabilitiesType::CapSysAdmin as i32],
        effective: vec![],
        inheritable: vec![],
    });
    let mut k = kprobe(p, "pol");
    if let Some(Event::ProcessKprobe(inner)) = &mut k.event {
        inner.args = vec![
            KprobeArgument {
                arg: Some(kprobe_argument::Arg::BytesArg(vec![0, 1, 2, 255])),
                label: "buf".into(),
            },
            KprobeArgument {
                arg: Some(kprobe_argument::Arg::SizeArg(u64::MAX)),
                label: String::new(),
            },
            KprobeArgument {
                arg: Some(kprobe_argument::Arg::StringArg("/etc/passwd".into())),
                label: String::new(),
            },
        ];
        inner.action = crate::tetragon::KprobeAction::Post as i32;
        inner.tags = vec!["t1".into()];
    }
    events.push(k);
    events.push(throttle());
    events.push(rate_limit_info_event(7, "n", Timestamp::default()));
    for ev in &events {
        assert!(ff.affects(ev));
        assert_eq!(&ff.apply_event(ev), ev, "{}", to_json_line(ev));
        assert_eq!(ff.apply_line(ev), to_json_line(ev));
    }
}
