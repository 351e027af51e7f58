//! tracefs: tracepoint record formats (`events/<subsys>/<event>/format`), which the selector
//! compiler needs to find argument offsets, and the kernel facts it asks about.
use std::path::{Path, PathBuf};

use auspex_policy::compile::{KernelView, TracepointField};

/// The tracefs mount to read formats from.
#[derive(Debug, Clone)]
pub struct Tracefs {
    root: PathBuf,
    kprobes: bool,
    bpf_lsm: bool,
    trampolines: bool,
    kprobe_override: bool,
    syscall_fmod_ret: bool,
    host_ns: [u32; 10],
}

impl Tracefs {
    /// Finds tracefs (`/sys/kernel/tracing`, else `/sys/kernel/debug/tracing`).
    pub fn locate(kprobes_attach: bool) -> Option<Self> {
        ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"]
            .iter()
            .map(Path::new)
            .find(|p| p.join("events").is_dir())
            .map(|p| Self {
                root: p.to_path_buf(),
                kprobes: kprobes_attach,
                bpf_lsm: false,
                trampolines: false,
                kprobe_override: false,
                syscall_fmod_ret: false,
                host_ns: [0; 10],
            })
    }

    /// Records which program kinds work here (BPF-LSM, trampolines, kprobe override).
    pub fn with_features(mut self, f: &crate::features::KernelFeatures) -> Self {
        use crate::features::Probe;
        self.bpf_lsm = f.bpf_lsm == Probe::Supported;
        self.trampolines = f.trampolines == Probe::Supported;
        self.kprobe_override = f.kprobe_override == Probe::Supported;
        self.syscall_fmod_ret = f.syscall_fmod_ret == Probe::Supported;
        self
    }

    /// Sets the host's namespaces (for `host_ns` in matchNamespaces).
    pub fn with_host_namespaces(mut self, ns: &auspex_bpf::abi::Namespaces) -> Self {
        self.host_ns = [
            ns.uts,
            ns.ipc,
            ns.mnt,
            ns.pid,
            ns.pid_for_children,
            ns.net,
            ns.time,
            ns.time_for_children,
            ns.cgroup,
            ns.user,
        ];
        self
    }

    /// A view rooted at `root` (tests).
    pub fn at(root: PathBuf, kprobes_attach: bool) -> Self {
        Self {
            root,
            kprobes: kprobes_attach,
            bpf_lsm: false,
            trampolines: false,
            kprobe_override: false,
            syscall_fmod_ret: false,
            host_ns: [0; 10],
        }
    }
}

impl KernelView for Tracefs {
    fn tracepoint_fields(&self, subsystem: &str, event: &str) -> Option<Vec<TracepointField>> {
        // Names come from policies: never let them walk out of events/.
        let ok =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok(subsystem) || !ok(event) {
            return None;
        }
        let path = self
            .root
            .join("events")
            .join(subsystem)
            .join(event)
            .join("format");
        std::fs::read_to_string(path)
            .ok()
            .and_then(|s| parse_format(&s))
    }

    fn kprobes_attach(&self) -> bool {
        self.kprobes
    }

    fn bpf_lsm(&self) -> bool {
        self.bpf_lsm
    }

    fn trampolines(&self) -> bool {
        self.trampolines
    }

    fn kprobe_override(&self) -> bool {
        self.kprobe_override
    }

    fn syscall_fmod_ret(&self) -> bool {
        self.syscall_fmod_ret
    }

    fn fmod_ret_target(&self, function: &str) -> bool {
        self.syscall_fmod_ret && crate::features::fmod_ret_allowed(function)
    }

    fn probe_write_user(&self) -> Result<(), String> {
        crate::features::probe_write_user()
    }

    fn ima_hash(&self) -> Result<(), String> {
        crate::features::ima_hash()
    }

    fn uprobe_override(&self) -> Result<(), String> {
        crate::features::uprobe_override()
    }

    fn host_namespace(&self, kind: u8) -> Option<u32> {
        self.host_ns
            .get(usize::from(kind))
            .copied()
            .filter(|v| *v != 0)
    }

    fn kernel_types(&self) -> Option<Box<dyn auspex_policy::compile::resolve::KernelTypes + '_>> {
        crate::kernel_types::BtfTypes::load()
            .map(|t| Box::new(t) as Box<dyn auspex_policy::compile::resolve::KernelTypes>)
    }

    fn user_types(
        &self,
        path: &str,
    ) -> Result<Box<dyn auspex_policy::compile::resolve::KernelTypes + '_>, String> {
        crate::kernel_types::BtfTypes::from_file(path)
            .map(|t| Box::new(t) as Box<dyn auspex_policy::compile::resolve::KernelTypes>)
    }

    fn module_types(
        &self,
        module: &str,
    ) -> Result<Box<dyn auspex_policy::compile::resolve::KernelTypes + '_>, String> {
        crate::kernel_types::BtfTypes::for_module(module)
            .map(|t| Box::new(t) as Box<dyn auspex_policy::compile::resolve::KernelTypes>)
    }

    fn syscalls(&self) -> Option<Vec<String>> {
        // As Tetragon: the syscall entry points in the kernel's BTF.
        let prefix = if cfg!(target_arch = "aarch64") {
            "__arm64_sys_"
        } else {
            "__x64_sys_"
        };
        let names = crate::kernel_types::BtfTypes::load()?.functions_with_prefix(prefix);
        (!names.is_empty()).then_some(names)
    }

    fn traceable_functions(&self) -> Option<Vec<String>> {
        let text = std::fs::read_to_string(self.root.join("available_filter_functions")).ok()?;
        Some(parse_filter_functions(&text))
    }

    fn compat_syscall_number(&self, name: &str) -> Option<u32> {
        if cfg!(target_arch = "x86_64") {
            auspex_policy::compile::syscalls_i386::number(name)
        } else {
            None
        }
    }

    fn syscall_number(&self, name: &str) -> Option<u32> {
        // The syscall ABI of this build: tracepoints carry the native numbers.
        if cfg!(target_arch = "x86_64") {
            auspex_policy::compile::syscalls_x86_64::number(name)
        } else {
            None
        }
    }
}

/// Function names of `available_filter_functions` (`name` or `name [module]` per line), sorted,
/// without duplicates (static functions of the same name in several files).
fn parse_filter_functions(text: &str) -> Vec<String> {
    let mut names: Vec<String> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| !n.starts_with("__ftrace_invalid_address__"))
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Parses a tracefs format file (the compiler owns the parser; re-exported for callers here).
pub use auspex_policy::compile::parse_tracepoint_format as parse_format;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_functions_without_modules_and_duplicates() {
        let text =
            "ksys_read\nvfs_read\ndummy_setup [dummy]\nksys_read\n__ftrace_invalid_address___64\n";
        assert_eq!(
            parse_filter_functions(text),
            vec!["dummy_setup", "ksys_read", "vfs_read"]
        );
    }

    #[test]
    fn syscalls_of_this_kernel_from_btf() {
        let Some(t) = Tracefs::locate(false) else {
            eprintln!("SKIP: no tracefs");
            return;
        };
        let Some(names) = t.syscalls() else {
            eprintln!("SKIP: no kernel BTF");
            return;
        };
        for n in ["openat", "read", "execve", "exit_group"] {
            assert!(names.iter().any(|x| x == n), "{n} in {} names", names.len());
        }
        assert!(names.iter().all(|n| !n.starts_with("__")), "{names:?}");
    }

    const OPENAT: &str = "name: sys_enter_openat\nID: 782\nformat:\n\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n\tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;\n\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;\n\tfield:__data_loc char[] name;\toffset:32;\tsize:4;\tsigned:0;\n\tfield:char comm[16];\toffset:36;\tsize:16;\tsigned:0;\n\nprint fmt: \"dfd: 0x%08lx\"\n";

    #[test]
    fn parses_fields_in_order_with_common_ones() {
        let f = parse_format(OPENAT).expect("fields");
        let names: Vec<_> = f.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "common_type",
                "common_flags",
                "common_preempt_count",
                "common_pid",
                "__syscall_nr",
                "dfd",
                "filename",
                "name",
                "comm"
            ]
        );
        assert_eq!(f[6].ctype, "const char *");
        assert_eq!((f[6].offset, f[6].size, f[6].signed), (24, 8, false));
        assert_eq!(f[4].ctype, "int");
        assert!(f[4].signed);
        assert_eq!(f[7].ctype, "__data_loc char[]");
        assert_eq!(f[8].ctype, "char[16]");
        assert_eq!(f[8].name, "comm");
    }

    #[test]
    fn real_tracefs_has_openat() {
        let Some(t) = Tracefs::locate(false) else {
            eprintln!("SKIP real_tracefs_has_openat: tracefs not mounted");
            return;
        };
        let f = t
            .tracepoint_fields("syscalls", "sys_enter_openat")
            .expect("format");
        assert_eq!(f[6].name, "filename");
        assert!(t.tracepoint_fields("..", "x").is_none());
        assert!(t.tracepoint_fields("syscalls", "no_such_event").is_none());
    }
}
