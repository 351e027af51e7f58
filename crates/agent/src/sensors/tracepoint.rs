//! The policy engine on tracepoints (`bpf/generic_tracepoint.bpf.c`): one object per policy, its
//! maps filled from the compiled policy, one link per hook with the hook id as the BPF cookie. The
//! ring buffer, live-process map and counters are the process sensor's (reused by fd). Dropping the
//! attached sensor detaches the links and frees the policy's own maps and program.
use std::mem::MaybeUninit;
use std::os::fd::AsFd;

use auspex_bpf::abi::{self, as_bytes, usdt_spec};
use auspex_bpf::generic_tracepoint::{GenericTracepointSkel, GenericTracepointSkelBuilder};
use auspex_policy::compile::ReturnedObject;
use auspex_policy::compile::{
    AttachPoint, CompiledHook, CompiledPolicy, HookEvent, action, limits,
};
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
const _: () = assert!(abi::SUBSTRING_BUF > limits::SUBSTRING_MAX);
const _: () = assert!(abi::COMPAT_SYSCALL_BASE == limits::COMPAT_SYSCALL_BASE);

/// Key of syscall `nr` in `auspex_syscall_hooks` / `auspex_syscall_exit_hooks` (arrays of 1024):
/// 64-bit numbers as they are, i386 ones after [`abi::COMPAT_SYSCALL_BASE`]; `None` when out of
/// range.
fn syscall_key(nr: u32, compat: bool) -> Option<u32> {
    let base = if compat { abi::COMPAT_SYSCALL_BASE } else { 0 };
    (nr < abi::COMPAT_SYSCALL_BASE).then_some(nr + base)
}

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
        use libbpf_rs::skel::Skel;
        self.skel
            .object()
            .progs()
            .filter(|prog| prog.autoload())
            .filter_map(|prog| libbpf_rs::Program::id_from_fd(prog.as_fd()).ok())
            .collect()
    }

    /// Kinds of the links attached (`tracepoint`, `kprobe_multi`, `lsm`, …), for status and logs.
    pub fn link_kinds(&self) -> Vec<&'static str> {
        self.plan.link_kinds()
    }

    /// Kernel memory charged to the policy's own programs and maps (the `memlock` the kernel
    /// reports per object in fdinfo; the process sensor's shared maps are not counted).
    pub fn kernel_memory_bytes(&self) -> u64 {
        use libbpf_rs::skel::Skel;
        const SHARED: [&str; 3] = ["auspex_events", "auspex_processes", "auspex_stats"];
        let memlock = |fd: std::os::fd::BorrowedFd<'_>| -> u64 {
            use std::os::fd::AsRawFd;
            std::fs::read_to_string(format!("/proc/self/fdinfo/{}", fd.as_raw_fd()))
                .ok()
                .and_then(|info| {
                    info.lines()
                        .find_map(|l| l.strip_prefix("memlock:"))
                        .and_then(|v| v.trim().parse().ok())
                })
                .unwrap_or(0)
        };
        let obj = self.skel.object();
        let maps: u64 = obj
            .maps()
            .filter(|m| !SHARED.iter().any(|s| m.name() == *s))
            .map(|m| memlock(m.as_fd()))
            .sum();
        let progs: u64 = obj
            .progs()
            .filter(|p| p.autoload())
            .map(|p| memlock(p.as_fd()))
            .sum();
        maps + progs
    }

    /// The policy's action counters (`abi::policy_stat` order), summed over CPUs.
    pub fn action_counters(&self) -> [u64; abi::policy_stat::MAX] {
        let mut out = [0u64; abi::policy_stat::MAX];
        for (i, slot) in out.iter_mut().enumerate() {
            let key = (i as u32).to_ne_bytes();
            if let Ok(Some(per_cpu)) = self
                .skel
                .maps
                .auspex_policy_stats
                .lookup_percpu(&key, MapFlags::ANY)
            {
                *slot = per_cpu
                    .iter()
                    .filter_map(|v| v.get(..8).and_then(|b| b.try_into().ok()))
                    .map(u64::from_ne_bytes)
                    .sum();
            }
        }
        out
    }

    /// Forgets the calls in flight of threads that are gone (they died inside the call, so its
    /// return never comes): the table does not evict, it would fill up with them. Returns how
    /// many were removed.
    pub fn sweep_pending(&self, thread_alive: &dyn Fn(u32) -> bool) -> usize {
        let map = &self.skel.maps.auspex_pending;
        // Collected first: deleting while iterating restarts the walk.
        let gone: Vec<Vec<u8>> = map
            .keys()
            .filter(|k| {
                k.get(..8)
                    .and_then(|b| b.try_into().ok())
                    .map(|b| thread_alive((u64::from_ne_bytes(b) >> 32) as u32))
                    == Some(false)
            })
            .collect();
        gone.iter().filter(|k| map.delete(k).is_ok()).count()
    }

    /// True while its programs are attached.
    pub fn is_enabled(&self) -> bool {
        !self.links.is_empty() || self.plan.is_empty()
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
        let long = |b: &&(u32, Vec<u8>)| b.1.len() > abi::STRING_SHORT_MAX;
        let long_eq = c.string_eq.iter().filter(long).count();
        maps.auspex_string_eq
            .set_max_entries(n(c.string_eq.len() - long_eq))
            .map_err(map_err("auspex_string_eq"))?;
        maps.auspex_string_eq_long
            .set_max_entries(n(long_eq))
            .map_err(map_err("auspex_string_eq_long"))?;
        // One scratch heap per CPU (an array indexed by CPU: too large for a per-CPU value).
        maps.auspex_generic_heap
            .set_max_entries(super::possible_cpus())
            .map_err(map_err("auspex_generic_heap"))?;
        maps.auspex_string_prefix
            .set_max_entries(n(c.string_prefix.len()))
            .map_err(map_err("auspex_string_prefix"))?;
        maps.auspex_string_postfix
            .set_max_entries(n(c.string_postfix.len()))
            .map_err(map_err("auspex_string_postfix"))?;
        maps.auspex_int_set
            .set_max_entries(n(c.int_set.len()))
            .map_err(map_err("auspex_int_set"))?;
        // Calls in flight of return probes (~10 KiB each, allocated as they come): only when the
        // policy has some.
        let returns = c.hooks.iter().any(|h| h.returns || h.ima != 0);
        maps.auspex_pending
            .set_max_entries(if returns { PENDING_CALLS } else { 1 })
            .map_err(map_err("auspex_pending"))?;
        open.maps
            .auspex_enforcer
            .set_max_entries(if c.enforcers.is_empty() {
                1
            } else {
                ENFORCER_DECISIONS
            })
            .map_err(map_err("auspex_enforcer"))?;
        let copies = c.hooks.iter().any(|h| h.return_copy.is_some());
        open.maps
            .auspex_return_copy
            .set_max_entries(if copies { PENDING_CALLS } else { 1 })
            .map_err(map_err("auspex_return_copy"))?;
        // Tracked sockets: only for a policy with TrackSock.
        let tracks = c
            .hooks
            .iter()
            .any(|h| h.return_arg_action == Some(action::TRACKSOCK))
            || c.selectors.iter().any(|s| {
                s.actions
                    .iter()
                    .chain(&s.return_actions)
                    .any(|a| a.kind == action::TRACKSOCK)
            });
        open.maps
            .auspex_socktrack
            .set_max_entries(if tracks { TRACKED_SOCKETS } else { 1 })
            .map_err(map_err("auspex_socktrack"))?;
        // libbpf's USDT tables (usdt.bpf.h): their default size only for a policy with usdts.
        if !c
            .hooks
            .iter()
            .any(|h| matches!(h.attach, AttachPoint::Usdt { .. }))
        {
            open.maps
                .__bpf_usdt_specs
                .set_max_entries(1)
                .map_err(map_err("__bpf_usdt_specs"))?;
            open.maps
                .__bpf_usdt_ip_to_spec_id
                .set_max_entries(1)
                .map_err(map_err("__bpf_usdt_ip_to_spec_id"))?;
        }
        open.maps
            .auspex_substrings
            .set_max_entries(n(c.substrings.len()))
            .map_err(map_err("auspex_substrings"))?;
        open.maps
            .auspex_cel
            .set_max_entries(n(c.cel_programs.len()))
            .map_err(map_err("auspex_cel"))?;
        open.maps
            .auspex_addr_lpm
            .set_max_entries(n(c.addr_set.len()))
            .map_err(map_err("auspex_addr_lpm"))?;
        // syscalls/sys_enter_* hooks go through the raw sys_enter tracepoint (two per syscall
        // number and policy) when the policy hooks a hot syscall, else through their own
        // tracepoints (see HOT_SYSCALLS); the others through their own attach point.
        // 32-bit (__ia32_sys_*) syscall hooks are told apart there only.
        let raw_entry = c.hooks.iter().any(|h| {
            h.syscall_nr.is_some()
                && (h.compat_syscall
                    || matches!(&h.attach, AttachPoint::Tracepoint { event, .. }
                    if event.strip_prefix("sys_enter_").is_some_and(|n| HOT_SYSCALLS.contains(&n))))
        });
        let mut raw_syscalls: Vec<(u32, usize)> = Vec::new();
        let mut exit_syscalls: Vec<(u32, usize)> = Vec::new();
        let mut plan = AttachPlan::default();
        let mut digests_seen: std::collections::HashMap<String, Result<String, String>> =
            std::collections::HashMap::new();
        let mut slots: [Vec<(String, usize)>; TrampolineKind::ALL.len()] = Default::default();
        slots[TrampolineKind::Enforcer as usize] =
            c.enforcers.iter().map(|f| (f.clone(), 0)).collect();
        for (i, hook) in c.hooks.iter().enumerate() {
            let cookie = hook_cookie(self.policy_id, i);
            if hook.returns {
                match (&hook.attach, hook.syscall_nr) {
                    (AttachPoint::Kprobe { function, .. }, _) => {
                        plan.kretprobes.push((function.clone(), cookie))
                    }
                    (AttachPoint::Tracepoint { .. }, Some(nr)) => {
                        exit_syscalls.extend(syscall_key(nr, hook.compat_syscall).map(|k| (k, i)))
                    }
                    (AttachPoint::Fentry { function, .. }, _) => {
                        slots[TrampolineKind::Fexit as usize].push((function.clone(), i))
                    }
                    _ => {}
                }
            }
            match &hook.attach {
                AttachPoint::Uprobe {
                    path,
                    symbol,
                    offset,
                    address,
                    ref_ctr_offset,
                    digests,
                    skip_on_digest_mismatch,
                    override_return,
                } => {
                    if !digests.is_empty() {
                        let got = digests_seen
                            .entry(path.clone())
                            .or_insert_with(|| file_sha256(path))
                            .clone();
                        let reason = match &got {
                            Ok(hex) if digests.contains(hex) => None,
                            Ok(hex) => Some(format!(
                                "SHA-256 of {path} is {hex}, not one of binaryDigests"
                            )),
                            Err(e) => Some(format!("cannot read {path} for its digest: {e}")),
                        };
                        if let Some(reason) = reason {
                            if *skip_on_digest_mismatch {
                                tracing::warn!(hook = %hook.path, %reason, "uprobe not attached (ignore.digestVerificationFailure)");
                                continue;
                            }
                            return Err(SensorError::BinaryDigest {
                                hook: hook.path.clone(),
                                reason,
                            });
                        }
                    }
                    let offset = if *address == 0 {
                        *offset
                    } else {
                        super::elf_address::file_offset(path, *address).map_err(|reason| {
                            SensorError::UprobeAddress {
                                hook: hook.path.clone(),
                                reason,
                            }
                        })?
                    };
                    let probe = UprobeAttach {
                        path: path.clone(),
                        symbol: symbol.clone(),
                        offset,
                        ref_ctr_offset: *ref_ctr_offset,
                        cookie,
                        retprobe: false,
                        override_return: *override_return,
                    };
                    // `return: true` (or returnCopy): a uretprobe at the same place posts the
                    // event the entry kept.
                    if hook.returns {
                        plan.uprobes.push(UprobeAttach {
                            retprobe: true,
                            ..probe.clone()
                        });
                    }
                    plan.uprobes.push(probe)
                }
                AttachPoint::Usdt {
                    path,
                    provider,
                    name,
                } => plan.usdts.push(UsdtAttach {
                    path: path.clone(),
                    provider: provider.clone(),
                    name: name.clone(),
                    cookie,
                    hook: hook.path.clone(),
                    sets: usdt_set_args(c, hook),
                }),
                AttachPoint::Kprobe {
                    function,
                    override_return: true,
                    ..
                } => plan.kprobe_override.push((function.clone(), cookie)),
                AttachPoint::Kprobe { function, .. } => {
                    // One kprobe.multi link takes each function once.
                    if plan.kprobes.iter().any(|(f, _)| f == function) {
                        plan.kprobes_single.push((function.clone(), cookie));
                    } else {
                        plan.kprobes.push((function.clone(), cookie));
                    }
                }
                AttachPoint::Lsm { hook: name } => {
                    slots[TrampolineKind::Lsm as usize].push((name.clone(), i));
                    if hook.ima != 0 {
                        slots[TrampolineKind::LsmIma as usize].push((name.clone(), i));
                    }
                }
                AttachPoint::Fentry { function, .. } => slots[1].push((function.clone(), i)),
                AttachPoint::FmodRet { function } => slots[2].push((function.clone(), i)),
                AttachPoint::RawTracepoint { event } => {
                    slots[TrampolineKind::RawTp as usize].push((event.clone(), i))
                }
                AttachPoint::Tracepoint { subsystem, event } => match hook
                    .syscall_nr
                    .and_then(|nr| syscall_key(nr, hook.compat_syscall))
                {
                    // Two hooks per syscall number (packed_syscall_hooks); a third has its own
                    // tracepoint.
                    Some(key)
                        if raw_entry
                            && raw_syscalls.iter().filter(|(k, _)| *k == key).count() < 2 =>
                    {
                        raw_syscalls.push((key, i))
                    }
                    // The syscall's own tracepoint cannot tell 32-bit calls apart; the compiler
                    // refuses what would land here (a third hook on one i386 syscall).
                    _ if hook.compat_syscall => {}
                    _ => plan
                        .classic
                        .push((subsystem.clone(), event.clone(), cookie)),
                },
            }
        }
        plan.raw = !raw_syscalls.is_empty();
        plan.raw_exit = !exit_syscalls.is_empty();
        let kprobes = !plan.kprobes.is_empty() || !plan.kprobes_single.is_empty();
        open.progs.auspex_generic_sys_enter.set_autoload(plan.raw);
        open.progs
            .auspex_generic_sys_exit
            .set_autoload(plan.raw_exit);
        open.progs
            .auspex_generic_kretprobe
            .set_autoload(!plan.kretprobes.is_empty());
        open.progs
            .auspex_generic_tp
            .set_autoload(!plan.classic.is_empty());
        open.progs.auspex_generic_uprobe.set_autoload(
            plan.uprobes
                .iter()
                .any(|u| !u.retprobe && !u.override_return),
        );
        // Writes the probe's registers: loads only on kernels that allow it (6.19+).
        open.progs
            .auspex_generic_uprobe_override
            .set_autoload(plan.uprobes.iter().any(|u| u.override_return));
        open.progs
            .auspex_generic_uretprobe
            .set_autoload(plan.uprobes.iter().any(|u| u.retprobe));
        open.progs
            .auspex_generic_usdt
            .set_autoload(plan.usdts.iter().any(|u| u.sets.is_empty()));
        open.progs
            .auspex_generic_usdt_set
            .set_autoload(plan.usdts.iter().any(|u| !u.sets.is_empty()));
        // One kprobe program, verified once: kprobe.multi where the kernel attaches it.
        plan.multi = kprobes
            && !plan.kprobes.is_empty()
            && *crate::features::kprobe_multi() == crate::features::Probe::Supported;
        if !plan.multi {
            plan.kprobes_single.append(&mut plan.kprobes);
        }
        open.progs
            .auspex_generic_kprobe
            .set_autoload(!plan.kprobes_single.is_empty());
        open.progs
            .auspex_generic_kprobe_multi
            .set_autoload(plan.multi);
        open.progs
            .auspex_generic_kprobe_override
            .set_autoload(!plan.kprobe_override.is_empty());
        // Trampoline slots: point each used one at its function, load only those.
        let mut slot_hooks = [[0u32; TRAMPOLINE_SLOTS]; TrampolineKind::ALL.len()];
        for (kind, wanted) in TrampolineKind::ALL.iter().zip(&slots) {
            if wanted.len() > TRAMPOLINE_SLOTS {
                return Err(SensorError::Trampoline {
                    sensor: NAME,
                    kind: kind.name(),
                    target: wanted[TRAMPOLINE_SLOTS].0.clone(),
                    hint: format!(
                        "{} {} hooks in one policy; at most {TRAMPOLINE_SLOTS} are supported",
                        wanted.len(),
                        kind.name()
                    ),
                    source: libbpf_rs::Error::from(std::io::Error::from(
                        std::io::ErrorKind::InvalidInput,
                    )),
                });
            }
        }
        for mut prog in open.open_object_mut().progs_mut() {
            let name = prog.name().to_string_lossy().into_owned();
            let Some((kind, slot)) = TrampolineKind::slot_of(&name) else {
                continue;
            };
            let wanted = slots[kind as usize].get(slot);
            prog.set_autoload(wanted.is_some());
            if let Some((target, hook)) = wanted {
                if kind == TrampolineKind::RawTp {
                    // Attached by name later.
                    slot_hooks[kind as usize][slot] = *hook as u32 + 1;
                    plan.trampolines.push((kind, name, target.clone()));
                    continue;
                }
                prog.set_attach_target(0, Some(target.clone()))
                    .map_err(|source| SensorError::Trampoline {
                        sensor: NAME,
                        kind: kind.name(),
                        target: target.clone(),
                        hint: kind.missing_hint(target),
                        source,
                    })?;
                slot_hooks[kind as usize][slot] = *hook as u32 + 1;
                plan.trampolines.push((kind, name, target.clone()));
            }
        }
        if let Some(ro) = open.maps.rodata_data.as_deref_mut() {
            ro.auspex_policy_id = u32::from(self.policy_id);
            ro.auspex_compat_syscalls = u32::from(c.hooks.iter().any(|h| h.compat_syscall));
            ro.auspex_lsm_slots = slot_hooks[TrampolineKind::Lsm as usize];
            ro.auspex_fentry_slots = slot_hooks[TrampolineKind::Fentry as usize];
            ro.auspex_fmod_ret_slots = slot_hooks[TrampolineKind::FmodRet as usize];
            ro.auspex_fexit_slots = slot_hooks[TrampolineKind::Fexit as usize];
            ro.auspex_raw_tp_slots = slot_hooks[TrampolineKind::RawTp as usize];
            ro.auspex_lsm_ima_slots = slot_hooks[TrampolineKind::LsmIma as usize];
            let ima_hooks = &slots[TrampolineKind::LsmIma as usize];
            for (kind, (_, hook)) in ro.auspex_lsm_ima_kinds.iter_mut().zip(ima_hooks) {
                *kind = u32::from(c.hooks[*hook].ima);
            }
        }
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
                    HookEvent::Loader => abi::MSG_GENERIC_TRACEPOINT,
                    HookEvent::Tracepoint { .. } => abi::MSG_GENERIC_TRACEPOINT,
                    HookEvent::Uprobe { .. } | HookEvent::Usdt { .. } => abi::MSG_GENERIC_UPROBE,
                    HookEvent::Lsm { .. } => abi::MSG_GENERIC_LSM,
                }),
                flags: match hook.attach {
                    AttachPoint::Kprobe { syscall: true, .. }
                    | AttachPoint::Fentry { syscall: true, .. } => abi::HOOK_SYSCALL_WRAPPER,
                    _ => 0,
                } | if hook.returns { abi::HOOK_RETURN } else { 0 }
                    | match hook
                        .return_arg
                        .as_ref()
                        .map(|r| (r.read.returned_object(), r.size))
                    {
                        Some((Some(ReturnedObject::Sock), _)) => abi::HOOK_RETURN_SOCK,
                        Some((Some(ReturnedObject::Cred), _)) => abi::HOOK_RETURN_CRED,
                        Some((Some(ReturnedObject::Slot), _)) => abi::HOOK_RETURN_STR,
                        Some((None, 4)) => abi::HOOK_RETURN_INT32,
                        _ => 0,
                    }
                    | match hook.return_arg_action {
                        Some(action::TRACKSOCK) => abi::HOOK_RETURN_TRACKSOCK,
                        Some(action::UNTRACKSOCK) => abi::HOOK_RETURN_UNTRACKSOCK,
                        _ => 0,
                    }
                    | if hook.args.iter().any(|a| a.max_data) {
                        abi::HOOK_MAX_DATA
                    } else {
                        0
                    }
                    | if hook.pt_regs { abi::HOOK_PT_REGS } else { 0 },
                return_copy: hook.return_copy.map_or(0, |p| u32::from(p) + 1),
                filter_args: c.filter_args(hook),
                ret: hook
                    .return_arg
                    .as_ref()
                    .filter(|r| r.read.returned_object().is_some())
                    .map(|r| abi::ArgSpec {
                        kind: r.read as u8,
                        size: r.size,
                        ..Default::default()
                    })
                    .unwrap_or_default(),
                ..Default::default()
            };
            for (dst, a) in cfg.args.iter_mut().zip(&hook.args) {
                *dst = abi::ArgSpec {
                    offset: a.offset,
                    size: a.size,
                    kind: a.read as u8,
                    size_width: a.size_width,
                    size_offset: a.size_offset,
                    max_data: u8::from(a.max_data),
                    ..Default::default()
                };
                if let Some(r) = &a.resolve {
                    dst.nsteps = r.steps.len().min(abi::MAX_RESOLVE_STEPS) as u8;
                    dst.from_task = u8::from(r.from_task);
                    dst.resolve_user = u8::from(r.user);
                    dst.resolve_from = r.from;
                    for (d, st) in dst.steps.iter_mut().zip(&r.steps) {
                        *d = abi::ResolveStep {
                            offset: st.offset,
                            load: st.load,
                            pad: [0; 3],
                        };
                    }
                }
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
            sel.npids = s.pids.len().min(abi::MAX_PID_FILTERS) as u32;
            for (d, p) in sel.pids.iter_mut().zip(&s.pids) {
                d.op = p.op;
                d.flags = u8::from(p.follow_forks) | (u8::from(p.namespace_pid) << 1);
                d.nvalues = p.values.len().min(abi::MAX_PIDS) as u8;
                for (d, v) in d.values.iter_mut().zip(&p.values) {
                    *d = *v;
                }
            }
            for (b, d) in [
                (&s.binary, &mut sel.binary),
                (&s.parent_binary, &mut sel.parent_binary),
            ] {
                if let Some(b) = b {
                    d.op = b.op;
                    d.set_id = b.set_id;
                    if b.follow_children {
                        d.flags |= abi::BINARY_FOLLOW_CHILDREN;
                    }
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
                d.user_ns = c.host_user_ns;
                d.mask = c.mask;
            }
            if let Some((op, mask)) = s.namespace_changes {
                sel.ns_changes_op = op;
                sel.ns_changes_mask = mask;
            }
            for (d, a) in sel.match_args.iter_mut().zip(&s.match_args) {
                fill_match_arg(d, a);
            }
            sel.nreturn_actions = s.return_actions.len().min(abi::MAX_ACTIONS) as u32;
            for (d, a) in sel.return_actions.iter_mut().zip(&s.return_actions) {
                d.kind = a.kind;
                d.arg = a.arg;
                d.rate_limit_ns = a.rate_limit_ns;
            }
            // `arg`: RETURN_OBJECT_ARG for a returned object; the return value needs no position.
            sel.nmatch_return = s.match_return.len().min(abi::MAX_MATCH_RETURN) as u32;
            for (d, r) in sel.match_return.iter_mut().zip(&s.match_return) {
                fill_match_arg(d, r);
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
            let n = bytes.len().min(abi::STRING_MAX);
            if n <= abi::STRING_SHORT_MAX {
                let mut k = abi::StringKey {
                    set_id: *set,
                    len: n as u32,
                    ..Default::default()
                };
                k.s[..n].copy_from_slice(&bytes[..n]);
                m.auspex_string_eq
                    .update(as_bytes(&k), &one, MapFlags::ANY)
                    .map_err(map_err("auspex_string_eq"))?;
            } else {
                let mut k = Box::<abi::LongStringKey>::default();
                k.set_id = *set;
                k.len = n as u32;
                k.s[..n].copy_from_slice(&bytes[..n]);
                m.auspex_string_eq_long
                    .update(as_bytes(&*k), &one, MapFlags::ANY)
                    .map_err(map_err("auspex_string_eq_long"))?;
            }
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
        for (i, needle) in c.substrings.iter().enumerate() {
            let v = abi::Substring::new(needle);
            m.auspex_substrings
                .update(&(i as u32).to_ne_bytes(), as_bytes(&v), MapFlags::ANY)
                .map_err(map_err("auspex_substrings"))?;
        }
        for (i, program) in c.cel_programs.iter().enumerate() {
            let mut v = abi::CelProg {
                n: program.len().min(abi::CEL_MAX_INSNS) as u32,
                ..Default::default()
            };
            for (dst, insn) in v.insns.iter_mut().zip(program) {
                *dst = abi::CelInsn {
                    op: insn.op,
                    arg: insn.arg,
                    imm: insn.imm,
                    ..Default::default()
                };
            }
            m.auspex_cel
                .update(&(i as u32).to_ne_bytes(), as_bytes(&v), MapFlags::ANY)
                .map_err(map_err("auspex_cel"))?;
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

        for (map, name, hooks) in [
            (
                &m.auspex_syscall_exit_hooks,
                "auspex_syscall_exit_hooks",
                &exit_syscalls,
            ),
            (
                &m.auspex_syscall_hooks,
                "auspex_syscall_hooks",
                &raw_syscalls,
            ),
        ] {
            for (key, v) in packed_syscall_hooks(hooks) {
                map.update(&key.to_ne_bytes(), &v.to_ne_bytes(), MapFlags::ANY)
                    .map_err(map_err(name))?;
            }
        }
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

/// The values of `auspex_syscall_hooks` / `auspex_syscall_exit_hooks` from (key, hook index)
/// pairs: up to two hooks per syscall key, hook + 1 in the low, then the high 16 bits (the
/// attach plan and the compiler keep it to two).
fn packed_syscall_hooks(hooks: &[(u32, usize)]) -> Vec<(u32, u32)> {
    let mut packed: Vec<(u32, u32)> = Vec::new();
    for (key, i) in hooks {
        let hook = (*i as u32 + 1) & 0xffff;
        match packed.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v |= hook << 16,
            None => packed.push((*key, hook)),
        }
    }
    packed
}

/// Calls of return probes a policy keeps between entry and return (the events of calls beyond
/// are lost, counted as `kernel_pending`).
const PENDING_CALLS: u32 = 2048;
/// NotifyEnforcer decisions waiting for their thread's next enforced syscall.
const ENFORCER_DECISIONS: u32 = 4096;
/// Sockets a TrackSock policy remembers (LRU: an untracked socket eventually falls out).
const TRACKED_SOCKETS: u32 = 16384;

/// Program slots per trampoline kind (`AUSPEX_TRAMPOLINE_SLOTS` in the BPF object).
const TRAMPOLINE_SLOTS: usize = limits::TRAMPOLINE_SLOTS;

/// The trampoline program kinds, whose attach target is fixed at load time (one slot each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TrampolineKind {
    Lsm = 0,
    Fentry = 1,
    FmodRet = 2,
    Fexit = 3,
    /// Raw tracepoints: attached by name (no load-time target), slots for the hook index.
    RawTp = 4,
    /// Enforcers (`spec.enforcers`): fmod_ret programs on syscall entry points, not hooks.
    Enforcer = 5,
    /// imaHash: sleepable LSM programs, run after the hook's own LSM program, that hash the
    /// hook's file and post the event it kept.
    LsmIma = 6,
}

impl TrampolineKind {
    const ALL: [TrampolineKind; 7] = [
        Self::Lsm,
        Self::Fentry,
        Self::FmodRet,
        Self::Fexit,
        Self::RawTp,
        Self::Enforcer,
        Self::LsmIma,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Lsm => "lsm",
            Self::Fentry => "fentry",
            Self::FmodRet => "fmod_ret",
            Self::Fexit => "fexit",
            Self::RawTp => "raw_tp",
            Self::Enforcer => "enforcer",
            Self::LsmIma => "lsm_ima",
        }
    }

    /// `auspex_generic_lsm3` → (Lsm, 3).
    fn slot_of(prog: &str) -> Option<(Self, usize)> {
        let rest = prog.strip_prefix("auspex_generic_")?;
        Self::ALL.into_iter().find_map(|k| {
            let n: usize = rest.strip_prefix(k.name())?.parse().ok()?;
            (n < TRAMPOLINE_SLOTS).then_some((k, n))
        })
    }

    fn missing_hint(self, target: &str) -> String {
        match self {
            Self::Lsm | Self::LsmIma => {
                format!("the kernel's BTF has no LSM hook bpf_lsm_{target}")
            }
            Self::RawTp => format!("no raw tracepoint {target} on this kernel"),
            _ => format!("the kernel's BTF has no function {target}"),
        }
    }
}

/// What to attach, kept so that a disabled policy can be attached again.
#[derive(Default)]
struct AttachPlan {
    /// The raw sys_enter program (syscall hooks by number).
    raw: bool,
    /// The raw sys_exit program (returns of syscall hooks by number).
    raw_exit: bool,
    /// Kretprobes of return probes: (function, cookie).
    kretprobes: Vec<(String, u32)>,
    /// Classic tracepoints: (subsystem, event, cookie).
    classic: Vec<(String, String, u32)>,
    /// Uprobes.
    uprobes: Vec<UprobeAttach>,
    /// USDT probes.
    usdts: Vec<UsdtAttach>,
    /// Kprobes on one kprobe.multi link (when `multi`): (function, cookie), functions distinct.
    kprobes: Vec<(String, u32)>,
    /// The kernel attaches kprobe.multi links (probed): `kprobes` go on one.
    multi: bool,
    /// Kprobes always attached one by one (a function a second time).
    kprobes_single: Vec<(String, u32)>,
    /// Kprobes of hooks with Override (bpf_override_return).
    kprobe_override: Vec<(String, u32)>,
    /// Loaded trampoline slots: (kind, program name, target).
    trampolines: Vec<(TrampolineKind, String, String)>,
}

/// The kernel's form of a compiled matchArgs / matchReturnArgs entry.
fn fill_match_arg(d: &mut abi::MatchArg, a: &auspex_policy::compile::CompiledMatchArg) {
    d.arg = a.arg;
    d.op = a.op;
    d.set_id = a.set_id;
    d.nvalues = a.values.len().min(abi::MAX_MATCH_VALUES) as u8;
    for (dv, v) in d.values.iter_mut().zip(&a.values) {
        *dv = *v;
    }
}

/// SHA-256 of a file, lowercase hex (`binaryDigests`).
fn file_sha256(path: &str) -> Result<String, String> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        ctx.update(&buf[..n]);
    }
    Ok(ctx
        .finish()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Syscalls a program may make millions of times a second. Through its own tracepoint a hooked
/// syscall builds a perf record on every call (an empty program on `sys_enter_read` cost +70 % on
/// a read(2) load), so a policy that hooks one of these serves all its `sys_enter_*` hooks from
/// the raw sys_enter tracepoint, whose program runs on every syscall of the machine and returns
/// after one lookup for the others (+12 % on a read load with a policy on openat). Without them,
/// each hook has its own tracepoint and other syscalls pay only the kernel's syscall-tracepoint
/// slow path (+5 % on that load). Measured on kernel 6.18, docs/benchmarks.md.
const HOT_SYSCALLS: &[&str] = &[
    "read",
    "write",
    "readv",
    "writev",
    "pread64",
    "pwrite64",
    "preadv",
    "pwritev",
    "preadv2",
    "pwritev2",
    "recvfrom",
    "sendto",
    "recvmsg",
    "sendmsg",
    "recvmmsg",
    "sendmmsg",
    "futex",
    "epoll_wait",
    "epoll_pwait",
    "epoll_pwait2",
    "poll",
    "ppoll",
    "select",
    "pselect6",
    "nanosleep",
    "clock_nanosleep",
    "clock_gettime",
    "gettimeofday",
    "sched_yield",
    "getpid",
    "gettid",
    "lseek",
    "ioctl",
    "fstat",
    "newfstatat",
    "statx",
    "close",
    "mmap",
    "munmap",
    "brk",
    "mprotect",
    "rt_sigprocmask",
    "rt_sigaction",
    "rt_sigreturn",
    "splice",
    "sendfile64",
    "io_uring_enter",
    "getrandom",
];

/// A uprobe to attach: at a symbol, or at a file offset when `symbol` is empty.
#[derive(Clone)]
struct UprobeAttach {
    path: String,
    symbol: String,
    offset: u64,
    ref_ctr_offset: u64,
    cookie: u32,
    /// A uretprobe (auspex_generic_uretprobe) of a hook that returns.
    retprobe: bool,
    /// The hook overrides the return value (auspex_generic_uprobe_override).
    override_return: bool,
}

/// A USDT probe to attach.
struct UsdtAttach {
    path: String,
    provider: String,
    name: String,
    cookie: u32,
    /// Path of the hook in the policy, for messages.
    hook: String,
    /// Probe arguments a Set action of the hook writes (empty: the program without writes).
    sets: Vec<u32>,
}

/// Probe arguments written by the Set actions of a hook's selectors.
fn usdt_set_args(c: &CompiledPolicy, hook: &CompiledHook) -> Vec<u32> {
    let mut out: Vec<u32> = (hook.selectors.iter())
        .filter_map(|&id| c.selectors.get(id as usize))
        .flat_map(|s| s.actions.iter())
        .filter(|a| a.kind == action::SET)
        .map(|a| a.arg as u32)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// After attaching a probe with Set actions: every location libbpf found for it must keep the
/// written arguments in memory (a register or a constant has no address). Reads the specs libbpf
/// wrote for this attachment, so the check is the one the kernel program will face.
fn check_usdt_set_args(
    skel: &GenericTracepointSkel<'static>,
    u: &UsdtAttach,
) -> Result<(), SensorError> {
    let map = &skel.maps.__bpf_usdt_specs;
    let probe = format!("{}:{} in {}", u.provider, u.name, u.path);
    let mut found = 0;
    for key in 0..map.max_entries() {
        let Ok(Some(spec)) = map.lookup(&key.to_ne_bytes(), MapFlags::ANY) else {
            continue;
        };
        let cookie = (spec.get(usdt_spec::COOKIE_AT..usdt_spec::COOKIE_AT + 8))
            .and_then(|b| b.try_into().ok())
            .map(u64::from_ne_bytes);
        let count = (spec.get(usdt_spec::ARG_CNT_AT..usdt_spec::ARG_CNT_AT + 2))
            .and_then(|b| b.try_into().ok())
            .map(i16::from_ne_bytes);
        let (Some(cookie), Some(count)) = (cookie, count) else {
            continue;
        };
        if cookie != u64::from(u.cookie) || count <= 0 {
            continue;
        }
        found += 1;
        for &arg in &u.sets {
            let in_memory =
                "only an argument in memory (e.g. `-4@-20(%rbp)`, see `readelf -n`) can be written";
            let at = arg as usize * usdt_spec::ARG_SPEC_SIZE + usdt_spec::ARG_TYPE_AT;
            let reason = if arg >= count as u32 {
                Some(format!("the probe has {count} arguments"))
            } else {
                match spec.get(at) {
                    Some(&usdt_spec::ARG_REG_DEREF) => None,
                    Some(&usdt_spec::ARG_CONST) => {
                        Some(format!("it is a constant in the probe's note; {in_memory}"))
                    }
                    _ => Some(format!(
                        "it is not in memory in the probe's note; {in_memory}"
                    )),
                }
            };
            if let Some(reason) = reason {
                return Err(SensorError::UsdtSet {
                    hook: u.hook.clone(),
                    arg,
                    probe,
                    reason,
                });
            }
        }
    }
    if found == 0 {
        return Err(SensorError::UsdtSet {
            hook: u.hook.clone(),
            arg: u.sets[0],
            probe,
            reason: "the probe has no arguments".into(),
        });
    }
    Ok(())
}

impl AttachPlan {
    fn is_empty(&self) -> bool {
        !self.raw
            && !self.raw_exit
            && self.kretprobes.is_empty()
            && self.classic.is_empty()
            && self.uprobes.is_empty()
            && self.usdts.is_empty()
            && self.kprobes.is_empty()
            && self.kprobes_single.is_empty()
            && self.kprobe_override.is_empty()
            && self.trampolines.is_empty()
    }

    fn link_kinds(&self) -> Vec<&'static str> {
        let multi = self.multi;
        let mut kinds = Vec::new();
        if self.raw || self.raw_exit {
            kinds.push("raw_tracepoint");
        }
        if !self.classic.is_empty() {
            kinds.push("tracepoint");
        }
        if !self.uprobes.is_empty() || !self.usdts.is_empty() {
            kinds.push("uprobe");
        }
        if !self.kprobes.is_empty() && multi {
            kinds.push("kprobe_multi");
        }
        if !self.kprobes.is_empty() && !multi
            || !self.kprobes_single.is_empty()
            || !self.kprobe_override.is_empty()
            || !self.kretprobes.is_empty()
        {
            kinds.push("kprobe");
        }
        for kind in TrampolineKind::ALL {
            if self.trampolines.iter().any(|(k, ..)| *k == kind) {
                kinds.push(kind.name());
            }
        }
        kinds
    }

    /// Attaches everything.
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
        if self.raw_exit {
            let link = skel
                .progs
                .auspex_generic_sys_exit
                .attach()
                .map_err(|source| SensorError::Attach {
                    sensor: NAME,
                    prog: "auspex_generic_sys_exit",
                    hook: "tp_btf/sys_exit",
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
        for u in &self.uprobes {
            let path = &u.path;
            let opts = libbpf_rs::UprobeOpts {
                cookie: u64::from(u.cookie),
                func_name: (!u.symbol.is_empty()).then(|| u.symbol.clone()),
                ref_ctr_offset: u.ref_ctr_offset as usize,
                retprobe: u.retprobe,
                ..Default::default()
            };
            let prog = if u.retprobe {
                &skel.progs.auspex_generic_uretprobe
            } else if u.override_return {
                &skel.progs.auspex_generic_uprobe_override
            } else {
                &skel.progs.auspex_generic_uprobe
            };
            let link = prog
                .attach_uprobe_with_opts(-1, path, u.offset as usize, opts)
                .map_err(|source| SensorError::AttachUprobe {
                    sensor: NAME,
                    path: path.clone(),
                    symbol: if u.symbol.is_empty() {
                        format!("{:#x}", u.offset)
                    } else {
                        u.symbol.clone()
                    },
                    hint: if !std::path::Path::new(path).exists() {
                        format!("{path} does not exist on this host")
                    } else if u.symbol.is_empty() {
                        "the offset is past the file, or the file is not an ELF object".into()
                    } else {
                        "symbol not found in the file, or the file is not an ELF object".into()
                    },
                    source,
                })?;
            links.push(link);
        }
        for u in &self.usdts {
            let (path, provider, name) = (&u.path, &u.provider, &u.name);
            let opts = libbpf_rs::UsdtOpts {
                cookie: u64::from(u.cookie),
                ..Default::default()
            };
            let prog = if u.sets.is_empty() {
                &skel.progs.auspex_generic_usdt
            } else {
                &skel.progs.auspex_generic_usdt_set
            };
            let link = prog
                .attach_usdt_with_opts(-1, path, provider, name, opts)
                .map_err(|source| SensorError::AttachUsdt {
                    sensor: NAME,
                    probe: format!("{provider}:{name} in {path}"),
                    hint: if std::path::Path::new(path).exists() {
                        "no such USDT probe in the file (see `readelf -n`), or the file is not an ELF object".into()
                    } else {
                        format!("{path} does not exist on this host")
                    },
                    source,
                })?;
            links.push(link);
            if !u.sets.is_empty() {
                check_usdt_set_args(skel, u)?;
            }
        }
        // kprobe.multi (fprobe, Linux 5.18+ with CONFIG_FPROBE) when the kernel has it: one
        // link for all functions; else one kprobe per function (decided at load).
        if self.multi {
            let opts = libbpf_rs::KprobeMultiOpts {
                symbols: self.kprobes.iter().map(|(f, _)| f.clone()).collect(),
                cookies: self.kprobes.iter().map(|(_, c)| u64::from(*c)).collect(),
                ..Default::default()
            };
            let link = skel
                .progs
                .auspex_generic_kprobe_multi
                .attach_kprobe_multi_with_opts(opts)
                .map_err(|source| SensorError::AttachKprobe {
                    sensor: NAME,
                    function: self
                        .kprobes
                        .iter()
                        .map(|(f, _)| f.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    hint: "kprobe.multi link refused: a function is missing or not traceable on this kernel".into(),
                    source,
                })?;
            links.push(link);
        }
        let kprobe = |prog: &libbpf_rs::ProgramMut<'_>, retprobe, function: &str, cookie: u32| {
            let opts = libbpf_rs::KprobeOpts {
                cookie: u64::from(cookie),
                ..Default::default()
            };
            prog.attach_kprobe_with_opts(retprobe, function, opts)
                .map_err(|source| SensorError::AttachKprobe {
                    sensor: NAME,
                    function: function.to_string(),
                    hint: kprobe_hint(),
                    source,
                })
        };
        for (function, cookie) in &self.kprobes_single {
            links.push(kprobe(
                &skel.progs.auspex_generic_kprobe,
                false,
                function,
                *cookie,
            )?);
        }
        for (function, cookie) in &self.kretprobes {
            links.push(kprobe(
                &skel.progs.auspex_generic_kretprobe,
                true,
                function,
                *cookie,
            )?);
        }
        for (function, cookie) in &self.kprobe_override {
            links.push(kprobe(
                &skel.progs.auspex_generic_kprobe_override,
                false,
                function,
                *cookie,
            )?);
        }
        // A hook's programs run newest first (the kernel links each new one at the head): the
        // imaHash programs go in before the LSM programs whose kept events they post.
        let (ima, rest): (Vec<_>, Vec<_>) =
            (self.trampolines.iter()).partition(|(kind, ..)| *kind == TrampolineKind::LsmIma);
        for (kind, prog_name, target) in ima.into_iter().chain(rest) {
            use libbpf_rs::skel::Skel;
            let Some(prog) = skel
                .object()
                .progs_mut()
                .find(|p| p.name().to_str() == Some(prog_name.as_str()))
            else {
                continue;
            };
            let attached = if *kind == TrampolineKind::RawTp {
                prog.attach_raw_tracepoint(target)
            } else {
                prog.attach()
            };
            let link = attached.map_err(|source| SensorError::Trampoline {
                sensor: NAME,
                kind: kind.name(),
                target: target.clone(),
                hint: if *kind == TrampolineKind::RawTp {
                    kind.missing_hint(target)
                } else {
                    "the program loaded; the kernel refused to attach it".into()
                },
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
