//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use auspex_policy::{ErrorKind, PolicyError, TracingPolicy, parse_str};

/// The Tetragon example corpus: `shared/corpus/tetragon-examples`, or `$AUSPEX_CORPUS_DIR`.
pub fn corpus_dir() -> PathBuf {
    match std::env::var_os("AUSPEX_CORPUS_DIR") {
        Some(d) => PathBuf::from(d),
        None => {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/tetragon-examples")
        }
    }
}

/// The corpus directory and every file under it, sorted; fails when the corpus is missing (a
/// missing corpus is a failure, not a pass).
pub fn corpus_files() -> (PathBuf, Vec<PathBuf>) {
    let dir = corpus_dir();
    assert!(
        dir.is_dir(),
        "Tetragon example corpus not found at {} (set AUSPEX_CORPUS_DIR)",
        dir.display()
    );
    let mut files = Vec::new();
    walk(&dir, &mut files);
    (dir, files)
}

/// A `.yaml`/`.yml` file.
pub fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

/// Every file under `dir`, in sorted order, appended to `out`.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Removes the common leading indentation of a block of text.
pub fn dedent(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out = String::new();
    for l in lines {
        if l.len() >= indent {
            out.push_str(&l[indent..]);
        }
        out.push('\n');
    }
    out
}

/// A complete policy document with `spec` given as YAML (any indentation).
pub fn policy_yaml(spec: &str) -> String {
    policy_yaml_kind("TracingPolicy", spec)
}

/// Same, choosing the kind.
pub fn policy_yaml_kind(kind: &str, spec: &str) -> String {
    let mut s =
        format!("apiVersion: cilium.io/v1alpha1\nkind: {kind}\nmetadata:\n  name: test\nspec:\n");
    for line in dedent(spec).lines() {
        s.push_str("  ");
        s.push_str(line);
        s.push('\n');
    }
    s
}

/// Parses a spec that must be valid.
pub fn ok(spec: &str) -> TracingPolicy {
    match parse_str(&policy_yaml(spec), "t.yaml") {
        Ok(mut v) => {
            assert_eq!(v.len(), 1);
            v.remove(0)
        }
        Err(e) => panic!("expected a valid policy, got:\n{e}"),
    }
}

/// Parses a spec that must be invalid; returns all errors.
pub fn errs(spec: &str) -> Vec<PolicyError> {
    errs_doc(&policy_yaml(spec))
}

/// Parses a document that must be invalid; returns all errors.
pub fn errs_doc(doc: &str) -> Vec<PolicyError> {
    match parse_str(doc, "t.yaml") {
        Ok(_) => panic!("expected errors, the policy validated:\n{doc}"),
        Err(e) => {
            for err in &e {
                assert_eq!(err.location.file, "t.yaml");
            }
            e.into_vec()
        }
    }
}

/// Asserts the spec yields exactly one error, at `path`; returns its kind.
pub fn one(spec: &str, path: &str) -> ErrorKind {
    one_doc(&policy_yaml(spec), path)
}

/// Same for a whole document.
pub fn one_doc(doc: &str, path: &str) -> ErrorKind {
    let e = errs_doc(doc);
    let rendered: Vec<String> = e.iter().map(ToString::to_string).collect();
    assert_eq!(
        e.len(),
        1,
        "expected exactly one error, got:\n{}",
        rendered.join("\n")
    );
    assert_eq!(e[0].path.to_string(), path, "{}", rendered[0]);
    e[0].kind.clone()
}

/// Minimal kprobe on `fd_install(int, file)` with the given selectors block
/// (a YAML sequence, without the `selectors:` key).
pub fn fd_install_with(selectors: &str) -> String {
    let mut s = String::from(
        "kprobes:\n- call: fd_install\n  syscall: false\n  args:\n  - index: 0\n    type: int\n  - index: 1\n    type: file\n  selectors:\n",
    );
    for line in dedent(selectors).lines() {
        s.push_str("  ");
        s.push_str(line);
        s.push('\n');
    }
    s
}
