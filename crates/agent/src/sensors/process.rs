//! The process sensor (`bpf/process.bpf.c`): exec, fork and exit tracepoints, the ring buffer and
//! the kernel's live-process map.
use std::mem::MaybeUninit;
use std::path::Path;

use auspex_bpf::abi::{self, ProcessEntry, as_bytes};
use auspex_bpf::process::{ProcessSkel, ProcessSkelBuilder};
use libbpf_rs::skel::{OpenSkel, SkelBuilder};
use libbpf_rs::{Link, MapCore, MapFlags, MapHandle, OpenObject};

use super::SensorError;

const NAME: &str = "process";

/// Sizes chosen by the agent before load.
#[derive(Debug, Clone)]
pub struct ProcessSensorSpec {
    /// Ring buffer bytes.
    pub ring_buffer_bytes: u32,
    /// Live-process map capacity.
    pub process_map_entries: u32,
    /// Custom BTF file for CO-RE (None: the running kernel's).
    pub btf: Option<std::path::PathBuf>,
}

/// Loaded (verified) but not yet attached.
pub struct LoadedProcessSensor {
    skel: ProcessSkel<'static>,
}

/// Attached: the tracepoints fire. Dropping it detaches them.
pub struct AttachedProcessSensor {
    skel: ProcessSkel<'static>,
    _links: Vec<Link>,
}

impl ProcessSensorSpec {
    /// Opens and loads the object (runs the verifier).
    pub fn load(&self) -> Result<LoadedProcessSensor, SensorError> {
        // The skeleton borrows its object storage for its whole life; the agent keeps the sensor
        // until exit, so the (small) storage is leaked once per load rather than made
        // self-referential.
        let storage: &'static mut MaybeUninit<OpenObject> =
            Box::leak(Box::new(MaybeUninit::uninit()));
        let mut builder = ProcessSkelBuilder::default();
        if let Some(btf) = &self.btf
            && btf != Path::new("/sys/kernel/btf/vmlinux")
        {
            builder
                .obj_builder
                .btf_custom_path(btf)
                .map_err(|source| SensorError::Open {
                    sensor: NAME,
                    source,
                })?;
        }
        let mut open = builder.open(storage).map_err(|source| SensorError::Open {
            sensor: NAME,
            source,
        })?;
        let cpus = super::possible_cpus();
        let maps = &mut open.maps;
        maps.auspex_events
            .set_max_entries(self.ring_buffer_bytes)
            .and_then(|_| {
                maps.auspex_processes
                    .set_max_entries(self.process_map_entries)
            })
            .and_then(|_| maps.auspex_exec_heap.set_max_entries(cpus))
            .map_err(|source| SensorError::Open {
                sensor: NAME,
                source,
            })?;
        let skel = open.load().map_err(|source| SensorError::Load {
            sensor: NAME,
            source,
        })?;
        Ok(LoadedProcessSensor { skel })
    }
}

impl LoadedProcessSensor {
    /// Attaches exec, fork and exit. All or nothing: on error the links made so far are dropped.
    pub fn attach(self) -> Result<AttachedProcessSensor, SensorError> {
        let progs = &self.skel.progs;
        let mut links = Vec::with_capacity(4);
        for (prog, name, hook) in [
            (
                &progs.auspex_exec,
                "auspex_exec",
                "tp_btf/sched_process_exec",
            ),
            (
                &progs.auspex_fork,
                "auspex_fork",
                "tp_btf/sched_process_fork",
            ),
            (
                &progs.auspex_exit,
                "auspex_exit",
                "tp_btf/sched_process_exit",
            ),
            (
                &progs.auspex_free,
                "auspex_free",
                "tp_btf/sched_process_free",
            ),
        ] {
            let link = prog.attach().map_err(|source| SensorError::Attach {
                sensor: NAME,
                prog: name,
                hook,
                source,
            })?;
            links.push(link);
        }
        Ok(AttachedProcessSensor {
            skel: self.skel,
            _links: links,
        })
    }
}

/// Outcome of seeding the live-process map.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    /// Entries written.
    pub inserted: usize,
    /// Entries the kernel already had (a newer exec or fork won).
    pub already_present: usize,
    /// Entries that did not fit or failed.
    pub failed: usize,
}

/// Owned handles on the maps every sensor shares with the process sensor.
pub struct SharedMaps {
    /// The ring buffer.
    pub events: MapHandle,
    /// The live-process map.
    pub processes: MapHandle,
    /// Loss counters.
    pub stats: MapHandle,
}

impl AttachedProcessSensor {
    /// Handles on the ring buffer, live-process map and counters, for the policy sensors.
    pub fn shared_maps(&self) -> Result<SharedMaps, SensorError> {
        let m = &self.skel.maps;
        let handle = |map: &libbpf_rs::Map<'_>, name: &'static str| {
            MapHandle::try_from(map).map_err(|source| SensorError::Map {
                sensor: NAME,
                map: name,
                source,
            })
        };
        Ok(SharedMaps {
            events: handle(&m.auspex_events, "auspex_events")?,
            processes: handle(&m.auspex_processes, "auspex_processes")?,
            stats: handle(&m.auspex_stats, "auspex_stats")?,
        })
    }

    /// An owned handle on the ring buffer, for the reader thread.
    pub fn ring_buffer(&self) -> Result<MapHandle, SensorError> {
        MapHandle::try_from(&self.skel.maps.auspex_events).map_err(|source| SensorError::Map {
            sensor: NAME,
            map: "auspex_events",
            source,
        })
    }

    /// Writes processes found in /proc into the live-process map, never overwriting what the
    /// kernel recorded since attach.
    pub fn seed_processes(&self, entries: &[(u32, ProcessEntry)]) -> SeedReport {
        let map = &self.skel.maps.auspex_processes;
        let mut report = SeedReport::default();
        for (tgid, entry) in entries {
            match map.update(&tgid.to_ne_bytes(), as_bytes(entry), MapFlags::NO_EXIST) {
                Ok(()) => report.inserted += 1,
                Err(e) if e.kind() == libbpf_rs::ErrorKind::AlreadyExists => {
                    report.already_present += 1
                }
                Err(_) => report.failed += 1,
            }
        }
        report
    }

    /// Kernel-side counters (summed over CPUs), indexed by `abi::stat`.
    pub fn kernel_counters(&self) -> [u64; abi::stat::MAX as usize] {
        let mut out = [0u64; abi::stat::MAX as usize];
        for (slot, value) in out.iter_mut().enumerate() {
            let key = (slot as u32).to_ne_bytes();
            if let Ok(Some(per_cpu)) = self
                .skel
                .maps
                .auspex_stats
                .lookup_percpu(&key, MapFlags::ANY)
            {
                *value = per_cpu
                    .iter()
                    .filter_map(|b| b.get(..8).and_then(|b| b.try_into().ok()))
                    .map(u64::from_ne_bytes)
                    .sum();
            }
        }
        out
    }

    /// Number of entries in the live-process map (walks the keys; for diagnostics and tests).
    pub fn process_map_len(&self) -> usize {
        self.skel.maps.auspex_processes.keys().count()
    }

    /// The live-process map entry of a tgid.
    pub fn process_entry(&self, tgid: u32) -> Option<ProcessEntry> {
        let bytes = self
            .skel
            .maps
            .auspex_processes
            .lookup(&tgid.to_ne_bytes(), MapFlags::ANY)
            .ok()??;
        abi::read_struct(&bytes)
    }
}
