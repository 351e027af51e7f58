//! Parsing helpers shared by the filter kinds: the JSON object stream, key
//! names (snake_case or lowerCamelCase), typed values and the error type.

use std::fmt;

use regex::Regex;
use serde_json::{Map, Value};

use crate::json_names::lower_camel;
use crate::tetragon::{CapabilitiesType, EventType};

/// Why a filter stream could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// 0-based position of the offending object in the JSON stream.
    pub index: usize,
    /// What is wrong.
    pub kind: FilterErrorKind,
}

/// The cause of a [`FilterError`]. Key names are reported in snake_case.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FilterErrorKind {
    /// The text is not a stream of JSON values.
    Json(String),
    /// A stream element is not a JSON object.
    NotAnObject,
    /// A key that this kind of filter does not have (as written).
    UnknownKey(String),
    /// The same key given twice (possibly once in each spelling).
    DuplicateKey(String),
    /// A value of the wrong JSON type or out of range.
    InvalidValue {
        /// The key.
        key: String,
        /// What was expected.
        message: String,
    },
    /// A regex that does not compile.
    BadRegex {
        /// The key.
        key: String,
        /// The pattern as given.
        pattern: String,
        /// The compiler's message.
        message: String,
    },
    /// An unknown `EventType` name or number.
    BadEventType {
        /// The key.
        key: String,
        /// The value as given.
        value: String,
    },
    /// An unknown capability name or number.
    BadCapability {
        /// The key (e.g. `capabilities.permitted.any`).
        key: String,
        /// The value as given.
        value: String,
    },
    /// An invalid Kubernetes label selector.
    BadLabelSelector {
        /// The selector as given.
        selector: String,
        /// What is wrong with it.
        message: String,
    },
    /// A `cel_expression` that does not parse.
    BadCelExpression {
        /// The expression as given.
        expression: String,
        /// The parser's message.
        message: String,
    },
}

impl fmt::Display for FilterErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Json(msg) => write!(f, "invalid JSON: {msg}"),
            Self::NotAnObject => f.write_str("expected a JSON object"),
            Self::UnknownKey(key) => write!(f, "unknown key {key:?}"),
            Self::DuplicateKey(key) => write!(f, "duplicate key {key:?}"),
            Self::InvalidValue { key, message } => write!(f, "{key}: {message}"),
            Self::BadRegex {
                key,
                pattern,
                message,
            } => write!(f, "{key}: invalid regex {pattern:?}: {message}"),
            Self::BadEventType { key, value } => write!(f, "{key}: unknown event type {value}"),
            Self::BadCapability { key, value } => write!(f, "{key}: unknown capability {value}"),
            Self::BadLabelSelector { selector, message } => {
                write!(f, "labels: invalid label selector {selector:?}: {message}")
            }
            Self::BadCelExpression {
                expression,
                message,
            } => write!(
                f,
                "cel_expression: invalid expression {expression:?}: {message}"
            ),
        }
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "filter #{}: {}", self.index + 1, self.kind)
    }
}

impl std::error::Error for FilterError {}

impl FilterErrorKind {
    pub(crate) fn invalid(key: &str, message: impl Into<String>) -> Self {
        Self::InvalidValue {
            key: key.to_owned(),
            message: message.into(),
        }
    }
}

/// Splits `text` into its JSON objects and converts each with `convert`.
pub(crate) fn parse_objects<T>(
    text: &str,
    mut convert: impl FnMut(&Map<String, Value>) -> Result<T, FilterErrorKind>,
) -> Result<Vec<T>, FilterError> {
    let mut out = Vec::new();
    for (index, item) in serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .enumerate()
    {
        let value = item.map_err(|e| FilterError {
            index,
            kind: FilterErrorKind::Json(e.to_string()),
        })?;
        let Value::Object(map) = value else {
            return Err(FilterError {
                index,
                kind: FilterErrorKind::NotAnObject,
            });
        };
        out.push(convert(&map).map_err(|kind| FilterError { index, kind })?);
    }
    Ok(out)
}

/// The entries of `map` with their keys resolved to the canonical
/// (snake_case) names in `known`; unknown and duplicate keys are errors.
/// `null` values are dropped (protojson: unset).
pub(crate) fn resolve_keys<'a>(
    map: &'a Map<String, Value>,
    known: &[&'static str],
) -> Result<Vec<(&'static str, &'a Value)>, FilterErrorKind> {
    let mut out: Vec<(&'static str, &'a Value)> = Vec::with_capacity(map.len());
    for (key, value) in map {
        let canonical = known
            .iter()
            .copied()
            .find(|k| *k == key.as_str() || lower_camel(k) == *key)
            .ok_or_else(|| FilterErrorKind::UnknownKey(key.clone()))?;
        if out.iter().any(|(k, _)| *k == canonical) {
            return Err(FilterErrorKind::DuplicateKey(canonical.to_owned()));
        }
        if !value.is_null() {
            out.push((canonical, value));
        }
    }
    Ok(out)
}

/// The elements of a list value (`null` elements are rejected).
pub(crate) fn list<'a>(key: &str, value: &'a Value) -> Result<&'a [Value], FilterErrorKind> {
    match value {
        Value::Array(items) => Ok(items),
        _ => Err(FilterErrorKind::invalid(key, "expected a list")),
    }
}

pub(crate) fn string_list(key: &str, value: &Value) -> Result<Vec<String>, FilterErrorKind> {
    list(key, value)?
        .iter()
        .map(|v| match v {
            Value::String(s) => Ok(s.clone()),
            _ => Err(FilterErrorKind::invalid(key, "expected a list of strings")),
        })
        .collect()
}

pub(crate) fn string(key: &str, value: &Value) -> Result<String, FilterErrorKind> {
    match value {
        Value::String(s) => Ok(s.clone()),
        _ => Err(FilterErrorKind::invalid(key, "expected a string")),
    }
}

pub(crate) fn boolean(key: &str, value: &Value) -> Result<bool, FilterErrorKind> {
    match value {
        Value::Bool(b) => Ok(*b),
        _ => Err(FilterErrorKind::invalid(key, "expected true or false")),
    }
}

/// A list of uint32 values, as JSON numbers or decimal strings (protojson).
pub(crate) fn u32_list(key: &str, value: &Value) -> Result<Vec<u32>, FilterErrorKind> {
    list(key, value)?
        .iter()
        .map(|v| {
            let n = match v {
                Value::Number(n) => n.as_u64(),
                Value::String(s) => s.parse::<u64>().ok(),
                _ => None,
            };
            n.and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| FilterErrorKind::invalid(key, format!("{v} is not a uint32")))
        })
        .collect()
}

/// Compiles every pattern of a list of RE2 regexes.
pub(crate) fn regex_list(key: &str, value: &Value) -> Result<Vec<Regex>, FilterErrorKind> {
    string_list(key, value)?
        .into_iter()
        .map(|pattern| {
            Regex::new(&pattern).map_err(|e| FilterErrorKind::BadRegex {
                key: key.to_owned(),
                message: e.to_string(),
                pattern,
            })
        })
        .collect()
}

/// A list of `EventType`s given by name or number.
pub(crate) fn event_types(key: &str, value: &Value) -> Result<Vec<EventType>, FilterErrorKind> {
    list(key, value)?
        .iter()
        .map(|v| {
            let ty = match v {
                Value::String(s) => EventType::from_str_name(s),
                Value::Number(n) => n
                    .as_i64()
                    .and_then(|n| i32::try_from(n).ok())
                    .and_then(|n| EventType::try_from(n).ok()),
                _ => None,
            };
            ty.ok_or_else(|| FilterErrorKind::BadEventType {
                key: key.to_owned(),
                value: v.to_string(),
            })
        })
        .collect()
}

/// A list of capabilities by name (`CAP_SYS_ADMIN`; both `DAC_OVERRIDE`,
/// the schema's spelling, and `CAP_DAC_OVERRIDE` are accepted) or number.
pub(crate) fn capabilities(key: &str, value: &Value) -> Result<Vec<i32>, FilterErrorKind> {
    list(key, value)?
        .iter()
        .map(|v| {
            let cap = match v {
                Value::String(s) if s == "CAP_DAC_OVERRIDE" => Some(CapabilitiesType::DacOverride),
                Value::String(s) => CapabilitiesType::from_str_name(s),
                Value::Number(n) => n
                    .as_i64()
                    .and_then(|n| i32::try_from(n).ok())
                    .and_then(|n| CapabilitiesType::try_from(n).ok()),
                _ => None,
            };
            cap.map(|c| c as i32)
                .ok_or_else(|| FilterErrorKind::BadCapability {
                    key: key.to_owned(),
                    value: v.to_string(),
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_names() {
        assert_eq!(lower_camel("parent_binary_regex"), "parentBinaryRegex");
        assert_eq!(lower_camel("pid"), "pid");
    }

    #[test]
    fn stream_splitting() {
        let objs = parse_objects(" {\"a\":1}\n\n{\"a\":2}{}\n", |m| Ok(m.len())).unwrap();
        assert_eq!(objs, vec![1, 1, 0]);
        assert_eq!(
            parse_objects("", |m| Ok(m.len())).unwrap(),
            Vec::<usize>::new()
        );
        let err = parse_objects("{} [1]", |m| Ok(m.len())).unwrap_err();
        assert_eq!(err.index, 1);
        assert_eq!(err.kind, FilterErrorKind::NotAnObject);
        let err = parse_objects("{}\n{\"a\":", |m| Ok(m.len())).unwrap_err();
        assert_eq!(err.index, 1);
        assert!(matches!(err.kind, FilterErrorKind::Json(_)));
    }
}
