//! Semantic validation of a deserialised policy.
//!
//! Everything that can be decided without a kernel is checked here, and every
//! problem is collected (validation never stops at the first error). Checks
//! that need the running kernel (does the function / tracepoint / LSM hook
//! exist, kernel-version dependent limits, BTF resolution) belong to the loader.
//!
//! Selectors are checked in two passes so that macros can be checked once on
//! their own and then again against each hook that uses them:
//! * a *static* pass on facts that do not depend on the hook (operator
//!   spelling for the filter kind, value syntax, action parameters);
//! * a *hook* pass on what depends on the hook's declared arguments (indexes,
//!   operator / argument-type compatibility, hook-specific action rules).
//!
//! Limits on counts are then applied to each selector with its macros merged.

use std::collections::HashSet;

use crate::error::{ErrorKind, FieldPath, Location, PolicyError};
use crate::model::{
    ActionSelector, ArgSelector, KProbeArg, KProbeSelector, KProbeSpec, LabelSelector, PolicyKind,
    TracingPolicy, TracingPolicySpec, parse_go_bool,
};
use crate::names::{
    ActionKind, ArgClass, ArgType, CapabilitySet, HookKind, ListType, NamespaceKind,
    RateLimitScope, SelectorOp, action_list, op_list,
};
use crate::values;

/// Limits of §4.10 (BPF-bounded). Kernel-version dependent limits use the
/// value of the most capable kernels; the loader re-checks on older ones.
pub mod limits {
    /// Selectors per hook.
    pub const SELECTORS_PER_HOOK: usize = 5;
    /// Actions per selector (matchActions, and separately matchReturnActions).
    pub const ACTIONS_PER_SELECTOR: usize = 3;
    /// matchArgs + matchData filters per selector (kernels ≥ 5.3).
    pub const ARG_FILTERS_PER_SELECTOR: usize = 5;
    /// matchReturnArgs filters per selector.
    pub const RETURN_ARG_FILTERS_PER_SELECTOR: usize = 5;
    /// Values of an integer Equal/NotEqual/GT/LT/Mask filter.
    pub const INT_VALUES: usize = 4;
    /// Ranges of an InRange/NotInRange filter.
    pub const RANGES: usize = 4;
    /// PIDs per matchPIDs entry.
    pub const PID_VALUES: usize = 4;
    /// matchNamespaces entries per selector (kernels ≥ 5.3).
    pub const NAMESPACE_FILTERS: usize = 10;
    /// Values per matchNamespaces entry.
    pub const NAMESPACE_VALUES: usize = 4;
    /// matchNamespaceChanges entries per selector.
    pub const NAMESPACE_CHANGES: usize = 1;
    /// matchBinaries (and matchParentBinaries) entries per selector.
    pub const BINARY_FILTERS: usize = 1;
    /// Longest binary path (bytes, NUL excluded).
    pub const BINARY_PATH_LEN: usize = 255;
    /// matchBinaries sections with followChildren per policy.
    pub const FOLLOW_CHILDREN_SECTIONS: usize = 64;
    /// Longest string for Equal/NotEqual on strings and paths (kernels ≥ 5.11).
    pub const STRING_EQUAL_LEN: usize = 4096;
    /// Longest Prefix/NotPrefix value.
    pub const PREFIX_LEN: usize = 256;
    /// Longest Postfix/NotPostfix value.
    pub const POSTFIX_LEN: usize = 127;
    /// Longest SubString value (must be < 100).
    pub const SUBSTRING_LEN: usize = 99;
    /// SubString values per policy.
    pub const SUBSTRINGS_PER_POLICY: usize = 100;
    /// CelExpr filters per policy.
    pub const CEL_EXPRS_PER_POLICY: usize = 8;
    /// args + data entries per hook.
    pub const ARGS_PER_HOOK: usize = 5;
    /// Highest function-argument index.
    pub const MAX_ARG_INDEX: u32 = 4;
    /// Tags per hook.
    pub const TAGS: usize = 16;
    /// Highest signal number.
    pub const MAX_SIGNAL: u32 = 64;
}

/// Validates one policy; returns every problem found (empty = valid).
pub(crate) fn validate_policy(policy: &TracingPolicy, location: &Location) -> Vec<PolicyError> {
    let mut v = Validator {
        loc: location.clone(),
        spec: &policy.spec,
        kind: policy.kind,
        errors: Vec::new(),
    };
    v.run(policy);
    // The same macro can be reached from several hooks: report each problem once.
    let mut seen = HashSet::new();
    v.errors
        .retain(|e| seen.insert((e.path.to_string(), e.kind.to_string())));
    v.errors
}

/// Which filter list an [`ArgSelector`] belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ArgFilterKind {
    Args,
    Data,
    Return,
}

impl ArgFilterKind {
    fn field(self) -> &'static str {
        match self {
            ArgFilterKind::Args => "matchArgs",
            ArgFilterKind::Data => "matchData",
            ArgFilterKind::Return => "matchReturnArgs",
        }
    }
}

/// What a hook declares, as needed by selector checks.
struct Hook<'a> {
    kind: HookKind,
    args: &'a [KProbeArg],
    data: &'a [KProbeArg],
    return_arg: Option<&'a KProbeArg>,
    /// `return: true` (kprobes, fentries, uprobes).
    has_return: bool,
}

impl Hook<'_> {
    fn supports_data(&self) -> bool {
        matches!(
            self.kind,
            HookKind::Kprobe | HookKind::Fentry | HookKind::Uprobe
        )
    }

    fn supports_return(&self) -> bool {
        matches!(
            self.kind,
            HookKind::Kprobe | HookKind::Fentry | HookKind::Uprobe
        )
    }
}

struct Validator<'a> {
    loc: Location,
    spec: &'a TracingPolicySpec,
    kind: PolicyKind,
    errors: Vec<PolicyError>,
}

fn spec_path() -> FieldPath {
    FieldPath::from_fields("spec")
}

fn describe_sig(sig: &[KProbeArg]) -> String {
    if sig.is_empty() {
        return "none".to_owned();
    }
    sig.iter()
        .map(|a| format!("index {} ({})", a.index, a.type_))
        .collect::<Vec<_>>()
        .join(", ")
}

fn abbreviate(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let head: String = s.chars().take(MAX).collect();
        format!("{head}…")
    }
}

fn is_symbol_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '$')
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `a.b[0].c` — identifiers, each optionally followed by `[N]` subscripts.
fn is_resolve_path(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|seg| {
            let (name, mut rest) = match seg.find('[') {
                Some(i) => (&seg[..i], &seg[i..]),
                None => (seg, ""),
            };
            if !is_identifier(name) {
                return false;
            }
            while !rest.is_empty() {
                let Some(close) = rest.find(']') else {
                    return false;
                };
                let inner = &rest[1..close];
                if !rest.starts_with('[')
                    || inner.is_empty()
                    || !inner.chars().all(|c| c.is_ascii_digit())
                {
                    return false;
                }
                rest = &rest[close + 1..];
            }
            true
        })
}

fn is_domain_name(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

/// Operators that apply to an argument class (`None` = any operator).
fn ops_for_class(class: ArgClass) -> Option<&'static [SelectorOp]> {
    use SelectorOp::*;
    Some(match class {
        ArgClass::Unknown => return None,
        ArgClass::Integer => &[
            Equal,
            NotEqual,
            Gt,
            Lt,
            Mask,
            InMap,
            NotInMap,
            InRange,
            NotInRange,
            CapabilitiesGained,
            CelExpr,
        ],
        ArgClass::Text => &[
            Equal,
            NotEqual,
            Prefix,
            NotPrefix,
            Postfix,
            NotPostfix,
            SubString,
            SubStringIgnCase,
            CelExpr,
        ],
        ArgClass::FilePath => &[
            Equal,
            NotEqual,
            Prefix,
            NotPrefix,
            Postfix,
            NotPostfix,
            SubString,
            SubStringIgnCase,
            FileType,
            NotFileType,
            CelExpr,
        ],
        ArgClass::Socket => &[
            SAddr,
            NotSAddr,
            DAddr,
            NotDAddr,
            SPort,
            NotSPort,
            DPort,
            NotDPort,
            SPortPriv,
            NotSPortPriv,
            DPortPriv,
            NotDPortPriv,
            Protocol,
            Family,
            State,
            CelExpr,
        ],
        ArgClass::Sockaddr => &[
            SAddr,
            NotSAddr,
            SPort,
            NotSPort,
            SPortPriv,
            NotSPortPriv,
            Family,
            CelExpr,
        ],
        ArgClass::SockaddrUn => &[Equal, NotEqual, Prefix, NotPrefix, Family, CelExpr],
        ArgClass::Opaque => &[],
    })
}

const LSM_ACTIONS: &[ActionKind] = &[
    ActionKind::Sigkill,
    ActionKind::Signal,
    ActionKind::NoPost,
    ActionKind::Override,
    ActionKind::Post,
];

impl<'a> Validator<'a> {
    fn err(&mut self, path: FieldPath, kind: ErrorKind) {
        self.errors.push(PolicyError {
            location: self.loc.clone(),
            path,
            kind,
        });
    }

    fn run(&mut self, policy: &TracingPolicy) {
        self.check_metadata(policy);
        let spec = self.spec;
        let sp = spec_path();

        let kinds = spec.hook_kinds();
        if kinds.len() > 1 {
            let names: Vec<_> = kinds.iter().map(|k| k.section()).collect();
            self.err(
                sp.clone(),
                ErrorKind::Conflict {
                    message: format!(
                        "a policy may use only one hook section, found {}",
                        names.join(", ")
                    ),
                },
            );
        }

        self.check_lists();
        self.check_enforcers();
        self.check_options();
        self.check_scoping();
        self.check_macros();

        for (i, k) in spec.kprobes.iter().enumerate() {
            self.check_kprobe(k, &sp.field("kprobes").index(i), HookKind::Kprobe);
        }
        for (i, k) in spec.fentries.iter().enumerate() {
            self.check_kprobe(k, &sp.field("fentries").index(i), HookKind::Fentry);
        }
        for (i, t) in spec.tracepoints.iter().enumerate() {
            let p = sp.field("tracepoints").index(i);
            for (field, value) in [("subsystem", &t.subsystem), ("event", &t.event)] {
                if !is_symbol_name(value) {
                    self.err(
                        p.field(field),
                        ErrorKind::InvalidValue {
                            value: value.clone(),
                            expected: format!("a tracepoint {field} name (letters, digits, _)"),
                        },
                    );
                }
            }
            self.check_message(t.message.as_deref(), &p.field("message"));
            self.check_tags(&t.tags, &p.field("tags"));
            self.check_args(&t.args, &[], &p, HookKind::Tracepoint);
            let hook = Hook {
                kind: HookKind::Tracepoint,
                args: &t.args,
                data: &[],
                return_arg: None,
                has_return: false,
            };
            self.check_selectors(&t.selectors, &p.field("selectors"), &hook);
        }
        for (i, l) in spec.lsm_hooks.iter().enumerate() {
            let p = sp.field("lsmhooks").index(i);
            if l.hook.starts_with("security_") {
                self.err(
                    p.field("hook"),
                    ErrorKind::InvalidValue {
                        value: l.hook.clone(),
                        expected: format!(
                            "an LSM hook name without the security_ prefix (e.g. {:?})",
                            &l.hook["security_".len()..]
                        ),
                    },
                );
            } else if !is_identifier(&l.hook) {
                self.err(
                    p.field("hook"),
                    ErrorKind::InvalidValue {
                        value: l.hook.clone(),
                        expected: "an LSM hook name such as file_open".to_owned(),
                    },
                );
            }
            self.check_message(l.message.as_deref(), &p.field("message"));
            self.check_tags(&l.tags, &p.field("tags"));
            self.check_args(&l.args, &[], &p, HookKind::LsmHook);
            let hook = Hook {
                kind: HookKind::LsmHook,
                args: &l.args,
                data: &[],
                return_arg: None,
                has_return: false,
            };
            self.check_selectors(&l.selectors, &p.field("selectors"), &hook);
        }
        for (i, u) in spec.uprobes.iter().enumerate() {
            let p = sp.field("uprobes").index(i);
            if u.path.is_empty() {
                self.err(
                    p.field("path"),
                    ErrorKind::MissingRequired {
                        field: "path".into(),
                        reason: "(path of the binary or library to probe)".into(),
                    },
                );
            }
            let targets = [
                ("symbols", u.symbols.len()),
                ("offsets", u.offsets.len()),
                ("addrs", u.addrs.len()),
            ];
            let used: Vec<_> = targets.iter().filter(|(_, n)| *n > 0).collect();
            match used.len() {
                0 => self.err(
                    p.field("symbols"),
                    ErrorKind::MissingRequired {
                        field: "symbols".into(),
                        reason: "(or offsets, or addrs): a uprobe needs something to attach to"
                            .into(),
                    },
                ),
                1 => {
                    let (name, n) = used[0];
                    if !u.ref_ctr_offsets.is_empty()
                        && u.ref_ctr_offsets.len() != *n
                        && *name != "addrs"
                    {
                        self.err(
                            p.field("refCtrOffsets"),
                            ErrorKind::Conflict {
                                message: format!(
                                    "refCtrOffsets has {} entries but {name} has {n}; they must match one to one",
                                    u.ref_ctr_offsets.len()
                                ),
                            },
                        );
                    }
                }
                _ => self.err(
                    p.clone(),
                    ErrorKind::Conflict {
                        message: "only one of symbols, offsets and addrs may be set".into(),
                    },
                ),
            }
            for (j, s) in u.symbols.iter().enumerate() {
                if s.is_empty() {
                    self.err(
                        p.field("symbols").index(j),
                        ErrorKind::InvalidValue {
                            value: s.clone(),
                            expected: "a symbol name".into(),
                        },
                    );
                }
            }
            if u.return_ && u.return_arg.is_none() {
                self.err(
                    p.field("returnArg"),
                    ErrorKind::MissingRequired {
                        field: "returnArg".into(),
                        reason: "when return is true".into(),
                    },
                );
            }
            if let Some(r) = &u.return_arg {
                self.check_arg_type(r, &p.field("returnArg"));
            }
            self.check_message(u.message.as_deref(), &p.field("message"));
            self.check_tags(&u.tags, &p.field("tags"));
            self.check_args(&u.args, &u.data, &p, HookKind::Uprobe);
            let hook = Hook {
                kind: HookKind::Uprobe,
                args: &u.args,
                data: &u.data,
                return_arg: u.return_arg.as_ref(),
                has_return: u.return_,
            };
            self.check_selectors(&u.selectors, &p.field("selectors"), &hook);
        }
        for (i, u) in spec.usdts.iter().enumerate() {
            let p = sp.field("usdts").index(i);
            for (field, value) in [
                ("path", &u.path),
                ("provider", &u.provider),
                ("name", &u.name),
            ] {
                if value.is_empty() {
                    self.err(
                        p.field(field),
                        ErrorKind::MissingRequired {
                            field: field.into(),
                            reason: "and must not be empty".into(),
                        },
                    );
                }
            }
            self.check_message(u.message.as_deref(), &p.field("message"));
            self.check_tags(&u.tags, &p.field("tags"));
            self.check_args(&u.args, &[], &p, HookKind::Usdt);
            let hook = Hook {
                kind: HookKind::Usdt,
                args: &u.args,
                data: &[],
                return_arg: None,
                has_return: false,
            };
            self.check_selectors(&u.selectors, &p.field("selectors"), &hook);
        }

        self.check_policy_wide_counts();
    }

    // ----- metadata, scoping, lists, options -------------------------------

    fn check_metadata(&mut self, policy: &TracingPolicy) {
        let mp = FieldPath::from_fields("metadata");
        if let Err(reason) = values::check_dns1123_subdomain(&policy.metadata.name) {
            self.err(
                mp.field("name"),
                ErrorKind::InvalidName {
                    value: policy.metadata.name.clone(),
                    reason: reason.to_owned(),
                },
            );
        }
        if let Some(ns) = &policy.metadata.namespace
            && let Err(reason) = values::check_dns1123_label(ns)
        {
            self.err(
                mp.field("namespace"),
                ErrorKind::InvalidName {
                    value: ns.clone(),
                    reason: reason.to_owned(),
                },
            );
        }
    }

    fn check_scoping(&mut self) {
        let spec = self.spec;
        let sp = spec_path();
        if let Some(s) = &spec.pod_selector {
            self.check_label_selector(s, &sp.field("podSelector"));
        }
        if let Some(s) = &spec.node_selector {
            self.check_label_selector(s, &sp.field("nodeSelector"));
        }
        if let Some(s) = &spec.container_selector {
            self.check_container_selector(s, &sp.field("containerSelector"));
        }
        if let Some(s) = &spec.host_selector {
            if self.kind == PolicyKind::TracingPolicyNamespaced {
                self.err(
                    sp.field("hostSelector"),
                    ErrorKind::Conflict {
                        message: "a TracingPolicyNamespaced must not set hostSelector".into(),
                    },
                );
            } else {
                self.check_host_selector(s, &sp.field("hostSelector"));
            }
        }
    }

    fn check_label_selector(&mut self, s: &LabelSelector, path: &FieldPath) {
        let Some(exprs) = &s.match_expressions else {
            return;
        };
        for (i, e) in exprs.iter().enumerate() {
            let ep = path.field("matchExpressions").index(i);
            match e.operator.as_str() {
                "In" | "NotIn" => {
                    if e.values.is_empty() {
                        self.err(
                            ep.field("values"),
                            ErrorKind::MissingRequired {
                                field: "values".into(),
                                reason: format!("for operator {}", e.operator),
                            },
                        );
                    }
                }
                "Exists" | "DoesNotExist" => {
                    if !e.values.is_empty() {
                        self.err(
                            ep.field("values"),
                            ErrorKind::Conflict {
                                message: format!(
                                    "values must be empty for operator {}",
                                    e.operator
                                ),
                            },
                        );
                    }
                }
                other => self.err(
                    ep.field("operator"),
                    ErrorKind::UnknownOperator {
                        value: other.to_owned(),
                        selector: "matchExpressions".into(),
                        allowed: "In, NotIn, Exists, DoesNotExist".into(),
                    },
                ),
            }
            if e.key.is_empty() {
                self.err(
                    ep.field("key"),
                    ErrorKind::MissingRequired {
                        field: "key".into(),
                        reason: "and must not be empty".into(),
                    },
                );
            }
        }
    }

    fn check_container_selector(&mut self, s: &LabelSelector, path: &FieldPath) {
        self.check_label_selector(s, path);
        let bad = |k: &str| ErrorKind::InvalidValue {
            value: k.to_owned(),
            expected: "the key `name` (the only container field supported)".into(),
        };
        if let Some(labels) = &s.match_labels {
            for k in labels.keys().filter(|k| *k != "name") {
                self.err(path.field("matchLabels").key(k), bad(k));
            }
        }
        if let Some(exprs) = &s.match_expressions {
            for (i, e) in exprs.iter().enumerate() {
                if e.key != "name" {
                    self.err(
                        path.field("matchExpressions").index(i).field("key"),
                        bad(&e.key),
                    );
                }
            }
        }
    }

    fn check_host_selector(&mut self, s: &LabelSelector, path: &FieldPath) {
        if s.match_labels.is_some() || s.match_expressions.is_some() {
            self.err(
                path.clone(),
                ErrorKind::Conflict {
                    message: "hostSelector must be null or {} (matchLabels / matchExpressions are not supported)".into(),
                },
            );
        }
    }

    fn check_lists(&mut self) {
        let spec = self.spec;
        let lp = spec_path().field("lists");
        let mut names = HashSet::new();
        for (i, l) in spec.lists.iter().enumerate() {
            let p = lp.index(i);
            if l.name.is_empty() {
                self.err(
                    p.field("name"),
                    ErrorKind::MissingRequired {
                        field: "name".into(),
                        reason: "and must not be empty".into(),
                    },
                );
            } else if !names.insert(l.name.as_str()) {
                self.err(
                    p.field("name"),
                    ErrorKind::DuplicateName {
                        what: "list".into(),
                        name: l.name.clone(),
                    },
                );
            }
            let Some(ty) = l.list_type() else {
                self.err(
                    p.field("type"),
                    ErrorKind::InvalidValue {
                        value: l.type_.clone(),
                        expected: "\"\", syscalls, generated_syscalls or generated_ftrace".into(),
                    },
                );
                continue;
            };
            if ty.is_generated() {
                if !l.values.is_empty() {
                    self.err(
                        p.field("values"),
                        ErrorKind::Conflict {
                            message: format!(
                                "lists of type {} are generated and take no values",
                                l.type_
                            ),
                        },
                    );
                }
            } else if l.values.is_empty() {
                self.err(
                    p.field("values"),
                    ErrorKind::MissingRequired {
                        field: "values".into(),
                        reason: format!("for a list of type {:?}", l.type_),
                    },
                );
            }
            match (ty, l.pattern.as_deref()) {
                (ListType::GeneratedFtrace, None | Some("")) => self.err(
                    p.field("pattern"),
                    ErrorKind::MissingRequired {
                        field: "pattern".into(),
                        reason: "for a list of type generated_ftrace".into(),
                    },
                ),
                (ListType::GeneratedFtrace, Some(pat)) => {
                    if let Err(e) = regex::Regex::new(pat) {
                        self.err(
                            p.field("pattern"),
                            ErrorKind::InvalidValue {
                                value: pat.to_string(),
                                expected: format!("a regular expression ({e})"),
                            },
                        );
                    }
                }
                (_, None) => {}
                (_, Some(_)) => self.err(
                    p.field("pattern"),
                    ErrorKind::Conflict {
                        message: "pattern is only used by lists of type generated_ftrace".into(),
                    },
                ),
            }
            if ty == ListType::Syscalls {
                for (j, v) in l.values.iter().enumerate() {
                    if !is_identifier(v) {
                        self.err(
                            p.field("values").index(j),
                            ErrorKind::InvalidValue {
                                value: v.clone(),
                                expected: "a syscall name such as sys_dup".into(),
                            },
                        );
                    }
                }
            }
        }
    }

    fn defined_lists(&self) -> String {
        if self.spec.lists.is_empty() {
            "none".into()
        } else {
            self.spec
                .lists
                .iter()
                .map(|l| l.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
    }

    /// Checks a `list:NAME` reference; `syscalls_only` for InMap operands.
    fn check_list_ref(&mut self, name: &str, path: &FieldPath, syscalls_only: bool) {
        match self.spec.list(name) {
            None => {
                let defined = self.defined_lists();
                self.err(
                    path.clone(),
                    ErrorKind::UnknownList {
                        name: name.to_owned(),
                        defined,
                    },
                );
            }
            Some(l) => {
                if syscalls_only && !l.list_type().is_some_and(ListType::is_syscalls) {
                    self.err(
                        path.clone(),
                        ErrorKind::ListTypeMismatch {
                            name: name.to_owned(),
                            list_type: l.type_.clone(),
                            expected:
                                "InMap/NotInMap need a list of type syscalls or generated_syscalls"
                                    .into(),
                        },
                    );
                }
            }
        }
    }

    fn check_enforcers(&mut self) {
        let spec = self.spec;
        let ep = spec_path().field("enforcers");
        for (i, e) in spec.enforcers.iter().enumerate() {
            let p = ep.index(i).field("calls");
            if e.calls.is_empty() {
                self.err(
                    p.clone(),
                    ErrorKind::MissingRequired {
                        field: "calls".into(),
                        reason: "and must list at least one syscall or list:NAME".into(),
                    },
                );
            }
            for (j, c) in e.calls.iter().enumerate() {
                if let Some(name) = values::list_reference(c) {
                    self.check_list_ref(name, &p.index(j), false);
                } else if !is_symbol_name(c) {
                    self.err(
                        p.index(j),
                        ErrorKind::InvalidValue {
                            value: c.clone(),
                            expected: "a syscall name or list:NAME".into(),
                        },
                    );
                }
            }
        }
    }

    fn check_options(&mut self) {
        let spec = self.spec;
        let op = spec_path().field("options");
        for (i, o) in spec.options.iter().enumerate() {
            let expected = match o.name.as_str() {
                "disable-kprobe-multi" | "disable-uprobe-multi" => {
                    (parse_go_bool(&o.value).is_none()).then_some("a boolean (true/false, 1/0)")
                }
                "override-method" => (!matches!(o.value.as_str(), "override-return" | "fmod-ret"))
                    .then_some("override-return or fmod-ret"),
                "policy-mode" => (!matches!(o.value.as_str(), "enforce" | "monitor"))
                    .then_some("enforce or monitor"),
                "sleepable-preload-size" => {
                    (!o.value.parse::<u64>().is_ok_and(|v| v > 0)).then_some("a positive integer")
                }
                // Unknown options are ignored, as Tetragon does.
                _ => None,
            };
            if let Some(expected) = expected {
                self.err(
                    op.index(i).field("value"),
                    ErrorKind::InvalidOption {
                        name: o.name.clone(),
                        value: o.value.clone(),
                        expected: expected.into(),
                    },
                );
            }
        }
    }

    fn check_macros(&mut self) {
        let spec = self.spec;
        for (name, m) in &spec.selectors_macros {
            let p = spec_path().field("selectorsMacros").key(name);
            if name.is_empty() {
                self.err(
                    p.clone(),
                    ErrorKind::InvalidValue {
                        value: name.clone(),
                        expected: "a non-empty macro name".into(),
                    },
                );
            }
            if !m.macros.is_empty() {
                self.err(
                    p.field("macros"),
                    ErrorKind::Conflict {
                        message: "a selectors macro cannot use other macros".into(),
                    },
                );
            }
            self.check_selector_static(m, &p);
        }
    }

    // ----- hooks -------------------------------------------------------------

    fn check_message(&mut self, msg: Option<&str>, path: &FieldPath) {
        if let Some(m) = msg
            && m.chars().count() == 1
        {
            self.err(
                path.clone(),
                ErrorKind::InvalidValue {
                    value: m.to_owned(),
                    expected: "a message of at least 2 characters (at most 256 are kept)".into(),
                },
            );
        }
    }

    fn check_tags(&mut self, tags: &[String], path: &FieldPath) {
        if tags.len() > limits::TAGS {
            self.err(
                path.clone(),
                ErrorKind::LimitExceeded {
                    what: "tags".into(),
                    limit: limits::TAGS,
                    actual: tags.len(),
                },
            );
        }
    }

    fn check_arg_type(&mut self, arg: &KProbeArg, path: &FieldPath) -> Option<ArgType> {
        let t = arg.arg_type();
        if t.is_none() {
            self.err(
                path.field("type"),
                ErrorKind::UnknownArgType {
                    value: arg.type_.clone(),
                    allowed: ArgType::spellings().collect::<Vec<_>>().join(", "),
                },
            );
        }
        t
    }

    fn check_kprobe(&mut self, k: &KProbeSpec, p: &FieldPath, kind: HookKind) {
        if k.call.is_empty() {
            self.err(
                p.field("call"),
                ErrorKind::MissingRequired {
                    field: "call".into(),
                    reason: "(a kernel function name or list:NAME)".into(),
                },
            );
        } else if let Some(name) = k.call_list() {
            self.check_list_ref(name, &p.field("call"), false);
        } else if !is_symbol_name(&k.call) {
            self.err(
                p.field("call"),
                ErrorKind::InvalidValue {
                    value: k.call.clone(),
                    expected: "a kernel function name or list:NAME".into(),
                },
            );
        }
        self.check_message(k.message.as_deref(), &p.field("message"));
        self.check_tags(&k.tags, &p.field("tags"));
        self.check_args(&k.args, &k.data, p, kind);
        if k.return_ && k.return_arg.is_none() {
            self.err(
                p.field("returnArg"),
                ErrorKind::MissingRequired {
                    field: "returnArg".into(),
                    reason: "when return is true".into(),
                },
            );
        }
        if let Some(r) = &k.return_arg {
            self.check_arg_type(r, &p.field("returnArg"));
        }
        if let Some(action) = &k.return_arg_action {
            let ap = p.field("returnArgAction");
            match ActionKind::parse(action) {
                // Post adds nothing at the return (Tetragon accepts it; its docs use it).
                Some(ActionKind::Post) => {}
                Some(ActionKind::TrackSock | ActionKind::UntrackSock) => {
                    if !k.return_ || k.return_arg.is_none() {
                        self.err(
                            ap,
                            ErrorKind::Conflict {
                                message: "returnArgAction needs return: true and a returnArg"
                                    .into(),
                            },
                        );
                    }
                }
                _ => self.err(
                    ap,
                    ErrorKind::InvalidValue {
                        value: action.clone(),
                        expected: "TrackSock, UntrackSock or Post".into(),
                    },
                ),
            }
        }
        let hook = Hook {
            kind,
            args: &k.args,
            data: &k.data,
            return_arg: k.return_arg.as_ref(),
            has_return: k.return_,
        };
        self.check_selectors(&k.selectors, &p.field("selectors"), &hook);
    }

    /// Checks `args` and `data` of a hook (`p` is the hook's path).
    fn check_args(
        &mut self,
        args: &[KProbeArg],
        data: &[KProbeArg],
        p: &FieldPath,
        kind: HookKind,
    ) {
        let total = args.len() + data.len();
        if total > limits::ARGS_PER_HOOK {
            self.err(
                p.field(if args.len() > limits::ARGS_PER_HOOK || data.is_empty() {
                    "args"
                } else {
                    "data"
                }),
                ErrorKind::LimitExceeded {
                    what: "args and data entries on one hook".into(),
                    limit: limits::ARGS_PER_HOOK,
                    actual: total,
                },
            );
        }
        let index_limited = matches!(
            kind,
            HookKind::Kprobe | HookKind::Fentry | HookKind::LsmHook | HookKind::Uprobe
        );
        for (is_data, list) in [(false, args), (true, data)] {
            let lp = p.field(if is_data { "data" } else { "args" });
            for (i, a) in list.iter().enumerate() {
                let ap = lp.index(i);
                self.check_arg_type(a, &ap);
                if !is_data && a.index == KProbeArg::INDEX_UNSET {
                    self.err(
                        ap.clone(),
                        ErrorKind::MissingField {
                            field: "index".into(),
                        },
                    );
                    continue;
                }
                if !is_data && index_limited && a.index > limits::MAX_ARG_INDEX {
                    self.err(
                        ap.field("index"),
                        ErrorKind::InvalidValue {
                            value: a.index.to_string(),
                            expected: format!(
                                "an argument index between 0 and {}",
                                limits::MAX_ARG_INDEX
                            ),
                        },
                    );
                }
                if a.size_arg_index > 0 {
                    let target = a.size_arg_index - 1;
                    let declared =
                        args.iter().any(|x| x.index == target) || (target as usize) < args.len();
                    if a.size_arg_index as usize > limits::ARGS_PER_HOOK || !declared {
                        self.err(
                            ap.field("sizeArgIndex"),
                            ErrorKind::UndeclaredArgument {
                                what: "sizeArgIndex (1-based)".into(),
                                index: a.size_arg_index.into(),
                                target: "argument".into(),
                                declared: describe_sig(args),
                            },
                        );
                    }
                }
                match (is_data, a.source.as_str()) {
                    (false, "") | (true, "") => {}
                    (true, "current_task" | "pt_regs") => {
                        if a.resolve.is_empty() {
                            self.err(
                                ap.field("resolve"),
                                ErrorKind::MissingRequired {
                                    field: "resolve".into(),
                                    reason: format!("for data entries with source {}", a.source),
                                },
                            );
                        }
                    }
                    (true, other) => self.err(
                        ap.field("source"),
                        ErrorKind::InvalidValue {
                            value: other.to_owned(),
                            expected: "current_task or pt_regs".into(),
                        },
                    ),
                    (false, other) => self.err(
                        ap.field("source"),
                        ErrorKind::InvalidValue {
                            value: other.to_owned(),
                            expected:
                                "no source on args (current_task / pt_regs are for data entries)"
                                    .into(),
                        },
                    ),
                }
                if !a.resolve.is_empty() && !is_resolve_path(&a.resolve) {
                    self.err(
                        ap.field("resolve"),
                        ErrorKind::InvalidValue {
                            value: a.resolve.clone(),
                            expected: "a dotted field path such as mm.owner.real_parent.comm"
                                .into(),
                        },
                    );
                }
            }
        }
    }

    // ----- selectors ---------------------------------------------------------

    fn check_selectors(&mut self, sels: &[KProbeSelector], path: &FieldPath, hook: &Hook<'_>) {
        if sels.len() > limits::SELECTORS_PER_HOOK {
            self.err(
                path.clone(),
                ErrorKind::LimitExceeded {
                    what: "selectors on one hook".into(),
                    limit: limits::SELECTORS_PER_HOOK,
                    actual: sels.len(),
                },
            );
        }
        let spec = self.spec;
        for (i, sel) in sels.iter().enumerate() {
            let sp = path.index(i);
            self.check_selector_static(sel, &sp);
            self.check_selector_hook(sel, &sp, hook);
            for (j, name) in sel.macros.iter().enumerate() {
                match spec.selectors_macros.get(name) {
                    Some(m) => {
                        let mp = spec_path().field("selectorsMacros").key(name);
                        self.check_selector_hook(m, &mp, hook);
                    }
                    None => {
                        let defined = if spec.selectors_macros.is_empty() {
                            "none".to_owned()
                        } else {
                            spec.selectors_macros
                                .keys()
                                .cloned()
                                .collect::<Vec<_>>()
                                .join(", ")
                        };
                        self.err(
                            sp.field("macros").index(j),
                            ErrorKind::UnknownMacro {
                                name: name.clone(),
                                defined,
                            },
                        );
                    }
                }
            }
            let expanded = spec.expand_selector(sel);
            self.check_selector_counts(&expanded, &sp);
        }
    }

    fn limit(&mut self, path: FieldPath, what: &str, limit: usize, actual: usize) {
        if actual > limit {
            self.err(
                path,
                ErrorKind::LimitExceeded {
                    what: what.to_owned(),
                    limit,
                    actual,
                },
            );
        }
    }

    fn check_selector_counts(&mut self, s: &KProbeSelector, sp: &FieldPath) {
        let arg_path = if s.match_args.is_empty() {
            sp.field("matchData")
        } else {
            sp.field("matchArgs")
        };
        self.limit(
            arg_path,
            "matchArgs and matchData filters in one selector",
            limits::ARG_FILTERS_PER_SELECTOR,
            s.match_args.len() + s.match_data.len(),
        );
        self.limit(
            sp.field("matchReturnArgs"),
            "matchReturnArgs filters in one selector",
            limits::RETURN_ARG_FILTERS_PER_SELECTOR,
            s.match_return_args.len(),
        );
        self.limit(
            sp.field("matchActions"),
            "actions in one selector",
            limits::ACTIONS_PER_SELECTOR,
            s.match_actions.len(),
        );
        self.limit(
            sp.field("matchReturnActions"),
            "return actions in one selector",
            limits::ACTIONS_PER_SELECTOR,
            s.match_return_actions.len(),
        );
        self.limit(
            sp.field("matchBinaries"),
            "matchBinaries entries in one selector",
            limits::BINARY_FILTERS,
            s.match_binaries.len(),
        );
        self.limit(
            sp.field("matchParentBinaries"),
            "matchParentBinaries entries in one selector",
            limits::BINARY_FILTERS,
            s.match_parent_binaries.len(),
        );
        self.limit(
            sp.field("matchNamespaces"),
            "matchNamespaces entries in one selector",
            limits::NAMESPACE_FILTERS,
            s.match_namespaces.len(),
        );
        self.limit(
            sp.field("matchNamespaceChanges"),
            "matchNamespaceChanges entries in one selector",
            limits::NAMESPACE_CHANGES,
            s.match_namespace_changes.len(),
        );
    }

    fn check_policy_wide_counts(&mut self) {
        let spec = self.spec;
        let (mut cel, mut substrings, mut follow) = (0usize, 0usize, 0usize);
        for sel in spec.hook_selectors() {
            let s = spec.expand_selector(sel);
            for f in s
                .match_args
                .iter()
                .chain(&s.match_data)
                .chain(&s.match_return_args)
            {
                match f.op() {
                    Some(SelectorOp::CelExpr) => cel += 1,
                    Some(SelectorOp::SubString | SelectorOp::SubStringIgnCase) => {
                        substrings += f.values.len();
                    }
                    _ => {}
                }
            }
            follow += s
                .match_binaries
                .iter()
                .chain(&s.match_parent_binaries)
                .filter(|b| b.follow_children)
                .count();
        }
        self.limit(
            spec_path(),
            "CelExpr filters in the policy",
            limits::CEL_EXPRS_PER_POLICY,
            cel,
        );
        self.limit(
            spec_path(),
            "SubString values in the policy",
            limits::SUBSTRINGS_PER_POLICY,
            substrings,
        );
        self.limit(
            spec_path(),
            "matchBinaries sections with followChildren in the policy",
            limits::FOLLOW_CHILDREN_SECTIONS,
            follow,
        );
    }

    fn set_op(
        &mut self,
        operator: &str,
        path: &FieldPath,
        selector: &str,
        allowed: &[SelectorOp],
    ) -> Option<SelectorOp> {
        match SelectorOp::parse(operator) {
            Some(op) if allowed.contains(&op) => Some(op),
            _ => {
                self.err(
                    path.clone(),
                    ErrorKind::UnknownOperator {
                        value: operator.to_owned(),
                        selector: selector.to_owned(),
                        allowed: op_list(allowed),
                    },
                );
                None
            }
        }
    }

    fn require_values(&mut self, empty: bool, path: &FieldPath, reason: &str) {
        if empty {
            self.err(
                path.field("values"),
                ErrorKind::MissingRequired {
                    field: "values".into(),
                    reason: reason.to_owned(),
                },
            );
        }
    }

    /// Hook-independent checks of one selector (also applied to macros).
    fn check_selector_static(&mut self, s: &KProbeSelector, sp: &FieldPath) {
        for (i, f) in s.match_pids.iter().enumerate() {
            let p = sp.field("matchPIDs").index(i);
            self.set_op(
                &f.operator,
                &p.field("operator"),
                "matchPIDs",
                SelectorOp::SET_OPS,
            );
            self.require_values(f.values.is_empty(), &p, "(at least one PID)");
            self.limit(
                p.field("values"),
                "PIDs in one matchPIDs entry",
                limits::PID_VALUES,
                f.values.len(),
            );
        }
        for (kind, list) in [
            (ArgFilterKind::Args, &s.match_args),
            (ArgFilterKind::Data, &s.match_data),
            (ArgFilterKind::Return, &s.match_return_args),
        ] {
            for (i, f) in list.iter().enumerate() {
                self.check_arg_filter_static(f, &sp.field(kind.field()).index(i), kind);
            }
        }
        for (field, list) in [
            ("matchActions", &s.match_actions),
            ("matchReturnActions", &s.match_return_actions),
        ] {
            for (i, a) in list.iter().enumerate() {
                self.check_action_static(a, &sp.field(field).index(i));
            }
        }
        for (field, list) in [
            ("matchBinaries", &s.match_binaries),
            ("matchParentBinaries", &s.match_parent_binaries),
        ] {
            for (i, b) in list.iter().enumerate() {
                let p = sp.field(field).index(i);
                let op = self.set_op(
                    &b.operator,
                    &p.field("operator"),
                    field,
                    SelectorOp::BINARY_OPS,
                );
                self.require_values(b.values.is_empty(), &p, "(at least one binary path)");
                for (j, v) in b.values.iter().enumerate() {
                    if v.len() > limits::BINARY_PATH_LEN {
                        self.err(
                            p.field("values").index(j),
                            ErrorKind::ValueTooLong {
                                what: "binary path".into(),
                                value: abbreviate(v),
                                len: v.len(),
                                max: limits::BINARY_PATH_LEN,
                            },
                        );
                    }
                }
                if b.follow_children
                    && op.is_some_and(|op| !matches!(op, SelectorOp::In | SelectorOp::NotIn))
                {
                    self.err(
                        p.field("followChildren"),
                        ErrorKind::Conflict {
                            message:
                                "followChildren can only be used with the In and NotIn operators"
                                    .into(),
                        },
                    );
                }
            }
        }
        for (i, n) in s.match_namespaces.iter().enumerate() {
            let p = sp.field("matchNamespaces").index(i);
            if NamespaceKind::parse(&n.namespace).is_none() {
                self.err(
                    p.field("namespace"),
                    ErrorKind::UnknownNamespace {
                        value: n.namespace.clone(),
                        allowed: NamespaceKind::all_names(),
                    },
                );
            }
            self.set_op(
                &n.operator,
                &p.field("operator"),
                "matchNamespaces",
                SelectorOp::SET_OPS,
            );
            self.require_values(
                n.values.is_empty(),
                &p,
                "(namespace inode numbers or host_ns)",
            );
            self.limit(
                p.field("values"),
                "values in one matchNamespaces entry",
                limits::NAMESPACE_VALUES,
                n.values.len(),
            );
            for (j, v) in n.values.iter().enumerate() {
                let ok = v == "host_ns"
                    || values::parse_int(v).is_some_and(|x| (0..=u32::MAX as i128).contains(&x));
                if !ok {
                    self.err(
                        p.field("values").index(j),
                        ErrorKind::InvalidValue {
                            value: v.clone(),
                            expected: "a namespace inode number or host_ns".into(),
                        },
                    );
                }
            }
        }
        for (i, n) in s.match_namespace_changes.iter().enumerate() {
            let p = sp.field("matchNamespaceChanges").index(i);
            self.set_op(
                &n.operator,
                &p.field("operator"),
                "matchNamespaceChanges",
                SelectorOp::SET_OPS,
            );
            self.require_values(n.values.is_empty(), &p, "(namespace kinds such as Mnt)");
            for (j, v) in n.values.iter().enumerate() {
                if NamespaceKind::parse(v).is_none() {
                    self.err(
                        p.field("values").index(j),
                        ErrorKind::UnknownNamespace {
                            value: v.clone(),
                            allowed: NamespaceKind::all_names(),
                        },
                    );
                }
            }
        }
        for (field, list) in [
            ("matchCapabilities", &s.match_capabilities),
            ("matchCapabilityChanges", &s.match_capability_changes),
        ] {
            for (i, c) in list.iter().enumerate() {
                let p = sp.field(field).index(i);
                if CapabilitySet::parse(&c.type_).is_none() {
                    self.err(
                        p.field("type"),
                        ErrorKind::InvalidValue {
                            value: c.type_.clone(),
                            expected: "Effective, Inheritable or Permitted".into(),
                        },
                    );
                }
                self.set_op(
                    &c.operator,
                    &p.field("operator"),
                    field,
                    SelectorOp::SET_OPS,
                );
                self.require_values(
                    c.values.is_empty(),
                    &p,
                    "(capability names such as CAP_SYS_ADMIN)",
                );
                for (j, v) in c.values.iter().enumerate() {
                    if values::capability_number(v).is_none() {
                        self.err(
                            p.field("values").index(j),
                            ErrorKind::UnknownCapability { value: v.clone() },
                        );
                    }
                }
            }
        }
        for (i, w) in s.match_workloads.iter().enumerate() {
            let p = sp.field("matchWorkloads").index(i);
            if let Some(ps) = &w.pod_selector {
                self.check_label_selector(ps, &p.field("podSelector"));
            }
            if let Some(cs) = &w.container_selector {
                self.check_container_selector(cs, &p.field("containerSelector"));
            }
            if let Some(hs) = &w.host_selector {
                self.check_host_selector(hs, &p.field("hostSelector"));
            }
        }
    }

    fn check_arg_filter_static(&mut self, f: &ArgSelector, fp: &FieldPath, kind: ArgFilterKind) {
        let Some(op) = self.set_op(
            &f.operator,
            &fp.field("operator"),
            kind.field(),
            SelectorOp::ARG_OPS,
        ) else {
            return;
        };
        if op == SelectorOp::CapabilitiesGained {
            if f.args.len() != 2 {
                self.err(
                    fp.field("args"),
                    ErrorKind::MissingRequired {
                        field: "args".into(),
                        reason: "with exactly two argument positions [new, old] for operator CapabilitiesGained".into(),
                    },
                );
            }
        } else if !op.takes_no_values() {
            self.require_values(f.values.is_empty(), fp, &format!("for operator {op}"));
        }
        let vp = fp.field("values");
        let bad = |this: &mut Self, j: usize, v: &str, expected: &str| {
            this.err(
                vp.index(j),
                ErrorKind::InvalidValue {
                    value: v.to_owned(),
                    expected: expected.to_owned(),
                },
            );
        };
        use SelectorOp::*;
        match op {
            Gt | Lt | Mask => {
                for (j, v) in f.values.iter().enumerate() {
                    if values::parse_int(v).is_none() {
                        bad(
                            self,
                            j,
                            v,
                            "an integer (decimal, 0x hex, 0o / leading-0 octal)",
                        );
                    }
                }
                self.limit(
                    vp.clone(),
                    &format!("values for operator {op}"),
                    limits::INT_VALUES,
                    f.values.len(),
                );
            }
            InRange | NotInRange => {
                for (j, v) in f.values.iter().enumerate() {
                    if values::parse_range(v).is_none() {
                        bad(self, j, v, "a range min:max of integers with min <= max");
                    }
                }
                self.limit(
                    vp.clone(),
                    &format!("ranges for operator {op}"),
                    limits::RANGES,
                    f.values.len(),
                );
            }
            InMap | NotInMap => {
                for (j, v) in f.values.iter().enumerate() {
                    if let Some(name) = values::list_reference(v) {
                        self.check_list_ref(name, &vp.index(j), true);
                    } else if values::parse_int(v).is_none() && values::parse_range(v).is_none() {
                        bad(self, j, v, "an integer, a range a:b or list:NAME");
                    }
                }
            }
            SAddr | NotSAddr | DAddr | NotDAddr => {
                for (j, v) in f.values.iter().enumerate() {
                    if values::parse_cidr(v).is_none() {
                        let expected = if v.contains("${") {
                            "an IPv4/IPv6 address or CIDR such as 10.0.0.0/8 (this looks like an unexpanded template variable: substitute it first, e.g. with envsubst)"
                        } else {
                            "an IPv4/IPv6 address or CIDR such as 10.0.0.0/8"
                        };
                        bad(self, j, v, expected);
                    }
                }
            }
            SPort | NotSPort | DPort | NotDPort => {
                for (j, v) in f.values.iter().enumerate() {
                    if values::parse_port_or_range(v).is_none() {
                        bad(self, j, v, "a port 0-65535 or a port range a:b");
                    }
                }
            }
            Protocol => {
                for (j, v) in f.values.iter().enumerate() {
                    if values::parse_protocol(v).is_none() {
                        bad(
                            self,
                            j,
                            v,
                            "an IPPROTO_* name such as IPPROTO_TCP, or a protocol number",
                        );
                    }
                }
            }
            Family => {
                for (j, v) in f.values.iter().enumerate() {
                    if values::parse_family(v).is_none() {
                        bad(
                            self,
                            j,
                            v,
                            "an AF_* name such as AF_INET, or a family number",
                        );
                    }
                }
            }
            State => {
                for (j, v) in f.values.iter().enumerate() {
                    if values::parse_tcp_state(v).is_none() {
                        bad(
                            self,
                            j,
                            v,
                            "a TCP state name such as TCP_SYN_RECV, or a state number",
                        );
                    }
                }
            }
            Prefix | NotPrefix | Postfix | NotPostfix | SubString | SubStringIgnCase => {
                let max = match op {
                    Prefix | NotPrefix => limits::PREFIX_LEN,
                    Postfix | NotPostfix => limits::POSTFIX_LEN,
                    _ => limits::SUBSTRING_LEN,
                };
                for (j, v) in f.values.iter().enumerate() {
                    if v.len() > max {
                        self.err(
                            vp.index(j),
                            ErrorKind::ValueTooLong {
                                what: format!("{op} value"),
                                value: abbreviate(v),
                                len: v.len(),
                                max,
                            },
                        );
                    }
                }
            }
            FileType | NotFileType => {
                for (j, v) in f.values.iter().enumerate() {
                    if values::parse_file_type(v).is_none() {
                        bad(
                            self,
                            j,
                            v,
                            "one of sock, socket, lnk, link, reg, regular, blk, block, dir, chr, char, fifo, pipe",
                        );
                    }
                }
            }
            CelExpr => {
                self.limit(
                    vp.clone(),
                    "expressions in one CelExpr filter",
                    1,
                    f.values.len(),
                );
            }
            CapabilitiesGained => {
                for (j, v) in f.values.iter().enumerate() {
                    if values::capability_number(v).is_none() && values::parse_int(v).is_none() {
                        self.err(
                            vp.index(j),
                            ErrorKind::UnknownCapability { value: v.clone() },
                        );
                    }
                }
            }
            // Equal / NotEqual depend on the argument type: checked in the hook pass.
            Equal | NotEqual | SPortPriv | NotSPortPriv | DPortPriv | NotDPortPriv | In | NotIn => {
            }
        }
    }

    fn check_action_static(&mut self, a: &ActionSelector, ap: &FieldPath) {
        let Some(kind) = a.kind() else {
            self.err(
                ap.field("action"),
                ErrorKind::UnknownAction {
                    value: a.action.clone(),
                    allowed: action_list(&ActionKind::all().collect::<Vec<_>>()),
                },
            );
            return;
        };
        let name = kind.name();
        if kind != ActionKind::Post {
            let post_only = [
                ("rateLimit", a.rate_limit.is_some()),
                ("rateLimitScope", a.rate_limit_scope.is_some()),
                ("kernelStackTrace", a.kernel_stack_trace),
                ("userStackTrace", a.user_stack_trace),
                ("imaHash", a.ima_hash),
            ];
            for (param, set) in post_only {
                if set {
                    self.err(
                        ap.field(param),
                        ErrorKind::InvalidActionParam {
                            action: name.into(),
                            param: param.into(),
                            reason: format!("can only be used with the Post action, not {name}"),
                        },
                    );
                }
            }
        } else {
            if let Some(rl) = &a.rate_limit
                && values::parse_rate_limit_ms(rl).is_none()
            {
                self.err(
                    ap.field("rateLimit"),
                    ErrorKind::InvalidRateLimit { value: rl.clone() },
                );
            }
            if let Some(scope) = &a.rate_limit_scope
                && RateLimitScope::parse(scope).is_none()
            {
                self.err(
                    ap.field("rateLimitScope"),
                    ErrorKind::InvalidValue {
                        value: scope.clone(),
                        expected: "thread, process or global".into(),
                    },
                );
            }
        }
        let missing = |param: &str, meaning: &str| ErrorKind::MissingActionParam {
            action: name.into(),
            param: param.into(),
            meaning: meaning.into(),
        };
        let check_sig = |this: &mut Self| {
            if let Some(sig) = a.arg_sig
                && !(1..=limits::MAX_SIGNAL).contains(&sig)
            {
                this.err(
                    ap.field("argSig"),
                    ErrorKind::InvalidValue {
                        value: sig.to_string(),
                        expected: format!("a signal number between 1 and {}", limits::MAX_SIGNAL),
                    },
                );
            }
        };
        match kind {
            ActionKind::Signal => {
                if a.arg_sig.is_none() {
                    self.err(
                        ap.field("argSig"),
                        missing("argSig", "the signal number to send"),
                    );
                }
                check_sig(self);
            }
            ActionKind::GetUrl => match a.arg_url.as_deref() {
                None | Some("") => {
                    self.err(ap.field("argUrl"), missing("argUrl", "the URL to fetch"));
                }
                Some(u)
                    if !(u
                        .get(..7)
                        .is_some_and(|p| p.eq_ignore_ascii_case("http://"))
                        || u.get(..8)
                            .is_some_and(|p| p.eq_ignore_ascii_case("https://"))) =>
                {
                    self.err(
                        ap.field("argUrl"),
                        ErrorKind::InvalidValue {
                            value: u.to_owned(),
                            expected: "an http:// or https:// URL".into(),
                        },
                    );
                }
                Some(_) => {}
            },
            ActionKind::DnsLookup => match a.arg_fqdn.as_deref() {
                None | Some("") => {
                    self.err(
                        ap.field("argFqdn"),
                        missing("argFqdn", "the domain name to look up"),
                    );
                }
                Some(d) if !is_domain_name(d) => {
                    self.err(
                        ap.field("argFqdn"),
                        ErrorKind::InvalidValue {
                            value: d.to_owned(),
                            expected: "a fully qualified domain name such as ebpf.io".into(),
                        },
                    );
                }
                Some(_) => {}
            },
            ActionKind::NotifyEnforcer => {
                if self.spec.enforcers.is_empty() {
                    self.err(
                        ap.field("action"),
                        ErrorKind::MissingRequired {
                            field: "spec.enforcers".into(),
                            reason:
                                "for action NotifyEnforcer (the syscalls where the enforcer acts)"
                                    .into(),
                        },
                    );
                }
                if a.arg_error.is_none() && a.arg_sig.is_none() {
                    self.err(
                        ap.clone(),
                        missing(
                            "argError or argSig",
                            "the error the enforced syscall returns and/or the signal to send",
                        ),
                    );
                }
                check_sig(self);
            }
            ActionKind::Set => {
                if a.arg_index.is_none() {
                    self.err(
                        ap.field("argIndex"),
                        missing("argIndex", "the argument to write"),
                    );
                }
                if a.arg_value.is_none() {
                    self.err(
                        ap.field("argValue"),
                        missing("argValue", "the value to write"),
                    );
                }
            }
            _ => {}
        }
        let new_targets = [
            a.arg_new_symbol.is_some(),
            a.arg_new_addr.is_some(),
            a.arg_new_offset.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if new_targets > 1 {
            self.err(
                ap.clone(),
                ErrorKind::Conflict {
                    message: "at most one of argNewSymbol, argNewAddr and argNewOffset may be set"
                        .into(),
                },
            );
        }
    }

    /// Hook-dependent checks of one selector (or of a macro used by the hook).
    fn check_selector_hook(&mut self, s: &KProbeSelector, sp: &FieldPath, hook: &Hook<'_>) {
        for (i, f) in s.match_args.iter().enumerate() {
            self.check_arg_filter_hook(
                f,
                &sp.field("matchArgs").index(i),
                ArgFilterKind::Args,
                hook,
            );
        }
        if !s.match_data.is_empty() {
            if hook.supports_data() {
                for (i, f) in s.match_data.iter().enumerate() {
                    self.check_arg_filter_hook(
                        f,
                        &sp.field("matchData").index(i),
                        ArgFilterKind::Data,
                        hook,
                    );
                }
            } else {
                self.err(
                    sp.field("matchData"),
                    ErrorKind::SelectorNotAllowed {
                        selector: "matchData".into(),
                        context: format!("on {} (they have no data entries)", hook.kind),
                    },
                );
            }
        }
        for (field, present) in [
            ("matchReturnArgs", !s.match_return_args.is_empty()),
            ("matchReturnActions", !s.match_return_actions.is_empty()),
        ] {
            if !present {
                continue;
            }
            if !hook.supports_return() {
                self.err(
                    sp.field(field),
                    ErrorKind::SelectorNotAllowed {
                        selector: field.into(),
                        context: format!("on {} (they have no return probe)", hook.kind),
                    },
                );
            } else if !hook.has_return {
                self.err(
                    sp.field(field),
                    ErrorKind::SelectorNotAllowed {
                        selector: field.into(),
                        context: "unless the hook sets return: true".into(),
                    },
                );
            } else if field == "matchReturnArgs" {
                for (i, f) in s.match_return_args.iter().enumerate() {
                    self.check_arg_filter_hook(
                        f,
                        &sp.field("matchReturnArgs").index(i),
                        ArgFilterKind::Return,
                        hook,
                    );
                }
            }
        }
        for (field, list) in [
            ("matchActions", &s.match_actions),
            ("matchReturnActions", &s.match_return_actions),
        ] {
            for (i, a) in list.iter().enumerate() {
                self.check_action_hook(a, &sp.field(field).index(i), hook);
            }
        }
    }

    fn check_arg_filter_hook(
        &mut self,
        f: &ArgSelector,
        fp: &FieldPath,
        kind: ArgFilterKind,
        hook: &Hook<'_>,
    ) {
        let ret;
        let (sig, target): (&[KProbeArg], &str) = match kind {
            ArgFilterKind::Args => (hook.args, "argument"),
            ArgFilterKind::Data => (hook.data, "data entry"),
            ArgFilterKind::Return => {
                ret = hook.return_arg.cloned().into_iter().collect::<Vec<_>>();
                (&ret, "return argument")
            }
        };
        // Without a returnArg the hook already reports the missing field.
        if kind == ArgFilterKind::Return && sig.is_empty() {
            return;
        }
        // A CEL expression names its arguments itself (argN); `index` is unused.
        if kind == ArgFilterKind::Args && f.op() == Some(SelectorOp::CelExpr) {
            return;
        }
        let mut arg: Option<&KProbeArg> = None;
        if f.args.is_empty() && kind == ArgFilterKind::Data {
            // matchData `index` is the position in `data` (the entries' own `index` is unused).
            arg = sig.get(f.index as usize);
            if arg.is_none() {
                self.err(
                    fp.field("index"),
                    ErrorKind::UndeclaredArgument {
                        what: "index".into(),
                        index: f.index.into(),
                        target: target.into(),
                        declared: format!("{} entries", sig.len()),
                    },
                );
            }
        } else if f.args.is_empty() {
            arg = sig.iter().find(|a| a.index == f.index);
            // Tracepoint filters may also use the position in `args`.
            if arg.is_none() && hook.kind == HookKind::Tracepoint {
                arg = sig.get(f.index as usize);
            }
            if arg.is_none() {
                self.err(
                    fp.field("index"),
                    ErrorKind::UndeclaredArgument {
                        what: "index".into(),
                        index: f.index.into(),
                        target: target.into(),
                        declared: describe_sig(sig),
                    },
                );
            }
        } else {
            for (k, pos) in f.args.iter().enumerate() {
                match sig.get(*pos as usize) {
                    Some(a) => {
                        if k == 0 {
                            arg = Some(a);
                        }
                    }
                    None => self.err(
                        fp.field("args").index(k),
                        ErrorKind::UndeclaredArgument {
                            what: "argument position".into(),
                            index: (*pos).into(),
                            target: target.into(),
                            declared: format!("{} entries: {}", sig.len(), describe_sig(sig)),
                        },
                    ),
                }
            }
        }
        let (Some(arg), Some(op)) = (arg, f.op()) else {
            return;
        };
        let Some(ty) = arg.arg_type() else {
            return; // unknown type already reported
        };
        let class = ty.class();
        if let Some(ops) = ops_for_class(class)
            && !ops.contains(&op)
            && !matches!(op, SelectorOp::In | SelectorOp::NotIn)
        {
            let hint = if ops.is_empty() {
                format!(
                    "arguments of type {ty} cannot be filtered as a whole; declare the field to filter as an argument of its own with resolve (e.g. type uint32 with resolve: \"uid.val\" on a cred)"
                )
            } else {
                format!("operators for {ty}: {}", op_list(ops))
            };
            self.err(
                fp.field("operator"),
                ErrorKind::OperatorTypeMismatch {
                    operator: f.operator.clone(),
                    arg_type: arg.type_.clone(),
                    hint,
                },
            );
            return;
        }
        if matches!(op, SelectorOp::Equal | SelectorOp::NotEqual) {
            let vp = fp.field("values");
            match class {
                ArgClass::Integer => {
                    let signed = ty.is_signed().unwrap_or(true);
                    for (j, v) in f.values.iter().enumerate() {
                        let ok = values::parse_int_for(v, signed).is_some()
                            || (ty.is_capability_set() && values::capability_number(v).is_some());
                        if !ok {
                            self.err(
                                vp.index(j),
                                ErrorKind::InvalidValue {
                                    value: v.clone(),
                                    expected: format!(
                                        "an integer valid for type {ty}{}",
                                        if ty.is_capability_set() {
                                            " or a CAP_* name"
                                        } else {
                                            ""
                                        }
                                    ),
                                },
                            );
                        }
                    }
                    self.limit(
                        vp,
                        &format!("values for operator {op} on an integer argument"),
                        limits::INT_VALUES,
                        f.values.len(),
                    );
                }
                ArgClass::Text | ArgClass::FilePath | ArgClass::SockaddrUn => {
                    for (j, v) in f.values.iter().enumerate() {
                        if v.len() > limits::STRING_EQUAL_LEN {
                            self.err(
                                vp.index(j),
                                ErrorKind::ValueTooLong {
                                    what: format!("{op} value"),
                                    value: abbreviate(v),
                                    len: v.len(),
                                    max: limits::STRING_EQUAL_LEN,
                                },
                            );
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn check_action_hook(&mut self, a: &ActionSelector, ap: &FieldPath, hook: &Hook<'_>) {
        let Some(kind) = a.kind() else {
            return;
        };
        let name = kind.name();
        let not_allowed = |this: &mut Self, context: String, allowed: &[ActionKind]| {
            this.err(
                ap.field("action"),
                ErrorKind::ActionNotAllowed {
                    action: a.action.clone(),
                    context,
                    allowed: action_list(allowed),
                },
            );
        };
        match hook.kind {
            HookKind::LsmHook if !LSM_ACTIONS.contains(&kind) => {
                not_allowed(self, "on lsmhooks".into(), LSM_ACTIONS);
                return;
            }
            HookKind::Fentry if kind.is_enforcement() => {
                let allowed: Vec<_> = ActionKind::all().filter(|k| !k.is_enforcement()).collect();
                not_allowed(
                    self,
                    "on fentries (no enforcement actions yet)".into(),
                    &allowed,
                );
                return;
            }
            HookKind::Tracepoint if kind == ActionKind::Override => {
                let allowed: Vec<_> = ActionKind::all()
                    .filter(|k| !matches!(k, ActionKind::Override | ActionKind::Set))
                    .collect();
                not_allowed(
                    self,
                    "on tracepoints (a tracepoint's return value cannot be overridden)".into(),
                    &allowed,
                );
                return;
            }
            _ => {}
        }
        if kind == ActionKind::Set && hook.kind != HookKind::Usdt {
            let allowed: Vec<_> = ActionKind::all()
                .filter(|k| *k != ActionKind::Set)
                .collect();
            not_allowed(
                self,
                format!("on {} (Set writes USDT arguments)", hook.kind),
                &allowed,
            );
            return;
        }
        let uprobe_override_params = [
            ("argRegs", !a.arg_regs.is_empty()),
            ("argNewSymbol", a.arg_new_symbol.is_some()),
            ("argNewAddr", a.arg_new_addr.is_some()),
            ("argNewOffset", a.arg_new_offset.is_some()),
        ];
        if hook.kind != HookKind::Uprobe || kind != ActionKind::Override {
            for (param, set) in uprobe_override_params {
                if set {
                    self.err(
                        ap.field(param),
                        ErrorKind::InvalidActionParam {
                            action: name.into(),
                            param: param.into(),
                            reason: "is only supported by the Override action on uprobes".into(),
                        },
                    );
                }
            }
        }
        match kind {
            ActionKind::Override => {
                let has_alternative =
                    hook.kind == HookKind::Uprobe && uprobe_override_params.iter().any(|(_, s)| *s);
                if a.arg_error.is_none() && !has_alternative {
                    self.err(
                        ap.field("argError"),
                        ErrorKind::MissingActionParam {
                            action: name.into(),
                            param: "argError".into(),
                            meaning: if hook.kind == HookKind::Uprobe {
                                "the value to return, unless argRegs / argNewSymbol / argNewAddr / argNewOffset is used".into()
                            } else {
                                "the error value the function returns instead of running".into()
                            },
                        },
                    );
                }
            }
            ActionKind::TrackSock | ActionKind::UntrackSock => {
                if let Some(idx) = a.arg_sock {
                    let declared = hook.args.iter().any(|x| x.index == idx)
                        || (idx as usize) < hook.args.len();
                    if !declared {
                        self.err(
                            ap.field("argSock"),
                            ErrorKind::UndeclaredArgument {
                                what: "argSock".into(),
                                index: idx.into(),
                                target: "argument".into(),
                                declared: describe_sig(hook.args),
                            },
                        );
                    }
                }
            }
            ActionKind::Set => {
                if let Some(idx) = a.arg_index {
                    let declared = hook.args.iter().any(|x| x.index == idx)
                        || (idx as usize) < hook.args.len();
                    if !declared {
                        self.err(
                            ap.field("argIndex"),
                            ErrorKind::UndeclaredArgument {
                                what: "argIndex".into(),
                                index: idx.into(),
                                target: "argument".into(),
                                declared: describe_sig(hook.args),
                            },
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_paths() {
        assert!(is_resolve_path("mm.owner.real_parent.comm"));
        assert!(is_resolve_path("loginuid.val"));
        assert!(is_resolve_path("fdt.fd[2].f_path"));
        assert!(!is_resolve_path("mm..owner"));
        assert!(!is_resolve_path("mm.owner["));
        assert!(!is_resolve_path("1abc"));
    }

    #[test]
    fn domain_names() {
        assert!(is_domain_name("ebpf.io"));
        assert!(is_domain_name("canary.example."));
        assert!(!is_domain_name("http://ebpf.io"));
        assert!(!is_domain_name("a..b"));
    }
}
