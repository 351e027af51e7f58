//! Allow/deny filters (`--export-allowlist` / `--export-denylist`).

use regex::Regex;
use serde_json::{Map, Value};

use super::cel::CelExpressions;
use super::labels::LabelSelector;
use super::parse::{self, FilterError, FilterErrorKind};
use super::{event_ancestors, event_parent, event_policy_name, event_process, event_type};
use crate::tetragon::{EventType, GetEventsResponse, Process};

/// Keys of a `Filter` object, in snake_case (lowerCamelCase is derived).
const KEYS: &[&str] = &[
    "binary_regex",
    "namespace",
    "health_check",
    "pid",
    "pid_set",
    "event_set",
    "pod_regex",
    "arguments_regex",
    "labels",
    "policy_names",
    "capabilities",
    "parent_binary_regex",
    "cel_expression",
    "parent_arguments_regex",
    "container_id",
    "in_init_tree",
    "ancestor_binary_regex",
    "container_name_regex",
    "namespace_regex",
];

/// One Tetragon `Filter` object: every key that is set must match.
///
/// See the [module documentation](super) for the keys and their semantics.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    event_set: Vec<EventType>,
    binary_regex: Vec<Regex>,
    parent_binary_regex: Vec<Regex>,
    ancestor_binary_regex: Vec<Regex>,
    arguments_regex: Vec<Regex>,
    parent_arguments_regex: Vec<Regex>,
    pid: Vec<u32>,
    pid_set: Vec<u32>,
    namespace: Vec<String>,
    pod_regex: Vec<Regex>,
    namespace_regex: Vec<Regex>,
    container_name_regex: Vec<Regex>,
    labels: Vec<LabelSelector>,
    container_id: Vec<Regex>,
    policy_names: Vec<String>,
    health_check: Option<bool>,
    in_init_tree: Option<bool>,
    capabilities: Option<CapFilter>,
    cel_expression: CelExpressions,
}

/// The `capabilities` key: conditions on `process.cap`, all of which must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapFilter {
    /// Condition on the permitted set.
    pub permitted: Option<CapSetFilter>,
    /// Condition on the effective set.
    pub effective: Option<CapSetFilter>,
    /// Condition on the inheritable set.
    pub inheritable: Option<CapSetFilter>,
}

/// A condition on one capability set (`CapabilitiesType` values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CapSetFilter {
    /// `any`: the set contains at least one of these.
    Any(Vec<i32>),
    /// `all`: the set contains all of these.
    All(Vec<i32>),
    /// `exactly`: the set is exactly these (duplicates ignored).
    Exactly(Vec<i32>),
    /// `none`: the set contains none of these.
    None(Vec<i32>),
}

impl CapSetFilter {
    /// Whether the capability set `caps` satisfies the condition.
    pub fn matches(&self, caps: &[i32]) -> bool {
        match self {
            Self::Any(want) => want.iter().any(|c| caps.contains(c)),
            Self::All(want) => want.iter().all(|c| caps.contains(c)),
            Self::Exactly(want) => {
                want.iter().all(|c| caps.contains(c)) && caps.iter().all(|c| want.contains(c))
            }
            Self::None(want) => !want.iter().any(|c| caps.contains(c)),
        }
    }

    fn parse(key: &str, value: &Value) -> Result<Self, FilterErrorKind> {
        let Value::Object(map) = value else {
            return Err(FilterErrorKind::invalid(key, "expected an object"));
        };
        let mut defined = Vec::new();
        for (name, v) in parse::resolve_keys(map, &["any", "all", "exactly", "none"])? {
            let caps = parse::capabilities(&format!("{key}.{name}"), v)?;
            if !caps.is_empty() {
                defined.push((name, caps));
            }
        }
        if defined.len() > 1 {
            let names: Vec<&str> = defined.iter().map(|(n, _)| *n).collect();
            return Err(FilterErrorKind::invalid(
                key,
                format!(
                    "a capability filter may only define one match set, got: {}",
                    names.join(", ")
                ),
            ));
        }
        let Some((name, caps)) = defined.pop() else {
            return Err(FilterErrorKind::invalid(
                key,
                "a capability filter must define exactly one match set (any, all, exactly or none)",
            ));
        };
        Ok(match name {
            "any" => Self::Any(caps),
            "all" => Self::All(caps),
            "exactly" => Self::Exactly(caps),
            _ => Self::None(caps),
        })
    }
}

impl CapFilter {
    /// Whether the process capabilities satisfy every given condition
    /// (a process without `cap` never does).
    pub fn matches(&self, process: &Process) -> bool {
        let Some(cap) = &process.cap else {
            return false;
        };
        let check =
            |f: &Option<CapSetFilter>, caps: &[i32]| f.as_ref().is_none_or(|f| f.matches(caps));
        check(&self.permitted, &cap.permitted)
            && check(&self.effective, &cap.effective)
            && check(&self.inheritable, &cap.inheritable)
    }

    fn parse(value: &Value) -> Result<Self, FilterErrorKind> {
        let Value::Object(map) = value else {
            return Err(FilterErrorKind::invalid(
                "capabilities",
                "expected an object",
            ));
        };
        let mut filter = Self::default();
        for (name, v) in parse::resolve_keys(map, &["permitted", "effective", "inheritable"])? {
            let set = Some(CapSetFilter::parse(&format!("capabilities.{name}"), v)?);
            match name {
                "permitted" => filter.permitted = set,
                "effective" => filter.effective = set,
                _ => filter.inheritable = set,
            }
        }
        Ok(filter)
    }
}

fn any_match(regexes: &[Regex], text: &str) -> bool {
    regexes.iter().any(|re| re.is_match(text))
}

fn can_be_health_check(process: Option<&Process>) -> bool {
    process
        .and_then(|p| p.pod.as_ref())
        .and_then(|pod| pod.container.as_ref())
        .is_some_and(|c| c.maybe_exec_probe)
}

impl EventFilter {
    /// Parses a stream of JSON `Filter` objects (newline/whitespace separated).
    pub fn parse_stream(text: &str) -> Result<Vec<Self>, FilterError> {
        parse::parse_objects(text, Self::from_json_object)
    }

    /// Converts one JSON `Filter` object.
    pub fn from_json_object(map: &Map<String, Value>) -> Result<Self, FilterErrorKind> {
        let mut f = Self::default();
        for (key, value) in parse::resolve_keys(map, KEYS)? {
            match key {
                "event_set" => f.event_set = parse::event_types(key, value)?,
                "binary_regex" => f.binary_regex = parse::regex_list(key, value)?,
                "parent_binary_regex" => f.parent_binary_regex = parse::regex_list(key, value)?,
                "ancestor_binary_regex" => f.ancestor_binary_regex = parse::regex_list(key, value)?,
                "arguments_regex" => f.arguments_regex = parse::regex_list(key, value)?,
                "parent_arguments_regex" => {
                    f.parent_arguments_regex = parse::regex_list(key, value)?
                }
                "pid" => f.pid = parse::u32_list(key, value)?,
                "pid_set" => f.pid_set = parse::u32_list(key, value)?,
                "namespace" => f.namespace = parse::string_list(key, value)?,
                "pod_regex" => f.pod_regex = parse::regex_list(key, value)?,
                "namespace_regex" => f.namespace_regex = parse::regex_list(key, value)?,
                "container_name_regex" => f.container_name_regex = parse::regex_list(key, value)?,
                "container_id" => f.container_id = parse::regex_list(key, value)?,
                "labels" => {
                    f.labels = parse::string_list(key, value)?
                        .into_iter()
                        .map(|s| {
                            LabelSelector::parse(&s).map_err(|message| {
                                FilterErrorKind::BadLabelSelector {
                                    selector: s.clone(),
                                    message,
                                }
                            })
                        })
                        .collect::<Result<_, _>>()?
                }
                "policy_names" => f.policy_names = parse::string_list(key, value)?,
                "health_check" => f.health_check = Some(parse::boolean(key, value)?),
                "in_init_tree" => f.in_init_tree = Some(parse::boolean(key, value)?),
                "capabilities" => f.capabilities = Some(CapFilter::parse(value)?),
                "cel_expression" => {
                    f.cel_expression = CelExpressions::compile(parse::string_list(key, value)?)
                        .map_err(|(expression, message)| FilterErrorKind::BadCelExpression {
                            expression,
                            message,
                        })?
                }
                _ => unreachable!("key {key} listed in KEYS but not handled"),
            }
        }
        Ok(f)
    }

    /// Whether the filter sets no condition (and so matches every event).
    pub fn is_empty(&self) -> bool {
        self.event_set.is_empty()
            && self.policy_names.is_empty()
            && self.health_check.is_none()
            && self.cel_expression.is_empty()
            && !self.needs_process()
    }

    /// Whether every condition of the filter holds for `ev`.
    pub fn matches(&self, ev: &GetEventsResponse) -> bool {
        if !self.event_set.is_empty() && !self.event_set.contains(&event_type(ev)) {
            return false;
        }
        if let Some(want) = self.health_check {
            let is_probe =
                can_be_health_check(event_process(ev)) || can_be_health_check(event_parent(ev));
            if is_probe != want {
                return false;
            }
        }
        if !self.policy_names.is_empty()
            && !event_policy_name(ev).is_some_and(|n| self.policy_names.iter().any(|p| p == n))
        {
            return false;
        }
        // Last of the event-wide keys: it renders the whole event.
        if !self.cel_expression.is_empty() && !self.cel_expression.matches(ev) {
            return false;
        }
        if !self.needs_process() {
            return true;
        }
        let Some(process) = event_process(ev) else {
            return false;
        };
        self.matches_process(process, ev)
    }

    fn needs_process(&self) -> bool {
        !(self.binary_regex.is_empty()
            && self.parent_binary_regex.is_empty()
            && self.ancestor_binary_regex.is_empty()
            && self.arguments_regex.is_empty()
            && self.parent_arguments_regex.is_empty()
            && self.pid.is_empty()
            && self.pid_set.is_empty()
            && self.namespace.is_empty()
            && self.pod_regex.is_empty()
            && self.namespace_regex.is_empty()
            && self.container_name_regex.is_empty()
            && self.labels.is_empty()
            && self.container_id.is_empty()
            && self.in_init_tree.is_none()
            && self.capabilities.is_none())
    }

    fn matches_process(&self, process: &Process, ev: &GetEventsResponse) -> bool {
        let pid = process.pid.unwrap_or(0);
        if !self.pid.is_empty() && !self.pid.contains(&pid) {
            return false;
        }
        if !self.pid_set.is_empty() {
            let in_set = |p: &Process| self.pid_set.contains(&p.pid.unwrap_or(0));
            let hit = in_set(process)
                || event_parent(ev).is_some_and(in_set)
                || event_ancestors(ev).iter().any(in_set);
            if !hit {
                return false;
            }
        }
        if self
            .in_init_tree
            .is_some_and(|want| process.in_init_tree.unwrap_or(false) != want)
        {
            return false;
        }
        let pod = process.pod.as_ref();
        if !self.namespace.is_empty() {
            let ns = pod.map_or("", |p| p.namespace.as_str());
            // A host process (no pod) matches only "" (a pod in namespace ""
            // does not occur).
            let hit = match pod {
                Some(_) => self.namespace.iter().any(|n| n == ns),
                None => self.namespace.iter().any(String::is_empty),
            };
            if !hit {
                return false;
            }
        }
        if !self.namespace_regex.is_empty()
            && !pod.is_some_and(|p| any_match(&self.namespace_regex, &p.namespace))
        {
            return false;
        }
        if !self.pod_regex.is_empty() && !pod.is_some_and(|p| any_match(&self.pod_regex, &p.name)) {
            return false;
        }
        if !self.container_name_regex.is_empty()
            && !pod
                .and_then(|p| p.container.as_ref())
                .is_some_and(|c| any_match(&self.container_name_regex, &c.name))
        {
            return false;
        }
        if !self.labels.is_empty()
            && !pod.is_some_and(|p| self.labels.iter().any(|s| s.matches(&p.pod_labels)))
        {
            return false;
        }
        if !self.container_id.is_empty() && !any_match(&self.container_id, &process.docker) {
            return false;
        }
        if let Some(caps) = &self.capabilities
            && !caps.matches(process)
        {
            return false;
        }
        if !self.binary_regex.is_empty() && !any_match(&self.binary_regex, &process.binary) {
            return false;
        }
        if !self.arguments_regex.is_empty() && !any_match(&self.arguments_regex, &process.arguments)
        {
            return false;
        }
        if !self.parent_binary_regex.is_empty() || !self.parent_arguments_regex.is_empty() {
            let Some(parent) = event_parent(ev) else {
                return false;
            };
            if !self.parent_binary_regex.is_empty()
                && !any_match(&self.parent_binary_regex, &parent.binary)
            {
                return false;
            }
            if !self.parent_arguments_regex.is_empty()
                && !any_match(&self.parent_arguments_regex, &parent.arguments)
            {
                return false;
            }
        }
        if !self.ancestor_binary_regex.is_empty()
            && !event_ancestors(ev)
                .iter()
                .any(|a| any_match(&self.ancestor_binary_regex, &a.binary))
        {
            return false;
        }
        true
    }
}

/// An export allow list and deny list.
#[derive(Debug, Clone, Default)]
pub struct ExportFilter {
    /// Events must match one of these (any event when empty).
    pub allow: Vec<EventFilter>,
    /// Events must match none of these.
    pub deny: Vec<EventFilter>,
}

impl ExportFilter {
    /// Parses the two filter streams (either may be empty).
    pub fn parse(allow: &str, deny: &str) -> Result<Self, FilterError> {
        Ok(Self {
            allow: EventFilter::parse_stream(allow)?,
            deny: EventFilter::parse_stream(deny)?,
        })
    }

    /// Whether nothing is filtered (both lists empty).
    pub fn is_empty(&self) -> bool {
        self.allow.is_empty() && self.deny.is_empty()
    }

    /// `(allow empty OR any allow filter matches) AND no deny filter matches`.
    pub fn admits(&self, ev: &GetEventsResponse) -> bool {
        (self.allow.is_empty() || self.allow.iter().any(|f| f.matches(ev)))
            && !self.deny.iter().any(|f| f.matches(ev))
    }
}
