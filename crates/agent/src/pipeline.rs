//! The pipeline: kernel records in, finished events out. Owns the process cache and the event
//! builder; runs on one thread, so neither needs locking.
use std::sync::Arc;

use auspex_bpf::abi::{CloneEvent, ExitEvent, MAP_BINARY_MAX, ProcessEntry};
use auspex_events::tetragon::{ProcessExec, ProcessExit, get_events_response::Event};
use auspex_events::{flags, signal};

use crate::decode::{ExecRecord, GenericRecord, KernelEvent};
use crate::event_builder::EventBuilder;
use crate::export::EventSink;
use crate::policy_manager::PolicyRegistry;
use crate::process_cache::{ImageKey, ProcessCache};
use crate::procfs::ProcProcess;

/// Exited processes kept in the cache for events of their exit path (the kernel reports the exit
/// before exit_files closes the process's files and sockets).
const EXIT_GRACE: usize = 256;
use crate::stack_symbolizer::{StackSymbolizer, split_stacks};
use crate::stats::Counters;

/// Turns records into events and hands them to the sinks.
pub struct Pipeline {
    cache: ProcessCache,
    builder: EventBuilder,
    sinks: Vec<Box<dyn EventSink>>,
    counters: Arc<Counters>,
    ancestors: bool,
    policies: PolicyRegistry,
    actions: Option<crate::actions::ActionRunner>,
    stacks: StackSymbolizer,
    max_data: crate::max_data::MaxDataAssembler,
    /// Build ids of files seen by the loader sensor, by path.
    build_ids: BuildIdCache,
}

impl Pipeline {
    /// A pipeline with an empty cache.
    pub fn new(
        capacity: usize,
        builder: EventBuilder,
        sinks: Vec<Box<dyn EventSink>>,
        counters: Arc<Counters>,
        ancestors: bool,
        policies: PolicyRegistry,
    ) -> Self {
        Self {
            cache: ProcessCache::new(capacity).with_exit_grace(EXIT_GRACE),
            builder,
            sinks,
            counters,
            ancestors,
            policies,
            actions: None,
            stacks: StackSymbolizer::new(false),
            max_data: crate::max_data::MaxDataAssembler::default(),
            build_ids: BuildIdCache::default(),
        }
    }

    /// Reports raw addresses in stack traces (`--expose-stack-addresses`).
    pub fn expose_stack_addresses(&mut self, expose: bool) {
        self.stacks = StackSymbolizer::new(expose);
    }

    /// Performs GetUrl/DnsLookup actions of matching selectors with this runner.
    pub fn set_action_runner(&mut self, runner: crate::actions::ActionRunner) {
        self.actions = Some(runner);
    }

    /// Stops the action workers after their queue drained; returns their counters.
    pub fn finish_actions(&mut self) -> Option<Arc<crate::actions::ActionCounters>> {
        let runner = self.actions.take()?;
        let counters = runner.counters();
        drop(runner);
        Some(counters)
    }

    /// The process cache (read-only).
    pub fn cache(&self) -> &ProcessCache {
        &self.cache
    }

    /// The event builder (clock refresh).
    pub fn builder_mut(&mut self) -> &mut EventBuilder {
        &mut self.builder
    }

    /// Adds the processes found in /proc (sorted parents first) and returns the matching entries
    /// for the kernel's live-process map.
    pub fn seed(&mut self, procs: &[ProcProcess]) -> Vec<(u32, ProcessEntry)> {
        let ktime_of: std::collections::HashMap<u32, u64> =
            procs.iter().map(|p| (p.pid, p.ktime)).collect();
        let mut entries = Vec::with_capacity(procs.len());
        for pp in procs {
            let parent: ImageKey = (pp.ppid, ktime_of.get(&pp.ppid).copied().unwrap_or(1));
            let parent_id = self.builder.exec_id(parent.0, parent.1);
            let process = self.builder.process_from_proc(pp, parent_id);
            let parent_key = (parent.0 != 0).then_some(parent);
            self.cache.insert((pp.pid, pp.ktime), parent_key, process);
            if pp.kernel_thread {
                continue;
            }
            let mut e = ProcessEntry {
                flags: flags::PROCFS,
                nspid: pp.nspid,
                uid: pp.creds.uid,
                euid: pp.creds.euid,
                auid: pp.auid,
                cap_permitted: pp.creds.cap_permitted,
                cap_effective: pp.creds.cap_effective,
                cap_inheritable: pp.creds.cap_inheritable,
                ns: pp.ns,
                ..Default::default()
            };
            e.key.pid = pp.pid;
            e.key.ktime = pp.ktime;
            e.parent.pid = parent.0;
            e.parent.ktime = parent.1;
            let bin = pp.binary.as_bytes();
            let n = bin.len().min(MAP_BINARY_MAX - 1);
            e.binary[..n].copy_from_slice(&bin[..n]);
            e.binary_len = n as u32;
            entries.push((pp.pid, e));
        }
        entries
    }

    /// Handles one record.
    pub fn handle(&mut self, ev: KernelEvent) -> std::io::Result<()> {
        match ev {
            KernelEvent::Exec(rec) => self.exec(&rec),
            KernelEvent::Clone(c) => {
                self.clone_event(&c);
                Ok(())
            }
            KernelEvent::Exit(e) => self.exit(&e),
            KernelEvent::Generic(g) => self.generic(&g),
            KernelEvent::Data(d) => {
                self.max_data.add(&d);
                Ok(())
            }
        }
    }

    /// maxData arguments: the whole buffer the chunks brought in place of the captured head.
    fn fill_max_data(
        &mut self,
        specs: &[auspex_policy::compile::CompiledArg],
        args: &mut [auspex_events::tetragon::KprobeArgument],
        tid: u32,
        ktime: impl Fn(usize) -> u64,
    ) {
        use auspex_events::tetragon::{KprobeTruncatedBytes, kprobe_argument::Arg};
        use auspex_policy::compile::ArgRead;
        // `nop` arguments have no entry in `args`.
        let mut pos = 0;
        for (i, spec) in specs.iter().enumerate() {
            if spec.read == ArgRead::Nop {
                continue;
            }
            let slot = args.get_mut(pos);
            pos += 1;
            if !spec.max_data {
                continue;
            }
            let Some(slot) = slot else { break };
            let Some(Arg::TruncatedBytesArg(t)) = &slot.arg else {
                continue;
            };
            let orig_size = t.orig_size;
            let Some(buf) = self.max_data.take(tid, ktime(i), i as u32) else {
                continue;
            };
            if buf.len() < t.bytes_arg.len() {
                continue;
            }
            slot.arg = Some(if buf.len() as u64 >= orig_size {
                Arg::BytesArg(buf)
            } else {
                Arg::TruncatedBytesArg(KprobeTruncatedBytes {
                    bytes_arg: buf,
                    orig_size,
                })
            });
        }
    }

    fn generic(&mut self, g: &GenericRecord) -> std::io::Result<()> {
        use auspex_events::tetragon::{
            ProcessKprobe, ProcessLsm, ProcessTracepoint, ProcessUprobe, ProcessUsdt,
        };
        use auspex_policy::compile::HookEvent;

        let ev = &g.event;
        let policy_id = (ev.hook_id >> 16) as u16;
        let info = self
            .policies
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&policy_id)
            .cloned();
        let Some(info) = info else {
            // The policy was removed while its events were in flight.
            Counters::inc(&self.counters.generic_unknown_policy);
            return Ok(());
        };
        let Some(hook) = info.compiled.hooks.get((ev.hook_id & 0xffff) as usize) else {
            Counters::inc(&self.counters.decode_errors);
            return Ok(());
        };
        // A return probe's arguments end with the value returned and the return action.
        // A returned socket, credentials or string-shaped object (file, path, BPF map, …, in a
        // fixed-size slot) follows the trailer, then the returnCopy slot.
        use auspex_policy::compile::ReturnedObject;
        let returned_object = match hook
            .return_arg
            .as_ref()
            .and_then(|r| r.read.returned_object())
        {
            Some(ReturnedObject::Sock) => std::mem::size_of::<auspex_bpf::abi::SockInfo>(),
            Some(ReturnedObject::Cred) => std::mem::size_of::<auspex_bpf::abi::Creds>(),
            Some(ReturnedObject::Slot) => auspex_bpf::abi::RETURN_COPY_SLOT,
            None => 0,
        };
        let trailer_size = std::mem::size_of::<auspex_bpf::abi::ReturnTrailer>();
        let tail_size = trailer_size
            + returned_object
            + if hook.return_copy.is_some() {
                auspex_bpf::abi::RETURN_COPY_SLOT
            } else {
                0
            };
        let (arg_bytes, trailer, tail) = match g.args.len().checked_sub(tail_size) {
            Some(at) if ev.flags & auspex_bpf::abi::GENERIC_HAS_RETURN != 0 => (
                &g.args[..at],
                auspex_bpf::abi::read_struct::<auspex_bpf::abi::ReturnTrailer>(
                    &g.args[at..at + trailer_size],
                ),
                &g.args[at + trailer_size..],
            ),
            _ => (&g.args[..], None, &g.args[..0]),
        };
        let ret = trailer.map(|t| t.ret);
        // imaHash (LSM hooks, never with a return probe): the digest ends the arguments.
        let ima_size = std::mem::size_of::<auspex_bpf::abi::ImaTrailer>();
        let (arg_bytes, ima_hash) = match arg_bytes.len().checked_sub(ima_size) {
            Some(at) if ev.flags & auspex_bpf::abi::GENERIC_IMA_HASH != 0 => (
                &arg_bytes[..at],
                auspex_bpf::abi::read_struct::<auspex_bpf::abi::ImaTrailer>(&arg_bytes[at..])
                    .and_then(|t| t.render()),
            ),
            _ => (arg_bytes, None),
        };
        // After a returned object: the returnCopy buffer.
        let (tail, copy) = tail.split_at(tail.len().min(returned_object));
        let (arg_bytes, kernel_stack, user_stack) = split_stacks(arg_bytes, ev.flags);
        let mut args = crate::event_builder::decode_args(&hook.args, arg_bytes);
        if let Some(pos) = hook.return_copy.map(usize::from)
            && trailer.is_some()
            && let (Some(spec), Some(slot)) = (hook.args.get(pos), args.get_mut(pos))
            && let Some(v) =
                crate::event_builder::decode_args(std::slice::from_ref(spec), copy).pop()
        {
            // The buffer as the call left it, in place of the (empty) entry value.
            *slot = v;
        }
        // After the returnCopy value: a maxData one is completed like the others. Its chunks
        // went out at the return, those of the other arguments at entry (the trailer's time).
        let entry_ktime = trailer.map_or(ev.hdr.ktime, |t| t.entry_ktime);
        let chunk_time = |pos: usize| match hook.return_copy {
            Some(c) if usize::from(c) == pos => ev.hdr.ktime,
            _ => entry_ktime,
        };
        self.fill_max_data(&hook.args, &mut args, ev.tid, chunk_time);
        // `data` entries come last (never `nop`, so one rendered argument each).
        let data = args.split_off(args.len().saturating_sub(hook.data));
        let return_arg = match (&hook.return_arg, ret) {
            (Some(spec), Some(_)) if returned_object > 0 => {
                crate::event_builder::decode_args(std::slice::from_ref(spec), tail).pop()
            }
            (Some(spec), Some(v)) => Some(crate::event_builder::return_value(spec, v)),
            _ => None,
        };
        // User-space actions of the matching selector (the kernel did the rest).
        if let (Some(runner), Some(sel_id)) = (
            &self.actions,
            (ev.selector as usize)
                .checked_sub(1)
                .and_then(|i| hook.selectors.get(i)),
        ) && let Some(sel) = info.compiled.selectors.get(*sel_id as usize)
        {
            use auspex_policy::compile::action;
            // A return probe's event also carries its matchReturnActions.
            let at_return = trailer.is_some().then_some(&sel.return_actions);
            for a in sel.actions.iter().chain(at_return.into_iter().flatten()) {
                match (a.kind, &a.user_arg) {
                    (action::GETURL, Some(url)) => {
                        runner.submit(crate::actions::UserAction::GetUrl(url.clone()))
                    }
                    (action::DNSLOOKUP, Some(name)) => {
                        runner.submit(crate::actions::UserAction::DnsLookup(name.clone()))
                    }
                    _ => {}
                }
            }
        }
        let key = if ev.process.ktime != 0 {
            Some((ev.process.pid, ev.process.ktime)).filter(|k| self.cache.get(*k).is_some())
        } else {
            None
        }
        .or_else(|| self.cache.get_by_pid(ev.process.pid).map(|e| e.key));
        let (process, parent, ancestors) = match key.and_then(|k| self.cache.get(k)) {
            Some(entry) => {
                let parent = entry
                    .parent
                    .and_then(|k| self.cache.get(k))
                    .map(|p| p.message());
                let ancestors = if self.ancestors {
                    self.cache.ancestors(entry.key)
                } else {
                    Vec::new()
                };
                let mut p = entry.message();
                p.tid = Some(ev.tid);
                (p, parent, ancestors)
            }
            None => (
                self.builder.unknown_process(ev.process.pid, ev.tid),
                None,
                Vec::new(),
            ),
        };
        let action = crate::event_builder::kprobe_action(ev.action);
        let message = hook.message.clone().unwrap_or_default();
        let event = match &hook.event {
            HookEvent::Loader => {
                use auspex_events::tetragon::{ProcessLoader, kprobe_argument::Arg};
                let path = match args.first().and_then(|a| a.arg.as_ref()) {
                    Some(Arg::FileArg(f)) => f.path.clone(),
                    _ => String::new(),
                };
                Event::ProcessLoader(ProcessLoader {
                    process: Some(process),
                    buildid: self.build_ids.get(&path),
                    path,
                    parent,
                    ancestors,
                })
            }
            HookEvent::Kprobe { function_name } => Event::ProcessKprobe(ProcessKprobe {
                process: Some(process),
                parent,
                function_name: function_name.clone(),
                args,
                r#return: return_arg,
                // A hook that returns only for returnCopy has no return to report.
                return_action: match trailer {
                    Some(t) if hook.return_copy.is_none() || hook.return_arg.is_some() => {
                        crate::event_builder::kprobe_action(t.action)
                    }
                    _ => 0,
                },
                data,
                action,
                policy_name: info.name.clone(),
                message,
                tags: hook.tags.clone(),
                ancestors,
                kernel_stack_trace: self.stacks.kernel(&kernel_stack),
                // Frames of the thread that ran the hook, symbolized in its process's mappings.
                user_stack_trace: self.stacks.user(ev.process.pid, &user_stack),
                ..Default::default()
            }),
            HookEvent::Lsm { function_name } => Event::ProcessLsm(ProcessLsm {
                process: Some(process),
                parent,
                function_name: function_name.clone(),
                policy_name: info.name.clone(),
                message,
                args,
                action,
                tags: hook.tags.clone(),
                ancestors,
                ima_hash: ima_hash.clone().unwrap_or_default(),
                ..Default::default()
            }),
            HookEvent::Usdt {
                path,
                provider,
                name,
            } => Event::ProcessUsdt(ProcessUsdt {
                process: Some(process),
                parent,
                path: path.clone(),
                provider: provider.clone(),
                name: name.clone(),
                policy_name: info.name.clone(),
                message,
                args,
                tags: hook.tags.clone(),
                ancestors,
                action,
                ..Default::default()
            }),
            HookEvent::Uprobe {
                path,
                symbol,
                offset,
                ref_ctr_offset,
            } => Event::ProcessUprobe(ProcessUprobe {
                process: Some(process),
                parent,
                path: path.clone(),
                symbol: symbol.clone(),
                offset: *offset,
                ref_ctr_offset: *ref_ctr_offset,
                policy_name: info.name.clone(),
                message,
                args,
                r#return: return_arg,
                data,
                tags: hook.tags.clone(),
                ancestors,
                action,
                ..Default::default()
            }),
            HookEvent::Tracepoint { subsystem, event } => {
                Event::ProcessTracepoint(ProcessTracepoint {
                    process: Some(process),
                    parent,
                    subsys: subsystem.clone(),
                    event: event.clone(),
                    args,
                    policy_name: info.name.clone(),
                    action,
                    message,
                    tags: hook.tags.clone(),
                    ancestors,
                    ..Default::default()
                })
            }
        };
        let resp = self.builder.response(event, ev.hdr.ktime);
        self.emit(&resp)
    }

    /// Resolves a parent key sent by the kernel; ktime 0 means "only the pid is known".
    fn resolve(&self, pid: u32, ktime: u64) -> Option<ImageKey> {
        if pid == 0 {
            return None;
        }
        if ktime != 0 && self.cache.get((pid, ktime)).is_some() {
            return Some((pid, ktime));
        }
        if ktime == 0 {
            return self.cache.get_by_pid(pid).map(|e| e.key);
        }
        Some((pid, ktime))
    }

    fn exec(&mut self, rec: &ExecRecord) -> std::io::Result<()> {
        let ev = &rec.event;
        let parent_key = self.resolve(ev.parent.pid, ev.parent.ktime);
        let parent_id = match parent_key {
            Some((pid, ktime)) => self.builder.exec_id(pid, ktime),
            None => self.builder.exec_id(0, 1),
        };
        let process = self.builder.process_from_exec(rec, parent_id);
        let key = (ev.process.pid, ev.process.ktime);
        let parent = parent_key
            .and_then(|k| self.cache.get(k))
            .map(|p| p.message());
        self.cache.insert(key, parent_key, process.clone());
        let ancestors = if self.ancestors {
            self.cache.ancestors(key)
        } else {
            Vec::new()
        };
        let event = Event::ProcessExec(ProcessExec {
            process: Some(process),
            parent,
            ancestors,
        });
        let resp = self.builder.response(event, ev.hdr.ktime);
        self.emit(&resp)
    }

    fn clone_event(&mut self, c: &CloneEvent) {
        let parent_key = self.resolve(c.parent.pid, c.parent.ktime);
        let parent = parent_key
            .and_then(|k| self.cache.get(k))
            .map(|p| &p.process);
        let process = self.builder.process_from_clone(parent, c);
        self.cache
            .insert((c.process.pid, c.process.ktime), parent_key, process);
    }

    fn exit(&mut self, e: &ExitEvent) -> std::io::Result<()> {
        let key = match self.resolve(e.process.pid, e.process.ktime) {
            Some(k) if self.cache.get(k).is_some() => k,
            _ => {
                Counters::inc(&self.counters.exit_unknown);
                return Ok(());
            }
        };
        let Some(entry) = self.cache.get(key) else {
            return Ok(());
        };
        let parent_key = entry.parent;
        let parent = parent_key
            .and_then(|k| self.cache.get(k))
            .map(|p| p.message());
        let ancestors = if self.ancestors {
            self.cache.ancestors(key)
        } else {
            Vec::new()
        };
        let Some(process) = self.cache.exit(key) else {
            return Ok(());
        };
        let (status, sig) = signal::exit_status_and_signal(e.exit_code);
        let event = Event::ProcessExit(ProcessExit {
            process: Some(process),
            parent,
            signal: sig.unwrap_or_default().to_string(),
            status,
            time: Some(self.builder.timestamp(e.hdr.ktime)),
            ancestors,
        });
        let resp = self.builder.response(event, e.hdr.ktime);
        self.emit(&resp)
    }

    /// Marks gone the processes whose exit we never saw (lost record), so they can leave the cache.
    pub fn collect_lost_exits(&mut self, procfs: &std::path::Path) {
        for key in self.cache.alive_keys() {
            if !procfs.join(key.0.to_string()).exists() {
                self.cache.exit(key);
                Counters::inc(&self.counters.exit_lost);
            }
        }
    }

    fn emit(&mut self, resp: &auspex_events::tetragon::GetEventsResponse) -> std::io::Result<()> {
        for s in &mut self.sinks {
            s.emit(resp)?;
        }
        Counters::inc(&self.counters.events_emitted);
        Ok(())
    }

    /// Flushes every sink.
    pub fn flush(&mut self) -> std::io::Result<()> {
        for s in &mut self.sinks {
            s.flush()?;
        }
        Ok(())
    }

    /// Closes every sink (shutdown): flushes, and writes reports still waiting for an interval.
    pub fn close(&mut self) -> std::io::Result<()> {
        for s in &mut self.sinks {
            s.close()?;
        }
        Ok(())
    }
}

/// Build ids (ELF `NT_GNU_BUILD_ID` notes, read with blazesym) of the files the loader sensor
/// reports, by path. Read when first seen: a file replaced under the same path keeps its old id
/// until the cache is cleared (when full).
#[derive(Default)]
struct BuildIdCache {
    ids: std::collections::HashMap<String, Vec<u8>>,
}

impl BuildIdCache {
    const MAX: usize = 4096;

    fn get(&mut self, path: &str) -> Vec<u8> {
        if path.is_empty() {
            return Vec::new();
        }
        if let Some(id) = self.ids.get(path) {
            return id.clone();
        }
        if self.ids.len() >= Self::MAX {
            self.ids.clear();
        }
        let id = blazesym::helper::read_elf_build_id(&std::path::Path::new(path))
            .ok()
            .flatten()
            .map(|b| b.into_owned())
            .unwrap_or_default();
        self.ids.insert(path.to_string(), id.clone());
        id
    }
}
