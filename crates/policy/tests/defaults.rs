//! Tetragon's defaults are applied, the model serialises deterministically,
//! and the accessors other crates rely on behave.

mod common;

use auspex_policy::{
    ActionKind, ArgType, CapabilitySet, ErrorKind, HookKind, KProbeArg, ListType, OverrideMethod,
    PolicyKind, PolicyMode, RateLimitScope, SelectorOp, TracingPolicy, parse_str, validate,
};
use common::*;

const FULL: &str = "
kprobes:
- call: sys_write
  args:
  - index: 0
    type: fd
  - index: 1
    type: char_buf
    sizeArgIndex: 3
  - index: 2
  selectors:
  - matchPIDs:
    - operator: NotIn
      values: [1]
    matchBinaries:
    - operator: In
      values: [/bin/sh]
    matchCapabilities:
    - operator: In
      values: [CAP_SYS_ADMIN]
    matchActions:
    - action: Post
lists:
- name: l
  values: ['1']
";

#[test]
fn kprobe_defaults() {
    let p = ok(FULL);
    assert_eq!(p.kind, PolicyKind::TracingPolicy);
    assert_eq!(p.api_version, "cilium.io/v1alpha1");
    let k = &p.spec.kprobes[0];
    assert!(k.syscall, "syscall defaults to true");
    assert!(!k.return_, "return defaults to false");
    assert!(k.message.is_none() && k.return_arg.is_none() && k.ignore.is_none());
    assert!(k.tags.is_empty() && k.data.is_empty());
    assert!(!p.spec.loader);
}

#[test]
fn argument_defaults() {
    let p = ok(FULL);
    let args = &p.spec.kprobes[0].args;
    assert_eq!(args[2].type_, "auto", "type defaults to auto");
    assert_eq!(args[2].arg_type(), Some(ArgType::Auto));
    for a in args {
        assert!(!a.return_copy, "returnCopy defaults to false");
        assert!(!a.max_data, "maxData defaults to false");
        assert!(a.resolve.is_empty() && a.source.is_empty() && a.label.is_none());
    }
    assert_eq!(args[0].size_arg_index, 0);
    assert_eq!(args[1].size_arg_index, 3);
    assert_eq!(args[1].arg_type().map(ArgType::kernel_id), Some(Some(2)));
}

#[test]
fn selector_defaults() {
    let p = ok(FULL);
    let s = &p.spec.kprobes[0].selectors[0];
    assert!(!s.match_pids[0].follow_forks && !s.match_pids[0].is_namespace_pid);
    assert!(!s.match_binaries[0].follow_children);
    let c = &s.match_capabilities[0];
    assert_eq!(
        c.type_, "Effective",
        "capability type defaults to Effective"
    );
    assert_eq!(c.capability_set(), Some(CapabilitySet::Effective));
    assert!(!c.is_namespace_capability);
    let a = &s.match_actions[0];
    assert_eq!(a.kind(), Some(ActionKind::Post));
    assert_eq!(a.rate_limit_scope(), RateLimitScope::Thread);
    assert_eq!(a.rate_limit_ms(), None);
    assert!(!a.kernel_stack_trace && !a.user_stack_trace && !a.ima_hash);
    assert_eq!(s.match_pids[0].op(), Some(SelectorOp::NotIn));
}

#[test]
fn list_tracepoint_uprobe_defaults() {
    let p = ok(FULL);
    assert_eq!(p.spec.lists[0].type_, "");
    assert_eq!(p.spec.lists[0].list_type(), Some(ListType::Plain));
    assert!(!p.spec.lists[0].validated && p.spec.lists[0].pattern.is_none());

    let t = ok("tracepoints:\n- subsystem: sched\n  event: sched_process_exec\n");
    assert!(!t.spec.tracepoints[0].raw, "raw defaults to false");

    let u = ok("uprobes:\n- path: /bin/bash\n  symbols: [readline]\n");
    assert!(!u.spec.uprobes[0].return_ && u.spec.uprobes[0].ignore.is_none());
}

#[test]
fn null_sections_are_empty() {
    let p = ok("kprobes:\n- call: f\n  args:\n  selectors:\n");
    assert!(p.spec.kprobes[0].args.is_empty());
    assert!(p.spec.kprobes[0].selectors.is_empty());
}

#[test]
fn scalar_values_may_be_unquoted() {
    // YAML integers where Tetragon expects strings are taken as written.
    let p = ok(&fd_install_with(
        "- matchArgs:\n  - index: 0\n    operator: Equal\n    values: [1, 0x10]\n",
    ));
    assert_eq!(
        p.spec.kprobes[0].selectors[0].match_args[0].values,
        ["1", "0x10"]
    );
    let p = ok("options:\n- name: disable-kprobe-multi\n  value: true\n");
    assert!(p.spec.parsed_options().disable_kprobe_multi);
}

#[test]
fn options_and_modes() {
    let p = ok(
        "options:\n- name: policy-mode\n  value: monitor\n- name: override-method\n  value: fmod-ret\n- name: sleepable-preload-size\n  value: '16'\n",
    );
    let o = p.spec.parsed_options();
    assert_eq!(o.policy_mode, Some(PolicyMode::Monitor));
    assert_eq!(o.override_method, Some(OverrideMethod::FmodRet));
    assert_eq!(o.sleepable_preload_size, Some(16));
    assert!(!o.disable_kprobe_multi && !o.disable_uprobe_multi);
    assert_eq!(p.policy_mode(), PolicyMode::Monitor);
    assert_eq!(ok(FULL).policy_mode(), PolicyMode::Enforce);
    assert!(!ok(FULL).has_enforcement_actions());
}

#[test]
fn hook_kind_and_lists() {
    let p = ok(
        "lists:\n- name: dups\n  type: syscalls\n  values: [sys_dup]\nkprobes:\n- call: list:dups\n",
    );
    assert_eq!(p.spec.hook_kind(), Some(HookKind::Kprobe));
    assert_eq!(p.spec.kprobes[0].call_list(), Some("dups"));
    assert_eq!(
        p.spec.list("dups").and_then(|l| l.list_type()),
        Some(ListType::Syscalls)
    );
    assert_eq!(ok("loader: true\n").spec.hook_kind(), None);
}

#[test]
fn serialisation_is_deterministic_and_round_trips() {
    let p = ok(&format!(
        "{FULL}selectorsMacros:\n  zz:\n    matchPIDs:\n    - operator: In\n      values: [1]\n  aa:\n    matchPIDs:\n    - operator: In\n      values: [2]\n"
    ));
    let y1 = serde_norway::to_string(&p).expect("serialise");
    let y2 = serde_norway::to_string(&p.clone()).expect("serialise");
    assert_eq!(y1, y2);
    // defaults are explicit in the output; macros are sorted
    assert!(y1.contains("syscall: true"), "{y1}");
    assert!(y1.contains("type: auto"), "{y1}");
    assert!(y1.find("aa:").expect("aa") < y1.find("zz:").expect("zz"));
    // what we write, we read back (and it still validates)
    let back = parse_str(&y1, "round-trip.yaml").expect("re-parse");
    let mut orig = p.clone();
    orig.source = back[0].source.clone();
    assert_eq!(back[0], orig);
}

#[test]
fn validate_policies_built_in_code() {
    let mut p: TracingPolicy = ok(FULL);
    assert!(validate(&p).is_ok());
    p.spec.kprobes[0].args.push(KProbeArg::new(7, "int"));
    let e = validate(&p).expect_err("index 7 is out of range");
    let e = &e.errors()[0];
    assert_eq!(e.path, "spec.kprobes[0].args[3].index");
    assert!(matches!(e.kind, ErrorKind::InvalidValue { .. }));
    assert_eq!(e.location.policy.as_deref(), Some("test"));
}
