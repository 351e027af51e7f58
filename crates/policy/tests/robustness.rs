//! Malformed policies never panic the policy crate: every file of the Tetragon example corpus is
//! mutated line by line (lines dropped, repeated, re-indented, values replaced by hostile ones:
//! huge and negative numbers, empty and very long strings, bad addresses, NULs, YAML of the wrong
//! shape) and each mutant goes through parse, validation and compilation against a kernel that
//! offers every hook, so that compilation gets as far as the mutant allows. A mutant may be
//! refused; it must not panic, and every compile error names a field path.
//!
//! The mutations are deterministic (a seeded generator), so a failure names a reproducible case.

use std::panic::{AssertUnwindSafe, catch_unwind};

use auspex_policy::compile::{KernelView, TracepointField, compile};
use auspex_policy::parse_documents;

mod common;
use common::{corpus_files, is_yaml};

/// Mutants per corpus file.
const MUTANTS: usize = 150;

/// Values that stress number parsing, ranges, addresses, string limits and YAML types.
const HOSTILE: &[&str] = &[
    "\"\"",
    "-1",
    "0",
    "18446744073709551616",
    "-9223372036854775809",
    "4294967296",
    "0x",
    "0xffffffffffffffffff",
    "\"\\0\"",
    "\"a\\u0000b\"",
    "[]",
    "{}",
    "[[1]]",
    "null",
    "~",
    "true",
    "\"::/129\"",
    "\"256.1.1.1/33\"",
    "\"1.2.3.4/-1\"",
    "\"1:\"",
    "\":5\"",
    "\"5:1\"",
    "\"a:b:c\"",
    "\"${PODCIDR}\"",
    "\"%s%n%x\"",
    "\"list:\"",
    "\"CAP_NOPE\"",
    "\"arg9 > 1\"",
    "\"arg0 ==\"",
    "9999999999",
    "-",
    "\"/\"",
];

/// A kernel where every tracepoint exists (a syscall-shaped record) and every hook kind and
/// action works: the compiler's checks run as deep as the policy allows.
struct AnyKernel;

impl KernelView for AnyKernel {
    fn tracepoint_fields(&self, _: &str, _: &str) -> Option<Vec<TracepointField>> {
        let mut fields = vec![TracepointField {
            ctype: "unsigned short".into(),
            name: "common_type".into(),
            offset: 0,
            size: 2,
            signed: false,
        }];
        fields.push(TracepointField {
            ctype: "int".into(),
            name: "__syscall_nr".into(),
            offset: 8,
            size: 4,
            signed: true,
        });
        for (i, ctype) in [
            "const char *",
            "long",
            "unsigned long",
            "int",
            "char *",
            "long",
        ]
        .into_iter()
        .enumerate()
        {
            fields.push(TracepointField {
                ctype: ctype.into(),
                name: format!("arg{i}"),
                offset: 16 + 8 * i as u16,
                size: 8,
                signed: !ctype.starts_with("unsigned"),
            });
        }
        Some(fields)
    }

    fn kprobes_attach(&self) -> bool {
        true
    }

    fn syscall_number(&self, name: &str) -> Option<u32> {
        auspex_policy::compile::syscalls_x86_64::number(name)
    }

    fn bpf_lsm(&self) -> bool {
        true
    }

    fn trampolines(&self) -> bool {
        true
    }

    fn kprobe_override(&self) -> bool {
        true
    }

    fn host_namespace(&self, _: u8) -> Option<u32> {
        Some(4026531836)
    }
}

/// xorshift64*: small, seeded, good enough to pick lines and values.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
    }
}

/// One mutation of `src`: 1–3 edits of random lines.
fn mutate(src: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = src.lines().map(str::to_owned).collect();
    for _ in 0..1 + rng.below(3) {
        if lines.is_empty() {
            break;
        }
        let i = rng.below(lines.len());
        match rng.below(8) {
            0 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 => lines[i] = format!("  {}", lines[i]),
            3 => lines[i] = lines[i].trim_start().to_owned(),
            _ => {
                // Replace the value after `key:` or `- `, keeping the key and indentation.
                let l = lines[i].clone();
                // A string past every length limit now and then.
                let v = match rng.below(10) {
                    0 => format!("\"{}\"", "x".repeat(5000)),
                    _ => HOSTILE[rng.below(HOSTILE.len())].to_owned(),
                };
                lines[i] = match (l.find(": "), l.trim_start().starts_with("- ")) {
                    (Some(at), _) => format!("{} {v}", &l[..at + 1]),
                    (None, true) => {
                        let indent = l.len() - l.trim_start().len();
                        format!("{}- {v}", &l[..indent])
                    }
                    _ => l,
                };
            }
        }
    }
    lines.join("\n")
}

#[test]
fn mutated_corpus_policies_never_panic() {
    let (_, files) = corpus_files();
    let files: Vec<_> = files.into_iter().filter(|p| is_yaml(p)).collect();
    assert!(files.len() > 50, "corpus has {} YAML files", files.len());
    // Panics are caught and counted; keep their default messages off the test output.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let (mut mutants, mut compiled, mut refused) = (0usize, 0usize, 0usize);
    let mut panics = Vec::new();
    for (k, path) in files.iter().enumerate() {
        let src = std::fs::read_to_string(path).expect("read corpus file");
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (k as u64 + 1));
        for m in 0..MUTANTS {
            let mutant = mutate(&src, &mut rng);
            mutants += 1;
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let Ok(parsed) = parse_documents(&mutant, "mutant.yaml") else {
                    return (0, 0, Vec::new());
                };
                let (mut ok, mut bad, mut pathless) = (0, 0, Vec::new());
                for p in &parsed.policies {
                    match compile(p, &AnyKernel) {
                        Ok(_) => ok += 1,
                        Err(errors) => {
                            bad += 1;
                            pathless.extend(errors.into_iter().filter(|e| e.path.is_empty()));
                        }
                    }
                }
                (ok, bad, pathless)
            }));
            match outcome {
                Ok((ok, bad, pathless)) => {
                    compiled += ok;
                    refused += bad;
                    assert!(
                        pathless.is_empty(),
                        "{} mutant {m}: compile errors without a field path: {pathless:?}",
                        path.display()
                    );
                }
                Err(_) => panics.push(format!("{} mutant {m}:\n{mutant}", path.display())),
            }
        }
    }
    std::panic::set_hook(hook);
    assert!(
        panics.is_empty(),
        "{} of {mutants} mutants panicked; first:\n{}",
        panics.len(),
        panics[0]
    );
    // The mutants must reach the compiler, not only the parser.
    assert!(
        compiled > mutants / 10 && refused > 0,
        "{mutants} mutants: {compiled} compiled, {refused} refused by the compiler"
    );
    eprintln!("{mutants} mutants: {compiled} policies compiled, {refused} refused, no panic");
}
