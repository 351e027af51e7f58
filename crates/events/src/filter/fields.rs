//! Field filters (`--field-filters`): which fields of an event are exported.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::parse::{self, FilterError, FilterErrorKind};
use super::{event_key, event_type};
use crate::json::to_json_line;
use crate::tetragon::{EventType, GetEventsResponse};

const KEYS: &[&str] = &["fields", "event_set", "invert_event_set", "action"];

/// Every event type, for the per-type plans.
const ALL_TYPES: &[EventType] = &[
    EventType::Undef,
    EventType::ProcessExec,
    EventType::ProcessExit,
    EventType::ProcessKprobe,
    EventType::ProcessTracepoint,
    EventType::ProcessLoader,
    EventType::ProcessUprobe,
    EventType::ProcessThrottle,
    EventType::ProcessLsm,
    EventType::ProcessUsdt,
    EventType::Test,
    EventType::RateLimitInfo,
];

/// What a [`FieldFilter`] does with its fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FieldAction {
    /// Keep only the listed fields (`INCLUDE`, the default).
    #[default]
    Include,
    /// Remove the listed fields (`EXCLUDE`).
    Exclude,
}

/// One Tetragon `FieldFilter` object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldFilter {
    /// Event types the filter applies to (all when empty).
    pub event_set: Vec<EventType>,
    /// Apply to the types *not* in `event_set` instead.
    pub invert_event_set: bool,
    /// Include or exclude.
    pub action: FieldAction,
    /// Field paths relative to the event's inner message, as snake_case
    /// segments (`[["process", "exec_id"], ["parent"]]`).
    pub fields: Vec<Vec<String>>,
}

/// camelCase → snake_case for one path segment (`execId` → `exec_id`);
/// segments starting with an upper-case letter (`Key`) are kept as they are.
fn snake_segment(seg: &str) -> String {
    if seg.starts_with(|c: char| c.is_ascii_uppercase()) {
        return seg.to_owned();
    }
    crate::json_names::snake_case(seg)
}

/// Key used to compare a path segment with a JSON key: lower-case without
/// underscores, so `exec_id`, `execId` and `Key`/`key` meet. Field names of
/// one message never collide this way (protoc rejects such JSON names).
fn norm(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

impl FieldFilter {
    /// Parses a stream of JSON `FieldFilter` objects.
    pub fn parse_stream(text: &str) -> Result<Vec<Self>, FilterError> {
        parse::parse_objects(text, Self::from_json_object)
    }

    /// Converts one JSON `FieldFilter` object.
    pub fn from_json_object(map: &Map<String, Value>) -> Result<Self, FilterErrorKind> {
        let mut filter = Self {
            event_set: Vec::new(),
            invert_event_set: false,
            action: FieldAction::Include,
            fields: Vec::new(),
        };
        for (key, value) in parse::resolve_keys(map, KEYS)? {
            match key {
                "fields" => filter.fields = parse_paths(&parse::string(key, value)?)?,
                "event_set" => filter.event_set = parse::event_types(key, value)?,
                "invert_event_set" => filter.invert_event_set = parse::boolean(key, value)?,
                "action" => {
                    filter.action = match value {
                        Value::String(s) if s == "INCLUDE" => FieldAction::Include,
                        Value::String(s) if s == "EXCLUDE" => FieldAction::Exclude,
                        Value::Number(n) if n.as_u64() == Some(0) => FieldAction::Include,
                        Value::Number(n) if n.as_u64() == Some(1) => FieldAction::Exclude,
                        _ => {
                            return Err(FilterErrorKind::invalid(
                                key,
                                format!("expected \"INCLUDE\" or \"EXCLUDE\", got {value}"),
                            ));
                        }
                    }
                }
                _ => unreachable!("key {key} listed in KEYS but not handled"),
            }
        }
        if filter.fields.is_empty() {
            return Err(FilterErrorKind::invalid("fields", "no field paths given"));
        }
        Ok(filter)
    }

    /// Whether the filter applies to events of type `ty`.
    pub fn applies_to(&self, ty: EventType) -> bool {
        self.event_set.is_empty() || (self.event_set.contains(&ty) != self.invert_event_set)
    }
}

/// `"a.b, c"` → `[["a","b"],["c"]]`; empty paths or segments are errors.
fn parse_paths(fields: &str) -> Result<Vec<Vec<String>>, FilterErrorKind> {
    if fields.trim().is_empty() {
        return Ok(Vec::new());
    }
    fields
        .split(',')
        .map(str::trim)
        .map(|path| {
            let segs: Vec<String> = path.split('.').map(snake_segment).collect();
            if segs
                .iter()
                .any(|s| s.is_empty() || s.contains(char::is_whitespace))
            {
                return Err(FilterErrorKind::invalid(
                    "fields",
                    format!("invalid field path {path:?}"),
                ));
            }
            Ok(segs)
        })
        .collect()
}

/// A set of field paths as a tree of normalised segments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct PathTree {
    /// The whole subtree is selected.
    whole: bool,
    children: BTreeMap<String, PathTree>,
}

impl PathTree {
    fn insert(&mut self, segs: &[String]) {
        if self.whole {
            return;
        }
        match segs.split_first() {
            None => {
                self.whole = true;
                self.children.clear();
            }
            Some((first, rest)) => self.children.entry(norm(first)).or_default().insert(rest),
        }
    }

    /// Keeps only the selected fields of `value` (lists: of every element).
    fn keep(&self, value: &mut Value) {
        if self.whole {
            return;
        }
        match value {
            Value::Object(map) => map.retain(|k, child| match self.children.get(&norm(k)) {
                Some(sub) => {
                    sub.keep(child);
                    true
                }
                None => false,
            }),
            Value::Array(items) => items.iter_mut().for_each(|item| self.keep(item)),
            _ => {}
        }
    }

    /// Removes the selected fields of `value` (lists: of every element).
    fn prune(&self, value: &mut Value) {
        match value {
            Value::Object(map) => map.retain(|k, child| match self.children.get(&norm(k)) {
                Some(sub) if sub.whole => false,
                Some(sub) => {
                    sub.prune(child);
                    true
                }
                None => true,
            }),
            Value::Array(items) => items.iter_mut().for_each(|item| self.prune(item)),
            _ => {}
        }
    }
}

/// What to do with events of one type.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Plan {
    include: Option<PathTree>,
    exclude: PathTree,
}

impl Plan {
    fn apply(&self, inner: &mut Value) {
        if let Some(include) = &self.include {
            include.keep(inner);
        }
        self.exclude.prune(inner);
    }
}

/// All field filters of an export, with the combined effect per event type
/// precomputed (see the [module documentation](super)).
#[derive(Debug, Clone, Default)]
pub struct FieldFilters {
    filters: Vec<FieldFilter>,
    /// `(type, plan)`; `None` when no filter applies to the type.
    plans: Vec<(EventType, Option<Plan>)>,
}

impl FieldFilters {
    /// Combines `filters`.
    pub fn new(filters: Vec<FieldFilter>) -> Self {
        let plans = ALL_TYPES
            .iter()
            .map(|&ty| {
                let applicable: Vec<&FieldFilter> =
                    filters.iter().filter(|f| f.applies_to(ty)).collect();
                if applicable.is_empty() {
                    return (ty, None);
                }
                let mut include: Option<PathTree> = None;
                let mut exclude = PathTree::default();
                for f in applicable {
                    let tree = match f.action {
                        FieldAction::Include => include.get_or_insert_with(PathTree::default),
                        FieldAction::Exclude => &mut exclude,
                    };
                    for path in &f.fields {
                        tree.insert(path);
                    }
                }
                (ty, Some(Plan { include, exclude }))
            })
            .collect();
        Self { filters, plans }
    }

    /// Parses a stream of JSON `FieldFilter` objects and combines them.
    pub fn parse(text: &str) -> Result<Self, FilterError> {
        Ok(Self::new(FieldFilter::parse_stream(text)?))
    }

    /// Whether there are no field filters (events are exported unchanged).
    pub fn is_empty(&self) -> bool {
        self.filters.is_empty()
    }

    /// The filters.
    pub fn filters(&self) -> &[FieldFilter] {
        &self.filters
    }

    fn plan(&self, ev: &GetEventsResponse) -> Option<&Plan> {
        let ty = event_type(ev);
        self.plans
            .iter()
            .find(|(t, _)| *t == ty)
            .and_then(|(_, plan)| plan.as_ref())
    }

    /// Whether any filter changes events like `ev`.
    pub fn affects(&self, ev: &GetEventsResponse) -> bool {
        self.plan(ev).is_some()
    }

    /// The event as a JSON value with the filters applied to its inner
    /// message. Note: `serde_json::Value` objects do not keep protojson's key
    /// order; use [`apply_event`](Self::apply_event) or
    /// [`apply_line`](Self::apply_line) for output.
    pub fn apply(&self, ev: &GetEventsResponse) -> Value {
        // The generated Serialize impls never fail.
        let mut value = serde_json::to_value(ev).unwrap_or(Value::Null);
        if let (Some(plan), Some(key)) = (self.plan(ev), event_key(ev))
            && let Some(inner) = value.get_mut(key)
        {
            plan.apply(inner);
        }
        value
    }

    /// The event with the filters applied (a copy; unchanged when no filter
    /// applies). Encoding it with [`to_json_line`] gives Tetragon's bytes.
    pub fn apply_event(&self, ev: &GetEventsResponse) -> GetEventsResponse {
        if self.plan(ev).is_none() {
            return ev.clone();
        }
        match serde_json::from_value(self.apply(ev)) {
            Ok(filtered) => filtered,
            Err(e) => {
                // Cannot happen (the value was produced from a message and
                // only lost fields); never export unfiltered data.
                debug_assert!(false, "field-filtered event does not parse: {e}");
                GetEventsResponse {
                    event: None,
                    ..ev.clone()
                }
            }
        }
    }

    /// The filtered event as one JSON line (no trailing newline).
    pub fn apply_line(&self, ev: &GetEventsResponse) -> String {
        if self.plan(ev).is_none() {
            return to_json_line(ev);
        }
        to_json_line(&self.apply_event(ev))
    }
}

impl From<Vec<FieldFilter>> for FieldFilters {
    fn from(filters: Vec<FieldFilter>) -> Self {
        Self::new(filters)
    }
}
