//! Reference evaluator: the semantics of a [`CompiledPolicy`] as a pure function, written to be
//! read. The kernel programs (`bpf/lib/selectors.h`) implement the same text; tests compare the
//! two.
//!
//! # Semantics
//!
//! One event is one call of hook `h` by a process, with the arguments the hook captured.
//!
//! 1. **No selectors**: the hook posts every event, no action
//!    (`Decision { selector: None, post: true, signal: None }`).
//! 2. **Selectors** are tried in order; the **first** whose filters **all** match wins (filters of a
//!    selector are ANDed, in the order matchPIDs, matchBinaries, matchNamespaces,
//!    matchCapabilities/matchCapabilityChanges (in their compiled order), matchNamespaceChanges,
//!    then matchArgs; the values of one filter are ORed). When none matches there is no event and
//!    no action (`Decision { selector: None, post: false, signal: None }`).
//! 3. **Actions of the winner**: a selector without actions posts. The event is posted unless one
//!    of the actions is NoPost (Post, Sigkill, Signal, GetUrl and DnsLookup all post). `signal` is
//!    the signal of the first Sigkill (9) or Signal (`argSig`) action, in action order. GetUrl and
//!    DnsLookup are performed by user space from the posted event. Post rate limits (per thread
//!    and selector) are not modelled: the decision is the one before rate limiting.
//!
//! Filters:
//!
//! * **matchPIDs**: the pid compared is `nspid` when `namespace_pid`, else `pid`. It *hits* when
//!   it is one of the values or, with `follow_forks`, when one of the
//!   [`FOLLOW_FORKS_DEPTH`] nearest ancestors (`ancestors_pids`, nearest first, given in the same
//!   pid namespace as the values) is. `In` matches on a hit, `NotIn` on no hit.
//! * **matchBinaries**: the binary path, cut to [`STRING_MAX`] bytes, *hits* when it is a member
//!   in the positive sense of the operator: `In`/`NotIn`: equal to an entry; `Prefix`/`NotPrefix`:
//!   starts with an entry; `Postfix`/`NotPostfix`: ends with an entry. With `follow_children`,
//!   when the process's binary does not hit, the filter hits if any of the first
//!   [`FOLLOW_CHILDREN_DEPTH`] binaries of `ancestor_binaries` (nearest first, each cut the same
//!   way) does. `In`, `Prefix`, `Postfix` match on a hit; `NotIn`, `NotPrefix`, `NotPostfix` on no
//!   hit (the negation applies to the overall hit, ancestors included).
//! * **matchNamespaces** (every entry must match): an entry of kind `k` *hits* when
//!   `namespaces[k]` (the current namespace inode of [`NAMESPACE_KINDS`]`[k]`) is one of its
//!   values. `In` matches on a hit, `NotIn` on no hit.
//! * **isNamespaceCapability** (`host_user_ns` set): a capability entry fails for a task in the
//!   host user namespace (the last of `namespaces`), whatever its operator.
//! * **matchCapabilities** (every entry must match): *hits* when `caps[set] & mask != 0` (the
//!   process currently has one of the listed capabilities in set `set`, a [`cap_set`] id). `In`
//!   matches on a hit, `NotIn` on no hit.
//! * **matchCapabilityChanges** (every entry must match): *hits* when
//!   `(caps[set] ^ exec_caps[set]) & mask != 0` (a listed capability was gained or lost in set
//!   `set` since the exec). `In` matches on a hit, `NotIn` on no hit.
//! * **matchNamespaceChanges**: *hits* when some kind `i` whose bit is set in the mask has
//!   `namespaces[i] != exec_namespaces[i]` (the process changed that namespace since the exec).
//!   `In` matches on a hit, `NotIn` on no hit. Mask bits past the last kind are ignored.
//! * A namespace or capability filter whose kind or set id is out of range does not match,
//!   `NotIn` included. (The compiler never produces this.)
//! * **matchArgs on a string argument** (read as a user/kernel string, `__data_loc` or `char[N]`):
//!   the value is cut to its first [`STRING_MAX`] bytes, then compared as bytes. `Equal`: equal to
//!   an entry (entries are shorter than [`STRING_MAX`], so a cut value equals none); `NotEqual`:
//!   equal to none; `Prefix`/`Postfix`: starts/ends with an entry;
//!   `NotPrefix`/`NotPostfix`: starts/ends with none. An empty entry is a prefix and a postfix of
//!   everything.
//! * **matchArgs on an integer argument**: the value is the field read with the argument's width
//!   and sign- (`Int`) or zero- (`Uint`) extended to 64 bits; every comparison is on **signed
//!   64-bit** integers (unsigned 64-bit values of 2^63 and more compare as negative). `Equal`:
//!   `v == x` for some value; `NotEqual`: for none; `GT`: `v > x` for some; `LT`: `v < x` for some;
//!   `Mask`: `v & x != 0` for some; `InRange`: `lo <= v <= hi` for some pair; `NotInRange`: for
//!   none; `InMap`: `v` is in the set; `NotInMap`: it is not.
//! * A filter whose argument is missing from the event, or of the other kind (a string given for
//!   an integer argument or the reverse), does not match, negated operators included. (The
//!   compiler never produces this; it only concerns callers of [`evaluate`].)
//!
//! [`STRING_MAX`]: super::limits::STRING_MAX
//! [`FOLLOW_CHILDREN_DEPTH`]: super::limits::FOLLOW_CHILDREN_DEPTH
//! [`NAMESPACE_KINDS`]: super::NAMESPACE_KINDS
//! [`cap_set`]: super::cap_set

use super::limits::{FOLLOW_CHILDREN_DEPTH, STRING_MAX};
use super::{
    ArgRead, CompiledBinary, CompiledCapabilities, CompiledMatchArg, CompiledNamespaces,
    CompiledPolicy, CompiledSelector, NAMESPACE_KINDS, action, op,
};

/// Ancestors a `followForks` matchPIDs looks at (the kernel walks this many parents).
pub const FOLLOW_FORKS_DEPTH: usize = 16;

/// The process an event comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvalProcess {
    /// Thread-group id in the initial pid namespace.
    pub pid: u32,
    /// Thread-group id in the process's own pid namespace.
    pub nspid: u32,
    /// Path of the executed binary.
    pub binary: Vec<u8>,
    /// Pids of the ancestors, nearest (parent) first, for `followForks` (namespace pids when the
    /// filter uses `isNamespacePID`).
    pub ancestors_pids: Vec<u32>,
    /// Current namespace inode numbers, indexed by kind id ([`NAMESPACE_KINDS`] order).
    pub namespaces: [u32; NAMESPACE_KINDS.len()],
    /// Namespace inode numbers at the exec, same order.
    pub exec_namespaces: [u32; NAMESPACE_KINDS.len()],
    /// Current capability sets (effective, inheritable, permitted: indexed by
    /// [`cap_set`](super::cap_set) id).
    pub caps: [u64; 3],
    /// Capability sets at the exec, same order.
    pub exec_caps: [u64; 3],
    /// Binary paths of the ancestors, nearest (parent) first, for `followChildren`.
    pub ancestor_binaries: Vec<Vec<u8>>,
}

/// One captured argument, as the kernel holds it after reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalArg {
    /// Integer argument, already sign- or zero-extended to 64 bits.
    Int(i64),
    /// String argument (any length; cut to `STRING_MAX` bytes before comparing).
    Str(Vec<u8>),
    /// Socket argument.
    Sock(EvalSock),
    /// A file (file, fd, path, …): its path and its mode (`st_mode`).
    File(Vec<u8>, u32),
}

/// A socket argument as the kernel reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvalSock {
    /// Address family (2 AF_INET, 10 AF_INET6).
    pub family: u16,
    /// Protocol number.
    pub protocol: u16,
    /// TCP state.
    pub state: u16,
    /// Source port.
    pub sport: u16,
    /// Destination port.
    pub dport: u16,
    /// Source address (IPv4 addresses IPv4-mapped).
    pub saddr: [u8; 16],
    /// Destination address.
    pub daddr: [u8; 16],
}

/// What the engine does with one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// 0-based index (in the hook's selectors) of the first matching selector; `None` when the
    /// hook has no selectors or none matched.
    pub selector: Option<usize>,
    /// An event is emitted.
    pub post: bool,
    /// Signal sent to the current process.
    pub signal: Option<i32>,
}

impl Decision {
    /// No event, no action.
    pub const NONE: Decision = Decision {
        selector: None,
        post: false,
        signal: None,
    };
}

/// Evaluates one event of hook `hook` (an index in `policy.hooks`; an unknown hook gives
/// [`Decision::NONE`]). See the [module documentation](self) for the semantics.
pub fn evaluate(
    policy: &CompiledPolicy,
    hook: usize,
    process: &EvalProcess,
    args: &[EvalArg],
) -> Decision {
    let Some(h) = policy.hooks.get(hook) else {
        return Decision::NONE;
    };
    if h.selectors.is_empty() {
        return Decision {
            selector: None,
            post: true,
            signal: None,
        };
    }
    let string_args: Vec<bool> = h.args.iter().map(|a| is_string(a.read)).collect();
    for (i, id) in h.selectors.iter().enumerate() {
        if let Some(sel) = policy.selectors.get(*id as usize)
            && selector_matches(policy, sel, process, args, &string_args)
        {
            return decide(i, sel);
        }
    }
    Decision::NONE
}

fn decide(index: usize, sel: &CompiledSelector) -> Decision {
    let post = !sel.actions.iter().any(|a| a.kind == action::NOPOST);
    let signal = sel.actions.iter().find_map(|a| match a.kind {
        action::SIGKILL => Some(9),
        action::SIGNAL => Some(a.arg),
        _ => None,
    });
    Decision {
        selector: Some(index),
        post,
        signal,
    }
}

fn selector_matches(
    policy: &CompiledPolicy,
    sel: &CompiledSelector,
    process: &EvalProcess,
    args: &[EvalArg],
    string_args: &[bool],
) -> bool {
    for p in &sel.pids {
        let pid = if p.namespace_pid {
            process.nspid
        } else {
            process.pid
        };
        let mut hit = p.values.contains(&pid);
        if !hit && p.follow_forks {
            hit = process
                .ancestors_pids
                .iter()
                .take(FOLLOW_FORKS_DEPTH)
                .any(|a| p.values.contains(a));
        }
        if hit != (p.op == op::IN) {
            return false;
        }
    }
    if let Some(b) = &sel.binary
        && !binary_filter(policy, b, process)
    {
        return false;
    }
    if let Some(b) = &sel.parent_binary
        && !parent_binary_filter(policy, b, process)
    {
        return false;
    }
    if !sel.namespaces.iter().all(|n| namespace_filter(n, process)) {
        return false;
    }
    if !sel
        .capabilities
        .iter()
        .all(|c| capability_filter(c, process))
    {
        return false;
    }
    if let Some((o, mask)) = sel.namespace_changes {
        let hit = (0..NAMESPACE_KINDS.len())
            .any(|i| mask & (1 << i) != 0 && process.namespaces[i] != process.exec_namespaces[i]);
        if !set_op_matches(o, hit) {
            return false;
        }
    }
    sel.match_args.iter().all(|m| {
        if m.op == op::CEL {
            // Integer arguments by position; the others read as 0, as in the kernel.
            let ints: Vec<i64> = args
                .iter()
                .map(|a| match a {
                    EvalArg::Int(v) => *v,
                    _ => 0,
                })
                .collect();
            return policy
                .cel_programs
                .get(m.set_id as usize)
                .and_then(|p| super::cel::eval(p, &ints))
                .unwrap_or(false);
        }
        if m.op == op::CAPS_GAINED {
            return match (args.get(usize::from(m.arg)), args.get(m.set_id as usize)) {
                (Some(EvalArg::Int(new)), Some(EvalArg::Int(old))) => {
                    new & !old & m.values.first().copied().unwrap_or(0) != 0
                }
                _ => false,
            };
        }
        let is_string = string_args.get(usize::from(m.arg)).copied();
        match (is_string, args.get(usize::from(m.arg))) {
            (Some(true), Some(EvalArg::Str(s)))
                if matches!(m.op, op::SUBSTRING | op::SUBSTRING_IGNCASE) =>
            {
                substring_filter(policy, m, s)
            }
            (Some(true), Some(EvalArg::Str(s))) => string_filter(policy, m.op, m.set_id, s),
            (Some(true), Some(EvalArg::File(_, mode)))
                if matches!(m.op, op::FILE_TYPE | op::NOT_FILE_TYPE) =>
            {
                let hit = m.values.contains(&i64::from(mode & 0o170000));
                hit == (m.op == op::FILE_TYPE)
            }
            (Some(true), Some(EvalArg::File(s, _)))
                if matches!(m.op, op::SUBSTRING | op::SUBSTRING_IGNCASE) =>
            {
                substring_filter(policy, m, s)
            }
            (Some(true), Some(EvalArg::File(s, _))) => string_filter(policy, m.op, m.set_id, s),
            (Some(false), Some(EvalArg::Int(v))) => int_filter(policy, m, *v),
            (Some(false), Some(EvalArg::Sock(sk))) => sock_filter(policy, m, sk),
            _ => false,
        }
    })
}

/// Socket operators: SAddr/DAddr (CIDR sets, longest-prefix), ports and port ranges, privileged
/// ports (< 1024), Protocol/Family/State (equal to a value); `Not*` forms negate.
fn sock_filter(policy: &CompiledPolicy, m: &CompiledMatchArg, sk: &EvalSock) -> bool {
    let in_cidrs = |addr: &[u8; 16]| {
        policy.addr_set.iter().any(|(set, bits, net)| {
            *set == m.set_id && {
                let bits = usize::from(*bits).min(128);
                (0..bits).all(|b| (addr[b / 8] ^ net[b / 8]) & (0x80 >> (b % 8)) == 0)
            }
        })
    };
    let in_ranges = |port: u16| {
        m.values
            .chunks_exact(2)
            .any(|r| i64::from(port) >= r[0] && i64::from(port) <= r[1])
    };
    let equal = |v: u16| m.values.iter().any(|x| *x == i64::from(v));
    match m.op {
        op::SADDR => in_cidrs(&sk.saddr),
        op::NOT_SADDR => !in_cidrs(&sk.saddr),
        op::DADDR => in_cidrs(&sk.daddr),
        op::NOT_DADDR => !in_cidrs(&sk.daddr),
        op::SPORT => in_ranges(sk.sport),
        op::NOT_SPORT => !in_ranges(sk.sport),
        op::DPORT => in_ranges(sk.dport),
        op::NOT_DPORT => !in_ranges(sk.dport),
        op::SPORT_PRIV => sk.sport < 1024,
        op::NOT_SPORT_PRIV => sk.sport >= 1024,
        op::DPORT_PRIV => sk.dport < 1024,
        op::NOT_DPORT_PRIV => sk.dport >= 1024,
        op::PROTOCOL => equal(sk.protocol),
        op::FAMILY => equal(sk.family),
        op::STATE => equal(sk.state),
        _ => false,
    }
}

fn is_string(read: ArgRead) -> bool {
    super::is_string_read(read)
}

fn negated(o: u8) -> bool {
    matches!(
        o,
        op::NEQ | op::NOT_IN | op::NOT_PREFIX | op::NOT_POSTFIX | op::NOT_IN_MAP | op::NOT_IN_RANGE
    )
}

/// In matches on a hit, NotIn on no hit, anything else never.
fn set_op_matches(o: u8, hit: bool) -> bool {
    match o {
        op::IN => hit,
        op::NOT_IN => !hit,
        _ => false,
    }
}

/// matchBinaries, with `followChildren`.
fn binary_filter(policy: &CompiledPolicy, b: &CompiledBinary, process: &EvalProcess) -> bool {
    let Some(mut hit) = string_hit(policy, b.op, b.set_id, &process.binary) else {
        return false;
    };
    if !hit && b.follow_children {
        hit = process
            .ancestor_binaries
            .iter()
            .take(FOLLOW_CHILDREN_DEPTH)
            .any(|a| string_hit(policy, b.op, b.set_id, a) == Some(true));
    }
    hit != negated(b.op)
}

/// matchParentBinaries: the nearest ancestor is the parent; `followChildren` goes on from there.
/// An unknown parent never matches.
fn parent_binary_filter(
    policy: &CompiledPolicy,
    b: &CompiledBinary,
    process: &EvalProcess,
) -> bool {
    let Some((parent, above)) = process.ancestor_binaries.split_first() else {
        return false;
    };
    let Some(mut hit) = string_hit(policy, b.op, b.set_id, parent) else {
        return false;
    };
    if !hit && b.follow_children {
        hit = above
            .iter()
            .take(FOLLOW_CHILDREN_DEPTH)
            .any(|a| string_hit(policy, b.op, b.set_id, a) == Some(true));
    }
    hit != negated(b.op)
}

/// One matchNamespaces entry.
fn namespace_filter(n: &CompiledNamespaces, process: &EvalProcess) -> bool {
    match process.namespaces.get(usize::from(n.kind)) {
        Some(ns) => set_op_matches(n.op, n.values.contains(ns)),
        None => false,
    }
}

/// One matchCapabilities or matchCapabilityChanges entry.
fn capability_filter(c: &CompiledCapabilities, process: &EvalProcess) -> bool {
    let set = usize::from(c.set);
    let (Some(now), Some(at_exec)) = (process.caps.get(set), process.exec_caps.get(set)) else {
        return false;
    };
    // isNamespaceCapability: tasks in the host user namespace never match.
    if c.host_user_ns != 0 && process.namespaces.last() == Some(&c.host_user_ns) {
        return false;
    }
    let bits = if c.changes { now ^ at_exec } else { *now };
    set_op_matches(c.op, bits & c.mask != 0)
}

/// SubString / SubStringIgnCase: `value` (its first STRING_MAX bytes) contains one of the
/// needles the entry's values index (needles of IgnCase are stored lowercased).
fn substring_filter(policy: &CompiledPolicy, m: &CompiledMatchArg, value: &[u8]) -> bool {
    let v = &value[..value.len().min(STRING_MAX)];
    let hay: Vec<u8> = if m.op == op::SUBSTRING_IGNCASE {
        v.to_ascii_lowercase()
    } else {
        v.to_vec()
    };
    m.values
        .iter()
        .filter_map(|i| {
            usize::try_from(*i)
                .ok()
                .and_then(|i| policy.substrings.get(i))
        })
        .any(|needle| !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle))
}

/// A string filter (matchBinaries or matchArgs) on `value`.
fn string_filter(policy: &CompiledPolicy, o: u8, set_id: u32, value: &[u8]) -> bool {
    match string_hit(policy, o, set_id, value) {
        Some(hit) => hit != negated(o),
        None => false,
    }
}

/// Whether `value` is a member of set `set_id` in the positive sense of string operator `o`
/// (equal to / starts with / ends with an entry); `None` for a non-string operator.
fn string_hit(policy: &CompiledPolicy, o: u8, set_id: u32, value: &[u8]) -> Option<bool> {
    let v = &value[..value.len().min(STRING_MAX)];
    let entries = |set: &'_ [(u32, Vec<u8>)]| -> Vec<Vec<u8>> {
        set.iter()
            .filter(|(id, _)| *id == set_id)
            .map(|(_, s)| s.clone())
            .collect()
    };
    let hit = match o {
        op::EQ | op::NEQ | op::IN | op::NOT_IN => {
            entries(&policy.string_eq).iter().any(|e| e.as_slice() == v)
        }
        op::PREFIX | op::NOT_PREFIX => entries(&policy.string_prefix)
            .iter()
            .any(|e| v.starts_with(e)),
        op::POSTFIX | op::NOT_POSTFIX => entries(&policy.string_postfix).iter().any(|e| {
            let suffix: Vec<u8> = e.iter().rev().copied().collect();
            v.ends_with(&suffix)
        }),
        _ => return None,
    };
    Some(hit)
}

/// An integer matchArgs filter on `v`.
fn int_filter(policy: &CompiledPolicy, m: &CompiledMatchArg, v: i64) -> bool {
    let hit = match m.op {
        op::EQ | op::NEQ => m.values.contains(&v),
        op::GT => m.values.iter().any(|x| v > *x),
        op::LT => m.values.iter().any(|x| v < *x),
        op::MASK => m.values.iter().any(|x| v & *x != 0),
        op::IN_RANGE | op::NOT_IN_RANGE => m.values.chunks_exact(2).any(|r| r[0] <= v && v <= r[1]),
        op::IN_MAP | op::NOT_IN_MAP => policy
            .int_set
            .iter()
            .any(|(id, x)| *id == m.set_id && *x == v),
        _ => return false,
    };
    hit != negated(m.op)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::{
        ArgRender, AttachPoint, CompiledAction, CompiledArg, CompiledHook, CompiledPids, HookEvent,
        cap_set,
    };

    const SET: u32 = 1;

    fn hook(nselectors: u32) -> CompiledHook {
        let arg = |offset, read, render| CompiledArg::new(offset, 8, read, render);
        CompiledHook {
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
            attach: AttachPoint::Tracepoint {
                subsystem: "s".into(),
                event: "e".into(),
            },
            event: HookEvent::Tracepoint {
                subsystem: "s".into(),
                event: "e".into(),
            },
            record_size: 32,
            args: vec![
                arg(16, ArgRead::Int, ArgRender::Long),
                arg(24, ArgRead::UserString, ArgRender::String),
            ],
            selectors: (0..nselectors).collect(),
            message: None,
            tags: Vec::new(),
        }
    }

    fn policy(selectors: Vec<CompiledSelector>) -> CompiledPolicy {
        CompiledPolicy {
            hooks: vec![hook(selectors.len() as u32)],
            selectors,
            ..CompiledPolicy::default()
        }
    }

    /// A selector without filters or actions.
    fn empty() -> CompiledSelector {
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

    fn filter(arg: u8, o: u8, values: Vec<i64>) -> CompiledSelector {
        CompiledSelector {
            match_return: Vec::new(),
            return_actions: Vec::new(),
            match_args: vec![CompiledMatchArg {
                arg,
                op: o,
                values,
                set_id: SET,
            }],
            ..empty()
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

    fn process() -> EvalProcess {
        EvalProcess {
            pid: 100,
            nspid: 7,
            binary: b"/usr/bin/cat".to_vec(),
            ancestors_pids: vec![50, 1],
            ..EvalProcess::default()
        }
    }

    fn int_args(v: i64) -> Vec<EvalArg> {
        vec![EvalArg::Int(v), EvalArg::Str(b"x".to_vec())]
    }

    fn str_args(s: &[u8]) -> Vec<EvalArg> {
        vec![EvalArg::Int(0), EvalArg::Str(s.to_vec())]
    }

    fn matched(p: &CompiledPolicy, process: &EvalProcess, args: &[EvalArg]) -> bool {
        let d = evaluate(p, 0, process, args);
        assert_eq!(d.post, d.selector.is_some(), "{d:?}");
        d.selector == Some(0)
    }

    #[test]
    fn socket_operators() {
        let mut p = policy(vec![empty()]);
        p.hooks[0].args[0].read = ArgRead::Sock;
        let v4 = |a: [u8; 4]| std::net::Ipv4Addr::from(a).to_ipv6_mapped().octets();
        p.addr_set = vec![
            (SET, 96 + 8, v4([127, 0, 0, 0])),
            (SET, 128, std::net::Ipv6Addr::LOCALHOST.octets()),
        ];
        let sk = EvalSock {
            family: 2,
            protocol: 6,
            state: 7,
            sport: 40000,
            dport: 443,
            saddr: v4([10, 1, 2, 3]),
            daddr: v4([127, 0, 0, 1]),
        };
        let cases: &[(u8, Vec<i64>, bool)] = &[
            (op::DADDR, vec![], true),
            (op::NOT_DADDR, vec![], false),
            (op::SADDR, vec![], false),
            (op::NOT_SADDR, vec![], true),
            (op::DPORT, vec![400, 500], true),
            (op::NOT_DPORT, vec![443, 443], false),
            (op::SPORT, vec![1, 1023], false),
            (op::DPORT_PRIV, vec![], true),
            (op::NOT_DPORT_PRIV, vec![], false),
            (op::SPORT_PRIV, vec![], false),
            (op::NOT_SPORT_PRIV, vec![], true),
            (op::PROTOCOL, vec![17, 6], true),
            (op::FAMILY, vec![10], false),
            (op::STATE, vec![7], true),
        ];
        for (o, values, want) in cases {
            p.selectors[0] = filter(0, *o, values.clone());
            let got = matched(
                &p,
                &process(),
                &[EvalArg::Sock(sk.clone()), EvalArg::Str(Vec::new())],
            );
            assert_eq!(got, *want, "op {o} values {values:?}");
        }
        let mut v6 = sk.clone();
        v6.family = 10;
        v6.daddr = std::net::Ipv6Addr::LOCALHOST.octets();
        p.selectors[0] = filter(0, op::DADDR, vec![]);
        assert!(matched(
            &p,
            &process(),
            &[EvalArg::Sock(v6), EvalArg::Str(Vec::new())]
        ));
    }

    #[test]
    fn integer_operators() {
        let set = vec![(SET, 32), (SET, 33), (SET + 1, 34)];
        let cases: &[(u8, &[i64], i64, bool)] = &[
            (op::EQ, &[1, 2], 1, true),
            (op::EQ, &[1, 2], 2, true),
            (op::EQ, &[1, 2], 3, false),
            (op::EQ, &[-100], -100, true),
            (op::NEQ, &[1, 2], 3, true),
            (op::NEQ, &[1, 2], 2, false),
            (op::GT, &[10], 11, true),
            (op::GT, &[10], 10, false),
            (op::GT, &[10, -5], -4, true),
            (op::GT, &[0], -1, false),
            (op::LT, &[10], 9, true),
            (op::LT, &[10], 10, false),
            (op::LT, &[10, -5], 11, false),
            (op::MASK, &[0x4], 6, true),
            (op::MASK, &[0x4], 3, false),
            (op::MASK, &[0x4, 0x1], 3, true),
            (op::IN_RANGE, &[0, 5, 10, 20], 0, true),
            (op::IN_RANGE, &[0, 5, 10, 20], 5, true),
            (op::IN_RANGE, &[0, 5, 10, 20], 20, true),
            (op::IN_RANGE, &[0, 5, 10, 20], 7, false),
            (op::IN_RANGE, &[0, 5, 10, 20], 21, false),
            (op::NOT_IN_RANGE, &[0, 5, 10, 20], 7, true),
            (op::NOT_IN_RANGE, &[0, 5, 10, 20], 15, false),
            (op::IN_MAP, &[], 33, true),
            (op::IN_MAP, &[], 34, false),
            (op::NOT_IN_MAP, &[], 34, true),
            (op::NOT_IN_MAP, &[], 32, false),
            // Unsigned 64-bit values of 2^63 and more compare as negative.
            (op::GT, &[0], u64::MAX as i64, false),
            (op::EQ, &[u64::MAX as i64], -1, true),
        ];
        for (o, values, v, want) in cases {
            let mut p = policy(vec![filter(0, *o, values.to_vec())]);
            p.int_set.clone_from(&set);
            assert_eq!(
                matched(&p, &process(), &int_args(*v)),
                *want,
                "op {o} values {values:?} value {v}"
            );
        }
    }

    #[test]
    fn string_operators() {
        let long_a = vec![b'a'; STRING_MAX];
        /// (operator, set entries, value, matches).
        type Case = (u8, &'static [&'static [u8]], &'static [u8], bool);
        let cases: &[Case] = &[
            (
                op::EQ,
                &[b"/etc/passwd", b"/etc/shadow"],
                b"/etc/passwd",
                true,
            ),
            (
                op::EQ,
                &[b"/etc/passwd", b"/etc/shadow"],
                b"/etc/shadow",
                true,
            ),
            (op::EQ, &[b"/etc/passwd"], b"/etc/passwdx", false),
            (op::EQ, &[b"/etc/passwd"], b"/etc/passw", false),
            (op::EQ, &[b""], b"", true),
            (
                op::NEQ,
                &[b"/etc/passwd", b"/etc/shadow"],
                b"/etc/group",
                true,
            ),
            (
                op::NEQ,
                &[b"/etc/passwd", b"/etc/shadow"],
                b"/etc/shadow",
                false,
            ),
            (op::PREFIX, &[b"/etc/", b"/root/"], b"/etc/x", true),
            (op::PREFIX, &[b"/etc/", b"/root/"], b"/root/.ssh", true),
            (op::PREFIX, &[b"/etc/"], b"/etc/", true),
            (op::PREFIX, &[b"/etc/"], b"/etc", false),
            (op::PREFIX, &[b"/etc/"], b"/usr/etc/x", false),
            (op::PREFIX, &[b""], b"anything", true),
            (op::NOT_PREFIX, &[b"/etc/"], b"/usr/x", true),
            (op::NOT_PREFIX, &[b"/etc/"], b"/etc/x", false),
            (op::POSTFIX, &[b".so", b".ko"], b"libc.so", true),
            (op::POSTFIX, &[b".so", b".ko"], b"x.ko", true),
            (op::POSTFIX, &[b".so"], b"libc.so.6", false),
            (op::POSTFIX, &[b".so"], b"so", false),
            (op::NOT_POSTFIX, &[b".so"], b"libc.so.6", true),
            (op::NOT_POSTFIX, &[b".so"], b"libc.so", false),
        ];
        for (o, entries, v, want) in cases {
            let mut p = policy(vec![filter(1, *o, Vec::new())]);
            for e in *entries {
                let e = e.to_vec();
                match *o {
                    op::EQ | op::NEQ => p.string_eq.push((SET, e)),
                    op::PREFIX | op::NOT_PREFIX => p.string_prefix.push((SET, e)),
                    _ => p.string_postfix.push((SET, e.into_iter().rev().collect())),
                }
            }
            // An entry of another set never matches.
            p.string_eq.push((SET + 1, v.to_vec()));
            assert_eq!(
                matched(&p, &process(), &str_args(v)),
                *want,
                "op {o} entries {entries:?} value {:?}",
                String::from_utf8_lossy(v)
            );
        }

        // Values are cut to STRING_MAX bytes before comparing: a cut value equals no entry (the
        // compiler keeps entries shorter), its head still has the prefixes.
        let entry = &long_a[..STRING_MAX - 1];
        let mut long = entry.to_vec();
        long.extend_from_slice(b"tail");
        let mut p = policy(vec![filter(1, op::EQ, Vec::new())]);
        p.string_eq.push((SET, entry.to_vec()));
        assert!(matched(&p, &process(), &str_args(entry)));
        assert!(!matched(&p, &process(), &str_args(&long)));
        let mut p = policy(vec![filter(1, op::PREFIX, Vec::new())]);
        p.string_prefix.push((SET, b"aaaa".to_vec()));
        assert!(matched(&p, &process(), &str_args(&long)));
        let mut p = policy(vec![filter(1, op::POSTFIX, Vec::new())]);
        p.string_postfix.push((SET, b"liat".to_vec()));
        assert!(!matched(&p, &process(), &str_args(&long)));
        let mut short = vec![b'a'; STRING_MAX - 4];
        short.extend_from_slice(b"tail");
        assert!(matched(&p, &process(), &str_args(&short)));
    }

    #[test]
    fn mismatched_or_missing_arguments_do_not_match() {
        let p = policy(vec![filter(0, op::NEQ, vec![1])]);
        assert!(!matched(&p, &process(), &[EvalArg::Str(b"1".to_vec())]));
        assert!(!matched(&p, &process(), &[]));
        let p = policy(vec![filter(1, op::NEQ, Vec::new())]);
        assert!(!matched(
            &p,
            &process(),
            &[EvalArg::Int(0), EvalArg::Int(1)]
        ));
        let p = policy(vec![filter(4, op::NEQ, vec![1])]);
        assert!(!matched(&p, &process(), &int_args(2)));
    }

    #[test]
    fn binaries() {
        let cases: &[(u8, &[u8], &[u8], bool)] = &[
            (op::IN, b"/usr/bin/cat", b"/usr/bin/cat", true),
            (op::IN, b"/usr/bin/cat", b"/usr/bin/catx", false),
            (op::NOT_IN, b"/usr/bin/cat", b"/usr/bin/dog", true),
            (op::NOT_IN, b"/usr/bin/cat", b"/usr/bin/cat", false),
            (op::PREFIX, b"/usr/", b"/usr/bin/cat", true),
            (op::PREFIX, b"/usr/", b"/bin/cat", false),
            (op::NOT_PREFIX, b"/usr/", b"/bin/cat", true),
            (op::NOT_PREFIX, b"/usr/", b"/usr/bin/cat", false),
            (op::POSTFIX, b"/cat", b"/usr/bin/cat", true),
            (op::POSTFIX, b"/cat", b"/usr/bin/tac", false),
            (op::NOT_POSTFIX, b"/cat", b"/usr/bin/tac", true),
            (op::NOT_POSTFIX, b"/cat", b"/usr/bin/cat", false),
        ];
        for (o, entry, binary, want) in cases {
            let mut p = policy(vec![CompiledSelector {
                match_return: Vec::new(),
                return_actions: Vec::new(),
                parent_binary: None,
                binary: Some(CompiledBinary {
                    op: *o,
                    set_id: SET,
                    follow_children: false,
                }),
                ..empty()
            }]);
            let e = entry.to_vec();
            match *o {
                op::IN | op::NOT_IN => p.string_eq.push((SET, e)),
                op::PREFIX | op::NOT_PREFIX => p.string_prefix.push((SET, e)),
                _ => p.string_postfix.push((SET, e.into_iter().rev().collect())),
            }
            let process = EvalProcess {
                binary: binary.to_vec(),
                ..process()
            };
            assert_eq!(
                matched(&p, &process, &int_args(0)),
                *want,
                "op {o} {:?}",
                String::from_utf8_lossy(binary)
            );
        }
    }

    #[test]
    fn pids() {
        let sel = |o, follow_forks, namespace_pid, values: &[u32]| {
            policy(vec![CompiledSelector {
                match_return: Vec::new(),
                return_actions: Vec::new(),
                pids: vec![CompiledPids {
                    op: o,
                    follow_forks,
                    namespace_pid,
                    values: values.to_vec(),
                }],
                ..empty()
            }])
        };
        let pr = process(); // pid 100, nspid 7, ancestors [50, 1]
        let cases: &[(u8, bool, bool, &[u32], bool)] = &[
            (op::IN, false, false, &[100], true),
            (op::IN, false, false, &[1, 2, 3, 100], true),
            (op::IN, false, false, &[7], false),
            (op::IN, false, true, &[7], true),
            (op::IN, false, true, &[100], false),
            (op::NOT_IN, false, false, &[100], false),
            (op::NOT_IN, false, false, &[101], true),
            (op::IN, false, false, &[50], false),
            (op::IN, true, false, &[50], true),
            (op::IN, true, false, &[1], true),
            (op::IN, true, false, &[2], false),
            (op::NOT_IN, true, false, &[1], false),
            (op::NOT_IN, true, false, &[2], true),
        ];
        for (o, ff, ns, values, want) in cases {
            assert_eq!(
                matched(&sel(*o, *ff, *ns, values), &pr, &int_args(0)),
                *want,
                "op {o} followForks {ff} ns {ns} {values:?}"
            );
        }
        // followForks looks at the FOLLOW_FORKS_DEPTH nearest ancestors only.
        let mut deep = pr.clone();
        deep.ancestors_pids = (1000..1000 + FOLLOW_FORKS_DEPTH as u32).collect();
        deep.ancestors_pids.push(1);
        assert!(!matched(
            &sel(op::IN, true, false, &[1]),
            &deep,
            &int_args(0)
        ));
        assert!(matched(
            &sel(op::IN, true, false, &[1000 + FOLLOW_FORKS_DEPTH as u32 - 1]),
            &deep,
            &int_args(0)
        ));
    }

    #[test]
    fn selection_and_actions() {
        // No selectors: every event posts.
        let p = policy(Vec::new());
        assert_eq!(
            evaluate(&p, 0, &process(), &int_args(5)),
            Decision {
                selector: None,
                post: true,
                signal: None
            }
        );
        // Unknown hook.
        assert_eq!(evaluate(&p, 1, &process(), &[]), Decision::NONE);

        // First match wins; NoPost in the first selector suppresses the event even though the
        // second selector (Post, no filters) would match too.
        let mut first = filter(0, op::EQ, vec![1]);
        first.actions = vec![act(action::NOPOST, 0)];
        let mut second = filter(0, op::LT, vec![100]);
        second.actions = vec![act(action::SIGKILL, 9)];
        let p = policy(vec![first, second]);
        assert_eq!(
            evaluate(&p, 0, &process(), &int_args(1)),
            Decision {
                selector: Some(0),
                post: false,
                signal: None
            }
        );
        assert_eq!(
            evaluate(&p, 0, &process(), &int_args(2)),
            Decision {
                selector: Some(1),
                post: true,
                signal: Some(9)
            }
        );
        // None matches: no event, no action.
        assert_eq!(evaluate(&p, 0, &process(), &int_args(200)), Decision::NONE);

        let decide_with = |actions: Vec<CompiledAction>| {
            let mut s = filter(0, op::EQ, vec![1]);
            s.actions = actions;
            evaluate(&policy(vec![s]), 0, &process(), &int_args(1))
        };
        let d = |post, signal| Decision {
            selector: Some(0),
            post,
            signal,
        };
        assert_eq!(decide_with(vec![]), d(true, None));
        assert_eq!(decide_with(vec![act(action::POST, 0)]), d(true, None));
        assert_eq!(decide_with(vec![act(action::NOPOST, 0)]), d(false, None));
        assert_eq!(decide_with(vec![act(action::SIGKILL, 9)]), d(true, Some(9)));
        assert_eq!(
            decide_with(vec![act(action::SIGNAL, 10)]),
            d(true, Some(10))
        );
        assert_eq!(
            decide_with(vec![act(action::NOPOST, 0), act(action::SIGKILL, 9)]),
            d(false, Some(9))
        );
        assert_eq!(
            decide_with(vec![act(action::SIGNAL, 15), act(action::SIGKILL, 9)]),
            d(true, Some(15))
        );
        assert_eq!(decide_with(vec![act(action::GETURL, 0)]), d(true, None));
        assert_eq!(decide_with(vec![act(action::DNSLOOKUP, 0)]), d(true, None));

        // Filters of one selector are ANDed.
        let mut both = filter(0, op::EQ, vec![1]);
        both.match_args.push(CompiledMatchArg {
            arg: 1,
            op: op::EQ,
            values: Vec::new(),
            set_id: SET,
        });
        let mut p = policy(vec![both]);
        p.string_eq.push((SET, b"x".to_vec()));
        assert!(matched(&p, &process(), &int_args(1)));
        assert!(!matched(&p, &process(), &int_args(2)));
        assert!(!matched(
            &p,
            &process(),
            &[EvalArg::Int(1), EvalArg::Str(b"y".to_vec())]
        ));
    }

    #[test]
    fn parent_binaries_look_from_the_parent_up() {
        let sel = |o: u8, follow_children: bool| {
            let mut p = policy(vec![CompiledSelector {
                parent_binary: Some(CompiledBinary {
                    op: o,
                    set_id: SET,
                    follow_children,
                }),
                ..empty()
            }]);
            p.string_eq.push((SET, b"/bin/sh".to_vec()));
            p
        };
        let pr = |binary: &[u8], ancestors: &[&[u8]]| EvalProcess {
            binary: binary.to_vec(),
            ancestor_binaries: ancestors.iter().map(|a| a.to_vec()).collect(),
            ..process()
        };
        let (sh, cat, init): (&[u8], &[u8], &[u8]) = (b"/bin/sh", b"/usr/bin/cat", b"/sbin/init");
        /// (operator, followChildren, binary, ancestors nearest first, matches).
        type Case<'a> = (u8, bool, &'a [u8], Vec<&'a [u8]>, bool);
        let cases: Vec<Case<'_>> = vec![
            (op::IN, false, cat, vec![sh, init], true),
            // The process's own binary is not its parent's.
            (op::IN, false, sh, vec![init], false),
            (op::IN, false, cat, vec![init, sh], false),
            (op::IN, true, cat, vec![init, sh], true),
            (op::NOT_IN, false, cat, vec![init], true),
            (op::NOT_IN, false, cat, vec![sh], false),
            // Unknown parent: neither In nor NotIn.
            (op::IN, false, cat, vec![], false),
            (op::NOT_IN, false, cat, vec![], false),
        ];
        for (o, fc, binary, ancestors, want) in &cases {
            assert_eq!(
                matched(&sel(*o, *fc), &pr(binary, ancestors), &int_args(0)),
                *want,
                "op {o} followChildren {fc} ancestors {}",
                ancestors.len()
            );
        }
    }

    #[test]
    fn binaries_follow_children() {
        let sel = |o: u8| {
            let mut p = policy(vec![CompiledSelector {
                match_return: Vec::new(),
                return_actions: Vec::new(),
                parent_binary: None,
                binary: Some(CompiledBinary {
                    op: o,
                    set_id: SET,
                    follow_children: true,
                }),
                ..empty()
            }]);
            match o {
                op::IN | op::NOT_IN => p.string_eq.push((SET, b"/bin/sh".to_vec())),
                op::PREFIX | op::NOT_PREFIX => p.string_prefix.push((SET, b"/opt/".to_vec())),
                _ => p.string_postfix.push((SET, b"hs/".to_vec())),
            }
            p
        };
        let pr = |binary: &[u8], ancestors: &[&[u8]]| EvalProcess {
            binary: binary.to_vec(),
            ancestor_binaries: ancestors.iter().map(|a| a.to_vec()).collect(),
            ..process()
        };
        let cat: &[u8] = b"/usr/bin/cat";
        let sh: &[u8] = b"/bin/sh";
        let init: &[u8] = b"/sbin/init";
        /// (operator, binary, ancestors nearest first, matches).
        type Case<'a> = (u8, &'a [u8], Vec<&'a [u8]>, bool);
        let cases: Vec<Case<'_>> = vec![
            (op::IN, sh, vec![], true),
            (op::IN, cat, vec![], false),
            (op::IN, cat, vec![sh, init], true),
            (op::IN, cat, vec![init, sh], true),
            (op::IN, cat, vec![init, init], false),
            // Not* negate the overall hit, ancestors included.
            (op::NOT_IN, cat, vec![init], true),
            (op::NOT_IN, cat, vec![init, sh], false),
            (op::NOT_IN, sh, vec![init], false),
            (op::PREFIX, cat, vec![b"/opt/x/y"], true),
            (op::PREFIX, cat, vec![init], false),
            (op::NOT_PREFIX, cat, vec![b"/opt/x/y"], false),
            (op::NOT_PREFIX, cat, vec![init], true),
            (
                op::POSTFIX,
                cat,
                vec![b"/usr/bin/bash", b"/usr/bin/sh"],
                true,
            ),
            (
                op::NOT_POSTFIX,
                cat,
                vec![b"/usr/bin/bash", b"/usr/bin/sh"],
                false,
            ),
            (op::NOT_POSTFIX, cat, vec![b"/usr/bin/bash"], true),
        ];
        for (o, binary, ancestors, want) in &cases {
            assert_eq!(
                matched(&sel(*o), &pr(binary, ancestors), &int_args(0)),
                *want,
                "op {o} binary {:?} ancestors {:?}",
                String::from_utf8_lossy(binary),
                ancestors
                    .iter()
                    .map(|a| String::from_utf8_lossy(a))
                    .collect::<Vec<_>>()
            );
        }
        // Without followChildren the ancestors are not looked at.
        let mut p = sel(op::IN);
        p.selectors[0].binary.as_mut().unwrap().follow_children = false;
        assert!(!matched(&p, &pr(cat, &[sh]), &int_args(0)));
        // Only the FOLLOW_CHILDREN_DEPTH nearest ancestors count.
        let mut deep = vec![init; FOLLOW_CHILDREN_DEPTH - 1];
        deep.push(sh);
        assert!(matched(&sel(op::IN), &pr(cat, &deep), &int_args(0)));
        assert!(!matched(&sel(op::NOT_IN), &pr(cat, &deep), &int_args(0)));
        let mut deeper = vec![init; FOLLOW_CHILDREN_DEPTH];
        deeper.push(sh);
        assert!(!matched(&sel(op::IN), &pr(cat, &deeper), &int_args(0)));
        assert!(matched(&sel(op::NOT_IN), &pr(cat, &deeper), &int_args(0)));
    }

    fn ns(kind: u8, o: u8, values: &[u32]) -> CompiledNamespaces {
        CompiledNamespaces {
            kind,
            op: o,
            values: values.to_vec(),
        }
    }

    #[test]
    fn namespaces() {
        const PID: u8 = 3;
        const NET: u8 = 5;
        let mut pr = process();
        pr.namespaces = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
        let cases: &[(&[CompiledNamespaces], bool)] = &[
            (&[ns(PID, op::IN, &[13])], true),
            (&[ns(PID, op::IN, &[1, 2, 3, 13])], true),
            (&[ns(PID, op::IN, &[15])], false),
            (&[ns(NET, op::IN, &[15])], true),
            (&[ns(PID, op::NOT_IN, &[13])], false),
            (&[ns(PID, op::NOT_IN, &[1, 2])], true),
            (&[ns(PID, op::IN, &[])], false),
            (&[ns(PID, op::NOT_IN, &[])], true),
            // All entries must match.
            (&[ns(PID, op::IN, &[13]), ns(NET, op::IN, &[15])], true),
            (&[ns(PID, op::IN, &[13]), ns(NET, op::NOT_IN, &[15])], false),
            (&[ns(PID, op::NOT_IN, &[1]), ns(0, op::IN, &[10])], true),
            (&[ns(9, op::IN, &[19]), ns(8, op::IN, &[19])], false),
            // Out-of-range kind: no match, NotIn included.
            (&[ns(10, op::NOT_IN, &[1])], false),
            (&[ns(PID, op::EQ, &[13])], false),
        ];
        for (entries, want) in cases {
            let p = policy(vec![CompiledSelector {
                match_return: Vec::new(),
                return_actions: Vec::new(),
                namespaces: entries.to_vec(),
                ..empty()
            }]);
            assert_eq!(matched(&p, &pr, &int_args(0)), *want, "{entries:?}");
        }
    }

    fn caps(set: u8, o: u8, changes: bool, mask: u64) -> CompiledCapabilities {
        CompiledCapabilities {
            set,
            op: o,
            changes,
            mask,
            host_user_ns: 0,
        }
    }

    #[test]
    fn capabilities() {
        const SYS_ADMIN: u64 = 1 << 21;
        const NET_RAW: u64 = 1 << 13;
        const BPF: u64 = 1 << 39;
        let mut pr = process();
        // Effective: SYS_ADMIN + NET_RAW now, NET_RAW at exec (SYS_ADMIN gained).
        // Inheritable: nothing now, BPF at exec (BPF lost). Permitted: all three, unchanged.
        pr.caps = [SYS_ADMIN | NET_RAW, 0, SYS_ADMIN | NET_RAW | BPF];
        pr.exec_caps = [NET_RAW, BPF, SYS_ADMIN | NET_RAW | BPF];
        let e = cap_set::EFFECTIVE;
        let i = cap_set::INHERITABLE;
        let pe = cap_set::PERMITTED;
        let cases: &[(&[CompiledCapabilities], bool)] = &[
            // matchCapabilities: the current set.
            (&[caps(e, op::IN, false, SYS_ADMIN)], true),
            (&[caps(e, op::IN, false, BPF)], false),
            (&[caps(e, op::IN, false, BPF | NET_RAW)], true),
            (&[caps(e, op::NOT_IN, false, SYS_ADMIN)], false),
            (&[caps(e, op::NOT_IN, false, BPF)], true),
            (&[caps(i, op::IN, false, BPF)], false),
            (&[caps(i, op::NOT_IN, false, BPF)], true),
            (&[caps(pe, op::IN, false, BPF)], true),
            (&[caps(e, op::IN, false, 0)], false),
            // matchCapabilityChanges: gained or lost since the exec.
            (&[caps(e, op::IN, true, SYS_ADMIN)], true),
            (&[caps(e, op::IN, true, NET_RAW)], false),
            (&[caps(e, op::NOT_IN, true, NET_RAW)], true),
            (&[caps(e, op::NOT_IN, true, SYS_ADMIN | NET_RAW)], false),
            (&[caps(i, op::IN, true, BPF)], true),
            (&[caps(pe, op::IN, true, SYS_ADMIN | NET_RAW | BPF)], false),
            (
                &[caps(pe, op::NOT_IN, true, SYS_ADMIN | NET_RAW | BPF)],
                true,
            ),
            // All entries must match.
            (
                &[
                    caps(e, op::IN, false, SYS_ADMIN),
                    caps(e, op::IN, true, SYS_ADMIN),
                ],
                true,
            ),
            (
                &[
                    caps(e, op::IN, false, SYS_ADMIN),
                    caps(e, op::IN, true, NET_RAW),
                ],
                false,
            ),
            // Out-of-range set: no match, NotIn included.
            (&[caps(3, op::NOT_IN, false, BPF)], false),
        ];
        for (entries, want) in cases {
            let p = policy(vec![CompiledSelector {
                match_return: Vec::new(),
                return_actions: Vec::new(),
                capabilities: entries.to_vec(),
                ..empty()
            }]);
            assert_eq!(matched(&p, &pr, &int_args(0)), *want, "{entries:?}");
        }
    }

    #[test]
    fn namespace_changes() {
        const MNT: u16 = 1 << 2;
        const PID: u16 = 1 << 3;
        const NET: u16 = 1 << 5;
        const USER: u16 = 1 << 9;
        let mut pr = process();
        pr.exec_namespaces = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
        pr.namespaces = pr.exec_namespaces;
        pr.namespaces[5] = 99; // changed Net since the exec
        pr.namespaces[9] = 98; // and User
        let cases: &[(u8, u16, bool)] = &[
            (op::IN, NET, true),
            (op::IN, USER, true),
            (op::IN, MNT, false),
            (op::IN, MNT | PID, false),
            (op::IN, MNT | NET, true),
            (op::NOT_IN, MNT, true),
            (op::NOT_IN, MNT | NET, false),
            (op::IN, 0, false),
            (op::NOT_IN, 0, true),
            // Bits past the last kind are ignored.
            (op::IN, 1 << 10 | 1 << 15, false),
            (op::EQ, NET, false),
        ];
        for (o, mask, want) in cases {
            let p = policy(vec![CompiledSelector {
                match_return: Vec::new(),
                return_actions: Vec::new(),
                namespace_changes: Some((*o, *mask)),
                ..empty()
            }]);
            assert_eq!(
                matched(&p, &pr, &int_args(0)),
                *want,
                "op {o} mask {mask:#x}"
            );
        }
        // No change at all.
        let same = EvalProcess {
            namespaces: pr.exec_namespaces,
            ..pr.clone()
        };
        let p = policy(vec![CompiledSelector {
            match_return: Vec::new(),
            return_actions: Vec::new(),
            namespace_changes: Some((op::IN, 0x3ff)),
            ..empty()
        }]);
        assert!(matched(&p, &pr, &int_args(0)));
        assert!(!matched(&p, &same, &int_args(0)));
    }

    #[test]
    fn process_filters_are_anded_with_the_arguments() {
        let mut pr = process();
        pr.namespaces[3] = 7;
        pr.exec_namespaces = pr.namespaces;
        pr.caps[usize::from(cap_set::EFFECTIVE)] = 1 << 21;
        let sel = CompiledSelector {
            match_return: Vec::new(),
            return_actions: Vec::new(),
            pids: vec![CompiledPids {
                op: op::IN,
                follow_forks: false,
                namespace_pid: false,
                values: vec![100],
            }],
            parent_binary: None,
            binary: Some(CompiledBinary {
                op: op::IN,
                set_id: SET + 1,
                follow_children: false,
            }),
            namespaces: vec![ns(3, op::IN, &[7])],
            capabilities: vec![caps(cap_set::EFFECTIVE, op::IN, false, 1 << 21)],
            namespace_changes: Some((op::NOT_IN, 0x3ff)),
            ..filter(0, op::EQ, vec![1])
        };
        let mut p = policy(vec![sel]);
        p.string_eq.push((SET + 1, b"/usr/bin/cat".to_vec()));
        assert!(matched(&p, &pr, &int_args(1)));
        assert!(!matched(&p, &pr, &int_args(2)));
        let variants: [fn(&mut EvalProcess); 5] = [
            |p| p.pid = 1,
            |p| p.binary = b"/bin/sh".to_vec(),
            |p| p.namespaces[3] = 8,
            |p| p.caps = [0; 3],
            |p| p.exec_namespaces[0] = 1,
        ];
        for (k, change) in variants.iter().enumerate() {
            let mut other = pr.clone();
            change(&mut other);
            assert!(!matched(&p, &other, &int_args(1)), "variant {k}");
        }
    }
}
