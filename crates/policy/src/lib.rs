//! `auspex-policy`: the TracingPolicy language of Auspex.
//!
//! Auspex loads the same policy files as Cilium Tetragon
//! (`apiVersion: cilium.io/v1alpha1`, kinds `TracingPolicy` and
//! `TracingPolicyNamespaced`). This crate is the pure-Rust front end for them:
//!
//! * [`model`] — serde types for every `spec` section (kprobes, tracepoints,
//!   lsmhooks, uprobes, usdts, fentries, lists, enforcers, options,
//!   selectorsMacros, pod/container/host/node selectors, loader). Parsing is
//!   strict (unknown keys are errors) and applies Tetragon's defaults
//!   (`syscall: true`, argument `type: auto`, `return: false`, capability
//!   `type: Effective`, …). The model is `Serialize` and deterministic so that
//!   the agent can store and list policies.
//! * [`names`] and [`values`] — the closed vocabularies (operators with all
//!   their accepted spellings, actions, argument types, namespaces, list types)
//!   and the parsers for selector values, with the numeric ids a selector
//!   compiler needs.
//! * Validation — everything decidable without a kernel: operators per filter
//!   kind and per argument type, action names and their required parameters,
//!   argument-index references, BPF limits, `list:` and macro references,
//!   rate limits, namespace and capability names, kind-specific rules. All
//!   problems of a file are reported together, each with the file, the field
//!   path as the user wrote it, the bad value and what is allowed
//!   ([`PolicyErrors`] / [`PolicyError`] / [`ErrorKind`]).
//! * [`compile`] — the selector compiler: a validated policy plus a
//!   [`compile::KernelView`] (tracepoint formats, hook kinds that attach,
//!   syscall numbers) → the contents of the policy-engine BPF maps, or every
//!   reason the in-kernel engine cannot enforce the policy faithfully, each
//!   with its field path. [`compile::reference`] evaluates compiled policies
//!   in pure Rust with the semantics the kernel programs implement.
//!
//! # YAML crate
//!
//! `serde_yaml` is unmaintained (archived in 2024). This crate uses
//! [`serde_norway`], a maintained fork with the same API and the same libyaml
//! based parser (dual MIT/Apache-2.0 like the rest of the workspace), together
//! with [`serde_path_to_error`] to name the field at fault in schema errors.
//! Multi-document files (`---`) are split here so that each document keeps
//! its own line numbers and non-policy documents (a Pod next to a policy, say)
//! can be skipped.
//!
//! # Example
//!
//! ```
//! let src = r#"
//! apiVersion: cilium.io/v1alpha1
//! kind: TracingPolicy
//! metadata:
//!   name: "fd-install"
//! spec:
//!   kprobes:
//!   - call: "fd_install"
//!     syscall: false
//!     args:
//!     - index: 0
//!       type: int
//!     - index: 1
//!       type: "file"
//!     selectors:
//!     - matchArgs:
//!       - index: 1
//!         operator: "Equal"
//!         values: ["/etc/passwd"]
//! "#;
//! let policies = auspex_policy::parse_str(src, "fd.yaml").unwrap();
//! assert_eq!(policies[0].name(), "fd-install");
//! assert!(!policies[0].spec.kprobes[0].syscall);
//!
//! let bad = src.replace("\"Equal\"", "\"Equals\"");
//! let errors = auspex_policy::parse_str(&bad, "fd.yaml").unwrap_err();
//! let e = &errors.errors()[0];
//! assert_eq!(e.path, "spec.kprobes[0].selectors[0].matchArgs[0].operator");
//! assert!(matches!(e.kind, auspex_policy::ErrorKind::UnknownOperator { .. }));
//! ```

#![warn(missing_docs)]

pub mod compile;
pub mod error;
pub mod model;
pub mod names;
mod parse;
mod validate;
pub mod values;

use std::path::Path;

pub use error::{ErrorKind, FieldPath, Location, PathSegment, PolicyError, PolicyErrors};
pub use model::{
    API_VERSION, ActionSelector, ArgSelector, BinarySelector, CapabilitiesSelector, EnforcerSpec,
    KProbeArg, KProbeIgnore, KProbeSelector, KProbeSpec, LabelSelector, LabelSelectorRequirement,
    ListSpec, LsmHookSpec, NamespaceChangesSelector, NamespaceSelector, ObjectMeta, OptionSpec,
    PidSelector, PolicyKind, PolicyOptions, PolicySource, TracepointSpec, TracingPolicy,
    TracingPolicySpec, UProbeIgnore, UProbeSpec, UsdtSpec, WorkloadSelector,
};
pub use names::{
    ActionKind, ArgClass, ArgType, CapabilitySet, HookKind, ListType, NamespaceKind,
    OverrideMethod, PolicyMode, RateLimitScope, SelectorOp,
};
pub use parse::{ParsedFile, SkippedDocument};
pub use validate::limits;

/// Parses and validates every TracingPolicy / TracingPolicyNamespaced document
/// of `src` (documents of other kinds are skipped). `file` is only used in
/// error messages. Fails with every problem found in the file.
pub fn parse_str(src: &str, file: &str) -> Result<Vec<TracingPolicy>, PolicyErrors> {
    parse::parse_documents(src, file).map(|p| p.policies)
}

/// Reads `path` and parses it like [`parse_str`].
pub fn load_file(path: &Path) -> Result<Vec<TracingPolicy>, PolicyErrors> {
    parse::load_documents(path).map(|p| p.policies)
}

/// Like [`parse_str`], but also reports the documents that were skipped
/// because they are not policies.
pub fn parse_documents(src: &str, file: &str) -> Result<ParsedFile, PolicyErrors> {
    parse::parse_documents(src, file)
}

/// Like [`load_file`], but also reports the skipped documents.
pub fn load_documents(path: &Path) -> Result<ParsedFile, PolicyErrors> {
    parse::load_documents(path)
}

/// Validates a policy built or modified in code (parsing already validates).
/// Error locations use the policy's [`PolicySource`].
pub fn validate(policy: &TracingPolicy) -> Result<(), PolicyErrors> {
    let location = Location {
        file: policy.source.file.clone(),
        document: policy.source.document,
        line: None,
        column: None,
        policy: Some(policy.metadata.name.clone()),
    };
    let errors = validate::validate_policy(policy, &location);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(PolicyErrors::new(errors))
    }
}
