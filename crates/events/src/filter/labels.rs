//! Kubernetes label selectors in their string form (`labels.Parse` syntax):
//! comma-separated requirements, all of which must hold.
//!
//! | requirement | holds when |
//! |---|---|
//! | `k` | label `k` exists |
//! | `!k` | label `k` does not exist |
//! | `k=v`, `k==v` | `k` exists and equals `v` |
//! | `k!=v` | `k` is missing or differs from `v` |
//! | `k in (a,b)` | `k` exists and is one of the values |
//! | `k notin (a,b)` | `k` is missing or none of the values |
//! | `k>n`, `k<n` | `k` exists, is an integer and is greater / less than `n` |
//!
//! The empty selector matches every label set. Keys must be qualified names
//! (`[dns-subdomain/]name`, name at most 63 characters of alphanumerics,
//! `-`, `_`, `.`, starting and ending alphanumeric); values at most 63 such
//! characters or empty.

use std::collections::BTreeMap;
use std::fmt;

/// A parsed label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirement {
    key: String,
    op: Op,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    Exists,
    DoesNotExist,
    In(Vec<String>),
    NotIn(Vec<String>),
    Gt(i64),
    Lt(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Bang,
    Eq,
    DoubleEq,
    NotEq,
    Gt,
    Lt,
    Open,
    Close,
    Comma,
    End,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Ident(s) => write!(f, "{s:?}"),
            Tok::Bang => f.write_str("'!'"),
            Tok::Eq => f.write_str("'='"),
            Tok::DoubleEq => f.write_str("'=='"),
            Tok::NotEq => f.write_str("'!='"),
            Tok::Gt => f.write_str("'>'"),
            Tok::Lt => f.write_str("'<'"),
            Tok::Open => f.write_str("'('"),
            Tok::Close => f.write_str("')'"),
            Tok::Comma => f.write_str("','"),
            Tok::End => f.write_str("end of string"),
        }
    }
}

fn is_special(c: char) -> bool {
    matches!(c, '!' | '=' | '(' | ')' | ',' | '<' | '>')
}

fn tokenize(s: &str) -> Vec<Tok> {
    let mut toks = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        chars.next();
        let tok = match c {
            '!' if chars.peek() == Some(&'=') => {
                chars.next();
                Tok::NotEq
            }
            '!' => Tok::Bang,
            '=' if chars.peek() == Some(&'=') => {
                chars.next();
                Tok::DoubleEq
            }
            '=' => Tok::Eq,
            '(' => Tok::Open,
            ')' => Tok::Close,
            ',' => Tok::Comma,
            '<' => Tok::Lt,
            '>' => Tok::Gt,
            _ => {
                let mut ident = String::from(c);
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || is_special(c) {
                        break;
                    }
                    ident.push(c);
                    chars.next();
                }
                Tok::Ident(ident)
            }
        };
        toks.push(tok);
    }
    toks.push(Tok::End);
    toks
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn next(&mut self) -> Tok {
        let tok = self.peek().clone();
        if self.pos < self.toks.len() {
            self.pos += 1;
        }
        tok
    }

    fn selector(&mut self) -> Result<Vec<Requirement>, String> {
        let mut reqs = Vec::new();
        if *self.peek() == Tok::End {
            return Ok(reqs);
        }
        loop {
            reqs.push(self.requirement()?);
            match self.next() {
                Tok::End => return Ok(reqs),
                Tok::Comma => match self.peek() {
                    Tok::Ident(_) | Tok::Bang => {}
                    t => return Err(format!("found {t}, expected: identifier after ','")),
                },
                t => return Err(format!("found {t}, expected: ',' or end of string")),
            }
        }
    }

    fn requirement(&mut self) -> Result<Requirement, String> {
        let negated = *self.peek() == Tok::Bang;
        if negated {
            self.next();
        }
        let key = match self.next() {
            Tok::Ident(key) => key,
            t => return Err(format!("found {t}, expected: identifier")),
        };
        validate_key(&key)?;
        if matches!(self.peek(), Tok::End | Tok::Comma) {
            let op = if negated {
                Op::DoesNotExist
            } else {
                Op::Exists
            };
            return Ok(Requirement { key, op });
        }
        if negated {
            return Err(format!(
                "found {}, expected: ',' or end of string after '!{key}'",
                self.peek()
            ));
        }
        let op = match self.next() {
            Tok::Eq | Tok::DoubleEq => Op::In(vec![self.exact_value()?]),
            Tok::NotEq => Op::NotIn(vec![self.exact_value()?]),
            Tok::Gt => Op::Gt(self.integer()?),
            Tok::Lt => Op::Lt(self.integer()?),
            Tok::Ident(word) if word == "in" => Op::In(self.value_set()?),
            Tok::Ident(word) if word == "notin" => Op::NotIn(self.value_set()?),
            t => {
                return Err(format!(
                    "found {t}, expected: one of '=', '==', '!=', 'in', 'notin', '>', '<'"
                ));
            }
        };
        Ok(Requirement { key, op })
    }

    /// The value after `=`, `==`, `!=` (may be empty: `k=`).
    fn exact_value(&mut self) -> Result<String, String> {
        match self.peek() {
            Tok::End | Tok::Comma => Ok(String::new()),
            Tok::Ident(_) => {
                let Tok::Ident(value) = self.next() else {
                    unreachable!("peeked an identifier")
                };
                validate_value(&value)?;
                Ok(value)
            }
            t => Err(format!("found {t}, expected: identifier")),
        }
    }

    fn integer(&mut self) -> Result<i64, String> {
        match self.next() {
            Tok::Ident(value) => value.parse().map_err(|_| {
                format!("for '<', '>' operators, the value must be an integer, got {value:?}")
            }),
            t => Err(format!("found {t}, expected: integer")),
        }
    }

    /// `( v1, v2, ... )`; empty entries are the empty value.
    fn value_set(&mut self) -> Result<Vec<String>, String> {
        match self.next() {
            Tok::Open => {}
            t => return Err(format!("found {t}, expected: '('")),
        }
        let mut values = Vec::new();
        let mut current = String::new();
        loop {
            match self.next() {
                Tok::Ident(value) => {
                    if !current.is_empty() {
                        return Err(format!("found {value:?}, expected: ',' or ')'"));
                    }
                    validate_value(&value)?;
                    current = value;
                }
                Tok::Comma => values.push(std::mem::take(&mut current)),
                Tok::Close => {
                    values.push(current);
                    return Ok(values);
                }
                t => return Err(format!("found {t}, expected: identifier, ',' or ')'")),
            }
        }
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`, at most 63 characters.
fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars().all(is_name_char)
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// DNS-1123 subdomain: dot-separated lower-case labels, at most 253 characters.
fn valid_dns_subdomain(s: &str) -> bool {
    s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

fn validate_key(key: &str) -> Result<(), String> {
    let ok = match key.split_once('/') {
        Some((prefix, name)) => valid_dns_subdomain(prefix) && valid_name(name),
        None => valid_name(key),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("invalid label key {key:?}"))
    }
}

fn validate_value(value: &str) -> Result<(), String> {
    if value.is_empty() || valid_name(value) {
        Ok(())
    } else {
        Err(format!("invalid label value {value:?}"))
    }
}

impl LabelSelector {
    /// Parses a selector string; the error describes the problem.
    pub fn parse(selector: &str) -> Result<Self, String> {
        let mut parser = Parser {
            toks: tokenize(selector),
            pos: 0,
        };
        Ok(Self {
            requirements: parser.selector()?,
        })
    }

    /// Whether every requirement holds for `labels`.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|r| {
            let value = labels.get(&r.key);
            match &r.op {
                Op::Exists => value.is_some(),
                Op::DoesNotExist => value.is_none(),
                Op::In(set) => value.is_some_and(|v| set.contains(v)),
                Op::NotIn(set) => value.is_none_or(|v| !set.contains(v)),
                Op::Gt(n) => value
                    .and_then(|v| v.parse::<i64>().ok())
                    .is_some_and(|v| v > *n),
                Op::Lt(n) => value
                    .and_then(|v| v.parse::<i64>().ok())
                    .is_some_and(|v| v < *n),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn sel(s: &str) -> LabelSelector {
        LabelSelector::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn operators() {
        let l = labels(&[("app", "foo"), ("env", "prod"), ("tier", "3")]);
        let cases: &[(&str, bool)] = &[
            ("", true),
            ("app", true),
            ("missing", false),
            ("!missing", true),
            ("!app", false),
            ("app=foo", true),
            ("app==foo", true),
            ("app=bar", false),
            ("app!=bar", true),
            ("app!=foo", false),
            ("missing!=x", true),
            ("env in (dev, prod)", true),
            ("env in (dev,qa)", false),
            ("env notin (dev,qa)", true),
            ("env notin (prod)", false),
            ("missing notin (a)", true),
            ("missing in (a)", false),
            ("tier>2", true),
            ("tier>3", false),
            ("tier<4", true),
            ("app>1", false),
            ("app=foo,env in (a,prod),!x", true),
            ("app=foo,env in (a,b),!x", false),
            ("app=foo, env=prod", true),
            ("app=,env=prod", false),
            ("example.com/team", false),
        ];
        for (s, want) in cases {
            assert_eq!(sel(s).matches(&l), *want, "{s}");
        }
        assert!(sel("k=").matches(&labels(&[("k", "")])));
        assert!(sel("k in (a,)").matches(&labels(&[("k", "")])));
        assert!(sel("example.com/team=x").matches(&labels(&[("example.com/team", "x")])));
    }

    #[test]
    fn errors() {
        for bad in [
            "app=foo,",
            ",app",
            "app foo",
            "app in foo",
            "app in (a",
            "app in (a b)",
            "app>x",
            "!app=foo",
            "bad key=x",
            "-app=x",
            "app=-x",
            "UPPER.com/x=y",
            "app=(x)",
            "=x",
        ] {
            assert!(LabelSelector::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
