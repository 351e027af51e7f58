//! Redaction filters (`--redaction-filters`): hide secrets in process
//! arguments and environment variables.

use regex::Regex;
use serde_json::{Map, Value};

use super::event_processes_mut;
use super::parse::{self, FilterError, FilterErrorKind};
use crate::tetragon::{GetEventsResponse, Process};

/// What a redacted capture group is replaced with.
pub const REDACTED: &str = "*****";

const KEYS: &[&str] = &["binary_regex", "redact", "match"];

/// One Tetragon `RedactionFilter` object.
#[derive(Debug, Clone, Default)]
pub struct RedactionFilter {
    binary_regex: Vec<Regex>,
    redact: Vec<Regex>,
}

impl RedactionFilter {
    /// Parses a stream of JSON `RedactionFilter` objects
    /// (`{"binary_regex": [...], "redact": [...]}`, `match` = `binary_regex`).
    pub fn parse_stream(text: &str) -> Result<Vec<Self>, FilterError> {
        parse::parse_objects(text, Self::from_json_object)
    }

    /// Converts one JSON `RedactionFilter` object.
    pub fn from_json_object(map: &Map<String, Value>) -> Result<Self, FilterErrorKind> {
        let mut f = Self::default();
        for (key, value) in parse::resolve_keys(map, KEYS)? {
            match key {
                "binary_regex" | "match" => {
                    if parse::list(key, value)?.iter().any(|v| !v.is_string()) {
                        return Err(FilterErrorKind::invalid(
                            key,
                            "expected a list of binary regexes (strings)",
                        ));
                    }
                    f.binary_regex.extend(parse::regex_list(key, value)?);
                }
                "redact" => f.redact = parse::regex_list(key, value)?,
                _ => unreachable!("key {key} listed in KEYS but not handled"),
            }
        }
        Ok(f)
    }

    /// Whether the filter applies to processes running `binary`.
    pub fn applies_to(&self, binary: &str) -> bool {
        self.binary_regex.is_empty() || self.binary_regex.iter().any(|re| re.is_match(binary))
    }
}

/// Replaces every participating capture group of every match of `re` in `s`
/// with [`REDACTED`]; a group nested in an already redacted group is
/// skipped. `None` when nothing was replaced.
fn redact_string(re: &Regex, s: &str) -> Option<String> {
    let mut out = String::new();
    let mut copied = 0;
    let mut modified = false;
    for caps in re.captures_iter(s) {
        let Some(whole) = caps.get(0) else { continue };
        let mut offset = whole.start();
        for group in caps.iter().skip(1).flatten() {
            if group.start() < offset {
                continue;
            }
            out.push_str(&s[copied..group.start()]);
            out.push_str(REDACTED);
            copied = group.end();
            offset = group.end();
            modified = true;
        }
    }
    if !modified {
        return None;
    }
    out.push_str(&s[copied..]);
    Some(out)
}

/// A list of redaction filters, applied in order.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    filters: Vec<RedactionFilter>,
}

impl Redactor {
    /// Combines `filters`.
    pub fn new(filters: Vec<RedactionFilter>) -> Self {
        Self { filters }
    }

    /// Parses a stream of JSON `RedactionFilter` objects.
    pub fn parse(text: &str) -> Result<Self, FilterError> {
        Ok(Self::new(RedactionFilter::parse_stream(text)?))
    }

    /// Whether there are no filters.
    pub fn is_empty(&self) -> bool {
        self.filters.is_empty()
    }

    /// The arguments string of a process running `binary`, redacted
    /// (`None` when nothing changes).
    pub fn redact_arguments(&self, binary: &str, arguments: &str) -> Option<String> {
        let mut current: Option<String> = None;
        for filter in self.filters.iter().filter(|f| f.applies_to(binary)) {
            for re in &filter.redact {
                let text = current.as_deref().unwrap_or(arguments);
                if let Some(redacted) = redact_string(re, text) {
                    current = Some(redacted);
                }
            }
        }
        current
    }

    /// One environment variable (`KEY=VALUE`) of a process running `binary`,
    /// redacted: per filter, the first regex that changes it wins.
    pub fn redact_env(&self, binary: &str, env: &str) -> Option<String> {
        let mut current: Option<String> = None;
        for filter in self.filters.iter().filter(|f| f.applies_to(binary)) {
            let text = current.as_deref().unwrap_or(env);
            if let Some(redacted) = filter.redact.iter().find_map(|re| redact_string(re, text)) {
                current = Some(redacted);
            }
        }
        current
    }

    /// Redacts `arguments` and `environment_variables` of `p` in place.
    pub fn redact_process(&self, p: &mut Process) {
        if self.filters.is_empty() {
            return;
        }
        if let Some(args) = self.redact_arguments(&p.binary, &p.arguments) {
            p.arguments = args;
        }
        for env in &mut p.environment_variables {
            let joined = format!("{}={}", env.key, env.value);
            if let Some(redacted) = self.redact_env(&p.binary, &joined) {
                match redacted.split_once('=') {
                    Some((key, value)) => {
                        env.key = key.to_owned();
                        env.value = value.to_owned();
                    }
                    None => {
                        env.key = redacted;
                        env.value.clear();
                    }
                }
            }
        }
    }

    /// Redacts the `process`, `parent` and `ancestors` of an event in place.
    pub fn redact_event(&self, ev: &mut GetEventsResponse) {
        if self.filters.is_empty() {
            return;
        }
        for p in event_processes_mut(ev) {
            self.redact_process(p);
        }
    }
}

impl From<Vec<RedactionFilter>> for Redactor {
    fn from(filters: Vec<RedactionFilter>) -> Self {
        Self::new(filters)
    }
}
