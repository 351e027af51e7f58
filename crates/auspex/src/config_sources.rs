//! Agent settings from places other than the command line, like Tetragon's: drop-in directories
//! with one file per flag (file name = flag name, content = value), a YAML file of flag → value,
//! and `AUSPEX_<FLAG>` environment variables. They become `--flag=value` arguments placed before
//! the real ones, so the precedence is (later wins):
//!
//! 1. `/usr/lib/auspex/auspex.conf.d/`, `/usr/local/lib/auspex/auspex.conf.d/`
//! 2. `/etc/auspex/auspex.yaml`
//! 3. `/etc/auspex/auspex.conf.d/`
//! 4. `--config-dir DIR` (a drop-in directory)
//! 5. environment variables `AUSPEX_EXPORT_FILENAME=…` (flag name upper-cased, `-` → `_`)
//! 6. command-line flags
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// System-wide sources, lowest precedence first (before `--config-dir` and the environment).
pub const DROP_IN_DIRS_LOW: &[&str] = &[
    "/usr/lib/auspex/auspex.conf.d",
    "/usr/local/lib/auspex/auspex.conf.d",
];
/// The YAML configuration file.
pub const YAML_FILE: &str = "/etc/auspex/auspex.yaml";
/// The administrator's drop-in directory.
pub const DROP_IN_DIR: &str = "/etc/auspex/auspex.conf.d";

/// Where the settings are read from (paths are parameters so tests can use temp dirs).
#[derive(Debug, Clone)]
pub struct Sources {
    /// Drop-in dirs read first.
    pub low_dirs: Vec<PathBuf>,
    /// YAML file.
    pub yaml: PathBuf,
    /// Drop-in dir read after the YAML file.
    pub dir: PathBuf,
    /// `--config-dir`, if given.
    pub config_dir: Option<PathBuf>,
}

impl Default for Sources {
    fn default() -> Self {
        Self {
            low_dirs: DROP_IN_DIRS_LOW.iter().map(PathBuf::from).collect(),
            yaml: PathBuf::from(YAML_FILE),
            dir: PathBuf::from(DROP_IN_DIR),
            config_dir: None,
        }
    }
}

/// `--flag=value` arguments from every source, in precedence order. `known` is the set of the
/// agent's long flag names; anything else is an error naming the source.
pub fn collect(
    sources: &Sources,
    env: impl Iterator<Item = (String, String)>,
    known: &[String],
) -> Result<Vec<OsString>, String> {
    let mut out = Vec::new();
    for d in &sources.low_dirs {
        drop_in(d, known, &mut out)?;
    }
    yaml(&sources.yaml, known, &mut out)?;
    drop_in(&sources.dir, known, &mut out)?;
    if let Some(d) = &sources.config_dir {
        if !d.is_dir() {
            return Err(format!("--config-dir {}: not a directory", d.display()));
        }
        drop_in(d, known, &mut out)?;
    }
    let mut env: Vec<(String, String)> = env.filter(|(k, _)| k.starts_with("AUSPEX_")).collect();
    env.sort();
    for (k, v) in env {
        let flag = k["AUSPEX_".len()..].to_ascii_lowercase().replace('_', "-");
        // Variables of the test harness and others that are not flags are not ours to judge.
        if known.contains(&flag) {
            push(&flag, &v, &mut out);
        }
    }
    Ok(out)
}

fn push(flag: &str, value: &str, out: &mut Vec<OsString>) {
    out.push(OsString::from(format!("--{flag}={value}")));
}

fn drop_in(dir: &Path, known: &[String], out: &mut Vec<OsString>) -> Result<(), String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    for f in files {
        let Some(flag) = f.file_name().and_then(|n| n.to_str()).map(str::to_string) else {
            continue;
        };
        if flag.starts_with('.') {
            continue;
        }
        if !known.contains(&flag) {
            return Err(format!("{}: no agent flag is named --{flag}", f.display()));
        }
        let value = std::fs::read_to_string(&f).map_err(|e| format!("{}: {e}", f.display()))?;
        push(&flag, value.trim_end_matches(['\n', '\r']), out);
    }
    Ok(())
}

fn yaml(path: &Path, known: &[String], out: &mut Vec<OsString>) -> Result<(), String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(());
    };
    let value: serde_norway::Value =
        serde_norway::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let serde_norway::Value::Mapping(map) = value else {
        if matches!(value, serde_norway::Value::Null) {
            return Ok(());
        }
        return Err(format!(
            "{}: expected a mapping of flag name to value",
            path.display()
        ));
    };
    for (k, v) in map {
        let Some(flag) = k.as_str() else {
            return Err(format!("{}: keys must be flag names", path.display()));
        };
        if !known.iter().any(|f| f == flag) {
            return Err(format!(
                "{}: {flag}: no agent flag has this name",
                path.display()
            ));
        }
        let scalar = |v: &serde_norway::Value| -> Result<String, String> {
            match v {
                serde_norway::Value::String(s) => Ok(s.clone()),
                serde_norway::Value::Bool(b) => Ok(b.to_string()),
                serde_norway::Value::Number(n) => Ok(n.to_string()),
                _ => Err(format!(
                    "{}: {flag}: expected a string, number, boolean or list",
                    path.display()
                )),
            }
        };
        match &v {
            serde_norway::Value::Sequence(items) => {
                for item in items {
                    push(flag, &scalar(item)?, out);
                }
            }
            other => push(flag, &scalar(other)?, out),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Vec<String> {
        [
            "export-filename",
            "tracing-policy",
            "enable-process-cred",
            "process-cache-size",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    #[test]
    fn precedence_dropins_yaml_configdir_env() {
        let t = tempfile::tempdir().expect("tempdir");
        let low = t.path().join("low");
        let dir = t.path().join("dir");
        let cfg = t.path().join("cfg");
        for d in [&low, &dir, &cfg] {
            std::fs::create_dir(d).expect("mkdir");
        }
        std::fs::write(low.join("export-filename"), "/a.log\n").expect("w");
        std::fs::write(t.path().join("auspex.yaml"), "export-filename: /b.log\ntracing-policy: [/p1.yaml, /p2.yaml]\nenable-process-cred: true\n").expect("w");
        std::fs::write(dir.join("process-cache-size"), "100").expect("w");
        std::fs::write(cfg.join("export-filename"), "/c.log").expect("w");
        let s = Sources {
            low_dirs: vec![low],
            yaml: t.path().join("auspex.yaml"),
            dir,
            config_dir: Some(cfg),
        };
        let env = vec![
            ("AUSPEX_PROCESS_CACHE_SIZE".to_string(), "200".to_string()),
            ("AUSPEX_TEST_STRICT".to_string(), "1".to_string()),
            ("HOME".to_string(), "/root".to_string()),
        ];
        let got: Vec<String> = collect(&s, env.into_iter(), &known())
            .expect("collects")
            .into_iter()
            .map(|o| o.into_string().expect("utf8"))
            .collect();
        assert_eq!(
            got,
            [
                "--export-filename=/a.log",
                "--export-filename=/b.log",
                "--tracing-policy=/p1.yaml",
                "--tracing-policy=/p2.yaml",
                "--enable-process-cred=true",
                "--process-cache-size=100",
                "--export-filename=/c.log",
                "--process-cache-size=200",
            ]
        );
    }

    #[test]
    fn unknown_names_are_errors_naming_the_source() {
        let t = tempfile::tempdir().expect("tempdir");
        std::fs::write(t.path().join("no-such-flag"), "1").expect("w");
        let s = Sources {
            low_dirs: vec![],
            yaml: t.path().join("missing.yaml"),
            dir: t.path().to_path_buf(),
            config_dir: None,
        };
        let err = collect(&s, std::iter::empty(), &known()).expect_err("refused");
        assert!(
            err.contains("no-such-flag") && err.contains(t.path().to_str().expect("utf8")),
            "{err}"
        );
        let y = t.path().join("a.yaml");
        std::fs::write(&y, "bogus: 1\n").expect("w");
        let s = Sources {
            low_dirs: vec![],
            yaml: y,
            dir: t.path().join("none"),
            config_dir: None,
        };
        let err = collect(&s, std::iter::empty(), &known()).expect_err("refused");
        assert!(err.contains("bogus"), "{err}");
    }
}
