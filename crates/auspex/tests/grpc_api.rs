//! The agent's gRPC API as people and programs use it: `auspex events` streaming real events
//! filtered by the agent, `auspex policy add|list|disable|enable|delete` against a running agent,
//! a client that stops reading being dropped without stalling anyone, errors for people, and a
//! Python grpcio client built from our .proto files (tests/grpc/client.py).
//!
//! Agent tests need root (they load BPF programs) and print a SKIP line without it. The Python
//! test needs grpcio and grpcio-tools (`./x test` installs them in target/grpc-venv); in CI
//! (`CI` set) their absence is a failure, elsewhere a SKIP.
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const AUSPEX: &str = env!("CARGO_BIN_EXE_auspex");
/// Agent runs in this file are serialised (one agent at a time keeps the load predictable).
static AGENT_LOCK: Mutex<()> = Mutex::new(());
const WAIT: Duration = Duration::from_secs(30);

fn is_root(test: &str) -> bool {
    if nix::unistd::geteuid().is_root() {
        return true;
    }
    eprintln!("SKIP {test}: needs root (loads BPF programs)");
    false
}

/// A running `auspex agent`, its stderr collected line by line. SIGTERM on drop.
struct Agent {
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
}

impl Agent {
    /// Starts the agent and waits until its API listens.
    fn start(args: &[&str]) -> Agent {
        let mut child = Command::new(AUSPEX)
            .arg("agent")
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start agent");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let agent = Agent { child, log };
        agent.wait_log("gRPC API listening", Duration::from_secs(90));
        agent
    }

    fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    fn count(&self, needle: &str) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(needle))
            .count()
    }

    fn wait_log(&self, needle: &str, timeout: Duration) {
        self.wait_count(needle, 1, timeout);
    }

    fn wait_count(&self, needle: &str, n: usize, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.count(needle) < n {
            assert!(
                Instant::now() < deadline,
                "agent log never showed {n}× {needle:?}:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM and the exit code.
    fn stop(mut self) -> Option<i32> {
        self.terminate()
    }

    fn terminate(&mut self) -> Option<i32> {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        self.child.wait().ok().and_then(|s| s.code())
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.terminate();
        }
    }
}

/// A running `auspex events` whose stdout lines arrive on a channel.
struct Events {
    child: Child,
    lines: Receiver<String>,
}

impl Events {
    /// Starts `auspex events ARGS` and waits until the agent counts it as connected.
    fn start(agent: &Agent, args: &[&str]) -> Events {
        let before = agent.count("GetEvents client connected");
        let mut child = Command::new(AUSPEX)
            .arg("events")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start auspex events");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        agent.wait_count("GetEvents client connected", before + 1, WAIT);
        Events { child, lines }
    }

    /// The first line satisfying `pred` (within `timeout`).
    fn wait_line(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if pred(&line) => return line,
                Ok(_) => {}
                Err(_) => panic!("auspex events: no {what} within {timeout:?}"),
            }
        }
    }

    /// Lines received so far (without waiting).
    fn drain(&self) -> Vec<String> {
        self.lines.try_iter().collect()
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Copies `/bin/true` to `dir/name` (a binary with a unique path).
fn marker_binary(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::copy("/bin/true", &path).expect("copy /bin/true");
    path
}

fn run(path: &Path) -> u32 {
    let mut child = Command::new(path).spawn().expect("run marker");
    let pid = child.id();
    assert!(child.wait().expect("wait").success());
    pid
}

fn auspex(args: &[&str]) -> std::process::Output {
    Command::new(AUSPEX)
        .args(args)
        .output()
        .expect("run auspex")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(line: &str) -> serde_json::Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("bad JSON line {line}: {e}"))
}

#[test]
fn root_events_stream_real_execs_filtered_by_the_agent() {
    if !is_root("root_events_stream_real_execs_filtered_by_the_agent") {
        return;
    }
    let _g = AGENT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("tempdir");
    let sock = dir.path().join("run/s.sock");
    let addr = format!("unix://{}", sock.display());
    let export = dir.path().join("ev.log");
    let agent = Agent::start(&[
        "--server-address",
        &addr,
        "--export-filename",
        export.to_str().unwrap(),
    ]);
    // The socket: created with its directory, mode 0600.
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&sock).expect("socket").permissions(),
    ) & 0o777;
    assert_eq!(mode, 0o600, "socket mode");

    let marker = marker_binary(
        dir.path(),
        &format!("auspex-grpc-ev-{}", std::process::id()),
    );
    let other = marker_binary(
        dir.path(),
        &format!("auspex-grpc-other-{}", std::process::id()),
    );
    let regex = format!("{}$", marker.file_name().unwrap().to_str().unwrap());
    let events = Events::start(
        &agent,
        &[
            "-o",
            "json",
            "--processes",
            &regex,
            "--server-address",
            &addr,
        ],
    );
    run(&other);
    let pid = run(&marker);
    let line = events.wait_line("exec of the marker", WAIT, |l| l.contains("process_exec"));
    let v = json(&line);
    let p = &v["process_exec"]["process"];
    assert_eq!(p["binary"], marker.to_str().unwrap());
    assert_eq!(p["pid"], pid);
    assert!(p["exec_id"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(v["node_name"].as_str().is_some_and(|s| !s.is_empty()));
    // The exit of the marker follows; nothing of the other binary passes the agent's filter.
    let exit = events.wait_line("exit of the marker", WAIT, |l| l.contains("process_exit"));
    assert_eq!(json(&exit)["process_exit"]["process"]["pid"], pid);
    std::thread::sleep(Duration::from_millis(300));
    for l in events.drain() {
        assert!(
            !l.contains("auspex-grpc-other"),
            "filtered out by the agent: {l}"
        );
    }

    // Event types and field filters are applied by the agent too; compact output.
    let compact = Events::start(
        &agent,
        &[
            "-o",
            "compact",
            "--color",
            "never",
            "--event-types",
            "PROCESS_EXIT",
            "--processes",
            &regex,
            "--server-address",
            &addr,
        ],
    );
    let fields = Events::start(
        &agent,
        &[
            "-o",
            "json",
            "-e",
            "exec",
            "--processes",
            &regex,
            "-F",
            "parent,process.exec_id",
            "--server-address",
            &addr,
        ],
    );
    let pid2 = run(&marker);
    let line = compact.wait_line("compact exit line", WAIT, |_| true);
    assert!(line.starts_with("💥 exit"), "{line}");
    assert!(line.contains(marker.to_str().unwrap()), "{line}");
    let line = fields.wait_line("field-filtered exec", WAIT, |_| true);
    let v = json(&line);
    assert_eq!(v["process_exec"]["process"]["pid"], pid2);
    assert!(
        v["process_exec"]["process"].get("exec_id").is_none(),
        "{line}"
    );
    assert!(v["process_exec"].get("parent").is_none(), "{line}");

    // Bad filters are refused by the agent with its reason.
    let out = auspex(&["events", "--processes", "(", "--server-address", &addr]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("allow_list[0]") && err.contains("binary_regex"),
        "{err}"
    );

    drop((events, compact, fields));
    assert_eq!(agent.stop(), Some(0));
    assert!(!sock.exists(), "socket removed at shutdown");
}

const POLICY: &str = r#"apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: NAME
spec:
  tracepoints:
  - subsystem: syscalls
    event: sys_enter_openat
    args:
    - index: 6
      type: string
    selectors:
    - matchArgs:
      - index: 6
        operator: Equal
        values: ["DIR/off", "DIR/on"]
"#;

#[test]
fn root_policy_round_trip_over_the_api() {
    if !is_root("root_policy_round_trip_over_the_api") {
        return;
    }
    let _g = AGENT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let addr = format!("unix://{}", d.join("api.sock").display());
    let name = format!("grpc-openat-{}", std::process::id());
    let file = d.join("policy.yaml");
    std::fs::write(
        &file,
        POLICY
            .replace("NAME", &name)
            .replace("DIR", d.to_str().unwrap()),
    )
    .expect("write policy");
    let file = file.to_str().unwrap();
    let agent = Agent::start(&["--server-address", &addr]);

    let out = auspex(&["policy", "add", file, "--server-address", &addr]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&format!("{name:?} added")));
    let list = |args: &[&str]| {
        let mut v = vec!["policy", "list", "--server-address", &addr];
        v.extend_from_slice(args);
        let out = auspex(&v);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let table = list(&[]);
    let row = table
        .lines()
        .find(|l| l.contains(&name))
        .unwrap_or_else(|| panic!("{name} not listed:\n{table}"));
    assert!(
        row.contains("enabled") && row.contains("generic_tracepoint"),
        "{row}"
    );
    let v = json(&list(&["-o", "json"]));
    let entry = v["policies"]
        .as_array()
        .expect("policies")
        .iter()
        .find(|p| p["name"] == name.as_str())
        .expect("listed in JSON");
    assert_eq!(entry["state"], "TP_STATE_ENABLED");

    let events = Events::start(
        &agent,
        &[
            "-o",
            "json",
            "--policy-names",
            &name,
            "--server-address",
            &addr,
        ],
    );
    let on = d.join("on");
    let off = d.join("off");
    let open = |p: &Path| {
        let _ = std::fs::File::open(p);
    };
    open(&on);
    let line = events.wait_line("tracepoint event", WAIT, |l| {
        l.contains("process_tracepoint")
    });
    let v = json(&line);
    assert_eq!(v["process_tracepoint"]["policy_name"], name.as_str());
    assert_eq!(v["process_tracepoint"]["event"], "sys_enter_openat");
    assert_eq!(
        v["process_tracepoint"]["args"][0]["string_arg"],
        on.to_str().unwrap()
    );
    // ListTracingPolicies carries the kernel's per-policy action counters.
    let v = json(&list(&["-o", "json"]));
    let entry = v["policies"]
        .as_array()
        .expect("policies")
        .iter()
        .find(|p| p["name"] == name.as_str())
        .expect("listed in JSON");
    let posts: u64 = entry["stats"]["action_counters"]["post"]
        .as_str()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("post counter: {entry}"));
    assert!(posts >= 1, "{entry}");
    // ... and the kernel memory of its programs and maps (fdinfo memlock).
    let memory: u64 = entry["kernel_memory_bytes"]
        .as_str()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(memory >= 4096, "{entry}");

    // Disabled: the hook is detached, the opening of `off` is not reported.
    let out = auspex(&["policy", "disable", &name, "--server-address", &addr]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        list(&[])
            .lines()
            .any(|l| l.contains(&name) && l.contains("disabled"))
    );
    open(&off);
    let out = auspex(&["policy", "enable", &name, "--server-address", &addr]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    open(&on);
    // Events are delivered in order: `off` (had it been seen) would come before this `on`.
    let line = events.wait_line("event after enable", WAIT, |l| {
        l.contains("process_tracepoint")
    });
    assert!(line.contains(on.to_str().unwrap()), "{line}");
    assert!(!line.contains(off.to_str().unwrap()), "{line}");

    let out = auspex(&["policy", "delete", &name, "--server-address", &addr]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!list(&[]).contains(&name));
    // Errors for people, one line each.
    let out = auspex(&["policy", "delete", &name, "--server-address", &addr]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("no policy named"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let bad = d.join("bad.yaml");
    std::fs::write(
        &bad,
        std::fs::read_to_string(file)
            .unwrap()
            .replace("Equal", "Equals"),
    )
    .unwrap();
    let out = auspex(&[
        "policy",
        "add",
        bad.to_str().unwrap(),
        "--server-address",
        &addr,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("the agent rejected") && err.contains("matchArgs[0].operator"),
        "{err}"
    );
    let out = auspex(&["version", "--server-address", &addr]);
    assert!(
        text(&out.stdout).contains("server: auspex"),
        "{}",
        text(&out.stdout)
    );
    drop(events);
    assert_eq!(agent.stop(), Some(0));
}

#[test]
fn client_errors_say_what_to_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = format!("unix://{}", dir.path().join("none.sock").display());
    let out = auspex(&["policy", "list", "--server-address", &missing]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("not running") && err.contains("sudo auspex agent"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    // A stale socket (nobody listening): connection refused.
    let stale = dir.path().join("stale.sock");
    drop(std::os::unix::net::UnixListener::bind(&stale).expect("bind"));
    let out = auspex(&[
        "events",
        "--server-address",
        &format!("unix://{}", stale.display()),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("not running") && err.contains("stale socket"),
        "{err}"
    );

    // A socket this user may not open.
    if nix::unistd::geteuid().is_root() {
        let sock = dir.path().join("root.sock");
        let _l = std::os::unix::net::UnixListener::bind(&sock).expect("bind");
        std::fs::set_permissions(&sock, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        // SAFETY: setuid is async-signal-safe; runs in the forked child before exec.
        let out = unsafe {
            use std::os::unix::process::CommandExt;
            Command::new(AUSPEX)
                .args(["policy", "list", "--server-address"])
                .arg(format!("unix://{}", sock.display()))
                .pre_exec(|| {
                    nix::unistd::setuid(nix::unistd::Uid::from_raw(65534))
                        .map_err(std::io::Error::from)
                })
                .output()
                .expect("run")
        };
        assert_eq!(out.status.code(), Some(1));
        let err = text(&out.stderr);
        assert!(
            err.contains("permission denied") && err.contains("as root"),
            "{err}"
        );
    }

    let out = auspex(&["events", "--server-address", "nowhere"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("HOST:PORT"));
    let out = auspex(&["events", "--event-types", "PROCESS_NOPE"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("unknown event type"));
    // `auspex version` works without an agent.
    let out = auspex(&["version", "--server-address", &missing]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("auspex "));
}

#[test]
fn root_agent_refuses_a_socket_in_use() {
    if !is_root("root_agent_refuses_a_socket_in_use") {
        return;
    }
    let _g = AGENT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("tempdir");
    let sock = dir.path().join("busy.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).expect("bind");
    let out = Command::new(AUSPEX)
        .args(["agent", "--server-address"])
        .arg(format!("unix://{}", sock.display()))
        .stdout(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("another process") && err.contains("--server-address"),
        "{err}"
    );
    assert!(sock.exists(), "someone else's socket is left alone");
}

#[test]
fn root_stuck_client_is_dropped_without_stalling_others() {
    if !is_root("root_stuck_client_is_dropped_without_stalling_others") {
        return;
    }
    let _g = AGENT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("tempdir");
    let addr = format!("unix://{}", dir.path().join("s.sock").display());
    let export = dir.path().join("events.log");
    let agent = Agent::start(&[
        "--server-address",
        &addr,
        "--export-filename",
        export.to_str().unwrap(),
    ]);
    // The stuck client: `auspex events` whose stdout nobody reads. Once the pipe is full it
    // stops reading its stream, the HTTP/2 window closes and its queue in the agent fills up.
    let before = agent.count("GetEvents client connected");
    let mut stuck = Command::new(AUSPEX)
        .args(["events", "-o", "json", "--server-address", &addr])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("stuck client");
    agent.wait_count("GetEvents client connected", before + 1, WAIT);
    let marker = marker_binary(
        dir.path(),
        &format!("auspex-grpc-alive-{}", std::process::id()),
    );
    let regex = format!("{}$", marker.file_name().unwrap().to_str().unwrap());
    let healthy = Events::start(
        &agent,
        &[
            "-o",
            "json",
            "--processes",
            &regex,
            "--server-address",
            &addr,
        ],
    );

    // Load: short processes until the agent drops the stuck client (bounded in count and time).
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut spawned = 0;
    while agent.count("dropped GetEvents client") == 0 {
        assert!(
            Instant::now() < deadline && spawned < 40_000,
            "stuck client never dropped after {spawned} processes:\n{}",
            agent.log_text()
        );
        for _ in 0..50 {
            let _ = Command::new("/bin/true").status();
            spawned += 1;
        }
    }
    let log = agent.log_text();
    let drop_line = log
        .lines()
        .find(|l| l.contains("dropped GetEvents client"))
        .expect("drop logged");
    assert!(
        drop_line.contains("queue") || drop_line.contains("behind"),
        "{drop_line}"
    );
    assert!(drop_line.contains("dropped_clients=1"), "{drop_line}");
    eprintln!("stuck client dropped after {spawned} processes: {drop_line}");

    // The healthy client and the export go on.
    let pid = run(&marker);
    let line = healthy.wait_line("exec after the drop", WAIT, |l| l.contains("process_exec"));
    assert_eq!(json(&line)["process_exec"]["process"]["pid"], pid);
    let deadline = Instant::now() + WAIT;
    loop {
        let content = std::fs::read_to_string(&export).unwrap_or_default();
        if content
            .lines()
            .any(|l| l.starts_with("{\"process_exec\"") && l.contains(&format!("\"pid\":{pid},")))
        {
            break;
        }
        assert!(Instant::now() < deadline, "export stalled");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The stuck client learns why once it reads again.
    let mut out = stuck.stdout.take().expect("stdout");
    let drain = std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = out.read_to_end(&mut sink);
    });
    let status = stuck.wait().expect("stuck client exits");
    let _ = drain.join();
    assert_eq!(status.code(), Some(1), "stream ended with an error");
    drop(healthy);
    let t = Instant::now();
    assert_eq!(agent.stop(), Some(0));
    assert!(
        t.elapsed() < Duration::from_secs(20),
        "shutdown took {:?}",
        t.elapsed()
    );
}

/// The Python interpreter with grpcio: $AUSPEX_TEST_PYTHON (set by ./x test), the venv ./x
/// makes, or python3.
fn python() -> String {
    if let Ok(p) = std::env::var("AUSPEX_TEST_PYTHON") {
        return p;
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/grpc-venv/bin/python");
    if venv.exists() {
        return venv.to_string_lossy().into_owned();
    }
    "python3".into()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

#[test]
fn root_python_grpcio_client_streams_events_and_manages_policies() {
    let test = "root_python_grpcio_client_streams_events_and_manages_policies";
    if !is_root(test) {
        return;
    }
    let py = python();
    let probe = Command::new(&py)
        .args(["-c", "import grpc, grpc_tools"])
        .output();
    let missing = match &probe {
        Ok(o) if o.status.success() => None,
        Ok(o) => Some(text(&o.stderr).trim().to_string()),
        Err(e) => Some(format!("cannot run {py}: {e}")),
    };
    if let Some(why) = missing {
        let msg = format!(
            "{test}: Python grpcio/grpcio-tools unavailable ({py}): {why}; `./x test` installs \
             them (pip install grpcio grpcio-tools in target/grpc-venv)"
        );
        if std::env::var_os("CI").is_some() {
            panic!("{msg}");
        }
        eprintln!("SKIP {msg}");
        return;
    }
    let _g = AGENT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let agent = Agent::start(&["--server-address", &addr]);
    let marker = marker_binary(&d, &format!("auspex-py-marker-{}", std::process::id()));
    let name = format!("py-openat-{}", std::process::id());
    let policy = d.join("policy.yaml");
    std::fs::write(
        &policy,
        POLICY
            .replace("NAME", &name)
            .replace("DIR", d.to_str().unwrap()),
    )
    .expect("write policy");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(&py)
        .arg(root.join("tests/grpc/client.py"))
        .args(["--address", &addr, "--proto-dir"])
        .arg(root.join("crates/events/proto"))
        .arg("--marker")
        .arg(&marker)
        .arg("--policy")
        .arg(&policy)
        .args(["--policy-name", &name])
        .output()
        .expect("run client.py");
    println!("{}", text(&out.stdout));
    assert!(
        out.status.success(),
        "Python client failed:\n{}\n{}\nagent log:\n{}",
        text(&out.stdout),
        text(&out.stderr),
        agent.log_text()
    );
    assert!(text(&out.stdout).contains("all checks passed"));
    assert_eq!(agent.stop(), Some(0));
}

/// `auspex events -o compact` on real events: exec, exit, a file policy event and a network policy
/// event, each compared with the exact line Tetragon's compact format gives.
#[test]
fn root_compact_output_of_real_events() {
    if !is_root("root_compact_output_of_real_events") {
        return;
    }
    let _g = AGENT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let sock = d.join("api.sock");
    let addr = format!("unix://{}", sock.display());
    let cat = d.join("compact-cat");
    std::fs::copy("/usr/bin/cat", &cat).expect("copy cat");
    let target = d.join("compact-file");
    std::fs::write(&target, "x").expect("write");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("addr").port();
    let file_policy = d.join("file.yaml");
    std::fs::write(
        &file_policy,
        format!(
            "apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: compact-file\nspec:\n  kprobes:\n  - call: sys_openat\n    args:\n    - index: 0\n      type: int\n    - index: 1\n      type: string\n    selectors:\n    - matchArgs:\n      - index: 1\n        operator: Equal\n        values: [\"{}\"]\n",
            target.display()
        ),
    )
    .expect("write policy");
    let net_policy = d.join("net.yaml");
    std::fs::write(
        &net_policy,
        format!(
            "apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: compact-net\nspec:\n  tracepoints:\n  - subsystem: sock\n    event: inet_sock_set_state\n    args:\n    - index: 4\n      type: sock\n    selectors:\n    - matchArgs:\n      - index: 4\n        operator: DPort\n        values: [\"{port}\"]\n      - index: 4\n        operator: DAddr\n        values: [\"127.0.0.1/32\"]\n"
        ),
    )
    .expect("write policy");
    let agent = Agent::start(&[
        "--server-address",
        &addr,
        "--health-server-address",
        "",
        "--tracing-policy-dir",
        "/nonexistent",
        "--tracing-policy",
        file_policy.to_str().expect("utf8"),
        "--tracing-policy",
        net_policy.to_str().expect("utf8"),
    ]);
    let regex = format!("^{}$", cat.display());
    let events = Events::start(
        &agent,
        &[
            "-o",
            "compact",
            "--color",
            "never",
            "--processes",
            &regex,
            "--server-address",
            &addr,
        ],
    );
    let net = Events::start(
        &agent,
        &[
            "-o",
            "compact",
            "--color",
            "never",
            "--policy-names",
            "compact-net",
            "--server-address",
            &addr,
        ],
    );
    let out = Command::new(&cat).arg(&target).output().expect("run cat");
    assert!(out.status.success());
    let _conn = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let node = agent_node_name();
    let c = cat.display();
    let t = target.display();
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(events.wait_line("compact line", WAIT, |_| true));
    }
    got.sort();
    let mut want = vec![
        format!("🚀 process {node} {c} {t}"),
        format!("💥 exit    {node} {c} {t} 0"),
        format!("📬️ openat  {node} {c} {t}"),
    ];
    want.sort();
    assert_eq!(got, want);
    let me = std::env::current_exe().expect("exe");
    let line = net.wait_line("network policy line", WAIT, |_| true);
    assert_eq!(
        line,
        format!(
            "⁉️ tracepoint {node} {} sock inet_sock_set_state",
            me.display()
        )
    );
    drop((events, net));
    assert_eq!(agent.stop(), Some(0));
}

/// The node name the agent puts in events.
fn agent_node_name() -> String {
    for var in ["HUBBLE_NODE_NAME", "NODE_NAME"] {
        if let Ok(v) = std::env::var(var)
            && !v.is_empty()
        {
            return v;
        }
    }
    nix::unistd::gethostname()
        .expect("hostname")
        .into_string()
        .expect("utf8")
}
