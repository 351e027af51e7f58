//! The Auspex agent: loads the BPF sensors, reads their ring buffer, keeps the process cache and
//! turns kernel records into Tetragon-compatible events for the exporters.
//!
//! Data flow (see `docs/architecture.md`):
//! `sensors` (load/attach) → `reader` (ring-buffer thread) → `decode` → `pipeline`
//! (`process_cache` + `event_builder`) → `export` sinks. `procfs` seeds the cache and the kernel's
//! live-process map at start-up; `features` probes the kernel first and explains what is missing.
//!
//! Library code logs with `tracing` only; the binary installs the subscriber.

pub mod actions;
pub mod agent;
pub mod clock;
pub mod config;
pub mod decode;
pub mod event_builder;
pub mod export;
pub mod features;
pub mod grpc;
pub mod kernel_types;
pub mod max_data;
pub mod metrics;
pub mod pipeline;
pub mod policy_manager;
pub mod process_cache;
pub mod procfs;
pub mod reader;
pub mod sensors;
pub mod stack_symbolizer;
pub mod stats;
pub mod tracefs;

pub use agent::{Agent, AgentError};
pub use config::AgentConfig;
