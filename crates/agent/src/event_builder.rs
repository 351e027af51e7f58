//! Kernel records and /proc snapshots → Tetragon `Process` messages and event envelopes.
//! Pure apart from user-name lookups (cached), so most of it is unit-tested without a kernel.
use std::collections::HashMap;

use auspex_bpf::abi::{CloneEvent, Creds, Namespaces};
use auspex_events::tetragon::{
    Capabilities, GetEventsResponse, Namespace, Process, ProcessCredentials, UserNamespace,
    UserRecord, get_events_response::Event,
};
use auspex_events::{args, flags, process_id};

use crate::clock::BootClock;
use crate::config::UsernameMetadata;
use crate::decode::ExecRecord;
use crate::procfs::ProcProcess;

/// Which optional parts go into events.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuildOptions {
    /// `process_credentials` and `cap`.
    pub credentials: bool,
    /// `ns`.
    pub namespaces: bool,
    /// `user.name`.
    pub username: UsernameMetadata,
}

/// Builds messages; owns the node name, the clock and the user-name cache.
#[derive(Debug)]
pub struct EventBuilder {
    node_name: String,
    clock: BootClock,
    options: BuildOptions,
    host_ns: Namespaces,
    user_names: HashMap<u32, Option<String>>,
    redactor: auspex_events::Redactor,
}

impl EventBuilder {
    /// A builder; `host_ns` are the namespaces of pid 1, used for `is_host` and user names.
    pub fn new(node_name: String, options: BuildOptions, host_ns: Namespaces) -> Self {
        Self {
            node_name,
            clock: BootClock::measure(),
            options,
            host_ns,
            user_names: HashMap::new(),
            redactor: auspex_events::Redactor::default(),
        }
    }

    /// Redacts process arguments (and environment) with these filters from now on.
    pub fn set_redactor(&mut self, redactor: auspex_events::Redactor) {
        self.redactor = redactor;
    }

    /// Re-measures the boot-time → wall-time offset.
    pub fn refresh_clock(&mut self) {
        self.clock = BootClock::measure();
    }

    /// Node name used in exec ids and envelopes.
    pub fn node_name(&self) -> &str {
        &self.node_name
    }

    /// exec_id of an image; pid 0 is the kernel pseudo-process with ktime 1, as Tetragon does.
    pub fn exec_id(&self, pid: u32, ktime: u64) -> String {
        let ktime = if pid == 0 { 1 } else { ktime };
        process_id::exec_id(&self.node_name, ktime, pid)
    }

    /// Wraps an event with node name and time.
    pub fn response(&self, event: Event, ktime: u64) -> GetEventsResponse {
        GetEventsResponse {
            event: Some(event),
            node_name: self.node_name.clone(),
            time: Some(self.clock.to_timestamp(ktime)),
            ..Default::default()
        }
    }

    /// Timestamp of a boot-time ns value.
    pub fn timestamp(&self, ktime: u64) -> prost_types::Timestamp {
        self.clock.to_timestamp(ktime)
    }

    /// `Process` of an exec record.
    pub fn process_from_exec(&mut self, rec: &ExecRecord, parent_exec_id: String) -> Process {
        let ev = &rec.event;
        let cwd = String::from_utf8_lossy(&rec.cwd).into_owned();
        let filename = String::from_utf8_lossy(&rec.filename);
        let argv: Vec<&[u8]> = split_args(&rec.args);
        let arguments = args::format_arguments(argv.get(1..).unwrap_or(&[]));
        let mut p = Process {
            exec_id: self.exec_id(ev.process.pid, ev.process.ktime),
            pid: Some(ev.process.pid),
            uid: Some(ev.creds.euid),
            cwd: cwd.clone(),
            binary: absolute_binary(&filename, &cwd),
            arguments,
            flags: flags::flags_string(ev.flags),
            start_time: Some(self.clock.to_timestamp(ev.process.ktime)),
            auid: Some(ev.auid),
            parent_exec_id,
            tid: Some(ev.tid),
            in_init_tree: Some(ev.flags & flags::IN_INIT_TREE != 0),
            ..Default::default()
        };
        self.add_optional(&mut p, &ev.creds, &ev.ns);
        if !self.redactor.is_empty() {
            self.redactor.redact_process(&mut p);
        }
        p
    }

    /// `Process` of a process found in /proc at start-up.
    pub fn process_from_proc(&mut self, pp: &ProcProcess, parent_exec_id: String) -> Process {
        let mut bits = flags::PROCFS;
        if pp.cwd == "/" {
            bits |= flags::ROOT_CWD;
        }
        let argv: Vec<&[u8]> = pp.argv.iter().map(Vec::as_slice).collect();
        let mut p = Process {
            exec_id: self.exec_id(pp.pid, pp.ktime),
            pid: Some(pp.pid),
            uid: Some(pp.creds.euid),
            cwd: pp.cwd.clone(),
            binary: pp.binary.clone(),
            arguments: args::format_arguments(argv.get(1..).unwrap_or(&[])),
            flags: flags::flags_string(bits),
            start_time: Some(self.clock.to_timestamp(pp.ktime)),
            auid: Some(pp.auid),
            parent_exec_id,
            tid: Some(pp.pid),
            in_init_tree: Some(false),
            ..Default::default()
        };
        self.add_optional(&mut p, &pp.creds, &pp.ns);
        if !self.redactor.is_empty() {
            self.redactor.redact_process(&mut p);
        }
        p
    }

    /// `Process` of a forked child that has not exec'd: its parent's image under a new identity.
    pub fn process_from_clone(&self, parent: Option<&Process>, ev: &CloneEvent) -> Process {
        let mut p = parent.cloned().unwrap_or_default();
        p.exec_id = self.exec_id(ev.process.pid, ev.process.ktime);
        p.pid = Some(ev.process.pid);
        p.tid = Some(ev.tid);
        p.flags = flags::flags_string(flags::CLONE);
        p.start_time = Some(self.clock.to_timestamp(ev.process.ktime));
        p.parent_exec_id = self.exec_id(ev.parent.pid, ev.parent.ktime);
        p.refcnt = 0;
        p.in_init_tree = Some(ev.flags & flags::IN_INIT_TREE != 0);
        p
    }

    fn add_optional(&mut self, p: &mut Process, creds: &Creds, ns: &Namespaces) {
        if self.options.credentials {
            let caps = capabilities(creds);
            p.cap = Some(caps.clone());
            p.process_credentials = Some(process_credentials(creds));
        }
        if self.options.namespaces {
            p.ns = Some(namespaces(ns, &self.host_ns));
        }
        if self.options.username == UsernameMetadata::Unix && ns.mnt == self.host_ns.mnt {
            let uid = creds.euid;
            let name = self
                .user_names
                .entry(uid)
                .or_insert_with(|| {
                    nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
                        .ok()
                        .flatten()
                        .map(|u| u.name)
                })
                .clone();
            if let Some(name) = name {
                p.user = Some(UserRecord { name });
            }
        }
    }
}

impl EventBuilder {
    /// The placeholder process of an event whose process the cache does not know (Tetragon's
    /// `unknown` flag).
    pub fn unknown_process(&self, pid: u32, tid: u32) -> Process {
        Process {
            pid: Some(pid),
            tid: Some(tid),
            flags: auspex_events::flags::UNKNOWN.to_string(),
            ..Default::default()
        }
    }
}

/// Event `action` of a kernel action id.
pub fn kprobe_action(kernel_action: u32) -> i32 {
    use auspex_events::tetragon::KprobeAction;
    use auspex_policy::compile::action;
    (match kernel_action {
        action::POST => KprobeAction::Post,
        action::SIGKILL => KprobeAction::Sigkill,
        action::OVERRIDE => KprobeAction::Override,
        action::SIGNAL => KprobeAction::Signal,
        action::GETURL => KprobeAction::Geturl,
        action::DNSLOOKUP => KprobeAction::Dnslookup,
        action::NOPOST => KprobeAction::Nopost,
        action::NOTIFY_ENFORCER => KprobeAction::Notifyenforcer,
        action::SET => KprobeAction::Set,
        _ => KprobeAction::Unknown,
    }) as i32
}

/// The return value of a return probe, rendered as its `returnArg` says.
pub fn return_value(
    spec: &auspex_policy::compile::CompiledArg,
    v: i64,
) -> auspex_events::tetragon::KprobeArgument {
    decode_args(std::slice::from_ref(spec), &v.to_ne_bytes())
        .pop()
        .unwrap_or_default()
}

/// Arguments of a policy event, rendered as the hook's spec says. Short or malformed bytes end the
/// list early rather than fail.
pub fn decode_args(
    specs: &[auspex_policy::compile::CompiledArg],
    mut bytes: &[u8],
) -> Vec<auspex_events::tetragon::KprobeArgument> {
    use auspex_events::tetragon::{
        KprobeArgument, KprobeFile, KprobeLinuxBinprm, KprobePath, KprobeTruncatedBytes,
        kprobe_argument::Arg,
    };
    use auspex_policy::compile::{ArgRead, ArgRender};
    let mut out = Vec::with_capacity(specs.len());
    for spec in specs {
        if spec.read == ArgRead::Cred {
            let size = std::mem::size_of::<Creds>();
            let Some(c) = bytes
                .get(..size)
                .and_then(auspex_bpf::abi::read_struct::<Creds>)
            else {
                break;
            };
            bytes = &bytes[size..];
            out.push(KprobeArgument {
                arg: Some(Arg::ProcessCredentialsArg(process_credentials(&c))),
                label: spec.label.clone().unwrap_or_default(),
            });
            continue;
        }
        if matches!(
            spec.read,
            ArgRead::Sock | ArgRead::Skb | ArgRead::Sockaddr | ArgRead::UserSockaddr
        ) {
            let size = std::mem::size_of::<auspex_bpf::abi::SockInfo>();
            let Some(sk) = bytes
                .get(..size)
                .and_then(auspex_bpf::abi::read_struct::<auspex_bpf::abi::SockInfo>)
            else {
                break;
            };
            bytes = &bytes[size..];
            let arg = match spec.read {
                ArgRead::Skb => Arg::SkbArg(skb_message(&sk)),
                ArgRead::Sockaddr | ArgRead::UserSockaddr => {
                    let names = sock_message(&sk);
                    Arg::SockaddrArg(auspex_events::tetragon::KprobeSockaddr {
                        family: names.family,
                        addr: names.saddr,
                        port: names.sport,
                    })
                }
                _ => Arg::SockArg(sock_message(&sk)),
            };
            out.push(KprobeArgument {
                arg: Some(arg),
                label: spec.label.clone().unwrap_or_default(),
            });
            continue;
        }
        if spec.read == ArgRead::Nop {
            // Eight bytes in the record, nothing in the event.
            let Some(rest) = bytes.get(8..) else { break };
            bytes = rest;
            continue;
        }
        let is_str = !matches!(spec.read, ArgRead::Int | ArgRead::Uint | ArgRead::Syscall64);
        let arg = if is_str {
            let Some(head) = bytes.get(..4) else { break };
            let raw = u32::from_ne_bytes([head[0], head[1], head[2], head[3]]);
            let len = (raw & !auspex_bpf::abi::ARG_TRUNCATED) as usize;
            let truncated = raw & auspex_bpf::abi::ARG_TRUNCATED != 0;
            let Some(data) = bytes.get(4..4 + len) else {
                break;
            };
            bytes = &bytes[4 + len..];
            // Files are followed by their mode, buffers by the length the call was given.
            let trailer = if spec.read.has_trailer() {
                let Some(m) = bytes.get(..4) else { break };
                let m = u32::from_ne_bytes([m[0], m[1], m[2], m[3]]);
                bytes = &bytes[4..];
                Some(m)
            } else {
                None
            };
            let permission = || {
                trailer
                    .filter(|m| *m != 0)
                    .map(permission_string)
                    .unwrap_or_default()
            };
            match spec.render {
                ArgRender::File => Arg::FileArg(KprobeFile {
                    path: auspex_events::args::to_valid_utf8(data),
                    permission: permission(),
                    ..Default::default()
                }),
                ArgRender::Path => Arg::PathArg(KprobePath {
                    path: auspex_events::args::to_valid_utf8(data),
                    permission: permission(),
                    ..Default::default()
                }),
                ArgRender::Binprm => Arg::LinuxBinprmArg(KprobeLinuxBinprm {
                    path: auspex_events::args::to_valid_utf8(data),
                    permission: permission(),
                    ..Default::default()
                }),
                ArgRender::Bytes if truncated => Arg::TruncatedBytesArg(KprobeTruncatedBytes {
                    bytes_arg: data.to_vec(),
                    orig_size: trailer.map_or(0, u64::from),
                }),
                ArgRender::Bytes => Arg::BytesArg(data.to_vec()),
                ArgRender::SockaddrUn => {
                    Arg::SockaddrunArg(auspex_events::tetragon::KprobeSockaddrUn {
                        family: family_name(trailer.unwrap_or(0) as u16),
                        path: auspex_events::args::to_valid_utf8(data),
                    })
                }
                ArgRender::BpfAttr | ArgRender::BpfProg => {
                    let p = auspex_bpf::abi::read_struct::<auspex_bpf::abi::BpfProgInfo>(data)
                        .unwrap_or_default();
                    let (prog_type, insn_cnt, prog_name) =
                        (bpf_prog_type(p.prog_type), p.insn_cnt, c_string(&p.name));
                    if spec.render == ArgRender::BpfAttr {
                        Arg::BpfAttrArg(auspex_events::tetragon::KprobeBpfAttr {
                            prog_type,
                            insn_cnt,
                            prog_name,
                        })
                    } else {
                        Arg::BpfProgArg(auspex_events::tetragon::KprobeBpfProg {
                            prog_type,
                            insn_cnt,
                            prog_name,
                        })
                    }
                }
                ArgRender::BpfMap => {
                    let m = auspex_bpf::abi::read_struct::<auspex_bpf::abi::BpfMapInfo>(data)
                        .unwrap_or_default();
                    Arg::BpfMapArg(auspex_events::tetragon::KprobeBpfMap {
                        map_type: bpf_map_type(m.map_type),
                        key_size: m.key_size,
                        value_size: m.value_size,
                        max_entries: m.max_entries,
                        map_name: c_string(&m.name),
                    })
                }
                ArgRender::Module => {
                    let m = auspex_bpf::abi::read_struct::<auspex_bpf::abi::ModuleInfo>(data)
                        .unwrap_or_default();
                    Arg::ModuleArg(auspex_events::tetragon::KernelModule {
                        name: c_string(&m.name),
                        signature_ok: (m.sig_ok != 2).then_some(m.sig_ok == 1),
                        tainted: tainted_bits(m.taints),
                    })
                }
                ArgRender::UserNs => {
                    let n = auspex_bpf::abi::read_struct::<auspex_bpf::abi::UserNsInfo>(data)
                        .unwrap_or_default();
                    Arg::UserNsArg(auspex_events::tetragon::UserNamespace {
                        level: Some(n.level),
                        uid: Some(n.uid),
                        gid: Some(n.gid),
                        ns: Some(auspex_events::tetragon::Namespace {
                            inum: n.inum,
                            is_host: n.level == 0,
                        }),
                    })
                }
                ArgRender::PerfEvent => {
                    let p = auspex_bpf::abi::read_struct::<auspex_bpf::abi::PerfEventInfo>(data)
                        .unwrap_or_default();
                    Arg::PerfEventArg(auspex_events::tetragon::KprobePerfEvent {
                        kprobe_func: c_string(&p.kprobe_func),
                        r#type: perf_event_type(p.event_type),
                        config: p.config,
                        probe_offset: p.probe_offset,
                    })
                }
                _ => Arg::StringArg(auspex_events::args::to_valid_utf8(data)),
            }
        } else {
            let Some(head) = bytes.get(..8) else { break };
            let mut b = [0u8; 8];
            b.copy_from_slice(head);
            bytes = &bytes[8..];
            let v = i64::from_ne_bytes(b);
            match spec.render {
                ArgRender::Int => Arg::IntArg(v as i32),
                ArgRender::Uint => Arg::UintArg(v as u32),
                ArgRender::Size => Arg::SizeArg(v as u64),
                ArgRender::Long => Arg::LongArg(v),
                ArgRender::SyscallId => Arg::SyscallId(syscall_id(v as u64)),
                ArgRender::Capability => {
                    Arg::CapabilityArg(auspex_events::tetragon::KprobeCapability {
                        value: Some(v as i32),
                        name: auspex_events::tetragon::CapabilitiesType::try_from(v as i32)
                            .map(|c| c.as_str_name().to_string())
                            .unwrap_or_default(),
                    })
                }
                ArgRender::BpfCmd => Arg::BpfCmdArg(v as i32),
                ArgRender::KernelCapT => Arg::KernelCapTArg(format!("{:016x}", v as u64)),
                ArgRender::CapInheritable => Arg::CapInheritableArg(format!("{:016x}", v as u64)),
                ArgRender::CapPermitted => Arg::CapPermittedArg(format!("{:016x}", v as u64)),
                ArgRender::CapEffective => Arg::CapEffectiveArg(format!("{:016x}", v as u64)),
                ArgRender::DecimalString if spec.read == ArgRead::Uint => {
                    Arg::StringArg((v as u64).to_string())
                }
                ArgRender::DecimalString
                | ArgRender::BpfAttr
                | ArgRender::BpfProg
                | ArgRender::BpfMap
                | ArgRender::PerfEvent
                | ArgRender::UserNs
                | ArgRender::Module
                | ArgRender::String
                | ArgRender::Bytes
                | ArgRender::File
                | ArgRender::Sock
                | ArgRender::Path
                | ArgRender::Binprm
                | ArgRender::Cred
                | ArgRender::Skb
                | ArgRender::Sockaddr
                | ArgRender::SockaddrUn => Arg::StringArg(v.to_string()),
            }
        };
        out.push(KprobeArgument {
            arg: Some(arg),
            label: spec.label.clone().unwrap_or_default(),
        });
    }
    out
}

/// A NUL-padded C string field.
/// A module's taint mask (`1 << TAINT_*`, include/linux/panic.h numbering) as TaintedBitsType
/// values: the module taints Tetragon names (its FORCED_UNLOAD is the kernel's FORCED_RMMOD).
fn tainted_bits(taints: u64) -> Vec<i32> {
    use auspex_events::tetragon::TaintedBitsType as T;
    const MODULE_TAINTS: &[(u32, T)] = &[
        (0, T::TaintProprietaryModule),
        (1, T::TaintForcedModule),
        (3, T::TaintForcedUnloadModule),
        (10, T::TaintStagedModule),
        (12, T::TaintOutOfTreeModule),
        (13, T::TaintUnsignedModule),
        (15, T::TaintKernelLivePatchModule),
        (18, T::TaintTestModule),
    ];
    MODULE_TAINTS
        .iter()
        .filter(|(bit, _)| taints & (1u64 << bit) != 0)
        .map(|(_, t)| *t as i32)
        .collect()
}

fn c_string(b: &[u8]) -> String {
    let end = b.iter().position(|c| *c == 0).unwrap_or(b.len());
    auspex_events::args::to_valid_utf8(&b[..end])
}

/// `enum bpf_prog_type` names (uapi/linux/bpf.h order); the number when unknown.
fn bpf_prog_type(t: u32) -> String {
    const NAMES: &[&str] = &[
        "UNSPEC",
        "SOCKET_FILTER",
        "KPROBE",
        "SCHED_CLS",
        "SCHED_ACT",
        "TRACEPOINT",
        "XDP",
        "PERF_EVENT",
        "CGROUP_SKB",
        "CGROUP_SOCK",
        "LWT_IN",
        "LWT_OUT",
        "LWT_XMIT",
        "SOCK_OPS",
        "SK_SKB",
        "CGROUP_DEVICE",
        "SK_MSG",
        "RAW_TRACEPOINT",
        "CGROUP_SOCK_ADDR",
        "LWT_SEG6LOCAL",
        "LIRC_MODE2",
        "SK_REUSEPORT",
        "FLOW_DISSECTOR",
        "CGROUP_SYSCTL",
        "RAW_TRACEPOINT_WRITABLE",
        "CGROUP_SOCKOPT",
        "TRACING",
        "STRUCT_OPS",
        "EXT",
        "LSM",
        "SK_LOOKUP",
        "SYSCALL",
        "NETFILTER",
    ];
    NAMES
        .get(t as usize)
        .map_or_else(|| t.to_string(), |n| format!("BPF_PROG_TYPE_{n}"))
}

/// `enum bpf_map_type` names (uapi/linux/bpf.h order); the number when unknown.
fn bpf_map_type(t: u32) -> String {
    const NAMES: &[&str] = &[
        "UNSPEC",
        "HASH",
        "ARRAY",
        "PROG_ARRAY",
        "PERF_EVENT_ARRAY",
        "PERCPU_HASH",
        "PERCPU_ARRAY",
        "STACK_TRACE",
        "CGROUP_ARRAY",
        "LRU_HASH",
        "LRU_PERCPU_HASH",
        "LPM_TRIE",
        "ARRAY_OF_MAPS",
        "HASH_OF_MAPS",
        "DEVMAP",
        "SOCKMAP",
        "CPUMAP",
        "XSKMAP",
        "SOCKHASH",
        "CGROUP_STORAGE",
        "REUSEPORT_SOCKARRAY",
        "PERCPU_CGROUP_STORAGE",
        "QUEUE",
        "STACK",
        "SK_STORAGE",
        "DEVMAP_HASH",
        "STRUCT_OPS",
        "RINGBUF",
        "INODE_STORAGE",
        "TASK_STORAGE",
        "BLOOM_FILTER",
        "USER_RINGBUF",
        "CGRP_STORAGE",
        "ARENA",
    ];
    NAMES
        .get(t as usize)
        .map_or_else(|| t.to_string(), |n| format!("BPF_MAP_TYPE_{n}"))
}

/// `perf_event_attr.type` names as Tetragon prints them; the number for dynamic PMUs.
fn perf_event_type(t: u32) -> String {
    const NAMES: &[&str] = &[
        "PERF_TYPE_HARDWARE",
        "PERF_TYPE_SOFTWARE",
        "PERF_TYPE_TRACEPOINT",
        "PERF_TYPE_HW_CACHE",
        "PERF_TYPE_RAW",
        "PERF_TYPE_BREAKPOINT",
        // Tetragon's table names 6 so (the first dynamic PMU number on many kernels).
        "PERF_TYPE_MAX",
    ];
    NAMES
        .get(t as usize)
        .map_or_else(|| t.to_string(), |n| (*n).to_string())
}

/// Tetragon's `syscall_id` of a `syscall64` value: bit 31 marks the 32-bit ABI.
pub fn syscall_id(v: u64) -> auspex_events::tetragon::SyscallId {
    let compat = v & 0x8000_0000 != 0;
    let (native, compat_abi) = if cfg!(target_arch = "aarch64") {
        ("arm64", "arm32")
    } else {
        ("x64", "i386")
    };
    auspex_events::tetragon::SyscallId {
        id: (v & 0x7fff_ffff) as u32,
        abi: if compat { compat_abi } else { native }.to_string(),
    }
}

/// Tetragon's `skb_arg` of a packet read in the kernel (the socket record's fields; `len` and
/// the hash in `cookie`).
pub fn skb_message(sk: &auspex_bpf::abi::SockInfo) -> auspex_events::tetragon::KprobeSkb {
    let names = sock_message(sk);
    auspex_events::tetragon::KprobeSkb {
        hash: sk.cookie as u32,
        len: sk.len,
        priority: sk.priority,
        mark: sk.mark,
        saddr: names.saddr,
        daddr: names.daddr,
        sport: names.sport,
        dport: names.dport,
        proto: u32::from(sk.protocol),
        protocol: names.protocol,
        family: names.family,
        ..Default::default()
    }
}

/// An address family as Tetragon names it (`AF_INET`), or its number.
fn family_name(family: u16) -> String {
    match family {
        1 => "AF_UNIX".to_string(),
        2 => "AF_INET".to_string(),
        10 => "AF_INET6".to_string(),
        16 => "AF_NETLINK".to_string(),
        17 => "AF_PACKET".to_string(),
        f => f.to_string(),
    }
}

/// Tetragon's `sock_arg` of a socket read in the kernel (names as Tetragon prints them).
pub fn sock_message(sk: &auspex_bpf::abi::SockInfo) -> auspex_events::tetragon::KprobeSock {
    use std::net::{Ipv4Addr, Ipv6Addr};
    let addr = |a: &[u8; 16]| -> String {
        let v6 = Ipv6Addr::from(*a);
        match sk.family {
            2 => Ipv4Addr::new(a[12], a[13], a[14], a[15]).to_string(),
            10 => v6.to_string(),
            _ => String::new(),
        }
    };
    let family = family_name(sk.family);
    let sock_type = match sk.sock_type {
        1 => "SOCK_STREAM".to_string(),
        2 => "SOCK_DGRAM".to_string(),
        3 => "SOCK_RAW".to_string(),
        5 => "SOCK_SEQPACKET".to_string(),
        t => t.to_string(),
    };
    let protocol = match sk.protocol {
        1 => "IPPROTO_ICMP".to_string(),
        6 => "IPPROTO_TCP".to_string(),
        17 => "IPPROTO_UDP".to_string(),
        58 => "IPPROTO_ICMPV6".to_string(),
        132 => "IPPROTO_SCTP".to_string(),
        p => p.to_string(),
    };
    const STATES: [&str; 13] = [
        "",
        "TCP_ESTABLISHED",
        "TCP_SYN_SENT",
        "TCP_SYN_RECV",
        "TCP_FIN_WAIT1",
        "TCP_FIN_WAIT2",
        "TCP_TIME_WAIT",
        "TCP_CLOSE",
        "TCP_CLOSE_WAIT",
        "TCP_LAST_ACK",
        "TCP_LISTEN",
        "TCP_CLOSING",
        "TCP_NEW_SYN_RECV",
    ];
    auspex_events::tetragon::KprobeSock {
        family,
        r#type: sock_type,
        protocol,
        mark: sk.mark,
        priority: sk.priority,
        saddr: addr(&sk.saddr),
        daddr: addr(&sk.daddr),
        sport: u32::from(sk.sport),
        dport: u32::from(sk.dport),
        cookie: sk.cookie,
        state: STATES
            .get(usize::from(sk.state))
            .copied()
            .unwrap_or_default()
            .to_string(),
    }
}

/// `ls -l` style permission string of an inode mode (`-rw-r--r--`, `drwxrwxrwt`, `-rwsr-xr-x`).
pub fn permission_string(mode: u32) -> String {
    let kind = match mode & 0o170000 {
        0o040000 => 'd',
        0o120000 => 'l',
        0o020000 => 'c',
        0o060000 => 'b',
        0o010000 => 'p',
        0o140000 => 's',
        _ => '-',
    };
    let mut out = String::with_capacity(10);
    out.push(kind);
    let special = [(0o4000, 's', 'S'), (0o2000, 's', 'S'), (0o1000, 't', 'T')];
    for (i, (bit, on_x, no_x)) in special.iter().enumerate() {
        let shift = 6 - 3 * i;
        let rwx = (mode >> shift) & 7;
        out.push(if rwx & 4 != 0 { 'r' } else { '-' });
        out.push(if rwx & 2 != 0 { 'w' } else { '-' });
        let x = rwx & 1 != 0;
        out.push(match (mode & bit != 0, x) {
            (true, true) => *on_x,
            (true, false) => *no_x,
            (false, true) => 'x',
            (false, false) => '-',
        });
    }
    out
}

/// argv entries of a NUL-separated buffer (a trailing NUL does not make an empty argument).
pub fn split_args(buf: &[u8]) -> Vec<&[u8]> {
    let buf = buf.strip_suffix(&[0]).unwrap_or(buf);
    if buf.is_empty() {
        return Vec::new();
    }
    buf.split(|b| *b == 0).collect()
}

/// The exec filename made absolute against cwd, lexically cleaned like Go's `filepath.Join`.
pub fn absolute_binary(filename: &str, cwd: &str) -> String {
    if filename.starts_with('/') {
        return filename.to_string();
    }
    let mut parts: Vec<&str> = Vec::new();
    for comp in cwd.split('/').chain(filename.split('/')) {
        match comp {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Tetragon's `ProcessCredentials` of credentials read in the kernel (`struct auspex_creds`).
pub fn process_credentials(creds: &Creds) -> ProcessCredentials {
    ProcessCredentials {
        uid: Some(creds.uid),
        gid: Some(creds.gid),
        euid: Some(creds.euid),
        egid: Some(creds.egid),
        suid: Some(creds.suid),
        sgid: Some(creds.sgid),
        fsuid: Some(creds.fsuid),
        fsgid: Some(creds.fsgid),
        securebits: securebits(creds.securebits),
        caps: Some(capabilities(creds)),
        user_ns: (creds.userns_inum != 0).then_some(UserNamespace {
            level: Some(creds.userns_level as i32),
            uid: Some(creds.userns_uid),
            gid: Some(creds.userns_gid),
            ns: Some(Namespace {
                inum: creds.userns_inum,
                is_host: creds.userns_level == 0,
            }),
        }),
    }
}

fn capabilities(c: &Creds) -> Capabilities {
    let set = |bits: u64| -> Vec<i32> { (0..=40).filter(|b| bits & (1u64 << b) != 0).collect() };
    Capabilities {
        permitted: set(c.cap_permitted),
        effective: set(c.cap_effective),
        inheritable: set(c.cap_inheritable),
    }
}

fn securebits(bits: u32) -> Vec<i32> {
    (0..8)
        .map(|b| 1i32 << b)
        .filter(|v| bits & (*v as u32) != 0)
        .collect()
}

fn namespaces(ns: &Namespaces, host: &Namespaces) -> auspex_events::tetragon::Namespaces {
    let one = |inum: u32, host: u32| {
        Some(Namespace {
            inum,
            is_host: inum != 0 && inum == host,
        })
    };
    auspex_events::tetragon::Namespaces {
        uts: one(ns.uts, host.uts),
        ipc: one(ns.ipc, host.ipc),
        mnt: one(ns.mnt, host.mnt),
        pid: one(ns.pid, host.pid),
        pid_for_children: one(ns.pid_for_children, host.pid_for_children),
        net: one(ns.net, host.net),
        time: one(ns.time, host.time),
        time_for_children: one(ns.time_for_children, host.time_for_children),
        cgroup: one(ns.cgroup, host.cgroup),
        user: one(ns.user, host.user),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_binary_is_joined_with_cwd() {
        assert_eq!(absolute_binary("/bin/echo", "/tmp"), "/bin/echo");
        assert_eq!(absolute_binary("./run.sh", "/tmp/x"), "/tmp/x/run.sh");
        assert_eq!(absolute_binary("../bin/t", "/tmp/x"), "/tmp/bin/t");
        assert_eq!(absolute_binary("t", "/"), "/t");
    }

    #[test]
    fn args_split_on_nul() {
        assert_eq!(
            split_args(b"echo\0a b\0c\0"),
            vec![&b"echo"[..], b"a b", b"c"]
        );
        assert_eq!(split_args(b""), Vec::<&[u8]>::new());
        assert_eq!(split_args(b"x\0\0y\0"), vec![&b"x"[..], b"", b"y"]);
    }

    /// Capability sets in hex (16 digits) and a bpf_attr record, from the argument bytes the
    /// kernel sends.
    #[test]
    fn capability_sets_and_bpf_objects_render_like_tetragon() {
        use auspex_events::tetragon::kprobe_argument::Arg;
        use auspex_policy::compile::{ArgRead, ArgRender, CompiledArg};
        let spec = |read, render| CompiledArg::new(0, 8, read, render);
        let caps = decode_args(
            &[spec(ArgRead::Uint, ArgRender::CapEffective)],
            &0x1ff_ffff_ffffu64.to_ne_bytes(),
        );
        assert_eq!(
            caps[0].arg,
            Some(Arg::CapEffectiveArg("000001ffffffffff".into()))
        );
        let mut info = auspex_bpf::abi::BpfProgInfo {
            prog_type: 2,
            insn_cnt: 42,
            ..Default::default()
        };
        info.name[..5].copy_from_slice(b"probe");
        let bytes = auspex_bpf::abi::as_bytes(&info);
        let mut raw = (bytes.len() as u32).to_ne_bytes().to_vec();
        raw.extend_from_slice(bytes);
        let attr = decode_args(&[spec(ArgRead::BpfAttr, ArgRender::BpfAttr)], &raw);
        assert_eq!(
            attr[0].arg,
            Some(Arg::BpfAttrArg(auspex_events::tetragon::KprobeBpfAttr {
                prog_type: "BPF_PROG_TYPE_KPROBE".into(),
                insn_cnt: 42,
                prog_name: "probe".into(),
            }))
        );
        assert_eq!(perf_event_type(2), "PERF_TYPE_TRACEPOINT");
        assert_eq!(perf_event_type(9), "9");
        assert_eq!(bpf_map_type(27), "BPF_MAP_TYPE_RINGBUF");
    }

    /// Kernel modules (`module`, `load_info`): name, signature verdict (absent when the kernel
    /// has no module signatures), the taint bits Tetragon names; JSON as Tetragon's.
    #[test]
    fn kernel_modules_render_with_taints_and_signature() {
        use auspex_events::tetragon::kprobe_argument::Arg;
        use auspex_policy::compile::{ArgRead, ArgRender, CompiledArg};
        let raw = |m: &auspex_bpf::abi::ModuleInfo| {
            let bytes = auspex_bpf::abi::as_bytes(m);
            let mut raw = (bytes.len() as u32).to_ne_bytes().to_vec();
            raw.extend_from_slice(bytes);
            raw
        };
        let mut m = auspex_bpf::abi::ModuleInfo {
            sig_ok: 0,
            // Forced rmmod (bit 3), OOT (12), unsigned (13), and bit 2 (CPU out of spec: not
            // a module taint).
            taints: (1 << 3) | (1 << 12) | (1 << 13) | (1 << 2),
            ..Default::default()
        };
        m.name[..5].copy_from_slice(b"dummy");
        for read in [ArgRead::Module, ArgRead::LoadInfo] {
            let a = decode_args(&[CompiledArg::new(0, 8, read, ArgRender::Module)], &raw(&m));
            let Some(Arg::ModuleArg(k)) = &a[0].arg else {
                panic!("{a:?}")
            };
            assert_eq!(k.name, "dummy");
            assert_eq!(k.signature_ok, Some(false));
            assert_eq!(k.tainted, vec![4, 4096, 8192]);
        }
        m.sig_ok = 2;
        m.taints = 0;
        let a = decode_args(
            &[CompiledArg::new(0, 8, ArgRead::Module, ArgRender::Module)],
            &raw(&m),
        );
        let ev = auspex_events::tetragon::KprobeArgument { ..a[0].clone() };
        let line = serde_json::to_string(&ev).expect("json");
        assert_eq!(line, r#"{"module_arg":{"name":"dummy"}}"#);
    }

    #[test]
    fn permission_strings_like_ls() {
        assert_eq!(permission_string(0o100644), "-rw-r--r--");
        assert_eq!(permission_string(0o041777), "drwxrwxrwt");
        assert_eq!(permission_string(0o104755), "-rwsr-xr-x");
        assert_eq!(permission_string(0o102644), "-rw-r-Sr--");
        assert_eq!(permission_string(0o120777), "lrwxrwxrwx");
        assert_eq!(permission_string(0o020620), "crw--w----");
    }

    #[test]
    fn capability_bits_become_enum_numbers() {
        let c = Creds {
            cap_effective: (1 << 0) | (1 << 21) | (1 << 40),
            ..Default::default()
        };
        assert_eq!(capabilities(&c).effective, vec![0, 21, 40]);
    }
}
