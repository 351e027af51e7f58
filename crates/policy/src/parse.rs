//! YAML front end: splits a file into documents, classifies each one
//! (policy / other kind / empty), deserialises policies strictly with field
//! paths, and hands them to the validator.

use std::path::Path;

use serde_norway::Value;

use crate::error::{ErrorKind, FieldPath, Location, PathSegment, PolicyError, PolicyErrors};
use crate::model::{API_VERSION, PolicyKind, PolicySource, TracingPolicy};
use crate::validate;

/// A document of a file that is not a TracingPolicy (another Kubernetes kind,
/// an agent configuration, a docker-compose file…). It is skipped, not an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedDocument {
    /// 0-based index of the document among the non-empty documents of the file.
    pub document: usize,
    /// 1-based line where the document starts.
    pub line: usize,
    /// Its `apiVersion`, if it has a string one.
    pub api_version: Option<String>,
    /// Its `kind`, if it has a string one.
    pub kind: Option<String>,
}

/// Result of parsing a whole file: its policies and the documents skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFile {
    /// Validated policies, in document order.
    pub policies: Vec<TracingPolicy>,
    /// Non-policy documents.
    pub skipped: Vec<SkippedDocument>,
}

struct RawDocument<'a> {
    /// 1-based line of the document's first line.
    first_line: usize,
    text: std::borrow::Cow<'a, str>,
}

fn is_marker(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace))
}

fn is_blank_document(text: &str) -> bool {
    text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t.starts_with('%')
    })
}

/// Splits a YAML stream at `---` / `...` markers (a marker is only ever at the
/// start of a line). Text after `---` on the marker line stays in the
/// document, with the marker blanked so columns are unchanged.
fn split_documents(src: &str) -> Vec<RawDocument<'_>> {
    let mut docs = Vec::new();
    let mut cur = String::new();
    let mut first_line = 1;
    let mut push = |cur: &mut String, first_line: usize| {
        let text = std::mem::take(cur);
        if !is_blank_document(&text) {
            docs.push(RawDocument {
                first_line,
                text: text.into(),
            });
        }
    };
    for (i, line) in src.split_inclusive('\n').enumerate() {
        let lineno = i + 1;
        if is_marker(line, "---") {
            push(&mut cur, first_line);
            first_line = lineno;
            cur.push_str("   ");
            cur.push_str(&line[3..]);
        } else if is_marker(line, "...") {
            push(&mut cur, first_line);
            first_line = lineno + 1;
        } else {
            if cur.is_empty() {
                first_line = lineno;
            }
            cur.push_str(line);
        }
    }
    push(&mut cur, first_line);
    docs
}

fn field_path_of(path: &serde_path_to_error::Path) -> FieldPath {
    let mut fp = FieldPath::root();
    for seg in path.iter() {
        match seg {
            serde_path_to_error::Segment::Seq { index } => fp.push(PathSegment::Index(*index)),
            serde_path_to_error::Segment::Map { key } => fp.push(PathSegment::Field(key.clone())),
            serde_path_to_error::Segment::Enum { variant } => {
                fp.push(PathSegment::Field(variant.clone()))
            }
            serde_path_to_error::Segment::Unknown => fp.push(PathSegment::Field("?".into())),
        }
    }
    fp
}

/// Message of a serde_norway error without its own path prefix and location suffix.
fn bare_message(err: &serde_norway::Error) -> String {
    let mut msg = err.to_string();
    if let Some(loc) = err.location() {
        let suffix = format!(" at line {} column {}", loc.line(), loc.column());
        if let Some(stripped) = msg.strip_suffix(&suffix) {
            msg = stripped.to_owned();
        }
    }
    if let Some((prefix, rest)) = msg.split_once(": ")
        && !prefix.is_empty()
        && !prefix.contains(char::is_whitespace)
        && !prefix.contains('`')
    {
        msg = rest.to_owned();
    }
    msg
}

fn between_backticks(s: &str) -> Option<(&str, &str)> {
    let start = s.find('`')? + 1;
    let len = s[start..].find('`')?;
    Some((&s[start..start + len], &s[start + len + 1..]))
}

fn classify_serde_message(msg: String) -> ErrorKind {
    if let Some(rest) = msg.strip_prefix("unknown field ")
        && let Some((field, tail)) = between_backticks(rest)
    {
        let expected = tail
            .strip_prefix(", expected one of ")
            .or_else(|| tail.strip_prefix(", expected "))
            .map(|e| e.replace('`', ""))
            .unwrap_or_else(|| "no fields".to_owned());
        return ErrorKind::UnknownField {
            field: field.to_owned(),
            expected,
        };
    }
    if let Some(rest) = msg.strip_prefix("missing field ")
        && let Some((field, _)) = between_backticks(rest)
    {
        return ErrorKind::MissingField {
            field: field.to_owned(),
        };
    }
    ErrorKind::InvalidType { message: msg }
}

fn yaml_location(
    file: &str,
    document: usize,
    doc: &RawDocument<'_>,
    err: &serde_norway::Error,
) -> Location {
    let (line, column) = match err.location() {
        Some(l) => (Some(doc.first_line + l.line() - 1), Some(l.column())),
        None => (Some(doc.first_line), None),
    };
    Location {
        file: file.to_owned(),
        document,
        line,
        column,
        policy: None,
    }
}

fn string_field(map: &serde_norway::Mapping, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// Parses, classifies and validates every document of `src`.
pub(crate) fn parse_documents(src: &str, file: &str) -> Result<ParsedFile, PolicyErrors> {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let mut policies = Vec::new();
    let mut skipped = Vec::new();
    let mut errors = Vec::new();

    for (index, doc) in split_documents(src).iter().enumerate() {
        let value: Value = match serde_norway::from_str(&doc.text) {
            Ok(v) => v,
            Err(e) => {
                errors.push(PolicyError {
                    location: yaml_location(file, index, doc, &e),
                    path: FieldPath::root(),
                    kind: ErrorKind::Yaml {
                        message: bare_message(&e),
                    },
                });
                continue;
            }
        };
        let (api_version, kind) = match &value {
            Value::Null => continue,
            Value::Mapping(m) => (string_field(m, "apiVersion"), string_field(m, "kind")),
            _ => (None, None),
        };
        if kind.as_deref().and_then(PolicyKind::parse).is_none() {
            skipped.push(SkippedDocument {
                document: index,
                line: doc.first_line,
                api_version,
                kind,
            });
            continue;
        }
        let name = match &value {
            Value::Mapping(m) => m
                .get("metadata")
                .and_then(|md| md.get("name"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            _ => None,
        };
        let base = Location {
            file: file.to_owned(),
            document: index,
            line: None,
            column: None,
            policy: name,
        };
        if let Some(v) = &api_version
            && v != API_VERSION
        {
            errors.push(PolicyError {
                location: base,
                path: FieldPath::from_fields("apiVersion"),
                kind: ErrorKind::UnsupportedApiVersion {
                    value: v.clone(),
                    expected: API_VERSION.to_owned(),
                },
            });
            continue;
        }
        let de = serde_norway::Deserializer::from_str(&doc.text);
        let mut policy: TracingPolicy = match serde_path_to_error::deserialize(de) {
            Ok(p) => p,
            Err(e) => {
                let path = field_path_of(e.path());
                let inner = e.into_inner();
                let mut location = yaml_location(file, index, doc, &inner);
                location.policy = base.policy.clone();
                errors.push(PolicyError {
                    location,
                    path,
                    kind: classify_serde_message(bare_message(&inner)),
                });
                continue;
            }
        };
        policy.source = PolicySource {
            file: file.to_owned(),
            document: index,
            line: doc.first_line,
        };
        let problems = validate::validate_policy(&policy, &base);
        if problems.is_empty() {
            policies.push(policy);
        } else {
            errors.extend(problems);
        }
    }

    if errors.is_empty() {
        Ok(ParsedFile { policies, skipped })
    } else {
        Err(PolicyErrors::new(errors))
    }
}

/// Reads a file and parses it with [`parse_documents`].
pub(crate) fn load_documents(path: &Path) -> Result<ParsedFile, PolicyErrors> {
    let file = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(src) => parse_documents(&src, &file),
        Err(e) => Err(PolicyErrors::new(vec![PolicyError {
            location: Location {
                file,
                ..Location::default()
            },
            path: FieldPath::root(),
            kind: ErrorKind::Io {
                message: e.to_string(),
            },
        }])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_documents_and_keeps_lines() {
        let src = "# c\n---\na: 1\n---\n\n---   \nb: 2\n...\n--- c: 3\n";
        let docs = split_documents(src);
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[0].first_line, 2);
        assert!(docs[0].text.contains("a: 1"));
        assert_eq!(docs[1].first_line, 6);
        assert_eq!(docs[2].first_line, 9);
        assert_eq!(docs[2].text.trim(), "c: 3");
        let single = split_documents("a: 1\nb: 2\n");
        assert_eq!(single.len(), 1);
        assert_eq!(single[0].first_line, 1);
        assert!(split_documents("").is_empty());
        // "---x" is not a marker
        assert_eq!(split_documents("a: ---x\n---x: 1\n").len(), 1);
    }

    #[test]
    fn serde_messages() {
        match classify_serde_message("unknown field `bogus`, expected `index` or `opt`".to_owned())
        {
            ErrorKind::UnknownField { field, expected } => {
                assert_eq!(field, "bogus");
                assert_eq!(expected, "index or opt");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            classify_serde_message("missing field `call`".to_owned()),
            ErrorKind::MissingField {
                field: "call".into()
            }
        );
    }
}
