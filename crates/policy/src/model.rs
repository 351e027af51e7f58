//! The TracingPolicy data model (`apiVersion: cilium.io/v1alpha1`).
//!
//! Field names, nesting and defaults follow Tetragon's CRD so that existing
//! policies load unchanged. Every struct rejects unknown keys. Values whose
//! vocabulary is closed (operators, actions, types, namespaces…) are kept as
//! the user wrote them (`String`) so that validation can report *all* bad
//! values at once, and so that serialising a policy gives back the user's
//! spelling; typed views are offered by accessor methods (`op()`, `kind()`,
//! `arg_type()`…) which return `Some` for every policy that passed validation.
//!
//! Maps are `BTreeMap`s so that serialisation is deterministic.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::names::{
    ActionKind, ArgType, CapabilitySet, HookKind, ListType, NamespaceKind, OverrideMethod,
    PolicyMode, RateLimitScope, SelectorOp,
};
use crate::values;

/// The only supported `apiVersion`.
pub const API_VERSION: &str = "cilium.io/v1alpha1";

fn is_false(b: &bool) -> bool {
    !*b
}

fn default_true() -> bool {
    true
}

fn index_unset() -> u32 {
    KProbeArg::INDEX_UNSET
}

fn is_index_unset(i: &u32) -> bool {
    *i == KProbeArg::INDEX_UNSET
}

impl KProbeArg {
    /// `index` left out.
    pub const INDEX_UNSET: u32 = u32::MAX;
}

fn default_auto() -> String {
    "auto".to_owned()
}

fn default_effective() -> String {
    "Effective".to_owned()
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}

/// The two policy kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PolicyKind {
    /// Cluster-wide policy (`kind: TracingPolicy`).
    TracingPolicy,
    /// Kubernetes-namespace-scoped policy (`kind: TracingPolicyNamespaced`).
    TracingPolicyNamespaced,
}

impl PolicyKind {
    /// Parses the `kind` string.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "TracingPolicy" => Some(Self::TracingPolicy),
            "TracingPolicyNamespaced" => Some(Self::TracingPolicyNamespaced),
            _ => None,
        }
    }

    /// The `kind` string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TracingPolicy => "TracingPolicy",
            Self::TracingPolicyNamespaced => "TracingPolicyNamespaced",
        }
    }
}

/// Where a policy was read from (not part of the YAML; not serialised).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicySource {
    /// File name given to the parser.
    pub file: String,
    /// 0-based YAML document index in the file.
    pub document: usize,
    /// 1-based line where the document starts.
    pub line: usize,
}

/// One TracingPolicy / TracingPolicyNamespaced object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TracingPolicy {
    /// Always [`API_VERSION`].
    pub api_version: String,
    /// Cluster or namespaced policy.
    pub kind: PolicyKind,
    /// Kubernetes object metadata.
    pub metadata: ObjectMeta,
    /// The policy itself.
    pub spec: TracingPolicySpec,
    /// Origin of the policy (file, document); filled in by the parser.
    #[serde(skip)]
    pub source: PolicySource,
}

/// The subset of Kubernetes `ObjectMeta` that may appear in a policy file.
/// Server-managed fields that `kubectl get -o yaml` prints are accepted so that
/// exported policies load; they carry no meaning for the agent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectMeta {
    /// Policy name (DNS-1123 subdomain). Identifies the policy in events and APIs.
    #[serde(default)]
    pub name: String,
    /// Kubernetes namespace (meaningful for `TracingPolicyNamespaced` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations (free-form; e.g. `description`, `author`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Server-managed / rarely used fields, accepted and kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate_name: Option<String>,
    #[allow(missing_docs)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    #[allow(missing_docs)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    #[allow(missing_docs)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
    #[allow(missing_docs)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<String>,
    #[allow(missing_docs)]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub finalizers: Vec<String>,
}

/// `spec` of a policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TracingPolicySpec {
    /// Kernel function hooks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kprobes: Vec<KProbeSpec>,
    /// Tracepoints (tracefs or raw).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tracepoints: Vec<TracepointSpec>,
    /// Emit ProcessLoader events.
    #[serde(default, skip_serializing_if = "is_false")]
    pub loader: bool,
    /// User-space function hooks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uprobes: Vec<UProbeSpec>,
    /// BPF-LSM hooks.
    #[serde(default, rename = "lsmhooks", skip_serializing_if = "Vec::is_empty")]
    pub lsm_hooks: Vec<LsmHookSpec>,
    /// USDT probes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub usdts: Vec<UsdtSpec>,
    /// Kernel function hooks attached with fentry/fexit (same schema as kprobes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fentries: Vec<KProbeSpec>,
    /// Kubernetes pods the policy applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_selector: Option<LabelSelector>,
    /// Containers the policy applies to (only key `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_selector: Option<LabelSelector>,
    /// Host selection: only `null` or `{}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_selector: Option<LabelSelector>,
    /// Nodes that load the policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<LabelSelector>,
    /// Named value lists, referenced as `list:NAME`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lists: Vec<ListSpec>,
    /// Syscalls where an enforcer program applies NotifyEnforcer decisions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enforcers: Vec<EnforcerSpec>,
    /// Per-policy options.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<OptionSpec>,
    /// Reusable selector fragments, referenced from a selector's `macros`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub selectors_macros: BTreeMap<String, KProbeSelector>,
}

/// A kprobe (also used for `fentries`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KProbeSpec {
    /// Function name, or `list:NAME` for one hook per list entry.
    pub call: String,
    /// Also hook the function return (needs `returnArg`).
    #[serde(default, rename = "return")]
    pub return_: bool,
    /// The function is a syscall (arch prefix added). Default **true**.
    #[serde(default = "default_true")]
    pub syscall: bool,
    /// Message copied into events (2–256 chars; longer is truncated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Function arguments to capture.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<KProbeArg>,
    /// Extra data (current task, registers) to capture.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<KProbeArg>,
    /// Return value to capture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_arg: Option<KProbeArg>,
    /// Action on the return value: `TrackSock` / `UntrackSock`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_arg_action: Option<String>,
    /// Selectors (OR, first match wins).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub selectors: Vec<KProbeSelector>,
    /// Tags copied into events (≤16).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Conditions under which the hook is silently skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore: Option<KProbeIgnore>,
}

/// `kprobes[].ignore`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KProbeIgnore {
    /// Do not fail when the function does not exist.
    #[serde(default)]
    pub call_not_found: bool,
}

/// An argument / data / return-value description.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KProbeArg {
    /// Position of the argument (for tracepoints: field index in the format file). Required on
    /// `args`; `data` entries and `returnArg` may leave it out ([`KProbeArg::INDEX_UNSET`]),
    /// as the field notes' `data` example does.
    #[serde(default = "index_unset", skip_serializing_if = "is_index_unset")]
    pub index: u32,
    /// Type name (§4.4). Default `auto`.
    #[serde(default = "default_auto", rename = "type")]
    pub type_: String,
    /// Dotted BTF path to follow from the argument (or register name for `pt_regs`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resolve: String,
    /// char_buf/char_iovec: 1-based index of the size argument (0 = none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub size_arg_index: u32,
    /// Read the buffer at function return.
    #[serde(default)]
    pub return_copy: bool,
    /// Read up to 327360 bytes instead of 4096.
    #[serde(default)]
    pub max_data: bool,
    /// Label copied into the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// `""` for function args; `current_task` or `pt_regs` for data entries.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// BTF type of the original argument (uprobes/usdts with `resolve`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub btf_type: Option<String>,
    /// Kernel module holding `btfType`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub btf_type_module: Option<String>,
}

/// A tracepoint (`raw: false`: tracefs format; `raw: true`: BTF raw tracepoint).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TracepointSpec {
    /// Subsystem (`raw_syscalls`, `sched`, …).
    pub subsystem: String,
    /// Event (`sys_enter`, …).
    pub event: String,
    /// Raw tracepoint with BTF-typed arguments.
    #[serde(default)]
    pub raw: bool,
    /// Message copied into events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Fields to capture.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<KProbeArg>,
    /// Selectors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub selectors: Vec<KProbeSelector>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// A BPF-LSM hook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LsmHookSpec {
    /// Hook name without the `security_` prefix (`file_open`).
    pub hook: String,
    /// Message copied into events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Arguments to capture.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<KProbeArg>,
    /// Selectors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub selectors: Vec<KProbeSelector>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// A user-space probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UProbeSpec {
    /// Binary or library path.
    pub path: String,
    /// BTF file describing the binary's types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub btf_path: Option<String>,
    /// Symbols to hook (one of symbols / offsets / addrs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub symbols: Vec<String>,
    /// File offsets to hook.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offsets: Vec<u64>,
    /// Virtual addresses to hook.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addrs: Vec<u64>,
    /// Reference-counter (semaphore) offsets, one per symbol/offset.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ref_ctr_offsets: Vec<u64>,
    /// Message copied into events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Selectors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub selectors: Vec<KProbeSelector>,
    /// Arguments to capture.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<KProbeArg>,
    /// Extra data to capture.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<KProbeArg>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Also hook the function return (needs `returnArg`).
    #[serde(default, rename = "return")]
    pub return_: bool,
    /// Return value to capture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_arg: Option<KProbeArg>,
    /// Attach only if the binary's digest is one of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub binary_digests: Vec<String>,
    /// Conditions under which the hook is silently skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore: Option<UProbeIgnore>,
}

/// `uprobes[].ignore`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UProbeIgnore {
    /// Do not fail when the digest does not match.
    #[serde(default)]
    pub digest_verification_failure: bool,
}

/// A USDT probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UsdtSpec {
    /// Binary path.
    pub path: String,
    /// BTF file describing the binary's types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub btf_path: Option<String>,
    /// USDT provider.
    pub provider: String,
    /// USDT probe name.
    pub name: String,
    /// Tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Message copied into events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Arguments to capture.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<KProbeArg>,
    /// Selectors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub selectors: Vec<KProbeSelector>,
}

/// One selector: filters ANDed together, plus actions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KProbeSelector {
    /// Name shown in stats/metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// PID filters.
    #[serde(default, rename = "matchPIDs", skip_serializing_if = "Vec::is_empty")]
    pub match_pids: Vec<PidSelector>,
    /// Argument filters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_args: Vec<ArgSelector>,
    /// Data filters (index into `data`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_data: Vec<ArgSelector>,
    /// Actions when the selector matches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_actions: Vec<ActionSelector>,
    /// Return-value filters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_return_args: Vec<ArgSelector>,
    /// Actions at function return.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_return_actions: Vec<ActionSelector>,
    /// Binary filter (at most one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_binaries: Vec<BinarySelector>,
    /// Parent binary filter (at most one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_parent_binaries: Vec<BinarySelector>,
    /// Namespace filters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_namespaces: Vec<NamespaceSelector>,
    /// Namespace-change filter (at most one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_namespace_changes: Vec<NamespaceChangesSelector>,
    /// Capability filters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_capabilities: Vec<CapabilitiesSelector>,
    /// Capability-change filters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_capability_changes: Vec<CapabilitiesSelector>,
    /// Per-selector Kubernetes workload scoping.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_workloads: Vec<WorkloadSelector>,
    /// Names of `spec.selectorsMacros` entries merged into this selector.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub macros: Vec<String>,
}

/// `matchPIDs[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PidSelector {
    /// `In` / `NotIn`.
    pub operator: String,
    /// PIDs.
    #[serde(default)]
    pub values: Vec<u32>,
    /// PIDs are namespace PIDs.
    #[serde(default, rename = "isNamespacePID")]
    pub is_namespace_pid: bool,
    /// Also match descendants.
    #[serde(default)]
    pub follow_forks: bool,
}

/// `matchArgs[]`, `matchData[]`, `matchReturnArgs[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ArgSelector {
    /// Argument index (as in `args[].index`).
    #[serde(default)]
    pub index: u32,
    /// Positions in the spec's `args` (or `data`) list; when present they take
    /// precedence over `index` (CapabilitiesGained uses two).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<u32>,
    /// Operator (§4.6).
    pub operator: String,
    /// Operands.
    #[serde(default)]
    pub values: Vec<String>,
}

/// `matchActions[]`, `matchReturnActions[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActionSelector {
    /// Action name (case-insensitive).
    pub action: String,
    /// GetUrl: URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arg_url: Option<String>,
    /// DnsLookup: FQDN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arg_fqdn: Option<String>,
    /// Override / NotifyEnforcer: error value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arg_error: Option<i32>,
    /// Signal / NotifyEnforcer: signal number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arg_sig: Option<u32>,
    /// TrackSock / UntrackSock: argument index of the socket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arg_sock: Option<u32>,
    /// Set: argument index to write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arg_index: Option<u32>,
    /// Set: value to write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arg_value: Option<u32>,
    /// Uprobe Override: register assignments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arg_regs: Vec<String>,
    /// Uprobe Override: call this symbol instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arg_new_symbol: Option<String>,
    /// Uprobe Override: call this address instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arg_new_addr: Option<u64>,
    /// Uprobe Override: call this offset instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arg_new_offset: Option<i64>,
    /// Post: rate limit (`30`, `5s`, `1m`, `2h`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<String>,
    /// Post: `thread` (default), `process` or `global`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_scope: Option<String>,
    /// Post: attach the kernel stack trace.
    #[serde(default, skip_serializing_if = "is_false")]
    pub kernel_stack_trace: bool,
    /// Post: attach the user stack trace.
    #[serde(default, skip_serializing_if = "is_false")]
    pub user_stack_trace: bool,
    /// Post: attach the IMA hash (LSM hooks).
    #[serde(default, skip_serializing_if = "is_false")]
    pub ima_hash: bool,
}

/// `matchBinaries[]`, `matchParentBinaries[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BinarySelector {
    /// In / NotIn / Prefix / NotPrefix / Postfix / NotPostfix.
    pub operator: String,
    /// Binary paths.
    #[serde(default)]
    pub values: Vec<String>,
    /// Also match children of matching binaries.
    #[serde(default)]
    pub follow_children: bool,
}

/// `matchNamespaces[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NamespaceSelector {
    /// Namespace kind (`Pid`, `Mnt`, …).
    pub namespace: String,
    /// In / NotIn.
    pub operator: String,
    /// Namespace inode numbers or `host_ns`.
    #[serde(default)]
    pub values: Vec<String>,
}

/// `matchNamespaceChanges[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NamespaceChangesSelector {
    /// In / NotIn.
    pub operator: String,
    /// Namespace kinds.
    #[serde(default)]
    pub values: Vec<String>,
}

/// `matchCapabilities[]`, `matchCapabilityChanges[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CapabilitiesSelector {
    /// Effective (default) / Inheritable / Permitted.
    #[serde(default = "default_effective", rename = "type")]
    pub type_: String,
    /// In / NotIn.
    pub operator: String,
    /// Capabilities are relative to the user namespace.
    #[serde(default)]
    pub is_namespace_capability: bool,
    /// `CAP_*` names.
    #[serde(default)]
    pub values: Vec<String>,
}

/// `matchWorkloads[]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkloadSelector {
    /// Pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_selector: Option<LabelSelector>,
    /// Containers (key `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_selector: Option<LabelSelector>,
    /// Host (`{}` or null).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_selector: Option<LabelSelector>,
}

/// A Kubernetes label selector. `None` vs `Some(empty)` is kept because
/// `hostSelector` distinguishes them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LabelSelector {
    /// Exact label matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_labels: Option<BTreeMap<String, String>>,
    /// Set-based requirements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_expressions: Option<Vec<LabelSelectorRequirement>>,
}

/// One `matchExpressions` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LabelSelectorRequirement {
    /// Label key.
    pub key: String,
    /// In / NotIn / Exists / DoesNotExist.
    pub operator: String,
    /// Values (for In / NotIn).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

/// `spec.lists[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListSpec {
    /// Name used in `list:NAME`.
    pub name: String,
    /// Values (none for generated lists).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// `""`, `syscalls`, `generated_syscalls`, `generated_ftrace`.
    #[serde(default, rename = "type")]
    pub type_: String,
    /// generated_ftrace: regex over available_filter_functions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Values were already validated (skip kernel checks).
    #[serde(default)]
    pub validated: bool,
}

/// `spec.enforcers[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnforcerSpec {
    /// Syscalls (or `list:NAME`) where the enforcer runs.
    pub calls: Vec<String>,
}

/// `spec.options[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OptionSpec {
    /// Option name (unknown names are ignored, as in Tetragon).
    pub name: String,
    /// Option value.
    #[serde(default)]
    pub value: String,
}

/// Typed view of `spec.options` (known options only; defaults when absent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyOptions {
    /// `disable-kprobe-multi`.
    pub disable_kprobe_multi: bool,
    /// `disable-uprobe-multi`.
    pub disable_uprobe_multi: bool,
    /// `override-method`.
    pub override_method: Option<OverrideMethod>,
    /// `policy-mode`.
    pub policy_mode: Option<PolicyMode>,
    /// `sleepable-preload-size`.
    pub sleepable_preload_size: Option<u64>,
}

/// Parses a boolean like Go's `strconv.ParseBool`.
pub fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Accessors
// ---------------------------------------------------------------------------

impl TracingPolicy {
    /// `metadata.name`.
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// Kubernetes namespace the policy is scoped to: `Some` only for a
    /// `TracingPolicyNamespaced` whose metadata names one.
    pub fn namespace(&self) -> Option<&str> {
        match self.kind {
            PolicyKind::TracingPolicyNamespaced => self.metadata.namespace.as_deref(),
            PolicyKind::TracingPolicy => None,
        }
    }

    /// `true` if some selector uses an enforcement action (Sigkill, Signal,
    /// Override, NotifyEnforcer, Set). Without one the policy runs `monitor_only`.
    pub fn has_enforcement_actions(&self) -> bool {
        self.spec.has_enforcement_actions()
    }

    /// Effective mode: the `policy-mode` option, else `Enforce`. (Policies without
    /// enforcement actions behave as monitor-only whatever the mode.)
    pub fn policy_mode(&self) -> PolicyMode {
        self.spec
            .parsed_options()
            .policy_mode
            .unwrap_or(PolicyMode::Enforce)
    }
}

impl TracingPolicySpec {
    /// Hook sections that are non-empty, in a fixed order.
    pub fn hook_kinds(&self) -> Vec<HookKind> {
        let mut v = Vec::new();
        if !self.kprobes.is_empty() {
            v.push(HookKind::Kprobe);
        }
        if !self.tracepoints.is_empty() {
            v.push(HookKind::Tracepoint);
        }
        if !self.lsm_hooks.is_empty() {
            v.push(HookKind::LsmHook);
        }
        if !self.uprobes.is_empty() {
            v.push(HookKind::Uprobe);
        }
        if !self.usdts.is_empty() {
            v.push(HookKind::Usdt);
        }
        if !self.fentries.is_empty() {
            v.push(HookKind::Fentry);
        }
        v
    }

    /// The hook section kind used by the policy (a valid policy has at most one).
    pub fn hook_kind(&self) -> Option<HookKind> {
        self.hook_kinds().first().copied()
    }

    /// Looks a list up by name.
    pub fn list(&self, name: &str) -> Option<&ListSpec> {
        self.lists.iter().find(|l| l.name == name)
    }

    /// Looks a selectors macro up by name.
    pub fn selectors_macro(&self, name: &str) -> Option<&KProbeSelector> {
        self.selectors_macros.get(name)
    }

    /// Value of an option by name (last occurrence wins).
    pub fn option(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|o| o.name == name)
            .map(|o| o.value.as_str())
    }

    /// Typed view of the known options (invalid values are treated as absent;
    /// validation reports them).
    pub fn parsed_options(&self) -> PolicyOptions {
        let mut o = PolicyOptions::default();
        if let Some(v) = self.option("disable-kprobe-multi").and_then(parse_go_bool) {
            o.disable_kprobe_multi = v;
        }
        if let Some(v) = self.option("disable-uprobe-multi").and_then(parse_go_bool) {
            o.disable_uprobe_multi = v;
        }
        o.override_method = match self.option("override-method") {
            Some("override-return") => Some(OverrideMethod::OverrideReturn),
            Some("fmod-ret") => Some(OverrideMethod::FmodRet),
            _ => None,
        };
        o.policy_mode = match self.option("policy-mode") {
            Some("enforce") => Some(PolicyMode::Enforce),
            Some("monitor") => Some(PolicyMode::Monitor),
            _ => None,
        };
        o.sleepable_preload_size = self
            .option("sleepable-preload-size")
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|v| *v > 0);
        o
    }

    /// A selector with the filters and actions of its `macros` appended (in
    /// the order the macros are named), `macros` cleared. Unknown macro names
    /// are skipped (validation reports them).
    pub fn expand_selector(&self, sel: &KProbeSelector) -> KProbeSelector {
        let mut out = sel.clone();
        out.macros.clear();
        for name in &sel.macros {
            if let Some(m) = self.selectors_macros.get(name) {
                out.match_pids.extend(m.match_pids.iter().cloned());
                out.match_args.extend(m.match_args.iter().cloned());
                out.match_data.extend(m.match_data.iter().cloned());
                out.match_actions.extend(m.match_actions.iter().cloned());
                out.match_return_args
                    .extend(m.match_return_args.iter().cloned());
                out.match_return_actions
                    .extend(m.match_return_actions.iter().cloned());
                out.match_binaries.extend(m.match_binaries.iter().cloned());
                out.match_parent_binaries
                    .extend(m.match_parent_binaries.iter().cloned());
                out.match_namespaces
                    .extend(m.match_namespaces.iter().cloned());
                out.match_namespace_changes
                    .extend(m.match_namespace_changes.iter().cloned());
                out.match_capabilities
                    .extend(m.match_capabilities.iter().cloned());
                out.match_capability_changes
                    .extend(m.match_capability_changes.iter().cloned());
                out.match_workloads
                    .extend(m.match_workloads.iter().cloned());
                if out.label.is_none() {
                    out.label.clone_from(&m.label);
                }
            }
        }
        out
    }

    /// Every selector of every hook (not macros), in document order.
    pub fn hook_selectors(&self) -> impl Iterator<Item = &KProbeSelector> {
        self.kprobes
            .iter()
            .chain(self.fentries.iter())
            .flat_map(|k| k.selectors.iter())
            .chain(self.tracepoints.iter().flat_map(|t| t.selectors.iter()))
            .chain(self.lsm_hooks.iter().flat_map(|l| l.selectors.iter()))
            .chain(self.uprobes.iter().flat_map(|u| u.selectors.iter()))
            .chain(self.usdts.iter().flat_map(|u| u.selectors.iter()))
    }

    /// `true` if some (macro-expanded) selector uses an enforcement action.
    pub fn has_enforcement_actions(&self) -> bool {
        self.hook_selectors().any(|s| {
            let s = self.expand_selector(s);
            s.match_actions
                .iter()
                .chain(s.match_return_actions.iter())
                .any(|a| a.kind().is_some_and(ActionKind::is_enforcement))
        })
    }
}

impl KProbeSpec {
    /// The list name when `call` is `list:NAME`.
    pub fn call_list(&self) -> Option<&str> {
        values::list_reference(&self.call)
    }

    /// Parsed `returnArgAction`.
    pub fn return_arg_action_kind(&self) -> Option<ActionKind> {
        self.return_arg_action
            .as_deref()
            .and_then(ActionKind::parse)
    }
}

impl KProbeArg {
    /// An argument of the given index and type, other fields defaulted.
    pub fn new(index: u32, type_: &str) -> Self {
        Self {
            index,
            type_: type_.to_owned(),
            resolve: String::new(),
            size_arg_index: 0,
            return_copy: false,
            max_data: false,
            label: None,
            source: String::new(),
            btf_type: None,
            btf_type_module: None,
        }
    }

    /// Parsed type.
    pub fn arg_type(&self) -> Option<ArgType> {
        ArgType::parse(&self.type_)
    }
}

impl ArgSelector {
    /// Parsed operator.
    pub fn op(&self) -> Option<SelectorOp> {
        SelectorOp::parse(&self.operator)
    }
}

impl PidSelector {
    /// Parsed operator.
    pub fn op(&self) -> Option<SelectorOp> {
        SelectorOp::parse(&self.operator)
    }
}

impl BinarySelector {
    /// Parsed operator.
    pub fn op(&self) -> Option<SelectorOp> {
        SelectorOp::parse(&self.operator)
    }
}

impl NamespaceSelector {
    /// Parsed operator.
    pub fn op(&self) -> Option<SelectorOp> {
        SelectorOp::parse(&self.operator)
    }

    /// Parsed namespace kind.
    pub fn namespace_kind(&self) -> Option<NamespaceKind> {
        NamespaceKind::parse(&self.namespace)
    }
}

impl NamespaceChangesSelector {
    /// Parsed operator.
    pub fn op(&self) -> Option<SelectorOp> {
        SelectorOp::parse(&self.operator)
    }
}

impl CapabilitiesSelector {
    /// Parsed operator.
    pub fn op(&self) -> Option<SelectorOp> {
        SelectorOp::parse(&self.operator)
    }

    /// Parsed capability set.
    pub fn capability_set(&self) -> Option<CapabilitySet> {
        CapabilitySet::parse(&self.type_)
    }
}

impl ActionSelector {
    /// An action with only its name set.
    pub fn new(action: &str) -> Self {
        Self {
            action: action.to_owned(),
            arg_url: None,
            arg_fqdn: None,
            arg_error: None,
            arg_sig: None,
            arg_sock: None,
            arg_index: None,
            arg_value: None,
            arg_regs: Vec::new(),
            arg_new_symbol: None,
            arg_new_addr: None,
            arg_new_offset: None,
            rate_limit: None,
            rate_limit_scope: None,
            kernel_stack_trace: false,
            user_stack_trace: false,
            ima_hash: false,
        }
    }

    /// Parsed action.
    pub fn kind(&self) -> Option<ActionKind> {
        ActionKind::parse(&self.action)
    }

    /// `rateLimit` in milliseconds (None when absent or invalid).
    pub fn rate_limit_ms(&self) -> Option<u64> {
        self.rate_limit
            .as_deref()
            .and_then(values::parse_rate_limit_ms)
    }

    /// `rateLimitScope` (default `thread`).
    pub fn rate_limit_scope(&self) -> RateLimitScope {
        self.rate_limit_scope
            .as_deref()
            .and_then(RateLimitScope::parse)
            .unwrap_or_default()
    }
}

impl ListSpec {
    /// Parsed list type.
    pub fn list_type(&self) -> Option<ListType> {
        ListType::parse(&self.type_)
    }
}
