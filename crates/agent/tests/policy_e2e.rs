//! Kernel end-to-end tests of the TracingPolicy engine (issue #3) on the hooks this kernel has
//! (syscall tracepoints; `syscall: true` kprobes served by them): real policies, real processes,
//! enforcement observed on the processes themselves.
mod util;

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use auspex_events::tetragon::{
    GetEventsResponse, KprobeArgument, ProcessKprobe, get_events_response::Event,
    kprobe_argument::Arg,
};
use util::{TestAgent, exits, proc_of, require_root};

const WAIT: Duration = Duration::from_secs(30);

fn policy(yaml: &str) -> auspex_policy::model::TracingPolicy {
    let mut v = auspex_policy::parse_str(yaml, "test.yaml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v.len(), 1);
    v.remove(0)
}

fn string_args(args: &[KprobeArgument]) -> Vec<String> {
    args.iter()
        .filter_map(|a| match &a.arg {
            Some(Arg::StringArg(s)) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

/// (policy, function or subsys/event, action, string args, pid) of a kprobe or tracepoint event.
type PolicyEvent = (String, String, i32, Vec<String>, Option<u32>);

/// The kprobe and tracepoint events seen.
fn policy_events(seen: &[GetEventsResponse]) -> Vec<PolicyEvent> {
    seen.iter()
        .filter_map(|e| match &e.event {
            Some(Event::ProcessKprobe(k)) => Some((
                k.policy_name.clone(),
                k.function_name.clone(),
                k.action,
                string_args(&k.args),
                k.process.as_ref().and_then(|p| p.pid),
            )),
            Some(Event::ProcessTracepoint(t)) => Some((
                t.policy_name.clone(),
                format!("{}/{}", t.subsys, t.event),
                t.action,
                string_args(&t.args),
                t.process.as_ref().and_then(|p| p.pid),
            )),
            _ => None,
        })
        .collect()
}

/// Builds a C test program `name` from `source` in `dir` (gcc -O1 plus `flags`); its path.
fn build_c(dir: &Path, name: &str, source: &str, flags: &[&str]) -> String {
    let src = dir.join(format!("{name}.c"));
    std::fs::write(&src, source).expect("write the C source");
    let bin = dir.join(name);
    let st = Command::new("gcc")
        .arg("-O1")
        .args(flags)
        .arg("-o")
        .arg(&bin)
        .arg(&src)
        .status()
        .expect("gcc");
    assert!(st.success(), "gcc builds {name}");
    bin.to_str().expect("utf8").to_string()
}

/// A raw BTF file (the format of `pahole --btf_encode_detached`) of the types and functions in
/// `source`: clang compiles it for the BPF target (whose layout of plain structs is x86-64's)
/// and llvm-objcopy dumps its .BTF section.
fn build_btf(dir: &Path, source: &str) -> String {
    std::fs::write(dir.join("types.c"), source).expect("write types.c");
    let st = Command::new("clang")
        .args(["-target", "bpf", "-g", "-O2", "-c", "-o"])
        .arg(dir.join("types.o"))
        .arg(dir.join("types.c"))
        .status()
        .expect("clang");
    assert!(st.success(), "clang builds the BTF object");
    let btf = dir.join("app.btf");
    let st = Command::new("llvm-objcopy")
        .arg(format!("--dump-section=.BTF={}", btf.display()))
        .arg(dir.join("types.o"))
        .status()
        .expect("llvm-objcopy");
    assert!(st.success(), "llvm-objcopy dumps .BTF");
    btf.to_str().expect("utf8").to_string()
}

/// lseek(2) from a Python child (its own process, so a Sigkill ends only it); exits with the
/// errno when the call fails.
fn python_lseek(fd: i32, offset: i64, whence: i32) -> std::process::ExitStatus {
    Command::new("/usr/bin/python3")
        .args([
            "-c",
            &format!(
                "import os, sys\ntry:\n os.lseek({fd}, {offset}, {whence})\nexcept OSError as e:\n sys.exit(e.errno)"
            ),
        ])
        .status()
        .expect("python3")
}

/// The messages `pick` takes out of the events the agent has seen (one kind, one policy, …).
fn seen_events<'a, T>(
    agent: &'a TestAgent,
    pick: impl Fn(&'a Event) -> Option<&'a T>,
) -> Vec<&'a T> {
    agent
        .seen
        .iter()
        .filter_map(|e| e.event.as_ref().and_then(&pick))
        .collect()
}

/// The process_kprobe events of one policy the agent has seen, in order.
fn policy_kprobes<'a>(agent: &'a TestAgent, policy: &str) -> Vec<&'a ProcessKprobe> {
    seen_events(agent, |e| match e {
        Event::ProcessKprobe(k) if k.policy_name == policy => Some(k),
        _ => None,
    })
}

fn copy_binary(from: &str, dir: &Path, name: &str) -> String {
    let to = dir.join(name);
    std::fs::copy(from, &to).expect("copy binary");
    to.to_str().expect("utf8").to_string()
}

fn auspex_generic_programs() -> usize {
    libbpf_rs::query::ProgInfoIter::default()
        .filter(|p| {
            p.name
                .to_str()
                .is_some_and(|n| n.starts_with("auspex_generic"))
        })
        .count()
}

#[test]
fn root_sigkill_copied_cat_opening_listed_path() {
    if !require_root("root_sigkill_copied_cat_opening_listed_path") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let cat = copy_binary("/usr/bin/cat", &d, "cat-copy");
    let secret = d.join("secret");
    let other = d.join("other");
    std::fs::write(&secret, "top secret\n").expect("write");
    std::fs::write(&other, "not secret\n").expect("write");
    let secret = secret.to_str().expect("utf8").to_string();
    let other = other.to_str().expect("utf8").to_string();
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: deny-secret
spec:
  kprobes:
  - call: "sys_openat"
    syscall: true
    args:
    - index: 1
      type: "string"
    selectors:
    - matchBinaries:
      - operator: In
        values: ["{cat}"]
      matchArgs:
      - index: 1
        operator: Equal
        values: ["{secret}"]
      matchActions:
      - action: Sigkill
"#
    );
    let mut agent = TestAgent::start(|_| {});
    let status = agent
        .control
        .add_policy(policy(&yaml))
        .expect("policy loads");
    assert_eq!(status.hooks, 1);

    let out = Command::new(&cat)
        .arg(&secret)
        .output()
        .expect("run cat-copy");
    assert_eq!(out.status.signal(), Some(9), "killed by SIGKILL");
    assert!(
        out.stdout.is_empty(),
        "killed before reading: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    let ok = Command::new("/usr/bin/cat")
        .arg(&secret)
        .output()
        .expect("run cat");
    assert!(ok.status.success());
    assert_eq!(ok.stdout, b"top secret\n", "another binary may open it");
    let ok2 = Command::new(&cat)
        .arg(&other)
        .output()
        .expect("run cat-copy");
    assert!(ok2.status.success());
    assert_eq!(
        ok2.stdout, b"not secret\n",
        "another path from the copied cat works"
    );

    agent.wait_until("kprobe event and exit", WAIT, |seen| {
        let ev = policy_events(seen)
            .into_iter()
            .any(|(p, _, _, a, _)| p == "deny-secret" && a == vec![secret.clone()]);
        let ex = exits(seen)
            .iter()
            .any(|e| proc_of(&e.process).binary == cat && e.signal == "SIGKILL");
        ev && ex
    });
    let seen = &agent.seen;
    let kp = seen
        .iter()
        .find_map(|e| match &e.event {
            Some(Event::ProcessKprobe(k)) if k.policy_name == "deny-secret" => Some(k),
            _ => None,
        })
        .expect("process_kprobe");
    assert_eq!(kp.function_name, "__x64_sys_openat");
    assert_eq!(
        kp.action,
        auspex_events::tetragon::KprobeAction::Sigkill as i32
    );
    assert_eq!(proc_of(&kp.process).binary, cat);
    let others: Vec<_> = policy_events(seen)
        .into_iter()
        .filter(|(p, _, _, a, _)| p == "deny-secret" && a != &vec![secret.clone()])
        .collect();
    assert!(
        others.is_empty(),
        "only the matching open is reported: {others:?}"
    );
    // JSON of the event as exported.
    let line = auspex_events::json::to_json_line(
        seen.iter()
            .find(|e| matches!(&e.event, Some(Event::ProcessKprobe(k)) if k.policy_name == "deny-secret"))
            .expect("event"),
    );
    assert!(
        line.contains("\"action\":\"KPROBE_ACTION_SIGKILL\""),
        "{line}"
    );
    assert!(
        line.contains(&format!("\"string_arg\":\"{secret}\"")),
        "{line}"
    );
}

#[test]
fn root_tracepoint_prefix_postfix_and_negations() {
    if !require_root("root_tracepoint_prefix_postfix_and_negations") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let ds = d.to_str().expect("utf8");
    let mut agent = TestAgent::start(|_| {});
    // One policy per operator, each with its own name, all on sys_enter_openat filename (field 6).
    let cases = [
        ("op-prefix", "Prefix", format!("{ds}/pre")),
        ("op-postfix", "Postfix", ".post".to_string()),
        ("op-equal", "Equal", format!("{ds}/exact")),
        ("op-notprefix", "NotPrefix", "/".to_string()),
    ];
    for (name, op, value) in &cases {
        let yaml = format!(
            r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: {name}
spec:
  tracepoints:
  - subsystem: syscalls
    event: sys_enter_openat
    args:
    - index: 6
      type: string
    selectors:
    - matchPIDs:
      - operator: In
        values: [{pid}]
      matchArgs:
      - index: 6
        operator: {op}
        values: ["{value}"]
"#,
            pid = std::process::id()
        );
        agent
            .control
            .add_policy(policy(&yaml))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let open = |p: &str| {
        let _ = std::fs::File::open(p);
    };
    let paths = [
        format!("{ds}/pre-a"),
        format!("{ds}/b.post"),
        format!("{ds}/exact"),
        format!("{ds}/exactly"),
        "relative-path".to_string(),
    ];
    for p in &paths {
        open(p);
    }
    agent.wait_until("relative-path event", WAIT, |seen| {
        policy_events(seen)
            .iter()
            .any(|(_, _, _, a, _)| a.first().is_some_and(|s| s == "relative-path"))
    });
    let got = |name: &str| -> Vec<String> {
        policy_events(&agent.seen)
            .into_iter()
            .filter(|(p, ..)| p == name)
            .filter_map(|(_, _, _, a, _)| a.first().cloned())
            .filter(|s| paths.contains(s))
            .collect()
    };
    assert_eq!(got("op-prefix"), vec![format!("{ds}/pre-a")]);
    assert_eq!(got("op-postfix"), vec![format!("{ds}/b.post")]);
    assert_eq!(got("op-equal"), vec![format!("{ds}/exact")]);
    assert_eq!(got("op-notprefix"), vec!["relative-path".to_string()]);
    let tp = agent
        .seen
        .iter()
        .find_map(|e| match &e.event {
            Some(Event::ProcessTracepoint(t)) if t.policy_name == "op-equal" => Some(t),
            _ => None,
        })
        .expect("tracepoint event");
    assert_eq!(
        (tp.subsys.as_str(), tp.event.as_str()),
        ("syscalls", "sys_enter_openat")
    );
    assert_eq!(proc_of(&tp.process).pid, Some(std::process::id()));
    assert_eq!(
        tp.action,
        auspex_events::tetragon::KprobeAction::Post as i32
    );
}

#[test]
fn root_first_match_wins_nopost_signal_and_removal() {
    if !require_root("root_first_match_wins_nopost_signal_and_removal") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let ds = d.to_str().expect("utf8");
    let cat = copy_binary("/usr/bin/cat", &d, "cat-sig");
    for f in ["quiet", "loud", "term"] {
        std::fs::write(d.join(f), "x\n").expect("write");
    }
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: first-match
spec:
  kprobes:
  - call: "sys_openat"
    args:
    - index: 1
      type: "string"
    selectors:
    - matchBinaries:
      - operator: In
        values: ["{cat}"]
      matchArgs:
      - index: 1
        operator: Equal
        values: ["{ds}/quiet"]
      matchActions:
      - action: NoPost
    - matchBinaries:
      - operator: In
        values: ["{cat}"]
      matchArgs:
      - index: 1
        operator: Equal
        values: ["{ds}/term"]
      matchActions:
      - action: Signal
        argSig: 15
    - matchBinaries:
      - operator: In
        values: ["{cat}"]
      matchArgs:
      - index: 1
        operator: Prefix
        values: ["{ds}/"]
"#
    );
    let mut agent = TestAgent::start(|_| {});
    let st = agent.control.add_policy(policy(&yaml)).expect("loads");
    let ids = st.prog_ids.clone();
    assert!(!ids.is_empty());
    assert_eq!(
        live_programs(&ids),
        ids.len(),
        "the policy's programs are loaded"
    );
    assert_eq!(agent.control.list_policies().len(), 1);
    for f in ["quiet", "loud"] {
        let st = Command::new(&cat)
            .arg(d.join(f))
            .stdout(Stdio::null())
            .status()
            .expect("cat");
        assert!(st.success());
    }
    let st = Command::new(&cat)
        .arg(d.join("term"))
        .stdout(Stdio::null())
        .status()
        .expect("cat");
    assert_eq!(st.signal(), Some(15), "Signal action delivered SIGTERM");
    agent.wait_until("loud and term events", WAIT, |seen| {
        let ev = policy_events(seen);
        ev.iter()
            .any(|(_, _, _, a, _)| a == &vec![format!("{ds}/loud")])
            && ev
                .iter()
                .any(|(_, _, _, a, _)| a == &vec![format!("{ds}/term")])
    });
    let ev = policy_events(&agent.seen);
    assert!(
        !ev.iter()
            .any(|(_, _, _, a, _)| a == &vec![format!("{ds}/quiet")]),
        "NoPost in the first matching selector suppresses the event even though a later one matches"
    );
    let term = ev
        .iter()
        .find(|(_, _, _, a, _)| a == &vec![format!("{ds}/term")])
        .expect("term");
    assert_eq!(term.2, auspex_events::tetragon::KprobeAction::Signal as i32);

    // Disable: loaded but detached, no events; enable: events again.
    agent
        .control
        .set_policy_enabled("first-match", false)
        .expect("disable");
    assert!(!agent.control.list_policies()[0].enabled);
    assert_eq!(
        live_programs(&ids),
        ids.len(),
        "still loaded while disabled"
    );
    let loud_events = |seen: &[GetEventsResponse]| {
        policy_events(seen)
            .iter()
            .filter(|(_, _, _, a, _)| a == &vec![format!("{ds}/loud")])
            .count()
    };
    let n_loud = loud_events(&agent.seen);
    Command::new(&cat)
        .arg(d.join("loud"))
        .stdout(Stdio::null())
        .status()
        .expect("cat");
    marker(&mut agent, "while-disabled");
    assert_eq!(loud_events(&agent.seen), n_loud, "no event while disabled");
    agent
        .control
        .set_policy_enabled("first-match", true)
        .expect("enable");
    assert!(agent.control.list_policies()[0].enabled);
    Command::new(&cat)
        .arg(d.join("loud"))
        .stdout(Stdio::null())
        .status()
        .expect("cat");
    agent.wait_until("event after enable", WAIT, |seen| {
        loud_events(seen) == n_loud + 1
    });

    // Runtime removal: hooks detached, program and maps freed, no more events.
    agent.control.delete_policy("first-match").expect("removes");
    assert!(agent.control.list_policies().is_empty());
    wait_programs_gone(&ids);
    let n = policy_events(&agent.seen).len();
    Command::new(&cat)
        .arg(d.join("loud"))
        .stdout(Stdio::null())
        .status()
        .expect("cat");
    let marker = Command::new("/bin/true")
        .arg("after-removal")
        .status()
        .expect("true");
    assert!(marker.success());
    agent.wait_until("marker exec", WAIT, |seen| {
        util::execs(seen)
            .iter()
            .any(|e| proc_of(&e.process).arguments == "after-removal")
    });
    assert_eq!(
        policy_events(&agent.seen).len(),
        n,
        "no events after removal"
    );
    assert!(agent.control.delete_policy("first-match").is_err());
}

#[test]
fn root_policy_errors_name_the_field_and_load_nothing() {
    if !require_root("root_policy_errors_name_the_field_and_load_nothing") {
        return;
    }
    let agent = TestAgent::start(|_| {});
    let before = auspex_generic_programs();
    let yaml = r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: cannot-work-here
spec:
  tracepoints:
  - subsystem: syscalls
    event: sys_enter_openat
    args:
    - index: 6
      type: string
  - subsystem: syscalls
    event: sys_enter_no_such_syscall
    args:
    - index: 5
      type: int
"#;
    let err = agent.control.add_policy(policy(yaml)).expect_err("refused");
    assert!(err.contains("spec.tracepoints[1]"), "{err}");
    assert!(err.contains("sys_enter_no_such_syscall"), "{err}");
    assert_eq!(auspex_generic_programs(), before, "nothing half-loaded");
    assert!(agent.control.list_policies().is_empty());
}

fn corpus_dir() -> std::path::PathBuf {
    std::env::var_os("AUSPEX_CORPUS_DIR")
        .map(Into::into)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/tetragon-examples")
        })
}

#[test]
fn root_corpus_policies_load_or_are_refused_with_reasons() {
    if !require_root("root_corpus_policies_load_or_are_refused_with_reasons") {
        return;
    }
    let dir = corpus_dir();
    assert!(dir.is_dir(), "corpus missing at {}", dir.display());
    let mut files = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read corpus").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                files.push(p);
            }
        }
    }
    files.sort();
    let agent = TestAgent::start(|_| {});
    let baseline = auspex_generic_programs();
    let (mut loaded, mut refused, mut verified) = (Vec::new(), 0, 0);
    for f in &files {
        let Ok(policies) = auspex_policy::load_file(f) else {
            continue;
        };
        for p in policies {
            let name = p.name().to_string();
            match agent.control.add_policy(p) {
                Ok(status) => {
                    assert!(status.hooks >= 1);
                    loaded.push(name.clone());
                    agent.control.delete_policy(&name).expect("remove");
                }
                Err(e) if e.contains("attach kprobe") => {
                    // Compiled and passed the verifier; this kernel cannot attach kprobes.
                    verified += 1;
                    assert!(
                        e.contains(&format!("{name:?}")),
                        "error names the policy: {e}"
                    );
                    assert!(e.contains("not supported on this kernel"), "{e}");
                }
                Err(e) => {
                    refused += 1;
                    assert!(
                        e.contains(&format!("{name:?}")),
                        "error names the policy: {e}"
                    );
                    assert!(
                        e.contains("spec.")
                            || e.contains("kind: ")
                            || e.contains("attach uprobe")
                            || e.contains("attach USDT"),
                        "error names the field or the attach point: {e}"
                    );
                }
            }
        }
    }
    eprintln!(
        "corpus: {} policies loaded and removed for real ({loaded:?}); {verified} kprobe policies passed the verifier and were refused at attach (no kprobes here); {refused} refused at compile with reasons",
        loaded.len()
    );
    if !std::path::Path::new("/sys/bus/event_source/devices/kprobe/type").exists() {
        assert!(
            verified >= 5,
            "kprobe policies reach the verifier: {verified}"
        );
    }
    assert!(
        loaded.len() >= 6,
        "the syscall-tracepoint policies of the corpus load: {loaded:?}"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while auspex_generic_programs() > baseline && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(auspex_generic_programs(), baseline, "nothing left behind");
}

#[test]
fn root_raw_syscalls_inmap_list_and_follow_forks() {
    if !require_root("root_raw_syscalls_inmap_list_and_follow_forks") {
        return;
    }
    let me = std::process::id();
    // sys_enter with id InMap [mkdirat, rmdir] for descendants of this test process.
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: raw-inmap
spec:
  lists:
  - name: dirops
    type: syscalls
    values: ["sys_mkdir", "sys_mkdirat"]
  tracepoints:
  - subsystem: raw_syscalls
    event: sys_enter
    args:
    - index: 4
      type: syscall64
    selectors:
    - matchPIDs:
      - operator: In
        followForks: true
        values: [{me}]
      matchArgs:
      - index: 4
        operator: InMap
        values: ["list:dirops"]
"#
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    // A grandchild (sh → mkdir) makes the syscall: followForks reaches it.
    let st = Command::new("/bin/sh")
        .args(["-c", "/bin/mkdir d1; :"])
        .current_dir(dir.path())
        .status()
        .expect("sh");
    assert!(st.success());
    agent.wait_until("mkdir event", WAIT, |seen| {
        policy_events(seen)
            .iter()
            .any(|(p, _, _, _, pid)| p == "raw-inmap" && *pid != Some(me))
    });
    // This test process matches too (pid In, and other tests here create directories): look at
    // the grandchild's events only.
    let ev = agent
        .seen
        .iter()
        .find_map(|e| match &e.event {
            Some(Event::ProcessTracepoint(t))
                if t.policy_name == "raw-inmap" && proc_of(&t.process).pid != Some(me) =>
            {
                Some(t)
            }
            _ => None,
        })
        .expect("event");
    assert_eq!(proc_of(&ev.process).binary, "/bin/mkdir");
    // syscall64 renders as Tetragon's syscall_id: the number and its ABI.
    let id = match ev.args.first().and_then(|a| a.arg.as_ref()) {
        Some(Arg::SyscallId(v)) => v.clone(),
        other => panic!("syscall id arg: {other:?}"),
    };
    assert!(
        (id.id == 83 || id.id == 258) && id.abi == "x64",
        "mkdir or mkdirat on x86_64: {id:?}"
    );
    // Of all the syscalls of sh and mkdir, only the one mkdir is reported.
    let n = agent
        .seen
        .iter()
        .filter(|e| matches!(&e.event, Some(Event::ProcessTracepoint(t)) if t.policy_name == "raw-inmap" && proc_of(&t.process).pid != Some(me)))
        .count();
    assert_eq!(n, 1, "exactly the one mkdir");
}

#[test]
fn root_post_rate_limit() {
    if !require_root("root_post_rate_limit") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    for f in ["t-a", "t-b", "g-a"] {
        std::fs::write(d.join(f), "x").expect("write");
    }
    let ds = d.to_str().expect("utf8");
    let rated = |name: &str, prefix: &str, scope: &str| {
        format!(
            r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: {name}
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
        operator: Prefix
        values: ["{ds}/{prefix}"]
      matchActions:
      - action: Post
        rateLimit: 1m
        {scope}
"#
        )
    };
    let mut agent = TestAgent::start(|_| {});
    agent
        .control
        .add_policy(policy(&rated("rated-thread", "t-", "")))
        .expect("loads");
    agent
        .control
        .add_policy(policy(&rated(
            "rated-global",
            "g-",
            "rateLimitScope: global",
        )))
        .expect("loads");
    let opens = |files: &[&str], times: usize| {
        let list: Vec<String> = files.iter().map(|f| format!("'{ds}/{f}'")).collect();
        let code = format!(
            "for _ in range({times}):\n for f in [{}]: open(f).close()",
            list.join(",")
        );
        let st = Command::new("/usr/bin/python3")
            .args(["-c", &code])
            .status()
            .expect("python3");
        assert!(st.success());
    };
    // One thread opening two files five times each: one event per minute *per argument*.
    opens(&["t-a", "t-b"], 5);
    // Two processes opening the same file: with the global scope, one event in all.
    opens(&["g-a"], 3);
    opens(&["g-a"], 3);
    marker(&mut agent, "rate-marker");
    let events = policy_events(&agent.seen);
    let of = |name: &str| -> Vec<Vec<String>> {
        events
            .iter()
            .filter(|(p, ..)| p == name)
            .map(|(_, _, _, args, _)| args.clone())
            .collect()
    };
    let mut thread = of("rated-thread");
    thread.sort();
    assert_eq!(
        thread,
        vec![vec![format!("{ds}/t-a")], vec![format!("{ds}/t-b")]],
        "rateLimit 1m: one event per distinct argument"
    );
    assert_eq!(
        of("rated-global"),
        vec![vec![format!("{ds}/g-a")]],
        "rateLimitScope global: one event across processes"
    );
}

/// A policy on openat of paths starting with `prefix`, with `extra` selector filters.
fn openat_policy(name: &str, prefix: &str, extra: &str) -> auspex_policy::model::TracingPolicy {
    policy(&format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: {name}
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
        operator: Prefix
        values: ["{prefix}"]
{extra}"#
    ))
}

/// Paths (first string arg) of the events of policy `name` under `prefix`.
fn opened(seen: &[GetEventsResponse], name: &str, prefix: &str) -> Vec<String> {
    let mut v: Vec<String> = policy_events(seen)
        .into_iter()
        .filter(|(p, ..)| p == name)
        .filter_map(|(_, _, _, a, _)| a.first().cloned())
        .filter(|s| s.starts_with(prefix))
        .collect();
    v.sort();
    v.dedup();
    v
}

fn marker(agent: &mut TestAgent, tag: &str) {
    Command::new("/bin/true").arg(tag).status().expect("marker");
    agent.wait_until(tag, WAIT, |seen| {
        util::execs(seen)
            .iter()
            .any(|e| proc_of(&e.process).arguments == tag)
    });
}

#[test]
fn root_namespaces_capabilities_and_follow_children() {
    if !require_root("root_namespaces_capabilities_and_follow_children") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let ds = d.to_str().expect("utf8").to_string();
    for f in [
        "host", "newmnt", "newnet", "root", "nobody", "child", "plain", "unshared",
    ] {
        std::fs::write(d.join(f), "x").expect("write");
        std::fs::set_permissions(
            d.join(f),
            std::os::unix::fs::PermissionsExt::from_mode(0o644),
        )
        .expect("chmod");
    }
    std::fs::set_permissions(&d, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod dir");
    let sh = copy_binary("/usr/bin/dash", &d, "sh-follow");
    let mut agent = TestAgent::start(|_| {});
    let c = &agent.control;
    c.add_policy(openat_policy(
        "ns-mnt-host",
        &ds,
        "      matchNamespaces:\n      - namespace: Mnt\n        operator: In\n        values: [host_ns]\n",
    ))
    .expect("mnt policy");
    c.add_policy(openat_policy(
        "ns-net-not-host",
        &ds,
        "      matchNamespaces:\n      - namespace: Net\n        operator: NotIn\n        values: [host_ns]\n",
    ))
    .expect("net policy");
    c.add_policy(openat_policy(
        "cap-sys-admin",
        &ds,
        "      matchCapabilities:\n      - type: Effective\n        operator: In\n        values: [CAP_SYS_ADMIN]\n",
    ))
    .expect("caps policy");
    c.add_policy(openat_policy(
        "follow-children",
        &ds,
        &format!("      matchBinaries:\n      - operator: In\n        followChildren: true\n        values: [\"{sh}\"]\n"),
    ))
    .expect("follow policy");
    c.add_policy(openat_policy(
        "ns-changes",
        &ds,
        "      matchNamespaceChanges:\n      - operator: In\n        values: [Uts]\n",
    ))
    .expect("ns changes policy");

    let cat = |args: &[&str]| {
        let st = Command::new(args[0])
            .args(&args[1..])
            .stdout(Stdio::null())
            .status()
            .expect("run");
        assert!(st.success(), "{args:?}");
    };
    let p = |f: &str| format!("{ds}/{f}");
    cat(&["/usr/bin/cat", &p("host")]);
    cat(&["unshare", "--mount", "/usr/bin/cat", &p("newmnt")]);
    cat(&["unshare", "--net", "/usr/bin/cat", &p("newnet")]);
    cat(&["/usr/bin/cat", &p("root")]);
    cat(&[
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "/usr/bin/cat",
        &p("nobody"),
    ]);
    cat(&[&sh, "-c", &format!("/usr/bin/cat {}; :", p("child"))]);
    cat(&["/usr/bin/cat", &p("plain")]);
    // unshare(CLONE_NEWUTS) after exec: the namespace changed since the process's exec.
    cat(&[
        "/usr/bin/python3",
        "-c",
        &format!(
            "import ctypes; assert ctypes.CDLL(None).unshare(0x04000000) == 0; open('{}').close()",
            p("unshared")
        ),
    ]);
    marker(&mut agent, "ns-caps-marker");
    let seen = &agent.seen;
    let mnt = opened(seen, "ns-mnt-host", &ds);
    assert!(
        mnt.contains(&p("host")) && !mnt.contains(&p("newmnt")),
        "Mnt In host_ns: {mnt:?}"
    );
    let net = opened(seen, "ns-net-not-host", &ds);
    assert_eq!(net, vec![p("newnet")], "Net NotIn host_ns");
    let caps = opened(seen, "cap-sys-admin", &ds);
    assert!(
        caps.contains(&p("root")) && !caps.contains(&p("nobody")),
        "CAP_SYS_ADMIN: {caps:?}"
    );
    let follow = opened(seen, "follow-children", &ds);
    assert_eq!(follow, vec![p("child")], "only the child of sh-follow");
    let changes = opened(seen, "ns-changes", &ds);
    assert_eq!(
        changes,
        vec![p("unshared")],
        "only the process that unshared Uts after exec"
    );
}

#[test]
fn root_fd_resolved_to_path_in_kernel_defeats_relative_paths() {
    if !require_root("root_fd_resolved_to_path_in_kernel_defeats_relative_paths") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let ds = d.to_str().expect("utf8").to_string();
    std::fs::create_dir(d.join("vault")).expect("mkdir");
    std::fs::write(d.join("vault/key"), "k3y\n").expect("write");
    std::fs::set_permissions(
        d.join("vault/key"),
        std::os::unix::fs::PermissionsExt::from_mode(0o640),
    )
    .expect("chmod");
    let cat = copy_binary("/usr/bin/cat", &d, "cat-fd");
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: vault-read
spec:
  kprobes:
  - call: "sys_read"
    syscall: true
    args:
    - index: 0
      type: "fd"
    selectors:
    - matchBinaries:
      - operator: In
        values: ["{cat}"]
      matchArgs:
      - index: 0
        operator: Prefix
        values: ["{ds}/vault/"]
      matchActions:
      - action: Sigkill
"#
    );
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    // A relative path through `..` and a symlink: the string never names the vault.
    std::os::unix::fs::symlink(d.join("vault"), d.join("innocent")).expect("symlink");
    std::fs::create_dir(d.join("sub")).expect("mkdir");
    let out = Command::new(&cat)
        .arg("../innocent/key")
        .current_dir(d.join("sub"))
        .output()
        .expect("run");
    assert_eq!(
        out.status.signal(),
        Some(9),
        "killed at read(2) of the vault file"
    );
    assert!(out.stdout.is_empty(), "no byte of the key printed");
    let ok = Command::new("/usr/bin/cat")
        .arg("../innocent/key")
        .current_dir(d.join("sub"))
        .output()
        .expect("cat");
    assert_eq!(ok.stdout, b"k3y\n", "other binaries read it");
    agent.wait_until("read event", WAIT, |seen| {
        policy_events(seen).iter().any(|(p, ..)| p == "vault-read")
    });
    let k = agent
        .seen
        .iter()
        .find_map(|e| match &e.event {
            Some(Event::ProcessKprobe(k)) if k.policy_name == "vault-read" => Some(k),
            _ => None,
        })
        .expect("event");
    assert_eq!(k.function_name, "__x64_sys_read");
    match k.args.first().and_then(|a| a.arg.as_ref()) {
        Some(Arg::FileArg(f)) => {
            assert_eq!(
                f.path,
                format!("{ds}/vault/key"),
                "path from the kernel's dentries"
            );
            assert_eq!(f.permission, "-rw-r-----");
        }
        other => panic!("file_arg expected: {other:?}"),
    }
    assert_eq!(
        k.action,
        auspex_events::tetragon::KprobeAction::Sigkill as i32
    );
}

/// Paths and strings longer than 256 bytes are captured and compared whole (up to 4096 bytes,
/// as Tetragon): a Postfix Sigkill on a file 1.2 KiB deep kills the reader, an Equal on the
/// whole path matches (a long-key set), and the events carry the whole paths.
#[test]
fn root_long_paths_are_compared_and_reported_whole() {
    if !require_root("root_long_paths_are_compared_and_reported_whole") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let mut deep = d.clone();
    for c in ['a', 'b', 'c', 'd', 'e', 'f'] {
        deep.push(c.to_string().repeat(200));
    }
    std::fs::create_dir_all(&deep).expect("mkdir -p");
    std::fs::write(deep.join("secret.key"), "k3y\n").expect("write");
    std::fs::write(deep.join("other.txt"), "fine\n").expect("write");
    let secret = deep.join("secret.key").to_str().expect("utf8").to_string();
    let other = deep.join("other.txt").to_str().expect("utf8").to_string();
    assert!(secret.len() > 1200 && other.len() > 1200);
    let cat = copy_binary("/usr/bin/cat", &d, "cat-long");
    let mut agent = TestAgent::start(|_| {});
    agent
        .control
        .add_policy(policy(&format!(
            r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: long-postfix
spec:
  kprobes:
  - call: "sys_read"
    syscall: true
    args:
    - index: 0
      type: "fd"
    selectors:
    - matchBinaries:
      - operator: In
        values: ["{cat}"]
      matchArgs:
      - index: 0
        operator: Postfix
        values: ["/secret.key"]
      matchActions:
      - action: Sigkill
"#
        )))
        .expect("postfix policy loads");
    agent
        .control
        .add_policy(policy(&format!(
            r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: long-equal
spec:
  kprobes:
  - call: "sys_openat"
    syscall: true
    args:
    - index: 1
      type: "string"
    selectors:
    - matchArgs:
      - index: 1
        operator: Equal
        values: ["/no/such/short/path", "{other}"]
"#
        )))
        .expect("equal policy loads");

    // Relative name from the deep directory: only the kernel's dentry walk sees the whole path.
    let out = Command::new(&cat)
        .arg("secret.key")
        .current_dir(&deep)
        .output()
        .expect("run");
    assert_eq!(
        out.status.signal(),
        Some(9),
        "killed reading the deep secret"
    );
    assert!(out.stdout.is_empty(), "no byte of the secret printed");
    let out = Command::new(&cat).arg(&other).output().expect("run");
    assert_eq!(out.stdout, b"fine\n", "another deep file is read");

    agent.wait_until("both events", WAIT, |seen| {
        let ev = policy_events(seen);
        ev.iter().any(|(p, ..)| p == "long-postfix")
            && ev
                .iter()
                .any(|(p, _, _, s, _)| p == "long-equal" && s == std::slice::from_ref(&other))
    });
    let killed = agent
        .seen
        .iter()
        .find_map(|e| match &e.event {
            Some(Event::ProcessKprobe(k)) if k.policy_name == "long-postfix" => Some(k),
            _ => None,
        })
        .expect("postfix event");
    match killed.args.first().and_then(|a| a.arg.as_ref()) {
        Some(Arg::FileArg(f)) => assert_eq!(f.path, secret, "the whole path"),
        other => panic!("file_arg expected: {other:?}"),
    }
    assert_eq!(
        killed.action,
        auspex_events::tetragon::KprobeAction::Sigkill as i32
    );
    // Only the listed path: the secret's own open is not an Equal match.
    assert!(
        !policy_events(&agent.seen)
            .iter()
            .any(|(p, _, _, s, _)| p == "long-equal" && s != std::slice::from_ref(&other)),
        "long-equal matched only {other}"
    );
    let summary = agent.stop();
    assert_eq!(summary.losses.total(), 0, "{:?}", summary.losses);
}

#[test]
fn root_sock_addresses_ports_family_protocol_on_inet_sock_set_state() {
    if !require_root("root_sock_addresses_ports_family_protocol_on_inet_sock_set_state") {
        return;
    }
    let l4 = std::net::TcpListener::bind("127.0.0.1:0").expect("listen v4");
    let l6 = std::net::TcpListener::bind("[::1]:0").ok();
    let p4 = l4.local_addr().expect("addr").port();
    let p6 = l6.as_ref().map(|l| l.local_addr().expect("addr").port());
    // Filters on transitions to `newstate` (2: SYN_SENT, 1: ESTABLISHED).
    let sock_policy_at = |name: &str, newstate: u32, filters: &str| {
        policy(&format!(
            r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: {name}
spec:
  tracepoints:
  - subsystem: sock
    event: inet_sock_set_state
    args:
    - index: 4
      type: sock
    - index: 6
      type: int
    selectors:
    - matchArgs:
      - index: 6
        operator: Equal
        values: ["{newstate}"]
{filters}"#
        ))
    };
    let sock_policy = |name: &str, filters: &str| sock_policy_at(name, 2, filters);
    let mut agent = TestAgent::start(|_| {});
    let c = &agent.control;
    c.add_policy(sock_policy(
        "sock-v4",
        &format!("      - index: 4\n        operator: DAddr\n        values: [\"127.0.0.0/8\"]\n      - index: 4\n        operator: DPort\n        values: [\"{p4}\"]\n      - index: 4\n        operator: Protocol\n        values: [IPPROTO_TCP]\n"),
    ))
    .expect("v4 policy");
    c.add_policy(sock_policy(
        "sock-not-local",
        &format!("      - index: 4\n        operator: NotDAddr\n        values: [\"127.0.0.0/8\", \"::1/128\"]\n      - index: 4\n        operator: DPort\n        values: [\"{p4}\"]\n"),
    ))
    .expect("not-local policy");
    c.add_policy(sock_policy(
        "sock-priv",
        &format!("      - index: 4\n        operator: DPortPriv\n      - index: 4\n        operator: DPort\n        values: [\"{p4}\"]\n"),
    ))
    .expect("priv policy");
    if let Some(p6) = p6 {
        c.add_policy(sock_policy(
            "sock-v6",
            &format!("      - index: 4\n        operator: DAddr\n        values: [\"::1/128\"]\n      - index: 4\n        operator: Family\n        values: [AF_INET6]\n      - index: 4\n        operator: DPort\n        values: [\"{}:{}\"]\n", p6, p6),
        ))
        .expect("v6 policy");
    }
    // Transitions to ESTABLISHED: the client's from SYN_SENT (State is the socket's state as it
    // leaves it), the server's child socket from SYN_RECV with the listening port as its source
    // port (not privileged: an ephemeral port).
    c.add_policy(sock_policy_at(
        "sock-state",
        1,
        &format!("      - index: 4\n        operator: State\n        values: [TCP_SYN_SENT]\n      - index: 4\n        operator: DPort\n        values: [\"{p4}\"]\n"),
    ))
    .expect("state policy");
    c.add_policy(sock_policy_at(
        "sock-sport",
        1,
        &format!("      - index: 4\n        operator: NotSPortPriv\n      - index: 4\n        operator: SPort\n        values: [\"{p4}\"]\n"),
    ))
    .expect("sport policy");
    c.add_policy(sock_policy_at(
        "sock-sportpriv",
        1,
        &format!("      - index: 4\n        operator: SPortPriv\n      - index: 4\n        operator: SPort\n        values: [\"{p4}\"]\n"),
    ))
    .expect("sportpriv policy");
    // The socket is not filtered on: the kernel reads it only for the events the newstate
    // filter keeps (after the selectors), and it must still be in them. A raw tracepoint, whose
    // arguments are copied in one read.
    c.add_policy(policy(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: sock-read-after-selectors
spec:
  tracepoints:
  - subsystem: sock
    event: inet_sock_set_state
    raw: true
    args:
    - index: 0
      type: sock
    - index: 2
      type: int
    selectors:
    - matchArgs:
      - index: 2
        operator: Equal
        values: ["2"]
"#,
    ))
    .expect("raw policy");
    let _c4 = std::net::TcpStream::connect(("127.0.0.1", p4)).expect("connect v4");
    let _c6 = p6.map(|p| std::net::TcpStream::connect(("::1", p)).expect("connect v6"));
    marker(&mut agent, "sock-marker");
    let lazy: Vec<_> = agent
        .seen
        .iter()
        .filter_map(|e| match &e.event {
            Some(Event::ProcessTracepoint(t)) if t.policy_name == "sock-read-after-selectors" => {
                Some(t.args.clone())
            }
            _ => None,
        })
        .filter(|args| {
            matches!(args.first().and_then(|a| a.arg.as_ref()),
                Some(Arg::SockArg(s)) if s.dport == u32::from(p4))
        })
        .collect();
    assert_eq!(lazy.len(), 1, "one SYN_SENT to port {p4}: {lazy:?}");
    match (&lazy[0][0].arg, &lazy[0][1].arg) {
        (Some(Arg::SockArg(s)), Some(Arg::IntArg(state))) => {
            assert_eq!(s.daddr, "127.0.0.1");
            assert_eq!(s.saddr, "127.0.0.1");
            assert_eq!(s.protocol, "IPPROTO_TCP");
            assert_eq!(*state, 2, "TCP_SYN_SENT");
        }
        other => panic!("sock and int arguments expected: {other:?}"),
    }
    let socks = |name: &str| -> Vec<auspex_events::tetragon::KprobeSock> {
        agent
            .seen
            .iter()
            .filter_map(|e| match &e.event {
                Some(Event::ProcessTracepoint(t)) if t.policy_name == name => {
                    t.args.iter().find_map(|a| match &a.arg {
                        Some(Arg::SockArg(s)) => Some(s.clone()),
                        _ => None,
                    })
                }
                _ => None,
            })
            .collect()
    };
    let v4 = socks("sock-v4");
    assert_eq!(
        v4.len(),
        1,
        "one SYN_SENT transition to 127.0.0.1:{p4}: {v4:?}"
    );
    assert_eq!(v4[0].daddr, "127.0.0.1");
    assert_eq!(v4[0].dport, u32::from(p4));
    assert_eq!(v4[0].family, "AF_INET");
    assert_eq!(v4[0].protocol, "IPPROTO_TCP");
    assert_eq!(v4[0].r#type, "SOCK_STREAM");
    assert!(
        socks("sock-not-local").is_empty(),
        "NotDAddr excludes loopback"
    );
    assert!(
        socks("sock-priv").is_empty(),
        "an ephemeral port is not privileged"
    );
    let est = socks("sock-state");
    assert_eq!(est.len(), 1, "the client's SYN_SENT → ESTABLISHED: {est:?}");
    assert_eq!(
        (est[0].dport, est[0].state.as_str()),
        (u32::from(p4), "TCP_SYN_SENT")
    );
    let server = socks("sock-sport");
    assert_eq!(server.len(), 1, "the server's child socket: {server:?}");
    assert_eq!(server[0].sport, u32::from(p4));
    assert!(
        socks("sock-sportpriv").is_empty(),
        "port {p4} is not privileged"
    );
    if let Some(p6) = p6 {
        let v6 = socks("sock-v6");
        assert_eq!(v6.len(), 1, "{v6:?}");
        assert_eq!(v6[0].daddr, "::1");
        assert_eq!(v6[0].family, "AF_INET6");
        assert_eq!(v6[0].dport, u32::from(p6));
    } else {
        eprintln!("SKIP sock-v6 part: no IPv6 loopback on this machine");
    }
    // The event is attributed to the connecting process (this test).
    let ev = agent
        .seen
        .iter()
        .find_map(|e| match &e.event {
            Some(Event::ProcessTracepoint(t)) if t.policy_name == "sock-v4" => Some(t),
            _ => None,
        })
        .expect("event");
    assert_eq!(proc_of(&ev.process).pid, Some(std::process::id()));
}

#[test]
fn root_geturl_and_dnslookup_actions_from_user_space() {
    if !require_root("root_geturl_and_dnslookup_actions_from_user_space") {
        return;
    }
    use std::io::{BufRead, BufReader, Write};
    let server = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = server.local_addr().expect("addr").port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        if let Ok((mut conn, _)) = server.accept() {
            let mut line = String::new();
            let _ = BufReader::new(&conn).read_line(&mut line);
            let _ = conn
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let _ = tx.send(line);
        }
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let target = format!("{}/alarm", d.to_str().expect("utf8"));
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: notify
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
        values: ["{target}"]
      matchActions:
      - action: GetUrl
        argUrl: "http://127.0.0.1:{port}/alert?policy=notify"
      - action: DnsLookup
        argFqdn: "localhost"
"#
    );
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    let _ = std::fs::File::open(&target);
    let request = rx
        .recv_timeout(WAIT)
        .expect("the agent made the HTTP request");
    assert!(
        request.starts_with("GET /alert?policy=notify HTTP/1.1"),
        "{request:?}"
    );
    agent.wait_until("event", WAIT, |seen| {
        policy_events(seen).iter().any(|(p, ..)| p == "notify")
    });
    let ev = policy_events(&agent.seen)
        .into_iter()
        .find(|(p, ..)| p == "notify")
        .expect("event");
    assert_eq!(
        ev.2,
        auspex_events::tetragon::KprobeAction::Geturl as i32,
        "event action"
    );
    let summary = agent.stop();
    assert_eq!(summary.actions.geturl_ok, 1);
    assert_eq!(summary.actions.dns_ok, 1);
    assert_eq!(summary.actions.dropped, 0);
}

/// uprobes `btfPath`: `resolve` paths follow the binary's own types through user memory. The
/// BTF describes the test binary's structs (compiled by clang for the BPF target, whose layout
/// of these plain structs is x86-64's, and its .BTF section dumped raw, the format of
/// `pahole --btf_encode_detached`). Paths start from the function's parameter (its BTF
/// prototype) or from `btfType`; a matchArgs filter on a resolved member picks the call. A USDT
/// probe with the same struct pointer as its argument resolves through `btfType`.
#[test]
fn root_uprobe_btf_path_resolves_user_structs() {
    if !require_root("root_uprobe_btf_path_resolves_user_structs") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let types = r#"struct auspex_owner { unsigned int uid; char name[16]; };
struct auspex_req { long id; const char *path; struct auspex_owner *owner; };
"#;
    let bin = build_c(
        &d,
        "btf-target",
        &format!(
            r#"#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
{types}
__attribute__((noinline)) int auspex_handle(struct auspex_req *r)
{{
	printf("%ld %s %s\n", r->id, r->path, r->owner->name);
	return 0;
}}
int main(int argc, char **argv)
{{
	struct auspex_owner o = {{ .uid = 1000 }};
	struct auspex_req r;

	if (argc < 4)
		return 2;
	strncpy(o.name, argv[3], sizeof(o.name) - 1);
	r.id = atol(argv[1]);
	r.path = argv[2];
	r.owner = &o;
	STAP_PROBE1(auspex, request, &r);
	return auspex_handle(&r);
}}
"#
        ),
        &[],
    );
    let btf = build_btf(
        &d,
        &format!(
            // A variable of the owner type: clang's BTF otherwise has only a forward
            // declaration of a struct that is only pointed to.
            "{types}struct auspex_owner auspex_owner_type;\nint auspex_handle(struct auspex_req *r) {{ return r->id != 0; }}\n"
        ),
    );
    let btf = btf.as_str();
    let yaml = |btf_path: &str| {
        format!(
            r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: uprobe-btf
spec:
  uprobes:
  - path: "{bin}"
    symbols:
    - "auspex_handle"
    btfPath: "{btf_path}"
    args:
    - index: 0
      type: int64
      resolve: "id"
    - index: 0
      type: string
      resolve: "path"
    - index: 0
      type: string
      btfType: "struct auspex_req"
      resolve: "owner.name"
    - index: 0
      type: uint32
      resolve: "owner.uid"
    selectors:
    - matchArgs:
      - index: 0
        operator: Equal
        values: ["42"]
"#
        )
    };
    let mut agent = TestAgent::start(|_| {});
    let err = agent
        .control
        .add_policy(policy(&yaml("/nonexistent/app.btf")))
        .expect_err("an unreadable btfPath is refused");
    let msg = err.to_string();
    assert!(
        msg.contains("spec.uprobes[0].btfPath") && msg.contains("/nonexistent/app.btf"),
        "{msg}"
    );
    agent.control.add_policy(policy(&yaml(btf))).expect("loads");
    let usdt = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: usdt-btf
spec:
  usdts:
  - path: "{bin}"
    provider: "auspex"
    name: "request"
    btfPath: "{btf}"
    args:
    - index: 0
      type: int64
      btfType: "struct auspex_req"
      resolve: "id"
    - index: 0
      type: string
      btfType: "struct auspex_req"
      resolve: "owner.name"
    selectors:
    - matchArgs:
      - index: 0
        operator: Equal
        values: ["42"]
"#
    );
    agent
        .control
        .add_policy(policy(&usdt))
        .expect("USDT policy loads");
    for (id, path, name) in [("7", "/tmp/quiet", "bob"), ("42", "/srv/data", "alice")] {
        let out = Command::new(&bin)
            .args([id, path, name])
            .output()
            .expect("run");
        assert!(out.status.success(), "{out:?}");
    }
    marker(&mut agent, "uprobe-btf-marker");
    let evs = seen_events(&agent, |e| match e {
        Event::ProcessUprobe(u) if u.policy_name == "uprobe-btf" => Some(u),
        _ => None,
    });
    assert_eq!(evs.len(), 1, "only the call with id 42: {evs:?}");
    let args: Vec<_> = evs[0].args.iter().map(|a| a.arg.clone()).collect();
    assert_eq!(
        args,
        vec![
            Some(Arg::LongArg(42)),
            Some(Arg::StringArg("/srv/data".into())),
            Some(Arg::StringArg("alice".into())),
            Some(Arg::UintArg(1000)),
        ]
    );
    let usdts = seen_events(&agent, |e| match e {
        Event::ProcessUsdt(u) if u.policy_name == "usdt-btf" => Some(u),
        _ => None,
    });
    assert_eq!(usdts.len(), 1, "only the request with id 42: {usdts:?}");
    let args: Vec<_> = usdts[0].args.iter().map(|a| a.arg.clone()).collect();
    assert_eq!(
        args,
        vec![Some(Arg::LongArg(42)), Some(Arg::StringArg("alice".into()))]
    );
}

/// Buffers reached through `resolve`: a char_buf member of a user struct (btfPath) whose
/// length is another argument (sizeArgIndex), and one read when the call returns (returnCopy:
/// as many bytes as it returned, what the callee wrote).
#[test]
fn root_resolved_buffers_with_size_arg_index_and_return_copy() {
    if !require_root("root_resolved_buffers_with_size_arg_index_and_return_copy") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let types = "struct auspex_msg { long id; char *data; };\n";
    let bin = build_c(
        &d,
        "buf-target",
        &format!(
            r#"#include <stdio.h>
#include <string.h>
{types}
__attribute__((noinline)) int auspex_send(struct auspex_msg *m, int n)
{{
	return (int)fwrite(m->data, 1, n, stdout);
}}
__attribute__((noinline)) int auspex_fill(struct auspex_msg *m)
{{
	static const char reply[] = "filled by the callee";
	memcpy(m->data, reply, sizeof(reply) - 1);
	return sizeof(reply) - 1;
}}
int main(void)
{{
	char buf[64] = "sent-bytes|not these";
	struct auspex_msg m = {{ .id = 1, .data = buf }};

	auspex_send(&m, 10);
	memset(buf, 'x', sizeof(buf));
	return auspex_fill(&m) == 20 ? 0 : 1;
}}
"#
        ),
        &[],
    );
    let btf = build_btf(
        &d,
        &format!(
            "{types}int auspex_send(struct auspex_msg *m, int n) {{ return n + (int)m->id; }}\nint auspex_fill(struct auspex_msg *m) {{ return (int)m->id; }}\n"
        ),
    );
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: resolved-buffers
spec:
  uprobes:
  - path: "{bin}"
    symbols: ["auspex_send"]
    btfPath: "{btf}"
    args:
    - index: 0
      type: char_buf
      resolve: "data"
      sizeArgIndex: 2
    - index: 1
      type: int
  - path: "{bin}"
    symbols: ["auspex_fill"]
    btfPath: "{btf}"
    return: true
    args:
    - index: 0
      type: char_buf
      resolve: "data"
      returnCopy: true
    returnArg:
      index: 0
      type: int
"#
    );
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    let out = Command::new(&bin).output().expect("run");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(out.stdout, b"sent-bytes");
    marker(&mut agent, "resolved-buffers-marker");
    let evs = seen_events(&agent, |e| match e {
        Event::ProcessUprobe(u) if u.policy_name == "resolved-buffers" => Some(u),
        _ => None,
    });
    assert_eq!(evs.len(), 2, "{evs:#?}");
    let send = evs
        .iter()
        .find(|u| u.symbol == "auspex_send")
        .expect("auspex_send event");
    let args: Vec<_> = send.args.iter().map(|a| a.arg.clone()).collect();
    assert_eq!(
        args,
        vec![
            Some(Arg::BytesArg(b"sent-bytes".to_vec())),
            Some(Arg::IntArg(10))
        ]
    );
    let fill = evs
        .iter()
        .find(|u| u.symbol == "auspex_fill")
        .expect("auspex_fill event");
    assert_eq!(
        fill.args.first().and_then(|a| a.arg.clone()),
        Some(Arg::BytesArg(b"filled by the callee".to_vec())),
        "returnCopy: what the callee wrote, as many bytes as it returned"
    );
}

#[test]
fn root_uprobe_on_a_test_binary_function() {
    if !require_root("root_uprobe_on_a_test_binary_function") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let bin = build_c(
        &d,
        "uprobe-target",
        r#"#include <stdio.h>
#include <stdlib.h>
__attribute__((noinline)) int auspex_probe_target(long n, const char *word)
{
	printf("%ld %s\n", n, word);
	return (int)n;
}
int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	auspex_probe_target(atol(argv[1]), argv[2]);
	printf("after\n");
	return 0;
}
"#,
        &[],
    );
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: uprobe-target
spec:
  uprobes:
  - path: "{bin}"
    symbols:
    - "auspex_probe_target"
    args:
    - index: 0
      type: int64
    - index: 1
      type: string
    selectors:
    - matchArgs:
      - index: 0
        operator: Equal
        values: ["42"]
      matchActions:
      - action: Sigkill
    - matchArgs:
      - index: 1
        operator: Prefix
        values: ["hello"]
"#
    );
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    let killed = Command::new(&bin)
        .args(["42", "doomed"])
        .output()
        .expect("run");
    assert_eq!(killed.status.signal(), Some(9), "killed at function entry");
    assert!(!String::from_utf8_lossy(&killed.stdout).contains("after"));
    let posted = Command::new(&bin)
        .args(["7", "hello-world"])
        .output()
        .expect("run");
    assert!(posted.status.success());
    let quiet = Command::new(&bin).args(["7", "bye"]).output().expect("run");
    assert!(quiet.status.success());
    marker(&mut agent, "uprobe-marker");
    let evs = seen_events(&agent, |e| match e {
        Event::ProcessUprobe(u) if u.policy_name == "uprobe-target" => Some(u),
        _ => None,
    });
    assert_eq!(evs.len(), 2, "the Sigkill call and the hello call: {evs:?}");
    for u in &evs {
        assert_eq!(u.path, bin);
        assert_eq!(u.symbol, "auspex_probe_target");
        assert_eq!(proc_of(&u.process).binary, bin);
    }
    let args = |u: &auspex_events::tetragon::ProcessUprobe| -> (Option<i64>, Option<String>) {
        let n = u.args.first().and_then(|a| match a.arg {
            Some(Arg::LongArg(v)) => Some(v),
            _ => None,
        });
        (n, string_args(&u.args).first().cloned())
    };
    assert_eq!(args(evs[0]), (Some(42), Some("doomed".into())));
    assert_eq!(
        evs[0].action,
        auspex_events::tetragon::KprobeAction::Sigkill as i32
    );
    assert_eq!(args(evs[1]), (Some(7), Some("hello-world".into())));
    assert_eq!(
        evs[1].action,
        auspex_events::tetragon::KprobeAction::Post as i32
    );
}

#[test]
fn root_monitor_mode_reports_instead_of_killing() {
    if !require_root("root_monitor_mode_reports_instead_of_killing") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let cat = copy_binary("/usr/bin/cat", &d, "cat-mode");
    let target = d.join("guarded");
    std::fs::write(&target, "g\n").expect("write");
    let t = target.to_str().expect("utf8");
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: guarded
spec:
  options:
  - name: policy-mode
    value: monitor
  kprobes:
  - call: "sys_openat"
    args:
    - index: 1
      type: "string"
    selectors:
    - matchBinaries:
      - operator: In
        values: ["{cat}"]
      matchArgs:
      - index: 1
        operator: Equal
        values: ["{t}"]
      matchActions:
      - action: Sigkill
"#
    );
    let mut agent = TestAgent::start(|_| {});
    let st = agent.control.add_policy(policy(&yaml)).expect("loads");
    assert!(st.monitor, "policy-mode monitor from the policy");
    let out = Command::new(&cat).arg(t).output().expect("run");
    assert!(out.status.success(), "monitor mode does not kill");
    assert_eq!(out.stdout, b"g\n");
    agent
        .control
        .set_policy_mode("guarded", false)
        .expect("enforce");
    assert!(!agent.control.list_policies()[0].monitor);
    let out = Command::new(&cat).arg(t).output().expect("run");
    assert_eq!(out.status.signal(), Some(9), "enforce mode kills");
    agent
        .control
        .set_policy_mode("guarded", true)
        .expect("monitor again");
    assert!(
        Command::new(&cat)
            .arg(t)
            .output()
            .expect("run")
            .status
            .success()
    );
    marker(&mut agent, "mode-marker");
    let actions: Vec<i32> = policy_events(&agent.seen)
        .into_iter()
        .filter(|(p, ..)| p == "guarded")
        .map(|(_, _, a, ..)| a)
        .collect();
    use auspex_events::tetragon::KprobeAction;
    assert_eq!(
        actions,
        vec![
            KprobeAction::Post as i32,
            KprobeAction::Sigkill as i32,
            KprobeAction::Post as i32
        ],
        "monitor posts, enforce kills"
    );
    // The kernel's per-policy action counters (ListTracingPolicies stats): two matches in
    // monitor mode, one kill, three events.
    use auspex_bpf::abi::policy_stat;
    let c = agent.control.list_policies()[0].counters;
    assert_eq!(
        (
            c[policy_stat::POST as usize],
            c[policy_stat::SIGNAL as usize],
            c[policy_stat::MONITOR_SIGNAL as usize],
            c[policy_stat::OVERRIDE as usize],
        ),
        (3, 1, 2, 0),
        "post, signal, monitor_signal, override"
    );
}

/// How many of these program ids still exist in the kernel.
fn live_programs(ids: &[u32]) -> usize {
    libbpf_rs::query::ProgInfoIter::default()
        .filter(|p| ids.contains(&p.id))
        .count()
}

/// Waits (the kernel frees programs asynchronously) until none of `ids` is left.
fn wait_programs_gone(ids: &[u32]) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while live_programs(ids) > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(live_programs(ids), 0, "programs {ids:?} still loaded");
}

/// `char_buf` with `sizeArgIndex` on write(2): the bytes written (base64 in JSON, as Tetragon),
/// cut at the capture size with the full length in `orig_size`; and the Signal action.
#[test]
fn root_char_buf_bytes_of_write_and_signal() {
    if !require_root("root_char_buf_bytes_of_write_and_signal") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let ds = d.to_str().expect("utf8").to_string();
    // One write(2) of the whole argument (printf's stdio would split a long one at 4096 bytes).
    let printf = build_c(
        &d,
        "printf-cb",
        "#include <string.h>\n#include <unistd.h>\nint main(int c, char **v) { return c == 2 && write(1, v[1], strlen(v[1])) == (long)strlen(v[1]) ? 0 : 1; }\n",
        &[],
    );
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: write-bytes
spec:
  kprobes:
  - call: "sys_write"
    syscall: true
    args:
    - index: 0
      type: "fd"
    - index: 1
      type: "char_buf"
      sizeArgIndex: 3
    - index: 2
      type: "size_t"
    selectors:
    - matchBinaries:
      - operator: In
        values: ["{printf}"]
      matchArgs:
      - index: 0
        operator: Equal
        values: ["{ds}/signal-me"]
      matchActions:
      - action: Signal
        argSig: 10
    - matchBinaries:
      - operator: In
        values: ["{printf}"]
"#
    );
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    let write_to = |name: &str, text: &str| {
        let out = std::fs::File::create(d.join(name)).expect("create");
        Command::new(&printf)
            .arg(text)
            .stdout(out)
            .status()
            .expect("run printf")
    };
    let short = write_to("short", "hello char_buf\n");
    assert!(short.success(), "{short:?}");
    let long_text = "x".repeat(5000) + "\n";
    let long = write_to("long", &long_text);
    assert!(long.success(), "{long:?}");
    let signalled = write_to("signal-me", "bye\n");
    assert_eq!(
        signalled.signal(),
        Some(10),
        "SIGUSR1 from the Signal action"
    );

    let write_event = |path: String| {
        move |e: &GetEventsResponse| match &e.event {
            Some(Event::ProcessKprobe(k))
                if k.policy_name == "write-bytes"
                    && matches!(k.args.first().and_then(|a| a.arg.as_ref()),
                        Some(Arg::FileArg(f)) if f.path == path) =>
            {
                Some(k.clone())
            }
            _ => None,
        }
    };
    for name in ["short", "long", "signal-me"] {
        let path = format!("{ds}/{name}");
        agent.wait_until(&format!("write to {name}"), WAIT, |seen| {
            seen.iter().any(|e| write_event(path.clone())(e).is_some())
        });
    }
    let find = |name: &str| {
        let path = format!("{ds}/{name}");
        let resp = agent
            .seen
            .iter()
            .find(|e| write_event(path.clone())(e).is_some())
            .expect("event")
            .clone();
        (write_event(path)(&resp).expect("kprobe"), resp)
    };

    let (k, resp) = find("short");
    assert_eq!(k.function_name, "__x64_sys_write");
    assert_eq!(
        k.args[1].arg,
        Some(Arg::BytesArg(b"hello char_buf\n".to_vec()))
    );
    assert_eq!(k.args[2].arg, Some(Arg::SizeArg(15)));
    assert_eq!(k.action, auspex_events::tetragon::KprobeAction::Post as i32);
    let line = auspex_events::json::to_json_line(&resp);
    assert!(
        line.contains(r#"{"bytes_arg":"aGVsbG8gY2hhcl9idWYK"}"#),
        "bytes_arg is base64 in JSON: {line}"
    );

    let (k, _) = find("long");
    match &k.args[1].arg {
        Some(Arg::TruncatedBytesArg(t)) => {
            assert_eq!(t.orig_size, 5001, "the length write(2) was given");
            assert_eq!(t.bytes_arg, vec![b'x'; 4096], "the first 4096 bytes");
        }
        other => panic!("truncated_bytes_arg expected: {other:?}"),
    }

    let (k, _) = find("signal-me");
    assert_eq!(k.args[1].arg, Some(Arg::BytesArg(b"bye\n".to_vec())));
    assert_eq!(
        k.action,
        auspex_events::tetragon::KprobeAction::Signal as i32
    );
}

/// `return: true` on a `syscall: true` kprobe (served here by the raw sys_enter / sys_exit
/// tracepoints): one event per call, posted at the return with the value in `return`, and
/// matchReturnArgs deciding on that value (two entries, ANDed: -10 < ret < 0).
/// rateLimit on a Post in matchReturnActions: at most one event per period for the same
/// arguments, decided in the kernel at the return (three failed opens of one path give one
/// event, another path its own).
#[test]
fn root_rate_limit_in_match_return_actions() {
    if !require_root("root_rate_limit_in_match_return_actions") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let cat = copy_binary("/usr/bin/cat", &d, "cat-retrate");
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: failed-opens-limited
spec:
  kprobes:
  - call: "sys_openat"
    syscall: true
    return: true
    args:
    - index: 1
      type: "string"
    returnArg:
      index: 0
      type: "int"
    selectors:
    - matchBinaries:
      - operator: In
        values: ["{cat}"]
      matchReturnArgs:
      - index: 0
        operator: LT
        values: ["0"]
      matchReturnActions:
      - action: Post
        rateLimit: "1m"
"#
    );
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    let (missing, other) = (d.join("missing"), d.join("other-missing"));
    let st = Command::new(&cat)
        .args([&missing, &missing, &missing, &other])
        .stderr(Stdio::null())
        .status()
        .expect("cat");
    assert_eq!(st.code(), Some(1));
    agent.wait_until("failed open events", WAIT, |seen| {
        policy_events(seen)
            .iter()
            .any(|(p, ..)| p == "failed-opens-limited")
    });
    marker(&mut agent, "after-return-rate-limit");
    // (The loader's failed library lookups are events too: other paths.)
    let ds = d.to_str().expect("utf8");
    let mut paths: Vec<String> = policy_events(&agent.seen)
        .into_iter()
        .filter(|(p, ..)| p == "failed-opens-limited")
        .flat_map(|(_, _, _, s, _)| s)
        .filter(|s| s.starts_with(ds))
        .collect();
    paths.sort();
    let want = [&missing, &other].map(|p| p.to_str().expect("utf8").to_string());
    assert_eq!(paths, want, "one event per path within the period");
}

/// Entries of the kernel's tables of return-probe calls in flight (`auspex_pending` maps).
fn pending_calls() -> usize {
    libbpf_rs::query::MapInfoIter::default()
        .filter(|m| m.name == "auspex_pending")
        .filter_map(|m| libbpf_rs::MapHandle::from_map_id(m.id).ok())
        .map(|m| libbpf_rs::MapCore::keys(&m).count())
        .sum()
}

/// Return probes keep each call's event in the kernel until the return, in a table of bounded
/// size that does not evict: 2100 threads blocked in read(2) at once overflow it, and every
/// read is either reported with its return value or counted as lost (`kernel_pending`). Calls
/// that never return (exit_group) are forgotten once their thread is gone.
#[test]
fn root_return_probe_calls_in_flight_are_bounded_counted_and_swept() {
    if !require_root("root_return_probe_calls_in_flight_are_bounded_counted_and_swept") {
        return;
    }
    const THREADS: usize = 2100;
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let blocker = build_c(
        &d,
        "blocker",
        r#"#include <pthread.h>
#include <unistd.h>
#define THREADS 2100
static int p[2];
static void *reader(void *arg)
{
	char c;
	(void)arg;
	return read(p[0], &c, 1) == 1 ? NULL : (void *)1;
}
int main(void)
{
	static pthread_t t[THREADS];
	static char bytes[THREADS];
	pthread_attr_t a;
	void *r;
	int bad = 0;
	if (pipe(p))
		return 1;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 65536);
	for (int i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], &a, reader, NULL))
			return 2;
	sleep(2); /* every reader blocked in read(2) */
	if (write(p[1], bytes, THREADS) != THREADS)
		return 3;
	for (int i = 0; i < THREADS; i++)
		bad |= pthread_join(t[i], &r) || r;
	return bad ? 4 : 0;
}
"#,
        &["-pthread"],
    );
    let truth = copy_binary("/usr/bin/true", &d, "true-exits");
    let mut agent = TestAgent::start(|c| c.process_cache_gc_interval = Duration::from_secs(1));
    agent
        .control
        .add_policy(policy(&format!(
            r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: blocked-reads
spec:
  kprobes:
  - call: "sys_read"
    syscall: true
    return: true
    args:
    - index: 2
      type: "size_t"
    returnArg:
      index: 0
      type: "int"
    selectors:
    - matchBinaries:
      - operator: In
        values: ["{blocker}"]
      matchArgs:
      - index: 2
        operator: Equal
        values: ["1"]
"#
        )))
        .expect("read policy loads");
    agent
        .control
        .add_policy(policy(&format!(
            r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: never-returns
spec:
  kprobes:
  - call: "sys_exit_group"
    syscall: true
    return: true
    args:
    - index: 0
      type: "int"
    returnArg:
      index: 0
      type: "int"
    selectors:
    - matchBinaries:
      - operator: In
        values: ["{truth}"]
"#
        )))
        .expect("exit_group policy loads");

    // exit_group never returns: its entries stay until the sweep sees the thread gone.
    for _ in 0..3 {
        assert!(Command::new(&truth).status().expect("true").success());
    }
    let stuck = pending_calls();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while pending_calls() > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(pending_calls(), 0, "swept ({stuck} right after the exits)");

    let status = Command::new(&blocker).status().expect("blocker");
    assert!(status.success(), "{status:?}");
    marker(&mut agent, "after-blocked-reads");
    let posted = agent
        .seen
        .iter()
        .filter(|e| {
            matches!(&e.event, Some(Event::ProcessKprobe(k))
                if k.policy_name == "blocked-reads"
                    && k.r#return.as_ref().and_then(|r| r.arg.clone()) == Some(Arg::IntArg(1)))
        })
        .count();
    let dropped = agent.stop().losses.kernel_pending_full as usize;
    eprintln!("{THREADS} blocked reads: {posted} reported, {dropped} counted lost");
    assert_eq!(
        posted + dropped,
        THREADS,
        "every read reported or counted: {posted} reported, {dropped} lost"
    );
    assert!(
        dropped > 0 && posted >= 2000,
        "the table holds 2048 calls: {posted} reported, {dropped} lost"
    );
}

#[test]
fn root_return_probe_reports_the_return_value_and_filters_on_it() {
    if !require_root("root_return_probe_reports_the_return_value_and_filters_on_it") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let ds = d.to_str().expect("utf8").to_string();
    let cat = copy_binary("/usr/bin/cat", &d, "cat-ret");
    std::fs::write(d.join("present"), "here\n").expect("write");
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: failed-opens
spec:
  kprobes:
  - call: "sys_openat"
    syscall: true
    return: true
    args:
    - index: 1
      type: "string"
    returnArg:
      index: 0
      type: "int"
    selectors:
    - matchBinaries:
      - operator: In
        values: ["{cat}"]
      matchArgs:
      - index: 1
        operator: Prefix
        values: ["{ds}/"]
      matchReturnArgs:
      - index: 0
        operator: LT
        values: ["0"]
      - index: 0
        operator: GT
        values: ["-10"]
"#
    );
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    let ok = Command::new(&cat)
        .arg(d.join("present"))
        .output()
        .expect("cat");
    assert_eq!(ok.stdout, b"here\n");
    // ENOTDIR (-20): below 0 but not above -10, so the second entry filters it out.
    let notdir = Command::new(&cat)
        .arg(d.join("present/x"))
        .stderr(Stdio::null())
        .status()
        .expect("cat");
    assert_eq!(notdir.code(), Some(1));
    let missing = Command::new(&cat)
        .arg(d.join("missing"))
        .stderr(Stdio::null())
        .status()
        .expect("cat");
    assert_eq!(missing.code(), Some(1));
    agent.wait_until("failed open event", WAIT, |seen| {
        policy_events(seen)
            .iter()
            .any(|(p, ..)| p == "failed-opens")
    });
    // Let a (wrong) event for the successful open arrive too, if there were one.
    marker(&mut agent, "after-return-probe");
    let events: Vec<_> = agent
        .seen
        .iter()
        .filter_map(|e| match &e.event {
            Some(Event::ProcessKprobe(k)) if k.policy_name == "failed-opens" => Some(k.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 1, "only the ENOENT open: {events:#?}");
    let k = &events[0];
    assert_eq!(k.function_name, "__x64_sys_openat");
    assert_eq!(string_args(&k.args), vec![format!("{ds}/missing")]);
    assert_eq!(
        k.r#return.as_ref().and_then(|r| r.arg.clone()),
        Some(Arg::IntArg(-2)),
        "ENOENT"
    );
    assert_eq!(
        k.return_action,
        auspex_events::tetragon::KprobeAction::Post as i32
    );
    let line = auspex_events::json::to_json_line(
        agent
            .seen
            .iter()
            .find(|e| matches!(&e.event, Some(Event::ProcessKprobe(k)) if k.policy_name == "failed-opens"))
            .expect("event"),
    );
    assert!(
        line.contains(r#""return":{"int_arg":-2}"#)
            && line.contains(r#""return_action":"KPROBE_ACTION_POST""#),
        "{line}"
    );
}

/// `raw: true` tracepoints get the tracepoint's own arguments: sched_process_exec's third one is
/// the linux_binprm, resolved to the executed file's path in the kernel.
#[test]
fn root_raw_tracepoint_with_linux_binprm() {
    if !require_root("root_raw_tracepoint_with_linux_binprm") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let bin = copy_binary("/bin/true", &d, "raw-tp-true");
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: rawtp-exec
spec:
  tracepoints:
  - subsystem: "sched"
    event: "sched_process_exec"
    raw: true
    args:
    - index: 2
      type: "linux_binprm"
    selectors:
    - matchArgs:
      - index: 2
        operator: Equal
        values: ["{bin}"]
"#
    );
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    assert!(Command::new(&bin).status().expect("run").success());
    assert!(Command::new("/bin/true").status().expect("run").success());
    agent.wait_until("raw tracepoint event", WAIT, |seen| {
        policy_events(seen).iter().any(|(p, ..)| p == "rawtp-exec")
    });
    marker(&mut agent, "after-raw-tp");
    let events: Vec<_> = agent
        .seen
        .iter()
        .filter_map(|e| match &e.event {
            Some(Event::ProcessTracepoint(t)) if t.policy_name == "rawtp-exec" => Some(t.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 1, "only the copied binary: {events:#?}");
    let t = &events[0];
    assert_eq!(
        (t.subsys.as_str(), t.event.as_str()),
        ("sched", "sched_process_exec")
    );
    assert_eq!(proc_of(&t.process).binary, bin);
    match t.args.first().and_then(|a| a.arg.as_ref()) {
        Some(Arg::LinuxBinprmArg(b)) => {
            assert_eq!(b.path, bin);
            assert_eq!(b.permission, "-rwxr-xr-x");
        }
        other => panic!("linux_binprm_arg expected: {other:?}"),
    }
}

/// A `__data_loc char[]` field of a tracepoint (sched_process_exec's filename, index 4 counting
/// the common fields): its bytes live after the fixed fields, at the offset the field holds;
/// the kernel compares them (Postfix) and the event carries the whole path.
#[test]
fn root_tracepoint_data_loc_string() {
    if !require_root("root_tracepoint_data_loc_string") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let bin = copy_binary("/bin/true", &d, "dataloc-true");
    let yaml = r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: dataloc-exec
spec:
  tracepoints:
  - subsystem: "sched"
    event: "sched_process_exec"
    args:
    - index: 4
      type: "auto"
    selectors:
    - matchArgs:
      - index: 4
        operator: Postfix
        values: ["/dataloc-true"]
"#;
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(yaml)).expect("loads");
    assert!(Command::new(&bin).status().expect("run").success());
    assert!(Command::new("/bin/true").status().expect("run").success());
    marker(&mut agent, "after-dataloc");
    let events: Vec<_> = seen_events(&agent, |e| match e {
        Event::ProcessTracepoint(t) if t.policy_name == "dataloc-exec" => Some(t),
        _ => None,
    });
    assert_eq!(events.len(), 1, "only the copied binary: {events:#?}");
    assert_eq!(
        events[0].args.first().and_then(|a| a.arg.clone()),
        Some(Arg::StringArg(bin.clone()))
    );
}

/// `char[N]` fields of a tracepoint (task_rename's oldcomm and newcomm, indexes 5 and 6 counting
/// the common fields): strings inside the record, compared in the kernel (Equal).
#[test]
fn root_tracepoint_char_array_strings() {
    if !require_root("root_tracepoint_char_array_strings") {
        return;
    }
    let yaml = r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: comm-rename
spec:
  tracepoints:
  - subsystem: "task"
    event: "task_rename"
    args:
    - index: 5
    - index: 6
      type: "string"
    selectors:
    - matchArgs:
      - index: 6
        operator: Equal
        values: ["auspex-renamed"]
"#;
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(yaml)).expect("loads");
    for name in ["auspex-other", "auspex-renamed"] {
        let st = Command::new("/bin/sh")
            .args(["-c", &format!("printf {name} > /proc/self/task/$$/comm")])
            .status()
            .expect("sh");
        assert!(st.success());
    }
    marker(&mut agent, "after-rename");
    let events: Vec<_> = seen_events(&agent, |e| match e {
        Event::ProcessTracepoint(t) if t.policy_name == "comm-rename" => Some(t),
        _ => None,
    });
    assert_eq!(events.len(), 1, "only the matching rename: {events:#?}");
    let args: Vec<_> = events[0].args.iter().map(|a| a.arg.clone()).collect();
    assert_eq!(
        args,
        vec![
            Some(Arg::StringArg("sh".into())),
            Some(Arg::StringArg("auspex-renamed".into()))
        ]
    );
}

/// A `__data_loc` array that is not a string (ipi_send_cpumask's `__data_loc cpumask_t`): type
/// auto reads its bytes. Threads of a test program on three CPUs, one changing the protection of
/// a page the others may cache: the TLB flush IPIs go to CPUs 1 and 2 (mask byte 0x06). The
/// kernel uses ipi_send_cpu for a single target, so this needs three CPUs (the other
/// `__data_loc` arrays of common kernels are DMA and RAS events).
#[test]
fn root_tracepoint_data_loc_bytes() {
    if !require_root("root_tracepoint_data_loc_bytes") {
        return;
    }
    if std::thread::available_parallelism().map_or(1, |n| n.get()) < 3 {
        println!(
            "SKIP root_tracepoint_data_loc_bytes: ipi_send_cpumask needs IPIs to two other CPUs (this machine has fewer than 3)"
        );
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let bin = build_c(
        &d,
        "ipi-sender",
        r#"#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>
static atomic_int stop;
static char *page;
static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}
static void *spin(void *cpu)
{
	pin((int)(long)cpu);
	while (!atomic_load(&stop))
		(void)*(volatile char *)page;
	return 0;
}
int main(void)
{
	pthread_t t[2];

	page = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pin(0);
	page[0] = 1;
	for (long k = 0; k < 2; k++)
		pthread_create(&t[k], 0, spin, (void *)(k + 1));
	for (int i = 0; i < 20000; i++) {
		mprotect(page, 4096, PROT_READ);
		mprotect(page, 4096, PROT_READ | PROT_WRITE);
	}
	atomic_store(&stop, 1);
	pthread_join(t[0], 0);
	pthread_join(t[1], 0);
	return 0;
}
"#,
        &["-pthread"],
    );
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: dataloc-ipi
spec:
  tracepoints:
  - subsystem: "ipi"
    event: "ipi_send_cpumask"
    args:
    - index: 4
      type: "auto"
    selectors:
    - matchBinaries:
      - operator: In
        values: ["{bin}"]
"#
    );
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    assert!(Command::new(&bin).status().expect("run").success());
    agent.wait_until("an IPI event", WAIT, |seen| {
        policy_events(seen).iter().any(|(p, ..)| p == "dataloc-ipi")
    });
    let masks: Vec<_> = seen_events(&agent, |e| match e {
        Event::ProcessTracepoint(t) if t.policy_name == "dataloc-ipi" => Some(t),
        _ => None,
    })
    .iter()
    .map(|t| t.args.first().and_then(|a| a.arg.clone()))
    .collect();
    let to_both = masks
        .iter()
        .filter(|m| matches!(m, Some(Arg::BytesArg(b)) if !b.is_empty() && b[0] == 0x06 && b[1..].iter().all(|&x| x == 0)))
        .count();
    assert!(to_both > 0, "cpumask bytes of the IPIs: {masks:?}");
}

/// matchBinaries looks at the executable the kernel runs, not at the name given to execve: a
/// copied cat started by a relative name (`./rcat` from its directory) or through a symlink is
/// killed opening the listed file, as when started by its absolute path; another binary is not.
/// The events' `binary` stays the name as run (joined with the cwd), as Tetragon reports it.
#[test]
fn root_match_binaries_sees_relative_and_symlinked_execs() {
    if !require_root("root_match_binaries_sees_relative_and_symlinked_execs") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let cat = copy_binary("/bin/cat", &d, "rcat");
    let link = d.join("link-to-rcat");
    std::os::unix::fs::symlink(&cat, &link).expect("symlink");
    let secret = d.join("secret");
    std::fs::write(&secret, "s").expect("write");
    let secret = secret.to_str().expect("utf8").to_string();
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: binaries-by-exe
spec:
  kprobes:
  - call: "sys_openat"
    syscall: true
    args:
    - index: 1
      type: string
    selectors:
    - matchArgs:
      - index: 1
        operator: Equal
        values: ["{secret}"]
      matchBinaries:
      - operator: In
        values: ["{cat}"]
      matchActions:
      - action: Sigkill
"#
    );
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    let run = |program: &str| {
        Command::new(program)
            .arg(&secret)
            .current_dir(&d)
            .output()
            .expect("run")
    };
    let link = link.to_str().expect("utf8").to_string();
    for program in [cat.as_str(), "./rcat", link.as_str()] {
        let out = run(program);
        assert_eq!(out.status.signal(), Some(9), "{program}: {out:?}");
    }
    let other = run("/bin/cat");
    assert!(other.status.success(), "another binary: {other:?}");
    marker(&mut agent, "after-binaries-by-exe");
    let binaries: Vec<_> = policy_kprobes(&agent, "binaries-by-exe")
        .iter()
        .map(|k| proc_of(&k.process).binary.clone())
        .collect();
    assert_eq!(binaries, vec![cat.clone(), cat.clone(), link]);
}

/// CelExpr (Tetragon's example shape): lseek(2) arguments compared by a CEL expression that
/// runs in the kernel: `argN` is the N-th entry of `args`, typed by it (whence is an int32,
/// offset an int64). The matching call is killed before user space sees it; the others run.
#[test]
fn root_cel_expr_filters_in_the_kernel() {
    if !require_root("root_cel_expr_filters_in_the_kernel") {
        return;
    }
    let yaml = r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: "cel-lseek"
spec:
  kprobes:
  - call: "sys_lseek"
    syscall: true
    args:
    - index: 2
      type: int
      label: whence
    - index: 1
      type: int64
      label: offset
    selectors:
    - matchArgs:
      - operator: CelExpr
        values:
        - "arg0 == int32(4444) && arg1 - 1000 > 0 && !(arg1 == 7777)"
      matchActions:
      - action: Sigkill
"#;
    let mut agent = TestAgent::start(|_| {});
    let bad = policy(&yaml.replace("arg1 - 1000 > 0", "arg1 - 1000 > int32(0)"));
    let msg = agent
        .control
        .add_policy(bad)
        .expect_err("int with int32")
        .to_string();
    assert!(
        msg.contains("spec.kprobes[0].selectors[0].matchArgs[0].values[0]")
            && msg.contains("compares or combines int with int32"),
        "{msg}"
    );
    agent.control.add_policy(policy(yaml)).expect("loads");
    let lseek = |offset: i64, whence: i32| python_lseek(0, offset, whence);
    let killed = lseek(5000, 4444);
    assert_eq!(
        killed.signal(),
        Some(9),
        "whence 4444, offset 5000: SIGKILL"
    );
    for (offset, whence) in [(10, 4444), (7777, 4444), (5000, 4445)] {
        let st = lseek(offset, whence);
        assert_eq!(
            st.code(),
            Some(22),
            "offset {offset}, whence {whence}: EINVAL, not killed"
        );
    }
    marker(&mut agent, "after-cel");
    let events: Vec<_> = policy_kprobes(&agent, "cel-lseek");
    assert_eq!(events.len(), 1, "only the matching call: {events:#?}");
    let args: Vec<_> = events[0].args.iter().map(|a| a.arg.clone()).collect();
    assert_eq!(
        args,
        vec![Some(Arg::IntArg(4444)), Some(Arg::LongArg(5000))]
    );
    assert_eq!(
        events[0].action,
        auspex_events::tetragon::KprobeAction::Sigkill as i32
    );
}

/// CelExpr beyond one argument list: in matchData an expression names the data entries
/// (`data0`) next to the arguments, in matchArgs an `args:` list renames `argN` (older Tetragon
/// policies), and in matchReturnArgs `arg0` is the return value. A process that lseeks by its
/// own pid is killed at the entry; an lseek failing with EBADF is killed at the return.
#[test]
fn root_cel_expr_on_data_renamed_args_and_the_return_value() {
    if !require_root("root_cel_expr_on_data_renamed_args_and_the_return_value") {
        return;
    }
    let yaml = r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: "cel-more"
spec:
  kprobes:
  - call: "sys_lseek"
    syscall: true
    return: true
    args:
    - index: 2
      type: int
    - index: 1
      type: int64
    data:
    - type: int
      source: current_task
      resolve: tgid
    returnArg:
      index: 0
      type: int
    selectors:
    - matchArgs:
      - operator: CelExpr
        args: [1, 0]
        values: ["arg1 == int32(4446)"]
      matchData:
      - operator: CelExpr
        values: ["int(data0) == arg1"]
      matchActions:
      - action: Sigkill
    - matchArgs:
      - index: 2
        operator: Equal
        values: ["4447"]
      matchReturnArgs:
      - operator: CelExpr
        values: ["arg0 == int32(-9)"]
      matchReturnActions:
      - action: Sigkill
"#;
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(yaml)).expect("loads");
    let lseek_pid = |delta: i64| {
        Command::new("/usr/bin/python3")
            .args([
                "-c",
                &format!(
                    "import os, sys\ntry:\n os.lseek(0, os.getpid() + {delta}, 4446)\nexcept OSError as e:\n sys.exit(e.errno)"
                ),
            ])
            .status()
            .expect("python3")
    };
    assert_eq!(lseek_pid(0).signal(), Some(9), "offset = own pid: SIGKILL");
    assert_eq!(lseek_pid(1).code(), Some(22), "offset = pid + 1: EINVAL");
    assert_eq!(
        python_lseek(9999, 0, 4447).signal(),
        Some(9),
        "EBADF: SIGKILL at the return"
    );
    assert_eq!(
        python_lseek(0, 0, 4447).code(),
        Some(22),
        "EINVAL: not killed"
    );
    marker(&mut agent, "after-cel-more");
    let events: Vec<_> = policy_kprobes(&agent, "cel-more");
    assert_eq!(events.len(), 2, "the two killed calls: {events:#?}");
    let whence: Vec<_> = events
        .iter()
        .map(|k| k.args.first().and_then(|a| a.arg.clone()))
        .collect();
    assert!(whence.contains(&Some(Arg::IntArg(4446))), "{events:#?}");
    let at_return = events
        .iter()
        .find(|k| k.args.first().and_then(|a| a.arg.clone()) == Some(Arg::IntArg(4447)))
        .expect("the EBADF call");
    assert_eq!(
        at_return.r#return.as_ref().and_then(|r| r.arg.clone()),
        Some(Arg::IntArg(-9))
    );
    assert_eq!(
        at_return.return_action,
        auspex_events::tetragon::KprobeAction::Sigkill as i32
    );
    // Several arguments for a one-argument operator: refused, naming the field.
    let msg = agent
        .control
        .add_policy(policy(&yaml.replace("cel-more", "cel-more-bad").replace(
            "operator: Equal\n        values: [\"4447\"]",
            "operator: Equal\n        args: [0, 1]\n        values: [\"4447\"]",
        )))
        .expect_err("Equal on two arguments")
        .to_string();
    assert!(
        msg.contains("spec.kprobes[0].selectors[1].matchArgs[0].args")
            && msg.contains("only CapabilitiesGained and CelExpr"),
        "{msg}"
    );
}

/// One `syscall: true` kprobe entry whose argument `index` (an int, labelled) must equal `value`;
/// `extra` is appended to the entry (more fields at its indentation).
fn labelled_hook(call: &str, index: u32, value: u32, label: &str, extra: &str) -> String {
    format!(
        r#"
  - call: "{call}"
    syscall: true{extra}
    args:
    - index: {index}
      type: int
      label: {label}
    selectors:
    - matchArgs:
      - index: {index}
        operator: Equal
        values: ["{value}"]"#
    )
}

/// A TracingPolicy named `name` with these kprobes entries.
fn syscall_hooks_policy(name: &str, hooks: &[String]) -> String {
    format!(
        "apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: {name}\nspec:\n  kprobes:{}\n",
        hooks.concat()
    )
}

/// Two return probes on one syscall in one policy (served by the syscall tracepoints: they
/// share the syscall's sys_exit slot): each call is posted at its return by the hook whose entry
/// matched, with that hook's arguments and the return value.
#[test]
fn root_two_return_probes_on_one_syscall() {
    if !require_root("root_two_return_probes_on_one_syscall") {
        return;
    }
    let returns = "\n    return: true\n    returnArg:\n      index: 0\n      type: int";
    let yaml = syscall_hooks_policy(
        "two-returns",
        &[
            labelled_hook("sys_lseek", 2, 4448, "first", returns),
            labelled_hook("sys_lseek", 2, 4449, "second", returns),
        ],
    );
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    assert_eq!(python_lseek(0, 0, 4449).code(), Some(22));
    assert_eq!(python_lseek(0, 0, 4448).code(), Some(22));
    marker(&mut agent, "after-two-returns");
    let got: Vec<_> = policy_kprobes(&agent, "two-returns")
        .iter()
        .map(|k| {
            let a = k.args.first();
            (
                a.map(|a| a.label.clone()),
                a.and_then(|a| a.arg.clone()),
                k.r#return.as_ref().and_then(|r| r.arg.clone()),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                Some("second".to_string()),
                Some(Arg::IntArg(4449)),
                Some(Arg::IntArg(-22))
            ),
            (
                Some("first".to_string()),
                Some(Arg::IntArg(4448)),
                Some(Arg::IntArg(-22))
            ),
        ]
    );
}

/// Three hooks on one hot syscall (write) in one policy: the raw sys_enter program serves two
/// (they share the syscall's slot), the third has its own tracepoint; each posts the calls its
/// selector matches, with its own label.
#[test]
fn root_three_hooks_on_one_hot_syscall() {
    if !require_root("root_three_hooks_on_one_hot_syscall") {
        return;
    }
    let yaml = syscall_hooks_policy(
        "three-writes",
        &[
            labelled_hook("sys_write", 2, 4451, "first", ""),
            labelled_hook("sys_write", 2, 4452, "second", ""),
            labelled_hook("sys_write", 2, 4453, "third", ""),
        ],
    );
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    let st = Command::new("/usr/bin/python3")
        .args([
            "-c",
            "import os\nfd = os.open('/dev/null', os.O_WRONLY)\nfor n in (4453, 4451, 4452, 4450):\n os.write(fd, b'x' * n)",
        ])
        .status()
        .expect("python3");
    assert!(st.success());
    marker(&mut agent, "after-three-writes");
    let got: Vec<_> = policy_kprobes(&agent, "three-writes")
        .iter()
        .map(|k| {
            let a = k.args.first();
            (
                k.function_name.clone(),
                a.map(|a| a.label.clone()),
                a.and_then(|a| a.arg.clone()),
            )
        })
        .collect();
    let want = |label: &str, n: i32| {
        (
            "__x64_sys_write".to_string(),
            Some(label.to_string()),
            Some(Arg::IntArg(n)),
        )
    };
    assert_eq!(
        got,
        vec![
            want("third", 4453),
            want("first", 4451),
            want("second", 4452)
        ]
    );
}

/// `returnArg` of type fd: the descriptor openat(2) returns, resolved at the return to the file
/// the kernel opened, so a relative name or a symlink cannot dodge a path filter that the
/// user-space string (the filename argument) would miss; matchReturnArgs filters it in the kernel.
#[test]
fn root_returned_fd_is_the_opened_file() {
    if !require_root("root_returned_fd_is_the_opened_file") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let secret = d.join("retfd-secret");
    std::fs::write(&secret, "s").expect("write");
    std::os::unix::fs::symlink(&secret, d.join("innocent")).expect("symlink");
    std::fs::write(d.join("other"), "o").expect("write");
    let secret = secret.to_str().expect("utf8").to_string();
    let yaml = r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: returned-fd
spec:
  kprobes:
  - call: "sys_openat"
    syscall: true
    return: true
    args:
    - index: 1
      type: string
    returnArg:
      index: 0
      type: fd
    selectors:
    - matchReturnArgs:
      - index: 0
        operator: Postfix
        values: ["/retfd-secret"]
"#;
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(yaml)).expect("loads");
    for name in ["retfd-secret", "innocent", "other"] {
        let st = Command::new("/bin/cat")
            .arg(name)
            .current_dir(&d)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("cat");
        assert!(st.success(), "{name}");
    }
    marker(&mut agent, "after-returned-fd");
    let got: Vec<_> = policy_kprobes(&agent, "returned-fd")
        .iter()
        .map(|k| {
            let name = k.args.first().and_then(|a| a.arg.clone());
            let file = match k.r#return.as_ref().and_then(|r| r.arg.clone()) {
                Some(Arg::FileArg(f)) => f.path,
                other => format!("{other:?}"),
            };
            (name, file)
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (Some(Arg::StringArg("retfd-secret".into())), secret.clone()),
            (Some(Arg::StringArg("innocent".into())), secret.clone()),
        ]
    );
}

/// The field notes' matchReturnActions example: lseek(2) with whence 5555 that fails with EBADF
/// is killed when it returns; the same call failing otherwise (EINVAL) is not.
#[test]
fn root_match_return_actions_sigkill_on_return_value() {
    if !require_root("root_match_return_actions_sigkill_on_return_value") {
        return;
    }
    let yaml = r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: "sigkilltest"
spec:
  kprobes:
  - call: "sys_lseek"
    syscall: true
    return: true
    args:
    - index: 2
      type: int
    returnArg:
      index: 0
      type: int
    selectors:
    - matchArgs:
      - index: 2
        operator: Equal
        values:
        - "5555"
      matchReturnArgs:
      - index: 0
        operator: "Equal"
        values:
        - "-9"
      matchReturnActions:
      - action: Sigkill
"#;
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(yaml)).expect("loads");
    let bad_fd = python_lseek(9999, 0, 5555);
    assert_eq!(bad_fd.signal(), Some(9), "EBADF at return: SIGKILL");
    let einval = python_lseek(0, 0, 5555);
    assert_eq!(einval.code(), Some(22), "EINVAL: not killed");
    agent.wait_until("return event", WAIT, |seen| {
        policy_events(seen).iter().any(|(p, ..)| p == "sigkilltest")
    });
    marker(&mut agent, "after-return-actions");
    let events: Vec<_> = agent
        .seen
        .iter()
        .filter_map(|e| match &e.event {
            Some(Event::ProcessKprobe(k)) if k.policy_name == "sigkilltest" => Some(k.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 1, "{events:#?}");
    let k = &events[0];
    assert_eq!(
        k.r#return.as_ref().and_then(|r| r.arg.clone()),
        Some(Arg::IntArg(-9))
    );
    assert_eq!(
        k.return_action,
        auspex_events::tetragon::KprobeAction::Sigkill as i32
    );
    assert_eq!(k.action, auspex_events::tetragon::KprobeAction::Post as i32);
}

/// SubString and SubStringIgnCase on a string argument, evaluated in the kernel.
#[test]
fn root_substring_operators() {
    if !require_root("root_substring_operators") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let ds = d.to_str().expect("utf8").to_string();
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: substrings
spec:
  kprobes:
  - call: "sys_openat"
    syscall: true
    args:
    - index: 1
      type: "string"
    selectors:
    - matchArgs:
      - index: 1
        operator: Prefix
        values: ["{ds}/"]
      - index: 1
        operator: SubString
        values: ["secret", "passwd"]
    - matchArgs:
      - index: 1
        operator: Prefix
        values: ["{ds}/"]
      - index: 1
        operator: SubStringIgnCase
        values: ["token"]
"#
    );
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    let names = [
        "my-secret-file",
        "SECRET-upper",
        "old.passwd",
        "api-ToKeN.txt",
        "plain",
        "secre",
    ];
    for n in names {
        std::fs::write(d.join(n), "x").expect("write");
        let _ = std::fs::read(d.join(n)).expect("read");
    }
    marker(&mut agent, "after-substrings");
    let mut seen: Vec<(String, u32)> = agent
        .seen
        .iter()
        .filter_map(|e| match &e.event {
            Some(Event::ProcessKprobe(k)) if k.policy_name == "substrings" => {
                let path = string_args(&k.args).pop()?;
                Some((path.strip_prefix(&format!("{ds}/"))?.to_string(), 0))
            }
            _ => None,
        })
        .collect();
    seen.sort();
    seen.dedup();
    let got: Vec<&str> = seen.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        got,
        vec!["api-ToKeN.txt", "my-secret-file", "old.passwd"],
        "SubString is case-sensitive, SubStringIgnCase is not"
    );
}

/// `resolve:` on raw tracepoint arguments (BTF types): sched_process_exec's task and
/// linux_binprm followed to the pid, the parent's comm, the file name string and the file.
#[test]
fn root_resolve_paths_on_raw_tracepoint_args() {
    if !require_root("root_resolve_paths_on_raw_tracepoint_args") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let bin = copy_binary("/bin/true", &d, "resolve-true");
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: resolve-exec
spec:
  tracepoints:
  - subsystem: "sched"
    event: "sched_process_exec"
    raw: true
    args:
    - index: 0
      type: "int"
      resolve: "pid"
    - index: 2
      type: "string"
      resolve: "filename"
    - index: 0
      type: "string"
      resolve: "real_parent.comm"
    - index: 2
      type: "file"
      resolve: "file"
    selectors:
    - matchArgs:
      - index: 2
        operator: Equal
        values: ["{bin}"]
"#
    );
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    // sh forks the copied binary: its real parent is the shell (comm "sh").
    let script = format!("{bin}; true");
    assert!(
        Command::new("/bin/sh")
            .args(["-c", &script])
            .status()
            .expect("run")
            .success()
    );
    assert!(Command::new("/bin/true").status().expect("run").success());
    agent.wait_until("resolve event", WAIT, |seen| {
        policy_events(seen)
            .iter()
            .any(|(p, ..)| p == "resolve-exec")
    });
    marker(&mut agent, "after-resolve");
    let events: Vec<_> = agent
        .seen
        .iter()
        .filter_map(|e| match &e.event {
            Some(Event::ProcessTracepoint(t)) if t.policy_name == "resolve-exec" => Some(t.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 1, "only the copied binary: {events:#?}");
    let t = &events[0];
    let p = proc_of(&t.process);
    assert_eq!(p.binary, bin);
    let args: Vec<_> = t.args.iter().map(|a| a.arg.clone()).collect();
    assert_eq!(
        args,
        vec![
            Some(Arg::IntArg(p.pid.expect("pid") as i32)),
            Some(Arg::StringArg(bin.clone())),
            Some(Arg::StringArg("sh".into())),
            Some(Arg::FileArg(auspex_events::tetragon::KprobeFile {
                path: bin.clone(),
                permission: "-rwxr-xr-x".into(),
                ..Default::default()
            })),
        ]
    );
}

/// `data` entries (source current_task) and matchData, as in the field notes: the current
/// task's comm, its pid asked for as a string (`resolve: "pid"`, NotEqual "1") and its
/// loginuid, on a syscall kprobe (served by the syscall tracepoint here). Only the process
/// whose comm matches is reported, with the values in the event's `data`.
#[test]
fn root_data_entries_and_match_data_from_current_task() {
    if !require_root("root_data_entries_and_match_data_from_current_task") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let cat = copy_binary("/bin/cat", &d, "data-cat");
    let target = d.join("target");
    std::fs::write(&target, "x").expect("write");
    let target = target.to_str().expect("utf8").to_string();
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: data-openat
spec:
  kprobes:
  - call: "sys_openat"
    syscall: true
    args:
    - index: 1
      type: "string"
    data:
    - type: "string"
      source: "current_task"
      resolve: "comm"
    - type: "string"
      source: "current_task"
      resolve: "pid"
    - type: "uint32"
      index: 0
      source: "current_task"
      resolve: "loginuid.val"
    selectors:
    - matchArgs:
      - index: 1
        operator: Equal
        values: ["{target}"]
      matchData:
      - index: 0
        operator: Equal
        values: ["data-cat"]
      - args: [1]
        operator: NotEqual
        values: ["1"]
"#
    );
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    assert!(
        Command::new(&cat)
            .arg(&target)
            .status()
            .expect("run")
            .success()
    );
    assert!(
        Command::new("/bin/cat")
            .arg(&target)
            .status()
            .expect("run")
            .success()
    );
    agent.wait_until("data event", WAIT, |seen| {
        policy_events(seen).iter().any(|(p, ..)| p == "data-openat")
    });
    marker(&mut agent, "after-data");
    let events: Vec<_> = agent
        .seen
        .iter()
        .filter(
            |e| matches!(&e.event, Some(Event::ProcessKprobe(k)) if k.policy_name == "data-openat"),
        )
        .cloned()
        .collect();
    assert_eq!(events.len(), 1, "only data-cat: {events:#?}");
    let Some(Event::ProcessKprobe(k)) = &events[0].event else {
        unreachable!()
    };
    let p = proc_of(&k.process);
    assert_eq!(p.binary, cat);
    assert_eq!(string_args(&k.args), vec![target.clone()]);
    let loginuid: u32 = std::fs::read_to_string("/proc/self/loginuid")
        .expect("loginuid")
        .trim()
        .parse()
        .expect("number");
    let data: Vec<_> = k.data.iter().map(|a| a.arg.clone()).collect();
    assert_eq!(
        data,
        vec![
            Some(Arg::StringArg("data-cat".into())),
            Some(Arg::StringArg(p.pid.expect("pid").to_string())),
            Some(Arg::UintArg(loginuid)),
        ]
    );
    let line = auspex_events::json::to_json_line(&events[0]);
    assert!(
        line.contains(r#""data":[{"string_arg":"data-cat"},"#),
        "{line}"
    );
}

/// `usdts`: a USDT probe (sys/sdt.h) in a test binary, arguments located by libbpf from the
/// probe's note; Sigkill at the probe for one value, Post for a string prefix, nothing else.
#[test]
fn root_usdt_probe_in_a_test_binary() {
    if !require_root("root_usdt_probe_in_a_test_binary") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let bin = build_c(
        &d,
        "usdt-target",
        r#"#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>
int main(int argc, char **argv)
{
	long n;
	const char *word;

	if (argc < 3)
		return 2;
	n = atol(argv[1]);
	word = argv[2];
	STAP_PROBE2(auspex, hello, n, word);
	printf("after\n");
	return 0;
}
"#,
        &[],
    );
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: usdt-target
spec:
  usdts:
  - path: "{bin}"
    provider: "auspex"
    name: "hello"
    message: "hello probe"
    args:
    - index: 0
      type: int64
    - index: 1
      type: string
    selectors:
    - matchArgs:
      - index: 0
        operator: Equal
        values: ["42"]
      matchActions:
      - action: Sigkill
    - matchArgs:
      - index: 1
        operator: Prefix
        values: ["hello"]
"#
    );
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    let killed = Command::new(&bin)
        .args(["42", "doomed"])
        .output()
        .expect("run");
    assert_eq!(killed.status.signal(), Some(9), "killed at the probe");
    assert!(!String::from_utf8_lossy(&killed.stdout).contains("after"));
    let posted = Command::new(&bin)
        .args(["7", "hello-world"])
        .output()
        .expect("run");
    assert!(posted.status.success());
    let quiet = Command::new(&bin).args(["7", "bye"]).output().expect("run");
    assert!(quiet.status.success());
    marker(&mut agent, "usdt-marker");
    let evs = seen_events(&agent, |e| match e {
        Event::ProcessUsdt(u) if u.policy_name == "usdt-target" => Some(u),
        _ => None,
    });
    assert_eq!(evs.len(), 2, "the Sigkill call and the hello call: {evs:?}");
    for u in &evs {
        assert_eq!(
            (u.path.as_str(), u.provider.as_str(), u.name.as_str()),
            (bin.as_str(), "auspex", "hello")
        );
        assert_eq!(u.message, "hello probe");
        assert_eq!(proc_of(&u.process).binary, bin);
    }
    let args = |u: &auspex_events::tetragon::ProcessUsdt| -> (Option<i64>, Option<String>) {
        let n = u.args.first().and_then(|a| match a.arg {
            Some(Arg::LongArg(v)) => Some(v),
            _ => None,
        });
        (n, string_args(&u.args).first().cloned())
    };
    assert_eq!(args(evs[0]), (Some(42), Some("doomed".into())));
    assert_eq!(
        evs[0].action,
        auspex_events::tetragon::KprobeAction::Sigkill as i32
    );
    assert_eq!(args(evs[1]), (Some(7), Some("hello-world".into())));
    assert_eq!(
        evs[1].action,
        auspex_events::tetragon::KprobeAction::Post as i32
    );
}

/// Set (USDT): the selector's Set writes argValue over a probe argument the note puts in memory
/// (a local variable at -O0); the program reads the new value after the probe. Another value of
/// the matched argument leaves it alone; monitor mode counts instead of writing. A Set on an
/// argument the note keeps as a constant is refused at load, naming the hook and the argument.
#[test]
fn root_usdt_set_writes_the_probe_argument() {
    if !require_root("root_usdt_set_writes_the_probe_argument") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let bin = build_c(
        &d,
        "usdt-set",
        r#"#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>
int main(int argc, char **argv)
{
	int a = argc > 1 ? atoi(argv[1]) : 0, b = 2;
	long c = 5;

	STAP_PROBE3(auspex, set3, a, b, c);
	STAP_PROBE3(auspex, constant, 7, 8, 9);
	printf("%d %d %ld\n", a, b, c);
	return 0;
}
"#,
        &["-O0"],
    );
    let yaml = |name: &str, probe: &str, mode: &str| {
        format!(
            r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: {name}
spec:
  options:
  - name: policy-mode
    value: {mode}
  usdts:
  - path: "{bin}"
    provider: "auspex"
    name: "{probe}"
    args:
    - index: 0
      type: int32
    - index: 1
      type: int32
    - index: 2
      type: int64
    selectors:
    - matchArgs:
      - index: 0
        operator: Equal
        values: ["1"]
      matchActions:
      - action: Set
        argIndex: 1
        argValue: 32
      - action: Set
        argIndex: 2
        argValue: 4000000000
"#
        )
    };
    let mut agent = TestAgent::start(|_| {});
    if let Err(why) = auspex_agent::features::probe_write_user() {
        // This kernel forbids the write (e.g. lockdown): the policy is refused up front.
        let err = agent
            .control
            .add_policy(policy(&yaml("usdt-set", "set3", "enforce")))
            .expect_err("Set cannot work here");
        let msg = err.to_string();
        assert!(
            msg.contains("spec.usdts[0].selectors[0].matchActions[0].action")
                && msg.contains("bpf_probe_write_user"),
            "{msg}"
        );
        assert!(agent.control.list_policies().is_empty(), "nothing loaded");
        eprintln!(
            "SKIP root_usdt_set_writes_the_probe_argument (write part): {why}; the VM kernel matrix runs it"
        );
        return;
    }
    let err = agent
        .control
        .add_policy(policy(&yaml("usdt-const", "constant", "enforce")))
        .expect_err("a constant argument cannot be written");
    let msg = err.to_string();
    assert!(
        msg.contains("spec.usdts[0]") && msg.contains("constant") && msg.contains("argument"),
        "{msg}"
    );
    assert!(
        agent.control.list_policies().is_empty(),
        "nothing half-loaded"
    );

    agent
        .control
        .add_policy(policy(&yaml("usdt-set", "set3", "enforce")))
        .expect("loads");
    let run = |arg: &str| {
        let out = Command::new(&bin).arg(arg).output().expect("run");
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(run("1"), "1 32 4000000000", "an int and a long written");
    assert_eq!(run("3"), "3 2 5", "no match, nothing written");
    agent
        .control
        .set_policy_mode("usdt-set", true)
        .expect("monitor");
    assert_eq!(run("1"), "1 2 5", "monitor mode writes nothing");
    marker(&mut agent, "usdt-set-marker");
    let evs = seen_events(&agent, |e| match e {
        Event::ProcessUsdt(u) if u.policy_name == "usdt-set" => Some(u),
        _ => None,
    });
    use auspex_events::tetragon::KprobeAction;
    let summary: Vec<(i32, Vec<i64>)> = evs
        .iter()
        .map(|u| {
            let args = (u.args.iter())
                .filter_map(|a| match a.arg {
                    Some(Arg::IntArg(v)) => Some(i64::from(v)),
                    Some(Arg::LongArg(v)) => Some(v),
                    _ => None,
                })
                .collect();
            (u.action, args)
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (KprobeAction::Set as i32, vec![1, 2, 5]),
            (KprobeAction::Post as i32, vec![1, 2, 5]),
        ],
        "the event carries the values read before the write"
    );
    use auspex_bpf::abi::policy_stat;
    let c = agent.control.list_policies()[0].counters;
    assert_eq!(
        (
            c[policy_stat::POST as usize],
            c[policy_stat::SET as usize],
            c[policy_stat::MONITOR_SET as usize],
        ),
        (2, 2, 2),
        "post, set, monitor_set (two Set actions per match)"
    );
}

/// `resolve` on tracefs tracepoint fields: inet_sock_set_state's `const void *skaddr` with
/// `btfType: sock` (the socket's local port, read in the kernel, equals the record's sport), and
/// cap_capable's `const struct cred *cred` typed from its declaration (the checked task's euid).
#[test]
fn root_tracepoint_fields_resolved_through_btf_types() {
    if !require_root("root_tracepoint_fields_resolved_through_btf_types") {
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let unshare = copy_binary("/usr/bin/unshare", &d, "unshare-btf");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("addr").port();
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: btf-types
spec:
  tracepoints:
  - subsystem: sock
    event: inet_sock_set_state
    args:
    - index: 4
      type: uint16
      btfType: sock
      resolve: "__sk_common.skc_num"
      label: skc_num
    - index: 7
      type: uint16
      label: sport
    - index: 8
      type: uint16
      label: dport
    - index: 6
      type: int
      label: newstate
    selectors:
    - matchArgs:
      - index: 8
        operator: Equal
        values: ["{port}"]
      - index: 6
        operator: Equal
        values: ["1"]
  - subsystem: capability
    event: cap_capable
    args:
    - index: 4
      type: uint32
      resolve: "euid.val"
      label: euid
    - index: 7
      type: int
      label: cap
    selectors:
    - matchBinaries:
      - operator: In
        values: ["{unshare}"]
"#
    );
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    let client = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let local = client.local_addr().expect("local").port();
    drop(client);
    let st = Command::new("setpriv")
        .args(["--reuid", "1000", "--regid", "1000", "--clear-groups"])
        .args([unshare.as_str(), "-n", "true"])
        .stderr(Stdio::null())
        .status()
        .expect("setpriv");
    assert!(
        !st.success(),
        "uid 1000 may not unshare the network namespace"
    );
    marker(&mut agent, "btf-types-marker");
    let tps = seen_events(&agent, |e| match e {
        Event::ProcessTracepoint(t) if t.policy_name == "btf-types" => Some(t),
        _ => None,
    });
    let labelled = |t: &auspex_events::tetragon::ProcessTracepoint| -> Vec<(String, i64)> {
        t.args
            .iter()
            .filter_map(|a| match a.arg {
                Some(Arg::UintArg(v)) => Some((a.label.clone(), i64::from(v))),
                Some(Arg::IntArg(v)) => Some((a.label.clone(), i64::from(v))),
                _ => None,
            })
            .collect()
    };
    let socks: Vec<_> = (tps.iter())
        .filter(|t| t.event == "inet_sock_set_state")
        .map(|t| labelled(t))
        .collect();
    let l = i64::from(local);
    assert_eq!(
        socks,
        vec![vec![
            ("skc_num".to_string(), l),
            ("sport".to_string(), l),
            ("dport".to_string(), i64::from(port)),
            ("newstate".to_string(), 1)
        ]],
        "the client's move to ESTABLISHED, local port read through the socket"
    );
    let caps: Vec<_> = (tps.iter())
        .filter(|t| t.event == "cap_capable")
        .map(|t| labelled(t))
        .collect();
    assert!(
        caps.contains(&vec![("euid".to_string(), 1000), ("cap".to_string(), 21)]),
        "CAP_SYS_ADMIN checked for euid 1000: {caps:?}"
    );
}

/// Uprobes by file offset (`offsets`) with a reference counter (`refCtrOffsets`: the kernel
/// raises the program's semaphore while the probe is attached) and `data` entries (the first
/// argument's register through `source: pt_regs`, the task's tgid through `current_task`), on a
/// file whose SHA-256 is listed in `binaryDigests`; another digest refuses the policy, or skips
/// the probe with `ignore.digestVerificationFailure`.
#[test]
fn root_uprobe_offsets_ref_ctr_and_data() {
    if !require_root("root_uprobe_offsets_ref_ctr_and_data") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let bin = build_c(
        &d,
        "uprobe-offsets",
        r#"#include <stdio.h>
#include <stdlib.h>
__attribute__((section(".probes"))) volatile unsigned short auspex_sem;
__attribute__((noinline)) int target(int a, long b)
{
	__asm__ volatile("");
	return a + (int)b;
}
int main(int argc, char **argv)
{
	int a = argc > 1 ? atoi(argv[1]) : 0;

	printf("sem=%u\n", auspex_sem);
	return target(a, 77) == a + 77 ? 0 : 1;
}
"#,
        &[],
    );
    // File offsets from the section table: .text for the function, .probes for the semaphore.
    let sections = Command::new("readelf")
        .args(["-SW", &bin])
        .output()
        .expect("readelf");
    let sections = String::from_utf8_lossy(&sections.stdout).to_string();
    let section = |name: &str| -> (u64, u64) {
        let line = sections
            .lines()
            .find(|l| l.split_whitespace().any(|w| w == name))
            .unwrap_or_else(|| panic!("section {name}: {sections}"));
        let w: Vec<&str> = line.split_whitespace().collect();
        let at = w.iter().position(|x| *x == name).expect("name") + 2;
        let hex = |s: &str| u64::from_str_radix(s, 16).expect("hex");
        (hex(w[at]), hex(w[at + 1]))
    };
    let nm = Command::new("nm").arg(&bin).output().expect("nm");
    let target = String::from_utf8_lossy(&nm.stdout)
        .lines()
        .find(|l| l.ends_with(" T target"))
        .and_then(|l| u64::from_str_radix(l.split_whitespace().next()?, 16).ok())
        .expect("target in nm");
    let (text_addr, text_off) = section(".text");
    let (_, sem_off) = section(".probes");
    let offset = target - text_addr + text_off;
    let sum = Command::new("sha256sum")
        .arg(&bin)
        .output()
        .expect("sha256sum");
    let digest = String::from_utf8_lossy(&sum.stdout)
        .split_whitespace()
        .next()
        .expect("digest")
        .to_string();
    let other = "0".repeat(64);
    let yaml = |name: &str, digest: &str, ignore: bool| {
        format!(
            r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: {name}
spec:
  uprobes:
  - path: "{bin}"
    binaryDigests: ["sha256:{digest}"]
    ignore:
      digestVerificationFailure: {ignore}
    offsets: [{offset}]
    refCtrOffsets: [{sem_off}]
    args:
    - index: 0
      type: int
    data:
    - type: int
      source: pt_regs
      resolve: rdi
    - type: int
      source: current_task
      resolve: tgid
    selectors:
    - matchArgs:
      - index: 0
        operator: Equal
        values: ["5"]
"#
        )
    };
    let mut agent = TestAgent::start(|_| {});
    let err = agent
        .control
        .add_policy(policy(&yaml("uprobe-digest", &other, false)))
        .expect_err("another binary's digest");
    let msg = err.to_string();
    assert!(
        msg.contains("spec.uprobes[0].binaryDigests") && msg.contains(&digest),
        "{msg}"
    );
    agent
        .control
        .add_policy(policy(&yaml("uprobe-skipped", &other, true)))
        .expect("loads without the probe");
    agent
        .control
        .add_policy(policy(&yaml("uprobe-offsets", &digest, false)))
        .expect("loads");
    let run = |arg: &str| {
        let child = Command::new(&bin)
            .arg(arg)
            .stdout(Stdio::piped())
            .spawn()
            .expect("run");
        let pid = child.id();
        let out = child.wait_with_output().expect("wait");
        assert!(out.status.success());
        (pid, String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let (pid5, out5) = run("5");
    let (_, out6) = run("6");
    assert_eq!(
        (out5.as_str(), out6.as_str()),
        ("sem=1", "sem=1"),
        "the kernel raised the semaphore"
    );
    marker(&mut agent, "uprobe-offsets-marker");
    let evs = seen_events(&agent, |e| match e {
        Event::ProcessUprobe(u) if u.policy_name == "uprobe-offsets" => Some(u),
        _ => None,
    });
    assert_eq!(evs.len(), 1, "only the call with 5: {evs:?}");
    assert!(
        !agent.seen.iter().any(|e| matches!(&e.event,
            Some(Event::ProcessUprobe(u)) if u.policy_name == "uprobe-skipped")),
        "the probe with another digest was not attached"
    );
    let u = evs[0];
    assert_eq!(
        (
            u.path.as_str(),
            u.symbol.as_str(),
            u.offset,
            u.ref_ctr_offset
        ),
        (bin.as_str(), "", offset, sem_off)
    );
    let ints = |v: &[auspex_events::tetragon::KprobeArgument]| -> Vec<i64> {
        v.iter()
            .filter_map(|a| match a.arg {
                Some(Arg::IntArg(x)) => Some(i64::from(x)),
                _ => None,
            })
            .collect()
    };
    assert_eq!(ints(&u.args), vec![5]);
    assert_eq!(ints(&u.data), vec![5, i64::from(pid5)], "rdi and the tgid");
}

/// Uprobes by virtual address (`addrs`, as `nm` prints it) with `return: true`: the event is
/// posted at the return with the return value (`returnArg`), matchReturnArgs filters on it, and
/// a returnCopy buffer (filled by the call) is read at the return. An address in a data
/// segment refuses the policy, naming `addrs`. Override on a uprobe returns argError from the
/// function's entry (or is refused where the kernel cannot).
/// A `returnArg` that is a pointer (here a uprobe's `char *`, a user string) is read at the
/// return, matched by matchReturnArgs string operators in the kernel and reported in `return`.
#[test]
fn root_returned_strings_are_read_matched_and_reported() {
    if !require_root("root_returned_strings_are_read_matched_and_reported") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let bin = build_c(
        &d,
        "uprobe-return-str",
        r#"#include <stdio.h>
#include <string.h>
static const char *names[] = {"public-one", "secret-two", "public-three"};
__attribute__((noinline)) const char *pick(int i)
{
	__asm__ volatile("");
	return names[i % 3];
}
int main(void)
{
	for (int i = 0; i < 3; i++)
		puts(pick(i));
	return 0;
}
"#,
        &[],
    );
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: returned-strings
spec:
  uprobes:
  - path: "{bin}"
    symbols: [pick]
    return: true
    args:
    - index: 0
      type: int
    returnArg:
      index: 0
      type: string
    selectors:
    - matchReturnArgs:
      - index: 0
        operator: Prefix
        values: ["secret-"]
"#
    );
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    let out = Command::new(&bin).output().expect("run");
    assert_eq!(out.stdout, b"public-one\nsecret-two\npublic-three\n");
    marker(&mut agent, "returned-strings-marker");
    let evs = seen_events(&agent, |e| match e {
        Event::ProcessUprobe(u) if u.policy_name == "returned-strings" => Some(u),
        _ => None,
    });
    assert_eq!(
        evs.len(),
        1,
        "only the call that returned secret-two: {evs:?}"
    );
    let u = evs[0];
    assert_eq!(u.symbol, "pick");
    assert_eq!(
        u.r#return.as_ref().and_then(|r| r.arg.clone()),
        Some(Arg::StringArg("secret-two".into())),
        "{u:?}"
    );
    assert_eq!(u.args[0].arg, Some(Arg::IntArg(1)), "{u:?}");
}

#[test]
fn root_uprobe_addrs_and_return_probes() {
    if !require_root("root_uprobe_addrs_and_return_probes") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let bin = build_c(
        &d,
        "uprobe-return",
        r#"#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int auspex_counter = 1;
__attribute__((noinline)) int triple(int a)
{
	__asm__ volatile("");
	return 3 * a + auspex_counter;
}
__attribute__((noinline)) int fill(char *buf, int n)
{
	const char *s = "filled by the call";
	int len = (int)strlen(s) < n ? (int)strlen(s) : n;

	memcpy(buf, s, len);
	return len;
}
int main(int argc, char **argv)
{
	char buf[64] = "not yet";
	int a = argc > 1 ? atoi(argv[1]) : 0;

	fill(buf, sizeof(buf));
	printf("%d\n", triple(a));
	return 0;
}
"#,
        &[],
    );
    let nm = Command::new("nm").arg(&bin).output().expect("nm");
    let nm = String::from_utf8_lossy(&nm.stdout).to_string();
    let addr = |suffix: &str| {
        nm.lines()
            .find(|l| l.ends_with(suffix))
            .and_then(|l| u64::from_str_radix(l.split_whitespace().next()?, 16).ok())
            .unwrap_or_else(|| panic!("{suffix} in nm: {nm}"))
    };
    let triple = addr(" T triple");
    let counter = addr(" D auspex_counter");
    let yaml = |name: &str, at: u64| {
        format!(
            r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: {name}
spec:
  uprobes:
  - path: "{bin}"
    addrs: [{at}]
    return: true
    args:
    - index: 0
      type: int
    returnArg:
      index: 0
      type: int
    selectors:
    - matchReturnArgs:
      - index: 0
        operator: GT
        values: ["10"]
  - path: "{bin}"
    symbols: [fill]
    args:
    - index: 0
      type: char_buf
      returnCopy: true
    - index: 1
      type: int
"#
        )
    };
    let mut agent = TestAgent::start(|_| {});
    let err = agent
        .control
        .add_policy(policy(&yaml("uprobe-data-addr", counter)))
        .expect_err("an address in the data segment");
    let msg = err.to_string();
    assert!(
        msg.contains("spec.uprobes[0].addrs") && msg.contains("not executable"),
        "{msg}"
    );
    agent
        .control
        .add_policy(policy(&yaml("uprobe-return", triple)))
        .expect("loads");
    let run = |arg: &str| {
        let status = Command::new(&bin).arg(arg).status().expect("run");
        assert!(status.success());
    };
    run("5");
    run("2");
    marker(&mut agent, "uprobe-return-marker");
    let evs = seen_events(&agent, |e| match e {
        Event::ProcessUprobe(u) if u.policy_name == "uprobe-return" => Some(u),
        _ => None,
    });
    let int = |a: Option<&auspex_events::tetragon::KprobeArgument>| match a
        .and_then(|a| a.arg.as_ref())
    {
        Some(Arg::IntArg(x)) => Some(*x),
        _ => None,
    };
    let returns: Vec<_> = evs
        .iter()
        .filter(|u| u.offset == triple)
        .map(|u| (int(u.args.first()), int(u.r#return.as_ref())))
        .collect();
    assert_eq!(
        returns,
        vec![(Some(5), Some(16))],
        "triple(5) returned 16 (> 10); triple(2) returned 7 and was dropped: {evs:?}"
    );
    let fills: Vec<_> = evs.iter().filter(|u| u.symbol == "fill").collect();
    assert_eq!(fills.len(), 2, "fill ran twice: {evs:?}");
    for u in fills {
        assert_eq!(u.args.len(), 2, "{u:?}");
        assert_eq!(
            u.args[0].arg,
            Some(Arg::BytesArg(b"filled by the call".to_vec())),
            "the buffer as the call left it: {u:?}"
        );
        assert_eq!(int(u.args.get(1)), Some(64));
        assert_eq!(u.r#return, None, "no returnArg on this hook");
    }

    // Override on a uprobe: triple(7) returns argError without running, where the kernel lets
    // uprobe programs write the probe's registers (6.19+; the VM matrix runs it); refused with
    // the reason elsewhere.
    agent
        .control
        .delete_policy("uprobe-return")
        .expect("removes");
    let over = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: uprobe-override
spec:
  uprobes:
  - path: "{bin}"
    symbols: [triple]
    args:
    - index: 0
      type: int
    selectors:
    - matchArgs:
      - index: 0
        operator: Equal
        values: ["7"]
      matchActions:
      - action: Override
        argError: -13
"#
    );
    let printed = |arg: &str| {
        let out = Command::new(&bin).arg(arg).output().expect("run");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    match auspex_agent::features::uprobe_override() {
        Ok(()) => {
            agent.control.add_policy(policy(&over)).expect("loads");
            assert_eq!(
                (printed("7").as_str(), printed("5").as_str()),
                ("-13", "16"),
                "triple(7) overridden, triple(5) ran"
            );
        }
        Err(why) => {
            let msg = agent
                .control
                .add_policy(policy(&over))
                .expect_err("refused on this kernel")
                .to_string();
            assert!(
                msg.contains("spec.uprobes[0].selectors[0].matchActions[0].action")
                    && msg.contains("Linux 6.19+"),
                "{msg}"
            );
            assert_eq!(printed("7"), "22", "nothing left attached");
            eprintln!(
                "SKIP root_uprobe_addrs_and_return_probes (Override part): {why}; the VM kernel matrix runs it"
            );
        }
    }
}

/// `loader: true`: a process_loader event for each file a process maps executable: running a
/// copied `true` reports the C library the dynamic loader maps, with its build id.
#[test]
fn root_loader_reports_mapped_libraries_with_build_ids() {
    if !require_root("root_loader_reports_mapped_libraries_with_build_ids") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let bin = copy_binary("/usr/bin/true", &d, "true-loader");
    let mut agent = TestAgent::start(|_| {});
    agent
        .control
        .add_policy(policy(
            "apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: loader\nspec:\n  loader: true\n",
        ))
        .expect("loads");
    assert!(Command::new(&bin).status().expect("run").success());
    marker(&mut agent, "loader-marker");
    let loads: Vec<(String, Vec<u8>)> = agent
        .seen
        .iter()
        .filter_map(|e| match &e.event {
            Some(Event::ProcessLoader(l)) if proc_of(&l.process).binary == bin => {
                Some((l.path.clone(), l.buildid.clone()))
            }
            _ => None,
        })
        .collect();
    let libc = loads
        .iter()
        .find(|(p, _)| p.ends_with("/libc.so.6"))
        .unwrap_or_else(|| panic!("libc among {loads:?}"));
    let notes = Command::new("readelf")
        .args(["-n", &libc.0])
        .output()
        .expect("readelf");
    let want = String::from_utf8_lossy(&notes.stdout)
        .lines()
        .find_map(|l| l.trim().strip_prefix("Build ID: ").map(str::to_string))
        .expect("libc has a build id");
    let got: String = libc.1.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(got, want, "{}", libc.0);
    assert!(
        loads.iter().all(|(p, _)| p.starts_with('/')),
        "only file mappings: {loads:?}"
    );
}

/// TrackSock: a client socket is tracked when its owner connects (SYN_SENT); when the server
/// closes, the client socket's move to CLOSE_WAIT runs in the server's context (loopback
/// softirq), yet the event is reported for the client process that owns the socket. A second
/// policy without TrackSock reports the same transition for whoever the kernel ran it in, and so
/// does a third that tracks the socket at SYN_SENT and untracks it (UntrackSock) once
/// ESTABLISHED.
#[test]
fn root_track_sock_attributes_socket_events_to_the_owner() {
    if !require_root("root_track_sock_attributes_socket_events_to_the_owner") {
        return;
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("addr").port();
    // A selector on this connection's move to `state` running `action` (NoPost).
    let on = |state: u32, action: &str| {
        format!(
            r#"
    - matchArgs:
      - index: 0
        operator: DPort
        values: ["{port}"]
      - index: 2
        operator: Equal
        values: ["{state}"]
      matchActions:
      - action: {action}
        argSock: 0
      - action: NoPost"#
        )
    };
    let yaml = |name: &str, tracking: &str| {
        format!(
            r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: {name}
spec:
  tracepoints:
  - subsystem: "sock"
    event: "inet_sock_set_state"
    raw: true
    args:
    - index: 0
      type: "sock"
    - index: 2
      type: "int"
      label: "newstate"
    selectors:{tracking}
    - matchArgs:
      - index: 0
        operator: DPort
        values: ["{port}"]
      - index: 2
        operator: Equal
        values: ["8"]
"#
        )
    };
    let mut agent = TestAgent::start(|_| {});
    agent
        .control
        .add_policy(policy(&yaml("tracksock-owner", &on(2, "TrackSock"))))
        .expect("loads");
    agent
        .control
        .add_policy(policy(&yaml("tracksock-control", "")))
        .expect("loads");
    let untracked = format!("{}{}", on(2, "TrackSock"), on(1, "UntrackSock"));
    agent
        .control
        .add_policy(policy(&yaml("tracksock-untracked", &untracked)))
        .expect("loads");
    let script = format!(
        "import socket, time\ns = socket.create_connection(('127.0.0.1', {port}))\ntime.sleep(2)\n"
    );
    let mut client = Command::new("python3")
        .args(["-c", &script])
        .spawn()
        .expect("python3");
    let client_pid = client.id();
    let (conn, _) = listener.accept().expect("accept");
    drop(conn); // FIN: the client's socket goes to CLOSE_WAIT, processed in this context
    assert!(client.wait().expect("wait").success());
    agent.wait_until("CLOSE_WAIT events", WAIT, |seen| {
        let names: Vec<_> = policy_events(seen).into_iter().map(|e| e.0).collect();
        [
            "tracksock-owner",
            "tracksock-control",
            "tracksock-untracked",
        ]
        .iter()
        .all(|p| names.iter().any(|n| n == p))
    });
    let pids = |name: &str| -> Vec<(u32, Vec<KprobeArgument>)> {
        agent
            .seen
            .iter()
            .filter_map(|e| match &e.event {
                Some(Event::ProcessTracepoint(t)) if t.policy_name == name => {
                    Some((proc_of(&t.process).pid.expect("pid"), t.args.clone()))
                }
                _ => None,
            })
            .collect()
    };
    let owner = pids("tracksock-owner");
    assert_eq!(owner.len(), 1, "one CLOSE_WAIT event: {owner:?}");
    assert_eq!(owner[0].0, client_pid, "reported for the socket's owner");
    match owner[0].1.first().and_then(|a| a.arg.as_ref()) {
        Some(Arg::SockArg(s)) => {
            assert_eq!((s.daddr.as_str(), s.dport), ("127.0.0.1", u32::from(port)));
        }
        other => panic!("sock_arg expected: {other:?}"),
    }
    let control = pids("tracksock-control");
    assert_eq!(control.len(), 1, "{control:?}");
    assert_ne!(
        control[0].0, client_pid,
        "without TrackSock the event is the running task's"
    );
    let untracked = pids("tracksock-untracked");
    assert_eq!(untracked.len(), 1, "{untracked:?}");
    assert_eq!(
        untracked[0].0, control[0].0,
        "after UntrackSock the event is the running task's again"
    );
}

/// matchCapabilityChanges (a capability set differing from the one the process had at exec) and
/// matchPIDs with isNamespacePID (the pid as the process's own pid namespace numbers it). A
/// test program drops CAP_SYS_TIME from its effective set, then lseeks: reported; the same
/// program keeping its capabilities is not. A python lseek as pid 1 of a new pid namespace
/// (unshare --pid --fork) is reported; the same lseek on the host is not.
#[test]
fn root_capability_changes_and_namespace_pids() {
    if !require_root("root_capability_changes_and_namespace_pids") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let bin = build_c(
        &d,
        "cap-drop",
        r#"#include <linux/capability.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct c[2];

	if (argc > 1 && strcmp(argv[1], "drop") == 0) {
		if (syscall(SYS_capget, &h, c))
			return 2;
		c[0].effective &= ~(1u << CAP_SYS_TIME);
		if (syscall(SYS_capset, &h, c))
			return 3;
	}
	lseek(0, 0, 4450);
	return 0;
}
"#,
        &[],
    );
    let yaml = r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: cap-changes
spec:
  kprobes:
  - call: "sys_lseek"
    syscall: true
    args:
    - index: 2
      type: int
    selectors:
    - matchArgs:
      - index: 2
        operator: Equal
        values: ["4450"]
      matchCapabilityChanges:
      - type: Effective
        operator: In
        values: ["CAP_SYS_TIME"]
    - matchArgs:
      - index: 2
        operator: Equal
        values: ["4451"]
      matchPIDs:
      - operator: In
        isNamespacePID: true
        values: [1]
"#;
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(yaml)).expect("loads");
    for mode in ["keep", "drop"] {
        let st = Command::new(&bin).arg(mode).status().expect("run");
        assert!(st.success(), "{mode}: {st:?}");
    }
    assert_eq!(python_lseek(0, 0, 4451).code(), Some(22), "host lseek");
    let st = Command::new("unshare")
        .args(["--pid", "--fork", "/usr/bin/python3", "-c"])
        .arg("import os\ntry:\n os.lseek(0, 0, 4451)\nexcept OSError:\n pass\nassert os.getpid() == 1")
        .status()
        .expect("unshare");
    assert!(st.success(), "pid 1 of its namespace: {st:?}");
    marker(&mut agent, "after-cap-changes");
    let events: Vec<_> = policy_kprobes(&agent, "cap-changes");
    let got: Vec<_> = events
        .iter()
        .map(|k| {
            let p = proc_of(&k.process);
            (
                k.args.first().and_then(|a| a.arg.clone()),
                p.binary.clone(),
                p.arguments.contains("getpid() == 1") || p.arguments == "drop",
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (Some(Arg::IntArg(4450)), bin.clone(), true),
            (
                Some(Arg::IntArg(4451)),
                "/usr/bin/python3".to_string(),
                true
            ),
        ],
        "the capability-dropping run and the namespace's pid 1 only: {events:#?}"
    );
}

/// isNamespaceCapability: CAP_SYS_ADMIN counts only outside the host user namespace. Root on
/// the host has it and is not reported; a process in a new user namespace (unshare --user
/// --map-root-user) has it there and is.
#[test]
fn root_namespace_capability_only_outside_the_host_user_namespace() {
    if !require_root("root_namespace_capability_only_outside_the_host_user_namespace") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    for f in ["host", "userns"] {
        std::fs::write(d.join(f), "x").expect("write");
    }
    let prefix = format!("{}/", d.display());
    let p = |f: &str| format!("{prefix}{f}");
    let mut agent = TestAgent::start(|_| {});
    agent
        .control
        .add_policy(openat_policy(
            "ns-caps",
            &prefix,
            "      matchCapabilities:\n      - type: Effective\n        operator: In\n        isNamespaceCapability: true\n        values: [CAP_SYS_ADMIN]\n",
        ))
        .expect("loads");
    let cat = |args: &[&str]| {
        let st = Command::new(args[0])
            .args(&args[1..])
            .status()
            .expect("run");
        assert!(st.success(), "{args:?}");
    };
    cat(&["/usr/bin/cat", &p("host")]);
    cat(&[
        "unshare",
        "--user",
        "--map-root-user",
        "/usr/bin/cat",
        &p("userns"),
    ]);
    marker(&mut agent, "ns-caps-marker");
    assert_eq!(
        opened(&agent.seen, "ns-caps", &prefix),
        vec![p("userns")],
        "only the process in its own user namespace"
    );
}

/// Hooks on the exit path after the process's exit event (a socket closed by exit_files) still
/// see the process: its entry stays in the kernel's process map until the task is freed, so
/// matchBinaries matches a shell that exits with a TCP connection still open.
#[test]
fn root_exit_path_hooks_still_match_the_exiting_process() {
    if !require_root("root_exit_path_hooks_still_match_the_exiting_process") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let bash = copy_binary("/bin/bash", &d, "exit-client");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("addr").port();
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: exit-path
spec:
  tracepoints:
  - subsystem: "sock"
    event: "inet_sock_set_state"
    raw: true
    args:
    - index: 0
      type: "sock"
    - index: 2
      type: "int"
    selectors:
    - matchArgs:
      - index: 0
        operator: DPort
        values: ["{port}"]
      - index: 2
        operator: Equal
        values: ["4"]
      matchBinaries:
      - operator: In
        values: ["{bash}"]
"#
    );
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    // The shell connects and exits with the socket open: exit_files closes it (FIN_WAIT1).
    let mut client = Command::new(&bash)
        .args(["-c", &format!("exec 3<>/dev/tcp/127.0.0.1/{port}; exit 0")])
        .spawn()
        .expect("bash");
    let client_pid = client.id();
    let (_conn, _) = listener.accept().expect("accept");
    assert!(client.wait().expect("wait").success());
    agent.wait_until("FIN_WAIT1 at exit", WAIT, |seen| {
        policy_events(seen).iter().any(|(p, ..)| p == "exit-path")
    });
    let pids: Vec<Option<u32>> = policy_events(&agent.seen)
        .into_iter()
        .filter(|e| e.0 == "exit-path")
        .map(|e| e.4)
        .collect();
    assert_eq!(pids, vec![Some(client_pid)], "the exiting shell's close");
    // Rendered with the whole process: the cache keeps it for events after its exit event.
    let binaries: Vec<String> = agent
        .seen
        .iter()
        .filter_map(|e| match &e.event {
            Some(Event::ProcessTracepoint(t)) if t.policy_name == "exit-path" => {
                Some(proc_of(&t.process).binary.clone())
            }
            _ => None,
        })
        .collect();
    assert_eq!(binaries, vec![bash.clone()]);
}

/// Post with `kernelStackTrace` and `userStackTrace` on a syscall kprobe: the event carries the
/// kernel frames of the syscall path and the user frames of the calling program, symbolized
/// (kallsyms; the program's ELF symbols), addresses hidden by default. The program makes the
/// syscall from its own function, so the innermost user frame is known exactly.
#[cfg(target_arch = "x86_64")]
#[test]
fn root_stack_traces_of_a_syscall_kprobe() {
    use std::io::Write;
    if !require_root("root_stack_traces_of_a_syscall_kprobe") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let bin = build_c(
        &d,
        "stack-target",
        r#"#include <unistd.h>
/* openat(AT_FDCWD, path, O_RDONLY) without libc, so that this function is the innermost frame. */
__attribute__((noinline)) long auspex_stack_probe(const char *path)
{
	long ret;
	register long r10 __asm__("r10") = 0;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"(257L), "D"(-100L), "S"(path), "d"(0L), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}
/* Not a leaf: has a frame, so the frame-pointer walk from the probe's rbp finds main. */
__attribute__((noinline)) long auspex_stack_caller(const char *path)
{
	long ret = auspex_stack_probe(path);

	__asm__ volatile("" ::: "memory");
	return ret;
}
int main(int argc, char **argv)
{
	char c;

	if (argc < 2 || auspex_stack_caller(argv[1]) < 0)
		return 2;
	/* Alive until the test closes stdin: user frames are symbolized in the live process. */
	return read(0, &c, 1) < 0;
}
"#,
        &["-fno-omit-frame-pointer"],
    );
    let target = d.join("stack-file");
    std::fs::write(&target, "x").expect("write");
    let target = target.to_str().expect("utf8").to_string();
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: stack-openat
spec:
  kprobes:
  - call: "sys_openat"
    syscall: true
    args:
    - index: 1
      type: "string"
    selectors:
    - matchArgs:
      - index: 1
        operator: Equal
        values: ["{target}"]
      matchActions:
      - action: Post
        kernelStackTrace: true
        userStackTrace: true
"#
    );
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    let mut child = Command::new(&bin)
        .arg(&target)
        .stdin(Stdio::piped())
        .spawn()
        .expect("spawn");
    agent.wait_until("stack event", WAIT, |seen| {
        policy_events(seen)
            .iter()
            .any(|(p, ..)| p == "stack-openat")
    });
    let _ = child.stdin.take().map(|mut s| s.write_all(b"x"));
    assert!(child.wait().expect("wait").success());
    let k = agent
        .seen
        .iter()
        .find_map(|e| match &e.event {
            Some(Event::ProcessKprobe(k)) if k.policy_name == "stack-openat" => Some(k.clone()),
            _ => None,
        })
        .expect("event");
    assert_eq!(proc_of(&k.process).binary, bin);
    assert_eq!(string_args(&k.args), vec![target.clone()]);
    let kernel: Vec<&str> = k
        .kernel_stack_trace
        .iter()
        .map(|f| f.symbol.as_str())
        .collect();
    assert!(
        kernel.contains(&"do_syscall_64"),
        "kernel frames: {kernel:?}"
    );
    let user: Vec<(&str, &str)> = k
        .user_stack_trace
        .iter()
        .map(|f| (f.symbol.as_str(), f.module.as_str()))
        .collect();
    assert_eq!(
        user.first(),
        Some(&("auspex_stack_probe", bin.as_str())),
        "user frames: {:?}",
        k.user_stack_trace
    );
    assert!(
        user.contains(&("main", bin.as_str())),
        "user frames: {:?}",
        k.user_stack_trace
    );
    // The frame's offset is its address in the ELF image: inside auspex_stack_probe's symbol.
    let nm = Command::new("nm").arg(&bin).output().expect("nm");
    let probe_addr = String::from_utf8_lossy(&nm.stdout)
        .lines()
        .find(|l| l.ends_with(" auspex_stack_probe"))
        .and_then(|l| u64::from_str_radix(l.split(' ').next()?, 16).ok())
        .expect("nm finds auspex_stack_probe");
    let off = k.user_stack_trace[0].offset;
    assert!(
        off > probe_addr && off < probe_addr + 64,
        "{off:#x} vs {probe_addr:#x}"
    );
    // Addresses are hidden without --expose-stack-addresses.
    assert!(
        k.kernel_stack_trace
            .iter()
            .chain(&k.user_stack_trace)
            .all(|f| f.address == 0)
    );
    let ev = agent
        .seen
        .iter()
        .find(|e| matches!(&e.event, Some(Event::ProcessKprobe(k)) if k.policy_name == "stack-openat"))
        .expect("event");
    let line = auspex_events::json::to_json_line(ev);
    assert!(line.contains(r#""symbol":"do_syscall_64"}"#), "{line}");
    assert!(
        line.contains(&format!(
            r#""user_stack_trace":[{{"offset":"{off}","symbol":"auspex_stack_probe","module":"{bin}"}}"#
        )),
        "{line}"
    );
}

/// A `generated_syscalls` list (every syscall of this kernel, from its BTF) as the calls of a
/// kprobe, scoped by matchBinaries, as the corpus' list-syscalls-generated.yaml: served here by
/// the syscall tracepoints, one hook per syscall. A copied `cat` is seen making its open, read,
/// write and exit_group calls; the same work by /bin/cat is not reported.
#[test]
fn root_generated_syscalls_list_with_match_binaries() {
    if !require_root("root_generated_syscalls_list_with_match_binaries") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let cat = copy_binary("/bin/cat", &d, "gen-cat");
    let target = d.join("target");
    std::fs::write(&target, "x").expect("write");
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: all-syscalls
spec:
  lists:
  - name: "all-syscalls"
    type: "generated_syscalls"
  kprobes:
  - call: "list:all-syscalls"
    selectors:
    - matchBinaries:
      - operator: "In"
        values:
        - "{cat}"
"#
    );
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    for bin in [cat.as_str(), "/bin/cat"] {
        let out = Command::new(bin).arg(&target).output().expect("run");
        assert_eq!(out.stdout, b"x");
    }
    agent.wait_until("exit_group of gen-cat", WAIT, |seen| {
        seen.iter().any(|e| {
            matches!(&e.event, Some(Event::ProcessKprobe(k))
                if k.policy_name == "all-syscalls" && k.function_name == "__x64_sys_exit_group")
        })
    });
    marker(&mut agent, "after-generated");
    let mut calls = std::collections::BTreeSet::new();
    for e in &agent.seen {
        if let Some(Event::ProcessKprobe(k)) = &e.event
            && k.policy_name == "all-syscalls"
        {
            assert_eq!(proc_of(&k.process).binary, cat, "only gen-cat: {k:?}");
            calls.insert(k.function_name.clone());
        }
    }
    for c in [
        "__x64_sys_openat",
        "__x64_sys_read",
        "__x64_sys_write",
        "__x64_sys_close",
        "__x64_sys_exit_group",
    ] {
        assert!(calls.contains(c), "{c} in {calls:?}");
    }
}

/// matchParentBinaries: an open is reported when the opener's parent is a given (copied) shell;
/// the same open under /bin/sh, the copied shell's own open (its parent is this test) and its
/// grandchild's (parent /bin/sh) are not.
#[test]
fn root_match_parent_binaries() {
    if !require_root("root_match_parent_binaries") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let sh = copy_binary("/bin/sh", &d, "pb-sh");
    let target = d.join("target");
    std::fs::write(&target, "x").expect("write");
    let target = target.to_str().expect("utf8").to_string();
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: parent-binaries
spec:
  kprobes:
  - call: "sys_openat"
    syscall: true
    args:
    - index: 1
      type: "string"
    selectors:
    - matchArgs:
      - index: 1
        operator: Equal
        values: ["{target}"]
      matchParentBinaries:
      - operator: In
        values: ["{sh}"]
"#
    );
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    let run = |shell: &str, script: &str| {
        let st = Command::new(shell)
            .args(["-c", script])
            .status()
            .expect("run");
        assert!(st.success(), "{shell} -c {script}");
    };
    // cat is the child of pb-sh ("; true" keeps the shell from exec'ing cat in place).
    run(&sh, &format!("/bin/cat {target} >/dev/null; true"));
    run("/bin/sh", &format!("/bin/cat {target} >/dev/null; true"));
    run(&sh, &format!(": < {target}"));
    // A grandchild: its parent is /bin/sh, not pb-sh.
    run(
        &sh,
        &format!("/bin/sh -c '/bin/cat {target} >/dev/null; true'; true"),
    );
    agent.wait_until("parent-binaries event", WAIT, |seen| {
        policy_events(seen)
            .iter()
            .any(|(p, ..)| p == "parent-binaries")
    });
    marker(&mut agent, "after-parent-binaries");
    let events: Vec<_> = agent
        .seen
        .iter()
        .filter_map(|e| match &e.event {
            Some(Event::ProcessKprobe(k)) if k.policy_name == "parent-binaries" => Some(k.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 1, "only the cat under pb-sh: {events:#?}");
    assert_eq!(proc_of(&events[0].process).binary, "/bin/cat");
    assert_eq!(
        events[0].parent.as_ref().map(|p| p.binary.as_str()),
        Some(sh.as_str())
    );
}

/// `returnCopy` on a `char_buf`, the field notes' sys_read example (fd, char_buf returnCopy,
/// size_t): the buffer is read when the call returns, as many bytes as it returned; the event
/// reports what the program read, and no `return` (the policy did not ask for it).
#[test]
fn root_return_copy_reports_what_read_returned() {
    if !require_root("root_return_copy_reports_what_read_returned") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let cat = copy_binary("/bin/cat", &d, "rc-cat");
    let target = d.join("secret");
    let content = b"secret-contents\n";
    std::fs::write(&target, content).expect("write");
    let target = target.to_str().expect("utf8").to_string();
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: "sys-read-return-copy"
spec:
  kprobes:
  - call: "sys_read"
    syscall: true
    args:
    - index: 0
      type: "fd"
    - index: 1
      type: "char_buf"
      returnCopy: true
    - index: 2
      type: "size_t"
    selectors:
    - matchArgs:
      - index: 0
        operator: Equal
        values: ["{target}"]
      matchBinaries:
      - operator: In
        values: ["{cat}"]
"#
    );
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    let out = Command::new(&cat).arg(&target).output().expect("run");
    assert_eq!(out.stdout, content);
    agent.wait_until("two reads (data, then EOF)", WAIT, |seen| {
        policy_events(seen)
            .iter()
            .filter(|(p, ..)| p == "sys-read-return-copy")
            .count()
            >= 2
    });
    let events: Vec<_> = agent
        .seen
        .iter()
        .filter(|e| matches!(&e.event, Some(Event::ProcessKprobe(k)) if k.policy_name == "sys-read-return-copy"))
        .cloned()
        .collect();
    let bufs: Vec<_> = events
        .iter()
        .map(|e| match &e.event {
            Some(Event::ProcessKprobe(k)) => {
                assert_eq!(k.function_name, "__x64_sys_read");
                assert!(k.r#return.is_none() && k.return_action == 0, "{k:?}");
                k.args.get(1).and_then(|a| a.arg.clone())
            }
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(
        bufs,
        vec![
            Some(Arg::BytesArg(content.to_vec())),
            Some(Arg::BytesArg(Vec::new()))
        ],
        "the data, then the empty read at EOF"
    );
    let line = auspex_events::json::to_json_line(&events[0]);
    assert!(
        line.contains(r#"{"bytes_arg":"c2VjcmV0LWNvbnRlbnRzCg=="}"#),
        "{line}"
    );
    // (the key: `"return"` may be the test runner's argument, in the parent's `arguments`)
    assert!(!line.contains(r#""return":"#), "{line}");
}

/// 32-bit compat syscalls (IA32 emulation: a 64-bit program making `int $0x80`): `syscall64`
/// values carry bit 31 and lists may name `__ia32_sys_*` entry points, as in the corpus'
/// killer.yaml; syscall kprobes (served by the syscall tracepoints here) see native syscalls only
/// — the i386 dup is number 41, x86-64's socket, and must not be taken for it — and a kprobe on
/// `__ia32_sys_dup` sees the 32-bit one, its argument from the i386 registers (the upper half
/// of rbx is not part of it); a second hook on `__ia32_sys_dup` sees it too.
#[cfg(target_arch = "x86_64")]
#[test]
fn root_compat_syscalls_are_told_apart() {
    if !require_root("root_compat_syscalls_are_told_apart") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let bin = build_c(
        &d,
        "compat-dup",
        r#"#include <unistd.h>
#include <sys/syscall.h>
int main(void)
{
	long r64 = syscall(SYS_dup, 1), r32;

	/* i386 dup (41) through the 32-bit entry */
	__asm__ volatile("int $0x80" : "=a"(r32) : "0"(41L), "b"(0x500000001L) : "r8", "r9", "r10", "r11", "memory");
	return r64 < 0 || r32 < 0;
}
"#,
        &[],
    );
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: compat-syscalls
spec:
  lists:
  - name: "dups"
    type: "syscalls"
    values: ["sys_dup", "__ia32_sys_dup"]
  tracepoints:
  - subsystem: "raw_syscalls"
    event: "sys_enter"
    args:
    - index: 4
      type: "syscall64"
    selectors:
    - matchArgs:
      - index: 0
        operator: "InMap"
        values: ["list:dups"]
      matchBinaries:
      - operator: "In"
        values: ["{bin}"]
---
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: compat-kprobes
spec:
  kprobes:
  - call: "sys_dup"
    syscall: true
    selectors:
    - matchBinaries:
      - operator: "In"
        values: ["{bin}"]
  - call: "sys_socket"
    syscall: true
    selectors:
    - matchBinaries:
      - operator: "In"
        values: ["{bin}"]
  - call: "__ia32_sys_dup"
    syscall: true
    args:
    - index: 0
      type: "int"
    selectors:
    - matchBinaries:
      - operator: "In"
        values: ["{bin}"]
      matchArgs:
      - index: 0
        operator: "Equal"
        values: ["1"]
  - call: "__ia32_sys_dup"
    syscall: true
    message: "second hook"
    selectors:
    - matchBinaries:
      - operator: "In"
        values: ["{bin}"]
"#
    );
    let mut agent = TestAgent::start(|_| {});
    for doc in yaml.split("\n---\n") {
        agent.control.add_policy(policy(doc)).expect("loads");
    }
    let st = Command::new(&bin).status().expect("run");
    assert!(st.success(), "both dups succeed (IA32 emulation on)");
    agent.wait_until("two raw sys_enter events", WAIT, |seen| {
        seen.iter()
            .filter(|e| matches!(&e.event, Some(Event::ProcessTracepoint(t)) if t.policy_name == "compat-syscalls"))
            .count()
            >= 2
    });
    marker(&mut agent, "after-compat");
    let mut ids = Vec::new();
    let mut kprobes = Vec::new();
    for e in &agent.seen {
        match &e.event {
            Some(Event::ProcessTracepoint(t)) if t.policy_name == "compat-syscalls" => {
                if let Some(Arg::SyscallId(s)) = t.args.first().and_then(|a| a.arg.clone()) {
                    ids.push((s.id, s.abi));
                }
            }
            Some(Event::ProcessKprobe(k)) if k.policy_name == "compat-kprobes" => kprobes.push((
                k.function_name.clone(),
                k.args.first().and_then(|a| a.arg.clone()),
                k.message.clone(),
            )),
            _ => {}
        }
    }
    assert_eq!(
        ids,
        [(32, "x64".to_string()), (41, "i386".to_string())],
        "{:#?}",
        agent
            .seen
            .iter()
            .filter(|e| matches!(&e.event, Some(Event::ProcessTracepoint(_))))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        kprobes,
        [
            ("__x64_sys_dup".to_string(), None, String::new()),
            (
                "__ia32_sys_dup".to_string(),
                Some(Arg::IntArg(1)),
                String::new()
            ),
            (
                "__ia32_sys_dup".to_string(),
                None,
                "second hook".to_string()
            )
        ],
        "the compat dup is neither dup nor socket, but __ia32_sys_dup (both hooks on it)"
    );
}

/// Buffers and addresses read from user memory at syscall entry: `char_iovec` (writev's iovec
/// array), `sockaddr` and `sockaddr_un` (connect's address, IPv4, a path and an abstract name),
/// and `const_buf` (a tracepoint's inline array, here inet_sock_set_state's daddr).
#[test]
fn root_iovec_sockaddr_sockaddr_un_and_const_buf() {
    if !require_root("root_iovec_sockaddr_sockaddr_un_and_const_buf") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let bin = build_c(
        &d,
        "netio",
        r#"#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>
static int unix_pair(const char *path, int abstract)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + strlen(path) + abstract;
	int srv = socket(AF_UNIX, SOCK_STREAM, 0), cli = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(a.sun_path + abstract, path);
	if (bind(srv, (struct sockaddr *)&a, len) || listen(srv, 1))
		return 1;
	return connect(cli, (struct sockaddr *)&a, len);
}
int main(int argc, char **argv)
{
	char big[5000];
	struct iovec small[3] = {{"hello ", 6}, {"iovec ", 6}, {"world", 5}}, large[5];
	int fd = open("/dev/null", O_WRONLY);
	memset(big, 'x', sizeof(big));
	for (int i = 0; i < 5; i++)
		large[i] = (struct iovec){big + 1000 * i, 1000};
	if (writev(fd, small, 3) != 17 || writev(fd, large, 5) != 5000)
		return 1;
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(in);
	int srv = socket(AF_INET, SOCK_STREAM, 0), cli = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(srv, (struct sockaddr *)&in, len) || listen(srv, 1) ||
	    getsockname(srv, (struct sockaddr *)&in, &len))
		return 2;
	if (connect(cli, (struct sockaddr *)&in, len))
		return 3;
	printf("%d\n", ntohs(in.sin_port));
	if (unix_pair(argv[1], 0) || unix_pair("auspex-e2e-abstract", 1))
		return 4;
	return 0;
}
"#,
        &[],
    );
    let sock_path = d.join("e2e.sock").to_str().expect("utf8").to_string();
    let only_bin = format!("matchBinaries:\n      - operator: In\n        values: [\"{bin}\"]");
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: buffers-and-addresses
spec:
  kprobes:
  - call: sys_writev
    args:
    - index: 0
      type: fd
    - index: 1
      type: char_iovec
      sizeArgIndex: 3
    - index: 2
      type: uint64
    selectors:
    - {only_bin}
  - call: sys_connect
    args:
    - index: 1
      type: sockaddr
    selectors:
    - {only_bin}
      matchArgs:
      - index: 1
        operator: Family
        values: [AF_INET]
  - call: sys_connect
    args:
    - index: 1
      type: sockaddr_un
    selectors:
    - {only_bin}
      matchArgs:
      - index: 1
        operator: Family
        values: [AF_UNIX]
      - index: 1
        operator: NotPrefix
        values: ["/nowhere"]
---
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: buffers-and-addresses-tp
spec:
  tracepoints:
  - subsystem: sock
    event: inet_sock_set_state
    args:
    - index: 6
      type: int
    - index: 12
    selectors:
    - {only_bin}
      matchArgs:
      - index: 6
        operator: Equal
        values: ["2"]
"#
    );
    let mut agent = TestAgent::start(|_| {});
    for p in auspex_policy::parse_str(&yaml, "test.yaml").unwrap_or_else(|e| panic!("{e}")) {
        agent.control.add_policy(p).expect("loads");
    }
    let out = Command::new(&bin).arg(&sock_path).output().expect("run");
    assert!(out.status.success(), "helper: {out:?}");
    let port: u32 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("port");
    marker(&mut agent, "buffers-marker");
    let kprobes = policy_kprobes(&agent, "buffers-and-addresses");
    let writev: Vec<_> = kprobes
        .iter()
        .filter(|k| k.function_name == "__x64_sys_writev")
        .collect();
    assert_eq!(writev.len(), 2, "two writev calls: {writev:?}");
    match &writev[0].args[..] {
        [f, b, n] => {
            assert!(
                matches!(&f.arg, Some(Arg::FileArg(f)) if f.path == "/dev/null"),
                "{f:?}"
            );
            assert_eq!(b.arg, Some(Arg::BytesArg(b"hello iovec world".to_vec())));
            assert_eq!(n.arg, Some(Arg::SizeArg(3)));
        }
        other => panic!("writev args: {other:?}"),
    }
    match &writev[1].args[1].arg {
        Some(Arg::TruncatedBytesArg(t)) => {
            assert_eq!(t.orig_size, 5000);
            assert_eq!(t.bytes_arg, vec![b'x'; 4096]);
        }
        other => panic!("5000 bytes in 5 iovecs: {other:?}"),
    }
    let connects: Vec<_> = kprobes
        .iter()
        .filter(|k| k.function_name == "__x64_sys_connect")
        .flat_map(|k| k.args.iter().filter_map(|a| a.arg.clone()))
        .collect();
    assert_eq!(connects.len(), 3, "{connects:?}");
    assert_eq!(
        connects[0],
        Arg::SockaddrArg(auspex_events::tetragon::KprobeSockaddr {
            family: "AF_INET".into(),
            addr: "127.0.0.1".into(),
            port,
        })
    );
    let un = |path: &str| {
        Arg::SockaddrunArg(auspex_events::tetragon::KprobeSockaddrUn {
            family: "AF_UNIX".into(),
            path: path.into(),
        })
    };
    assert_eq!(connects[1], un(&sock_path));
    assert_eq!(connects[2], un("@auspex-e2e-abstract"));
    let states: Vec<_> = agent
        .seen
        .iter()
        .filter_map(|e| match &e.event {
            Some(Event::ProcessTracepoint(t)) if t.policy_name == "buffers-and-addresses-tp" => {
                Some(
                    t.args
                        .iter()
                        .filter_map(|a| a.arg.clone())
                        .collect::<Vec<_>>(),
                )
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        states,
        vec![vec![Arg::IntArg(2), Arg::BytesArg(vec![127, 0, 0, 1])]],
        "TCP_SYN_SENT of the helper's connect, daddr as the record's bytes"
    );
    let summary = agent.stop();
    assert_eq!(summary.losses.total(), 0, "{:?}", summary.losses);
}

/// matchPIDs entries are ANDed: `In [me] followForks` and `NotIn [me]` report the descendants of
/// this test process and not the process itself.
#[test]
fn root_match_pids_entries_are_anded() {
    if !require_root("root_match_pids_entries_are_anded") {
        return;
    }
    let me = std::process::id();
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: pids-anded
spec:
  tracepoints:
  - subsystem: syscalls
    event: sys_enter_mkdir
    args:
    - index: 5
      type: string
    selectors:
    - matchPIDs:
      - operator: In
        followForks: true
        values: [{me}]
      - operator: NotIn
        values: [{me}]
      matchArgs:
      - index: 5
        operator: Postfix
        values: ["pids-anded-dir"]
"#
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    // This process (excluded by NotIn), then a grandchild (sh → mkdir; included by followForks).
    std::fs::create_dir(dir.path().join("self-pids-anded-dir")).expect("mkdir");
    let st = Command::new("/bin/sh")
        .args(["-c", "/bin/mkdir child-pids-anded-dir; :"])
        .current_dir(dir.path())
        .status()
        .expect("sh");
    assert!(st.success());
    marker(&mut agent, "pids-anded-marker");
    let evs: Vec<_> = policy_events(&agent.seen)
        .into_iter()
        .filter(|e| e.0 == "pids-anded")
        .collect();
    assert_eq!(evs.len(), 1, "only the grandchild's mkdir: {evs:?}");
    assert_eq!(evs[0].3, vec!["child-pids-anded-dir".to_string()]);
    assert_ne!(evs[0].4, Some(me));
}

/// maxData: the whole buffer of a write(2) (100 000 bytes), the first 327 360 bytes of a larger
/// one (truncated_bytes_arg with the length the call was given), and all bytes of a writev, sent
/// in chunks after the event's head and joined in user space.
#[test]
fn root_max_data_sends_whole_buffers() {
    if !require_root("root_max_data_sends_whole_buffers") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let bin = build_c(
        &d,
        "bigwrite",
        r#"#include <fcntl.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>
int main(void)
{
	size_t big = 400000;
	char *buf = malloc(big);
	struct iovec iov[3];
	int fd = open("/dev/null", O_WRONLY);
	for (size_t i = 0; i < big; i++)
		buf[i] = 'a' + (i * 7 + i / 251) % 26;
	if (write(fd, buf, 100000) != 100000 || write(fd, buf, big) != (ssize_t)big)
		return 1;
	iov[0] = (struct iovec){buf, 300};
	iov[1] = (struct iovec){buf + 1000, 20000};
	iov[2] = (struct iovec){buf + 50000, 7};
	return writev(fd, iov, 3) == 20307 ? 0 : 2;
}
"#,
        &[],
    );
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: max-data
spec:
  kprobes:
  - call: sys_write
    args:
    - index: 1
      type: char_buf
      sizeArgIndex: 3
      maxData: true
    - index: 2
      type: size_t
    selectors:
    - matchBinaries:
      - operator: In
        values: ["{bin}"]
  - call: sys_writev
    args:
    - index: 1
      type: char_iovec
      sizeArgIndex: 3
      maxData: true
    - index: 2
      type: uint64
    selectors:
    - matchBinaries:
      - operator: In
        values: ["{bin}"]
"#
    );
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    let st = Command::new(&bin).status().expect("run");
    assert!(st.success(), "helper: {st:?}");
    marker(&mut agent, "max-data-marker");
    let pattern: Vec<u8> = (0..400_000usize)
        .map(|i| b'a' + ((i * 7 + i / 251) % 26) as u8)
        .collect();
    let bufs: Vec<_> = agent
        .seen
        .iter()
        .filter_map(|e| match &e.event {
            Some(Event::ProcessKprobe(k)) if k.policy_name == "max-data" => {
                Some((k.function_name.clone(), k.args.first()?.arg.clone()?))
            }
            _ => None,
        })
        .collect();
    assert_eq!(bufs.len(), 3, "two writes and a writev");
    assert_eq!(bufs[0].0, "__x64_sys_write");
    assert!(
        bufs[0].1 == Arg::BytesArg(pattern[..100_000].to_vec()),
        "the whole 100000-byte buffer"
    );
    match &bufs[1].1 {
        Arg::TruncatedBytesArg(t) => {
            assert_eq!(t.orig_size, 400_000);
            assert!(t.bytes_arg == pattern[..327_360], "the first 327360 bytes");
        }
        other => panic!("a 400000-byte write: {:?}", std::mem::discriminant(other)),
    }
    let mut want = pattern[..300].to_vec();
    want.extend_from_slice(&pattern[1000..21_000]);
    want.extend_from_slice(&pattern[50_000..50_007]);
    assert_eq!(bufs[2].0, "__x64_sys_writev");
    assert!(bufs[2].1 == Arg::BytesArg(want), "the three iovecs' bytes");
    let summary = agent.stop();
    assert_eq!(summary.losses.total(), 0, "{:?}", summary.losses);
}

/// A file of 100 000 letters in a pattern without short repeats (the maxData tests move it whole
/// in one call), and its content.
fn letters_file(d: &Path) -> (std::path::PathBuf, Vec<u8>) {
    let content: Vec<u8> = (0..100_000usize)
        .map(|i| b'a' + ((i * 7 + i / 89) % 26) as u8)
        .collect();
    let file = d.join("big.txt");
    std::fs::write(&file, &content).expect("write");
    (file, content)
}

/// returnCopy + maxData: the buffer read(2) filled is sent whole at the return, ahead of the
/// event, and replaces the 4096-byte copy (cat reads a 100000-byte file in one call, then 0 bytes).
#[test]
fn root_max_data_with_return_copy() {
    if !require_root("root_max_data_with_return_copy") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let (file, content) = letters_file(&d);
    let cat = copy_binary("/usr/bin/cat", &d, "cat-maxdata");
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: read-max-data
spec:
  kprobes:
  - call: sys_read
    args:
    - index: 0
      type: fd
    - index: 1
      type: char_buf
      returnCopy: true
      maxData: true
    selectors:
    - matchBinaries:
      - operator: In
        values: ["{cat}"]
      matchArgs:
      - index: 0
        operator: Equal
        values: ["{}"]
"#,
        file.display()
    );
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    let out = Command::new(&cat).arg(&file).output().expect("cat");
    assert!(out.status.success() && out.stdout == content);
    marker(&mut agent, "read-max-data-marker");
    let reads: Vec<_> = agent
        .seen
        .iter()
        .filter_map(|e| match &e.event {
            Some(Event::ProcessKprobe(k)) if k.policy_name == "read-max-data" => {
                Some(k.args.get(1)?.arg.clone()?)
            }
            _ => None,
        })
        .collect();
    assert!(!reads.is_empty(), "events for cat's reads");
    assert!(
        reads[0] == Arg::BytesArg(content.clone()),
        "the whole 100000 bytes the first read returned ({} events)",
        reads.len()
    );
    let summary = agent.stop();
    assert_eq!(summary.losses.total(), 0, "{:?}", summary.losses);
}

/// maxData on a hook with a return probe: write(2)'s buffer goes out at entry and the event,
/// posted at the return with the value returned, gets it whole (100 000 bytes written to a pipe
/// in one call, which blocks until the reader took them).
#[test]
fn root_max_data_at_entry_with_return_probe() {
    if !require_root("root_max_data_at_entry_with_return_probe") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let (file, content) = letters_file(&d);
    let cat = copy_binary("/usr/bin/cat", &d, "cat-write-ret");
    let yaml = format!(
        r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: write-max-data-ret
spec:
  kprobes:
  - call: sys_write
    return: true
    returnArg:
      index: 0
      type: int
    args:
    - index: 1
      type: char_buf
      sizeArgIndex: 3
      maxData: true
    - index: 2
      type: size_t
    selectors:
    - matchBinaries:
      - operator: In
        values: ["{cat}"]
"#
    );
    let mut agent = TestAgent::start(|_| {});
    agent.control.add_policy(policy(&yaml)).expect("loads");
    let out = Command::new(&cat).arg(&file).output().expect("cat");
    assert!(out.status.success() && out.stdout == content);
    marker(&mut agent, "write-max-data-ret-marker");
    let writes: Vec<_> = agent
        .seen
        .iter()
        .filter_map(|e| match &e.event {
            Some(Event::ProcessKprobe(k)) if k.policy_name == "write-max-data-ret" => Some(k),
            _ => None,
        })
        .collect();
    assert_eq!(writes.len(), 1, "one write of the whole file: {writes:?}");
    let w = writes[0];
    assert_eq!(
        w.r#return.as_ref().and_then(|r| r.arg.clone()),
        Some(Arg::IntArg(100_000)),
        "the value write returned"
    );
    assert_eq!(
        w.args.get(1).and_then(|a| a.arg.clone()),
        Some(Arg::SizeArg(100_000))
    );
    assert!(
        w.args.first().and_then(|a| a.arg.as_ref()) == Some(&Arg::BytesArg(content.clone())),
        "the whole buffer, not its first 4096 bytes"
    );
    let summary = agent.stop();
    assert_eq!(summary.losses.total(), 0, "{:?}", summary.losses);
}

/// FileType / NotFileType on an fd argument: the file's type comes from the mode the kernel read
/// with its path (a character device vs regular files).
#[test]
fn root_file_type_operators_on_fd_arguments() {
    if !require_root("root_file_type_operators_on_fd_arguments") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().canonicalize().expect("canon");
    let plain = d.join("plain.txt");
    std::fs::write(&plain, "plain\n").expect("write");
    let plain = plain.to_str().expect("utf8").to_string();
    let cat = copy_binary("/usr/bin/cat", &d, "cat-ftype");
    let yaml = |name: &str, op: &str| {
        format!(
            r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: {name}
spec:
  kprobes:
  - call: "sys_read"
    syscall: true
    args:
    - index: 0
      type: "fd"
    selectors:
    - matchBinaries:
      - operator: In
        values: ["{cat}"]
      matchArgs:
      - index: 0
        operator: {op}
        values: ["chr", "dir"]
"#
        )
    };
    let mut agent = TestAgent::start(|_| {});
    agent
        .control
        .add_policy(policy(&yaml("ftype-chr", "FileType")))
        .expect("loads");
    agent
        .control
        .add_policy(policy(&yaml("ftype-not-chr", "NotFileType")))
        .expect("loads");
    for f in ["/dev/null", plain.as_str()] {
        let st = Command::new(&cat)
            .arg(f)
            .stdout(Stdio::null())
            .status()
            .expect("cat");
        assert!(st.success());
    }
    marker(&mut agent, "ftype-marker");
    let paths = |name: &str| -> Vec<(String, String)> {
        agent
            .seen
            .iter()
            .filter_map(|e| match &e.event {
                Some(Event::ProcessKprobe(k)) if k.policy_name == name => {
                    match k.args.first().and_then(|a| a.arg.as_ref()) {
                        Some(Arg::FileArg(f)) => Some((f.path.clone(), f.permission.clone())),
                        _ => None,
                    }
                }
                _ => None,
            })
            .collect()
    };
    let chr = paths("ftype-chr");
    assert!(!chr.is_empty(), "cat's read of /dev/null");
    assert!(
        chr.iter()
            .all(|(p, perm)| p == "/dev/null" && perm.starts_with('c')),
        "only the character device: {chr:?}"
    );
    let other = paths("ftype-not-chr");
    assert!(
        other.iter().any(|(p, _)| *p == plain),
        "the regular file: {other:?}"
    );
    assert!(
        other
            .iter()
            .all(|(p, perm)| p != "/dev/null" && perm.starts_with('-')),
        "regular files only (the file and the libraries the loader reads): {other:?}"
    );
}
