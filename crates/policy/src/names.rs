//! Closed vocabularies of the TracingPolicy language: argument types,
//! selector operators, actions, namespaces, capability sets, list types,
//! hook kinds. Each enum parses the spellings Tetragon accepts and exposes the
//! numeric id the kernel side uses where there is one, so that a selector
//! compiler can be built on top of the validated model.

use std::fmt;

/// Argument types (`args[].type`, §4.4 of the reference).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum ArgType {
    Auto,
    Int,
    CharBuf,
    CharIovec,
    SizeT,
    Skb,
    String,
    Sock,
    Cred,
    S64,
    U64,
    S32,
    U32,
    Filename,
    Path,
    File,
    Fd,
    ConstBuf,
    BpfAttr,
    PerfEvent,
    BpfMap,
    UserNamespace,
    Capability,
    Kiocb,
    IovIter,
    LoadInfo,
    Module,
    Syscall64,
    S16,
    U16,
    S8,
    U8,
    KernelCap,
    CapInheritable,
    CapPermitted,
    CapEffective,
    LinuxBinprm,
    DataLoc,
    NetDevice,
    Sockaddr,
    Socket,
    Dentry,
    BpfProg,
    SockaddrUn,
    Nop,
    /// User-space only: read as an int, printed as the `bpf(2)` command name.
    BpfCmd,
}

/// (spelling, type) pairs; several spellings may map to one type.
const ARG_TYPE_NAMES: &[(&str, ArgType)] = &[
    ("auto", ArgType::Auto),
    ("int", ArgType::Int),
    ("sint8", ArgType::S8),
    ("int8", ArgType::S8),
    ("uint8", ArgType::U8),
    ("sint16", ArgType::S16),
    ("int16", ArgType::S16),
    ("uint16", ArgType::U16),
    ("sint32", ArgType::S32),
    ("int32", ArgType::S32),
    ("uint32", ArgType::U32),
    ("sint64", ArgType::S64),
    ("int64", ArgType::S64),
    ("long", ArgType::S64),
    ("uint64", ArgType::U64),
    ("ulong", ArgType::U64),
    ("unsigned long", ArgType::U64),
    ("size_t", ArgType::SizeT),
    ("char_buf", ArgType::CharBuf),
    ("char_iovec", ArgType::CharIovec),
    ("skb", ArgType::Skb),
    ("sock", ArgType::Sock),
    ("sockaddr", ArgType::Sockaddr),
    ("socket", ArgType::Socket),
    ("sockaddr_un", ArgType::SockaddrUn),
    ("string", ArgType::String),
    ("fd", ArgType::Fd),
    ("file", ArgType::File),
    ("filename", ArgType::Filename),
    ("path", ArgType::Path),
    ("nop", ArgType::Nop),
    ("bpf_attr", ArgType::BpfAttr),
    ("perf_event", ArgType::PerfEvent),
    ("bpf_map", ArgType::BpfMap),
    ("user_namespace", ArgType::UserNamespace),
    ("capability", ArgType::Capability),
    ("kiocb", ArgType::Kiocb),
    ("iov_iter", ArgType::IovIter),
    ("cred", ArgType::Cred),
    ("const_buf", ArgType::ConstBuf),
    ("load_info", ArgType::LoadInfo),
    ("module", ArgType::Module),
    ("syscall64", ArgType::Syscall64),
    ("kernel_cap_t", ArgType::KernelCap),
    ("cap_inheritable", ArgType::CapInheritable),
    ("cap_permitted", ArgType::CapPermitted),
    ("cap_effective", ArgType::CapEffective),
    ("linux_binprm", ArgType::LinuxBinprm),
    ("data_loc", ArgType::DataLoc),
    ("net_device", ArgType::NetDevice),
    ("bpf_cmd", ArgType::BpfCmd),
    ("dentry", ArgType::Dentry),
    ("bpf_prog", ArgType::BpfProg),
];

/// Coarse classes of argument types, used to decide which operators apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgClass {
    /// Derived from BTF at load time; nothing can be checked statically.
    Unknown,
    /// Integers (signed or not), including syscall ids and capability sets.
    Integer,
    /// Strings and buffers compared byte-wise.
    Text,
    /// Kernel objects rendered to a path (file, fd, path, dentry, linux_binprm).
    FilePath,
    /// Network objects: sock, skb, socket.
    Socket,
    /// `struct sockaddr`.
    Sockaddr,
    /// `struct sockaddr_un`.
    SockaddrUn,
    /// Objects that are only printed, never filtered (cred, bpf_map, nop, …).
    Opaque,
}

impl ArgType {
    /// Parses a type name exactly as Tetragon spells it.
    pub fn parse(s: &str) -> Option<Self> {
        ARG_TYPE_NAMES
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, t)| *t)
    }

    /// All accepted spellings, in documentation order.
    pub fn spellings() -> impl Iterator<Item = &'static str> {
        ARG_TYPE_NAMES.iter().map(|(n, _)| *n)
    }

    /// Canonical spelling.
    pub fn name(self) -> &'static str {
        ARG_TYPE_NAMES
            .iter()
            .find(|(_, t)| *t == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }

    /// Numeric type id shared with the BPF programs (`generictypes`), if the type
    /// has one (`auto` and `bpf_cmd` are user-space only).
    pub fn kernel_id(self) -> Option<i32> {
        use ArgType::*;
        Some(match self {
            Int => 1,
            CharBuf => 2,
            CharIovec => 3,
            SizeT => 4,
            Skb => 5,
            String => 6,
            Sock => 7,
            Cred => 8,
            S64 => 10,
            U64 => 11,
            S32 => 12,
            U32 => 13,
            Filename => 14,
            Path => 15,
            File => 16,
            Fd => 17,
            ConstBuf => 18,
            BpfAttr => 19,
            PerfEvent => 20,
            BpfMap => 21,
            UserNamespace => 22,
            Capability => 23,
            Kiocb => 24,
            IovIter => 25,
            LoadInfo => 26,
            Module => 27,
            Syscall64 => 28,
            S16 => 29,
            U16 => 30,
            S8 => 31,
            U8 => 32,
            KernelCap => 33,
            CapInheritable => 34,
            CapPermitted => 35,
            CapEffective => 36,
            LinuxBinprm => 37,
            DataLoc => 38,
            NetDevice => 39,
            Sockaddr => 40,
            Socket => 41,
            Dentry => 42,
            BpfProg => 43,
            SockaddrUn => 44,
            Nop => -1,
            Auto | BpfCmd => return None,
        })
    }

    /// The operator class of the type.
    pub fn class(self) -> ArgClass {
        use ArgType::*;
        match self {
            Auto => ArgClass::Unknown,
            Int | SizeT | S64 | U64 | S32 | U32 | S16 | U16 | S8 | U8 | Syscall64 | Capability
            | KernelCap | CapInheritable | CapPermitted | CapEffective | BpfCmd => {
                ArgClass::Integer
            }
            CharBuf | CharIovec | String | Filename | ConstBuf | DataLoc | NetDevice => {
                ArgClass::Text
            }
            File | Fd | Path | Dentry | LinuxBinprm => ArgClass::FilePath,
            Sock | Skb | Socket => ArgClass::Socket,
            Sockaddr => ArgClass::Sockaddr,
            SockaddrUn => ArgClass::SockaddrUn,
            Cred | BpfAttr | PerfEvent | BpfMap | UserNamespace | Kiocb | IovIter | LoadInfo
            | Module | BpfProg | Nop => ArgClass::Opaque,
        }
    }

    /// `Some(true)` for signed integers, `Some(false)` for unsigned, `None` for non-integers.
    pub fn is_signed(self) -> Option<bool> {
        use ArgType::*;
        match self {
            Int | S64 | S32 | S16 | S8 | BpfCmd => Some(true),
            SizeT | U64 | U32 | U16 | U8 | Syscall64 | Capability | KernelCap | CapInheritable
            | CapPermitted | CapEffective => Some(false),
            _ => None,
        }
    }

    /// `true` for the capability-set types whose values may be written as `CAP_*` names.
    pub fn is_capability_set(self) -> bool {
        matches!(
            self,
            ArgType::KernelCap
                | ArgType::CapInheritable
                | ArgType::CapPermitted
                | ArgType::CapEffective
        )
    }
}

impl fmt::Display for ArgType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Selector operators (§4.6). Numeric ids are those of the BPF side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum SelectorOp {
    Gt,
    Lt,
    Equal,
    NotEqual,
    In,
    NotIn,
    Prefix,
    NotPrefix,
    Postfix,
    NotPostfix,
    InMap,
    NotInMap,
    Mask,
    SAddr,
    NotSAddr,
    DAddr,
    NotDAddr,
    SPort,
    NotSPort,
    DPort,
    NotDPort,
    SPortPriv,
    NotSPortPriv,
    DPortPriv,
    NotDPortPriv,
    Protocol,
    Family,
    State,
    CapabilitiesGained,
    InRange,
    NotInRange,
    SubString,
    SubStringIgnCase,
    CelExpr,
    FileType,
    NotFileType,
}

/// (canonical name, id, accepted spellings) for every operator.
const OPS: &[(SelectorOp, &str, u32, &[&str])] = {
    use SelectorOp::*;
    &[
        (Gt, "GT", 1, &["gt", "GT", "GreaterThan"]),
        (Lt, "LT", 2, &["lt", "LT", "LessThan"]),
        (Equal, "Equal", 3, &["eq", "Equal"]),
        (NotEqual, "NotEqual", 4, &["neq", "NotEqual"]),
        (In, "In", 5, &["In"]),
        (NotIn, "NotIn", 6, &["NotIn"]),
        (Prefix, "Prefix", 8, &["prefix", "Prefix"]),
        (Postfix, "Postfix", 9, &["postfix", "Postfix"]),
        (InMap, "InMap", 10, &["InMap"]),
        (NotInMap, "NotInMap", 11, &["NotInMap"]),
        (Mask, "Mask", 12, &["mask", "Mask"]),
        (SAddr, "SAddr", 13, &["saddr", "Saddr", "SAddr"]),
        (DAddr, "DAddr", 14, &["daddr", "Daddr", "DAddr"]),
        (SPort, "SPort", 15, &["sport", "Sport", "SPort"]),
        (DPort, "DPort", 16, &["dport", "Dport", "DPort"]),
        (Protocol, "Protocol", 17, &["protocol", "Protocol"]),
        (
            NotSPort,
            "NotSPort",
            18,
            &["notsport", "NotSport", "NotSPort"],
        ),
        (
            NotDPort,
            "NotDPort",
            19,
            &["notdport", "NotDport", "NotDPort"],
        ),
        (
            SPortPriv,
            "SPortPriv",
            20,
            &["sportpriv", "SportPriv", "SPortPriv"],
        ),
        (
            NotSPortPriv,
            "NotSPortPriv",
            21,
            &["notsportpriv", "NotSportPriv", "NotSPortPriv"],
        ),
        (
            DPortPriv,
            "DPortPriv",
            22,
            &["dportpriv", "DportPriv", "DPortPriv"],
        ),
        (
            NotDPortPriv,
            "NotDPortPriv",
            23,
            &["notdportpriv", "NotDportPriv", "NotDPortPriv"],
        ),
        (
            NotSAddr,
            "NotSAddr",
            24,
            &["notsaddr", "NotSaddr", "NotSAddr"],
        ),
        (
            NotDAddr,
            "NotDAddr",
            25,
            &["notdaddr", "NotDaddr", "NotDAddr"],
        ),
        (NotPrefix, "NotPrefix", 26, &["notprefix", "NotPrefix"]),
        (NotPostfix, "NotPostfix", 27, &["notpostfix", "NotPostfix"]),
        (Family, "Family", 28, &["family", "Family"]),
        (State, "State", 29, &["state", "State"]),
        (
            CapabilitiesGained,
            "CapabilitiesGained",
            30,
            &["CapabilitiesGained"],
        ),
        (InRange, "InRange", 31, &["InRange"]),
        (NotInRange, "NotInRange", 32, &["NotInRange"]),
        (SubString, "SubString", 33, &["SubString"]),
        (
            SubStringIgnCase,
            "SubStringIgnCase",
            34,
            &["SubStringIgnCase"],
        ),
        (CelExpr, "CelExpr", 35, &["CelExpr"]),
        (FileType, "FileType", 36, &["FileType"]),
        (NotFileType, "NotFileType", 37, &["NotFileType"]),
    ]
};

impl SelectorOp {
    /// Parses an operator written with one of the spellings Tetragon accepts
    /// (case-sensitive, as in Tetragon: `Equal` and `eq` but not `EQUAL`).
    pub fn parse(s: &str) -> Option<Self> {
        OPS.iter()
            .find(|(_, _, _, sp)| sp.contains(&s))
            .map(|(op, ..)| *op)
    }

    fn entry(self) -> &'static (SelectorOp, &'static str, u32, &'static [&'static str]) {
        OPS.iter().find(|(op, ..)| *op == self).unwrap_or(&OPS[0])
    }

    /// Canonical name (as used in error messages).
    pub fn name(self) -> &'static str {
        self.entry().1
    }

    /// BPF operator id (`bpf/process/types/operations.h`).
    pub fn kernel_id(self) -> u32 {
        self.entry().2
    }

    /// Accepted spellings.
    pub fn spellings(self) -> &'static [&'static str] {
        self.entry().3
    }

    /// Operators usable in `matchArgs` / `matchData` / `matchReturnArgs`.
    pub const ARG_OPS: &'static [SelectorOp] = {
        use SelectorOp::*;
        &[
            Equal,
            NotEqual,
            Prefix,
            NotPrefix,
            Postfix,
            NotPostfix,
            Gt,
            Lt,
            Mask,
            InMap,
            NotInMap,
            InRange,
            NotInRange,
            SAddr,
            NotSAddr,
            DAddr,
            NotDAddr,
            SPort,
            NotSPort,
            DPort,
            NotDPort,
            SPortPriv,
            NotSPortPriv,
            DPortPriv,
            NotDPortPriv,
            Protocol,
            Family,
            State,
            CapabilitiesGained,
            SubString,
            SubStringIgnCase,
            CelExpr,
            FileType,
            NotFileType,
        ]
    };

    /// Operators usable in `matchBinaries` / `matchParentBinaries`.
    pub const BINARY_OPS: &'static [SelectorOp] = {
        use SelectorOp::*;
        &[In, NotIn, Prefix, NotPrefix, Postfix, NotPostfix]
    };

    /// Operators usable in `matchPIDs`, `matchNamespaces`, `matchNamespaceChanges`,
    /// `matchCapabilities`, `matchCapabilityChanges`.
    pub const SET_OPS: &'static [SelectorOp] = &[SelectorOp::In, SelectorOp::NotIn];

    /// `true` for the operators that take no values (`SPortPriv` & co.).
    pub fn takes_no_values(self) -> bool {
        matches!(
            self,
            SelectorOp::SPortPriv
                | SelectorOp::NotSPortPriv
                | SelectorOp::DPortPriv
                | SelectorOp::NotDPortPriv
        )
    }

    /// `true` for the operators that only make sense on socket-like arguments.
    pub fn is_network(self) -> bool {
        use SelectorOp::*;
        matches!(
            self,
            SAddr
                | NotSAddr
                | DAddr
                | NotDAddr
                | SPort
                | NotSPort
                | DPort
                | NotDPort
                | SPortPriv
                | NotSPortPriv
                | DPortPriv
                | NotDPortPriv
                | Protocol
                | Family
                | State
        )
    }
}

impl fmt::Display for SelectorOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Renders a list of operators as `A, B, C`.
pub(crate) fn op_list(ops: &[SelectorOp]) -> String {
    ops.iter().map(|o| o.name()).collect::<Vec<_>>().join(", ")
}

/// Actions of `matchActions` / `matchReturnActions` (§4.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum ActionKind {
    Post,
    Sigkill,
    Override,
    GetUrl,
    DnsLookup,
    NoPost,
    Signal,
    TrackSock,
    UntrackSock,
    NotifyEnforcer,
    CleanupEnforcerNotification,
    Set,
}

const ACTIONS: &[(ActionKind, &str, u32)] = &[
    (ActionKind::Post, "Post", 0),
    (ActionKind::Sigkill, "Sigkill", 2),
    (ActionKind::Override, "Override", 4),
    (ActionKind::GetUrl, "GetUrl", 6),
    (ActionKind::DnsLookup, "DnsLookup", 7),
    (ActionKind::NoPost, "NoPost", 8),
    (ActionKind::Signal, "Signal", 9),
    (ActionKind::TrackSock, "TrackSock", 10),
    (ActionKind::UntrackSock, "UntrackSock", 11),
    (ActionKind::NotifyEnforcer, "NotifyEnforcer", 12),
    (
        ActionKind::CleanupEnforcerNotification,
        "CleanupEnforcerNotification",
        13,
    ),
    (ActionKind::Set, "Set", 14),
];

impl ActionKind {
    /// Parses an action name; action names are case-insensitive in Tetragon.
    pub fn parse(s: &str) -> Option<Self> {
        ACTIONS
            .iter()
            .find(|(_, n, _)| n.eq_ignore_ascii_case(s))
            .map(|(a, ..)| *a)
    }

    /// All actions.
    pub fn all() -> impl Iterator<Item = ActionKind> {
        ACTIONS.iter().map(|(a, ..)| *a)
    }

    /// Canonical name.
    pub fn name(self) -> &'static str {
        ACTIONS
            .iter()
            .find(|(a, ..)| *a == self)
            .map(|(_, n, _)| *n)
            .unwrap_or("?")
    }

    /// BPF action id.
    pub fn kernel_id(self) -> u32 {
        ACTIONS
            .iter()
            .find(|(a, ..)| *a == self)
            .map(|(.., id)| *id)
            .unwrap_or(0)
    }

    /// Enforcement actions: a policy without any of them runs in `monitor_only` mode.
    pub fn is_enforcement(self) -> bool {
        matches!(
            self,
            ActionKind::Sigkill
                | ActionKind::Signal
                | ActionKind::NotifyEnforcer
                | ActionKind::Override
                | ActionKind::Set
        )
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

pub(crate) fn action_list(actions: &[ActionKind]) -> String {
    actions
        .iter()
        .map(|a| a.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Linux namespaces of `matchNamespaces` / `matchNamespaceChanges`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum NamespaceKind {
    Uts,
    Ipc,
    Mnt,
    Pid,
    PidForChildren,
    Net,
    Time,
    TimeForChildren,
    Cgroup,
    User,
}

const NAMESPACES: &[(NamespaceKind, &str)] = &[
    (NamespaceKind::Uts, "Uts"),
    (NamespaceKind::Ipc, "Ipc"),
    (NamespaceKind::Mnt, "Mnt"),
    (NamespaceKind::Pid, "Pid"),
    (NamespaceKind::PidForChildren, "PidForChildren"),
    (NamespaceKind::Net, "Net"),
    (NamespaceKind::Time, "Time"),
    (NamespaceKind::TimeForChildren, "TimeForChildren"),
    (NamespaceKind::Cgroup, "Cgroup"),
    (NamespaceKind::User, "User"),
];

impl NamespaceKind {
    /// Parses a namespace name (`Pid`, `Mnt`, …; ASCII case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        NAMESPACES
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(s))
            .map(|(k, _)| *k)
    }

    /// Canonical name.
    pub fn name(self) -> &'static str {
        NAMESPACES
            .iter()
            .find(|(k, _)| *k == self)
            .map(|(_, n)| *n)
            .unwrap_or("?")
    }

    /// All names, comma-separated (for messages).
    pub fn all_names() -> String {
        NAMESPACES
            .iter()
            .map(|(_, n)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Which capability set `matchCapabilities` looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum CapabilitySet {
    Effective,
    Inheritable,
    Permitted,
}

impl CapabilitySet {
    /// Parses `Effective` / `Inheritable` / `Permitted` (ASCII case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        [
            (Self::Effective, "Effective"),
            (Self::Inheritable, "Inheritable"),
            (Self::Permitted, "Permitted"),
        ]
        .into_iter()
        .find(|(_, n)| n.eq_ignore_ascii_case(s))
        .map(|(k, _)| k)
    }
}

/// Rate-limit scope of a Post action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[allow(missing_docs)]
pub enum RateLimitScope {
    #[default]
    Thread,
    Process,
    Global,
}

impl RateLimitScope {
    /// Parses `thread` / `process` / `global` (ASCII case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        [
            (Self::Thread, "thread"),
            (Self::Process, "process"),
            (Self::Global, "global"),
        ]
        .into_iter()
        .find(|(_, n)| n.eq_ignore_ascii_case(s))
        .map(|(k, _)| k)
    }
}

/// Type of a `spec.lists[]` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListType {
    /// `""`: plain list of values.
    Plain,
    /// `syscalls`: syscall names.
    Syscalls,
    /// `generated_syscalls`: every syscall from BTF (no values).
    GeneratedSyscalls,
    /// `generated_ftrace`: functions of `available_filter_functions` matching `pattern`.
    GeneratedFtrace,
}

impl ListType {
    /// Parses a list type (ASCII case-insensitive; empty string is [`ListType::Plain`]).
    pub fn parse(s: &str) -> Option<Self> {
        [
            (Self::Plain, ""),
            (Self::Syscalls, "syscalls"),
            (Self::GeneratedSyscalls, "generated_syscalls"),
            (Self::GeneratedFtrace, "generated_ftrace"),
        ]
        .into_iter()
        .find(|(_, n)| n.eq_ignore_ascii_case(s))
        .map(|(k, _)| k)
    }

    /// `true` for lists whose content is generated at load time.
    pub fn is_generated(self) -> bool {
        matches!(self, Self::GeneratedSyscalls | Self::GeneratedFtrace)
    }

    /// `true` for lists of syscalls (usable with `InMap` on syscall ids).
    pub fn is_syscalls(self) -> bool {
        matches!(self, Self::Syscalls | Self::GeneratedSyscalls)
    }
}

/// The hook section kinds of a spec. A policy uses at most one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HookKind {
    /// `spec.kprobes`.
    Kprobe,
    /// `spec.tracepoints`.
    Tracepoint,
    /// `spec.lsmhooks`.
    LsmHook,
    /// `spec.uprobes`.
    Uprobe,
    /// `spec.usdts`.
    Usdt,
    /// `spec.fentries`.
    Fentry,
}

impl HookKind {
    /// YAML key of the section.
    pub fn section(self) -> &'static str {
        match self {
            HookKind::Kprobe => "kprobes",
            HookKind::Tracepoint => "tracepoints",
            HookKind::LsmHook => "lsmhooks",
            HookKind::Uprobe => "uprobes",
            HookKind::Usdt => "usdts",
            HookKind::Fentry => "fentries",
        }
    }
}

impl fmt::Display for HookKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.section())
    }
}

/// Policy enforcement mode (`policy-mode` option).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyMode {
    /// Enforcement actions are carried out.
    Enforce,
    /// Enforcement actions are only counted.
    Monitor,
}

/// How `Override` is implemented on kprobes (`override-method` option).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OverrideMethod {
    /// `bpf_override_return`.
    OverrideReturn,
    /// fmod_ret programs.
    FmodRet,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_spellings() {
        assert_eq!(SelectorOp::parse("eq"), Some(SelectorOp::Equal));
        assert_eq!(SelectorOp::parse("GreaterThan"), Some(SelectorOp::Gt));
        assert_eq!(
            SelectorOp::parse("NotSportPriv"),
            Some(SelectorOp::NotSPortPriv)
        );
        assert_eq!(SelectorOp::parse("EQUAL"), None);
        assert_eq!(SelectorOp::parse("equal"), None);
        assert_eq!(SelectorOp::Equal.kernel_id(), 3);
        assert_eq!(SelectorOp::NotFileType.kernel_id(), 37);
        for op in SelectorOp::ARG_OPS {
            for s in op.spellings() {
                assert_eq!(SelectorOp::parse(s), Some(*op), "{s}");
            }
        }
    }

    #[test]
    fn action_names_case_insensitive() {
        assert_eq!(ActionKind::parse("sigkill"), Some(ActionKind::Sigkill));
        assert_eq!(ActionKind::parse("NOPOST"), Some(ActionKind::NoPost));
        assert_eq!(ActionKind::parse("FollowFD"), None);
        assert_eq!(ActionKind::Set.kernel_id(), 14);
    }

    #[test]
    fn arg_types() {
        assert_eq!(ArgType::parse("long"), Some(ArgType::S64));
        assert_eq!(ArgType::parse("unsigned long"), Some(ArgType::U64));
        assert_eq!(ArgType::parse("File"), None);
        assert_eq!(ArgType::SockaddrUn.kernel_id(), Some(44));
        assert_eq!(ArgType::Nop.kernel_id(), Some(-1));
        assert_eq!(ArgType::Auto.kernel_id(), None);
        assert_eq!(ArgType::S64.name(), "sint64");
    }
}
