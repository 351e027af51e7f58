//! Unit tests of the compiler internals: format parsing, field shapes, argument layouts, syscall
//! names. Whole-policy tests are in `tests/compile.rs`.

use super::*;

const OPENAT_FORMAT: &str = "name: sys_enter_openat
ID: 633
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;
\tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;
\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;
\tfield:int flags;\toffset:32;\tsize:8;\tsigned:0;
\tfield:umode_t mode;\toffset:40;\tsize:8;\tsigned:0;

print fmt: \"dfd: 0x%08lx, filename: 0x%08lx, flags: 0x%08lx, mode: 0x%08lx\", ((unsigned long)(REC->dfd)), ((unsigned long)(REC->filename)), ((unsigned long)(REC->flags)), ((unsigned long)(REC->mode))
";

fn field(ctype: &str, name: &str, offset: u16, size: u16, signed: bool) -> TracepointField {
    TracepointField {
        ctype: ctype.into(),
        name: name.into(),
        offset,
        size,
        signed,
    }
}

#[test]
fn parses_tracefs_format() {
    let fields = parse_tracepoint_format(OPENAT_FORMAT).unwrap();
    assert_eq!(
        fields,
        vec![
            field("unsigned short", "common_type", 0, 2, false),
            field("unsigned char", "common_flags", 2, 1, false),
            field("unsigned char", "common_preempt_count", 3, 1, false),
            field("int", "common_pid", 4, 4, true),
            field("int", "__syscall_nr", 8, 4, true),
            field("int", "dfd", 16, 8, false),
            field("const char *", "filename", 24, 8, false),
            field("int", "flags", 32, 8, false),
            field("umode_t", "mode", 40, 8, false),
        ]
    );
    assert_eq!(parse_tracepoint_format("name: x\nformat:\n"), None);
}

#[test]
fn splits_declarations() {
    let cases = [
        ("const char * filename", ("const char *", "filename")),
        (
            "__data_loc char[] filename",
            ("__data_loc char[]", "filename"),
        ),
        ("unsigned long args[6]", ("unsigned long[6]", "args")),
        ("char comm[16]", ("char[16]", "comm")),
        ("const char *const * argv", ("const char *const *", "argv")),
        ("pid_t pid", ("pid_t", "pid")),
        ("int x[2][3]", ("int[2][3]", "x")),
    ];
    for (decl, (ctype, name)) in cases {
        assert_eq!(
            split_declaration(decl),
            (ctype.to_owned(), name.to_owned()),
            "{decl}"
        );
    }
}

#[test]
fn field_shapes() {
    let cases = [
        (field("const char *", "f", 0, 8, false), FieldShape::CharPtr),
        (field("char *", "f", 0, 8, false), FieldShape::CharPtr),
        (
            field("const char *const *", "argv", 0, 8, false),
            FieldShape::Ptr,
        ),
        (field("struct stat *", "s", 0, 8, false), FieldShape::Ptr),
        (
            field("__data_loc char[]", "f", 0, 4, false),
            FieldShape::DataLocChar,
        ),
        (
            field("__data_loc u8[]", "f", 0, 4, false),
            FieldShape::DataLocOther,
        ),
        (
            field("char[16]", "comm", 0, 16, true),
            FieldShape::CharArray,
        ),
        (
            field("unsigned long[6]", "args", 0, 48, false),
            FieldShape::Array,
        ),
        // Syscall records: 8-byte slots, `signed:0` whatever the C type.
        (
            field("int", "dfd", 16, 8, false),
            FieldShape::Scalar(4, true),
        ),
        (
            field("umode_t", "mode", 40, 8, false),
            FieldShape::Scalar(2, false),
        ),
        (
            field("size_t", "count", 32, 8, false),
            FieldShape::Scalar(8, false),
        ),
        (field("long", "id", 8, 8, true), FieldShape::Scalar(8, true)),
        (
            field("pid_t", "pid", 12, 4, true),
            FieldShape::Scalar(4, true),
        ),
        (
            field("unsigned int", "x", 0, 4, false),
            FieldShape::Scalar(4, false),
        ),
        (
            field("unsigned weird_t", "x", 0, 2, true),
            FieldShape::Scalar(2, false),
        ),
        (
            field("weird_t", "x", 0, 2, true),
            FieldShape::Scalar(2, true),
        ),
    ];
    for (f, shape) in cases {
        assert_eq!(field_shape(&f), shape, "{} {}", f.ctype, f.name);
    }
}

#[test]
fn syscall_names() {
    assert_eq!(syscall_name("sys_openat"), Ok("openat"));
    assert_eq!(syscall_name("__x64_sys_openat"), Ok("openat"));
    assert_eq!(syscall_name("__arm64_sys_openat"), Ok("openat"));
    assert_eq!(syscall_name("__se_sys_openat"), Ok("openat"));
    assert_eq!(syscall_name("openat"), Ok("openat"));
    assert_eq!(syscall_name("sysinfo"), Ok("sysinfo"));
    assert_eq!(syscall_name("__sys_setuid"), Ok("__sys_setuid"));
    assert!(
        syscall_name("__ia32_sys_dup")
            .unwrap_err()
            .contains("32-bit")
    );
}

struct OneTracepoint(Vec<TracepointField>);

impl KernelView for OneTracepoint {
    fn tracepoint_fields(&self, _: &str, _: &str) -> Option<Vec<TracepointField>> {
        Some(self.0.clone())
    }
    fn kprobes_attach(&self) -> bool {
        false
    }
}

/// Compiles `type` on field `index` of sys_enter_openat (or of `other` when given).
fn layout(
    subsystem: &str,
    index: u32,
    type_: &str,
    fields: Vec<TracepointField>,
) -> Result<CompiledArg, Vec<CompileError>> {
    let yaml = format!(
        "apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: t\nspec:\n  tracepoints:\n  - subsystem: {subsystem}\n    event: ev\n    args:\n    - index: {index}\n      type: {type_}\n"
    );
    let policy = crate::parse_str(&yaml, "t.yaml").unwrap().remove(0);
    compile(&policy, &OneTracepoint(fields)).map(|mut p| p.hooks[0].args.remove(0))
}

fn arg(offset: u16, size: u16, read: ArgRead, render: ArgRender) -> CompiledArg {
    CompiledArg::new(offset, size, read, render)
}

#[test]
fn argument_layouts() {
    use ArgRead as R;
    use ArgRender as D;
    let openat = parse_tracepoint_format(OPENAT_FORMAT).unwrap();
    let mut extra = openat.clone();
    extra.push(field("__data_loc char[]", "name", 48, 4, false));
    extra.push(field("char[16]", "comm", 52, 16, true));
    extra.push(field("char[300]", "big", 68, 300, true));
    extra.push(field("struct stat *", "st", 368, 8, false));
    let cases: &[(&str, u32, &str, CompiledArg)] = &[
        (
            "syscalls",
            6,
            "string",
            arg(24, 8, R::UserString, D::String),
        ),
        (
            "syscalls",
            6,
            "filename",
            arg(24, 8, R::UserString, D::String),
        ),
        ("syscalls", 6, "auto", arg(24, 8, R::UserString, D::String)),
        ("sched", 6, "string", arg(24, 8, R::KernelString, D::String)),
        ("syscalls", 5, "int", arg(16, 4, R::Int, D::Int)),
        ("syscalls", 5, "int32", arg(16, 4, R::Int, D::Int)),
        ("syscalls", 5, "sint32", arg(16, 4, R::Int, D::Int)),
        ("syscalls", 5, "int16", arg(16, 2, R::Int, D::Int)),
        ("syscalls", 5, "int8", arg(16, 1, R::Int, D::Int)),
        ("syscalls", 5, "uint32", arg(16, 4, R::Uint, D::Uint)),
        ("syscalls", 5, "uint16", arg(16, 2, R::Uint, D::Uint)),
        ("syscalls", 5, "uint8", arg(16, 1, R::Uint, D::Uint)),
        ("syscalls", 5, "size_t", arg(16, 8, R::Uint, D::Size)),
        ("syscalls", 5, "uint64", arg(16, 8, R::Uint, D::Size)),
        ("syscalls", 5, "ulong", arg(16, 8, R::Uint, D::Size)),
        ("syscalls", 5, "int64", arg(16, 8, R::Int, D::Long)),
        ("syscalls", 5, "long", arg(16, 8, R::Int, D::Long)),
        ("syscalls", 5, "sint64", arg(16, 8, R::Int, D::Long)),
        (
            "syscalls",
            5,
            "syscall64",
            arg(16, 8, R::Syscall64, D::SyscallId),
        ),
        ("syscalls", 5, "auto", arg(16, 4, R::Int, D::Int)),
        ("syscalls", 8, "auto", arg(40, 2, R::Uint, D::Uint)),
        ("syscalls", 4, "auto", arg(8, 4, R::Int, D::Int)),
        ("syscalls", 0, "auto", arg(0, 2, R::Uint, D::Uint)),
        ("syscalls", 4, "int64", arg(8, 4, R::Int, D::Long)),
        (
            "sched",
            9,
            "string",
            arg(48, 4, R::DataLocString, D::String),
        ),
        (
            "sched",
            9,
            "data_loc",
            arg(48, 4, R::DataLocString, D::String),
        ),
        ("sched", 9, "auto", arg(48, 4, R::DataLocString, D::String)),
        ("sched", 10, "string", arg(52, 16, R::CharArray, D::String)),
        ("sched", 10, "auto", arg(52, 16, R::CharArray, D::String)),
        ("sched", 11, "string", arg(68, 300, R::CharArray, D::String)),
        ("sched", 12, "auto", arg(368, 8, R::Uint, D::Size)),
        // fd: an integer field resolved in the kernel to the file's path and mode.
        ("syscalls", 5, "fd", arg(16, 8, R::Fd, D::File)),
    ];
    for (sub, index, ty, want) in cases {
        let got = layout(sub, *index, ty, extra.clone());
        assert_eq!(got.as_ref(), Ok(want), "{sub} index {index} type {ty}");
    }
    let errors: &[(u32, &str, &str, &str)] = &[
        (
            5,
            "string",
            "spec.tracepoints[0].args[0].type",
            "needs a char pointer",
        ),
        (
            9,
            "int",
            "spec.tracepoints[0].args[0].type",
            "needs an integer",
        ),
        (
            9,
            "file",
            "spec.tracepoints[0].args[0].type",
            "type file needs a `struct file *` field",
        ),
        (
            5,
            "char_buf",
            "spec.tracepoints[0].args[0].type",
            "type char_buf needs a pointer field",
        ),
        (
            9,
            "fd",
            "spec.tracepoints[0].args[0].type",
            "type fd needs an integer field",
        ),
        (
            6,
            "data_loc",
            "spec.tracepoints[0].args[0].type",
            "needs a __data_loc",
        ),
        (
            13,
            "int",
            "spec.tracepoints[0].args[0].index",
            "has 13 fields",
        ),
    ];
    for (index, ty, path, reason) in errors {
        let got = layout("sched", *index, ty, extra.clone()).unwrap_err();
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].path, *path, "{index} {ty}: {got:?}");
        assert!(got[0].reason.contains(reason), "{index} {ty}: {got:?}");
    }
}

#[test]
fn record_size_limit() {
    let mut fields = parse_tracepoint_format(OPENAT_FORMAT).unwrap();
    fields.push(field("int", "far", 600, 4, true));
    let got = layout("sched", 9, "int", fields).unwrap_err();
    assert_eq!(got[0].path, "spec.tracepoints[0].args");
    assert!(got[0].reason.contains("604"), "{got:?}");
}

// ---------------------------------------------------------------------------
// Process filters: followChildren, namespaces, capabilities, namespace changes
// ---------------------------------------------------------------------------

/// A kernel with the openat format for every tracepoint that knows (or not) the host namespaces:
/// the host namespace of kind `k` has inode `HOST_NS_BASE + k`.
struct HostNs {
    known: bool,
}

const HOST_NS_BASE: u32 = 4_026_531_830;

impl KernelView for HostNs {
    fn tracepoint_fields(&self, _: &str, _: &str) -> Option<Vec<TracepointField>> {
        parse_tracepoint_format(OPENAT_FORMAT)
    }
    fn kprobes_attach(&self) -> bool {
        false
    }
    fn host_namespace(&self, kind: u8) -> Option<u32> {
        self.known.then_some(HOST_NS_BASE + u32::from(kind))
    }
}

/// A validated policy with one tracepoint hook whose `selectors` list is `selectors` (YAML at
/// indentation 0), after `prelude` (spec-level YAML at indentation 0, e.g. selectorsMacros).
fn selector_policy(prelude: &str, selectors: &str) -> crate::TracingPolicy {
    let indent = |text: &str, by: &str| -> String {
        text.lines()
            .map(|l| format!("{by}{l}\n"))
            .collect::<String>()
    };
    let yaml = format!(
        "apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: t\nspec:\n{}  tracepoints:\n  - subsystem: sched\n    event: ev\n    selectors:\n{}",
        indent(prelude, "  "),
        indent(selectors, "    ")
    );
    match crate::parse_str(&yaml, "t.yaml") {
        Ok(mut v) => v.remove(0),
        Err(e) => panic!("invalid test policy:\n{yaml}\n{e}"),
    }
}

fn compile_known(policy: &crate::TracingPolicy) -> Result<CompiledPolicy, Vec<CompileError>> {
    compile(policy, &HostNs { known: true })
}

/// The only selector of a policy that must compile.
fn only_selector(policy: &crate::TracingPolicy) -> CompiledSelector {
    match compile_known(policy) {
        Ok(mut p) => {
            assert_eq!(p.selectors.len(), 1);
            p.selectors.remove(0)
        }
        Err(e) => panic!("expected the policy to compile, got {e:#?}"),
    }
}

/// Asserts exactly one error, at `path`, whose reason contains `reason`.
fn one_error(got: Result<CompiledPolicy, Vec<CompileError>>, path: &str, reason: &str) {
    let e = match got {
        Ok(p) => panic!("expected an error at {path}, compiled {p:#?}"),
        Err(e) => e,
    };
    assert_eq!(e.len(), 1, "expected one error at {path}, got {e:#?}");
    assert_eq!(e[0].path, path, "{e:#?}");
    assert!(
        e[0].reason.contains(reason),
        "reason at {path} should contain {reason:?}: {}",
        e[0].reason
    );
}

fn no_filters() -> CompiledSelector {
    CompiledSelector {
        match_return: Vec::new(),
        return_actions: Vec::new(),
        pids: Vec::new(),
        parent_binary: None,
        binary: None,
        match_args: Vec::new(),
        namespaces: Vec::new(),
        capabilities: Vec::new(),
        namespace_changes: None,
        actions: Vec::new(),
    }
}

const SEL: &str = "spec.tracepoints[0].selectors[0]";

#[test]
fn follow_children_compiles() {
    for (operator, kop) in [("In", op::IN), ("NotIn", op::NOT_IN)] {
        let policy = selector_policy(
            "",
            &format!(
                "- matchBinaries:\n  - operator: {operator}\n    values: [/bin/sh, /bin/bash]\n    followChildren: true"
            ),
        );
        let got = compile_known(&policy).unwrap();
        assert_eq!(
            got.selectors,
            vec![CompiledSelector {
                match_return: Vec::new(),
                return_actions: Vec::new(),
                parent_binary: None,
                binary: Some(CompiledBinary {
                    op: kop,
                    set_id: 1,
                    follow_children: true,
                }),
                ..no_filters()
            }]
        );
        assert_eq!(
            got.string_eq,
            vec![(1, b"/bin/sh".to_vec()), (1, b"/bin/bash".to_vec())]
        );
    }
    // Without followChildren the flag is off.
    let policy = selector_policy(
        "",
        "- matchBinaries:\n  - operator: In\n    values: [/bin/sh]",
    );
    assert_eq!(
        only_selector(&policy).binary,
        Some(CompiledBinary {
            op: op::IN,
            set_id: 1,
            follow_children: false,
        })
    );
    // Any operator compiles with followChildren (validation is what restricts it to In/NotIn).
    let mut policy = selector_policy(
        "",
        "- matchBinaries:\n  - operator: In\n    values: [/opt/]\n    followChildren: true",
    );
    policy.spec.tracepoints[0].selectors[0].match_binaries[0].operator = "Prefix".into();
    let got = compile_known(&policy).unwrap();
    assert_eq!(
        got.selectors[0].binary,
        Some(CompiledBinary {
            op: op::PREFIX,
            set_id: 1,
            follow_children: true,
        })
    );
    assert_eq!(got.string_prefix, vec![(1, b"/opt/".to_vec())]);
}

#[test]
fn namespaces_compile() {
    let policy = selector_policy(
        "",
        "- matchNamespaces:
  - namespace: Pid
    operator: In
    values: [host_ns, '4026531836']
  - namespace: mnt
    operator: NotIn
    values: ['12345', host_ns, '0', '4294967295']
  - namespace: TIMEFORCHILDREN
    operator: In
    values: ['7']",
    );
    assert_eq!(
        only_selector(&policy),
        CompiledSelector {
            match_return: Vec::new(),
            return_actions: Vec::new(),
            namespaces: vec![
                CompiledNamespaces {
                    kind: 3,
                    op: op::IN,
                    values: vec![HOST_NS_BASE + 3, 4_026_531_836],
                },
                CompiledNamespaces {
                    kind: 2,
                    op: op::NOT_IN,
                    values: vec![12345, HOST_NS_BASE + 2, 0, u32::MAX],
                },
                CompiledNamespaces {
                    kind: 7,
                    op: op::IN,
                    values: vec![7],
                },
            ],
            ..no_filters()
        }
    );
    // Every kind name maps to its index.
    for (i, name) in NAMESPACE_KINDS.iter().enumerate() {
        let policy = selector_policy(
            "",
            &format!(
                "- matchNamespaces:\n  - namespace: {}\n    operator: In\n    values: [host_ns]",
                name.to_lowercase()
            ),
        );
        assert_eq!(
            only_selector(&policy).namespaces,
            vec![CompiledNamespaces {
                kind: i as u8,
                op: op::IN,
                values: vec![HOST_NS_BASE + i as u32],
            }],
            "{name}"
        );
    }
}

#[test]
fn namespace_errors() {
    let ns = |values: &str| {
        selector_policy(
            "",
            &format!(
                "- matchNamespaces:\n  - namespace: Net\n    operator: In\n    values: {values}"
            ),
        )
    };
    // host_ns on a kernel that does not know the host namespaces.
    one_error(
        compile(&ns("['1', host_ns]"), &HostNs { known: false }),
        &format!("{SEL}.matchNamespaces[0].values[1]"),
        "host_ns: the host namespace of kind Net is unknown",
    );
    // Validation accepts 0x/0o numbers; Tetragon (and the compiler) read decimal only.
    one_error(
        compile_known(&ns("['0x10']")),
        &format!("{SEL}.matchNamespaces[0].values[0]"),
        "0x10 is not a namespace inode number",
    );
    // Past validation: operator, kind, value, counts.
    let mut p = ns("['1']");
    p.spec.tracepoints[0].selectors[0].match_namespaces[0].operator = "Equal".into();
    one_error(
        compile_known(&p),
        &format!("{SEL}.matchNamespaces[0].operator"),
        "matchNamespaces operator Equal (In or NotIn expected)",
    );
    let mut p = ns("['1']");
    p.spec.tracepoints[0].selectors[0].match_namespaces[0].namespace = "Ns".into();
    one_error(
        compile_known(&p),
        &format!("{SEL}.matchNamespaces[0].namespace"),
        "unknown namespace Ns",
    );
    let mut p = ns("['1']");
    p.spec.tracepoints[0].selectors[0].match_namespaces[0].values = vec!["-1".into()];
    one_error(
        compile_known(&p),
        &format!("{SEL}.matchNamespaces[0].values[0]"),
        "-1 is not a namespace inode number",
    );
    let mut p = ns("['1']");
    p.spec.tracepoints[0].selectors[0].match_namespaces[0].values =
        ["1", "2", "3", "4", "5"].map(String::from).to_vec();
    one_error(
        compile_known(&p),
        &format!("{SEL}.matchNamespaces[0].values"),
        "5 values in one matchNamespaces entry; the in-kernel engine supports at most 4",
    );
    let mut p = ns("['1']");
    let entry = p.spec.tracepoints[0].selectors[0].match_namespaces[0].clone();
    p.spec.tracepoints[0].selectors[0].match_namespaces = vec![entry; limits::MAX_NS_FILTERS];
    assert!(compile_known(&p).is_ok());
    let entry = p.spec.tracepoints[0].selectors[0].match_namespaces[0].clone();
    p.spec.tracepoints[0].selectors[0]
        .match_namespaces
        .push(entry);
    one_error(
        compile_known(&p),
        &format!("{SEL}.matchNamespaces"),
        "11 matchNamespaces entries in one selector; the in-kernel engine supports at most 10",
    );
    // Entries merged from a macro are reported inside the macro.
    let p = selector_policy(
        "selectorsMacros:\n  ns:\n    matchNamespaces:\n    - namespace: Mnt\n      operator: NotIn\n      values: [host_ns]",
        "- macros: [ns]\n  matchNamespaces:\n  - namespace: Pid\n    operator: In\n    values: ['1']",
    );
    assert_eq!(
        compile_known(&p).unwrap().selectors[0].namespaces,
        vec![
            CompiledNamespaces {
                kind: 3,
                op: op::IN,
                values: vec![1],
            },
            CompiledNamespaces {
                kind: 2,
                op: op::NOT_IN,
                values: vec![HOST_NS_BASE + 2],
            },
        ]
    );
    one_error(
        compile(&p, &HostNs { known: false }),
        "spec.selectorsMacros.ns.matchNamespaces[0].values[0]",
        "host namespace of kind Mnt is unknown",
    );
}

#[test]
fn capabilities_compile() {
    let policy = selector_policy(
        "",
        "- matchCapabilities:
  - operator: In
    values: [CAP_SYS_ADMIN, CAP_NET_RAW]
  - type: Permitted
    operator: NotIn
    values: [cap_bpf]
  matchCapabilityChanges:
  - type: inheritable
    operator: In
    values: [CAP_SETUID]
  - type: Effective
    operator: NotIn
    values: [CAP_CHOWN, CAP_CHECKPOINT_RESTORE]",
    );
    assert_eq!(
        only_selector(&policy),
        CompiledSelector {
            match_return: Vec::new(),
            return_actions: Vec::new(),
            capabilities: vec![
                CompiledCapabilities {
                    set: cap_set::EFFECTIVE,
                    op: op::IN,
                    changes: false,
                    mask: 1 << 21 | 1 << 13,
                    host_user_ns: 0,
                },
                CompiledCapabilities {
                    set: cap_set::PERMITTED,
                    op: op::NOT_IN,
                    changes: false,
                    mask: 1 << 39,
                    host_user_ns: 0,
                },
                CompiledCapabilities {
                    set: cap_set::INHERITABLE,
                    op: op::IN,
                    changes: true,
                    mask: 1 << 7,
                    host_user_ns: 0,
                },
                CompiledCapabilities {
                    set: cap_set::EFFECTIVE,
                    op: op::NOT_IN,
                    changes: true,
                    mask: 1 | 1 << 40,
                    host_user_ns: 0,
                },
            ],
            ..no_filters()
        }
    );
    // Past validation a number is a mask.
    let mut p = selector_policy(
        "",
        "- matchCapabilities:\n  - operator: In\n    values: [CAP_KILL]",
    );
    p.spec.tracepoints[0].selectors[0].match_capabilities[0]
        .values
        .push("0x30".into());
    assert_eq!(
        only_selector(&p).capabilities,
        vec![CompiledCapabilities {
            set: cap_set::EFFECTIVE,
            op: op::IN,
            changes: false,
            mask: 1 << 5 | 0x30,
            host_user_ns: 0,
        }]
    );
}

#[test]
fn capability_errors() {
    let caps = |field: &str| {
        selector_policy(
            "",
            &format!("- {field}:\n  - operator: In\n    values: [CAP_SYS_ADMIN]"),
        )
    };
    for field in ["matchCapabilities", "matchCapabilityChanges"] {
        let p = selector_policy(
            "",
            &format!(
                "- {field}:\n  - operator: In\n    isNamespaceCapability: true\n    values: [CAP_SYS_ADMIN]"
            ),
        );
        // Compiled against the host user namespace; refused when it is unknown.
        let sel = only_selector(&p);
        assert_eq!(sel.capabilities[0].host_user_ns, HOST_NS_BASE + 9);
        one_error(
            compile(&p, &HostNs { known: false }),
            &format!("{SEL}.{field}[0].isNamespaceCapability"),
            "needs the host user namespace",
        );
        let mut p = caps(field);
        let entry = if field == "matchCapabilities" {
            &mut p.spec.tracepoints[0].selectors[0].match_capabilities[0]
        } else {
            &mut p.spec.tracepoints[0].selectors[0].match_capability_changes[0]
        };
        entry.operator = "Mask".into();
        one_error(
            compile_known(&p),
            &format!("{SEL}.{field}[0].operator"),
            &format!("{field} operator Mask (In or NotIn expected)"),
        );
    }
    let mut p = caps("matchCapabilities");
    p.spec.tracepoints[0].selectors[0].match_capabilities[0].type_ = "Bounding".into();
    one_error(
        compile_known(&p),
        &format!("{SEL}.matchCapabilities[0].type"),
        "capability set Bounding",
    );
    let mut p = caps("matchCapabilities");
    p.spec.tracepoints[0].selectors[0].match_capabilities[0].values = vec!["CAP_NOPE".into()];
    one_error(
        compile_known(&p),
        &format!("{SEL}.matchCapabilities[0].values[0]"),
        "CAP_NOPE is not a capability name",
    );
    // At most MAX_CAP_FILTERS together; the error points at the list past the limit.
    let mut p = caps("matchCapabilities");
    let s = &mut p.spec.tracepoints[0].selectors[0];
    let entry = s.match_capabilities[0].clone();
    s.match_capabilities = vec![entry.clone(); 2];
    s.match_capability_changes = vec![entry.clone(); 2];
    assert_eq!(
        compile_known(&p).unwrap().selectors[0].capabilities.len(),
        4
    );
    p.spec.tracepoints[0].selectors[0]
        .match_capability_changes
        .push(entry.clone());
    one_error(
        compile_known(&p),
        &format!("{SEL}.matchCapabilityChanges"),
        "5 matchCapabilities and matchCapabilityChanges entries in one selector; the in-kernel engine supports at most 4",
    );
    let mut p = caps("matchCapabilities");
    p.spec.tracepoints[0].selectors[0].match_capabilities = vec![entry; 5];
    one_error(
        compile_known(&p),
        &format!("{SEL}.matchCapabilities"),
        "5 matchCapabilities and matchCapabilityChanges entries",
    );
    // Macro entries point into the macro.
    let p = selector_policy(
        "selectorsMacros:\n  caps:\n    matchCapabilities:\n    - operator: In\n      isNamespaceCapability: true\n      values: [CAP_BPF]",
        "- macros: [caps]",
    );
    one_error(
        compile(&p, &HostNs { known: false }),
        "spec.selectorsMacros.caps.matchCapabilities[0].isNamespaceCapability",
        "needs the host user namespace",
    );
}

#[test]
fn namespace_changes_compile() {
    let policy = selector_policy(
        "",
        "- matchNamespaceChanges:\n  - operator: In\n    values: [Mnt, net, USER]",
    );
    assert_eq!(
        only_selector(&policy),
        CompiledSelector {
            match_return: Vec::new(),
            return_actions: Vec::new(),
            namespace_changes: Some((op::IN, 1 << 2 | 1 << 5 | 1 << 9)),
            ..no_filters()
        }
    );
    let all = NAMESPACE_KINDS.join(", ");
    let policy = selector_policy(
        "",
        &format!("- matchNamespaceChanges:\n  - operator: NotIn\n    values: [{all}]"),
    );
    assert_eq!(
        only_selector(&policy).namespace_changes,
        Some((op::NOT_IN, 0x3ff))
    );
}

#[test]
fn namespace_change_errors() {
    let base = || {
        selector_policy(
            "",
            "- matchNamespaceChanges:\n  - operator: In\n    values: [Mnt]",
        )
    };
    let mut p = base();
    p.spec.tracepoints[0].selectors[0].match_namespace_changes[0].operator = "Prefix".into();
    one_error(
        compile_known(&p),
        &format!("{SEL}.matchNamespaceChanges[0].operator"),
        "matchNamespaceChanges operator Prefix (In or NotIn expected)",
    );
    let mut p = base();
    p.spec.tracepoints[0].selectors[0].match_namespace_changes[0]
        .values
        .push("Ns".into());
    one_error(
        compile_known(&p),
        &format!("{SEL}.matchNamespaceChanges[0].values[1]"),
        "unknown namespace Ns",
    );
    let mut p = base();
    let entry = p.spec.tracepoints[0].selectors[0].match_namespace_changes[0].clone();
    p.spec.tracepoints[0].selectors[0]
        .match_namespace_changes
        .push(entry);
    one_error(
        compile_known(&p),
        &format!("{SEL}.matchNamespaceChanges[1]"),
        "only one matchNamespaceChanges entry per selector",
    );
}

#[test]
fn all_process_filters_in_one_selector() {
    let policy = selector_policy(
        "",
        "- matchPIDs:
  - operator: NotIn
    values: [1]
  matchBinaries:
  - operator: NotIn
    values: [/usr/bin/sudo]
    followChildren: true
  matchNamespaces:
  - namespace: User
    operator: NotIn
    values: [host_ns]
  matchCapabilities:
  - operator: In
    values: [CAP_SYS_ADMIN]
  matchCapabilityChanges:
  - type: Permitted
    operator: In
    values: [CAP_SYS_ADMIN]
  matchNamespaceChanges:
  - operator: NotIn
    values: [Pid]
  matchActions:
  - action: Sigkill",
    );
    assert_eq!(
        only_selector(&policy),
        CompiledSelector {
            match_return: Vec::new(),
            return_actions: Vec::new(),
            pids: vec![CompiledPids {
                op: op::NOT_IN,
                follow_forks: false,
                namespace_pid: false,
                values: vec![1],
            }],
            parent_binary: None,
            binary: Some(CompiledBinary {
                op: op::NOT_IN,
                set_id: 1,
                follow_children: true,
            }),
            match_args: Vec::new(),
            namespaces: vec![CompiledNamespaces {
                kind: 9,
                op: op::NOT_IN,
                values: vec![HOST_NS_BASE + 9],
            }],
            capabilities: vec![
                CompiledCapabilities {
                    set: cap_set::EFFECTIVE,
                    op: op::IN,
                    changes: false,
                    mask: 1 << 21,
                    host_user_ns: 0,
                },
                CompiledCapabilities {
                    set: cap_set::PERMITTED,
                    op: op::IN,
                    changes: true,
                    mask: 1 << 21,
                    host_user_ns: 0,
                },
            ],
            namespace_changes: Some((op::NOT_IN, 1 << 3)),
            actions: vec![CompiledAction {
                kind: action::SIGKILL,
                arg: 9,
                rate_limit_ns: 0,
                user_arg: None,
            }],
        }
    );
}

#[test]
fn parent_binaries_compile_to_their_own_set() {
    let sel = only_selector(&selector_policy(
        "",
        "- matchBinaries:\n  - operator: In\n    values: [/usr/bin/cat]\n  matchParentBinaries:\n  - operator: In\n    values: [/bin/sh]\n    followChildren: true",
    ));
    let (b, pb) = (
        sel.binary.expect("binary"),
        sel.parent_binary.expect("parent"),
    );
    assert_eq!((b.op, pb.op, pb.follow_children), (op::IN, op::IN, true));
    assert_ne!(b.set_id, pb.set_id);
}

#[test]
fn still_refused_selector_filters() {
    let cases = [("- matchWorkloads:\n  - hostSelector: {}", "matchWorkloads")];
    for (yaml, field) in cases {
        one_error(
            compile_known(&selector_policy("", yaml)),
            &format!("{SEL}.{field}"),
            &format!("{field} is not supported by the in-kernel engine yet"),
        );
    }
}
