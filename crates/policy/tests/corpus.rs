//! Runs the parser/validator over every file of the Tetragon example corpus
//! (`shared/corpus/tetragon-examples`, or `$AUSPEX_CORPUS_DIR`).
//!
//! * every TracingPolicy / TracingPolicyNamespaced document must validate;
//! * documents of other kinds and non-YAML files are skipped and counted;
//! * the policy-library templates that contain unexpanded `${VAR}` address
//!   placeholders (meant to be piped through `envsubst`) must fail as-is with
//!   the specific error, and validate once the placeholders are substituted.
//!
//! A missing corpus directory is a failure, not a pass.

use std::collections::BTreeMap;

use auspex_policy::{ErrorKind, PolicyKind, load_documents, parse_documents};

mod common;
use common::{corpus_files, is_yaml};

/// Files that are templates: they hold `${PODCIDR}` / `${SERVICECIDR}` where an
/// address must go (the docs pipe them through envsubst). Value: the paths of
/// the values that must be reported as invalid addresses.
fn templates() -> BTreeMap<&'static str, Vec<&'static str>> {
    let placeholders = vec![
        "spec.kprobes[0].selectors[0].matchArgs[0].values[1]",
        "spec.kprobes[0].selectors[0].matchArgs[0].values[2]",
    ];
    BTreeMap::from([
        ("policylibrary/egress.yaml", placeholders.clone()),
        (
            "quickstart/network_egress_cluster.yaml",
            placeholders.clone(),
        ),
        (
            "quickstart/network_egress_cluster_enforce.yaml",
            placeholders,
        ),
    ])
}

/// Files known to hold no policy at all (README lists them).
const NON_POLICY_FILES: &[&str] = &[
    "configuration/tetragon.yaml",
    "eventchecker/process_exec.yaml",
    "quickstart/docker-compose.yaml",
];

fn envsubst(src: &str) -> String {
    src.replace("${PODCIDR}", "10.244.0.0/16")
        .replace("${SERVICECIDR}", "10.96.0.0/12")
}

/// Rough independent count of policy documents, to cross-check the parser.
fn count_policy_docs(src: &str) -> usize {
    src.lines()
        .filter(|l| {
            let l = l.trim_end();
            l == "kind: TracingPolicy" || l == "kind: TracingPolicyNamespaced"
        })
        .count()
}

#[test]
fn every_corpus_policy_validates() {
    let (dir, files) = corpus_files();

    let templates = templates();
    let mut failures = Vec::new();
    let (mut validated, mut namespaced, mut skipped_docs, mut non_yaml, mut expected_invalid) =
        (0usize, 0usize, 0usize, 0usize, 0usize);
    let mut seen_templates = Vec::new();
    let mut seen_non_policy = Vec::new();

    for path in &files {
        let rel = path
            .strip_prefix(&dir)
            .expect("inside corpus")
            .to_string_lossy()
            .replace('\\', "/");
        if !is_yaml(path) {
            non_yaml += 1;
            continue;
        }
        let src = std::fs::read_to_string(path).expect("read corpus file");
        let expected_docs = count_policy_docs(&src);

        if let Some(bad_paths) = templates.get(rel.as_str()) {
            seen_templates.push(rel.clone());
            // As shipped: must fail, exactly on the placeholders, as invalid addresses.
            let errors = parse_documents(&src, &rel)
                .expect_err("template with ${VAR} placeholders must not validate");
            let mut got: Vec<String> = errors.iter().map(|e| e.path.to_string()).collect();
            got.sort();
            assert_eq!(got, *bad_paths, "{rel}: {errors}");
            for e in &errors {
                match &e.kind {
                    ErrorKind::InvalidValue { value, expected } => {
                        assert!(value.starts_with("${"), "{rel}: {e}");
                        assert!(expected.contains("CIDR"), "{rel}: {e}");
                    }
                    other => panic!("{rel}: unexpected error kind {other:?}"),
                }
            }
            expected_invalid += 1;
            // After substitution, as the docs instruct: must validate.
            match parse_documents(&envsubst(&src), &rel) {
                Ok(parsed) => assert_eq!(parsed.policies.len(), expected_docs, "{rel}"),
                Err(e) => failures.push(format!("{rel} (after envsubst):\n{e}")),
            }
            continue;
        }

        match load_documents(path) {
            Ok(parsed) => {
                if parsed.policies.len() != expected_docs {
                    failures.push(format!(
                        "{rel}: parsed {} policies but the file has {expected_docs} policy documents",
                        parsed.policies.len()
                    ));
                }
                if NON_POLICY_FILES.contains(&rel.as_str()) {
                    assert!(parsed.policies.is_empty(), "{rel} should hold no policy");
                    seen_non_policy.push(rel.clone());
                }
                validated += parsed.policies.len();
                namespaced += parsed
                    .policies
                    .iter()
                    .filter(|p| p.kind == PolicyKind::TracingPolicyNamespaced)
                    .count();
                skipped_docs += parsed.skipped.len();
                for s in &parsed.skipped {
                    assert!(
                        !matches!(
                            s.kind.as_deref(),
                            Some("TracingPolicy" | "TracingPolicyNamespaced")
                        ),
                        "{rel}: a policy document was skipped"
                    );
                }
            }
            Err(e) => failures.push(format!("{rel}:\n{e}")),
        }
    }

    println!(
        "corpus {}: {} files; {validated} policy documents validated ({namespaced} namespaced); \
         {skipped_docs} non-policy documents skipped; {non_yaml} non-YAML files skipped; \
         {expected_invalid} templates expected-invalid as shipped (valid after envsubst)",
        dir.display(),
        files.len()
    );

    assert!(
        failures.is_empty(),
        "corpus failures:\n{}",
        failures.join("\n\n")
    );
    let mut expected_templates: Vec<_> = templates.keys().map(|s| s.to_string()).collect();
    expected_templates.sort();
    assert_eq!(
        seen_templates, expected_templates,
        "template files missing from corpus"
    );
    assert_eq!(
        seen_non_policy.len(),
        NON_POLICY_FILES.len(),
        "non-policy files missing from corpus"
    );
    // Guard against an empty or truncated corpus passing silently.
    assert!(
        validated >= 70,
        "only {validated} policies found in the corpus"
    );
    assert!(
        skipped_docs >= 4,
        "expected the documented non-policy documents"
    );
}
