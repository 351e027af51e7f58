//! One or more tests per validation rule; each asserts the error variant and
//! the field path, never just that parsing failed.

mod common;

use auspex_policy::{ErrorKind, load_file, parse_documents, parse_str};
use common::*;

// ---------------------------------------------------------------------------
// Schema (deserialisation) errors
// ---------------------------------------------------------------------------

#[test]
fn unknown_field_is_rejected_with_its_path_and_line() {
    let doc = policy_yaml(
        "
        kprobes:
        - call: fd_install
          syscall: false
          bogus: 1
        ",
    );
    let e = errs_doc(&doc);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].path, "spec.kprobes[0].bogus");
    let line = doc.lines().position(|l| l.contains("bogus")).expect("line") + 1;
    assert_eq!(e[0].location.line, Some(line));
    assert_eq!(e[0].location.column, Some(5));
    match &e[0].kind {
        ErrorKind::UnknownField { field, expected } => {
            assert_eq!(field, "bogus");
            assert!(expected.contains("call") && expected.contains("selectors"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_field_deep_in_a_selector() {
    let k = one(
        &fd_install_with(
            "
            - matchArgs:
              - index: 1
                operator: Equal
                value: [/etc/passwd]
            ",
        ),
        "spec.kprobes[0].selectors[0].matchArgs[0].value",
    );
    assert!(matches!(k, ErrorKind::UnknownField { ref field, .. } if field == "value"));
}

#[test]
fn unknown_top_level_and_metadata_fields() {
    let doc = "apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: x\n  lables: {}\nspec: {}\n";
    assert!(matches!(
        one_doc(doc, "metadata.lables"),
        ErrorKind::UnknownField { .. }
    ));
    let doc = "apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: x\nspec: {}\nstatus: {}\n";
    assert!(matches!(
        one_doc(doc, "status"),
        ErrorKind::UnknownField { .. }
    ));
}

#[test]
fn missing_required_field() {
    let k = one("kprobes:\n- syscall: false\n", "spec.kprobes[0]");
    assert_eq!(
        k,
        ErrorKind::MissingField {
            field: "call".into()
        }
    );
    let k = one(
        "kprobes:\n- call: f\n  syscall: false\n  args:\n  - type: int\n",
        "spec.kprobes[0].args[0]",
    );
    assert_eq!(
        k,
        ErrorKind::MissingField {
            field: "index".into()
        }
    );
}

#[test]
fn wrong_yaml_type() {
    let k = one(
        "kprobes:\n- call: f\n  syscall: yes\n",
        "spec.kprobes[0].syscall",
    );
    assert!(matches!(k, ErrorKind::InvalidType { ref message } if message.contains("boolean")));
    let k = one(
        "kprobes:\n- call: f\n  args:\n  - index: -1\n    type: int\n",
        "spec.kprobes[0].args[0].index",
    );
    assert!(matches!(k, ErrorKind::InvalidType { .. }));
}

#[test]
fn yaml_syntax_error_has_a_line() {
    let doc = "apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: x\nspec:\n  kprobes: [\n";
    let e = errs_doc(doc);
    assert_eq!(e.len(), 1);
    assert!(matches!(e[0].kind, ErrorKind::Yaml { .. }));
    assert!(e[0].location.line.is_some());
}

#[test]
fn unsupported_api_version() {
    let doc = "apiVersion: cilium.io/v1\nkind: TracingPolicy\nmetadata:\n  name: x\nspec: {}\n";
    let k = one_doc(doc, "apiVersion");
    assert_eq!(
        k,
        ErrorKind::UnsupportedApiVersion {
            value: "cilium.io/v1".into(),
            expected: "cilium.io/v1alpha1".into()
        }
    );
}

#[test]
fn metadata_name_rules() {
    let doc = "apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: My_Policy\nspec: {}\n";
    assert!(
        matches!(one_doc(doc, "metadata.name"), ErrorKind::InvalidName { ref value, .. } if value == "My_Policy")
    );
    let doc = "apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata: {}\nspec: {}\n";
    assert!(matches!(
        one_doc(doc, "metadata.name"),
        ErrorKind::InvalidName { .. }
    ));
    let doc = "apiVersion: cilium.io/v1alpha1\nkind: TracingPolicyNamespaced\nmetadata:\n  name: x\n  namespace: Kube.System\nspec: {}\n";
    assert!(matches!(
        one_doc(doc, "metadata.namespace"),
        ErrorKind::InvalidName { .. }
    ));
}

// ---------------------------------------------------------------------------
// Operators
// ---------------------------------------------------------------------------

#[test]
fn unknown_arg_operator() {
    let k = one(
        &fd_install_with(
            "- matchArgs:\n  - index: 1\n    operator: Equals\n    values: [/etc/passwd]\n",
        ),
        "spec.kprobes[0].selectors[0].matchArgs[0].operator",
    );
    match k {
        ErrorKind::UnknownOperator {
            value,
            selector,
            allowed,
        } => {
            assert_eq!(value, "Equals");
            assert_eq!(selector, "matchArgs");
            assert!(allowed.contains("Equal") && allowed.contains("NotPostfix"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn operator_case_rules() {
    // Tetragon accepts `eq` and `Equal`, not other casings.
    let k = one(
        &fd_install_with(
            "- matchArgs:\n  - index: 1\n    operator: EQUAL\n    values: [/etc/passwd]\n",
        ),
        "spec.kprobes[0].selectors[0].matchArgs[0].operator",
    );
    assert!(matches!(k, ErrorKind::UnknownOperator { .. }));
    ok(&fd_install_with(
        "- matchArgs:\n  - index: 1\n    operator: eq\n    values: [/etc/passwd]\n  - index: 0\n    operator: GreaterThan\n    values: ['3']\n",
    ));
}

#[test]
fn operators_are_checked_per_filter_kind() {
    let cases = [
        (
            "- matchPIDs:\n  - operator: Prefix\n    values: [1]\n",
            "matchPIDs[0].operator",
            "matchPIDs",
        ),
        (
            "- matchBinaries:\n  - operator: Equal\n    values: [/bin/sh]\n",
            "matchBinaries[0].operator",
            "matchBinaries",
        ),
        (
            "- matchParentBinaries:\n  - operator: Mask\n    values: [/bin/sh]\n",
            "matchParentBinaries[0].operator",
            "matchParentBinaries",
        ),
        (
            "- matchNamespaces:\n  - namespace: Pid\n    operator: Equal\n    values: [host_ns]\n",
            "matchNamespaces[0].operator",
            "matchNamespaces",
        ),
        (
            "- matchNamespaceChanges:\n  - operator: Prefix\n    values: [Mnt]\n",
            "matchNamespaceChanges[0].operator",
            "matchNamespaceChanges",
        ),
        (
            "- matchCapabilities:\n  - operator: Equal\n    values: [CAP_BPF]\n",
            "matchCapabilities[0].operator",
            "matchCapabilities",
        ),
        (
            "- matchCapabilityChanges:\n  - operator: GT\n    values: [CAP_BPF]\n",
            "matchCapabilityChanges[0].operator",
            "matchCapabilityChanges",
        ),
        (
            "- matchArgs:\n  - index: 0\n    operator: In\n    values: ['1']\n",
            "matchArgs[0].operator",
            "matchArgs",
        ),
    ];
    for (sel, path, kind) in cases {
        let k = one(
            &fd_install_with(sel),
            &format!("spec.kprobes[0].selectors[0].{path}"),
        );
        assert!(
            matches!(k, ErrorKind::UnknownOperator { ref selector, .. } if selector == kind),
            "{sel}: {k:?}"
        );
    }
    // Binary operators with their alternative spellings.
    ok(&fd_install_with(
        "- matchBinaries:\n  - operator: prefix\n    values: [/usr/]\n",
    ));
    ok(&fd_install_with(
        "- matchBinaries:\n  - operator: NotPostfix\n    values: [sh]\n",
    ));
}

#[test]
fn operator_must_fit_the_argument_type() {
    let cases = [
        // (arg index, operator, value) on fd_install(int, file)
        (0, "Prefix", "/x"),
        (0, "DAddr", "10.0.0.0/8"),
        (1, "Mask", "1"),
        (1, "GT", "1"),
        (1, "SPort", "80"),
        (0, "FileType", "reg"),
    ];
    for (idx, op, v) in cases {
        let sel =
            format!("- matchArgs:\n  - index: {idx}\n    operator: {op}\n    values: ['{v}']\n");
        let k = one(
            &fd_install_with(&sel),
            "spec.kprobes[0].selectors[0].matchArgs[0].operator",
        );
        assert!(
            matches!(k, ErrorKind::OperatorTypeMismatch { ref operator, .. } if operator == op),
            "{op} on index {idx}: {k:?}"
        );
    }
    // Opaque types cannot be filtered at all.
    let k = one(
        "kprobes:\n- call: commit_creds\n  syscall: false\n  args:\n  - index: 0\n    type: cred\n  selectors:\n  - matchArgs:\n    - index: 0\n      operator: Equal\n      values: ['0']\n",
        "spec.kprobes[0].selectors[0].matchArgs[0].operator",
    );
    assert!(
        matches!(k, ErrorKind::OperatorTypeMismatch { ref hint, .. } if hint.contains("cannot be filtered as a whole; declare the field to filter as an argument of its own with resolve"))
    );
    // sockaddr supports SAddr/SPort/Family, not DAddr.
    let k = one(
        "kprobes:\n- call: security_socket_connect\n  syscall: false\n  args:\n  - index: 1\n    type: sockaddr\n  selectors:\n  - matchArgs:\n    - index: 1\n      operator: DAddr\n      values: [10.0.0.1]\n",
        "spec.kprobes[0].selectors[0].matchArgs[0].operator",
    );
    assert!(matches!(k, ErrorKind::OperatorTypeMismatch { .. }));
    // `auto` types are resolved from BTF at load time: anything goes here.
    ok(
        "kprobes:\n- call: f\n  syscall: false\n  args:\n  - index: 0\n  selectors:\n  - matchArgs:\n    - index: 0\n      operator: Prefix\n      values: [/x]\n",
    );
}

// ---------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------

#[test]
fn values_are_required_except_for_priv_port_operators() {
    let k = one(
        &fd_install_with("- matchArgs:\n  - index: 1\n    operator: Equal\n"),
        "spec.kprobes[0].selectors[0].matchArgs[0].values",
    );
    assert!(matches!(k, ErrorKind::MissingRequired { ref field, .. } if field == "values"));
    ok(
        "kprobes:\n- call: tcp_connect\n  syscall: false\n  args:\n  - index: 0\n    type: sock\n  selectors:\n  - matchArgs:\n    - index: 0\n      operator: DPortPriv\n",
    );
}

#[test]
fn value_syntax_per_operator() {
    let sock = |op: &str, v: &str| {
        format!(
            "kprobes:\n- call: tcp_connect\n  syscall: false\n  args:\n  - index: 0\n    type: sock\n  selectors:\n  - matchArgs:\n    - index: 0\n      operator: {op}\n      values: ['{v}']\n"
        )
    };
    for (op, v) in [
        ("DAddr", "10.0.0.0/33"),
        ("NotSAddr", "${PODCIDR}"),
        ("SPort", "70000"),
        ("DPort", "90:80"),
        ("Protocol", "IPPROTO_FOO"),
        ("Family", "AF_NOPE"),
        ("State", "TCP_SYN_RECEIVED"),
    ] {
        let k = one(
            &sock(op, v),
            "spec.kprobes[0].selectors[0].matchArgs[0].values[0]",
        );
        assert!(
            matches!(k, ErrorKind::InvalidValue { ref value, .. } if value == v),
            "{op}: {k:?}"
        );
    }
    for (op, v) in [
        ("DAddr", "::1/128"),
        ("SPort", "1024:2048"),
        ("Protocol", "17"),
        ("Family", "AF_INET6"),
        ("State", "TCP_LISTEN"),
    ] {
        ok(&sock(op, v));
    }

    let int = |op: &str, v: &str| {
        fd_install_with(&format!(
            "- matchArgs:\n  - index: 0\n    operator: {op}\n    values: ['{v}']\n"
        ))
    };
    for (op, v) in [
        ("GT", "ten"),
        ("Equal", "0x"),
        ("Mask", "1.5"),
        ("InRange", "5:1"),
        ("InMap", "a:b"),
    ] {
        let k = one(
            &int(op, v),
            "spec.kprobes[0].selectors[0].matchArgs[0].values[0]",
        );
        assert!(
            matches!(k, ErrorKind::InvalidValue { .. }),
            "{op} {v}: {k:?}"
        );
    }
    for (op, v) in [
        ("GT", "0x10"),
        ("Equal", "-1"),
        ("Mask", "010"),
        ("InRange", "0:187904818"),
        ("InMap", "1:5"),
    ] {
        ok(&int(op, v));
    }
    // unsigned arguments reject negative values
    let k = one(
        "kprobes:\n- call: f\n  syscall: false\n  args:\n  - index: 0\n    type: uint32\n  selectors:\n  - matchArgs:\n    - index: 0\n      operator: Equal\n      values: ['-1']\n",
        "spec.kprobes[0].selectors[0].matchArgs[0].values[0]",
    );
    assert!(matches!(k, ErrorKind::InvalidValue { .. }));
    // capability sets accept CAP_* names
    ok(
        "kprobes:\n- call: security_capset\n  syscall: false\n  args:\n  - index: 2\n    type: cap_effective\n  selectors:\n  - matchArgs:\n    - index: 2\n      operator: NotEqual\n      values: [CAP_SYS_ADMIN, '0']\n",
    );
    // file types
    let k = one(
        &fd_install_with(
            "- matchArgs:\n  - index: 1\n    operator: FileType\n    values: [socketfile]\n",
        ),
        "spec.kprobes[0].selectors[0].matchArgs[0].values[0]",
    );
    assert!(matches!(k, ErrorKind::InvalidValue { .. }));
    ok(&fd_install_with(
        "- matchArgs:\n  - index: 1\n    operator: NotFileType\n    values: [reg, dir, pipe]\n",
    ));
}

#[test]
fn namespaces() {
    let k = one(
        &fd_install_with(
            "- matchNamespaces:\n  - namespace: Pidd\n    operator: In\n    values: [host_ns]\n",
        ),
        "spec.kprobes[0].selectors[0].matchNamespaces[0].namespace",
    );
    assert!(
        matches!(k, ErrorKind::UnknownNamespace { ref value, ref allowed } if value == "Pidd" && allowed.contains("TimeForChildren"))
    );
    for ns in [
        "Uts",
        "Ipc",
        "Mnt",
        "Pid",
        "PidForChildren",
        "Net",
        "Time",
        "TimeForChildren",
        "Cgroup",
        "User",
    ] {
        ok(&fd_install_with(&format!(
            "- matchNamespaces:\n  - namespace: {ns}\n    operator: NotIn\n    values: [host_ns, '4026531836']\n"
        )));
    }
    let k = one(
        &fd_install_with(
            "- matchNamespaces:\n  - namespace: Mnt\n    operator: In\n    values: [init]\n",
        ),
        "spec.kprobes[0].selectors[0].matchNamespaces[0].values[0]",
    );
    assert!(matches!(k, ErrorKind::InvalidValue { .. }));
    let k = one(
        &fd_install_with("- matchNamespaceChanges:\n  - operator: In\n    values: [Mount]\n"),
        "spec.kprobes[0].selectors[0].matchNamespaceChanges[0].values[0]",
    );
    assert!(matches!(k, ErrorKind::UnknownNamespace { .. }));
}

#[test]
fn capabilities() {
    let k = one(
        &fd_install_with(
            "- matchCapabilities:\n  - type: Effective\n    operator: In\n    values: [CAP_SYS_ADMIN, CAP_SUPERUSER]\n",
        ),
        "spec.kprobes[0].selectors[0].matchCapabilities[0].values[1]",
    );
    assert_eq!(
        k,
        ErrorKind::UnknownCapability {
            value: "CAP_SUPERUSER".into()
        }
    );
    let k = one(
        &fd_install_with(
            "- matchCapabilityChanges:\n  - type: Bounding\n    operator: In\n    values: [CAP_BPF]\n",
        ),
        "spec.kprobes[0].selectors[0].matchCapabilityChanges[0].type",
    );
    assert!(matches!(k, ErrorKind::InvalidValue { .. }));
}

#[test]
fn binaries_follow_children_only_with_in() {
    let k = one(
        &fd_install_with(
            "- matchBinaries:\n  - operator: Prefix\n    values: [/usr/bin]\n    followChildren: true\n",
        ),
        "spec.kprobes[0].selectors[0].matchBinaries[0].followChildren",
    );
    assert!(matches!(k, ErrorKind::Conflict { .. }));
}

// ---------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------

fn with_action(action: &str) -> String {
    fd_install_with(&format!(
        "- matchArgs:\n  - index: 1\n    operator: Equal\n    values: [/etc/passwd]\n  matchActions:\n{}",
        action
            .lines()
            .map(|l| format!("  {l}\n"))
            .collect::<String>()
    ))
}

const ACTION0: &str = "spec.kprobes[0].selectors[0].matchActions[0]";

#[test]
fn unknown_action() {
    let k = one(
        &with_action("- action: Kill\n"),
        &format!("{ACTION0}.action"),
    );
    assert!(
        matches!(k, ErrorKind::UnknownAction { ref value, ref allowed } if value == "Kill" && allowed.contains("Sigkill"))
    );
    // removed actions are unknown too
    let k = one(
        &with_action("- action: FollowFD\n"),
        &format!("{ACTION0}.action"),
    );
    assert!(matches!(k, ErrorKind::UnknownAction { .. }));
}

#[test]
fn action_names_are_case_insensitive() {
    let p = ok(&with_action("- action: sigkill\n- action: NOPOST\n"));
    let acts = &p.spec.kprobes[0].selectors[0].match_actions;
    assert_eq!(acts[0].kind(), Some(auspex_policy::ActionKind::Sigkill));
    assert_eq!(acts[1].kind(), Some(auspex_policy::ActionKind::NoPost));
}

#[test]
fn signal_requires_arg_sig() {
    let k = one(
        &with_action("- action: Signal\n"),
        &format!("{ACTION0}.argSig"),
    );
    assert!(
        matches!(k, ErrorKind::MissingActionParam { ref action, ref param, .. } if action == "Signal" && param == "argSig")
    );
    let k = one(
        &with_action("- action: Signal\n  argSig: 99\n"),
        &format!("{ACTION0}.argSig"),
    );
    assert!(matches!(k, ErrorKind::InvalidValue { .. }));
    ok(&with_action("- action: Signal\n  argSig: 9\n"));
}

#[test]
fn override_requires_arg_error() {
    let k = one(
        &with_action("- action: Override\n"),
        &format!("{ACTION0}.argError"),
    );
    assert!(matches!(k, ErrorKind::MissingActionParam { ref param, .. } if param == "argError"));
    ok(&with_action("- action: Override\n  argError: -1\n"));
}

#[test]
fn get_url_and_dns_lookup_require_their_targets() {
    let k = one(
        &with_action("- action: GetUrl\n"),
        &format!("{ACTION0}.argUrl"),
    );
    assert!(matches!(k, ErrorKind::MissingActionParam { ref param, .. } if param == "argUrl"));
    let k = one(
        &with_action("- action: GetUrl\n  argUrl: ebpf.io\n"),
        &format!("{ACTION0}.argUrl"),
    );
    assert!(matches!(k, ErrorKind::InvalidValue { .. }));
    let k = one(
        &with_action("- action: DnsLookup\n"),
        &format!("{ACTION0}.argFqdn"),
    );
    assert!(matches!(k, ErrorKind::MissingActionParam { ref param, .. } if param == "argFqdn"));
    let k = one(
        &with_action("- action: DnsLookup\n  argFqdn: http://x\n"),
        &format!("{ACTION0}.argFqdn"),
    );
    assert!(matches!(k, ErrorKind::InvalidValue { .. }));
}

#[test]
fn notify_enforcer_needs_enforcers_and_a_decision() {
    let k = one(
        &with_action("- action: NotifyEnforcer\n  argSig: 9\n"),
        &format!("{ACTION0}.action"),
    );
    assert!(matches!(k, ErrorKind::MissingRequired { ref field, .. } if field == "spec.enforcers"));
    let spec = format!(
        "enforcers:\n- calls: [sys_dup]\n{}",
        with_action("- action: NotifyEnforcer\n")
    );
    let k = one(&spec, ACTION0);
    assert!(matches!(k, ErrorKind::MissingActionParam { .. }));
}

#[test]
fn post_only_parameters() {
    let k = one(
        &with_action("- action: Sigkill\n  rateLimit: 1m\n"),
        &format!("{ACTION0}.rateLimit"),
    );
    assert!(matches!(k, ErrorKind::InvalidActionParam { ref param, .. } if param == "rateLimit"));
    let k = one(
        &with_action("- action: NoPost\n  kernelStackTrace: true\n"),
        &format!("{ACTION0}.kernelStackTrace"),
    );
    assert!(matches!(k, ErrorKind::InvalidActionParam { .. }));
    let k = one(
        &with_action("- action: Post\n  rateLimit: 5d\n"),
        &format!("{ACTION0}.rateLimit"),
    );
    assert_eq!(k, ErrorKind::InvalidRateLimit { value: "5d".into() });
    let k = one(
        &with_action("- action: Post\n  rateLimitScope: cluster\n"),
        &format!("{ACTION0}.rateLimitScope"),
    );
    assert!(matches!(k, ErrorKind::InvalidValue { .. }));
    let p = ok(&with_action(
        "- action: Post\n  rateLimit: 5\n  rateLimitScope: process\n  userStackTrace: true\n",
    ));
    let a = &p.spec.kprobes[0].selectors[0].match_actions[0];
    assert_eq!(a.rate_limit_ms(), Some(5_000));
    assert_eq!(a.rate_limit_scope(), auspex_policy::RateLimitScope::Process);
}

#[test]
fn sock_tracking_refers_to_a_declared_argument() {
    let k = one(
        &with_action("- action: UntrackSock\n  argSock: 4\n"),
        &format!("{ACTION0}.argSock"),
    );
    assert!(matches!(k, ErrorKind::UndeclaredArgument { index: 4, .. }));
    ok(&with_action("- action: TrackSock\n  argSock: 1\n"));
}

#[test]
fn set_is_for_usdts_and_needs_index_and_value() {
    let k = one(
        &with_action("- action: Set\n  argIndex: 0\n  argValue: 1\n"),
        &format!("{ACTION0}.action"),
    );
    assert!(matches!(k, ErrorKind::ActionNotAllowed { .. }));
    let usdt = |action: &str| {
        format!(
            "usdts:\n- path: /bin/app\n  provider: p\n  name: n\n  args:\n  - index: 0\n    type: int32\n  selectors:\n  - matchActions:\n{action}"
        )
    };
    let k = one(
        &usdt("    - action: Set\n      argIndex: 0\n"),
        "spec.usdts[0].selectors[0].matchActions[0].argValue",
    );
    assert!(matches!(k, ErrorKind::MissingActionParam { ref param, .. } if param == "argValue"));
    let k = one(
        &usdt("    - action: Set\n      argIndex: 3\n      argValue: 1\n"),
        "spec.usdts[0].selectors[0].matchActions[0].argIndex",
    );
    assert!(matches!(k, ErrorKind::UndeclaredArgument { .. }));
    ok(&usdt(
        "    - action: Set\n      argIndex: 0\n      argValue: 32\n",
    ));
}

#[test]
fn lsm_hooks_restrict_actions_and_return_filters() {
    let lsm = |sel: &str| {
        format!(
            "lsmhooks:\n- hook: file_open\n  args:\n  - index: 0\n    type: file\n  selectors:\n{sel}"
        )
    };
    let k = one(
        &lsm("  - matchActions:\n    - action: GetUrl\n      argUrl: http://x\n"),
        "spec.lsmhooks[0].selectors[0].matchActions[0].action",
    );
    assert!(
        matches!(k, ErrorKind::ActionNotAllowed { ref allowed, .. } if allowed.contains("Override"))
    );
    let k = one(
        &lsm("  - matchReturnArgs:\n    - index: 0\n      operator: Equal\n      values: ['0']\n"),
        "spec.lsmhooks[0].selectors[0].matchReturnArgs",
    );
    assert!(matches!(k, ErrorKind::SelectorNotAllowed { .. }));
    let k = one(
        "lsmhooks:\n- hook: security_file_open\n",
        "spec.lsmhooks[0].hook",
    );
    assert!(matches!(k, ErrorKind::InvalidValue { .. }));
    ok(&lsm(
        "  - matchActions:\n    - action: Override\n      argError: -1\n    - action: Post\n      imaHash: true\n",
    ));
}

#[test]
fn fentries_have_no_enforcement_and_tracepoints_no_override() {
    let k = one(
        "fentries:\n- call: f\n  syscall: false\n  selectors:\n  - matchActions:\n    - action: Sigkill\n",
        "spec.fentries[0].selectors[0].matchActions[0].action",
    );
    assert!(matches!(k, ErrorKind::ActionNotAllowed { .. }));
    let k = one(
        "tracepoints:\n- subsystem: raw_syscalls\n  event: sys_enter\n  selectors:\n  - matchActions:\n    - action: Override\n      argError: -1\n",
        "spec.tracepoints[0].selectors[0].matchActions[0].action",
    );
    assert!(matches!(k, ErrorKind::ActionNotAllowed { .. }));
}

#[test]
fn uprobe_override_targets() {
    let up = |action: &str| {
        format!(
            "uprobes:\n- path: /bin/x\n  symbols: [hello]\n  selectors:\n  - matchActions:\n{action}"
        )
    };
    ok(&up("    - action: Override\n      argNewSymbol: hello2\n"));
    ok(&up("    - action: Override\n      argRegs: ['rax=1']\n"));
    let k = one(
        &up("    - action: Override\n      argNewSymbol: a\n      argNewAddr: 4096\n"),
        "spec.uprobes[0].selectors[0].matchActions[0]",
    );
    assert!(matches!(k, ErrorKind::Conflict { .. }));
    let k = one(
        &up("    - action: Override\n"),
        "spec.uprobes[0].selectors[0].matchActions[0].argError",
    );
    assert!(matches!(k, ErrorKind::MissingActionParam { .. }));
    let k = one(
        &with_action("- action: Override\n  argError: -1\n  argNewSymbol: x\n"),
        &format!("{ACTION0}.argNewSymbol"),
    );
    assert!(matches!(k, ErrorKind::InvalidActionParam { .. }));
}

// ---------------------------------------------------------------------------
// Arguments and index references
// ---------------------------------------------------------------------------

#[test]
fn unknown_argument_type() {
    let k = one(
        "kprobes:\n- call: f\n  args:\n  - index: 0\n    type: filepath\n",
        "spec.kprobes[0].args[0].type",
    );
    assert!(
        matches!(k, ErrorKind::UnknownArgType { ref value, ref allowed } if value == "filepath" && allowed.contains("linux_binprm"))
    );
    let k = one(
        "kprobes:\n- call: f\n  return: true\n  returnArg:\n    index: 0\n    type: integer\n",
        "spec.kprobes[0].returnArg.type",
    );
    assert!(matches!(k, ErrorKind::UnknownArgType { .. }));
}

#[test]
fn argument_index_range() {
    let k = one(
        "kprobes:\n- call: f\n  args:\n  - index: 5\n    type: int\n",
        "spec.kprobes[0].args[0].index",
    );
    assert!(matches!(k, ErrorKind::InvalidValue { .. }));
    // tracepoint args use format-file field indexes, which go beyond 4
    ok(
        "tracepoints:\n- subsystem: raw_syscalls\n  event: sys_enter\n  args:\n  - index: 5\n    type: uint64\n",
    );
}

#[test]
fn match_args_must_refer_to_a_declared_argument() {
    let k = one(
        &fd_install_with("- matchArgs:\n  - index: 2\n    operator: Equal\n    values: ['1']\n"),
        "spec.kprobes[0].selectors[0].matchArgs[0].index",
    );
    match k {
        ErrorKind::UndeclaredArgument {
            index, declared, ..
        } => {
            assert_eq!(index, 2);
            assert_eq!(declared, "index 0 (int), index 1 (file)");
        }
        other => panic!("{other:?}"),
    }
    let k = one(
        &fd_install_with("- matchArgs:\n  - args: [3]\n    operator: Equal\n    values: ['1']\n"),
        "spec.kprobes[0].selectors[0].matchArgs[0].args[0]",
    );
    assert!(matches!(k, ErrorKind::UndeclaredArgument { index: 3, .. }));
    // positional reference to a declared entry
    ok(&fd_install_with(
        "- matchArgs:\n  - args: [1]\n    operator: Prefix\n    values: [/etc]\n",
    ));
}

#[test]
fn match_data_refers_to_data_entries() {
    let base = "kprobes:\n- call: sys_setuid\n  args:\n  - index: 0\n    type: int\n";
    let k = one(
        &format!(
            "{base}  selectors:\n  - matchData:\n    - index: 0\n      operator: Equal\n      values: ['1']\n"
        ),
        "spec.kprobes[0].selectors[0].matchData[0].index",
    );
    assert!(
        matches!(k, ErrorKind::UndeclaredArgument { ref target, .. } if target == "data entry")
    );
    ok(&format!(
        "{base}  data:\n  - index: 0\n    type: uint32\n    source: current_task\n    resolve: loginuid.val\n  selectors:\n  - matchData:\n    - args: [0]\n      operator: NotEqual\n      values: ['1000']\n"
    ));
    let k = one(
        "tracepoints:\n- subsystem: s\n  event: e\n  args:\n  - index: 4\n    type: int\n  selectors:\n  - matchData:\n    - index: 0\n      operator: Equal\n      values: ['1']\n",
        "spec.tracepoints[0].selectors[0].matchData",
    );
    assert!(matches!(k, ErrorKind::SelectorNotAllowed { .. }));
}

#[test]
fn tracepoint_filters_by_field_index_or_position() {
    let tp = |idx: u32| {
        format!(
            "tracepoints:\n- subsystem: raw_syscalls\n  event: sys_enter\n  args:\n  - index: 4\n    type: syscall64\n  selectors:\n  - matchArgs:\n    - index: {idx}\n      operator: Equal\n      values: ['59']\n"
        )
    };
    ok(&tp(0));
    ok(&tp(4));
    let k = one(
        &tp(2),
        "spec.tracepoints[0].selectors[0].matchArgs[0].index",
    );
    assert!(matches!(k, ErrorKind::UndeclaredArgument { .. }));
}

#[test]
fn size_arg_index_must_point_at_a_declared_argument() {
    let k = one(
        "kprobes:\n- call: sys_write\n  args:\n  - index: 0\n    type: fd\n  - index: 1\n    type: char_buf\n    sizeArgIndex: 4\n",
        "spec.kprobes[0].args[1].sizeArgIndex",
    );
    assert!(matches!(k, ErrorKind::UndeclaredArgument { index: 4, .. }));
}

#[test]
fn data_sources_and_resolve() {
    let k = one(
        "kprobes:\n- call: f\n  data:\n  - index: 0\n    type: int\n    source: current\n    resolve: pid\n",
        "spec.kprobes[0].data[0].source",
    );
    assert!(matches!(k, ErrorKind::InvalidValue { .. }));
    let k = one(
        "kprobes:\n- call: f\n  data:\n  - index: 0\n    type: int\n    source: current_task\n",
        "spec.kprobes[0].data[0].resolve",
    );
    assert!(matches!(k, ErrorKind::MissingRequired { ref field, .. } if field == "resolve"));
    let k = one(
        "kprobes:\n- call: f\n  args:\n  - index: 0\n    type: int\n    source: current_task\n    resolve: pid\n",
        "spec.kprobes[0].args[0].source",
    );
    assert!(matches!(k, ErrorKind::InvalidValue { .. }));
    let k = one(
        "lsmhooks:\n- hook: bprm_check_security\n  args:\n  - index: 0\n    type: string\n    resolve: mm..comm\n",
        "spec.lsmhooks[0].args[0].resolve",
    );
    assert!(matches!(k, ErrorKind::InvalidValue { .. }));
}

#[test]
fn return_probe_rules() {
    let k = one(
        "kprobes:\n- call: f\n  return: true\n",
        "spec.kprobes[0].returnArg",
    );
    assert!(matches!(k, ErrorKind::MissingRequired { ref field, .. } if field == "returnArg"));
    let k = one(
        "kprobes:\n- call: f\n  returnArg:\n    index: 0\n    type: int\n  selectors:\n  - matchReturnArgs:\n    - index: 0\n      operator: Equal\n      values: ['0']\n",
        "spec.kprobes[0].selectors[0].matchReturnArgs",
    );
    assert!(matches!(k, ErrorKind::SelectorNotAllowed { .. }));
    let k = one(
        "kprobes:\n- call: f\n  return: true\n  returnArg:\n    index: 0\n    type: int\n  selectors:\n  - matchReturnArgs:\n    - index: 1\n      operator: Equal\n      values: ['0']\n",
        "spec.kprobes[0].selectors[0].matchReturnArgs[0].index",
    );
    assert!(
        matches!(k, ErrorKind::UndeclaredArgument { ref target, .. } if target == "return argument")
    );
    let k = one(
        "kprobes:\n- call: sk_alloc\n  returnArg:\n    index: 0\n    type: sock\n  returnArgAction: TrackSock\n",
        "spec.kprobes[0].returnArgAction",
    );
    assert!(matches!(k, ErrorKind::Conflict { .. }));
    let k = one(
        "kprobes:\n- call: sk_alloc\n  return: true\n  returnArg:\n    index: 0\n    type: sock\n  returnArgAction: Sigkill\n",
        "spec.kprobes[0].returnArgAction",
    );
    assert!(matches!(k, ErrorKind::InvalidValue { .. }));
    let k = one(
        "kprobes:\n- call: f\n  selectors:\n  - matchReturnActions:\n    - action: Post\n",
        "spec.kprobes[0].selectors[0].matchReturnActions",
    );
    assert!(matches!(k, ErrorKind::SelectorNotAllowed { .. }));
}

// ---------------------------------------------------------------------------
// Limits (§4.10)
// ---------------------------------------------------------------------------

fn limit_of(k: &ErrorKind) -> (usize, usize) {
    match k {
        ErrorKind::LimitExceeded { limit, actual, .. } => (*limit, *actual),
        other => panic!("expected LimitExceeded, got {other:?}"),
    }
}

#[test]
fn limit_selectors_per_hook() {
    let sel = "- matchBinaries:\n  - operator: In\n    values: [/bin/sh]\n".repeat(6);
    let k = one(&fd_install_with(&sel), "spec.kprobes[0].selectors");
    assert_eq!(limit_of(&k), (5, 6));
}

#[test]
fn limit_actions_per_selector() {
    let k = one(
        &with_action(
            "- action: Post\n- action: NoPost\n- action: Sigkill\n- action: Signal\n  argSig: 9\n",
        ),
        "spec.kprobes[0].selectors[0].matchActions",
    );
    assert_eq!(limit_of(&k), (3, 4));
}

#[test]
fn limit_arg_filters_per_selector() {
    let f = "  - index: 0\n    operator: Equal\n    values: ['1']\n".repeat(6);
    let k = one(
        &fd_install_with(&format!("- matchArgs:\n{f}")),
        "spec.kprobes[0].selectors[0].matchArgs",
    );
    assert_eq!(limit_of(&k), (5, 6));
}

#[test]
fn limit_int_values() {
    let k = one(
        &fd_install_with(
            "- matchArgs:\n  - index: 0\n    operator: Equal\n    values: ['1','2','3','4','5']\n",
        ),
        "spec.kprobes[0].selectors[0].matchArgs[0].values",
    );
    assert_eq!(limit_of(&k), (4, 5));
    // string Equal is hash-based: no count limit
    ok(&fd_install_with(
        "- matchArgs:\n  - index: 1\n    operator: Equal\n    values: [/a, /b, /c, /d, /e, /f, /g, /h, /i]\n",
    ));
    let k = one(
        &fd_install_with(
            "- matchArgs:\n  - index: 0\n    operator: InRange\n    values: ['1:2','3:4','5:6','7:8','9:10']\n",
        ),
        "spec.kprobes[0].selectors[0].matchArgs[0].values",
    );
    assert_eq!(limit_of(&k), (4, 5));
}

#[test]
fn limit_pids_binaries_namespaces() {
    let k = one(
        &fd_install_with("- matchPIDs:\n  - operator: In\n    values: [1, 2, 3, 4, 5]\n"),
        "spec.kprobes[0].selectors[0].matchPIDs[0].values",
    );
    assert_eq!(limit_of(&k), (4, 5));
    let k = one(
        &fd_install_with(
            "- matchBinaries:\n  - operator: In\n    values: [/a]\n  - operator: In\n    values: [/b]\n",
        ),
        "spec.kprobes[0].selectors[0].matchBinaries",
    );
    assert_eq!(limit_of(&k), (1, 2));
    let k = one(
        &fd_install_with(
            "- matchNamespaceChanges:\n  - operator: In\n    values: [Mnt]\n  - operator: In\n    values: [Pid]\n",
        ),
        "spec.kprobes[0].selectors[0].matchNamespaceChanges",
    );
    assert_eq!(limit_of(&k), (1, 2));
    let k = one(
        &fd_install_with(
            "- matchNamespaces:\n  - namespace: Pid\n    operator: In\n    values: ['1','2','3','4','5']\n",
        ),
        "spec.kprobes[0].selectors[0].matchNamespaces[0].values",
    );
    assert_eq!(limit_of(&k), (4, 5));
}

#[test]
fn limit_args_and_tags_per_hook() {
    let args = (0..5)
        .map(|i| format!("  - index: {i}\n    type: int\n"))
        .collect::<String>();
    let k = one(
        &format!(
            "kprobes:\n- call: f\n  args:\n{args}  data:\n  - index: 0\n    type: int\n    source: current_task\n    resolve: pid\n"
        ),
        "spec.kprobes[0].data",
    );
    assert_eq!(limit_of(&k), (5, 6));
    let tags = (0..17).map(|i| format!("  - t{i}\n")).collect::<String>();
    let k = one(
        &format!("kprobes:\n- call: f\n  tags:\n{tags}"),
        "spec.kprobes[0].tags",
    );
    assert_eq!(limit_of(&k), (16, 17));
}

#[test]
fn limit_string_lengths() {
    let long = |n: usize| "a".repeat(n);
    let sel = |op: &str, v: &str| {
        fd_install_with(&format!(
            "- matchArgs:\n  - index: 1\n    operator: {op}\n    values: ['{v}']\n"
        ))
    };
    let p0 = "spec.kprobes[0].selectors[0].matchArgs[0].values[0]";
    for (op, max) in [
        ("Prefix", 256),
        ("NotPostfix", 127),
        ("SubString", 99),
        ("Equal", 4096),
    ] {
        ok(&sel(op, &long(max)));
        let k = one(&sel(op, &long(max + 1)), p0);
        assert!(
            matches!(k, ErrorKind::ValueTooLong { len, max: m, .. } if len == max + 1 && m == max),
            "{op}: {k:?}"
        );
    }
    let k = one(
        &fd_install_with(&format!(
            "- matchBinaries:\n  - operator: In\n    values: ['/{}']\n",
            long(255)
        )),
        "spec.kprobes[0].selectors[0].matchBinaries[0].values[0]",
    );
    assert!(matches!(k, ErrorKind::ValueTooLong { max: 255, .. }));
}

#[test]
fn limit_cel_expressions_per_policy() {
    let hook = |i: usize| {
        format!(
            "- call: f{i}\n  syscall: false\n  args:\n  - index: 0\n    type: int\n  selectors:\n  - matchArgs:\n    - index: 0\n      operator: CelExpr\n      values: ['arg0 > 1']\n"
        )
    };
    let k = one(
        &format!("kprobes:\n{}", (0..9).map(hook).collect::<String>()),
        "spec",
    );
    assert_eq!(limit_of(&k), (8, 9));
}

#[test]
fn limit_substrings_and_follow_children_per_policy() {
    let values = (0..101)
        .map(|i| format!("'s{i}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let k = one(
        &fd_install_with(&format!(
            "- matchArgs:\n  - index: 1\n    operator: SubString\n    values: [{values}]\n"
        )),
        "spec",
    );
    assert_eq!(limit_of(&k), (100, 101));

    let sel = "  - matchBinaries:\n    - operator: In\n      values: [/bin/sh]\n      followChildren: true\n".repeat(5);
    let hooks = (0..13)
        .map(|i| format!("- call: f{i}\n  syscall: false\n  selectors:\n{sel}"))
        .collect::<String>();
    let k = one(&format!("kprobes:\n{hooks}"), "spec");
    assert_eq!(limit_of(&k), (64, 65));
}

#[test]
fn limit_namespace_filters_per_selector() {
    let f = "  - namespace: Pid\n    operator: In\n    values: [host_ns]\n".repeat(11);
    let k = one(
        &fd_install_with(&format!("- matchNamespaces:\n{f}")),
        "spec.kprobes[0].selectors[0].matchNamespaces",
    );
    assert_eq!(limit_of(&k), (10, 11));
}

#[test]
fn message_and_messages_too_short() {
    let k = one(
        "kprobes:\n- call: f\n  message: x\n",
        "spec.kprobes[0].message",
    );
    assert!(matches!(k, ErrorKind::InvalidValue { .. }));
}

// ---------------------------------------------------------------------------
// Lists, enforcers, macros, options
// ---------------------------------------------------------------------------

#[test]
fn list_references_must_exist() {
    let k = one("kprobes:\n- call: list:nope\n", "spec.kprobes[0].call");
    assert_eq!(
        k,
        ErrorKind::UnknownList {
            name: "nope".into(),
            defined: "none".into()
        }
    );
    let k = one(
        "lists:\n- name: dups\n  type: syscalls\n  values: [sys_dup]\nenforcers:\n- calls: [list:dupz]\n",
        "spec.enforcers[0].calls[0]",
    );
    assert!(matches!(k, ErrorKind::UnknownList { ref defined, .. } if defined == "dups"));
    let tp = |list: &str| {
        format!(
            "lists:\n- name: dups\n  type: syscalls\n  values: [sys_dup]\n- name: plain\n  values: ['1']\ntracepoints:\n- subsystem: raw_syscalls\n  event: sys_enter\n  args:\n  - index: 4\n    type: syscall64\n  selectors:\n  - matchArgs:\n    - index: 0\n      operator: InMap\n      values: ['list:{list}']\n"
        )
    };
    ok(&tp("dups"));
    let p0 = "spec.tracepoints[0].selectors[0].matchArgs[0].values[0]";
    assert!(matches!(
        one(&tp("missing"), p0),
        ErrorKind::UnknownList { .. }
    ));
    assert!(matches!(
        one(&tp("plain"), p0),
        ErrorKind::ListTypeMismatch { .. }
    ));
}

#[test]
fn list_definitions() {
    let k = one(
        "lists:\n- name: a\n  type: functions\n  values: [x]\n",
        "spec.lists[0].type",
    );
    assert!(matches!(k, ErrorKind::InvalidValue { .. }));
    let k = one(
        "lists:\n- name: a\n  type: generated_syscalls\n  values: [sys_dup]\n",
        "spec.lists[0].values",
    );
    assert!(matches!(k, ErrorKind::Conflict { .. }));
    let k = one(
        "lists:\n- name: a\n  type: generated_ftrace\n",
        "spec.lists[0].pattern",
    );
    assert!(matches!(k, ErrorKind::MissingRequired { .. }));
    let k = one(
        "lists:\n- name: a\n  type: syscalls\n  values: [sys_dup]\n  pattern: x\n",
        "spec.lists[0].pattern",
    );
    assert!(matches!(k, ErrorKind::Conflict { .. }));
    let k = one(
        "lists:\n- name: a\n  type: generated_ftrace\n  pattern: \"ksys_(\"\n",
        "spec.lists[0].pattern",
    );
    assert!(
        matches!(&k, ErrorKind::InvalidValue { value, expected } if value == "ksys_(" && expected.contains("regular expression")),
        "{k:?}"
    );
    let k = one(
        "lists:\n- name: a\n  type: syscalls\n",
        "spec.lists[0].values",
    );
    assert!(matches!(k, ErrorKind::MissingRequired { .. }));
    let k = one(
        "lists:\n- name: a\n  type: syscalls\n  values: ['sys dup']\n",
        "spec.lists[0].values[0]",
    );
    assert!(matches!(k, ErrorKind::InvalidValue { .. }));
    let k = one(
        "lists:\n- name: a\n  type: syscalls\n  values: [sys_dup]\n- name: a\n  type: generated_syscalls\n",
        "spec.lists[1].name",
    );
    assert_eq!(
        k,
        ErrorKind::DuplicateName {
            what: "list".into(),
            name: "a".into()
        }
    );
}

#[test]
fn selectors_macros() {
    let base = "selectorsMacros:\n  bash:\n    matchBinaries:\n    - operator: In\n      values: [/bin/bash]\n  kill:\n    matchActions:\n    - action: Sigkill\n    - action: NoPost\n";
    let p = ok(&format!(
        "{base}{}",
        fd_install_with("- macros: [bash, kill]\n")
    ));
    let sel = p.spec.expand_selector(&p.spec.kprobes[0].selectors[0]);
    assert_eq!(sel.match_binaries.len(), 1);
    assert_eq!(sel.match_actions.len(), 2);
    assert!(p.has_enforcement_actions());

    let k = one(
        &format!("{base}{}", fd_install_with("- macros: [bash, zsh]\n")),
        "spec.kprobes[0].selectors[0].macros[1]",
    );
    assert!(
        matches!(k, ErrorKind::UnknownMacro { ref name, ref defined } if name == "zsh" && defined == "bash, kill")
    );

    // limits apply after merging
    let k = one(
        &format!(
            "{base}{}",
            fd_install_with(
                "- macros: [kill]\n  matchActions:\n  - action: Post\n  - action: Signal\n    argSig: 1\n"
            )
        ),
        "spec.kprobes[0].selectors[0].matchActions",
    );
    assert_eq!(limit_of(&k), (3, 4));

    // a problem inside a macro is reported at the macro, once
    let k = one(
        "selectorsMacros:\n  m:\n    matchArgs:\n    - index: 0\n      operator: Equals\n      values: ['1']\n",
        "spec.selectorsMacros.m.matchArgs[0].operator",
    );
    assert!(matches!(k, ErrorKind::UnknownOperator { .. }));

    // hook-dependent problems of a macro are found through the hook using it
    let k = one(
        &format!(
            "selectorsMacros:\n  m:\n    matchArgs:\n    - index: 3\n      operator: Equal\n      values: ['1']\n{}",
            fd_install_with("- macros: [m]\n")
        ),
        "spec.selectorsMacros.m.matchArgs[0].index",
    );
    assert!(matches!(k, ErrorKind::UndeclaredArgument { index: 3, .. }));

    let k = one(
        "selectorsMacros:\n  a:\n    macros: [b]\n  b:\n    matchPIDs:\n    - operator: In\n      values: [1]\n",
        "spec.selectorsMacros.a.macros",
    );
    assert!(matches!(k, ErrorKind::Conflict { .. }));
}

#[test]
fn options() {
    for (name, value) in [
        ("disable-kprobe-multi", "maybe"),
        ("policy-mode", "audit"),
        ("override-method", "kprobe"),
        ("sleepable-preload-size", "0"),
    ] {
        let k = one(
            &format!("options:\n- name: {name}\n  value: {value}\n"),
            "spec.options[0].value",
        );
        assert!(
            matches!(k, ErrorKind::InvalidOption { name: ref n, .. } if n == name),
            "{name}"
        );
    }
    // unknown options are ignored, like Tetragon
    ok("options:\n- name: some-future-option\n  value: whatever\n");
}

// ---------------------------------------------------------------------------
// Kinds, scoping, hook sections
// ---------------------------------------------------------------------------

#[test]
fn namespaced_policy_cannot_select_hosts() {
    let doc = policy_yaml_kind(
        "TracingPolicyNamespaced",
        "hostSelector: {}\nkprobes:\n- call: f\n",
    );
    assert!(matches!(
        one_doc(&doc, "spec.hostSelector"),
        ErrorKind::Conflict { .. }
    ));
    // a cluster policy may use {}, but not labels
    ok("hostSelector: {}\nkprobes:\n- call: f\n");
    let k = one("hostSelector:\n  matchLabels: {}\n", "spec.hostSelector");
    assert!(matches!(k, ErrorKind::Conflict { .. }));
}

#[test]
fn namespaced_policy_without_namespace_is_accepted() {
    let doc = policy_yaml_kind("TracingPolicyNamespaced", "kprobes:\n- call: f\n");
    let p = parse_str(&doc, "t.yaml").expect("valid");
    assert_eq!(p[0].namespace(), None);
    let doc = doc.replace("  name: test\n", "  name: test\n  namespace: prod\n");
    let p = parse_str(&doc, "t.yaml").expect("valid");
    assert_eq!(p[0].namespace(), Some("prod"));
}

#[test]
fn selectors_for_k8s_scoping() {
    let k = one(
        "containerSelector:\n  matchLabels:\n    app: x\n",
        "spec.containerSelector.matchLabels.app",
    );
    assert!(matches!(k, ErrorKind::InvalidValue { .. }));
    let k = one(
        "podSelector:\n  matchExpressions:\n  - key: app\n    operator: Like\n    values: [x]\n",
        "spec.podSelector.matchExpressions[0].operator",
    );
    assert!(matches!(k, ErrorKind::UnknownOperator { .. }));
    let k = one(
        "podSelector:\n  matchExpressions:\n  - key: app\n    operator: In\n",
        "spec.podSelector.matchExpressions[0].values",
    );
    assert!(matches!(k, ErrorKind::MissingRequired { .. }));
    ok(
        "podSelector:\n  matchLabels:\n    app: web\ncontainerSelector:\n  matchExpressions:\n  - key: name\n    operator: NotIn\n    values: [istio-proxy]\nkprobes:\n- call: f\n",
    );
}

#[test]
fn one_hook_section_per_policy() {
    let k = one(
        "kprobes:\n- call: f\nlsmhooks:\n- hook: file_open\n",
        "spec",
    );
    assert!(
        matches!(k, ErrorKind::Conflict { ref message } if message.contains("kprobes, lsmhooks"))
    );
}

#[test]
fn uprobe_targets() {
    let k = one("uprobes:\n- path: /bin/bash\n", "spec.uprobes[0].symbols");
    assert!(matches!(k, ErrorKind::MissingRequired { .. }));
    let k = one(
        "uprobes:\n- path: /bin/bash\n  symbols: [main]\n  offsets: [16]\n",
        "spec.uprobes[0]",
    );
    assert!(matches!(k, ErrorKind::Conflict { .. }));
    let k = one(
        "uprobes:\n- path: /bin/bash\n  symbols: [main, readline]\n  refCtrOffsets: [1]\n",
        "spec.uprobes[0].refCtrOffsets",
    );
    assert!(matches!(k, ErrorKind::Conflict { .. }));
    let k = one(
        "uprobes:\n- path: /bin/bash\n  symbols: [main]\n  return: true\n",
        "spec.uprobes[0].returnArg",
    );
    assert!(matches!(k, ErrorKind::MissingRequired { .. }));
}

// ---------------------------------------------------------------------------
// Collection of errors, multi-document files, display
// ---------------------------------------------------------------------------

#[test]
fn all_errors_are_collected() {
    let e = errs(
        "
        lists:
        - name: l
          type: bogus
        kprobes:
        - call: list:missing
          args:
          - index: 0
            type: int
          - index: 1
            type: strng
          selectors:
          - matchArgs:
            - index: 0
              operator: Equals
              values: ['1']
            matchActions:
            - action: Signal
        ",
    );
    let paths: Vec<String> = e.iter().map(|e| e.path.to_string()).collect();
    assert_eq!(
        paths,
        [
            "spec.lists[0].type",
            "spec.kprobes[0].call",
            "spec.kprobes[0].args[1].type",
            "spec.kprobes[0].selectors[0].matchArgs[0].operator",
            "spec.kprobes[0].selectors[0].matchActions[0].argSig",
        ]
    );
    assert!(matches!(e[0].kind, ErrorKind::InvalidValue { .. }));
    assert!(matches!(e[1].kind, ErrorKind::UnknownList { .. }));
    assert!(matches!(e[2].kind, ErrorKind::UnknownArgType { .. }));
    assert!(matches!(e[3].kind, ErrorKind::UnknownOperator { .. }));
    assert!(matches!(e[4].kind, ErrorKind::MissingActionParam { .. }));
}

#[test]
fn multi_document_files() {
    let good = policy_yaml("kprobes:\n- call: f\n");
    let bad =
        policy_yaml("kprobes:\n- call: f\n  bogus: 1\n").replace("name: test", "name: second");
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n";
    let src = format!("---\n{good}---\n{pod}---\n{bad}");
    let e = errs_doc(&src);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].location.document, 2);
    assert_eq!(e[0].location.policy.as_deref(), Some("second"));
    // line numbers are those of the file, not of the document
    let expected_line = src.lines().position(|l| l.contains("bogus")).expect("line") + 1;
    assert_eq!(e[0].location.line, Some(expected_line));
    assert_eq!(e[0].path, "spec.kprobes[0].bogus");

    let parsed = parse_documents(&format!("{good}---\n{pod}---\n{good}"), "t.yaml").expect("valid");
    assert_eq!(parsed.policies.len(), 2);
    assert_eq!(parsed.skipped.len(), 1);
    assert_eq!(parsed.skipped[0].kind.as_deref(), Some("Pod"));
    assert_eq!(parsed.skipped[0].document, 1);
    assert_eq!(parsed.policies[1].source.document, 2);
    assert_eq!(parsed.policies[1].source.file, "t.yaml");
}

#[test]
fn error_display_names_file_path_value_and_allowed() {
    let e = errs(&fd_install_with(
        "- matchArgs:\n  - index: 1\n    operator: Equals\n    values: [/etc/passwd]\n",
    ));
    let s = e[0].to_string();
    assert!(
        s.starts_with("t.yaml [policy \"test\"]: spec.kprobes[0].selectors[0].matchArgs[0].operator: unknown operator \"Equals\" for matchArgs; allowed: Equal, NotEqual, Prefix"),
        "{s}"
    );
    let e = errs("kprobes:\n- call: f\n  nope: 1\n");
    assert_eq!(
        e[0].to_string().lines().next().expect("line"),
        format!(
            "t.yaml:8:5 [policy \"test\"]: spec.kprobes[0].nope: unknown field `nope`; allowed here: {}",
            "call, return, syscall, message, args, data, returnArg, returnArgAction, selectors, tags, ignore"
        )
    );
}

#[test]
fn load_file_reports_io_errors_and_reads_files() {
    let e =
        load_file(std::path::Path::new("/nonexistent/auspex/policy.yaml")).expect_err("missing");
    assert!(matches!(e.errors()[0].kind, ErrorKind::Io { .. }));
    assert_eq!(
        e.errors()[0].location.file,
        "/nonexistent/auspex/policy.yaml"
    );

    let dir = std::env::temp_dir().join(format!("auspex-policy-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let f = dir.join("p.yaml");
    std::fs::write(&f, policy_yaml("kprobes:\n- call: f\n")).expect("write");
    let p = load_file(&f).expect("valid");
    assert_eq!(p[0].source.file, f.display().to_string());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn non_policy_documents_only() {
    let parsed =
        parse_documents("name: starwars\nservices: {}\n", "compose.yaml").expect("no error");
    assert!(parsed.policies.is_empty());
    assert_eq!(parsed.skipped.len(), 1);
    assert_eq!(parsed.skipped[0].kind, None);
    let parsed = parse_documents("# only a comment\n", "empty.yaml").expect("no error");
    assert!(parsed.policies.is_empty() && parsed.skipped.is_empty());
}
