//! Error types: every problem found in a policy file is a [`PolicyError`]
//! (where it is + an [`ErrorKind`] saying what is wrong), and a failed parse
//! returns all of them at once as [`PolicyErrors`].

use std::fmt;

/// A path to a field inside a policy document, written the way the user wrote
/// the YAML: `spec.kprobes[0].selectors[1].matchArgs[0].operator`.
///
/// An empty path designates the whole file or document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldPath(Vec<PathSegment>);

/// One step of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathSegment {
    /// A struct field, by its YAML name (`matchArgs`).
    Field(String),
    /// A position in a sequence (`[3]`).
    Index(usize),
    /// A user-chosen map key (a `selectorsMacros` name, a label key).
    Key(String),
}

impl FieldPath {
    /// The empty path (the document itself).
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// A path made of dotted field names, e.g. `FieldPath::from_fields("spec.lists")`.
    pub fn from_fields(dotted: &str) -> Self {
        Self(
            dotted
                .split('.')
                .filter(|s| !s.is_empty())
                .map(|s| PathSegment::Field(s.to_owned()))
                .collect(),
        )
    }

    /// This path extended by a field name.
    #[must_use]
    pub fn field(&self, name: &str) -> Self {
        let mut p = self.clone();
        p.0.push(PathSegment::Field(name.to_owned()));
        p
    }

    /// This path extended by a sequence index.
    #[must_use]
    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(PathSegment::Index(i));
        p
    }

    /// This path extended by a map key.
    #[must_use]
    pub fn key(&self, k: &str) -> Self {
        let mut p = self.clone();
        p.0.push(PathSegment::Key(k.to_owned()));
        p
    }

    /// The segments of the path, outermost first.
    pub fn segments(&self) -> &[PathSegment] {
        &self.0
    }

    /// `true` for the empty path.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn push(&mut self, seg: PathSegment) {
        self.0.push(seg);
    }
}

fn is_plain_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for seg in &self.0 {
            match seg {
                PathSegment::Field(name) => {
                    if !first {
                        f.write_str(".")?;
                    }
                    f.write_str(name)?;
                }
                PathSegment::Key(k) if is_plain_key(k) => {
                    if !first {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                PathSegment::Key(k) => write!(f, "[{k:?}]")?,
                PathSegment::Index(i) => write!(f, "[{i}]")?,
            }
            first = false;
        }
        Ok(())
    }
}

impl PartialEq<str> for FieldPath {
    #[allow(clippy::cmp_owned)] // compares the rendered path; allocation is fine here
    fn eq(&self, other: &str) -> bool {
        self.to_string() == other
    }
}

impl PartialEq<&str> for FieldPath {
    #[allow(clippy::cmp_owned)]
    fn eq(&self, other: &&str) -> bool {
        self.to_string() == *other
    }
}

/// Where an error was found: the file, the YAML document inside it, and when
/// known the line/column and the policy's name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// File name as given to the parser (for display only).
    pub file: String,
    /// 0-based index of the YAML document in the file (`---` separated).
    pub document: usize,
    /// 1-based line in the file, when the YAML parser reported one.
    pub line: Option<usize>,
    /// 1-based column, when the YAML parser reported one.
    pub column: Option<usize>,
    /// `metadata.name` of the policy, once known.
    pub policy: Option<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.file.is_empty() {
            "<input>"
        } else {
            &self.file
        })?;
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, ":{l}:{c}")?,
            (Some(l), None) => write!(f, ":{l}")?,
            _ => {
                if self.document > 0 {
                    write!(f, " (document {})", self.document + 1)?;
                }
            }
        }
        if let Some(p) = &self.policy {
            write!(f, " [policy {p:?}]")?;
        }
        Ok(())
    }
}

/// One problem in a policy file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {}{kind}", path_prefix(path))]
pub struct PolicyError {
    /// File / document / line.
    pub location: Location,
    /// The offending field, in the user's words.
    pub path: FieldPath,
    /// What is wrong.
    pub kind: ErrorKind,
}

fn path_prefix(p: &FieldPath) -> String {
    if p.is_root() {
        String::new()
    } else {
        format!("{p}: ")
    }
}

/// What is wrong. Variants carry the offending value and, where there is a
/// closed set, what would have been accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file could not be read.
    #[error("cannot read file: {message}")]
    Io {
        /// OS error text.
        message: String,
    },
    /// The document is not well-formed YAML.
    #[error("YAML syntax error: {message}")]
    Yaml {
        /// Parser message.
        message: String,
    },
    /// A key that the TracingPolicy schema does not have (typo or unsupported field).
    #[error("unknown field `{field}`; allowed here: {expected}")]
    UnknownField {
        /// The key as written.
        field: String,
        /// The keys accepted at this place.
        expected: String,
    },
    /// A required key is absent.
    #[error("missing required field `{field}`")]
    MissingField {
        /// The absent key.
        field: String,
    },
    /// A value of the wrong YAML type (e.g. a list where a string was expected)
    /// or another schema-level problem reported by the deserializer.
    #[error("{message}")]
    InvalidType {
        /// Deserializer message.
        message: String,
    },
    /// `apiVersion` of a TracingPolicy document is not `cilium.io/v1alpha1`.
    #[error("unsupported apiVersion {value:?}; expected {expected:?}")]
    UnsupportedApiVersion {
        /// Value found.
        value: String,
        /// Value expected.
        expected: String,
    },
    /// A value that is syntactically or semantically invalid for its field.
    #[error("invalid value {value:?}: expected {expected}")]
    InvalidValue {
        /// The value as written.
        value: String,
        /// Human description of what is accepted.
        expected: String,
    },
    /// A required value is empty or absent for semantic reasons (e.g. `returnArg` when `return: true`).
    #[error("`{field}` is required {reason}")]
    MissingRequired {
        /// The field that must be set.
        field: String,
        /// Why ("when return is true", "for action Signal").
        reason: String,
    },
    /// Fields that cannot be used together.
    #[error("{message}")]
    Conflict {
        /// Explanation.
        message: String,
    },
    /// An operator spelling that is not known at all.
    #[error("unknown operator {value:?} for {selector}; allowed: {allowed}")]
    UnknownOperator {
        /// The operator as written.
        value: String,
        /// The kind of filter (`matchArgs`, `matchPIDs`, …).
        selector: String,
        /// Operators accepted for that filter.
        allowed: String,
    },
    /// An argument operator that does not apply to the type of the argument it filters.
    #[error("operator {operator} cannot be used on an argument of type {arg_type:?}; {hint}")]
    OperatorTypeMismatch {
        /// The operator as written.
        operator: String,
        /// The argument's declared type.
        arg_type: String,
        /// Which types the operator accepts, or which operators the type accepts.
        hint: String,
    },
    /// An action name that is not known.
    #[error("unknown action {value:?}; allowed: {allowed}")]
    UnknownAction {
        /// The action as written.
        value: String,
        /// Accepted action names (case-insensitive).
        allowed: String,
    },
    /// An action that is known but cannot be used on this kind of hook / in this place.
    #[error("action {action} is not allowed {context}; allowed here: {allowed}")]
    ActionNotAllowed {
        /// The action as written.
        action: String,
        /// Where it was used ("on lsmhooks").
        context: String,
        /// Accepted actions there.
        allowed: String,
    },
    /// An action lacks a parameter it needs (argSig for Signal, argError for Override, …).
    #[error("action {action} requires `{param}` ({meaning})")]
    MissingActionParam {
        /// The action.
        action: String,
        /// The missing parameter.
        param: String,
        /// What the parameter means.
        meaning: String,
    },
    /// An action parameter that is invalid or not permitted with this action.
    #[error("`{param}` {reason}")]
    InvalidActionParam {
        /// The action.
        action: String,
        /// The parameter.
        param: String,
        /// Explanation.
        reason: String,
    },
    /// An argument type name that is not known.
    #[error("unknown argument type {value:?}; allowed: {allowed}")]
    UnknownArgType {
        /// The type as written.
        value: String,
        /// Accepted type names.
        allowed: String,
    },
    /// A filter (or size/action reference) points at an argument the hook does not declare.
    #[error("{what} {index} does not refer to a declared {target}; declared: {declared}")]
    UndeclaredArgument {
        /// "index", "argument position", "sizeArgIndex" …
        what: String,
        /// The referenced value.
        index: u64,
        /// "argument", "data entry", "return argument".
        target: String,
        /// What is declared (e.g. "index 0 (file), index 1 (int)" or "none").
        declared: String,
    },
    /// A filter kind that cannot be used on this hook (e.g. `matchReturnArgs` on an LSM hook).
    #[error("{selector} cannot be used {context}")]
    SelectorNotAllowed {
        /// The filter kind.
        selector: String,
        /// Why / where.
        context: String,
    },
    /// A BPF-imposed limit (§4.10) is exceeded.
    #[error("too many {what}: {actual} (limit {limit})")]
    LimitExceeded {
        /// What is counted.
        what: String,
        /// The limit.
        limit: usize,
        /// The count found.
        actual: usize,
    },
    /// A string value is too long for the kernel representation.
    #[error("{what} {value:?} is {len} bytes long; at most {max} allowed")]
    ValueTooLong {
        /// What kind of value ("Prefix value", "binary path").
        what: String,
        /// The value (possibly abbreviated).
        value: String,
        /// Its length in bytes.
        len: usize,
        /// The maximum.
        max: usize,
    },
    /// `list:NAME` refers to a list that `spec.lists` does not define.
    #[error("unknown list {name:?}; defined lists: {defined}")]
    UnknownList {
        /// The list name.
        name: String,
        /// Lists defined in the policy.
        defined: String,
    },
    /// A list referenced from a place that needs a different list type.
    #[error("list {name:?} has type {list_type:?}; {expected}")]
    ListTypeMismatch {
        /// The list name.
        name: String,
        /// Its type.
        list_type: String,
        /// What is needed.
        expected: String,
    },
    /// A selector names a macro that `spec.selectorsMacros` does not define.
    #[error("unknown selectors macro {name:?}; defined macros: {defined}")]
    UnknownMacro {
        /// The macro name.
        name: String,
        /// Macros defined in the policy.
        defined: String,
    },
    /// Two entries share a name that must be unique.
    #[error("duplicate {what} name {name:?}")]
    DuplicateName {
        /// "list", "selectors macro".
        what: String,
        /// The name.
        name: String,
    },
    /// A `rateLimit` that is not `N`, `Ns`, `Nm` or `Nh`.
    #[error(
        "invalid rateLimit {value:?}: expected a number of seconds, optionally suffixed by s, m or h (e.g. 30, 5s, 1m, 2h)"
    )]
    InvalidRateLimit {
        /// The value as written.
        value: String,
    },
    /// A `matchNamespaces` namespace (or `matchNamespaceChanges` value) that is not known.
    #[error("unknown namespace {value:?}; allowed: {allowed}")]
    UnknownNamespace {
        /// The namespace as written.
        value: String,
        /// Accepted namespace names.
        allowed: String,
    },
    /// A capability name that is not known.
    #[error(
        "unknown capability {value:?}; expected a name such as CAP_SYS_ADMIN (CAP_CHOWN … CAP_CHECKPOINT_RESTORE)"
    )]
    UnknownCapability {
        /// The capability as written.
        value: String,
    },
    /// A known option with a bad value.
    #[error("option {name:?} has invalid value {value:?}: expected {expected}")]
    InvalidOption {
        /// The option name.
        name: String,
        /// The value as written.
        value: String,
        /// Accepted values.
        expected: String,
    },
    /// A Kubernetes object name that does not follow the naming rules.
    #[error("invalid name {value:?}: {reason}")]
    InvalidName {
        /// The name as written.
        value: String,
        /// The rule that is broken.
        reason: String,
    },
}

/// All the errors found while loading one file (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyErrors(Vec<PolicyError>);

impl PolicyErrors {
    pub(crate) fn new(errors: Vec<PolicyError>) -> Self {
        debug_assert!(!errors.is_empty());
        Self(errors)
    }

    /// The errors, in document order.
    pub fn errors(&self) -> &[PolicyError] {
        &self.0
    }

    /// Iterates the errors.
    pub fn iter(&self) -> std::slice::Iter<'_, PolicyError> {
        self.0.iter()
    }

    /// Number of errors (≥ 1).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always `false`; present for API symmetry with collections.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Consumes the collection, yielding the errors.
    pub fn into_vec(self) -> Vec<PolicyError> {
        self.0
    }

    /// Errors whose path renders as `path`.
    pub fn at<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a PolicyError> + 'a {
        self.0.iter().filter(move |e| e.path == path)
    }
}

impl fmt::Display for PolicyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PolicyErrors {}

impl IntoIterator for PolicyErrors {
    type Item = PolicyError;
    type IntoIter = std::vec::IntoIter<PolicyError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a PolicyErrors {
    type Item = &'a PolicyError;
    type IntoIter = std::slice::Iter<'a, PolicyError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_display() {
        let p = FieldPath::from_fields("spec.kprobes")
            .index(0)
            .field("selectors")
            .index(1)
            .field("matchArgs")
            .index(0)
            .field("operator");
        assert_eq!(
            p.to_string(),
            "spec.kprobes[0].selectors[1].matchArgs[0].operator"
        );
        let m = FieldPath::from_fields("spec.selectorsMacros")
            .key("my-macro")
            .field("matchArgs");
        assert_eq!(m.to_string(), "spec.selectorsMacros.my-macro.matchArgs");
        let odd = FieldPath::from_fields("metadata.labels").key("app.kubernetes.io/name");
        assert_eq!(
            odd.to_string(),
            "metadata.labels[\"app.kubernetes.io/name\"]"
        );
        assert_eq!(FieldPath::root().to_string(), "");
    }

    #[test]
    fn error_display_reads_well() {
        let e = PolicyError {
            location: Location {
                file: "p.yaml".into(),
                document: 1,
                line: None,
                column: None,
                policy: Some("x".into()),
            },
            path: FieldPath::from_fields("spec.kprobes")
                .index(0)
                .field("call"),
            kind: ErrorKind::UnknownList {
                name: "foo".into(),
                defined: "none".into(),
            },
        };
        assert_eq!(
            e.to_string(),
            "p.yaml (document 2) [policy \"x\"]: spec.kprobes[0].call: unknown list \"foo\"; defined lists: none"
        );
    }
}
