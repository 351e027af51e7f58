//! Start-up checks and kernel feature probes. Each probe has three answers: supported, unsupported
//! (with the reason and what to do), or inconclusive (the probe itself failed). Preconditions the
//! agent cannot run without become [`PreflightError`]s with a message a person can act on.
use std::fmt;
use std::path::{Path, PathBuf};

use libbpf_rs::{MapType, ProgramType};

/// Answer of one probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// Works on this kernel.
    Supported,
    /// Does not work here; the reason says why.
    Unsupported(String),
    /// The probe could not decide (the error is kept).
    Inconclusive(String),
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Probe::Supported => f.write_str("supported"),
            Probe::Unsupported(r) => write!(f, "unsupported: {r}"),
            Probe::Inconclusive(e) => write!(f, "unknown (probe failed: {e})"),
        }
    }
}

/// A precondition the agent cannot run without.
#[derive(Debug, thiserror::Error)]
pub enum PreflightError {
    /// Not running as root.
    #[error(
        "auspex agent must run as root (effective uid is {euid}): it loads eBPF programs; run it with sudo"
    )]
    NotRoot {
        /// The effective uid we have.
        euid: u32,
    },
    /// No kernel BTF.
    #[error(
        "kernel BTF not found at {path}: this kernel lacks CONFIG_DEBUG_INFO_BTF=y; pass --btf FILE with a BTF file for this kernel"
    )]
    NoBtf {
        /// Path that was checked.
        path: PathBuf,
    },
    /// bpffs missing and not mountable.
    #[error(
        "bpffs is not mounted at /sys/fs/bpf and mounting it failed ({err}); mount it with `mount -t bpf bpf /sys/fs/bpf`"
    )]
    NoBpffs {
        /// The mount error.
        err: String,
    },
    /// No BPF ring buffer.
    #[error("the kernel has no BPF ring buffer ({0}); Auspex needs Linux 5.8 or newer")]
    NoRingBuffer(String),
    /// procfs unreadable.
    #[error("procfs not readable at {path}: {err}; pass --procfs DIR")]
    NoProcfs {
        /// Path that was checked.
        path: PathBuf,
        /// The error.
        err: String,
    },
}

const BPF_FS_MAGIC: i64 = 0xcafe_4a11;

/// Checks what the agent cannot run without. Mounts bpffs and tracefs when absent.
pub fn preflight(btf: &Path, procfs: &Path) -> Result<(), PreflightError> {
    let euid = nix::unistd::geteuid().as_raw();
    if euid != 0 {
        return Err(PreflightError::NotRoot { euid });
    }
    if !btf.is_file() {
        return Err(PreflightError::NoBtf {
            path: btf.to_path_buf(),
        });
    }
    if let Err(err) = std::fs::read_dir(procfs) {
        return Err(PreflightError::NoProcfs {
            path: procfs.to_path_buf(),
            err: err.to_string(),
        });
    }
    ensure_bpffs().map_err(|err| PreflightError::NoBpffs { err })?;
    match MapType::RingBuf.is_supported() {
        Ok(true) => {}
        Ok(false) => {
            return Err(PreflightError::NoRingBuffer(
                "map type not supported".into(),
            ));
        }
        Err(e) => return Err(PreflightError::NoRingBuffer(e.to_string())),
    }
    // tracefs is not needed by the process sensor; mount it for later hook kinds, best effort.
    let tracing = Path::new("/sys/kernel/tracing");
    if tracing.is_dir() && !tracing.join("events").exists() {
        let _ = nix::mount::mount(
            Some("tracefs"),
            tracing,
            Some("tracefs"),
            nix::mount::MsFlags::empty(),
            None::<&str>,
        );
    }
    Ok(())
}

fn ensure_bpffs() -> Result<(), String> {
    let dir = Path::new("/sys/fs/bpf");
    if let Ok(st) = nix::sys::statfs::statfs(dir)
        && st.filesystem_type().0 == BPF_FS_MAGIC
    {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    nix::mount::mount(
        Some("bpf"),
        dir,
        Some("bpf"),
        nix::mount::MsFlags::empty(),
        None::<&str>,
    )
    .map_err(|e| e.to_string())
}

/// Whether kprobe.multi links attach here (probed once: a do-nothing program on `vfs_read`). The
/// policy loader decides by it which kprobe program to load, so that a policy's programs are
/// verified once.
pub fn kprobe_multi() -> &'static Probe {
    static PROBE: std::sync::OnceLock<Probe> = std::sync::OnceLock::new();
    PROBE.get_or_init(|| {
        // An expected refusal is not a warning: libbpf's own report is muted meanwhile.
        let print = libbpf_rs::set_print(None);
        let probe = probe_kprobe_multi();
        libbpf_rs::set_print(print);
        probe
    })
}

/// fmod_ret programs on syscall entry points (`spec.enforcers`): the kernel allows them on the
/// functions of its error-injection list, which has the syscalls only with
/// CONFIG_FUNCTION_ERROR_INJECTION. Probed once.
pub fn syscall_fmod_ret() -> &'static Probe {
    static PROBE: std::sync::OnceLock<Probe> = std::sync::OnceLock::new();
    PROBE.get_or_init(|| {
        let print = libbpf_rs::set_print(None);
        let probe = probe_syscall_fmod_ret();
        libbpf_rs::set_print(print);
        probe
    })
}

/// Whether an fmod_ret program may change `function` (it is on the kernel's error-injection
/// list); 32-bit syscall entry points may be missing from it where the 64-bit ones are there.
/// Probed once per function by loading the do-nothing program against it.
pub fn fmod_ret_allowed(function: &str) -> bool {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static SEEN: Mutex<Option<HashMap<String, bool>>> = Mutex::new(None);
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    let seen = seen.get_or_insert_with(HashMap::new);
    if let Some(v) = seen.get(function) {
        return *v;
    }
    let print = libbpf_rs::set_print(None);
    let ok = probe_fmod_ret_on(function);
    libbpf_rs::set_print(print);
    seen.insert(function.to_string(), ok);
    ok
}

/// The kernel's lockdown mode when it is on (`none [integrity] confidentiality`: integrity).
fn lockdown_mode() -> Option<String> {
    let l = std::fs::read_to_string("/sys/kernel/security/lockdown").ok()?;
    let mode = l.split('[').nth(1)?.split(']').next()?;
    (mode != "none").then(|| mode.to_string())
}

/// The Set action as `auspex status` shows it, without loading a program that uses
/// bpf_probe_write_user (that logs a kernel warning): lockdown forbids it, else the first policy
/// with a Set probes it.
fn set_support() -> String {
    match lockdown_mode() {
        Some(m) => format!(
            "no: lockdown mode {m} forbids bpf_probe_write_user (/sys/kernel/security/lockdown)"
        ),
        _ => "yes (bpf_probe_write_user on arguments the probe keeps in memory; probed when a policy uses it)".into(),
    }
}

/// Whether kprobe-type programs (uprobes, USDTs) may write user memory with
/// `bpf_probe_write_user` (the Set action); `Err` says why not. Probed on first use only: the
/// kernel logs a warning whenever a program using the helper loads.
pub fn probe_write_user() -> Result<(), String> {
    static ANSWER: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    ANSWER
        .get_or_init(|| {
            let print = libbpf_rs::set_print(None);
            let ok = ProgramType::Kprobe
                .is_helper_supported(libbpf_rs::libbpf_sys::BPF_FUNC_probe_write_user);
            libbpf_rs::set_print(print);
            match ok {
                Ok(true) => Ok(()),
                Ok(false) => {
                    // The usual reason: kernel lockdown.
                    Err(match lockdown_mode() {
                        Some(mode) => format!(
                            "the kernel forbids bpf_probe_write_user (lockdown mode {mode}, /sys/kernel/security/lockdown)"
                        ),
                        None => "the kernel forbids bpf_probe_write_user".into(),
                    })
                }
                Err(e) => Err(format!("probing bpf_probe_write_user failed: {e}")),
            }
        })
        .clone()
}

/// Whether imaHash can work: sleepable BPF-LSM programs calling bpf_ima_file_hash load (Linux
/// 5.18+ with IMA built in; BPF-LSM active). `Err` says why not. Probed once, on first use.
pub fn ima_hash() -> Result<(), String> {
    static ANSWER: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    ANSWER
        .get_or_init(|| {
            use libbpf_rs::skel::OpenSkel;
            let print = libbpf_rs::set_print(None);
            let mut storage = std::mem::MaybeUninit::uninit();
            let result = match probe_object(&mut storage, "auspex_probe_ima_hash") {
                Ok(open) => {
                    open.load().map(|_| ()).map_err(|e| {
                        format!("a sleepable BPF-LSM program calling bpf_ima_file_hash does not load ({e}; needs Linux 5.18+ with IMA and BPF-LSM)")
                    })
                }
                Err(e) => Err(format!("probe object: {e}")),
            };
            libbpf_rs::set_print(print);
            result
        })
        .clone()
}

fn probe_fmod_ret_on(function: &str) -> bool {
    use libbpf_rs::skel::OpenSkel;
    let mut storage = std::mem::MaybeUninit::uninit();
    let Ok(mut open) = probe_object(&mut storage, "auspex_probe_fmod_ret_syscall") else {
        return false;
    };
    if open
        .progs
        .auspex_probe_fmod_ret_syscall
        .set_attach_target(0, Some(function.to_string()))
        .is_err()
    {
        return false;
    }
    open.load().is_ok()
}

/// The feature-probe object opened with only program `keep` to load (each probe loads one).
fn probe_object<'o>(
    storage: &'o mut std::mem::MaybeUninit<libbpf_rs::OpenObject>,
    keep: &str,
) -> libbpf_rs::Result<auspex_bpf::feature_probe::OpenFeatureProbeSkel<'o>> {
    use libbpf_rs::skel::{OpenSkel, SkelBuilder};
    let mut open = auspex_bpf::feature_probe::FeatureProbeSkelBuilder::default().open(storage)?;
    for mut prog in open.open_object_mut().progs_mut() {
        let load = prog.name() == keep;
        prog.set_autoload(load);
    }
    Ok(open)
}

/// Whether Override works on uprobes: a uprobe program writing the probe's registers loads
/// (Linux 6.19+). `Err` says why not. Probed once, on first use.
pub fn uprobe_override() -> Result<(), String> {
    static ANSWER: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    ANSWER
        .get_or_init(|| {
            use libbpf_rs::skel::OpenSkel;
            if !cfg!(target_arch = "x86_64") {
                return Err("Override on uprobes is implemented for x86_64".into());
            }
            let print = libbpf_rs::set_print(None);
            let mut storage = std::mem::MaybeUninit::uninit();
            let result = match probe_object(&mut storage, "auspex_probe_uprobe_write_ctx") {
                Ok(open) => open.load().map(|_| ()).map_err(|e| {
                    format!("a uprobe program writing its registers does not load ({e})")
                }),
                Err(e) => Err(format!("probe object: {e}")),
            };
            libbpf_rs::set_print(print);
            result
        })
        .clone()
}

fn probe_syscall_fmod_ret() -> Probe {
    use libbpf_rs::skel::OpenSkel;
    if !cfg!(target_arch = "x86_64") {
        return Probe::Unsupported("enforcers are implemented for x86_64".into());
    }
    let mut storage = std::mem::MaybeUninit::uninit();
    let open = match probe_object(&mut storage, "auspex_probe_fmod_ret_syscall") {
        Ok(o) => o,
        Err(e) => return Probe::Inconclusive(e.to_string()),
    };
    match open.load() {
        Ok(_) => Probe::Supported,
        Err(e) => Probe::Unsupported(format!(
            "fmod_ret programs on syscalls do not load ({e}; needs BPF trampolines and syscalls on the error-injection list, CONFIG_FUNCTION_ERROR_INJECTION)"
        )),
    }
}

fn probe_kprobe_multi() -> Probe {
    use libbpf_rs::skel::OpenSkel;
    let mut storage = std::mem::MaybeUninit::uninit();
    let open = match probe_object(&mut storage, "auspex_probe_kprobe_multi") {
        Ok(o) => o,
        Err(e) => return Probe::Inconclusive(e.to_string()),
    };
    let skel = match open.load() {
        Ok(s) => s,
        Err(e) => return Probe::Unsupported(format!("kprobe.multi programs do not load: {e}")),
    };
    let opts = libbpf_rs::KprobeMultiOpts {
        symbols: vec!["vfs_read".into()],
        ..Default::default()
    };
    match skel
        .progs
        .auspex_probe_kprobe_multi
        .attach_kprobe_multi_with_opts(opts)
    {
        Ok(_link) => Probe::Supported,
        Err(e) => Probe::Unsupported(format!(
            "kprobe.multi links do not attach ({e}; needs CONFIG_FPROBE, Linux 5.18+)"
        )),
    }
}

/// What this kernel offers for each hook kind the product uses (logged at start, shown by status).
#[derive(Debug, Clone)]
pub struct KernelFeatures {
    /// Kernel release (uname -r).
    pub release: String,
    /// BPF ring buffer.
    pub ring_buffer: Probe,
    /// Tracepoint programs.
    pub tracepoints: Probe,
    /// Raw tracepoint programs.
    pub raw_tracepoints: Probe,
    /// kprobes attach (needs CONFIG_KPROBES: the kprobe PMU or tracefs kprobe_events).
    pub kprobe_attach: Probe,
    /// uprobes attach.
    pub uprobe_attach: Probe,
    /// BPF LSM (`bpf` in the active LSM list).
    pub bpf_lsm: Probe,
    /// BPF trampoline programs (fentry, fmod_ret) load.
    pub trampolines: Probe,
    /// kprobe programs may call `bpf_override_return` (CONFIG_BPF_KPROBE_OVERRIDE).
    pub kprobe_override: Probe,
    /// fmod_ret programs attach to syscall entry points (enforcers).
    pub syscall_fmod_ret: Probe,
    /// kprobe.multi (fprobe) links attach.
    pub kprobe_multi: Probe,
}

fn prog_type(t: ProgramType) -> Probe {
    match t.is_supported() {
        Ok(true) => Probe::Supported,
        Ok(false) => Probe::Unsupported(format!(
            "program type {t:?} is not supported by this kernel"
        )),
        Err(e) => Probe::Inconclusive(e.to_string()),
    }
}

impl KernelFeatures {
    /// Probes the running kernel.
    pub fn probe() -> Self {
        let release = nix::sys::utsname::uname()
            .map(|u| u.release().to_string_lossy().into_owned())
            .unwrap_or_default();
        let ring_buffer = match MapType::RingBuf.is_supported() {
            Ok(true) => Probe::Supported,
            Ok(false) => Probe::Unsupported("BPF_MAP_TYPE_RINGBUF needs Linux 5.8".into()),
            Err(e) => Probe::Inconclusive(e.to_string()),
        };
        let kprobe_attach = if Path::new("/sys/bus/event_source/devices/kprobe/type").exists()
            || Path::new("/sys/kernel/tracing/kprobe_events").exists()
        {
            Probe::Supported
        } else {
            Probe::Unsupported(
                "no kprobe PMU and no tracefs kprobe_events (kernel built without CONFIG_KPROBES)"
                    .into(),
            )
        };
        let uprobe_attach = if Path::new("/sys/bus/event_source/devices/uprobe/type").exists() {
            Probe::Supported
        } else {
            Probe::Unsupported("no uprobe PMU (kernel built without CONFIG_UPROBE_EVENTS)".into())
        };
        let security = Path::new("/sys/kernel/security");
        if security.is_dir() && !security.join("lsm").exists() {
            // securityfs is where the active LSM list lives; mount it when nobody did.
            let _ = nix::mount::mount(
                Some("securityfs"),
                security,
                Some("securityfs"),
                nix::mount::MsFlags::empty(),
                None::<&str>,
            );
        }
        let bpf_lsm = match std::fs::read_to_string(security.join("lsm")) {
            // Listed is not enough (some kernels refuse the programs): load one to be sure.
            Ok(list) if list.trim().split(',').any(|l| l == "bpf") => match ProgramType::Lsm
                .is_supported()
            {
                Ok(true) => Probe::Supported,
                Ok(false) => Probe::Unsupported(
                    "`bpf` is an active LSM but BPF-LSM programs do not load on this kernel".into(),
                ),
                Err(e) => Probe::Inconclusive(e.to_string()),
            },
            Ok(list) => Probe::Unsupported(format!(
                "`bpf` is not in the active LSM list ({}); boot with lsm=...,bpf",
                list.trim()
            )),
            Err(e) => Probe::Inconclusive(format!("/sys/kernel/security/lsm: {e}")),
        };
        let kprobe_override = match ProgramType::Kprobe
            .is_helper_supported(libbpf_rs::libbpf_sys::BPF_FUNC_override_return)
        {
            Ok(true) => Probe::Supported,
            Ok(false) => Probe::Unsupported(
                "bpf_override_return is missing (kernel built without CONFIG_BPF_KPROBE_OVERRIDE)"
                    .into(),
            ),
            Err(e) => Probe::Inconclusive(e.to_string()),
        };
        let trampolines = prog_type(ProgramType::Tracing);
        let syscall_fmod_ret = match &trampolines {
            Probe::Supported => syscall_fmod_ret().clone(),
            _ => Probe::Unsupported("no BPF trampolines (fmod_ret)".into()),
        };
        Self {
            release,
            ring_buffer,
            tracepoints: prog_type(ProgramType::Tracepoint),
            raw_tracepoints: prog_type(ProgramType::RawTracepoint),
            kprobe_attach,
            uprobe_attach,
            bpf_lsm,
            trampolines,
            kprobe_override,
            syscall_fmod_ret,
            kprobe_multi: kprobe_multi().clone(),
        }
    }

    /// What the policy engine can run here, per hook kind and action: (name, how or why not).
    pub fn policy_support(&self) -> Vec<(&'static str, String)> {
        let yes = |p: &Probe, how: &str| match p {
            Probe::Supported => format!("yes ({how})"),
            other => format!("no: {other}"),
        };
        let kprobes = self.kprobe_attach == Probe::Supported;
        vec![
            (
                "tracepoints",
                yes(
                    &self.tracepoints,
                    "tracefs tracepoints; sys_enter_* via raw sys_enter",
                ),
            ),
            (
                "kprobes (syscall: true)",
                if kprobes {
                    "yes (kprobe on the __x64_sys_* wrapper)".to_string()
                } else {
                    yes(
                        &self.raw_tracepoints,
                        "served by the syscall tracepoints; events stay process_kprobe",
                    )
                },
            ),
            (
                "kprobes (kernel functions)",
                if kprobes {
                    "yes (entry: kprobe.multi when the kernel has it, else kprobes; return probes: kretprobe)"
                        .to_string()
                } else {
                    format!(
                        "no: programs load (verifier) but cannot attach: {}",
                        self.kprobe_attach
                    )
                },
            ),
            ("uprobes", yes(&self.uprobe_attach, "function entry")),
            ("lsmhooks", yes(&self.bpf_lsm, "BPF-LSM programs")),
            (
                "fentries",
                yes(
                    &self.trampolines,
                    "fentry programs; return: true adds fexit",
                ),
            ),
            (
                "raw tracepoints (raw: true)",
                yes(&self.raw_tracepoints, "raw_tp programs"),
            ),
            (
                "usdts",
                yes(
                    &self.uprobe_attach,
                    "uprobe at the probe; argument locations from its note (libbpf)",
                ),
            ),
            ("Post, NoPost, rateLimit", "yes".to_string()),
            (
                "Sigkill, Signal",
                "yes (bpf_send_signal; lands when the hooked call returns)".to_string(),
            ),
            (
                "GetUrl, DnsLookup",
                "yes (user space, fire and forget)".to_string(),
            ),
            ("Override", self.override_support()),
            (
                "enforcers, NotifyEnforcer",
                yes(&self.syscall_fmod_ret, "fmod_ret on the enforced syscalls"),
            ),
            ("Set (usdts)", set_support()),
            (
                "imaHash (lsmhooks)",
                match ima_hash() {
                    Ok(()) => "yes (bpf_ima_file_hash in a sleepable BPF-LSM program)".into(),
                    Err(why) => format!("no: {why}"),
                },
            ),
        ]
    }

    /// Where Override works here (as Tetragon decides it): LSM hooks, `security_*` functions
    /// through fmod_ret, syscalls through bpf_override_return.
    fn override_support(&self) -> String {
        let mut ways = Vec::new();
        if self.uprobe_attach == Probe::Supported && uprobe_override().is_ok() {
            ways.push("uprobes (the probe's registers)");
        }
        if self.bpf_lsm == Probe::Supported {
            ways.push("lsmhooks");
        }
        let kprobes = self.kprobe_attach == Probe::Supported;
        if kprobes && self.trampolines == Probe::Supported {
            ways.push("security_* kprobes (fmod_ret)");
        }
        if kprobes && self.kprobe_override == Probe::Supported {
            ways.push("syscall kprobes (bpf_override_return)");
        }
        if ways.is_empty() {
            format!(
                "no: needs BPF-LSM ({}), fmod_ret ({}), kprobe override ({}) or uprobe register writes ({})",
                self.bpf_lsm,
                self.trampolines,
                self.kprobe_override,
                uprobe_override().err().unwrap_or_default()
            )
        } else {
            format!("yes: {}", ways.join(", "))
        }
    }

    /// Every probe: (name for people, snake_case key for the API, answer).
    pub fn probes(&self) -> [(&'static str, &'static str, &Probe); 10] {
        [
            ("ring buffer", "ring_buffer", &self.ring_buffer),
            ("tracepoints", "tracepoints", &self.tracepoints),
            ("raw tracepoints", "raw_tracepoints", &self.raw_tracepoints),
            ("kprobe attach", "kprobe_attach", &self.kprobe_attach),
            ("uprobe attach", "uprobe_attach", &self.uprobe_attach),
            ("BPF LSM", "bpf_lsm", &self.bpf_lsm),
            ("fentry/fmod_ret", "trampolines", &self.trampolines),
            ("kprobe override", "kprobe_override", &self.kprobe_override),
            (
                "fmod_ret on syscalls",
                "syscall_fmod_ret",
                &self.syscall_fmod_ret,
            ),
            ("kprobe.multi", "kprobe_multi", &self.kprobe_multi),
        ]
    }

    /// Logs one line per feature.
    pub fn log(&self) {
        tracing::info!(kernel = %self.release, "kernel");
        for (name, _, p) in self.probes() {
            tracing::info!(feature = name, "{p}");
        }
        for (hook, support) in self.policy_support() {
            tracing::info!(policy_engine = hook, "{support}");
        }
    }
}
