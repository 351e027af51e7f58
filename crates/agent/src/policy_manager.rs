//! Loaded TracingPolicies: validation → compilation against this kernel → one attached policy
//! sensor each. Adding is all or nothing; removing detaches the hooks and frees the policy's maps.
//! The [`PolicyRegistry`] lets the pipeline turn a hook id back into the policy's names and
//! argument layout.
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use auspex_policy::compile::{self, CompileError, CompiledPolicy};
use auspex_policy::model::TracingPolicy;

use crate::sensors::SensorError;
use crate::sensors::process::SharedMaps;
use crate::sensors::tracepoint::{AttachedTracepointPolicy, TracepointPolicySpec};
use crate::tracefs::Tracefs;

/// What the pipeline needs to render a policy's events.
#[derive(Debug)]
pub struct PolicyInfo {
    /// Policy name (`metadata.name`).
    pub name: String,
    /// The compiled policy (hooks, selectors, user-space action arguments).
    pub compiled: CompiledPolicy,
}

/// Policy id → info, shared with the pipeline thread.
pub type PolicyRegistry = Arc<RwLock<HashMap<u16, Arc<PolicyInfo>>>>;

/// Why a policy was not loaded. Nothing of it stays in the kernel.
#[derive(Debug, thiserror::Error)]
pub enum PolicyLoadError {
    /// Same name already loaded.
    #[error("policy {0:?} is already loaded")]
    Duplicate(String),
    /// Not expressible on this kernel / engine.
    #[error("policy {name:?} cannot be loaded on this kernel:\n{}", errors.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    Compile {
        /// Policy name.
        name: String,
        /// Every problem, with its field path.
        errors: Vec<CompileError>,
    },
    /// The kernel refused it.
    #[error("policy {name:?}: {source}")]
    Sensor {
        /// Policy name.
        name: String,
        /// Loader error.
        #[source]
        source: SensorError,
    },
    /// No more policy ids.
    #[error("too many policies loaded (65535)")]
    Full,
    /// No such policy.
    #[error("no policy named {0:?} is loaded")]
    NotFound(String),
    /// tracefs is missing.
    #[error(
        "tracefs is not mounted (needed to resolve tracepoints): mount -t tracefs tracefs /sys/kernel/tracing"
    )]
    NoTracefs,
}

/// A loaded policy, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyStatus {
    /// Name.
    pub name: String,
    /// Kernel-wide id.
    pub id: u16,
    /// Attached hooks.
    pub hooks: usize,
    /// Has enforcement actions.
    pub enforces: bool,
    /// Hooks attached (false after disable).
    pub enabled: bool,
    /// Enforcement off (Sigkill/Signal reported, not sent).
    pub monitor: bool,
    /// Kernel ids of its BPF programs.
    pub prog_ids: Vec<u32>,
    /// Action counters from the kernel, in `auspex_bpf::abi::policy_stat` order (post, signal,
    /// monitor_signal, override, monitor_override).
    pub counters: [u64; auspex_bpf::abi::policy_stat::MAX],
    /// Kernel memory of its own programs and maps (fdinfo `memlock`).
    pub kernel_memory_bytes: u64,
}

struct Loaded {
    id: u16,
    sensor: AttachedTracepointPolicy,
    enforces: bool,
    monitor: bool,
}

/// Owns the attached policies.
pub struct PolicyManager {
    shared: SharedMaps,
    kernel: Option<Tracefs>,
    registry: PolicyRegistry,
    loaded: BTreeMap<String, Loaded>,
    next_id: u16,
}

impl PolicyManager {
    /// A manager attaching into the process sensor's shared maps.
    pub fn new(shared: SharedMaps, kernel: Option<Tracefs>, registry: PolicyRegistry) -> Self {
        Self {
            shared,
            kernel,
            registry,
            loaded: BTreeMap::new(),
            next_id: 1,
        }
    }

    /// Compiles and attaches a validated policy.
    pub fn add(&mut self, policy: &TracingPolicy) -> Result<PolicyStatus, PolicyLoadError> {
        let name = policy.name().to_string();
        if self.loaded.contains_key(&name) {
            return Err(PolicyLoadError::Duplicate(name));
        }
        let kernel = self.kernel.as_ref().ok_or(PolicyLoadError::NoTracefs)?;
        let compiled =
            compile::compile(policy, kernel).map_err(|errors| PolicyLoadError::Compile {
                name: name.clone(),
                errors,
            })?;
        let id = self.allocate_id()?;
        let sensor = TracepointPolicySpec {
            policy_id: id,
            compiled: &compiled,
        }
        .load_and_attach(&self.shared)
        .map_err(|source| PolicyLoadError::Sensor {
            name: name.clone(),
            source,
        })?;
        let status = PolicyStatus {
            name: name.clone(),
            id,
            hooks: sensor.hooks(),
            enforces: compiled.enforces,
            enabled: true,
            monitor: compiled.monitor,
            prog_ids: sensor.prog_ids(),
            counters: sensor.action_counters(),
            kernel_memory_bytes: sensor.kernel_memory_bytes(),
        };
        self.registry
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(
                id,
                Arc::new(PolicyInfo {
                    name: name.clone(),
                    compiled: compiled.clone(),
                }),
            );
        self.loaded.insert(
            name,
            Loaded {
                id,
                sensor,
                enforces: compiled.enforces,
                monitor: compiled.monitor,
            },
        );
        Ok(status)
    }

    /// Detaches a policy and frees its maps.
    pub fn remove(&mut self, name: &str) -> Result<(), PolicyLoadError> {
        let loaded = self
            .loaded
            .remove(name)
            .ok_or_else(|| PolicyLoadError::NotFound(name.to_string()))?;
        drop(loaded.sensor);
        // Events already in the ring buffer still render until the registry entry goes.
        self.registry
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&loaded.id);
        Ok(())
    }

    /// Forgets the return-probe calls in flight of threads no longer in `procfs` (see
    /// [`AttachedTracepointPolicy::sweep_pending`]). Returns how many were removed.
    pub fn sweep_pending(&self, procfs: &std::path::Path) -> usize {
        let alive = |tid: u32| procfs.join(tid.to_string()).exists();
        self.loaded
            .values()
            .map(|l| l.sensor.sweep_pending(&alive))
            .sum()
    }

    /// Loaded policies, by name.
    pub fn list(&self) -> Vec<PolicyStatus> {
        self.loaded
            .iter()
            .map(|(name, l)| PolicyStatus {
                name: name.clone(),
                id: l.id,
                hooks: l.sensor.hooks(),
                enforces: l.enforces,
                enabled: l.sensor.is_enabled(),
                monitor: l.monitor,
                prog_ids: l.sensor.prog_ids(),
                counters: l.sensor.action_counters(),
                kernel_memory_bytes: l.sensor.kernel_memory_bytes(),
            })
            .collect()
    }

    fn loaded_mut(&mut self, name: &str) -> Result<&mut Loaded, PolicyLoadError> {
        self.loaded
            .get_mut(name)
            .ok_or_else(|| PolicyLoadError::NotFound(name.to_string()))
    }

    /// Switches a policy between enforce (`monitor == false`) and monitor mode.
    pub fn set_monitor(&mut self, name: &str, monitor: bool) -> Result<(), PolicyLoadError> {
        let l = self.loaded_mut(name)?;
        l.sensor
            .set_monitor(monitor)
            .map_err(|source| PolicyLoadError::Sensor {
                name: name.to_string(),
                source,
            })?;
        l.monitor = monitor;
        Ok(())
    }

    /// Detaches a policy's hooks, keeping it loaded.
    pub fn disable(&mut self, name: &str) -> Result<(), PolicyLoadError> {
        let l = self.loaded_mut(name)?;
        l.sensor.disable();
        Ok(())
    }

    /// Re-attaches a disabled policy.
    pub fn enable(&mut self, name: &str) -> Result<(), PolicyLoadError> {
        let l = self.loaded_mut(name)?;
        l.sensor.enable().map_err(|source| PolicyLoadError::Sensor {
            name: name.to_string(),
            source,
        })
    }

    fn allocate_id(&mut self) -> Result<u16, PolicyLoadError> {
        let used: Vec<u16> = self.loaded.values().map(|l| l.id).collect();
        for _ in 0..u16::MAX {
            let id = self.next_id;
            self.next_id = self.next_id.checked_add(1).unwrap_or(1);
            if id != 0 && !used.contains(&id) {
                return Ok(id);
            }
        }
        Err(PolicyLoadError::Full)
    }
}
