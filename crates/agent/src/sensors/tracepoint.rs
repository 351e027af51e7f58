//! The policy engine on tracepoints (`bpf/generic_tracepoint.bpf.c`): one object per policy, its
//! maps filled from the compiled policy, one link per hook with the hook id as the BPF cookie. The
//! ring buffer, live-process map and counters are the process sensor's (reused by fd). Dropping the
//! attached sensor detaches the links and frees the policy's own maps and program.
use std::mem::MaybeUninit;
use std::os::fd::AsFd;

use auspex_bpf::abi::{self, as_bytes};
use auspex_bpf::generic_tracepoint::{GenericTracepointSkel, GenericTracepointSkelBuilder};
use auspex_policy::compile::{AttachPoint, CompiledPolicy, HookEvent, limits};
use libbpf_rs::skel::{OpenSkel, SkelBuilder};
use libbpf_rs::{Link, MapCore, MapFlags, OpenObject, TracepointCategory, TracepointOpts};

use super::SensorError;
use super::process::SharedMaps;

const NAME: &str = "generic_tracepoint";

// The selector compiler (no kernel dependency) and the ABI twins each name the capacities of
// `bpf/lib/abi.h`; this is where both are in scope, so the build fails if they drift apart.
const _: () = assert!(abi::FOLLOW_CHILDREN_DEPTH == limits::FOLLOW_CHILDREN_DEPTH);
const _: () = assert!(abi::LPM_STRING_MAX == limits::LPM_STRING_MAX);
const _: () = assert!(abi::MAX_ACTIONS == limits::MAX_ACTIONS);
const _: () = assert!(abi::MAX_CAP_FILTERS == limits::MAX_CAP_FILTERS);
const _: () = assert!(abi::MAX_HOOK_ARGS == limits::MAX_HOOK_ARGS);
const _: () = assert!(abi::MAX_MATCH_ARGS == limits::MAX_MATCH_ARGS);
const _: () = assert!(abi::MAX_MATCH_VALUES == limits::MAX_MATCH_VALUES);
const _: () = assert!(abi::MAX_NS_FILTERS == limits::MAX_NS_FILTERS);
const _: () = assert!(abi::MAX_NS_VALUES == limits::MAX_NS_VALUES);
const _: () = assert!(abi::MAX_PIDS == limits::MAX_PIDS);
const _: () = assert!(abi::MAX_SELECTORS == limits::MAX_SELECTORS);
const _: () = assert!(abi::STRING_MAX == limits::STRING_MAX);

/// A compiled policy bound to its kernel-wide id.
pub struct TracepointPolicySpec<'a> {
    /// Policy id (upper 16 bits of every hook cookie).
    pub policy_id: u16,
    /// The compiled policy.
    pub compiled: &'a CompiledPolicy,
}

/// An attached policy. Dropping it detaches everything and frees its maps.
pub struct AttachedTracepointPolicy {
    skel: GenericTracepointSkel<'static>,
    links: Vec<Link>,
    hooks: usize,
    plan: AttachPlan,
}

impl AttachedTracepointPolicy {
    /// Number of hooks of the policy.
    pub fn hooks(&self) -> usize {
        self.hooks
    }

    /// Kernel ids of the policy's loaded programs (to check that removal leaves nothing behind).
    pub fn prog_ids(&self) -> Vec<u32> {
        use std::os::fd::AsFd;
        let p = &self.skel.progs;
        [
            &p.auspex_generic_tp,
            &p.auspex_generic_sys_enter,
            &p.auspex_generic_uprobe,
            &p.auspex_generic_kprobe,
        ]
        .into_iter()
        .filter(|prog| prog.autoload())
        .filter_map(|prog| libbpf_rs::Program::id_from_fd(prog.as_fd()).ok())
        .collect()
    }

    /// True while its programs are attached.
    pub fn is_enabled(&self) -> bool {
        !self.links.is_empty()
            || self.plan.classic.is_empty()
                && !self.plan.raw
                && self.plan.uprobes.is_empty()
                && self.plan.kprobes.is_empty()
    }

    /// Switches enforcement off (monitor: Sigkill/Signal matches are posted, not sent) or on.
    pub fn set_monitor(&mut self, monitor: bool) -> Result<(), SensorError> {
        self.skel
            .maps
            .auspex_policy_mode
            .update(
                &0u32.to_ne_bytes(),
                &u32::from(monitor).to_ne_bytes(),
                MapFlags::ANY,
            )
            .map_err(map_err("auspex_policy_mode"))
    }

    /// Detaches the hooks, keeping programs and maps loaded (fast re-enable).
    pub fn disable(&mut self) {
        self.links.clear();
    }

    /// Attaches the hooks again.
    pub fn enable(&mut self) -> Result<(), SensorError> {
        if self.links.is_empty() {
            self.links = self.plan.attach(&self.skel)?;
        }
        Ok(())
    }
}

fn map_err(map: &'static str) -> impl FnOnce(libbpf_rs::Error) -> SensorError {
    move |source| SensorError::Map {
        sensor: NAME,
        map,
        source,
    }
}

/// Cookie of a hook: policy id and hook index.
pub fn hook_cookie(policy_id: u16, hook: usize) -> u32 {
    (u32::from(policy_id) << 16) | (hook as u32 & 0xffff)
}

impl TracepointPolicySpec<'_> {
    /// Loads the generic program with this policy's data and attaches every hook. All or nothing.
    pub fn load_and_attach(
        &self,
        shared: &SharedMaps,
    ) -> Result<AttachedTracepointPolicy, SensorError> {
        let c = self.compiled;
        // Skeleton storage lives as long as the attached policy; see the process sensor.
        let storage: &'static mut MaybeUninit<OpenObject> =
            Box::leak(Box::new(MaybeUninit::uninit()));
        let mut open = GenericTracepointSkelBuilder::default()
            .open(storage)
            .map_err(|source| SensorError::Open {
                sensor: NAME,
                source,
            })?;
        let n = |v: usize| (v.max(1)) as u32;
        let maps = &mut open.maps;
        maps.auspex_events
            .reuse_fd(shared.events.as_fd())
            .map_err(map_err("auspex_events"))?;
        maps.auspex_processes
            .reuse_fd(shared.processes.as_fd())
            .map_err(map_err("auspex_processes"))?;
        maps.auspex_stats
            .reuse_fd(shared.stats.as_fd())
            .map_err(map_err("auspex_stats"))?;
        maps.auspex_hooks
            .set_max_entries(n(c.hooks.len()))
            .map_err(map_err("auspex_hooks"))?;
        maps.auspex_selectors
            .set_max_entries(n(c.selectors.len()))
            .map_err(map_err("auspex_selectors"))?;
        maps.auspex_string_eq
            .set_max_entries(n(c.string_eq.len()))
            .map_err(map_err("auspex_string_eq"))?;
        maps.auspex_string_prefix
            .set_max_entries(n(c.string_prefix.len()))
            .map_err(map_err("auspex_string_prefix"))?;
        maps.auspex_string_postfix
            .set_max_entries(n(c.string_postfix.len()))
            .map_err(map_err("auspex_string_postfix"))?;
        maps.auspex_int_set
            .set_max_entries(n(c.int_set.len()))
            .map_err(map_err("auspex_int_set"))?;
        open.maps
            .auspex_addr_lpm
            .set_max_entries(n(c.addr_set.len()))
            .map_err(map_err("auspex_addr_lpm"))?;
        if let Some(ro) = open.maps.rodata_data.as_deref_mut() {
            ro.auspex_policy_id = u32::from(self.policy_id);
        }
        // syscalls/sys_enter_* hooks go through the raw sys_enter tracepoint (one per syscall
        // number and policy); the others through their own tracepoint.
        let mut raw_syscalls: Vec<(u32, usize)> = Vec::new();
        let mut classic: Vec<usize> = Vec::new();
        let mut uprobes: Vec<(String, String, u32)> = Vec::new();
        let mut kprobes: Vec<(String, u32)> = Vec::new();
        for (i, hook) in c.hooks.iter().enumerate() {
            if let AttachPoint::Uprobe { path, symbol } = &hook.attach {
                uprobes.push((path.clone(), symbol.clone(), hook_cookie(self.policy_id, i)));
                continue;
            }
            if let AttachPoint::Kprobe { function, .. } = &hook.attach {
                kprobes.push((function.clone(), hook_cookie(self.policy_id, i)));
                continue;
            }
            match hook.syscall_nr {
                Some(nr) if nr < 1024 && !raw_syscalls.iter().any(|(n, _)| *n == nr) => {
                    raw_syscalls.push((nr, i))
                }
                _ => classic.push(i),
            }
        }
        open.progs
            .auspex_generic_sys_enter
            .set_autoload(!raw_syscalls.is_empty());
        open.progs
            .auspex_generic_tp
            .set_autoload(!classic.is_empty());
        let skel = open.load().map_err(|source| SensorError::Load {
            sensor: NAME,
            source,
        })?;

        let m = &skel.maps;
        m.auspex_policy_mode
            .update(
                &0u32.to_ne_bytes(),
                &u32::from(c.monitor).to_ne_bytes(),
                MapFlags::ANY,
            )
            .map_err(map_err("auspex_policy_mode"))?;
        for (i, hook) in c.hooks.iter().enumerate() {
            let mut cfg = abi::HookConfig {
                nargs: hook.args.len().min(abi::MAX_HOOK_ARGS) as u32,
                nselectors: hook.selectors.len().min(abi::MAX_SELECTORS) as u32,
                record_size: u32::from(hook.record_size),
                msg_op: u32::from(match hook.event {
                    HookEvent::Kprobe { .. } => abi::MSG_GENERIC_KPROBE,
                    HookEvent::Tracepoint { .. } => abi::MSG_GENERIC_TRACEPOINT,
                    HookEvent::Uprobe { .. } => abi::MSG_GENERIC_UPROBE,
                }),
                flags: match hook.attach {
                    AttachPoint::Kprobe { syscall: true, .. } => abi::HOOK_SYSCALL_WRAPPER,
                    _ => 0,
                },
                ..Default::default()
            };
            for (dst, a) in cfg.args.iter_mut().zip(&hook.args) {
                *dst = abi::ArgSpec {
                    offset: a.offset,
                    size: a.size,
                    kind: a.read as u8,
                    ..Default::default()
                };
            }
            for (dst, s) in cfg.selectors.iter_mut().zip(&hook.selectors) {
                *dst = *s;
            }
            m.auspex_hooks
                .update(&(i as u32).to_ne_bytes(), as_bytes(&cfg), MapFlags::ANY)
                .map_err(map_err("auspex_hooks"))?;
        }
        for (i, s) in c.selectors.iter().enumerate() {
            let mut sel = abi::Selector {
                nmatch_args: s.match_args.len().min(abi::MAX_MATCH_ARGS) as u32,
                nactions: s.actions.len().min(abi::MAX_ACTIONS) as u32,
                ..Default::default()
            };
            if let Some(p) = &s.pids {
                sel.pids.op = p.op;
                sel.pids.flags = u8::from(p.follow_forks) | (u8::from(p.namespace_pid) << 1);
                sel.pids.nvalues = p.values.len().min(abi::MAX_PIDS) as u8;
                for (d, v) in sel.pids.values.iter_mut().zip(&p.values) {
                    *d = *v;
                }
            }
            if let Some(b) = &s.binary {
                sel.binary.op = b.op;
                sel.binary.set_id = b.set_id;
                if b.follow_children {
                    sel.binary.flags |= abi::BINARY_FOLLOW_CHILDREN;
                }
            }
            sel.nns = s.namespaces.len().min(abi::MAX_NS_FILTERS) as u32;
            for (d, n) in sel.ns.iter_mut().zip(&s.namespaces) {
                d.kind = n.kind;
                d.op = n.op;
                d.nvalues = n.values.len().min(abi::MAX_NS_VALUES) as u8;
                for (dv, v) in d.values.iter_mut().zip(&n.values) {
                    *dv = *v;
                }
            }
            sel.ncaps = s.capabilities.len().min(abi::MAX_CAP_FILTERS) as u32;
            for (d, c) in sel.caps.iter_mut().zip(&s.capabilities) {
                d.set = c.set;
                d.op = c.op;
                d.changes = u8::from(c.changes);
                d.mask = c.mask;
            }
            if let Some((op, mask)) = s.namespace_changes {
                sel.ns_changes_op = op;
                sel.ns_changes_mask = mask;
            }
            for (d, a) in sel.match_args.iter_mut().zip(&s.match_args) {
                d.arg = a.arg;
                d.op = a.op;
                d.set_id = a.set_id;
                d.nvalues = a.values.len().min(abi::MAX_MATCH_VALUES) as u8;
                for (dv, v) in d.values.iter_mut().zip(&a.values) {
                    *dv = *v;
                }
            }
            for (d, a) in sel.actions.iter_mut().zip(&s.actions) {
                d.kind = a.kind;
                d.arg = a.arg;
                d.rate_limit_ns = a.rate_limit_ns;
            }
            m.auspex_selectors
                .update(&(i as u32).to_ne_bytes(), as_bytes(&sel), MapFlags::ANY)
                .map_err(map_err("auspex_selectors"))?;
        }
        let one = [1u8];
        for (set, bytes) in &c.string_eq {
            let mut k = abi::StringKey {
                set_id: *set,
                len: bytes.len().min(abi::STRING_MAX) as u32,
                ..Default::default()
            };
            let n = bytes.len().min(abi::STRING_MAX);
            k.s[..n].copy_from_slice(&bytes[..n]);
            m.auspex_string_eq
                .update(as_bytes(&k), &one, MapFlags::ANY)
                .map_err(map_err("auspex_string_eq"))?;
        }
        for (map, entries, name) in [
            (
                &m.auspex_string_prefix,
                &c.string_prefix,
                "auspex_string_prefix",
            ),
            (
                &m.auspex_string_postfix,
                &c.string_postfix,
                "auspex_string_postfix",
            ),
        ] {
            for (set, bytes) in entries {
                let n = bytes.len().min(abi::LPM_STRING_MAX);
                let mut k = abi::LpmKey {
                    prefixlen: 32 + 8 * n as u32,
                    set_id: *set,
                    ..Default::default()
                };
                k.s[..n].copy_from_slice(&bytes[..n]);
                map.update(as_bytes(&k), &one, MapFlags::ANY)
                    .map_err(map_err(name))?;
            }
        }
        for (set, bits, addr) in &c.addr_set {
            let k = abi::AddrKey {
                prefixlen: 32 + u32::from(*bits),
                set_id: *set,
                addr: *addr,
            };
            m.auspex_addr_lpm
                .update(as_bytes(&k), &one, MapFlags::ANY)
                .map_err(map_err("auspex_addr_lpm"))?;
        }
        for (set, v) in &c.int_set {
            let k = abi::IntKey {
                set_id: *set,
                pad: 0,
                value: *v,
            };
            m.auspex_int_set
                .update(as_bytes(&k), &one, MapFlags::ANY)
                .map_err(map_err("auspex_int_set"))?;
        }

        for (nr, i) in &raw_syscalls {
            m.auspex_syscall_hooks
                .update(
                    &nr.to_ne_bytes(),
                    &(*i as u32 + 1).to_ne_bytes(),
                    MapFlags::ANY,
                )
                .map_err(map_err("auspex_syscall_hooks"))?;
        }
        let plan = AttachPlan {
            raw: !raw_syscalls.is_empty(),
            classic: classic
                .iter()
                .filter_map(|&i| match &c.hooks[i].attach {
                    AttachPoint::Tracepoint { subsystem, event } => Some((
                        subsystem.clone(),
                        event.clone(),
                        hook_cookie(self.policy_id, i),
                    )),
                    AttachPoint::Uprobe { .. } | AttachPoint::Kprobe { .. } => None,
                })
                .collect(),
            uprobes,
            kprobes,
        };
        let links = plan.attach(&skel)?;
        let hooks = c.hooks.len();
        Ok(AttachedTracepointPolicy {
            skel,
            links,
            hooks,
            plan,
        })
    }
}

/// What to attach: the raw sys_enter program, and classic tracepoints with their cookies.
struct AttachPlan {
    raw: bool,
    classic: Vec<(String, String, u32)>,
    uprobes: Vec<(String, String, u32)>,
    kprobes: Vec<(String, u32)>,
}

impl AttachPlan {
    fn attach(&self, skel: &GenericTracepointSkel<'static>) -> Result<Vec<Link>, SensorError> {
        let mut links = Vec::with_capacity(self.classic.len() + 1);
        if self.raw {
            let link = skel
                .progs
                .auspex_generic_sys_enter
                .attach()
                .map_err(|source| SensorError::Attach {
                    sensor: NAME,
                    prog: "auspex_generic_sys_enter",
                    hook: "tp_btf/sys_enter",
                    source,
                })?;
            links.push(link);
        }
        for (subsystem, event, cookie) in &self.classic {
            let opts = TracepointOpts {
                cookie: u64::from(*cookie),
                ..Default::default()
            };
            let link = skel
                .progs
                .auspex_generic_tp
                .attach_tracepoint_with_opts(
                    TracepointCategory::Custom(subsystem.clone()),
                    event,
                    opts,
                )
                .map_err(|source| SensorError::AttachTracepoint {
                    sensor: NAME,
                    tracepoint: format!("{subsystem}/{event}"),
                    source,
                })?;
            links.push(link);
        }
        for (path, symbol, cookie) in &self.uprobes {
            let opts = libbpf_rs::UprobeOpts {
                cookie: u64::from(*cookie),
                func_name: Some(symbol.clone()),
                ..Default::default()
            };
            let link = skel
                .progs
                .auspex_generic_uprobe
                .attach_uprobe_with_opts(-1, path, 0, opts)
                .map_err(|source| SensorError::AttachUprobe {
                    sensor: NAME,
                    path: path.clone(),
                    symbol: symbol.clone(),
                    hint: if std::path::Path::new(path).exists() {
                        "symbol not found in the file, or the file is not an ELF object".into()
                    } else {
                        format!("{path} does not exist on this host")
                    },
                    source,
                })?;
            links.push(link);
        }
        for (function, cookie) in &self.kprobes {
            let opts = libbpf_rs::KprobeOpts {
                cookie: u64::from(*cookie),
                ..Default::default()
            };
            let link = skel
                .progs
                .auspex_generic_kprobe
                .attach_kprobe_with_opts(false, function, opts)
                .map_err(|source| SensorError::AttachKprobe {
                    sensor: NAME,
                    function: function.clone(),
                    hint: kprobe_hint(),
                    source,
                })?;
            links.push(link);
        }
        Ok(links)
    }
}

/// Why a kprobe may fail to attach here, in words (the program itself passed the verifier).
fn kprobe_hint() -> String {
    let kprobes = std::path::Path::new("/sys/bus/event_source/devices/kprobe/type").exists()
        || std::path::Path::new("/sys/kernel/tracing/kprobe_events").exists();
    if kprobes {
        "the program loaded; the kernel refused the probe (function missing or not probeable?)"
            .into()
    } else {
        "kprobe attach is not supported on this kernel (CONFIG_KPROBES off; the program passed the verifier); use a tracepoint or a `syscall: true` kprobe".into()
    }
}
