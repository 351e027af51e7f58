//! The selector compiler on whole policies: exact output for the policies of the field notes,
//! one error (with its path) per unsupported feature, limits, and the Tetragon example corpus.

mod common;

use std::collections::BTreeMap;

use auspex_policy::compile::reference::{Decision, EvalArg, EvalProcess, evaluate};
use auspex_policy::compile::resolve::{KernelTypes, Member, ResolveStep, TypeShape};
use auspex_policy::compile::{
    ArgRead, ArgRender, AttachPoint, CompileError, CompiledAction, CompiledArg, CompiledBinary,
    CompiledCapabilities, CompiledHook, CompiledMatchArg, CompiledNamespaces, CompiledPids,
    CompiledPolicy, CompiledSelector, HookEvent, KernelView, NAMESPACE_KINDS, TracepointField,
    action, cap_set, compile, op, parse_tracepoint_format, syscalls_x86_64,
};
use auspex_policy::compile::{
    ArgResolve, POST_KERNEL_STACK, POST_USER_STACK, RETURN_OBJECT_ARG, ReturnedObject, limits,
};
use auspex_policy::{ActionSelector, KProbeSelector, TracingPolicy, load_documents};
use common::ok;

// ---------------------------------------------------------------------------
// A kernel made of tracefs format texts
// ---------------------------------------------------------------------------

const COMMON_FIELDS: &str = "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

";

/// The `format` file of `syscalls/sys_enter_<name>` with the given argument declarations.
fn syscall_format(name: &str, args: &[&str]) -> String {
    let mut s = format!("name: sys_enter_{name}\nID: 1\nformat:\n{COMMON_FIELDS}");
    s.push_str("\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n");
    for (i, decl) in args.iter().enumerate() {
        s.push_str(&format!(
            "\tfield:{decl};\toffset:{};\tsize:8;\tsigned:0;\n",
            16 + 8 * i
        ));
    }
    s.push_str("\nprint fmt: \"...\"\n");
    s
}

fn format(name: &str, fields: &[(&str, u16, u16, bool)]) -> String {
    let mut s = format!("name: {name}\nID: 1\nformat:\n{COMMON_FIELDS}");
    for (decl, offset, size, signed) in fields {
        s.push_str(&format!(
            "\tfield:{decl};\toffset:{offset};\tsize:{size};\tsigned:{};\n",
            u8::from(*signed)
        ));
    }
    s
}

struct FakeKernel {
    tracepoints: BTreeMap<(String, String), Vec<TracepointField>>,
    kprobes: bool,
    syscall_numbers: bool,
    /// The host namespace of kind `k` has inode `HOST_NS_BASE + k` (`None` when false).
    host_namespaces: bool,
    bpf_lsm: bool,
    trampolines: bool,
    kprobe_override: bool,
    /// Knows i386 syscall numbers (IA32 emulation).
    compat: bool,
    /// fmod_ret on syscalls (enforcers).
    syscall_fmod_ret: bool,
    /// Functions fmod_ret programs may not change (off the error-injection list).
    fmod_ret_denied: Vec<&'static str>,
    /// Why bpf_probe_write_user is forbidden (`None`: allowed).
    no_write_user: Option<&'static str>,
    /// Why imaHash cannot work (`None`: it can).
    no_ima: Option<&'static str>,
    /// Why uprobe programs may not write their registers (`None`: they may).
    no_uprobe_override: Option<&'static str>,
}

const HOST_NS_BASE: u32 = 4_026_531_830;

impl FakeKernel {
    fn empty() -> Self {
        Self {
            tracepoints: BTreeMap::new(),
            kprobes: false,
            syscall_numbers: true,
            host_namespaces: true,
            bpf_lsm: false,
            trampolines: false,
            kprobe_override: false,
            compat: false,
            syscall_fmod_ret: false,
            fmod_ret_denied: Vec::new(),
            no_write_user: None,
            no_ima: None,
            no_uprobe_override: None,
        }
    }

    fn add(&mut self, subsystem: &str, event: &str, text: &str) {
        let fields = parse_tracepoint_format(text).expect("format");
        self.tracepoints
            .insert((subsystem.to_owned(), event.to_owned()), fields);
    }

    fn syscall(&mut self, name: &str, args: &[&str]) {
        let text = syscall_format(name, args);
        self.add("syscalls", &format!("sys_enter_{name}"), &text);
    }

    /// The kernel of the task: openat, kill, raw_syscalls/sys_enter, sched_process_exec.
    fn new() -> Self {
        let mut k = Self::empty();
        k.syscall(
            "openat",
            &[
                "int dfd",
                "const char * filename",
                "int flags",
                "umode_t mode",
            ],
        );
        k.syscall("kill", &["pid_t pid", "int sig"]);
        k.add(
            "raw_syscalls",
            "sys_enter",
            &format(
                "sys_enter",
                &[
                    ("long id", 8, 8, true),
                    ("unsigned long args[6]", 16, 48, false),
                ],
            ),
        );
        k.add(
            "sched",
            "sched_process_exec",
            &format(
                "sched_process_exec",
                &[
                    ("__data_loc char[] filename", 8, 4, false),
                    ("pid_t pid", 12, 4, true),
                    ("pid_t old_pid", 16, 4, true),
                ],
            ),
        );
        k
    }

    /// [`FakeKernel::new`] plus the syscalls the example corpus hooks.
    fn with_common_syscalls() -> Self {
        let mut k = Self::new();
        let uid = ["uid_t uid"];
        let table: &[(&str, &[&str])] = &[
            ("read", &["unsigned int fd", "char * buf", "size_t count"]),
            (
                "write",
                &["unsigned int fd", "const char * buf", "size_t count"],
            ),
            (
                "open",
                &["const char * filename", "int flags", "umode_t mode"],
            ),
            ("close", &["unsigned int fd"]),
            ("dup", &["unsigned int fildes"]),
            ("dup2", &["unsigned int oldfd", "unsigned int newfd"]),
            (
                "lseek",
                &["unsigned int fd", "off_t offset", "unsigned int whence"],
            ),
            (
                "execve",
                &[
                    "const char * filename",
                    "const char *const * argv",
                    "const char *const * envp",
                ],
            ),
            ("setuid", &uid),
            ("setgid", &["gid_t gid"]),
            ("setfsuid", &uid),
            ("setfsgid", &["gid_t gid"]),
            ("setreuid", &["uid_t ruid", "uid_t euid"]),
            ("setregid", &["gid_t rgid", "gid_t egid"]),
            ("setresuid", &["uid_t ruid", "uid_t euid", "uid_t suid"]),
            ("setresgid", &["gid_t rgid", "gid_t egid", "gid_t sgid"]),
            ("setns", &["int fd", "int flstype"]),
            ("unshare", &["unsigned long unshare_flags"]),
            (
                "symlinkat",
                &["const char * oldname", "int newdfd", "const char * newname"],
            ),
            (
                "linkat",
                &[
                    "int olddfd",
                    "const char * oldname",
                    "int newdfd",
                    "const char * newname",
                    "int flags",
                ],
            ),
            (
                "ptrace",
                &[
                    "long request",
                    "long pid",
                    "unsigned long addr",
                    "unsigned long data",
                ],
            ),
            (
                "pivot_root",
                &["const char * new_root", "const char * put_old"],
            ),
            (
                "mount",
                &[
                    "char * dev_name",
                    "char * dir_name",
                    "char * type",
                    "unsigned long flags",
                    "void * data",
                ],
            ),
            (
                "clock_settime",
                &[
                    "const clockid_t which_clock",
                    "const struct __kernel_timespec * tp",
                ],
            ),
            (
                "bpf",
                &["int cmd", "union bpf_attr * uattr", "unsigned int size"],
            ),
            (
                "finit_module",
                &["int fd", "const char * uargs", "int flags"],
            ),
            (
                "connect",
                &["int fd", "struct sockaddr * uservaddr", "int addrlen"],
            ),
            (
                "mprotect",
                &["unsigned long start", "size_t len", "unsigned long prot"],
            ),
        ];
        for (name, args) in table {
            k.syscall(name, args);
        }
        k
    }

    fn with_kprobes(mut self) -> Self {
        self.kprobes = true;
        self
    }

    /// A stock distribution kernel: kprobes, BPF-LSM, trampolines, no kprobe override.
    fn stock() -> Self {
        let mut k = Self::new().with_kprobes();
        k.bpf_lsm = true;
        k.trampolines = true;
        k
    }
}

impl KernelView for FakeKernel {
    fn tracepoint_fields(&self, subsystem: &str, event: &str) -> Option<Vec<TracepointField>> {
        self.tracepoints
            .get(&(subsystem.to_owned(), event.to_owned()))
            .cloned()
    }

    fn kprobes_attach(&self) -> bool {
        self.kprobes
    }

    fn bpf_lsm(&self) -> bool {
        self.bpf_lsm
    }

    fn trampolines(&self) -> bool {
        self.trampolines
    }

    fn kprobe_override(&self) -> bool {
        self.kprobe_override
    }

    fn syscall_number(&self, name: &str) -> Option<u32> {
        if self.syscall_numbers {
            syscalls_x86_64::number(name)
        } else {
            None
        }
    }

    fn syscall_fmod_ret(&self) -> bool {
        self.syscall_fmod_ret
    }

    fn fmod_ret_target(&self, function: &str) -> bool {
        !self.fmod_ret_denied.contains(&function)
    }

    fn probe_write_user(&self) -> Result<(), String> {
        self.no_write_user
            .map_or(Ok(()), |why| Err(why.to_string()))
    }

    fn ima_hash(&self) -> Result<(), String> {
        self.no_ima.map_or(Ok(()), |why| Err(why.to_string()))
    }

    fn uprobe_override(&self) -> Result<(), String> {
        self.no_uprobe_override
            .map_or(Ok(()), |why| Err(why.to_string()))
    }

    fn compat_syscall_number(&self, name: &str) -> Option<u32> {
        self.compat
            .then(|| auspex_policy::compile::syscalls_i386::number(name))
            .flatten()
    }

    fn host_namespace(&self, kind: u8) -> Option<u32> {
        self.host_namespaces
            .then_some(HOST_NS_BASE + u32::from(kind))
    }

    fn kernel_types(&self) -> Option<Box<dyn KernelTypes + '_>> {
        Some(Box::new(FakeTypes))
    }

    /// `/fake/app.btf` has the fake types; no other file exists.
    fn user_types(&self, path: &str) -> Result<Box<dyn KernelTypes + '_>, String> {
        match path {
            "/fake/app.btf" => Ok(Box::new(FakeTypes)),
            _ => Err("cannot read it: No such file or directory (os error 2)".into()),
        }
    }

    /// Module `fakemod` is loaded (with the fake types); no other module is.
    fn module_types(&self, module: &str) -> Result<Box<dyn KernelTypes + '_>, String> {
        match module {
            "fakemod" => Ok(Box::new(FakeTypes)),
            _ => Err(format!("no BTF for module {module}; is it loaded?")),
        }
    }

    /// getpid has no tracepoint in this fake kernel.
    fn syscalls(&self) -> Option<Vec<String>> {
        Some(vec!["getpid".into(), "kill".into(), "openat".into()])
    }

    fn traceable_functions(&self) -> Option<Vec<String>> {
        Some(vec![
            "ksys_read".into(),
            "ksys_write".into(),
            "vfs_read".into(),
        ])
    }
}

/// A few kernel types, laid out at made-up offsets:
/// `task_struct { mm_struct *mm @2000; int pid @2400; task_struct *real_parent @2500;
/// kuid_t loginuid @3000; char comm[16] @3200; }`, `kuid_t { unsigned int val; }`,
/// `mm_struct { task_struct *owner @1000; }`, `linux_binprm { mm_struct *mm @16; file *file @64; }`,
/// and `bpf_lsm_bprm_check_security(struct linux_binprm *)`.
struct FakeTypes;

mod ty {
    pub const INT: u32 = 1;
    pub const UINT: u32 = 2;
    pub const CHAR: u32 = 3;
    pub const TASK: u32 = 10;
    pub const TASK_PTR: u32 = 11;
    pub const MM: u32 = 12;
    pub const MM_PTR: u32 = 13;
    pub const COMM: u32 = 14;
    pub const KUID: u32 = 15;
    pub const BPRM: u32 = 16;
    pub const BPRM_PTR: u32 = 17;
    pub const FILE: u32 = 18;
    pub const FILE_PTR: u32 = 19;
    pub const ULONG: u32 = 20;
    pub const PT_REGS: u32 = 21;
}

impl KernelTypes for FakeTypes {
    fn function_param(&self, function: &str, index: u32) -> Result<u32, String> {
        match (function, index) {
            ("bpf_lsm_bprm_check_security", 0) => Ok(ty::BPRM_PTR),
            ("wake_up_new_task", 0) => Ok(ty::TASK_PTR),
            _ => Err(format!("no parameter {index} of {function}")),
        }
    }
    fn raw_tracepoint_param(&self, event: &str, _: u32) -> Result<u32, String> {
        Err(format!("no raw tracepoint {event}"))
    }
    fn struct_named(&self, name: &str) -> Option<u32> {
        match name {
            "task_struct" => Some(ty::TASK),
            "mm_struct" => Some(ty::MM),
            "linux_binprm" => Some(ty::BPRM),
            "pt_regs" => Some(ty::PT_REGS),
            _ => None,
        }
    }
    fn has_function(&self, name: &str) -> bool {
        !name.starts_with("missing_")
    }
    fn shape(&self, id: u32) -> TypeShape {
        let m = |name: &str, byte: u32, ty| Member {
            name: name.into(),
            bit_offset: byte * 8,
            bitfield: false,
            ty,
        };
        let int = |name: &str, size, signed| TypeShape::Int {
            name: name.into(),
            size,
            signed,
        };
        let comp = |name: &str, members| TypeShape::Composite {
            name: name.into(),
            is_struct: true,
            members,
        };
        match id {
            ty::INT => int("int", 4, true),
            ty::UINT => int("unsigned int", 4, false),
            ty::CHAR => int("char", 1, true),
            ty::TASK => comp(
                "task_struct",
                vec![
                    m("mm", 2000, ty::MM_PTR),
                    m("pid", 2400, ty::INT),
                    m("real_parent", 2500, ty::TASK_PTR),
                    m("loginuid", 3000, ty::KUID),
                    m("comm", 3200, ty::COMM),
                ],
            ),
            ty::KUID => comp("kuid_t", vec![m("val", 0, ty::UINT)]),
            ty::MM => comp("mm_struct", vec![m("owner", 1000, ty::TASK_PTR)]),
            ty::BPRM => comp(
                "linux_binprm",
                vec![m("mm", 16, ty::MM_PTR), m("file", 64, ty::FILE_PTR)],
            ),
            ty::FILE => comp("file", vec![]),
            ty::ULONG => int("unsigned long", 8, false),
            // x86-64 order: r15 … ax at 0..80, cx 88, dx 96, si 104, di 112, orig_ax, ip 128, …, ss 160.
            ty::PT_REGS => comp(
                "pt_regs",
                [
                    "r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax", "cx",
                    "dx", "si", "di", "orig_ax", "ip", "cs", "flags", "sp", "ss",
                ]
                .iter()
                .enumerate()
                .map(|(i, n)| m(n, 8 * i as u32, ty::ULONG))
                .collect(),
            ),
            ty::TASK_PTR => TypeShape::Ptr { to: ty::TASK },
            ty::MM_PTR => TypeShape::Ptr { to: ty::MM },
            ty::BPRM_PTR => TypeShape::Ptr { to: ty::BPRM },
            ty::FILE_PTR => TypeShape::Ptr { to: ty::FILE },
            ty::COMM => TypeShape::Array {
                elem: ty::CHAR,
                len: 16,
            },
            _ => TypeShape::Other("void".into()),
        }
    }
    fn size_of(&self, id: u32) -> Option<u32> {
        Some(match id {
            ty::CHAR => 1,
            ty::INT | ty::UINT | ty::KUID => 4,
            ty::COMM => 16,
            _ => 8,
        })
    }
}

fn compiled(spec: &str) -> CompiledPolicy {
    compiled_with(spec, &FakeKernel::new())
}

fn compiled_with(spec: &str, kernel: &FakeKernel) -> CompiledPolicy {
    match compile(&ok(spec), kernel) {
        Ok(p) => p,
        Err(e) => panic!("expected the policy to compile, got {e:#?}"),
    }
}

fn errors(policy: &TracingPolicy, kernel: &FakeKernel) -> Vec<CompileError> {
    match compile(policy, kernel) {
        Ok(p) => panic!("expected compile errors, got {p:#?}"),
        Err(e) => e,
    }
}

/// Asserts exactly one error, at `path`, whose reason contains `reason`.
fn one_error(policy: &TracingPolicy, kernel: &FakeKernel, path: &str, reason: &str) {
    let e = errors(policy, kernel);
    assert_eq!(e.len(), 1, "expected one error at {path}, got {e:#?}");
    assert_eq!(e[0].path, path, "{e:#?}");
    assert!(
        e[0].reason.contains(reason),
        "reason of {path} should contain {reason:?}: {}",
        e[0].reason
    );
}

fn arg(offset: u16, size: u16, read: ArgRead, render: ArgRender) -> CompiledArg {
    CompiledArg::new(offset, size, read, render)
}

fn tp(subsystem: &str, event: &str) -> AttachPoint {
    AttachPoint::Tracepoint {
        subsystem: subsystem.into(),
        event: event.into(),
    }
}

fn tp_event(subsystem: &str, event: &str) -> HookEvent {
    HookEvent::Tracepoint {
        subsystem: subsystem.into(),
        event: event.into(),
    }
}

fn act(kind: u32, arg: i32) -> CompiledAction {
    CompiledAction {
        kind,
        arg,
        rate_limit_ns: 0,
        user_arg: None,
    }
}

fn margs(arg: u8, op: u8, values: Vec<i64>, set_id: u32) -> CompiledMatchArg {
    CompiledMatchArg {
        arg,
        op,
        values,
        set_id,
    }
}

// ---------------------------------------------------------------------------
// Exact output
// ---------------------------------------------------------------------------

const OPENAT_KILL: &str = r#"
kprobes:
- call: "CALL"
  syscall: true
  args:
  - index: 0
    type: int
  - index: 1
    type: "string"
  - index: 2
    type: "int"
  selectors:
  - matchArgs:
    - index: 1
      operator: "Equal"
      values:
      - "/etc/passwd"
      - "/etc/shadow"
    matchActions:
    - action: Sigkill
"#;

fn openat_kill_expected() -> CompiledPolicy {
    CompiledPolicy {
        hooks: vec![CompiledHook {
            syscall_nr: Some(257),
            compat_syscall: false,
            returns: false,
            data: 0,
            return_arg: None,
            return_arg_action: None,
            return_copy: None,
            pt_regs: false,
            ima: 0,
            path: "spec.kprobes[0]".into(),
            attach: tp("syscalls", "sys_enter_openat"),
            event: HookEvent::Kprobe {
                function_name: "__x64_sys_openat".into(),
            },
            record_size: 36,
            args: vec![
                arg(16, 4, ArgRead::Int, ArgRender::Int),
                arg(24, 8, ArgRead::UserString, ArgRender::String),
                arg(32, 4, ArgRead::Int, ArgRender::Int),
            ],
            selectors: vec![0],
            message: None,
            tags: vec![],
        }],
        selectors: vec![CompiledSelector {
            match_return: Vec::new(),
            return_actions: Vec::new(),
            pids: Vec::new(),
            parent_binary: None,
            binary: None,
            match_args: vec![margs(1, op::EQ, vec![], 1)],
            namespaces: vec![],
            capabilities: vec![],
            namespace_changes: None,
            actions: vec![act(action::SIGKILL, 9)],
        }],
        string_eq: vec![(1, b"/etc/passwd".to_vec()), (1, b"/etc/shadow".to_vec())],
        string_prefix: vec![],
        string_postfix: vec![],
        int_set: vec![],
        substrings: Vec::new(),
        cel_programs: Vec::new(),
        addr_set: vec![],
        enforces: true,
        monitor: false,
        enforcers: Vec::new(),
    }
}

#[test]
fn syscall_kprobe_with_equal_and_sigkill() {
    for call in ["sys_openat", "__x64_sys_openat", "openat"] {
        let got = compiled(&OPENAT_KILL.replace("CALL", call));
        assert_eq!(got, openat_kill_expected(), "call {call}");
    }
}

#[test]
fn compiled_policy_evaluates_like_the_kernel_should() {
    let p = compiled(&OPENAT_KILL.replace("CALL", "sys_openat"));
    let process = EvalProcess {
        pid: 10,
        nspid: 10,
        binary: b"/usr/bin/cat".to_vec(),
        ancestors_pids: vec![1],
        ..EvalProcess::default()
    };
    let args = |path: &[u8]| {
        vec![
            EvalArg::Int(-100),
            EvalArg::Str(path.to_vec()),
            EvalArg::Int(0),
        ]
    };
    assert_eq!(
        evaluate(&p, 0, &process, &args(b"/etc/shadow")),
        Decision {
            selector: Some(0),
            post: true,
            signal: Some(9)
        }
    );
    assert_eq!(
        evaluate(&p, 0, &process, &args(b"/etc/hosts")),
        Decision {
            selector: None,
            post: false,
            signal: None
        }
    );
}

#[test]
fn tracepoint_with_prefix_mask_binaries_and_rate_limit() {
    let got = compiled(
        r#"
        tracepoints:
        - subsystem: "syscalls"
          event: "sys_enter_openat"
          message: "sensitive open"
          tags: ["observability.filesystem"]
          args:
          - index: 6
            type: "string"
            label: "path"
          - index: 7
            type: "int"
          selectors:
          - matchArgs:
            - index: 6
              operator: "Prefix"
              values:
              - "/etc/"
              - "/root/.ssh"
            - index: 7
              operator: "Mask"
              values: ["1", "2", "0x40"]
            matchBinaries:
            - operator: "NotIn"
              values:
              - "/usr/bin/vim"
            matchActions:
            - action: Post
              rateLimit: "1m"
          - matchArgs:
            - index: 0
              operator: "Postfix"
              values:
              - ".conf"
            matchActions:
            - action: NoPost
        "#,
    );
    let mut path_arg = arg(24, 8, ArgRead::UserString, ArgRender::String);
    path_arg.label = Some("path".into());
    let expected = CompiledPolicy {
        hooks: vec![CompiledHook {
            syscall_nr: Some(257),
            compat_syscall: false,
            returns: false,
            data: 0,
            return_arg: None,
            return_arg_action: None,
            return_copy: None,
            pt_regs: false,
            ima: 0,
            path: "spec.tracepoints[0]".into(),
            attach: tp("syscalls", "sys_enter_openat"),
            event: tp_event("syscalls", "sys_enter_openat"),
            record_size: 36,
            args: vec![path_arg, arg(32, 4, ArgRead::Int, ArgRender::Int)],
            selectors: vec![0, 1],
            message: Some("sensitive open".into()),
            tags: vec!["observability.filesystem".into()],
        }],
        selectors: vec![
            CompiledSelector {
                match_return: Vec::new(),
                return_actions: Vec::new(),
                pids: Vec::new(),
                parent_binary: None,
                binary: Some(CompiledBinary {
                    op: op::NOT_IN,
                    set_id: 1,
                    follow_children: false,
                }),
                match_args: vec![
                    margs(0, op::PREFIX, vec![], 2),
                    margs(1, op::MASK, vec![1, 2, 0x40], 0),
                ],
                namespaces: vec![],
                capabilities: vec![],
                namespace_changes: None,
                actions: vec![CompiledAction {
                    kind: action::POST,
                    arg: 0,
                    rate_limit_ns: 60_000_000_000,
                    user_arg: None,
                }],
            },
            CompiledSelector {
                match_return: Vec::new(),
                return_actions: Vec::new(),
                pids: Vec::new(),
                parent_binary: None,
                binary: None,
                match_args: vec![margs(0, op::POSTFIX, vec![], 3)],
                namespaces: vec![],
                capabilities: vec![],
                namespace_changes: None,
                actions: vec![act(action::NOPOST, 0)],
            },
        ],
        string_eq: vec![(1, b"/usr/bin/vim".to_vec())],
        string_prefix: vec![(2, b"/etc/".to_vec()), (2, b"/root/.ssh".to_vec())],
        string_postfix: vec![(3, b"fnoc.".to_vec())],
        int_set: vec![],
        substrings: Vec::new(),
        cel_programs: Vec::new(),
        addr_set: vec![],
        enforces: false,
        monitor: false,
        enforcers: Vec::new(),
    };
    assert_eq!(got, expected);
}

#[test]
fn raw_syscalls_in_map_of_a_syscall_list() {
    let got = compiled(
        r#"
        lists:
        - name: "dups"
          type: "syscalls"
          values:
          - "sys_dup"
          - "__x64_sys_dup2"
        tracepoints:
        - subsystem: "raw_syscalls"
          event: "sys_enter"
          args:
          - index: 4
            type: "int64"
          selectors:
          - matchArgs:
            - index: 0
              operator: "InMap"
              values:
              - "list:dups"
              - "59"
              - "300:302"
              - "0x10"
            matchPIDs:
            - operator: NotIn
              followForks: true
              isNamespacePID: true
              values: [1]
          - matchArgs:
            - index: 4
              operator: "NotInMap"
              values: ["1:3"]
            matchActions:
            - action: Signal
              argSig: 10
            - action: GetUrl
              argUrl: "http://example.invalid/x"
            - action: DnsLookup
              argFqdn: "example.invalid"
        "#,
    );
    let expected = CompiledPolicy {
        hooks: vec![CompiledHook {
            syscall_nr: None,
            compat_syscall: false,
            returns: false,
            data: 0,
            return_arg: None,
            return_arg_action: None,
            return_copy: None,
            pt_regs: false,
            ima: 0,
            path: "spec.tracepoints[0]".into(),
            attach: tp("raw_syscalls", "sys_enter"),
            event: tp_event("raw_syscalls", "sys_enter"),
            record_size: 16,
            args: vec![arg(8, 8, ArgRead::Int, ArgRender::Long)],
            selectors: vec![0, 1],
            message: None,
            tags: vec![],
        }],
        selectors: vec![
            CompiledSelector {
                match_return: Vec::new(),
                return_actions: Vec::new(),
                pids: vec![CompiledPids {
                    op: op::NOT_IN,
                    follow_forks: true,
                    namespace_pid: true,
                    values: vec![1],
                }],
                parent_binary: None,
                binary: None,
                match_args: vec![margs(0, op::IN_MAP, vec![], 1)],
                namespaces: vec![],
                capabilities: vec![],
                namespace_changes: None,
                actions: vec![],
            },
            CompiledSelector {
                match_return: Vec::new(),
                return_actions: Vec::new(),
                pids: Vec::new(),
                parent_binary: None,
                binary: None,
                match_args: vec![margs(0, op::NOT_IN_MAP, vec![], 2)],
                namespaces: vec![],
                capabilities: vec![],
                namespace_changes: None,
                actions: vec![
                    act(action::SIGNAL, 10),
                    CompiledAction {
                        kind: action::GETURL,
                        arg: 0,
                        rate_limit_ns: 0,
                        user_arg: Some("http://example.invalid/x".into()),
                    },
                    CompiledAction {
                        kind: action::DNSLOOKUP,
                        arg: 0,
                        rate_limit_ns: 0,
                        user_arg: Some("example.invalid".into()),
                    },
                ],
            },
        ],
        string_eq: vec![],
        string_prefix: vec![],
        string_postfix: vec![],
        int_set: vec![
            (1, 32),
            (1, 33),
            (1, 59),
            (1, 300),
            (1, 301),
            (1, 302),
            (1, 16),
            (2, 1),
            (2, 2),
            (2, 3),
        ],
        substrings: Vec::new(),
        cel_programs: Vec::new(),
        addr_set: vec![],
        enforces: true,
        monitor: false,
        enforcers: Vec::new(),
    };
    assert_eq!(got, expected);
}

#[test]
fn corpus_list_syscalls_tracepoint_example() {
    // tracingpolicy/list-syscalls-tracepoint.yaml: matchArgs index 0 is the position of the
    // only argument (format field 4, `id`).
    let got = compiled(
        r#"
        lists:
        - name: "dups"
          type: "syscalls"
          values:
          - "sys_dup"
          - "sys_dup2"
        tracepoints:
        - subsystem: "raw_syscalls"
          event: "sys_enter"
          args:
          - index: 4
            type: "uint64"
          selectors:
          - matchArgs:
            - index: 0
              operator: "InMap"
              values:
              - "list:dups"
        "#,
    );
    assert_eq!(
        got.hooks[0].args,
        vec![arg(8, 8, ArgRead::Uint, ArgRender::Size)]
    );
    assert_eq!(
        got.selectors[0].match_args,
        vec![margs(0, op::IN_MAP, vec![], 1)]
    );
    assert_eq!(got.int_set, vec![(1, 32), (1, 33)]);
}

/// A `__data_loc` array of other elements (`u64[]`, `cpumask_t`): type auto reads its bytes
/// (from the tracepoint's record, where the field's offset points), reported as bytes.
#[test]
fn data_loc_arrays_read_as_bytes() {
    let mut k = FakeKernel::new();
    k.add(
        "dma",
        "dma_map_sg",
        &format(
            "dma_map_sg",
            &[
                ("__data_loc u64[] phys_addrs", 8, 4, false),
                ("__data_loc cpumask_t cpumask", 12, 4, false),
            ],
        ),
    );
    let got = compiled_with(
        "tracepoints:\n- subsystem: dma\n  event: dma_map_sg\n  args:\n  - index: 4\n  - index: 5\n    type: auto",
        &k,
    );
    let args = &got.hooks[0].args;
    assert_eq!(
        args,
        &vec![
            arg(8, 4, ArgRead::DataLocBytes, ArgRender::Bytes),
            arg(12, 4, ArgRead::DataLocBytes, ArgRender::Bytes),
        ]
    );
    assert!(ArgRead::DataLocBytes.has_trailer() && ArgRead::DataLocBytes.is_string());
}

#[test]
fn sched_process_exec_with_data_loc_and_ranges() {
    let got = compiled(
        r#"
        tracepoints:
        - subsystem: "sched"
          event: "sched_process_exec"
          args:
          - index: 4
          - index: 5
            type: "int"
          - index: 6
            type: "uint32"
          selectors:
          - matchArgs:
            - index: 4
              operator: "Equal"
              values: ["/usr/bin/nc"]
            - index: 5
              operator: "InRange"
              values: ["1:100", "-5:-1"]
            - index: 6
              operator: "GT"
              values: ["1000"]
            matchBinaries:
            - operator: "Postfix"
              values: ["/sh", "/bash"]
            matchPIDs:
            - operator: In
              values: [1, 2, 3, 4]
        "#,
    );
    let expected = CompiledPolicy {
        hooks: vec![CompiledHook {
            syscall_nr: None,
            compat_syscall: false,
            returns: false,
            data: 0,
            return_arg: None,
            return_arg_action: None,
            return_copy: None,
            pt_regs: false,
            ima: 0,
            path: "spec.tracepoints[0]".into(),
            attach: tp("sched", "sched_process_exec"),
            event: tp_event("sched", "sched_process_exec"),
            record_size: 20,
            args: vec![
                arg(8, 4, ArgRead::DataLocString, ArgRender::String),
                arg(12, 4, ArgRead::Int, ArgRender::Int),
                arg(16, 4, ArgRead::Uint, ArgRender::Uint),
            ],
            selectors: vec![0],
            message: None,
            tags: vec![],
        }],
        selectors: vec![CompiledSelector {
            match_return: Vec::new(),
            return_actions: Vec::new(),
            pids: vec![CompiledPids {
                op: op::IN,
                follow_forks: false,
                namespace_pid: false,
                values: vec![1, 2, 3, 4],
            }],
            parent_binary: None,
            binary: Some(CompiledBinary {
                op: op::POSTFIX,
                set_id: 1,
                follow_children: false,
            }),
            match_args: vec![
                margs(0, op::EQ, vec![], 2),
                margs(1, op::IN_RANGE, vec![1, 100, -5, -1], 0),
                margs(2, op::GT, vec![1000], 0),
            ],
            namespaces: vec![],
            capabilities: vec![],
            namespace_changes: None,
            actions: vec![],
        }],
        string_eq: vec![(2, b"/usr/bin/nc".to_vec())],
        string_prefix: vec![],
        string_postfix: vec![(1, b"hs/".to_vec()), (1, b"hsab/".to_vec())],
        int_set: vec![],
        substrings: Vec::new(),
        cel_programs: Vec::new(),
        addr_set: vec![],
        enforces: false,
        monitor: false,
        enforcers: Vec::new(),
    };
    assert_eq!(got, expected);
}

#[test]
fn list_call_gives_one_hook_per_syscall_with_its_own_selectors() {
    let spec = r#"
        lists:
        - name: "calls"
          type: "syscalls"
          values: ["sys_openat", "sys_kill", "sys_nosuchcall"]
        kprobes:
        - call: "list:calls"
          IGNORE
          args:
          - index: 0
            type: "int"
          selectors:
          - matchArgs:
            - index: 0
              operator: "NotEqual"
              values: ["-100", "0"]
            matchActions:
            - action: Signal
              argSig: 19
    "#;
    let got = compiled(&spec.replace("IGNORE", "ignore:\n            callNotFound: true"));
    let hook = |event: &str, function: &str, selector| CompiledHook {
        syscall_nr: syscalls_x86_64::number(event.trim_start_matches("sys_enter_")),
        compat_syscall: false,
        returns: false,
        data: 0,
        return_arg: None,
        return_arg_action: None,
        return_copy: None,
        pt_regs: false,
        ima: 0,
        path: "spec.kprobes[0]".into(),
        attach: tp("syscalls", event),
        event: HookEvent::Kprobe {
            function_name: function.into(),
        },
        record_size: 20,
        args: vec![arg(16, 4, ArgRead::Int, ArgRender::Int)],
        selectors: vec![selector],
        message: None,
        tags: vec![],
    };
    let selector = CompiledSelector {
        match_return: Vec::new(),
        return_actions: Vec::new(),
        pids: Vec::new(),
        parent_binary: None,
        binary: None,
        match_args: vec![margs(0, op::NEQ, vec![-100, 0], 0)],
        namespaces: vec![],
        capabilities: vec![],
        namespace_changes: None,
        actions: vec![act(action::SIGNAL, 19)],
    };
    let expected = CompiledPolicy {
        hooks: vec![
            hook("sys_enter_openat", "__x64_sys_openat", 0),
            hook("sys_enter_kill", "__x64_sys_kill", 1),
        ],
        selectors: vec![selector.clone(), selector],
        enforces: true,
        monitor: false,
        enforcers: Vec::new(),
        ..CompiledPolicy::default()
    };
    assert_eq!(got, expected);

    // Without ignore.callNotFound the missing syscall fails the policy.
    let policy = ok(&spec.replace("IGNORE", ""));
    one_error(
        &policy,
        &FakeKernel::new(),
        "spec.kprobes[0].call",
        "tracepoint syscalls/sys_enter_nosuchcall does not exist",
    );
}

#[test]
fn set_ids_are_sequential_across_hooks_and_never_shared() {
    let got = compiled(
        r#"
        lists:
        - name: "calls"
          values: ["sys_openat", "sys_openat"]
        kprobes:
        - call: "list:calls"
          args:
          - index: 1
            type: "string"
          selectors:
          - matchArgs:
            - index: 1
              operator: "Equal"
              values: ["/a"]
            matchBinaries:
            - operator: "In"
              values: ["/bin/x"]
          - matchArgs:
            - index: 1
              operator: "NotPrefix"
              values: ["/b"]
        "#,
    );
    assert_eq!(got.hooks.len(), 2);
    assert_eq!(got.hooks[0].selectors, vec![0, 1]);
    assert_eq!(got.hooks[1].selectors, vec![2, 3]);
    let ids: Vec<(Option<u32>, Vec<u32>)> = got
        .selectors
        .iter()
        .map(|s| {
            (
                s.binary.as_ref().map(|b| b.set_id),
                s.match_args.iter().map(|m| m.set_id).collect(),
            )
        })
        .collect();
    assert_eq!(
        ids,
        vec![
            (Some(1), vec![2]),
            (None, vec![3]),
            (Some(4), vec![5]),
            (None, vec![6]),
        ]
    );
    assert_eq!(
        got.string_eq,
        vec![
            (1, b"/bin/x".to_vec()),
            (2, b"/a".to_vec()),
            (4, b"/bin/x".to_vec()),
            (5, b"/a".to_vec()),
        ]
    );
    assert_eq!(
        got.string_prefix,
        vec![(3, b"/b".to_vec()), (6, b"/b".to_vec())]
    );
}

#[test]
fn macros_are_expanded() {
    let got = compiled(
        r#"
        selectorsMacros:
          kill:
            matchActions:
            - action: Sigkill
          etc:
            matchArgs:
            - index: 1
              operator: "Prefix"
              values: ["/etc/"]
        kprobes:
        - call: "sys_openat"
          args:
          - index: 1
            type: "string"
          selectors:
          - macros: ["etc", "kill"]
        "#,
    );
    assert_eq!(
        got.selectors,
        vec![CompiledSelector {
            match_return: Vec::new(),
            return_actions: Vec::new(),
            pids: Vec::new(),
            parent_binary: None,
            binary: None,
            match_args: vec![margs(0, op::PREFIX, vec![], 1)],
            namespaces: vec![],
            capabilities: vec![],
            namespace_changes: None,
            actions: vec![act(action::SIGKILL, 9)],
        }]
    );
    assert_eq!(got.string_prefix, vec![(1, b"/etc/".to_vec())]);
}

#[test]
fn hook_without_selectors_and_auto_arguments() {
    let got = compiled(
        r#"
        kprobes:
        - call: "sys_kill"
          args:
          - index: 0
          - index: 1
        "#,
    );
    assert_eq!(
        got.hooks[0].args,
        vec![
            arg(16, 4, ArgRead::Int, ArgRender::Int),
            arg(24, 4, ArgRead::Int, ArgRender::Int),
        ]
    );
    assert!(got.hooks[0].selectors.is_empty());
    assert!(got.selectors.is_empty());
    assert!(!got.enforces);
    let d = evaluate(&got, 0, &EvalProcess::default(), &[]);
    assert!(d.post && d.selector.is_none() && d.signal.is_none());
}

#[test]
fn process_filters_compile_and_evaluate() {
    let got = compiled(
        r#"
        kprobes:
        - call: "sys_kill"
          args:
          - index: 1
            type: "int"
          selectors:
          - matchBinaries:
            - operator: In
              values: ["/usr/bin/sudo"]
              followChildren: true
            matchNamespaces:
            - namespace: Mnt
              operator: NotIn
              values: [host_ns]
            - namespace: user
              operator: In
              values: ["4026531837", host_ns]
            matchCapabilities:
            - type: Effective
              operator: In
              values: [CAP_KILL, CAP_SYS_ADMIN]
            matchCapabilityChanges:
            - type: Permitted
              operator: NotIn
              values: [CAP_SETUID]
            matchNamespaceChanges:
            - operator: NotIn
              values: [Pid, Net]
            matchArgs:
            - index: 1
              operator: Equal
              values: ["9"]
            matchActions:
            - action: Sigkill
        "#,
    );
    assert_eq!(
        got.selectors,
        vec![CompiledSelector {
            match_return: Vec::new(),
            return_actions: Vec::new(),
            pids: Vec::new(),
            parent_binary: None,
            binary: Some(CompiledBinary {
                op: op::IN,
                set_id: 1,
                follow_children: true,
            }),
            match_args: vec![margs(0, op::EQ, vec![9], 0)],
            namespaces: vec![
                CompiledNamespaces {
                    kind: 2,
                    op: op::NOT_IN,
                    values: vec![HOST_NS_BASE + 2],
                },
                CompiledNamespaces {
                    kind: 9,
                    op: op::IN,
                    values: vec![4_026_531_837, HOST_NS_BASE + 9],
                },
            ],
            capabilities: vec![
                CompiledCapabilities {
                    set: cap_set::EFFECTIVE,
                    op: op::IN,
                    changes: false,
                    mask: 1 << 5 | 1 << 21,
                    host_user_ns: 0,
                },
                CompiledCapabilities {
                    set: cap_set::PERMITTED,
                    op: op::NOT_IN,
                    changes: true,
                    mask: 1 << 7,
                    host_user_ns: 0,
                },
            ],
            namespace_changes: Some((op::NOT_IN, 1 << 3 | 1 << 5)),
            actions: vec![act(action::SIGKILL, 9)],
        }]
    );
    assert_eq!(got.string_eq, vec![(1, b"/usr/bin/sudo".to_vec())]);
    assert_eq!(NAMESPACE_KINDS[2], "Mnt");
    assert_eq!(NAMESPACE_KINDS[9], "User");

    // A shell started by sudo in a container's mount namespace, user namespace of the host.
    let mut ns = [0u32; 10];
    for (k, n) in ns.iter_mut().enumerate() {
        *n = HOST_NS_BASE + k as u32;
    }
    ns[2] = 4_026_532_000;
    let caps = [1 << 21, 0, 1 << 21 | 1 << 7];
    let process = EvalProcess {
        pid: 10,
        nspid: 10,
        binary: b"/bin/sh".to_vec(),
        ancestors_pids: vec![9, 1],
        namespaces: ns,
        exec_namespaces: ns,
        caps,
        exec_caps: caps,
        ancestor_binaries: vec![b"/usr/bin/sudo".to_vec(), b"/sbin/init".to_vec()],
    };
    let kill = Decision {
        selector: Some(0),
        post: true,
        signal: Some(9),
    };
    let eval = |p: &EvalProcess, sig: i64| evaluate(&got, 0, p, &[EvalArg::Int(sig)]);
    assert_eq!(eval(&process, 9), kill);
    assert_eq!(eval(&process, 15), Decision::NONE);
    /// (what differs, how).
    type Variant = (&'static str, fn(&mut EvalProcess));
    let variants: [Variant; 6] = [
        ("not below sudo", |p| p.ancestor_binaries.clear()),
        ("host mount namespace", |p| {
            p.namespaces[2] = HOST_NS_BASE + 2
        }),
        ("other user namespace", |p| p.namespaces[9] = 1),
        ("no CAP_KILL nor CAP_SYS_ADMIN", |p| p.caps[0] = 1 << 7),
        ("CAP_SETUID lost since exec", |p| p.caps[2] = 1 << 21),
        ("changed net namespace", |p| p.namespaces[5] = 1),
    ];
    for (what, change) in variants {
        let mut p = process.clone();
        change(&mut p);
        assert_eq!(eval(&p, 9), Decision::NONE, "{what}");
    }
    // The sudo binary itself matches without ancestors.
    let sudo = EvalProcess {
        binary: b"/usr/bin/sudo".to_vec(),
        ancestor_binaries: Vec::new(),
        ..process.clone()
    };
    assert_eq!(eval(&sudo, 9), kill);
}

#[test]
fn host_ns_needs_the_host_namespace_inode() {
    let mut kernel = FakeKernel::new();
    kernel.host_namespaces = false;
    let policy = ok(
        "kprobes:\n- call: sys_kill\n  selectors:\n  - matchNamespaces:\n    - namespace: Pid\n      operator: In\n      values: ['1']\n    - namespace: Net\n      operator: NotIn\n      values: ['2', host_ns]",
    );
    one_error(
        &policy,
        &kernel,
        "spec.kprobes[0].selectors[0].matchNamespaces[1].values[1]",
        "host_ns: the host namespace of kind Net is unknown on this kernel",
    );
    // Inode numbers alone need nothing from the kernel.
    let policy = ok(
        "kprobes:\n- call: sys_kill\n  selectors:\n  - matchNamespaces:\n    - namespace: Pid\n      operator: In\n      values: ['1']",
    );
    assert!(compile(&policy, &kernel).is_ok());
}

// ---------------------------------------------------------------------------
// Unsupported features: one error each, with its path
// ---------------------------------------------------------------------------

/// (spec, path, reason fragment) for the default fake kernel.
const UNSUPPORTED: &[(&str, &str, &str)] = &[
    (
        "lsmhooks:\n- hook: file_open",
        "spec.lsmhooks[0]",
        "needs BPF-LSM, which this kernel does not offer",
    ),
    (
        "uprobes:\n- path: /bin/bash\n  symbols: [main]\n  return: true\n  returnArg:\n    index: 0\n    type: sock",
        "spec.uprobes[0].returnArg.type",
        "a uprobe returns a user-space value",
    ),
    (
        "usdts:\n- path: /bin/x\n  provider: p\n  name: n\n  args:\n  - index: 0\n    type: char_buf\n    returnCopy: true",
        "spec.usdts[0].args[0].returnCopy",
        "returnCopy needs a return probe",
    ),
    (
        "usdts:\n- path: /bin/x\n  provider: p\n  name: n\n  args:\n  - index: 0\n    type: int\n    resolve: a.b",
        "spec.usdts[0].args[0].resolve",
        "set btfPath (its BTF) and btfType",
    ),
    (
        "fentries:\n- call: fd_install\n  syscall: false",
        "spec.fentries[0]",
        "fentry",
    ),
    (
        "tracepoints:\n- subsystem: sched\n  event: sched_nope",
        "spec.tracepoints[0]",
        "tracepoint sched/sched_nope does not exist on this kernel",
    ),
    (
        "kprobes:\n- call: sys_nope",
        "spec.kprobes[0].call",
        "tracepoint syscalls/sys_enter_nope does not exist",
    ),
    (
        "kprobes:\n- call: __ia32_sys_kill",
        "spec.kprobes[0].call",
        "32-bit",
    ),
    (
        "kprobes:\n- call: sys_kill\n  return: true\n  returnArg:\n    index: 0\n    type: int\n  returnArgAction: TrackSock",
        "spec.kprobes[0].returnArgAction",
        "TrackSock needs returnArg of type sock",
    ),
    (
        "kprobes:\n- call: sys_kill\n  args:\n  - index: 0\n    type: int\n    resolve: x",
        "spec.kprobes[0].args[0].resolve",
        "syscall arguments point to user memory",
    ),
    (
        "kprobes:\n- call: sys_openat\n  args:\n  - index: 1\n    type: char_buf",
        "spec.kprobes[0].args[0].sizeArgIndex",
        "char_buf needs sizeArgIndex",
    ),
    (
        "kprobes:\n- call: sys_openat\n  args:\n  - index: 1\n    type: fd",
        "spec.kprobes[0].args[0].type",
        "type fd needs an integer field",
    ),
    (
        "kprobes:\n- call: sys_kill\n  args:\n  - index: 3\n    type: int",
        "spec.kprobes[0].args[0].index",
        "syscall kill has 2 arguments (tracepoint syscalls/sys_enter_kill); index 3 is out of range",
    ),
    (
        "kprobes:\n- call: sys_kill\n  selectors:\n  - matchNamespaces:\n    - namespace: Pid\n      operator: In\n      values: ['0x10']",
        "spec.kprobes[0].selectors[0].matchNamespaces[0].values[0]",
        "0x10 is not a namespace inode number (a decimal 32-bit unsigned integer) or host_ns",
    ),
    (
        "kprobes:\n- call: sys_kill\n  selectors:\n  - matchWorkloads:\n    - hostSelector: {}",
        "spec.kprobes[0].selectors[0].matchWorkloads",
        "not supported",
    ),
    (
        "kprobes:\n- call: sys_kill\n  selectors:\n  - matchActions:\n    - action: Post\n      imaHash: true",
        "spec.kprobes[0].selectors[0].matchActions[0].imaHash",
        "imaHash hashes the file of an LSM hook",
    ),
    (
        "kprobes:\n- call: sys_kill\n  selectors:\n  - matchActions:\n    - action: Override\n      argError: -1",
        "spec.kprobes[0].selectors[0].matchActions[0].action",
        "Override needs kprobe override or fmod_ret, which this kernel lacks; use Sigkill",
    ),
    (
        "kprobes:\n- call: sys_kill\n  selectors:\n  - matchActions:\n    - action: CleanupEnforcerNotification",
        "spec.kprobes[0].selectors[0].matchActions[0].action",
        "CleanupEnforcerNotification needs spec.enforcers",
    ),
    (
        "kprobes:\n- call: sys_openat\n  args:\n  - index: 1\n    type: string\n  selectors:\n  - matchArgs:\n    - operator: CelExpr\n      values: ['arg0 == 1']",
        "spec.kprobes[0].selectors[0].matchArgs[0].values[0]",
        "arg0, which is not an integer argument",
    ),
    (
        "kprobes:\n- call: sys_openat\n  args:\n  - index: 1\n  selectors:\n  - matchArgs:\n    - index: 1\n      operator: GT\n      values: ['1']",
        "spec.kprobes[0].selectors[0].matchArgs[0].operator",
        "operator GT does not apply to string argument 0",
    ),
    (
        "kprobes:\n- call: sys_kill\n  args:\n  - index: 0\n  selectors:\n  - matchArgs:\n    - index: 0\n      operator: Prefix\n      values: ['1']",
        "spec.kprobes[0].selectors[0].matchArgs[0].operator",
        "operator Prefix applies to strings",
    ),
    (
        "kprobes:\n- call: sys_kill\n  args:\n  - index: 0\n    type: int\n  selectors:\n  - matchArgs:\n    - index: 0\n      operator: InMap\n      values: ['0:5000']",
        "spec.kprobes[0].selectors[0].matchArgs[0].values[0]",
        "range 0:5000 holds 5001 values",
    ),
    (
        "lists:\n- name: dups\n  type: syscalls\n  values: [sys_dup, __ia32_sys_dup]\ntracepoints:\n- subsystem: raw_syscalls\n  event: sys_enter\n  args:\n  - index: 4\n    type: int64\n  selectors:\n  - matchArgs:\n    - index: 0\n      operator: InMap\n      values: ['list:dups']",
        "spec.tracepoints[0].selectors[0].matchArgs[0].values[0]",
        "list dups: __ia32_sys_dup has no known 32-bit syscall number on this kernel",
    ),
    (
        "selectorsMacros:\n  parent:\n    matchWorkloads:\n    - hostSelector: {}\nkprobes:\n- call: sys_kill\n  selectors:\n  - macros: [parent]",
        "spec.selectorsMacros.parent.matchWorkloads",
        "matchWorkloads is not supported",
    ),
    (
        "selectorsMacros:\n  kill:\n    matchActions:\n    - action: CleanupEnforcerNotification\nkprobes:\n- call: sys_kill\n  selectors:\n  - macros: [kill]\n    matchActions:\n    - action: Post",
        "spec.selectorsMacros.kill.matchActions[0].action",
        "CleanupEnforcerNotification needs spec.enforcers",
    ),
    (
        "tracepoints:\n- subsystem: raw_syscalls\n  event: sys_enter\n  args:\n  - index: 4\n    type: uint64\n  selectors:\n  - matchArgs:\n    - index: 0\n      operator: GT\n      values: ['0x8000000000000000']",
        "spec.tracepoints[0].selectors[0].matchArgs[0].values[0]",
        "GT compares signed 64-bit integers",
    ),
    (
        "podSelector:\n  matchLabels:\n    app: x\nkprobes:\n- call: sys_kill",
        "spec.podSelector",
        "workload scoping (podSelector) is not supported",
    ),
    (
        "containerSelector:\n  matchExpressions:\n  - key: name\n    operator: In\n    values: [x]\nkprobes:\n- call: sys_kill",
        "spec.containerSelector",
        "not supported",
    ),
    (
        "loader: true\nkprobes:\n- call: sys_kill",
        "spec.loader",
        "the loader sensor needs the syscalls/sys_enter_mmap tracepoint",
    ),
    (
        "enforcers:\n- calls: [sys_kill]\nkprobes:\n- call: sys_kill",
        "spec.enforcers",
        "they need fmod_ret programs (BPF trampolines)",
    ),
];

#[test]
fn policy_mode_monitor_compiles_with_enforcement_off() {
    let got = compiled(
        "options:\n- name: policy-mode\n  value: monitor\nkprobes:\n- call: sys_kill\n  selectors:\n  - matchActions:\n    - action: Sigkill",
    );
    assert!(got.monitor);
    assert!(got.enforces);
    assert!(!compiled("kprobes:\n- call: sys_kill").monitor);
}

#[test]
fn unsupported_features_are_refused_with_their_path() {
    let kernel = FakeKernel::new();
    for (spec, path, reason) in UNSUPPORTED {
        let policy = ok(spec);
        let e = match compile(&policy, &kernel) {
            Ok(p) => panic!("{spec}\n compiled: {p:#?}"),
            Err(e) => e,
        };
        assert_eq!(e.len(), 1, "{spec}\n{e:#?}");
        assert_eq!(e[0].path, *path, "{spec}\n{e:#?}");
        assert!(
            e[0].reason.contains(reason),
            "{spec}\nreason {:?} should contain {reason:?}",
            e[0].reason
        );
        assert_eq!(e[0].to_string(), format!("{}: {}", e[0].path, e[0].reason));
    }
}

#[test]
fn namespaced_policies_are_refused() {
    let doc = common::policy_yaml_kind("TracingPolicyNamespaced", "kprobes:\n- call: sys_kill");
    let doc = doc.replace("name: test\n", "name: test\n  namespace: default\n");
    let policy = auspex_policy::parse_str(&doc, "t.yaml").unwrap().remove(0);
    one_error(
        &policy,
        &FakeKernel::new(),
        "kind",
        "TracingPolicyNamespaced",
    );
}

#[test]
fn hooks_that_need_kprobes_on_a_kernel_with_kprobes() {
    // Kernel functions compile to kprobe hooks with register arguments, on any kernel (attaching
    // needs kprobes; that is the agent's business).
    for kernel in [FakeKernel::new(), FakeKernel::new().with_kprobes()] {
        let got = compiled_with(
            "kprobes:\n- call: fd_install\n  syscall: false\n  args:\n  - index: 0\n    type: int\n  - index: 1\n    type: file",
            &kernel,
        );
        assert_eq!(
            got.hooks[0].attach,
            AttachPoint::Kprobe {
                function: "fd_install".into(),
                syscall: false,
                override_return: false
            }
        );
        assert_eq!(
            got.hooks[0].args,
            vec![
                arg(16, 4, ArgRead::Int, ArgRender::Int),
                arg(24, 8, ArgRead::FilePtr, ArgRender::File)
            ]
        );
    }
    // The corpus' tty.yaml: a kiocb is read as its file (ki_filp).
    let got = compiled(
        "kprobes:\n- call: tty_write\n  syscall: false\n  args:\n  - index: 0\n    type: kiocb",
    );
    assert_eq!(
        got.hooks[0].args,
        vec![arg(16, 8, ArgRead::Kiocb, ArgRender::File)]
    );
    // Kernel modules: the module and the load_info of one being loaded.
    let got = compiled(
        "kprobes:\n- call: do_init_module\n  syscall: false\n  args:\n  - index: 0\n    type: module\n- call: find_module_sections\n  syscall: false\n  args:\n  - index: 0\n    type: nop\n  - index: 1\n    type: load_info",
    );
    assert_eq!(
        got.hooks[0].args,
        vec![arg(16, 8, ArgRead::Module, ArgRender::Module)]
    );
    assert_eq!(
        got.hooks[1].args[1],
        arg(24, 8, ArgRead::LoadInfo, ArgRender::Module)
    );
    // Syscalls use a kprobe on the wrapper when the kernel has kprobes, with the C types of the
    // syscall's tracepoint format.
    let kernel = FakeKernel::new().with_kprobes();
    let got = compiled_with(
        "kprobes:\n- call: sys_openat\n  args:\n  - index: 1\n    type: string",
        &kernel,
    );
    assert_eq!(
        got.hooks[0].attach,
        AttachPoint::Kprobe {
            function: "__x64_sys_openat".into(),
            syscall: true,
            override_return: false
        }
    );
    assert_eq!(
        got.hooks[0].args,
        vec![arg(24, 8, ArgRead::UserString, ArgRender::String)]
    );
    // Tracepoints do not care.
    compiled_with(
        "tracepoints:\n- subsystem: raw_syscalls\n  event: sys_enter",
        &kernel,
    );
}

#[test]
fn char_buf_takes_its_length_from_size_arg_index() {
    let spec = "kprobes:\n- call: sys_write\n  args:\n  - index: 0\n    type: fd\n  - index: 1\n    type: char_buf\n    sizeArgIndex: 3\n  - index: 2\n    type: size_t";
    // Served by the syscall tracepoint (no kprobes) and by the kprobe on the wrapper: the same
    // record layout (argument n at 16 + 8n), the length is `count` (8 bytes at 32).
    for kernel in [
        FakeKernel::with_common_syscalls(),
        FakeKernel::with_common_syscalls().with_kprobes(),
    ] {
        let got = compiled_with(spec, &kernel);
        let buf = &got.hooks[0].args[1];
        assert_eq!(
            (buf.offset, buf.read, buf.render),
            (24, ArgRead::UserBuf, ArgRender::Bytes)
        );
        assert_eq!((buf.size_offset, buf.size_width), (32, 8));
    }
    // The length's C type decides its width (`int addrlen` of connect is 4 bytes).
    let got = compiled_with(
        "kprobes:\n- call: sys_connect\n  args:\n  - index: 1\n    type: char_buf\n    sizeArgIndex: 3\n  - index: 2\n    type: int",
        &FakeKernel::with_common_syscalls(),
    );
    assert_eq!(
        (
            got.hooks[0].args[0].size_offset,
            got.hooks[0].args[0].size_width
        ),
        (32, 4)
    );
    for (size_arg_index, reason) in [
        (0, "char_buf needs sizeArgIndex"),
        (2, "sizeArgIndex 2 names a non-integer argument"),
    ] {
        let policy = ok(&format!(
            "kprobes:\n- call: sys_write\n  args:\n  - index: 1\n    type: char_buf\n    sizeArgIndex: {size_arg_index}\n  - index: 2\n    type: size_t"
        ));
        one_error(
            &policy,
            &FakeKernel::with_common_syscalls(),
            "spec.kprobes[0].args[0].sizeArgIndex",
            reason,
        );
    }
    // Kernel functions' buffers are in kernel memory.
    let got = compiled_with(
        "kprobes:\n- call: tty_write\n  syscall: false\n  args:\n  - index: 0\n    type: file\n  - index: 1\n    type: char_buf\n    sizeArgIndex: 3\n  - index: 2\n    type: size_t",
        &FakeKernel::stock(),
    );
    assert_eq!(got.hooks[0].args[1].read, ArgRead::KernelBuf);
    assert_eq!(got.hooks[0].args[1].size_offset, 32);
}

#[test]
fn lsm_hooks_and_fentries_on_a_stock_kernel() {
    let got = compiled_with(
        "lsmhooks:\n- hook: file_open\n  args:\n  - index: 0\n    type: file\n  selectors:\n  - matchArgs:\n    - index: 0\n      operator: Prefix\n      values: [/tmp/x]\n    matchActions:\n    - action: Override\n      argError: -1",
        &FakeKernel::stock(),
    );
    assert_eq!(
        got.hooks[0].attach,
        AttachPoint::Lsm {
            hook: "file_open".into()
        }
    );
    assert_eq!(
        got.hooks[0].event,
        HookEvent::Lsm {
            function_name: "file_open".into()
        }
    );
    assert_eq!(
        got.hooks[0].args,
        vec![arg(16, 8, ArgRead::FilePtr, ArgRender::File)]
    );
    assert_eq!(got.selectors[0].actions, vec![act(action::OVERRIDE, -1)]);
    assert!(got.enforces);
    // An LSM verdict is 0 or a negative errno.
    let policy = ok(
        "lsmhooks:\n- hook: file_open\n  selectors:\n  - matchActions:\n    - action: Override\n      argError: 5",
    );
    one_error(
        &policy,
        &FakeKernel::stock(),
        "spec.lsmhooks[0].selectors[0].matchActions[0].argError",
        "negative errno",
    );

    let got = compiled_with(
        "fentries:\n- call: security_file_open\n  syscall: false\n  args:\n  - index: 0\n    type: file",
        &FakeKernel::stock(),
    );
    assert_eq!(
        got.hooks[0].attach,
        AttachPoint::Fentry {
            function: "security_file_open".into(),
            syscall: false
        }
    );
    assert_eq!(
        got.hooks[0].event,
        HookEvent::Kprobe {
            function_name: "security_file_open".into()
        }
    );
    // Without trampolines: refused with the reason.
    one_error(
        &ok("fentries:\n- call: security_file_open\n  syscall: false"),
        &FakeKernel::new().with_kprobes(),
        "spec.fentries[0]",
        "which this kernel does not load",
    );

    // `list:` calls: one fentry hook per member (a syscalls list: the syscall entry points);
    // more members than the object's fentry programs are refused on the section.
    let got = compiled_with(
        "lists:\n- name: opens\n  type: syscalls\n  values: [sys_openat, sys_kill]\nfentries:\n- call: list:opens\n  syscall: true",
        &FakeKernel::stock(),
    );
    let functions: Vec<_> = got
        .hooks
        .iter()
        .map(|h| match &h.attach {
            AttachPoint::Fentry { function, syscall } => (function.as_str(), *syscall),
            other => panic!("fentry expected: {other:?}"),
        })
        .collect();
    assert_eq!(
        functions,
        [("__x64_sys_openat", true), ("__x64_sys_kill", true)]
    );
    let many: Vec<String> = (0..=limits::TRAMPOLINE_SLOTS)
        .map(|i| format!("f{i}"))
        .collect();
    one_error(
        &ok(&format!(
            "lists:\n- name: many\n  values: [{}]\nfentries:\n- call: list:many\n  syscall: false",
            many.join(", ")
        )),
        &FakeKernel::stock(),
        "spec.fentries",
        "7 fentry hooks",
    );
}

#[test]
fn override_routes_like_tetragon() {
    let policy = |call: &str, syscall: bool| {
        ok(&format!(
            "kprobes:\n- call: {call}\n  syscall: {syscall}\n  selectors:\n  - matchActions:\n    - action: Override\n      argError: -1"
        ))
    };
    // security_* functions: fmod_ret.
    let got = compile(
        &policy("security_file_permission", false),
        &FakeKernel::stock(),
    )
    .unwrap();
    assert_eq!(
        got.hooks[0].attach,
        AttachPoint::FmodRet {
            function: "security_file_permission".into()
        }
    );
    assert_eq!(got.selectors[0].actions, vec![act(action::OVERRIDE, -1)]);
    // Syscalls: bpf_override_return, when the kernel has it.
    let mut with_override = FakeKernel::stock();
    with_override.kprobe_override = true;
    let got = compile(&policy("sys_write", true), &with_override).unwrap();
    assert_eq!(
        got.hooks[0].attach,
        AttachPoint::Kprobe {
            function: "__x64_sys_write".into(),
            syscall: true,
            override_return: true
        }
    );
    let path = "spec.kprobes[0].selectors[0].matchActions[0].action";
    one_error(
        &policy("sys_write", true),
        &FakeKernel::stock(),
        path,
        "needs bpf_override_return",
    );
    // Anything else: refused, as Tetragon does.
    one_error(
        &policy("fd_install", false),
        &with_override,
        path,
        "fd_install is neither",
    );
    // More trampoline hooks than the object has slots.
    let many: String = (0..7).map(|i| format!("- hook: h{i}\n")).collect();
    one_error(
        &ok(&format!("lsmhooks:\n{many}")),
        &FakeKernel::stock(),
        "spec.lsmhooks",
        "7 LSM hooks; the in-kernel engine supports at most 6",
    );
}

#[test]
fn return_probes_post_at_the_return_with_match_return_args() {
    let spec = "kprobes:\n- call: sys_openat\n  return: true\n  args:\n  - index: 1\n    type: string\n  returnArg:\n    index: 0\n    type: int\n  selectors:\n  - matchReturnArgs:\n    - index: 0\n      operator: LT\n      values: [\"0\"]";
    // Served by kprobe + kretprobe, or by the syscall tracepoints (sys_exit by number).
    for kernel in [FakeKernel::new(), FakeKernel::new().with_kprobes()] {
        let got = compiled_with(spec, &kernel);
        let h = &got.hooks[0];
        assert!(h.returns);
        assert_eq!(
            h.return_arg.as_ref().map(|r| (r.read, r.render, r.size)),
            Some((ArgRead::Int, ArgRender::Int, 4))
        );
        assert_eq!(
            got.selectors[0].match_return,
            vec![margs(0, op::LT, vec![0], 0)]
        );
    }
    // Return probes on one syscall (served by tracepoints) share its sys_exit slot: two fit.
    let ret = "  return: true\n  returnArg:\n    index: 0\n    type: int\n";
    let twice = format!("kprobes:\n- call: sys_openat\n{ret}- call: sys_openat\n{ret}");
    assert!(compile(&ok(&twice), &FakeKernel::new()).is_ok());
    let thrice = format!("{twice}- call: sys_openat\n{ret}");
    let e = errors(&ok(&thrice), &FakeKernel::new());
    assert_eq!(e.len(), 1, "{e:#?}");
    assert_eq!(e[0].path, "spec.kprobes[2]");
    assert!(e[0].reason.contains("third return probe"), "{e:#?}");
    assert!(compile(&ok(&thrice), &FakeKernel::new().with_kprobes()).is_ok());
}

#[test]
fn nop_arguments_are_placeholders() {
    let got = compiled(
        "kprobes:\n- call: sys_openat\n  args:\n  - index: 0\n    type: nop\n  - index: 1\n    type: string\n  selectors:\n  - matchArgs:\n    - index: 1\n      operator: Equal\n      values: [/x]",
    );
    assert_eq!(got.hooks[0].args[0].read, ArgRead::Nop);
    // The selector names argument 1 by position 1: the placeholder keeps its slot.
    assert_eq!(got.selectors[0].match_args[0].arg, 1);
    // (Matching a nop argument is refused by validation.)
}

#[test]
fn rate_limit_scopes() {
    for (scope, id) in [("", 0), ("thread", 0), ("process", 1), ("global", 2)] {
        let scope = if scope.is_empty() {
            String::new()
        } else {
            format!("\n      rateLimitScope: {scope}")
        };
        let got = compiled(&format!(
            "kprobes:\n- call: sys_openat\n  selectors:\n  - matchActions:\n    - action: Post\n      rateLimit: 5s{scope}"
        ));
        let a = &got.selectors[0].actions[0];
        assert_eq!(
            (a.kind, a.arg, a.rate_limit_ns),
            (action::POST, id, 5_000_000_000)
        );
    }
}

/// `generated_syscalls` lists: every syscall of the kernel (one hook each; those without a
/// tracepoint skipped where tracepoints serve them), and as InMap values; `generated_ftrace`:
/// the traceable functions the pattern matches, hooked as kernel functions.
#[test]
fn generated_lists_expand_to_what_the_kernel_has() {
    let all = "lists:\n- name: all\n  type: generated_syscalls\nkprobes:\n- call: list:all\n  selectors:\n  - matchBinaries:\n    - operator: In\n      values: [/usr/bin/kill]";
    let functions = |p: &CompiledPolicy| -> Vec<String> {
        p.hooks
            .iter()
            .map(|h| match &h.event {
                HookEvent::Kprobe { function_name } => function_name.clone(),
                other => panic!("{other:?}"),
            })
            .collect()
    };
    // No kprobes: the syscall tracepoints (getpid has none here).
    let got = compiled(all);
    assert_eq!(functions(&got), ["__x64_sys_kill", "__x64_sys_openat"]);
    assert_eq!(got.selectors.len(), 2);
    // Kprobes: every syscall entry point.
    let mut k = FakeKernel::new();
    k.kprobes = true;
    let got = compiled_with(all, &k);
    assert_eq!(
        functions(&got),
        ["__x64_sys_getpid", "__x64_sys_kill", "__x64_sys_openat"]
    );
    assert!(
        got.hooks
            .iter()
            .all(|h| matches!(&h.attach, AttachPoint::Kprobe { syscall: true, .. }))
    );
    // generated_ftrace with the default `syscall: true`: kernel functions all the same.
    let ksys = "lists:\n- name: ksys\n  type: generated_ftrace\n  pattern: \"^ksys_*\"\nkprobes:\n- call: list:ksys";
    let got = compiled_with(ksys, &k);
    assert_eq!(functions(&got), ["ksys_read", "ksys_write"]);
    assert!(got.hooks.iter().all(|h| matches!(
        &h.attach,
        AttachPoint::Kprobe { syscall: false, function, .. } if function.starts_with("ksys_")
    )));
    // InMap over all syscalls: their numbers.
    let got = compiled(
        "lists:\n- name: all\n  type: generated_syscalls\ntracepoints:\n- subsystem: raw_syscalls\n  event: sys_enter\n  args:\n  - index: 4\n    type: int64\n  selectors:\n  - matchArgs:\n    - index: 0\n      operator: InMap\n      values: [list:all]",
    );
    let mut values: Vec<i64> = got.int_set.iter().map(|(_, v)| *v).collect();
    values.sort();
    assert_eq!(values, [39, 62, 257]);
    // A pattern that matches nothing is an error naming the list.
    let e = compile(
        &ok("lists:\n- name: none\n  type: generated_ftrace\n  pattern: \"^nothing_\"\nkprobes:\n- call: list:none"),
        &k,
    )
    .expect_err("matches nothing");
    assert_eq!(e[0].path, "spec.kprobes[0].call", "{e:#?}");
    assert!(
        e[0].reason.contains("matches no traceable function"),
        "{e:#?}"
    );
}

/// returnCopy, as the field notes' sys_read example: the hook returns (to read the buffer), the
/// char_buf needs no sizeArgIndex (the return value is its length); only char_buf, only hooks
/// with a return probe, one per hook.
#[test]
fn return_copy_makes_a_return_hook() {
    let mut k = FakeKernel::new();
    k.syscall("read", &["unsigned int fd", "char * buf", "size_t count"]);
    let got = compiled_with(
        "kprobes:\n- call: sys_read\n  syscall: true\n  args:\n  - index: 0\n    type: fd\n  - index: 1\n    type: char_buf\n    returnCopy: true\n  - index: 2\n    type: size_t",
        &k,
    );
    let h = &got.hooks[0];
    assert!(h.returns && h.return_arg.is_none());
    assert_eq!(h.return_copy, Some(1));
    assert_eq!(
        (h.args[1].read, h.args[1].size_offset),
        (ArgRead::UserBuf, 0)
    );
    for (spec, path, reason) in [
        (
            "kprobes:\n- call: sys_read\n  args:\n  - index: 1\n    type: string\n    returnCopy: true",
            "spec.kprobes[0].args[0].returnCopy",
            "applies to char_buf arguments",
        ),
        (
            "tracepoints:\n- subsystem: syscalls\n  event: sys_enter_openat\n  args:\n  - index: 6\n    type: char_buf\n    returnCopy: true",
            "spec.tracepoints[0].args[0].returnCopy",
            "needs a return probe",
        ),
        (
            "kprobes:\n- call: sys_read\n  args:\n  - index: 1\n    type: char_buf\n    returnCopy: true\n  - index: 1\n    type: char_buf\n    returnCopy: true",
            "spec.kprobes[0].args[1].returnCopy",
            "one returnCopy argument per hook",
        ),
    ] {
        let e = compile(&ok(spec), &k).expect_err(spec);
        assert_eq!((e.len(), e[0].path.as_str()), (1, path), "{e:#?}");
        assert!(e[0].reason.contains(reason), "{e:#?}");
    }
}

/// A `syscall: true` kprobe on a 32-bit entry point (`__ia32_sys_lseek`): served by the raw
/// syscall tracepoints with its i386 number on every kernel (the kprobe path reads the 64-bit
/// wrappers' registers); a signed 64-bit argument is read as the 32 bits the call passed. Two
/// hooks on the same 32-bit syscall compile (they share its slot); a third, and fentries on one,
/// are refused.
#[test]
fn ia32_syscall_kprobes_are_served_by_the_raw_tracepoints() {
    let spec = "kprobes:\n- call: __ia32_sys_lseek\n  syscall: true\n  args:\n  - index: 1\n    type: int64";
    for kprobes in [false, true] {
        let mut k = FakeKernel::with_common_syscalls();
        k.compat = true;
        k.kprobes = kprobes;
        let got = compiled_with(spec, &k);
        let h = &got.hooks[0];
        assert!(h.compat_syscall);
        assert_eq!(h.syscall_nr, Some(19), "i386 lseek");
        assert_eq!(h.attach, tp("syscalls", "sys_enter_lseek"));
        assert_eq!(
            h.event,
            HookEvent::Kprobe {
                function_name: "__ia32_sys_lseek".into()
            }
        );
        assert_eq!((h.args[0].read, h.args[0].size), (ArgRead::Int, 4));
        assert_eq!(h.args[0].render, ArgRender::Long);
    }
    let mut k = FakeKernel::with_common_syscalls();
    k.compat = true;
    let second = "\n- call: __ia32_sys_lseek\n  syscall: true";
    let two = compiled_with(&format!("{spec}{second}"), &k);
    assert!(
        two.hooks
            .iter()
            .all(|h| h.compat_syscall && h.syscall_nr == Some(19))
    );
    one_error(
        &ok(&format!("{spec}{second}{second}")),
        &k,
        "spec.kprobes[2]",
        "a third hook on the same 32-bit syscall",
    );
    let mut trampolines = FakeKernel::stock();
    trampolines.compat = true;
    one_error(
        &ok("fentries:\n- call: __ia32_sys_dup\n  syscall: true"),
        &trampolines,
        "spec.fentries[0].call",
        "hook it from a kprobes entry with syscall: true",
    );
}

/// Enforcers (the corpus' killer.yaml without its ia32 entry): the listed syscalls' entry points
/// for the fmod_ret enforcer, NotifyEnforcer carrying argError and argSig; refused where the
/// kernel loads no BPF trampolines.
/// The corpus' killer.yaml: a syscalls list with a 32-bit entry point, as InMap values of a
/// syscall64 argument (the compat number with bit 31) and as enforced syscalls.
#[test]
fn compat_syscalls_in_lists() {
    let mut k = FakeKernel::new();
    k.compat = true;
    k.trampolines = true;
    k.syscall_fmod_ret = true;
    let policy = load_documents(&common::corpus_dir().join("tracingpolicy/killer.yaml"))
        .expect("valid")
        .policies
        .remove(0);
    let got = compile(&policy, &k).expect("compiles");
    let mut values: Vec<i64> = got.int_set.iter().map(|(_, v)| *v).collect();
    values.sort();
    assert_eq!(values, [32, 33, 0x8000_0000 | 41]);
    assert_eq!(
        got.enforcers,
        ["__x64_sys_dup", "__x64_sys_dup2", "__ia32_sys_dup"]
    );
    assert_eq!(got.hooks[0].args[0].read, ArgRead::Syscall64);
}

#[test]
fn enforcers_take_notify_enforcer_decisions() {
    let spec = "lists:\n- name: dups\n  type: syscalls\n  values: [sys_dup, sys_dup2]\nenforcers:\n- calls: [list:dups, __ia32_sys_dup]\ntracepoints:\n- subsystem: raw_syscalls\n  event: sys_enter\n  args:\n  - index: 4\n    type: syscall64\n  selectors:\n  - matchArgs:\n    - index: 0\n      operator: InMap\n      values: [list:dups]\n    matchActions:\n    - action: NotifyEnforcer\n      argError: -1\n      argSig: 9";
    let mut k = FakeKernel::new();
    k.trampolines = true;
    k.syscall_fmod_ret = true;
    let got = compiled_with(spec, &k);
    assert_eq!(
        got.enforcers,
        ["__x64_sys_dup", "__x64_sys_dup2", "__ia32_sys_dup"]
    );
    let a = &got.selectors[0].actions[0];
    assert_eq!(
        (a.kind, a.arg, a.rate_limit_ns),
        (action::NOTIFY_ENFORCER, -1, 9)
    );
    assert!(got.enforces);
    // One entry point the kernel does not let fmod_ret change (Debian 7.3's __ia32_sys_dup):
    // refused at its own place in the policy.
    k.fmod_ret_denied = vec!["__ia32_sys_dup"];
    let e = compile(&ok(spec), &k).expect_err("__ia32_sys_dup not modifiable");
    assert_eq!(e.len(), 1, "{e:#?}");
    assert_eq!(e[0].path, "spec.enforcers[0].calls[1]");
    assert!(
        e[0].reason
            .starts_with("__ia32_sys_dup cannot be enforced on this kernel"),
        "{e:#?}"
    );
    k.fmod_ret_denied.clear();
    // Trampolines, but syscalls not on the error-injection list (Debian 6.1 and 6.12).
    k.syscall_fmod_ret = false;
    let e = compile(&ok(spec), &k).expect_err("not modifiable");
    assert_eq!(e[0].path, "spec.enforcers");
    assert!(e[0].reason.contains("error-injection list"), "{e:#?}");
}

#[test]
fn stack_traces_are_post_flags_on_kprobes_only() {
    let got = compiled(
        "kprobes:\n- call: sys_openat\n  selectors:\n  - matchActions:\n    - action: Post\n      rateLimit: 1m\n      rateLimitScope: process\n      kernelStackTrace: true\n      userStackTrace: true",
    );
    let a = &got.selectors[0].actions[0];
    assert_eq!(a.arg, 1 | POST_KERNEL_STACK | POST_USER_STACK);
    let got = compiled(
        "kprobes:\n- call: sys_openat\n  selectors:\n  - matchActions:\n    - action: Post\n      userStackTrace: true",
    );
    assert_eq!(got.selectors[0].actions[0].arg, POST_USER_STACK);
    // Tracepoint, uprobe and LSM events have no stack trace fields: refused, not dropped.
    for (spec, path, kind) in [
        (
            "tracepoints:\n- subsystem: syscalls\n  event: sys_enter_openat\n  selectors:\n  - matchActions:\n    - action: Post\n      kernelStackTrace: true",
            "spec.tracepoints[0].selectors[0].matchActions[0].kernelStackTrace",
            "process_tracepoint",
        ),
        (
            "uprobes:\n- path: /bin/true\n  symbols: [main]\n  selectors:\n  - matchActions:\n    - action: Post\n      userStackTrace: true",
            "spec.uprobes[0].selectors[0].matchActions[0].userStackTrace",
            "process_uprobe",
        ),
    ] {
        let e = compile(&ok(spec), &FakeKernel::new()).expect_err(spec);
        assert_eq!((e.len(), e[0].path.as_str()), (1, path), "{e:#?}");
        assert!(e[0].reason.contains(kind), "{e:#?}");
    }
}

#[test]
fn substring_needles_and_reference_semantics() {
    let got = compiled(
        "kprobes:\n- call: sys_openat\n  args:\n  - index: 1\n    type: string\n  selectors:\n  - matchArgs:\n    - index: 1\n      operator: SubString\n      values: [secret, passwd]\n  - matchArgs:\n    - index: 1\n      operator: SubStringIgnCase\n      values: [ToKeN]",
    );
    assert_eq!(
        got.substrings,
        vec![b"secret".to_vec(), b"passwd".to_vec(), b"token".to_vec()]
    );
    assert_eq!(
        got.selectors[0].match_args[0],
        margs(0, op::SUBSTRING, vec![0, 1], 0)
    );
    assert_eq!(
        got.selectors[1].match_args[0],
        margs(0, op::SUBSTRING_IGNCASE, vec![2], 0)
    );
    for (path, selector) in [
        (&b"/etc/my-secret"[..], Some(0)),
        (b"/etc/SECRET", None),
        (b"/x/old.passwd", Some(0)),
        (b"/x/api-TOKEN", Some(1)),
        (b"/x/plain", None),
    ] {
        let d = evaluate(
            &got,
            0,
            &EvalProcess::default(),
            &[EvalArg::Str(path.to_vec())],
        );
        assert_eq!(d.selector, selector, "{}", String::from_utf8_lossy(path));
    }
}

#[test]
fn override_on_a_tracepoint() {
    let mut policy = ok(
        "tracepoints:\n- subsystem: raw_syscalls\n  event: sys_enter\n  selectors:\n  - matchActions:\n    - action: Sigkill",
    );
    policy.spec.tracepoints[0].selectors[0].match_actions[0] = ActionSelector::new("Override");
    one_error(
        &policy,
        &FakeKernel::new(),
        "spec.tracepoints[0].selectors[0].matchActions[0].action",
        "Override cannot change a return value from a tracepoint; use Sigkill",
    );
}

#[test]
fn syscall_lists_need_syscall_numbers() {
    let mut kernel = FakeKernel::new();
    kernel.syscall_numbers = false;
    let policy = ok(
        "lists:\n- name: dups\n  type: syscalls\n  values: [sys_dup]\ntracepoints:\n- subsystem: raw_syscalls\n  event: sys_enter\n  args:\n  - index: 4\n    type: int64\n  selectors:\n  - matchArgs:\n    - index: 0\n      operator: InMap\n      values: ['list:dups']",
    );
    one_error(
        &policy,
        &kernel,
        "spec.tracepoints[0].selectors[0].matchArgs[0].values[0]",
        "list dups: syscall sys_dup has no known number on this kernel",
    );
}

#[test]
fn string_values_longer_than_the_engine_compares() {
    let long = "a".repeat(4096);
    let spec = format!(
        "kprobes:\n- call: sys_openat\n  args:\n  - index: 1\n    type: string\n  selectors:\n  - matchArgs:\n    - index: 1\n      operator: Equal\n      values: ['/ok', '{long}']"
    );
    one_error(
        &ok(&spec),
        &FakeKernel::new(),
        "spec.kprobes[0].selectors[0].matchArgs[0].values[1]",
        "value is 4096 bytes; the in-kernel engine compares at most 4095 bytes",
    );
    let exactly = "a".repeat(4095);
    compiled(&spec.replace(&long, &exactly));
    let prefix = "p".repeat(249);
    let spec = format!(
        "kprobes:\n- call: sys_openat\n  args:\n  - index: 1\n    type: string\n  selectors:\n  - matchBinaries:\n    - operator: Prefix\n      values: ['{prefix}']"
    );
    one_error(
        &ok(&spec),
        &FakeKernel::new(),
        "spec.kprobes[0].selectors[0].matchBinaries[0].values[0]",
        "at most 248 bytes",
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let policy = ok(r#"
        kprobes:
        - call: "sys_openat"
          args:
          - index: 1
            type: "file"
          - index: 2
            type: "int"
          selectors:
          - matchArgs:
            - index: 2
              operator: "InMap"
              values: ["0:2000"]
            matchActions:
            - action: Override
              argError: -1
        "#);
    let e = errors(&policy, &FakeKernel::new());
    let paths: Vec<&str> = e.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "spec.kprobes[0].args[0].type",
            "spec.kprobes[0].selectors[0].matchArgs[0].values[0]",
            "spec.kprobes[0].selectors[0].matchActions[0].action",
        ]
    );
}

// ---------------------------------------------------------------------------
// Limits (policies built past validation)
// ---------------------------------------------------------------------------

fn kill_policy() -> TracingPolicy {
    ok(r#"
        kprobes:
        - call: "sys_kill"
          args:
          - index: 0
            type: "int"
          selectors:
          - matchArgs:
            - index: 0
              operator: "Equal"
              values: ["1"]
            matchPIDs:
            - operator: In
              values: [1]
            matchActions:
            - action: Post
        "#)
}

#[test]
fn limits_are_enforced_with_paths() {
    let kernel = FakeKernel::new();
    assert!(compile(&kill_policy(), &kernel).is_ok());

    let mut p = kill_policy();
    let sel = p.spec.kprobes[0].selectors[0].clone();
    p.spec.kprobes[0].selectors = vec![sel; 6];
    one_error(
        &p,
        &kernel,
        "spec.kprobes[0].selectors",
        "6 selectors on one hook; the in-kernel engine supports at most 5",
    );

    let mut p = kill_policy();
    let ma = p.spec.kprobes[0].selectors[0].match_args[0].clone();
    p.spec.kprobes[0].selectors[0].match_args = vec![ma; 6];
    one_error(
        &p,
        &kernel,
        "spec.kprobes[0].selectors[0].matchArgs",
        "6 matchArgs entries",
    );

    let mut p = kill_policy();
    p.spec.kprobes[0].selectors[0].match_actions = vec![ActionSelector::new("Post"); 4];
    one_error(
        &p,
        &kernel,
        "spec.kprobes[0].selectors[0].matchActions",
        "4 actions",
    );

    let mut p = kill_policy();
    p.spec.kprobes[0].selectors[0].match_args[0].values =
        ["1", "2", "3", "4", "5"].map(String::from).to_vec();
    one_error(
        &p,
        &kernel,
        "spec.kprobes[0].selectors[0].matchArgs[0].values",
        "5 values for operator Equal",
    );

    let mut p = kill_policy();
    p.spec.kprobes[0].selectors[0].match_args[0].operator = "InRange".into();
    p.spec.kprobes[0].selectors[0].match_args[0].values = ["1:2", "3:4", "5:6", "7:8", "9:10"]
        .map(String::from)
        .to_vec();
    one_error(
        &p,
        &kernel,
        "spec.kprobes[0].selectors[0].matchArgs[0].values",
        "5 ranges",
    );

    let mut p = kill_policy();
    p.spec.kprobes[0].selectors[0].match_pids[0].values = vec![1, 2, 3, 4, 5];
    one_error(
        &p,
        &kernel,
        "spec.kprobes[0].selectors[0].matchPIDs[0].values",
        "5 values in one matchPIDs entry",
    );

    let mut p = kill_policy();
    let a = p.spec.kprobes[0].args[0].clone();
    p.spec.kprobes[0].args = vec![a; 6];
    one_error(
        &p,
        &kernel,
        "spec.kprobes[0].args",
        "6 arguments on one hook",
    );

    // InMap: ranges and lists expand to at most 1024 values.
    let mut p = kill_policy();
    p.spec.kprobes[0].selectors[0].match_args[0].operator = "InMap".into();
    p.spec.kprobes[0].selectors[0].match_args[0].values = ["0:1023"].map(String::from).to_vec();
    assert!(compile(&p, &kernel).is_ok());
    p.spec.kprobes[0].selectors[0].match_args[0].values =
        ["0:1023", "2000"].map(String::from).to_vec();
    one_error(
        &p,
        &kernel,
        "spec.kprobes[0].selectors[0].matchArgs[0].values",
        "the values expand to 1025 integers",
    );

    // Errors of selectors merged from a macro point into the macro.
    let mut p = kill_policy();
    let mut m = KProbeSelector {
        match_pids: p.spec.kprobes[0].selectors[0].match_pids.clone(),
        ..KProbeSelector::default()
    };
    m.match_pids[0].values = vec![1, 2, 3, 4, 5];
    p.spec.selectors_macros.insert("pids".into(), m);
    p.spec.kprobes[0].selectors[0].macros = vec!["pids".into()];
    one_error(
        &p,
        &kernel,
        "spec.selectorsMacros.pids.matchPIDs[0].values",
        "5 values in one matchPIDs entry",
    );
}

// ---------------------------------------------------------------------------
// The example corpus
// ---------------------------------------------------------------------------

#[test]
fn corpus_compiles_or_fails_with_paths() {
    let (dir, files) = common::corpus_files();
    let files: Vec<_> = files.into_iter().filter(|p| common::is_yaml(p)).collect();
    assert!(!files.is_empty(), "no policy files in {}", dir.display());
    let kernels = [
        ("no kprobes", FakeKernel::with_common_syscalls()),
        ("kprobes", FakeKernel::with_common_syscalls().with_kprobes()),
    ];
    for (label, kernel) in &kernels {
        let (mut policies, mut compiled, mut refused) = (0, Vec::new(), Vec::new());
        for file in &files {
            // Templates and non-policies are the parser's business (tests/corpus.rs).
            let Ok(parsed) = load_documents(file) else {
                continue;
            };
            for policy in &parsed.policies {
                policies += 1;
                let name = format!(
                    "{} ({})",
                    file.strip_prefix(&dir).unwrap_or(file).display(),
                    policy.name()
                );
                match compile(policy, kernel) {
                    Ok(p) => {
                        assert!(!p.hooks.is_empty() || policy.spec.hook_kind().is_none());
                        for h in &p.hooks {
                            assert!(h.record_size >= 8);
                            for id in &h.selectors {
                                assert!((*id as usize) < p.selectors.len(), "{name}");
                            }
                        }
                        compiled.push(name);
                    }
                    Err(errors) => {
                        assert!(!errors.is_empty(), "{name}");
                        for e in &errors {
                            assert!(
                                e.path == "kind" || e.path.starts_with("spec"),
                                "{name}: {e}"
                            );
                            assert!(!e.reason.is_empty(), "{name}: {e}");
                        }
                        refused.push(format!(
                            "{name}: {} error(s), first: {}",
                            errors.len(),
                            errors[0]
                        ));
                    }
                }
            }
        }
        println!(
            "kernel with {label}: {} of {policies} corpus policies compile",
            compiled.len()
        );
        for name in &compiled {
            println!("  compiles: {name}");
        }
        for line in &refused {
            println!("  refused: {line}");
        }
        assert!(policies > 50, "only {policies} policies parsed");
        if *label == "no kprobes" {
            // 9 of 80 with the Tetragon examples: the syscall and tracepoint examples, including
            // process.credentials.changes.at.syscalls (matchNamespaces Pid NotIn host_ns).
            assert!(
                compiled.len() >= 9,
                "expected the syscall and tracepoint examples to compile: {compiled:?}"
            );
            let ns_example = "process.credentials.changes.at.syscalls.yaml";
            if files.iter().any(|f| f.ends_with(ns_example)) {
                assert!(
                    compiled.iter().any(|c| c.contains(ns_example)),
                    "{ns_example} (matchNamespaces with host_ns) should compile: {compiled:?}"
                );
            }
        }
    }
}

fn step(offset: u32, load: u8) -> ResolveStep {
    ResolveStep { offset, load }
}

/// The field notes' LSM example: `resolve: "mm.owner.real_parent.comm"` on bprm_check_security's
/// linux_binprm, as steps from the argument's register slot to the comm array (a string).
#[test]
fn field_notes_lsm_resolve_compiles_to_steps() {
    let got = compiled_with(
        r#"
lsmhooks:
- hook: "bprm_check_security"
  args:
  - index: 0 # struct linux_binprm *bprm
    type: "string"
    resolve: "mm.owner.real_parent.comm"
  selectors:
  - matchActions:
    - action: Post
"#,
        &FakeKernel::stock(),
    );
    let a = &got.hooks[0].args[0];
    assert_eq!(
        (a.read, a.render),
        (ArgRead::KernelString, ArgRender::String)
    );
    assert_eq!(usize::from(a.offset), limits::RESOLVE_SCRATCH);
    assert_eq!(
        a.resolve,
        Some(ArgResolve {
            from_task: false,
            from: 16,
            user: false,
            steps: vec![step(16, 8), step(1000, 8), step(2500, 8), step(3200, 0)],
        })
    );
}

/// Buffers through `resolve`: a char_buf at a pointer or array member with its length in another
/// register argument (sizeArgIndex), read at the return (returnCopy) or whole (maxData); kernel
/// objects such as bpf_map at a member; what cannot work is an error naming the field.
#[test]
fn resolved_buffers_and_objects() {
    let base = "kprobes:\n- call: wake_up_new_task\n  syscall: false\n  args:\n  - index: 0\n    type: char_buf\n    resolve: comm\n    sizeArgIndex: 3\n    maxData: true\n  - index: 2\n    type: int";
    let got = compiled_with(base, &FakeKernel::stock());
    let a = &got.hooks[0].args[0];
    assert_eq!((a.read, a.render), (ArgRead::KernelBuf, ArgRender::Bytes));
    assert_eq!((a.size_offset, a.size_width), (16 + 8 * 2, 8));
    assert!(a.max_data);
    assert_eq!(usize::from(a.offset), limits::RESOLVE_SCRATCH);
    assert_eq!(
        a.resolve.as_ref().map(|r| r.steps.clone()),
        Some(vec![step(3200, 0)])
    );

    let copy = "kprobes:\n- call: wake_up_new_task\n  syscall: false\n  return: true\n  args:\n  - index: 0\n    type: char_buf\n    resolve: mm.owner.comm\n    returnCopy: true\n  returnArg:\n    index: 0\n    type: int";
    let got = compiled_with(copy, &FakeKernel::stock());
    let h = &got.hooks[0];
    assert_eq!(h.return_copy, Some(0));
    assert_eq!(
        (h.args[0].read, h.args[0].size_width),
        (ArgRead::KernelBuf, 0)
    );

    for (spec, path, reason) in [
        (
            base.replace("    sizeArgIndex: 3\n", ""),
            "spec.kprobes[0].args[0].sizeArgIndex",
            "char_buf needs sizeArgIndex",
        ),
        (
            base.replace("resolve: comm", "resolve: pid"),
            "spec.kprobes[0].args[0].resolve",
            "type char_buf needs a pointer or an array member",
        ),
        (
            base.replace("type: char_buf", "type: int").replace("    maxData: true", "    returnCopy: true"),
            "spec.kprobes[0].args[0].returnCopy",
            "it applies to char_buf arguments",
        ),
        (
            "kprobes:\n- call: wake_up_new_task\n  syscall: false\n  args:\n  - index: 0\n    type: bpf_map\n    resolve: mm".into(),
            "spec.kprobes[0].args[0].resolve",
            "type bpf_map needs a struct bpf_map or a pointer to one",
        ),
        (
            "kprobes:\n- call: wake_up_new_task\n  syscall: false\n  args:\n  - index: 0\n    type: const_buf\n    resolve: comm".into(),
            "spec.kprobes[0].args[0].resolve",
            "type const_buf cannot end a resolve path (const_buf is an array inside a tracepoint record)",
        ),
        (
            "kprobes:\n- call: wake_up_new_task\n  syscall: false\n  args:\n  - index: 0\n    type: sockaddr_un\n    resolve: mm".into(),
            "spec.kprobes[0].args[0].resolve",
            "type sockaddr_un needs a struct sockaddr or a pointer to one",
        ),
        (
            "kprobes:\n- call: wake_up_new_task\n  syscall: false\n  data:\n  - type: char_buf\n    source: current_task\n    resolve: comm\n    returnCopy: false".into(),
            "spec.kprobes[0].data[0].type",
            "a data entry has none",
        ),
    ] {
        one_error(&ok(&spec), &FakeKernel::stock(), path, reason);
    }
}

/// The field notes' two `data` examples: the current task's pid asked for as a string (compared
/// as an integer, reported as text) and `loginuid.val` as uint32; matchData by `index` and by
/// `args: [0]` both name the first data entry, which follows the hook's arguments.
#[test]
fn field_notes_data_entries_and_match_data() {
    let mut kernel = FakeKernel::new();
    kernel.syscall("setuid", &["uid_t uid"]);
    let got = compiled_with(
        r#"
kprobes:
- call: "sys_setuid"
  syscall: true
  args:
  - index: 0
    type: int
  data:
  - type: uint32
    index: 0 ## NB: this is to satisfy a validation bug (we can remove when the bug is fixed)
    source: current_task
    resolve: "loginuid.val"
  selectors:
  - matchData:
    - args: [0]
      operator: "NotEqual"
      values: ["1000"]
"#,
        &kernel,
    );
    let h = &got.hooks[0];
    assert_eq!((h.args.len(), h.data), (2, 1));
    let d = &h.args[1];
    assert_eq!(
        (d.read, d.render, d.size),
        (ArgRead::Uint, ArgRender::Uint, 4)
    );
    assert_eq!(
        d.resolve,
        Some(ArgResolve {
            from_task: true,
            from: 0,
            user: false,
            steps: vec![step(3000, 4)],
        })
    );
    let m = &got.selectors[h.selectors[0] as usize].match_args[0];
    assert_eq!(
        (m.arg, m.op, m.values.as_slice()),
        (1, op::NEQ, &[1000][..])
    );
    // The syscall's own argument still fits the raw sys_enter path.
    assert!(h.syscall_nr.is_some());

    let got = compiled(
        r#"
kprobes:
- call: "sys_openat"
  syscall: true
  data:
  - type: "string"
    source: "current_task"
    resolve: "pid"
  selectors:
  - matchData:
    - index: 0
      operator: "NotEqual"
      values:
      - "1"
"#,
    );
    let h = &got.hooks[0];
    let d = &h.args[0];
    assert_eq!((d.read, d.render), (ArgRead::Int, ArgRender::DecimalString));
    let m = &got.selectors[h.selectors[0] as usize].match_args[0];
    assert_eq!((m.arg, m.op, m.values.as_slice()), (0, op::NEQ, &[1][..]));
}

#[test]
fn resolve_errors_name_the_field_and_the_reason() {
    let cases = [
        (
            "lsmhooks:\n- hook: bprm_check_security\n  args:\n  - index: 0\n    type: string\n    resolve: mm.nope",
            "spec.lsmhooks[0].args[0].resolve",
            "struct mm_struct has no member nope",
        ),
        (
            "lsmhooks:\n- hook: bprm_check_security\n  args:\n  - index: 0\n    type: file\n    resolve: mm",
            "spec.lsmhooks[0].args[0].resolve",
            "type file needs a struct file or a pointer to one",
        ),
        (
            "kprobes:\n- call: sys_openat\n  data:\n  - type: int\n    source: pt_regs\n    resolve: dil",
            "spec.kprobes[0].data[0].resolve",
            "is not a register of struct pt_regs",
        ),
        (
            "fentries:\n- call: wake_up_new_task\n  syscall: false\n  data:\n  - type: int\n    source: pt_regs\n    resolve: di",
            "spec.fentries[0].data[0].source",
            "pt_regs data needs a kprobe",
        ),
        (
            "kprobes:\n- call: sys_openat\n  data:\n  - type: int\n    source: current_task\n    resolve: pid\n  selectors:\n  - matchData:\n    - index: 1\n      operator: Equal\n      values: [\"1\"]",
            "spec.kprobes[0].selectors[0].matchData[0].index",
            "",
        ),
    ];
    for (spec, path, reason) in cases {
        let policy = match auspex_policy::parse_str(&common::policy_yaml(spec), "t.yaml") {
            Ok(mut v) => v.remove(0),
            Err(e) => {
                // Caught by validation already (the matchData index case).
                let e = e.to_string();
                assert!(e.contains(path), "{spec}: {e}");
                continue;
            }
        };
        let errs = errors(&policy, &FakeKernel::stock());
        assert!(
            errs.iter()
                .any(|e| e.path == path && e.reason.contains(reason)),
            "{spec}: {errs:#?}"
        );
    }
}

/// The corpus' sys_clock_settime / sys_pivot_root selectors: matchPIDs entries are ANDed, each
/// kept as written (In next to NotIn included); more than the kernel holds is refused.
#[test]
fn match_pids_entries_are_anded() {
    let spec = |second_op: &str| {
        format!(
            r#"
kprobes:
- call: "sys_kill"
  syscall: true
  selectors:
  - matchPIDs:
    - operator: NotIn
      followForks: true
      isNamespacePID: true
      values:
      - 1
    - operator: {second_op}
      followForks: false
      isNamespacePID: false
      values:
      - 0
"#
        )
    };
    for (second, op2) in [("NotIn", op::NOT_IN), ("In", op::IN)] {
        let got = compiled(&spec(second));
        assert_eq!(
            got.selectors[0].pids,
            vec![
                CompiledPids {
                    op: op::NOT_IN,
                    follow_forks: true,
                    namespace_pid: true,
                    values: vec![1],
                },
                CompiledPids {
                    op: op2,
                    follow_forks: false,
                    namespace_pid: false,
                    values: vec![0],
                }
            ]
        );
    }
    let five = format!(
        "kprobes:\n- call: sys_kill\n  selectors:\n  - matchPIDs:\n{}",
        "    - operator: NotIn\n      values: [1]\n".repeat(5)
    );
    one_error(
        &ok(&five),
        &FakeKernel::new(),
        "spec.kprobes[0].selectors[0].matchPIDs",
        "matchPIDs entries in one selector",
    );
}

/// The corpus' tcp-accept shape: a returned socket with returnArgAction TrackSock, and
/// UntrackSock on `__sk_free`'s socket argument (its record slot).
#[test]
fn returned_socket_and_socket_tracking_compile() {
    let got = compiled_with(
        r#"
kprobes:
- call: "sk_alloc"
  syscall: false
  return: true
  args:
  - index: 1
    type: int
  returnArg:
    index: 0
    type: sock
  returnArgAction: TrackSock
- call: "__sk_free"
  syscall: false
  args:
  - index: 0
    type: sock
  selectors:
  - matchActions:
    - action: UntrackSock
      argSock: 0
"#,
        &FakeKernel::stock(),
    );
    let alloc = &got.hooks[0];
    let ret = alloc.return_arg.as_ref().expect("returnArg");
    assert_eq!((ret.read, ret.render), (ArgRead::Sock, ArgRender::Sock));
    assert_eq!(alloc.return_arg_action, Some(action::TRACKSOCK));
    let free = &got.hooks[1];
    let a = &got.selectors[free.selectors[0] as usize].actions[0];
    assert_eq!(
        (a.kind, a.arg),
        (action::UNTRACKSOCK, i32::from(free.args[0].offset))
    );
}

/// The corpus' privileges-raise capset hook and bpf.yaml shapes: capability sets read through
/// their `kernel_cap_t *` (one resolve step) and reported in hex; BPF objects and perf events
/// read into records; a kernel function this kernel lacks is skipped with ignore.callNotFound.
#[test]
fn capability_sets_bpf_objects_and_missing_functions() {
    let got = compiled_with(
        r#"
kprobes:
- call: "security_capset"
  syscall: false
  args:
  - index: 2
    type: "cap_effective"
  selectors:
  - matchArgs:
    - index: 2
      operator: "NotEqual"
      values:
      - "0"
- call: "bpf_check"
  syscall: false
  args:
  - index: 1
    type: "bpf_attr"
- call: "missing_security_bpf_map_alloc"
  syscall: false
  args:
  - index: 0
    type: "bpf_map"
  ignore:
    callNotFound: true
- call: "security_perf_event_alloc"
  syscall: false
  args:
  - index: 0
    type: "perf_event"
"#,
        &FakeKernel::stock(),
    );
    assert_eq!(got.hooks.len(), 3, "the missing function is skipped");
    let cap = &got.hooks[0].args[0];
    assert_eq!(
        (cap.read, cap.render, cap.size),
        (ArgRead::Uint, ArgRender::CapEffective, 8)
    );
    assert_eq!(
        cap.resolve,
        Some(ArgResolve {
            from_task: false,
            from: 16 + 8 * 2,
            user: false,
            steps: vec![step(0, 8)],
        })
    );
    let m = &got.selectors[0].match_args[0];
    assert_eq!((m.op, m.values.as_slice()), (op::NEQ, &[0][..]));
    assert_eq!(got.hooks[1].args[0].read, ArgRead::BpfAttr);
    assert_eq!(got.hooks[2].args[0].read, ArgRead::PerfEvent);
}

/// char_iovec, iov_iter, const_buf: buffers read in the kernel, rendered as bytes.
#[test]
fn iovec_iov_iter_and_const_buf_arguments() {
    let mut kernel = FakeKernel::with_common_syscalls();
    kernel.syscall(
        "writev",
        &[
            "unsigned long fd",
            "const struct iovec * vec",
            "unsigned long vlen",
        ],
    );
    kernel.add(
        "sock",
        "inet_sock_set_state",
        &format(
            "inet_sock_set_state",
            &[
                ("const void * skaddr", 8, 8, false),
                ("int oldstate", 16, 4, true),
                ("__u8 saddr[4]", 36, 4, false),
                ("__u8 saddr_v6[16]", 44, 16, false),
            ],
        ),
    );
    // char_iovec on writev's user iovec array, its count from `vlen` (8 bytes at 32).
    let got = compiled_with(
        "kprobes:\n- call: sys_writev\n  args:\n  - index: 1\n    type: char_iovec\n    sizeArgIndex: 3\n  - index: 2\n    type: uint64\n  selectors:\n  - matchArgs:\n    - index: 1\n      operator: Prefix\n      values: [hello]",
        &kernel,
    );
    let iov = &got.hooks[0].args[0];
    assert_eq!(
        (
            iov.offset,
            iov.read,
            iov.render,
            iov.size_offset,
            iov.size_width
        ),
        (24, ArgRead::Iovec, ArgRender::Bytes, 32, 8)
    );
    assert_eq!(
        got.string_prefix.len(),
        1,
        "Prefix on the bytes is a string match"
    );
    one_error(
        &ok("kprobes:\n- call: sys_writev\n  args:\n  - index: 1\n    type: char_iovec"),
        &kernel,
        "spec.kprobes[0].args[0].sizeArgIndex",
        "char_iovec needs sizeArgIndex",
    );
    // iov_iter on a kernel function (tty_write(struct kiocb *, struct iov_iter *)).
    let got = compiled_with(
        "kprobes:\n- call: tty_write\n  syscall: false\n  args:\n  - index: 0\n    type: kiocb\n  - index: 1\n    type: iov_iter",
        &FakeKernel::stock(),
    );
    let it = &got.hooks[0].args[1];
    assert_eq!(
        (it.offset, it.read, it.render),
        (24, ArgRead::IovIter, ArgRender::Bytes)
    );
    one_error(
        &ok("kprobes:\n- call: sys_writev\n  args:\n  - index: 1\n    type: iov_iter"),
        &kernel,
        "spec.kprobes[0].args[0].type",
        "type iov_iter needs a `struct iov_iter *` argument of a kernel function",
    );
    // const_buf (and auto) on tracepoint array fields: the bytes inline in the record.
    let got = compiled_with(
        "tracepoints:\n- subsystem: sock\n  event: inet_sock_set_state\n  args:\n  - index: 6\n    type: const_buf\n  - index: 7\n  selectors:\n  - matchArgs:\n    - index: 6\n      operator: Equal\n      values: [\"\\x7f\\0\\0\\x01\"]",
        &kernel,
    );
    let (v4, v6) = (&got.hooks[0].args[0], &got.hooks[0].args[1]);
    assert_eq!(
        (v4.offset, v4.size, v4.read, v4.render),
        (36, 4, ArgRead::ConstBuf, ArgRender::Bytes)
    );
    assert_eq!((v6.offset, v6.size, v6.read), (44, 16, ArgRead::ConstBuf));
    one_error(
        &ok(
            "tracepoints:\n- subsystem: sock\n  event: inet_sock_set_state\n  args:\n  - index: 4\n    type: const_buf",
        ),
        &kernel,
        "spec.tracepoints[0].args[0].type",
        "type const_buf reads an array of fixed size inline in the record",
    );
}

/// sockaddr and sockaddr_un on syscall arguments (user memory) and kernel functions.
#[test]
fn sockaddr_in_user_memory_and_sockaddr_un() {
    let kernel = FakeKernel::with_common_syscalls();
    let got = compiled_with(
        "kprobes:\n- call: sys_connect\n  args:\n  - index: 1\n    type: sockaddr\n  selectors:\n  - matchArgs:\n    - index: 1\n      operator: SPort\n      values: ['8080']",
        &kernel,
    );
    let sa = &got.hooks[0].args[0];
    assert_eq!(
        (sa.offset, sa.read, sa.render),
        (24, ArgRead::UserSockaddr, ArgRender::Sockaddr)
    );
    assert_eq!(got.selectors[0].match_args[0].op, 15 /* SPort */);
    let got = compiled_with(
        "kprobes:\n- call: sys_connect\n  args:\n  - index: 1\n    type: sockaddr_un\n  selectors:\n  - matchArgs:\n    - index: 1\n      operator: Family\n      values: [AF_UNIX]\n    - index: 1\n      operator: Prefix\n      values: ['@auspex']",
        &kernel,
    );
    let un = &got.hooks[0].args[0];
    assert_eq!(
        (un.read, un.render),
        (ArgRead::UserSockaddrUn, ArgRender::SockaddrUn)
    );
    let m = &got.selectors[0].match_args;
    assert_eq!(
        (m[0].op, m[0].values.as_slice()),
        (28 /* Family */, &[1i64][..])
    );
    assert_eq!(m[1].op, 8 /* Prefix */);
    let got = compiled_with(
        "kprobes:\n- call: unix_stream_connect\n  syscall: false\n  args:\n  - index: 1\n    type: sockaddr_un",
        &FakeKernel::stock(),
    );
    assert_eq!(got.hooks[0].args[0].read, ArgRead::SockaddrUn);
}

/// maxData on buffers: flagged for the kernel (chunks after the head); refused elsewhere.
#[test]
fn max_data_on_buffers() {
    let kernel = FakeKernel::with_common_syscalls();
    let got = compiled_with(
        "kprobes:\n- call: sys_write\n  args:\n  - index: 1\n    type: char_buf\n    sizeArgIndex: 3\n    maxData: true\n  - index: 2\n    type: size_t",
        &kernel,
    );
    assert!(got.hooks[0].args[0].max_data);
    assert!(!got.hooks[0].args[1].max_data);
    let got = compiled_with(
        "kprobes:\n- call: tty_write\n  syscall: false\n  args:\n  - index: 0\n    type: kiocb\n  - index: 1\n    type: iov_iter\n    maxData: true",
        &FakeKernel::stock(),
    );
    assert!(got.hooks[0].args[1].max_data);
    one_error(
        &ok("kprobes:\n- call: sys_write\n  args:\n  - index: 0\n    type: fd\n    maxData: true"),
        &kernel,
        "spec.kprobes[0].args[0].maxData",
        "it applies to char_buf, char_iovec and iov_iter arguments, not fd",
    );
    // With a return probe: the buffer goes out at entry (keyed by the entry time).
    let got = compiled_with(
        "kprobes:\n- call: sys_write\n  return: true\n  returnArg:\n    index: 0\n    type: int\n  args:\n  - index: 1\n    type: char_buf\n    sizeArgIndex: 3\n    maxData: true\n  - index: 2\n    type: size_t",
        &kernel,
    );
    assert!(got.hooks[0].args[0].max_data && got.hooks[0].returns);
    // returnCopy + maxData: the buffer is sent at the return, ahead of the event.
    let got = compiled_with(
        "kprobes:\n- call: sys_read\n  args:\n  - index: 1\n    type: char_buf\n    returnCopy: true\n    maxData: true",
        &kernel,
    );
    assert!(got.hooks[0].args[0].max_data && got.hooks[0].return_copy == Some(0));
}

/// FileType / NotFileType: the S_IFMT bits of the named types, on file-like arguments only.
#[test]
fn file_type_operators() {
    let kernel = FakeKernel::with_common_syscalls();
    let got = compiled_with(
        "kprobes:\n- call: sys_read\n  args:\n  - index: 0\n    type: fd\n  selectors:\n  - matchArgs:\n    - index: 0\n      operator: NotFileType\n      values: [reg, Pipe, socket]",
        &kernel,
    );
    let m = &got.selectors[0].match_args[0];
    assert_eq!(
        (m.op, m.values.as_slice()),
        (op::NOT_FILE_TYPE, &[0o100000i64, 0o010000, 0o140000][..])
    );
    one_error(
        &ok(
            "kprobes:\n- call: sys_openat\n  args:\n  - index: 1\n  selectors:\n  - matchArgs:\n    - index: 1\n      operator: FileType\n      values: [reg]",
        ),
        &kernel,
        "spec.kprobes[0].selectors[0].matchArgs[0].operator",
        "operator FileType applies to file and path arguments",
    );
}

/// CapabilitiesGained: `args: [new, old]` over two capability-set arguments (one read through a
/// `resolve:` path to a kernel_cap_t member), values as a mask.
#[test]
fn capabilities_gained_compares_two_cap_sets() {
    let spec = "kprobes:\n- call: security_capset\n  syscall: false\n  args:\n  - index: 2\n    type: kernel_cap_t\n  - index: 3\n    type: cap_effective\n  selectors:\n  - matchArgs:\n    - args: [0, 1]\n      operator: CapabilitiesGained\n      values: [CAP_NET_RAW, CAP_SYS_ADMIN]";
    let got = compiled_with(spec, &FakeKernel::stock());
    let m = &got.selectors[0].match_args[0];
    assert_eq!(
        (m.arg, m.op, m.set_id, m.values.as_slice()),
        (0, op::CAPS_GAINED, 1, &[(1i64 << 13) | (1 << 21)][..])
    );
    let policy = ok(
        "kprobes:\n- call: security_capset\n  syscall: false\n  args:\n  - index: 2\n    type: kernel_cap_t\n  - index: 0\n    type: int\n  selectors:\n  - matchArgs:\n    - args: [0, 1]\n      operator: CapabilitiesGained\n      values: [CAP_NET_RAW]",
    );
    one_error(
        &policy,
        &FakeKernel::stock(),
        "spec.kprobes[0].selectors[0].matchArgs[0].args[1]",
        "CapabilitiesGained compares capability sets; argument 1 is not one",
    );
}

/// matchReturnArgs on a returned socket: socket operators on the socket read at the return.
#[test]
fn match_return_args_on_a_returned_socket() {
    let got = compiled_with(
        "kprobes:\n- call: sk_alloc\n  syscall: false\n  return: true\n  returnArg:\n    index: 0\n    type: sock\n  selectors:\n  - matchReturnArgs:\n    - index: 0\n      operator: Family\n      values: [AF_INET, AF_INET6]",
        &FakeKernel::stock(),
    );
    let m = got.selectors[0]
        .match_return
        .first()
        .expect("matchReturnArgs");
    assert_eq!(
        (m.arg, m.op, m.values.as_slice()),
        (RETURN_OBJECT_ARG, 28 /* Family */, &[2i64, 10][..])
    );
    assert!(got.hooks[0].returns);
}

/// A returned pointer (file, path, dentry; a string, in user memory on a uprobe) is read at the
/// return: matchReturnArgs string operators look at it in heap slot 0 (RETURN_OBJECT_ARG), a
/// Post in matchReturnActions may carry a rate limit, and returnCopy (a length) is refused.
#[test]
fn returned_objects_compile_to_string_reads() {
    let got = compiled_with(
        "kprobes:\n- call: do_filp_open\n  syscall: false\n  return: true\n  returnArg:\n    index: 0\n    type: file\n  selectors:\n  - matchReturnArgs:\n    - index: 0\n      operator: Prefix\n      values: [/etc/]\n    matchReturnActions:\n    - action: Post\n      rateLimit: 1m",
        &FakeKernel::stock(),
    );
    let ret = got.hooks[0].return_arg.as_ref().expect("returnArg");
    assert_eq!((ret.read, ret.render), (ArgRead::FilePtr, ArgRender::File));
    let m = &got.selectors[0].match_return[0];
    assert_eq!((m.arg, m.op), (RETURN_OBJECT_ARG, 8 /* Prefix */));
    assert!(
        got.string_prefix
            .iter()
            .any(|(id, v)| *id == m.set_id && v == b"/etc/")
    );
    let post = &got.selectors[0].return_actions[0];
    assert_eq!(post.rate_limit_ns, 60_000_000_000);

    let got = compiled(
        "uprobes:\n- path: /bin/x\n  symbols: [f]\n  return: true\n  returnArg:\n    index: 0\n    type: string",
    );
    let ret = got.hooks[0].return_arg.as_ref().expect("returnArg");
    assert_eq!(ret.read, ArgRead::UserString);
    one_error(
        &ok(
            "uprobes:\n- path: /bin/x\n  symbols: [f]\n  return: true\n  returnArg:\n    index: 0\n    type: file",
        ),
        &FakeKernel::new(),
        "spec.uprobes[0].returnArg.type",
        "a uprobe returns a user-space value; file reads a kernel object",
    );

    one_error(
        &ok(
            "kprobes:\n- call: do_filp_open\n  syscall: false\n  return: true\n  args:\n  - index: 1\n    type: char_buf\n    returnCopy: true\n  returnArg:\n    index: 0\n    type: file",
        ),
        &FakeKernel::stock(),
        "spec.kprobes[0].args[0].returnCopy",
        "a returnArg that is a pointer",
    );

    // Credentials and BPF/module objects: read at the return into their own records.
    for (ty, read, carried) in [
        ("cred", ArgRead::Cred, ReturnedObject::Cred),
        ("skb", ArgRead::Skb, ReturnedObject::Sock),
        ("fd", ArgRead::Fd, ReturnedObject::Slot),
        ("sockaddr", ArgRead::Sockaddr, ReturnedObject::Sock),
        ("bpf_map", ArgRead::BpfMap, ReturnedObject::Slot),
        ("module", ArgRead::Module, ReturnedObject::Slot),
    ] {
        let got = compiled_with(
            &format!(
                "kprobes:\n- call: prepare_creds\n  syscall: false\n  return: true\n  returnArg:\n    index: 0\n    type: {ty}"
            ),
            &FakeKernel::stock(),
        );
        let ret = got.hooks[0].return_arg.as_ref().expect("returnArg");
        assert_eq!(ret.read, read);
        assert_eq!(ret.read.returned_object(), Some(carried));
    }
}

/// Set (USDT): argIndex names an entry of `args` (by its index, else by position); the kernel
/// action carries the probe argument number and the value. Refused where the kernel forbids
/// bpf_probe_write_user.
#[test]
fn usdt_set_compiles_to_the_probe_argument_and_value() {
    let spec = "usdts:
- path: /bin/x
  provider: p
  name: n
  args:
  - index: 0
    type: int
  - index: 3
    type: int64
  selectors:
  - matchActions:
    - action: Set
      argIndex: 3
      argValue: 32
    - action: Set
      argIndex: 0
      argValue: 4000000000";
    let c = compiled(spec);
    let kinds: Vec<(u32, i32, u64)> = c.selectors[0]
        .actions
        .iter()
        .map(|a| (a.kind, a.arg, a.rate_limit_ns))
        .collect();
    assert_eq!(
        kinds,
        vec![(action::SET, 3, 32), (action::SET, 0, 4_000_000_000)]
    );
    assert!(!c.monitor, "Set is an enforcement action");

    let mut locked = FakeKernel::new();
    locked.no_write_user = Some("lockdown");
    let e = errors(&ok(spec), &locked);
    let paths: Vec<&str> = e.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "spec.usdts[0].selectors[0].matchActions[0].action",
            "spec.usdts[0].selectors[0].matchActions[1].action"
        ]
    );
    assert!(e[0].reason.contains("bpf_probe_write_user, and lockdown"));
}

/// btfType: the struct an argument points to, for resolve, on kernel functions and on tracefs
/// fields (which have no BTF type of their own; a `struct X *` field is typed from its
/// declaration). Refused: btfType without resolve, unknown types, module types.
#[test]
fn btf_type_roots_resolve_paths() {
    let mut kernel = FakeKernel::stock();
    kernel.add(
        "sock",
        "state",
        &format(
            "state",
            &[
                ("const void * skaddr", 8, 8, false),
                ("struct mm_struct * mm", 16, 8, false),
                ("int small", 24, 4, true),
            ],
        ),
    );
    let steps = |c: &CompiledPolicy, i: usize| {
        let r = c.hooks[0].args[i].resolve.as_ref().expect("resolved");
        (
            r.from_task,
            r.steps.iter().map(|s| s.offset).collect::<Vec<_>>(),
        )
    };
    // wake_up_new_task's task_struct pointer, read as an mm_struct: owner (1000), then pid.
    let c = compiled_with(
        "kprobes:\n- call: wake_up_new_task\n  syscall: false\n  args:\n  - index: 0\n    type: int\n    btfType: struct mm_struct\n    resolve: owner.pid",
        &kernel,
    );
    assert_eq!(steps(&c, 0).1.first(), Some(&1000));
    let tp =
        |args: &str| format!("tracepoints:\n- subsystem: sock\n  event: state\n  args:\n{args}");
    let c = compiled_with(
        &tp(
            "  - index: 4\n    type: int\n    btfType: mm_struct\n    resolve: owner.pid\n  - index: 5\n    type: int\n    resolve: owner.pid",
        ),
        &kernel,
    );
    assert_eq!(c.hooks[0].args[0].resolve.as_ref().map(|r| r.from), Some(8));
    assert_eq!(
        c.hooks[0].args[1].resolve.as_ref().map(|r| r.from),
        Some(16)
    );
    assert_eq!(steps(&c, 0), steps(&c, 1), "same path from either field");
    for (args, path, reason) in [
        (
            "  - index: 4\n    type: int\n    resolve: owner.pid",
            "spec.tracepoints[0].args[0].resolve",
            "set btfType",
        ),
        (
            "  - index: 6\n    type: int\n    btfType: mm_struct\n    resolve: owner.pid",
            "spec.tracepoints[0].args[0].resolve",
            "resolve starts from a pointer",
        ),
        (
            "  - index: 4\n    type: int\n    btfType: nope\n    resolve: owner.pid",
            "spec.tracepoints[0].args[0].btfType",
            "no struct or union",
        ),
        (
            "  - index: 4\n    type: int\n    btfType: mm_struct",
            "spec.tracepoints[0].args[0].btfType",
            "set resolve",
        ),
        (
            "  - index: 4\n    type: int\n    btfType: mm_struct\n    btfTypeModule: nf_tables\n    resolve: owner.pid",
            "spec.tracepoints[0].args[0].btfTypeModule",
            "\"nf_tables\": no BTF for module nf_tables; is it loaded?",
        ),
        (
            "  - index: 4\n    type: int\n    btfTypeModule: fakemod\n    resolve: owner.pid",
            "spec.tracepoints[0].args[0].btfTypeModule",
            "set btfType",
        ),
    ] {
        one_error(&ok(&tp(args)), &kernel, path, reason);
    }
    // A loaded module's types (here the fake kernel's, under module fakemod) walk the same path.
    let c = compiled_with(
        &tp(
            "  - index: 4\n    type: int\n    btfType: mm_struct\n    btfTypeModule: fakemod\n    resolve: owner.pid",
        ),
        &kernel,
    );
    assert_eq!(steps(&c, 0).1.first(), Some(&1000));
}

/// `source: pt_regs` data entries: the register's offset in struct pt_regs (BTF), in the copy the
/// kprobe puts at REGS_SCRATCH; `rdi` and `di` name the same register. Kprobes only (this kernel
/// serves syscall kprobes from tracepoints: refused).
#[test]
fn pt_regs_data_reads_probe_registers() {
    let spec = "kprobes:\n- call: sys_openat\n  data:\n  - type: uint64\n    source: pt_regs\n    resolve: rdi\n  - type: int\n    source: pt_regs\n    resolve: si";
    let c = compiled_with(spec, &FakeKernel::stock());
    let h = &c.hooks[0];
    assert!(h.pt_regs);
    assert_eq!(h.data, 2);
    let at: Vec<(u16, u16)> = h.args.iter().map(|a| (a.offset, a.size)).collect();
    assert_eq!(
        at,
        vec![
            ((limits::REGS_SCRATCH + 112) as u16, 8),
            ((limits::REGS_SCRATCH + 104) as u16, 4)
        ]
    );
    assert!(h.args.iter().all(|a| a.resolve.is_none()));
    let e = errors(&ok(spec), &FakeKernel::new());
    assert_eq!(e.len(), 2, "{e:#?}");
    assert!(
        e[0].path == "spec.kprobes[0].data[0].source"
            && e[0].reason.contains("pt_regs data needs a kprobe")
    );
    // With Override: a syscall's kprobe (bpf_override_return) has the registers; an fmod_ret
    // program (security_* functions) has not.
    let mut k = FakeKernel::stock();
    k.kprobe_override = true;
    k.trampolines = true;
    let over = |call: &str, syscall: bool| {
        format!(
            "kprobes:\n- call: {call}\n  syscall: {syscall}\n  data:\n  - type: int\n    source: pt_regs\n    resolve: si\n  selectors:\n  - matchActions:\n    - action: Override\n      argError: -1"
        )
    };
    let c = compiled_with(&over("sys_openat", true), &k);
    assert!(c.hooks[0].pt_regs);
    assert!(matches!(
        c.hooks[0].attach,
        AttachPoint::Kprobe {
            override_return: true,
            ..
        }
    ));
    one_error(
        &ok(&over("security_file_open", false)),
        &k,
        "spec.kprobes[0].data[0].source",
        "fmod_ret program",
    );
}

/// Uprobes by offset with refCtrOffsets (one per probe; validation checks the count) and binaryDigests (SHA-256, checked by
/// the agent at attach): what the attach point carries, and the errors.
#[test]
fn uprobe_offsets_ref_ctr_and_digests() {
    let d = "ab".repeat(32);
    let c = compiled(&format!(
        "uprobes:\n- path: /bin/x\n  offsets: [4096, 8192]\n  refCtrOffsets: [16, 0]\n  binaryDigests: [\"sha256:{}\"]",
        d.to_uppercase()
    ));
    let points: Vec<_> = c.hooks.iter().map(|h| h.attach.clone()).collect();
    assert_eq!(
        points,
        [(4096, 16), (8192, 0)]
            .map(|(offset, ref_ctr_offset)| AttachPoint::Uprobe {
                path: "/bin/x".into(),
                symbol: String::new(),
                offset,
                address: 0,
                ref_ctr_offset,
                digests: vec![d.clone()],
                skip_on_digest_mismatch: false,
                override_return: false,
            })
            .to_vec()
    );
    // `addrs`: the agent maps each address to a file offset; the event reports the address.
    // `return: true` makes the hook return (a uretprobe posts its event).
    let c = compiled(
        "uprobes:\n- path: /bin/x\n  addrs: [0x401136]\n  return: true\n  returnArg:\n    index: 0\n    type: int",
    );
    let h = &c.hooks[0];
    assert!(matches!(
        &h.attach,
        AttachPoint::Uprobe {
            offset: 0,
            address: 0x401136,
            ..
        }
    ));
    assert!(matches!(
        &h.event,
        HookEvent::Uprobe {
            offset: 0x401136,
            ..
        }
    ));
    assert!(h.returns && h.return_arg.is_some());
    one_error(
        &ok("uprobes:\n- path: /bin/x\n  symbols: [main]\n  binaryDigests: [md5:abc]"),
        &FakeKernel::new(),
        "spec.uprobes[0].binaryDigests[0]",
        "is not a SHA-256 digest",
    );
}

/// CelExpr: the expression becomes a program of the in-kernel stack machine, its filter refers
/// to it; the reference evaluator runs it on the arguments.
#[test]
fn cel_expr_compiles_to_a_program() {
    let spec = "kprobes:\n- call: sys_lseek\n  args:\n  - index: 2\n    type: int\n  - index: 1\n    type: int64\n  selectors:\n  - matchArgs:\n    - operator: CelExpr\n      values: ['arg0 == int32(1) && arg1 > 100']";
    let c = compiled_with(spec, &FakeKernel::stock());
    assert_eq!(c.cel_programs.len(), 1);
    let m = &c.selectors[0].match_args[0];
    assert_eq!((m.op, m.set_id), (op::CEL, 0));
    use auspex_policy::compile::cel::eval;
    assert_eq!(eval(&c.cel_programs[0], &[1, 101]), Some(true));
    assert_eq!(eval(&c.cel_programs[0], &[1, 100]), Some(false));
    assert_eq!(eval(&c.cel_programs[0], &[2, 101]), Some(false));
}

/// CelExpr names data entries (`dataN`, after the arguments), an `args:` list in matchArgs
/// renames `argN` (older Tetragon policies), and in matchReturnArgs `arg0` is the return value
/// (the kernel passes it: `ARG_RETURN`). A one-argument operator over several arguments is an
/// error naming the field.
#[test]
fn cel_expr_data_renamed_args_and_return_value() {
    use auspex_policy::compile::cel::{CelInsn, eval, insn};
    let spec = "kprobes:\n- call: sys_lseek\n  return: true\n  args:\n  - index: 2\n    type: int\n  - index: 1\n    type: int64\n  data:\n  - type: int\n    source: pt_regs\n    resolve: rdi\n  returnArg:\n    index: 0\n    type: int\n  selectors:\n  - matchArgs:\n    - operator: CelExpr\n      args: [1, 0]\n      values: ['arg0 > 100 && arg1 == int32(3)']\n    matchData:\n    - operator: CelExpr\n      values: ['int(data0) == arg1']\n    matchReturnArgs:\n    - operator: CelExpr\n      values: ['arg0 < int32(0)']";
    let c = compiled_with(spec, &FakeKernel::stock());
    assert_eq!(c.cel_programs.len(), 3);
    // Renamed: arg0 is position 1 (offset), arg1 position 0 (whence).
    assert_eq!(eval(&c.cel_programs[0], &[3, 101, 0]), Some(true));
    assert_eq!(eval(&c.cel_programs[0], &[101, 3, 0]), Some(false));
    // data0 is position 2 (after the two arguments).
    assert_eq!(eval(&c.cel_programs[1], &[3, 77, 77]), Some(true));
    assert_eq!(eval(&c.cel_programs[1], &[3, 77, 78]), Some(false));
    assert_eq!(
        c.cel_programs[2][0],
        CelInsn {
            op: insn::ARG,
            arg: insn::ARG_RETURN,
            imm: 0
        }
    );
    let sel = &c.selectors[0];
    assert_eq!(sel.match_return.len(), 1);
    assert_eq!(
        (sel.match_return[0].op, sel.match_return[0].set_id),
        (op::CEL, 2)
    );

    for (from, to, path, reason) in [
        (
            "      args: [1, 0]\n",
            "      args: [1, 5]\n",
            "spec.kprobes[0].selectors[0].matchArgs[0].args[1]",
            "argument position 5 is out of range",
        ),
        (
            "      values: ['int(data0) == arg1']",
            "      args: [0]\n      values: ['int(data0) == arg1']",
            "spec.kprobes[0].selectors[0].matchData[0].args",
            "only matchArgs takes an args list",
        ),
        (
            "      values: ['int(data0) == arg1']",
            "      values: ['data1 == arg1']",
            "spec.kprobes[0].selectors[0].matchData[0].values[0]",
            "there are 1 data entry(s)",
        ),
        (
            "    - operator: CelExpr\n      args: [1, 0]\n      values: ['arg0 > 100 && arg1 == int32(3)']",
            "    - operator: Equal\n      args: [1, 0]\n      values: ['3']",
            "spec.kprobes[0].selectors[0].matchArgs[0].args",
            "only CapabilitiesGained and CelExpr take several",
        ),
    ] {
        assert!(spec.contains(from), "{from}");
        one_error(
            &ok(&spec.replace(from, to)),
            &FakeKernel::stock(),
            path,
            reason,
        );
    }
}

/// Override on a uprobe: the hook's probe writes its registers (return argError to the caller);
/// refused where the kernel does not let uprobe programs write them, on USDT probes (inside a
/// function) and together with a return probe on the same uprobe.
#[test]
fn uprobe_override_returns_arg_error() {
    let spec = "uprobes:\n- path: /bin/x\n  symbols: [check]\n  selectors:\n  - matchActions:\n    - action: Override\n      argError: -13";
    let c = compiled(spec);
    assert!(matches!(
        &c.hooks[0].attach,
        AttachPoint::Uprobe {
            override_return: true,
            ..
        }
    ));
    let o = &c.selectors[0].actions[0];
    assert_eq!((o.kind, o.arg), (action::OVERRIDE, -13));
    let mut old = FakeKernel::new();
    old.no_uprobe_override = Some("Permission denied");
    one_error(
        &ok(spec),
        &old,
        "spec.uprobes[0].selectors[0].matchActions[0].action",
        "uprobe programs may write the probe's registers (Linux 6.19+): Permission denied",
    );
    one_error(
        &ok(
            "usdts:\n- path: /bin/x\n  provider: p\n  name: n\n  selectors:\n  - matchActions:\n    - action: Override\n      argError: -1",
        ),
        &FakeKernel::new(),
        "spec.usdts[0].selectors[0].matchActions[0].action",
        "a USDT probe sits inside one",
    );
    one_error(
        &ok(&format!(
            "{spec}\n  return: true\n  returnArg:\n    index: 0\n    type: int"
        )),
        &FakeKernel::new(),
        "spec.uprobes[0].return",
        "cannot be combined",
    );
}

/// imaHash on an LSM hook whose first argument is a linux_binprm: the Post asks for the hash and
/// the hook says where the file is; refused where the kernel cannot hash, and on other hooks.
#[test]
fn ima_hash_on_lsm_hooks() {
    let spec = "lsmhooks:\n- hook: bprm_check_security\n  args:\n  - index: 0\n    type: linux_binprm\n  selectors:\n  - matchActions:\n    - action: Post\n      imaHash: true";
    let c = compiled_with(spec, &FakeKernel::stock());
    assert_eq!(c.hooks[0].ima, auspex_policy::compile::IMA_BPRM);
    let post = &c.selectors[0].actions[0];
    assert_eq!(post.kind, action::POST);
    assert_ne!(post.arg & auspex_policy::compile::POST_IMA_HASH, 0);
    let mut old = FakeKernel::stock();
    old.no_ima = Some("Linux 5.18");
    one_error(
        &ok(spec),
        &old,
        "spec.lsmhooks[0].selectors[0].matchActions[0].imaHash",
        "imaHash needs Linux 5.18",
    );
    // Without imaHash the hook needs no second program.
    let plain = compiled_with(
        "lsmhooks:\n- hook: bprm_check_security\n  args:\n  - index: 0\n    type: linux_binprm",
        &FakeKernel::stock(),
    );
    assert_eq!(plain.hooks[0].ima, 0);
}

/// `loader: true`: one hook on syscalls/sys_enter_mmap, events process_loader, matching
/// executable (prot & PROT_EXEC) mappings of files (the fd's path starts with `/`).
#[test]
fn loader_hooks_executable_file_mappings() {
    let mut k = FakeKernel::new();
    k.syscall(
        "mmap",
        &[
            "unsigned long addr",
            "unsigned long len",
            "unsigned long prot",
            "unsigned long flags",
            "unsigned long fd",
            "unsigned long off",
        ],
    );
    let c = compiled_with("loader: true", &k);
    assert_eq!(c.hooks.len(), 1);
    assert_eq!(c.hooks[0].event, HookEvent::Loader);
    assert_eq!(c.hooks[0].attach, tp("syscalls", "sys_enter_mmap"));
    let ops: Vec<(u8, u8)> = c.selectors[0]
        .match_args
        .iter()
        .map(|m| (m.arg, m.op))
        .collect();
    assert_eq!(ops, vec![(1, op::MASK), (0, op::PREFIX)]);
}

/// The arguments a hook's selectors filter on (read by the kernel before the selectors; the
/// rest only for kept events): matchArgs positions across all selectors, the arguments a CEL
/// program reads, both sets of CapabilitiesGained; none without selectors.
#[test]
fn filter_args_are_the_arguments_selectors_read() {
    let spec = "kprobes:\n- call: sys_lseek\n  args:\n  - index: 0\n    type: fd\n  - index: 2\n    type: int\n  - index: 1\n    type: int64\n  selectors:\n  - matchArgs:\n    - index: 2\n      operator: Equal\n      values: ['1']\n  - matchBinaries:\n    - operator: In\n      values: [/bin/x]";
    let c = compiled_with(spec, &FakeKernel::stock());
    assert_eq!(c.filter_args(&c.hooks[0]), 0b010);
    let cel = "kprobes:\n- call: sys_lseek\n  args:\n  - index: 0\n    type: fd\n  - index: 2\n    type: int\n  - index: 1\n    type: int64\n  selectors:\n  - matchArgs:\n    - operator: CelExpr\n      values: ['arg2 > 100']\n  - matchArgs:\n    - index: 0\n      operator: Prefix\n      values: [/tmp/]";
    let c = compiled_with(cel, &FakeKernel::stock());
    assert_eq!(c.filter_args(&c.hooks[0]), 0b101);
    let caps = "kprobes:\n- call: security_capset\n  syscall: false\n  args:\n  - index: 0\n    type: int\n  - index: 2\n    type: kernel_cap_t\n  - index: 3\n    type: cap_effective\n  selectors:\n  - matchArgs:\n    - args: [1, 2]\n      operator: CapabilitiesGained\n      values: [CAP_NET_RAW]";
    let c = compiled_with(caps, &FakeKernel::stock());
    assert_eq!(c.filter_args(&c.hooks[0]), 0b110);
    let none = "kprobes:\n- call: sys_lseek\n  args:\n  - index: 0\n    type: fd";
    let c = compiled_with(none, &FakeKernel::stock());
    assert_eq!(c.filter_args(&c.hooks[0]), 0);
}

/// btfPath: `resolve` on uprobe and USDT arguments follows the binary's types (btfType, or the
/// probed function's parameter) through user memory; strings become user strings, kernel
/// objects are refused, and the file must be readable.
#[test]
fn uprobe_btf_path_resolves_in_user_memory() {
    let spec = "uprobes:\n- path: /bin/x\n  symbols: [bpf_lsm_bprm_check_security]\n  btfPath: /fake/app.btf\n  args:\n  - index: 0\n    type: string\n    resolve: mm.owner.real_parent.comm\n  - index: 1\n    type: string\n    btfType: task_struct\n    resolve: mm.owner.real_parent.comm";
    let c = compiled(spec);
    let a = &c.hooks[0].args;
    assert_eq!(
        (a[0].read, a[0].render),
        (ArgRead::UserString, ArgRender::String)
    );
    let r = a[0].resolve.as_ref().expect("resolved");
    assert!(r.user);
    assert_eq!(
        r.steps,
        vec![step(16, 8), step(1000, 8), step(2500, 8), step(3200, 0)]
    );
    let r1 = a[1].resolve.as_ref().expect("resolved through btfType");
    assert!(r1.user);
    assert_eq!(r1.from, 24, "argument 1's register slot");

    let missing = spec.replace("/fake/app.btf", "/nonexistent.btf");
    one_error(
        &ok(&missing),
        &FakeKernel::new(),
        "spec.uprobes[0].btfPath",
        "\"/nonexistent.btf\": cannot read it",
    );
    let no_btf = "uprobes:\n- path: /bin/x\n  symbols: [f]\n  args:\n  - index: 0\n    type: string\n    btfType: task_struct\n    resolve: comm";
    one_error(
        &ok(no_btf),
        &FakeKernel::new(),
        "spec.uprobes[0].args[0].resolve",
        "set btfPath",
    );
    let kernel_object = "uprobes:\n- path: /bin/x\n  symbols: [f]\n  btfPath: /fake/app.btf\n  args:\n  - index: 0\n    type: file\n    btfType: linux_binprm\n    resolve: file";
    let errs = errors(&ok(kernel_object), &FakeKernel::new());
    assert!(
        errs.iter()
            .any(|e| e.path == "spec.uprobes[0].args[0].resolve"
                && e.reason.contains("reads a kernel object")),
        "{errs:#?}"
    );
    let usdt = "usdts:\n- path: /bin/x\n  provider: p\n  name: n\n  btfPath: /fake/app.btf\n  args:\n  - index: 0\n    type: string\n    resolve: comm";
    one_error(
        &ok(usdt),
        &FakeKernel::new(),
        "spec.usdts[0].args[0].resolve",
        "btfType is needed",
    );
}
