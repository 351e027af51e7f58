//! The `auspex` binary as a user runs it: export file, stdout/stderr separation, clean shutdown on
//! SIGTERM, errors for people, and `policy validate` exit codes. Agent tests need root and print a
//! SKIP line without it.
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const AUSPEX: &str = env!("CARGO_BIN_EXE_auspex");
/// Agent runs in this file are serialised so that "no program left attached" is meaningful.
static AGENT_LOCK: Mutex<()> = Mutex::new(());

fn is_root(test: &str) -> bool {
    if nix::unistd::geteuid().is_root() {
        return true;
    }
    eprintln!("SKIP {test}: needs root (loads BPF programs)");
    false
}

fn attached_auspex_programs() -> usize {
    libbpf_rs::query::ProgInfoIter::default()
        .filter(|p| p.name.to_str().is_some_and(|n| n.starts_with("auspex_")))
        .count()
}

#[test]
fn root_export_file_clean_shutdown() {
    if !is_root("root_export_file_clean_shutdown") {
        return;
    }
    let _g = AGENT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("tempdir");
    let export = dir.path().join("sub/dir/events.log");
    let mut agent = Command::new(AUSPEX)
        .args(["agent", "--export-filename"])
        .arg(&export)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start agent");
    // Wait for the readiness log line on stderr, keeping the rest for later.
    let stderr = agent.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut log = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !log
        .iter()
        .any(|l: &String| l.contains("auspex agent ready"))
    {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| panic!("agent not ready; log: {log:#?}"));
        log.push(line);
    }
    assert!(
        log.iter()
            .any(|l| l.contains("attached") && l.contains("sched_process_exec"))
    );
    assert!(attached_auspex_programs() >= 3);

    let marker = format!("auspex-cli-marker-{}", std::process::id());
    let st = Command::new("/bin/echo")
        .arg(&marker)
        .stdout(Stdio::null())
        .status()
        .expect("echo");
    assert!(st.success());
    // The export is flushed whenever the pipeline catches up: wait for our line.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let content = std::fs::read_to_string(&export).unwrap_or_default();
        if content.contains(&marker) {
            break;
        }
        assert!(Instant::now() < deadline, "marker exec never exported");
        std::thread::sleep(Duration::from_millis(50));
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(agent.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .expect("SIGTERM");
    let out = agent.wait_with_output().expect("agent exits");
    assert_eq!(out.status.code(), Some(0), "exit code after SIGTERM");
    assert!(
        out.stdout.is_empty(),
        "nothing but events, and they go to the file"
    );
    // The kernel frees detached programs asynchronously (RCU): give it a moment.
    let deadline = Instant::now() + Duration::from_secs(10);
    while attached_auspex_programs() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(attached_auspex_programs(), 0, "everything detached");

    let mode = std::fs::metadata(&export)
        .expect("export exists")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    let content = std::fs::read_to_string(&export).expect("read export");
    let mut exec_lines = 0;
    for line in content.lines() {
        let ev = auspex_events::json::from_json_line(line)
            .unwrap_or_else(|e| panic!("bad line {line}: {e}"));
        assert!(!ev.node_name.is_empty());
        assert!(ev.time.is_some());
        if line.contains(&marker) && line.starts_with("{\"process_exec\"") {
            exec_lines += 1;
            let v: serde_json::Value = serde_json::from_str(line).expect("json");
            assert_eq!(v["process_exec"]["process"]["binary"], "/bin/echo");
            assert_eq!(v["process_exec"]["process"]["arguments"], marker);
        }
    }
    assert_eq!(exec_lines, 1);
}

#[test]
fn not_root_is_a_clear_error() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("SKIP not_root_is_a_clear_error: needs root to drop to an unprivileged uid");
        return;
    }
    // SAFETY: setuid is async-signal-safe; runs in the forked child before exec.
    let out = unsafe {
        Command::new(AUSPEX)
            .arg("agent")
            .pre_exec(|| {
                nix::unistd::setuid(nix::unistd::Uid::from_raw(65534)).map_err(std::io::Error::from)
            })
            .output()
            .expect("run")
    };
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("must run as root"), "{err}");
    assert!(err.contains("sudo"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn missing_btf_is_a_clear_error() {
    if !is_root("missing_btf_is_a_clear_error") {
        return;
    }
    let out = Command::new(AUSPEX)
        .args(["agent", "--btf", "/nonexistent/vmlinux"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("kernel BTF not found at /nonexistent/vmlinux"),
        "{err}"
    );
}

#[test]
fn policy_validate_exit_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good.yaml");
    std::fs::write(
        &good,
        "apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: ok\nspec:\n  kprobes:\n  - call: fd_install\n    syscall: false\n    args:\n    - index: 1\n      type: file\n    selectors:\n    - matchArgs:\n      - index: 1\n        operator: Prefix\n        values: [/etc]\n",
    )
    .expect("write");
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        std::fs::read_to_string(&good)
            .expect("read")
            .replace("Prefix", "StartsWith"),
    )
    .expect("write");
    let ok = Command::new(AUSPEX)
        .args(["policy", "validate"])
        .arg(&good)
        .output()
        .expect("run");
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let ko = Command::new(AUSPEX)
        .args(["policy", "validate"])
        .arg(&good)
        .arg(&bad)
        .output()
        .expect("run");
    assert_eq!(ko.status.code(), Some(1));
    let err = String::from_utf8_lossy(&ko.stderr);
    assert!(err.contains("bad.yaml"), "{err}");
    assert!(
        err.contains("spec.kprobes[0].selectors[0].matchArgs[0].operator"),
        "{err}"
    );
    assert!(err.contains("StartsWith"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let out = Command::new(AUSPEX)
        .args(["agent", "--no-such-flag"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let help = Command::new(AUSPEX)
        .args(["agent", "--help"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--export-filename",
        "--process-cache-size",
        "--enable-ancestors",
        "--enable-process-ancestors",
        "--enable-process-cred",
        "--enable-process-ns",
        "--username-metadata",
        "--procfs",
        "--btf",
        "--log-level",
    ] {
        assert!(text.contains(flag), "--help documents {flag}");
    }
}

#[test]
fn root_tracing_policy_flag_loads_and_refuses() {
    if !is_root("root_tracing_policy_flag_loads_and_refuses") {
        return;
    }
    let _g = AGENT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let watched = d.join("watched");
    std::fs::write(&watched, "x").expect("write");
    let policy = d.join("watch.yaml");
    std::fs::write(
        &policy,
        format!(
            "apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: watch-file\nspec:\n  kprobes:\n  - call: sys_openat\n    args:\n    - index: 1\n      type: string\n    selectors:\n    - matchArgs:\n      - index: 1\n        operator: Equal\n        values: [\"{}\"]\n",
            watched.display()
        ),
    )
    .expect("write policy");
    let export = d.join("events.log");
    let mut agent = Command::new(AUSPEX)
        .args([
            "agent",
            "--tracing-policy-dir",
            "/nonexistent",
            "--tracing-policy",
        ])
        .arg(&policy)
        .arg("--export-filename")
        .arg(&export)
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    let stderr = agent.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut log = Vec::new();
    while !log
        .iter()
        .any(|l: &String| l.contains("auspex agent ready"))
    {
        log.push(
            rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .unwrap_or_else(|_| panic!("not ready: {log:#?}")),
        );
    }
    assert!(
        log.iter()
            .any(|l| l.contains("policy loaded") && l.contains("watch-file")),
        "{log:#?}"
    );
    let _ = std::fs::File::open(&watched);
    let deadline = Instant::now() + Duration::from_secs(30);
    let line = loop {
        let content = std::fs::read_to_string(&export).unwrap_or_default();
        if let Some(l) = content
            .lines()
            .find(|l| l.contains("\"policy_name\":\"watch-file\""))
        {
            break l.to_string();
        }
        assert!(Instant::now() < deadline, "policy event never exported");
        std::thread::sleep(Duration::from_millis(50));
    };
    let v: serde_json::Value = serde_json::from_str(&line).expect("json");
    assert_eq!(v["process_kprobe"]["function_name"], "__x64_sys_openat");
    assert_eq!(
        v["process_kprobe"]["args"][0]["string_arg"],
        watched.to_str().expect("utf8")
    );
    assert_eq!(v["process_kprobe"]["action"], "KPROBE_ACTION_POST");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(agent.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .expect("SIGTERM");
    assert_eq!(agent.wait().expect("exit").code(), Some(0));

    // A policy this kernel cannot run: the agent refuses to start and says why.
    let bad = d.join("lsm.yaml");
    std::fs::write(
        &bad,
        "apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: lsm-here\nspec:\n  lsmhooks:\n  - hook: file_open\n    args:\n    - index: 0\n      type: file\n",
    )
    .expect("write");
    let out = Command::new(AUSPEX)
        .args([
            "agent",
            "--tracing-policy-dir",
            "/nonexistent",
            "--tracing-policy",
        ])
        .arg(&bad)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("lsm.yaml") && err.contains("lsm-here"),
        "{err}"
    );
    assert!(err.contains("spec.lsmhooks[0]"), "{err}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while attached_auspex_programs() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        attached_auspex_programs(),
        0,
        "nothing left after a refused start"
    );
}

/// Starts the agent binary with `args`, waits for readiness; returns the child.
fn start_agent(args: &[&str]) -> std::process::Child {
    let mut agent = Command::new(AUSPEX)
        .arg("agent")
        .args(["--tracing-policy-dir", "/nonexistent"])
        .args(args)
        .stderr(Stdio::piped())
        .spawn()
        .expect("start agent");
    let stderr = agent.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut log = Vec::new();
    while !log
        .iter()
        .any(|l: &String| l.contains("auspex agent ready"))
    {
        log.push(
            rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .unwrap_or_else(|_| panic!("not ready: {log:#?}")),
        );
    }
    agent
}

fn stop_agent(agent: std::process::Child) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(agent.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .expect("SIGTERM");
    let out = agent.wait_with_output().expect("exit");
    assert_eq!(out.status.code(), Some(0));
}

fn all_lines(dir: &std::path::Path) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("dir").flatten() {
        let p = e.path();
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if !name.starts_with("ev") {
            continue;
        }
        let text = if name.ends_with(".gz") {
            let mut t = String::new();
            std::io::Read::read_to_string(
                &mut flate2::read::GzDecoder::new(std::fs::File::open(&p).expect("open")),
                &mut t,
            )
            .expect("gunzip");
            t
        } else {
            std::fs::read_to_string(&p).expect("read")
        };
        for l in text.lines() {
            out.push(
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("split or broken line in {name}: {e}: {l}")),
            );
        }
    }
    out
}

#[test]
fn root_export_filters_redaction_and_field_filters() {
    if !is_root("root_export_filters_redaction_and_field_filters") {
        return;
    }
    let _g = AGENT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let bin = d.join("auspex-marker-bin");
    std::fs::copy("/bin/true", &bin).expect("copy");
    let export = d.join("ev.log");
    let allow = "{\"event_set\":[\"PROCESS_EXEC\"],\"binary_regex\":[\"/auspex-marker-bin$\"]}\n{\"event_set\":[\"PROCESS_EXIT\"],\"binary_regex\":[\"/auspex-marker-bin$\"],\"arguments_regex\":[\"keep\"]}";
    let deny = "{\"arguments_regex\":[\"drop-me\"]}\n{\"cel_expression\":[\"process_exec.process.arguments.startsWith('cel-') && process_exec.process.pid > 1\"]}";
    let redact = "{\"binary_regex\":[\"auspex-marker-bin$\"],\"redact\":[\"--password=(\\\\S+)\"]}";
    let fields = "{\"fields\":\"process.binary,process.arguments\",\"event_set\":[\"PROCESS_EXEC\"],\"action\":\"INCLUDE\"}";
    let agent = start_agent(&[
        "--export-filename",
        export.to_str().expect("utf8"),
        "--export-allowlist",
        allow,
        "--export-denylist",
        deny,
        "--redaction-filters",
        redact,
        "--field-filters",
        fields,
    ]);
    for args in [
        &["--password=hunter2", "keep"][..],
        &["drop-me"][..],
        &["cel-denied"][..],
        &["other"][..],
    ] {
        assert!(
            Command::new(&bin)
                .args(args)
                .status()
                .expect("run")
                .success()
        );
    }
    assert!(
        Command::new("/bin/true")
            .arg("not-allowed")
            .status()
            .expect("run")
            .success()
    );
    std::thread::sleep(Duration::from_millis(300));
    stop_agent(agent);
    let lines = all_lines(&d);
    let execs: Vec<_> = lines
        .iter()
        .filter(|v| v.get("process_exec").is_some())
        .collect();
    let exits: Vec<_> = lines
        .iter()
        .filter(|v| v.get("process_exit").is_some())
        .collect();
    let args_of = |v: &serde_json::Value, k: &str| {
        v[k]["process"]["arguments"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let exec_args: Vec<String> = execs.iter().map(|v| args_of(v, "process_exec")).collect();
    assert_eq!(
        exec_args,
        vec!["--password=***** keep".to_string(), "other".to_string()],
        "allow by binary, deny drop-me and (CEL) cel-*, redacted"
    );
    for v in &execs {
        let p = v["process_exec"]["process"].as_object().expect("process");
        let mut keys: Vec<&str> = p.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(
            keys,
            ["arguments", "binary"],
            "field filter INCLUDE keeps two fields"
        );
        assert!(v["process_exec"].get("parent").is_none());
        assert!(v.get("node_name").is_some() && v.get("time").is_some());
    }
    assert_eq!(
        exits.len(),
        1,
        "exit allowlist needs `keep` in the arguments"
    );
    assert_eq!(args_of(exits[0], "process_exit"), "--password=***** keep");
    assert!(
        exits[0]["process_exit"]["process"]["exec_id"].is_string(),
        "exits keep all fields"
    );
    assert!(
        !lines.iter().any(|v| v.to_string().contains("hunter2")),
        "secret never exported"
    );
}

#[test]
fn root_export_rotation_under_load_loses_and_splits_nothing() {
    if !is_root("root_export_rotation_under_load_loses_and_splits_nothing") {
        return;
    }
    let _g = AGENT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let bin = d.join("rot-marker");
    std::fs::copy("/bin/true", &bin).expect("copy");
    let export = d.join("ev.log");
    let agent = start_agent(&[
        "--export-filename",
        export.to_str().expect("utf8"),
        "--export-file-max-size-mb",
        "1",
        "--export-file-max-backups",
        "50",
        "--export-file-compress",
        "--export-file-perm",
        "640",
    ]);
    const N: usize = 1500;
    for i in 0..N {
        assert!(
            Command::new(&bin)
                .arg(format!("n{i}"))
                .status()
                .expect("run")
                .success()
        );
    }
    std::thread::sleep(Duration::from_millis(300));
    stop_agent(agent);
    let files: Vec<_> = std::fs::read_dir(&d)
        .expect("dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("ev"))
        })
        .collect();
    assert!(files.len() >= 3, "rotated at least twice: {files:?}");
    assert!(
        files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "gz"))
            .count()
            >= 2
    );
    for f in &files {
        let meta = std::fs::metadata(f).expect("meta");
        assert!(
            meta.len() <= 1024 * 1024,
            "{} is {} bytes",
            f.display(),
            meta.len()
        );
        assert_eq!(meta.permissions().mode() & 0o777, 0o640, "{}", f.display());
    }
    let lines = all_lines(&d);
    let mut seen: Vec<usize> = lines
        .iter()
        .filter_map(|v| v.get("process_exec"))
        .filter(|e| e["process"]["binary"].as_str() == bin.to_str())
        .filter_map(|e| {
            e["process"]["arguments"]
                .as_str()?
                .strip_prefix('n')?
                .parse()
                .ok()
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        (0..N).collect::<Vec<_>>(),
        "every exec exported exactly once across rotations"
    );
}

#[test]
fn root_export_rate_limit() {
    if !is_root("root_export_rate_limit") {
        return;
    }
    let _g = AGENT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let export = d.join("ev.log");
    let agent = start_agent(&[
        "--export-filename",
        export.to_str().expect("utf8"),
        "--export-rate-limit",
        "10",
    ]);
    for _ in 0..40 {
        assert!(Command::new("/bin/true").status().expect("run").success());
    }
    std::thread::sleep(Duration::from_millis(300));
    stop_agent(agent);
    let mut lines = all_lines(&d);
    // At shutdown the drops not reported yet come as one rate_limit_info event, last.
    let report = lines.pop().expect("lines");
    let dropped: u64 = report["rate_limit_info"]["number_of_dropped_process_events"]
        .as_str()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("rate_limit_info last: {report}"));
    assert!(report["node_name"].as_str().is_some_and(|n| !n.is_empty()));
    assert!(report["time"].as_str().is_some(), "{report}");
    assert!(
        lines.len() <= 10,
        "10 events per minute (burst 10): {}",
        lines.len()
    );
    assert!(lines.len() >= 5, "the first events pass: {}", lines.len());
    assert!(
        lines.iter().all(|l| l.get("rate_limit_info").is_none()),
        "one report"
    );
    // 40 execs and their exits, at least: whatever was not exported was counted.
    assert!(
        dropped + lines.len() as u64 >= 80,
        "{dropped} dropped + {} exported < 80 events",
        lines.len()
    );
}

#[test]
fn root_metrics_endpoint_counts_a_known_workload() {
    if !is_root("root_metrics_endpoint_counts_a_known_workload") {
        return;
    }
    let _g = AGENT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let bin = d.join("metrics-marker");
    std::fs::copy("/bin/true", &bin).expect("copy");
    let addr = format!("127.0.0.1:{port}");
    let agent = start_agent(&[
        "--server-address",
        "",
        "--export-filename",
        d.join("ev.log").to_str().expect("utf8"),
        "--metrics-server",
        &addr,
    ]);
    for _ in 0..20 {
        assert!(Command::new(&bin).status().expect("run").success());
    }
    let fetch = || -> String {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(&addr).expect("connect metrics");
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .expect("send");
        let mut body = String::new();
        s.read_to_string(&mut body).expect("read");
        body.split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default()
    };
    let binary = bin.to_str().expect("utf8").to_string();
    let count = |text: &str, ty: &str| -> f64 {
        let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string())))
            .expect("parse metrics");
        scrape
            .samples
            .iter()
            .filter(|s| s.metric == "auspex_events_total")
            .filter(|s| {
                s.labels.get("type") == Some(ty) && s.labels.get("binary") == Some(binary.as_str())
            })
            .map(|s| match s.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Untyped(v)
                | prometheus_parse::Value::Gauge(v) => v,
                _ => 0.0,
            })
            .sum()
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut text = fetch();
    while (count(&text, "PROCESS_EXEC") < 20.0 || count(&text, "PROCESS_EXIT") < 20.0)
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(200));
        text = fetch();
    }
    assert_eq!(count(&text, "PROCESS_EXEC"), 20.0, "{text}");
    assert_eq!(count(&text, "PROCESS_EXIT"), 20.0);
    assert!(text.contains("auspex_build_info"), "{text}");
    // Gauges refreshed by the agent every 2 s.
    std::thread::sleep(Duration::from_millis(2500));
    let text = fetch();
    assert!(text.contains("auspex_process_cache_size"), "{text}");
    assert!(text.contains("auspex_events_lost_total"), "{text}");
    stop_agent(agent);
}

#[test]
fn root_config_dir_and_environment_set_flags() {
    if !is_root("root_config_dir_and_environment_set_flags") {
        return;
    }
    let _g = AGENT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let conf = d.join("conf.d");
    std::fs::create_dir(&conf).expect("mkdir");
    std::fs::write(
        conf.join("export-filename"),
        format!("{}\n", d.join("from-dir.log").display()),
    )
    .expect("w");
    std::fs::write(conf.join("server-address"), "").expect("w");
    // A drop-in naming no flag is refused with the file named.
    let bad = d.join("bad.d");
    std::fs::create_dir(&bad).expect("mkdir");
    std::fs::write(bad.join("export-filenam"), "x").expect("w");
    let out = Command::new(AUSPEX)
        .args(["agent", "--config-dir"])
        .arg(&bad)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("export-filenam"));

    let run = |env: Option<&std::path::Path>| {
        let mut cmd = Command::new(AUSPEX);
        cmd.args([
            "agent",
            "--tracing-policy-dir",
            "/nonexistent",
            "--config-dir",
        ])
        .arg(&conf)
        .stderr(Stdio::piped());
        if let Some(p) = env {
            cmd.env("AUSPEX_EXPORT_FILENAME", p);
        }
        let mut agent = cmd.spawn().expect("start");
        let stderr = agent.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut log = Vec::new();
        while Instant::now() < deadline {
            match lines.next() {
                Some(Ok(l)) if l.contains("auspex agent ready") => break,
                Some(Ok(l)) => log.push(l),
                Some(Err(_)) => {}
                None => panic!("agent exited early: {log:#?}"),
            }
        }
        std::thread::spawn(move || for _ in lines {});
        stop_agent(agent);
    };
    run(None);
    assert!(
        d.join("from-dir.log").exists(),
        "drop-in file set --export-filename"
    );
    run(Some(&d.join("from-env.log")));
    assert!(
        d.join("from-env.log").exists(),
        "AUSPEX_EXPORT_FILENAME wins over the drop-in"
    );
}
