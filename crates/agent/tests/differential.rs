//! Differential test of the in-kernel selector engine against the pure reference evaluator
//! (`auspex_policy::compile::reference`): generated selectors (integer operators and CelExpr
//! programs) over the integer arguments of
//! `syscalls/sys_enter_kill` and generated string selectors over `sys_enter_openat` filenames, real
//! syscalls from this process, and the set of posted events compared with the evaluator's decisions.
//! Every other integer round also hooks read(2) (matching nothing), which moves the policy's
//! syscall hooks to the raw sys_enter program: both entry paths are checked.
mod util;

use std::collections::BTreeSet;
use std::time::Duration;

use auspex_events::tetragon::{get_events_response::Event, kprobe_argument::Arg};
use auspex_policy::compile::{self, reference};
use util::{TestAgent, proc_of, require_root};

/// Small deterministic generator (no dependency, reproducible failures: the seed is printed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const PID_BASE: i64 = 3_900_000; // above any live pid here (pid_max 4194304): kill() gets ESRCH
const PIDS: i64 = 24;
const SIGS: i64 = 40;

/// A CelExpr over both arguments (arg0: the pid, arg1: the signal; both int32).
fn cel_filter(g: &mut Lcg) -> String {
    let cmp = |g: &mut Lcg| ["<", "<=", ">", ">=", "==", "!="][g.below(6) as usize];
    let pid = format!(
        "arg0 - int32({PID_BASE}) {} int32({})",
        cmp(g),
        g.below(PIDS as u64)
    );
    let sig = format!(
        "arg1 + int32(1) {} int32({})",
        cmp(g),
        1 + g.below(SIGS as u64)
    );
    let join = if g.below(2) == 0 { "&&" } else { "||" };
    let not = if g.below(3) == 0 { "!" } else { "" };
    format!("      - operator: CelExpr\n        values: [\"{not}({pid}) {join} {sig}\"]\n")
}

fn int_filter(g: &mut Lcg) -> String {
    if g.below(5) == 0 {
        return cel_filter(g);
    }
    let (index, lo, span) = if g.below(2) == 0 {
        (5, PID_BASE, PIDS)
    } else {
        (6, 0, SIGS)
    };
    let v = |g: &mut Lcg| lo + g.below(span as u64) as i64;
    let (op, values) = match g.below(9) {
        0 => ("Equal", vec![v(g).to_string(), v(g).to_string()]),
        1 => ("NotEqual", vec![v(g).to_string()]),
        2 => ("GT", vec![v(g).to_string()]),
        3 => ("LT", vec![v(g).to_string()]),
        4 => ("Mask", vec![(1 + g.below(63)).to_string()]),
        5 | 6 => {
            let a = v(g);
            let b = a + g.below(span as u64 / 2) as i64;
            (
                if g.below(2) == 0 {
                    "InRange"
                } else {
                    "NotInRange"
                },
                vec![format!("{a}:{b}")],
            )
        }
        _ => {
            let a = v(g);
            (
                if g.below(2) == 0 { "InMap" } else { "NotInMap" },
                vec![v(g).to_string(), format!("{a}:{}", a + 3)],
            )
        }
    };
    let values: Vec<String> = values.iter().map(|x| format!("\"{x}\"")).collect();
    format!(
        "      - index: {index}\n        operator: {op}\n        values: [{}]\n",
        values.join(", ")
    )
}

/// A second hook on a hot syscall (read, never matching): the policy's `sys_enter_*` hooks then
/// run from the raw sys_enter program (arguments from the registers) instead of their own
/// tracepoints.
const HOT_SYSCALL_HOOK: &str = "  - subsystem: syscalls\n    event: sys_enter_read\n    args:\n    - index: 5\n      type: int\n    selectors:\n    - matchArgs:\n      - index: 5\n        operator: Equal\n        values: [\"987654\"]\n";

fn kill_policy(g: &mut Lcg, name: &str, raw_entry: bool) -> String {
    let mut sels = String::new();
    for _ in 0..1 + g.below(5) {
        sels.push_str("    - matchArgs:\n");
        for _ in 0..1 + g.below(2) {
            sels.push_str(&int_filter(g));
        }
        match g.below(3) {
            0 => sels.push_str("      matchActions:\n      - action: NoPost\n"),
            1 => sels.push_str("      matchActions:\n      - action: Post\n"),
            _ => {}
        }
    }
    format!(
        "apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: {name}\nspec:\n  tracepoints:\n  - subsystem: syscalls\n    event: sys_enter_kill\n    args:\n    - index: 5\n      type: int\n    - index: 6\n      type: int\n    selectors:\n{sels}{}",
        if raw_entry { HOT_SYSCALL_HOOK } else { "" }
    )
}

fn kernel_view() -> auspex_agent::tracefs::Tracefs {
    auspex_agent::tracefs::Tracefs::locate(false).expect("tracefs mounted (the agent mounts it)")
}

#[test]
fn root_int_selectors_kernel_agrees_with_reference() {
    if !require_root("root_int_selectors_kernel_agrees_with_reference") {
        return;
    }
    let seed = 0x5eed_2026_u64;
    eprintln!("differential seed {seed:#x}");
    let mut g = Lcg(seed);
    let mut agent = TestAgent::start(|_| {});
    let me = std::process::id();
    let process = reference::EvalProcess {
        pid: me,
        nspid: me,
        ..Default::default()
    };
    let (mut cases, mut cel) = (0, 0);
    for round in 0..8 {
        let name = format!("diff-int-{round}");
        let yaml = kill_policy(&mut g, &name, round % 2 == 1);
        cel += yaml.matches("CelExpr").count();
        let policy = auspex_policy::parse_str(&yaml, "generated.yaml")
            .unwrap_or_else(|e| panic!("generated policy invalid: {e}\n{yaml}"))
            .remove(0);
        let compiled =
            compile::compile(&policy, &kernel_view()).unwrap_or_else(|e| panic!("{e:?}\n{yaml}"));
        agent
            .control
            .add_policy(policy)
            .unwrap_or_else(|e| panic!("{e}\n{yaml}"));
        let mut expected = BTreeSet::new();
        for pid in PID_BASE..PID_BASE + PIDS {
            for sig in 0..SIGS {
                let d = reference::evaluate(
                    &compiled,
                    0,
                    &process,
                    &[reference::EvalArg::Int(pid), reference::EvalArg::Int(sig)],
                );
                if d.post {
                    expected.insert((pid, sig));
                }
                // SAFETY: kill(2) on a pid that does not exist (ESRCH); signal numbers outside
                // nix's enum (real-time ones) need the raw call.
                unsafe { nix::libc::kill(pid as i32, sig as i32) };
                cases += 1;
            }
        }
        // A marker exec after the syscalls: once it is seen, every earlier record was read.
        let marker = format!("diff-marker-{round}");
        std::process::Command::new("/bin/true")
            .arg(&marker)
            .status()
            .expect("marker");
        agent.wait_until("marker", Duration::from_secs(30), |seen| {
            util::execs(seen)
                .iter()
                .any(|e| proc_of(&e.process).arguments == marker)
        });
        let got: BTreeSet<(i64, i64)> = agent
            .seen
            .iter()
            .filter_map(|e| match &e.event {
                Some(Event::ProcessTracepoint(t)) if t.policy_name == name => {
                    let ints: Vec<i64> = t
                        .args
                        .iter()
                        .filter_map(|a| match a.arg {
                            Some(Arg::IntArg(v)) => Some(i64::from(v)),
                            _ => None,
                        })
                        .collect();
                    (ints.len() == 2 && (PID_BASE..PID_BASE + PIDS).contains(&ints[0]))
                        .then(|| (ints[0], ints[1]))
                }
                _ => None,
            })
            .collect();
        let missing: Vec<_> = expected.difference(&got).collect();
        let extra: Vec<_> = got.difference(&expected).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "round {round}: kernel vs reference: missing {missing:?}, extra {extra:?} for\n{yaml}"
        );
        agent.control.delete_policy(&name).expect("remove");
    }
    assert!(cel > 0, "the generated policies include CelExpr filters");
    eprintln!("differential: {cases} (selector, event) cases agreed ({cel} CelExpr filters)");
}

#[test]
fn root_string_selectors_kernel_agrees_with_reference() {
    if !require_root("root_string_selectors_kernel_agrees_with_reference") {
        return;
    }
    let mut g = Lcg(0xabcdef);
    let mut agent = TestAgent::start(|_| {});
    let me = std::process::id();
    let process = reference::EvalProcess {
        pid: me,
        nspid: me,
        ..Default::default()
    };
    let alphabet = ["a", "b", "ab", "ba", "x/", "/q"];
    let word = |g: &mut Lcg| -> String {
        (0..1 + g.below(4))
            .map(|_| alphabet[g.below(alphabet.len() as u64) as usize])
            .collect()
    };
    let base = "/nonexistent-auspex-diff/";
    for round in 0..6 {
        let name = format!("diff-str-{round}");
        let mut sels = String::new();
        for _ in 0..1 + g.below(4) {
            let (op, value) = match g.below(6) {
                0 => ("Equal", format!("{base}{}", word(&mut g))),
                1 => ("NotEqual", format!("{base}{}", word(&mut g))),
                2 => ("Prefix", format!("{base}{}", word(&mut g))),
                3 => ("NotPrefix", format!("{base}{}", word(&mut g))),
                4 => ("Postfix", word(&mut g)),
                _ => ("NotPostfix", word(&mut g)),
            };
            // A second matchPIDs entry (ANDed) that excludes this process or an unrelated pid.
            let second = match g.below(4) {
                0 => format!("      - operator: NotIn\n        values: [{me}]\n"),
                1 => "      - operator: NotIn\n        values: [1]\n".to_string(),
                _ => String::new(),
            };
            sels.push_str(&format!(
                "    - matchPIDs:\n      - operator: In\n        values: [{me}]\n{second}      matchArgs:\n      - index: 6\n        operator: {op}\n        values: [\"{value}\"]\n"
            ));
            if g.below(3) == 0 {
                sels.push_str("      matchActions:\n      - action: NoPost\n");
            }
        }
        let yaml = format!(
            "apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: {name}\nspec:\n  tracepoints:\n  - subsystem: syscalls\n    event: sys_enter_openat\n    args:\n    - index: 6\n      type: string\n    selectors:\n{sels}"
        );
        let policy = auspex_policy::parse_str(&yaml, "generated.yaml")
            .expect("valid")
            .remove(0);
        let compiled =
            compile::compile(&policy, &kernel_view()).unwrap_or_else(|e| panic!("{e:?}\n{yaml}"));
        agent
            .control
            .add_policy(policy)
            .unwrap_or_else(|e| panic!("{e}\n{yaml}"));
        let mut expected = BTreeSet::new();
        let mut paths = BTreeSet::new();
        for _ in 0..60 {
            paths.insert(format!("{base}{}", word(&mut g)));
        }
        for p in &paths {
            let d = reference::evaluate(
                &compiled,
                0,
                &process,
                &[reference::EvalArg::Str(p.as_bytes().to_vec())],
            );
            if d.post {
                expected.insert(p.clone());
            }
            let _ = std::fs::File::open(p);
        }
        let marker = format!("diff-str-marker-{round}");
        std::process::Command::new("/bin/true")
            .arg(&marker)
            .status()
            .expect("marker");
        agent.wait_until("marker", Duration::from_secs(30), |seen| {
            util::execs(seen)
                .iter()
                .any(|e| proc_of(&e.process).arguments == marker)
        });
        let got: BTreeSet<String> = agent
            .seen
            .iter()
            .filter_map(|e| match &e.event {
                Some(Event::ProcessTracepoint(t)) if t.policy_name == name => {
                    match t.args.first().and_then(|a| a.arg.as_ref()) {
                        Some(Arg::StringArg(s)) if paths.contains(s) => Some(s.clone()),
                        _ => None,
                    }
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            got, expected,
            "round {round}: kernel vs reference for\n{yaml}"
        );
        agent.control.delete_policy(&name).expect("remove");
    }
}
