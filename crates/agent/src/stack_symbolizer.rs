//! Stack traces of policy events (`kernelStackTrace` / `userStackTrace` on Post): the kernel sends
//! instruction addresses; this turns them into `StackTraceEntry`s with blazesym — kernel frames
//! from /proc/kallsyms, user frames from the process's mappings and the ELF symbols of its files.
//!
//! As Tetragon: frames that cannot be symbolized are left out (a user stack needs the process
//! alive when its event is handled), and addresses are reported only with
//! `--expose-stack-addresses` (kernel addresses defeat KASLR).
use auspex_events::tetragon::StackTraceEntry;
use blazesym::symbolize::source::{Kernel, Process, Source};
use blazesym::symbolize::{Input, Symbolized, Symbolizer};
use blazesym::{MaybeDefault, Pid};

/// Symbolizes stack frames; keeps parsed symbol tables between events.
pub struct StackSymbolizer {
    symbolizer: Symbolizer,
    expose_addresses: bool,
}

impl StackSymbolizer {
    /// A symbolizer; `expose_addresses` keeps the raw addresses in the entries.
    pub fn new(expose_addresses: bool) -> Self {
        Self {
            symbolizer: Symbolizer::new(),
            expose_addresses,
        }
    }

    /// Kernel frames: `symbol` + `offset` into it (and `module` for a module's symbol).
    pub fn kernel(&self, addrs: &[u64]) -> Vec<StackTraceEntry> {
        let src = Source::Kernel(Kernel {
            kallsyms: MaybeDefault::Default,
            // kallsyms carries the live (KASLR-shifted) addresses; a vmlinux search is slow.
            vmlinux: MaybeDefault::None,
            debug_syms: false,
            ..Default::default()
        });
        let mut frames = self.entries(&src, addrs, |sym| sym.offset as u64);
        // The innermost frames are the agent's own program (and its trampoline): not the
        // kernel's path to the hook.
        let ours = frames
            .iter()
            .take_while(|f| {
                f.symbol.starts_with("bpf_prog_") || f.symbol.starts_with("bpf_trampoline_")
            })
            .count();
        frames.drain(..ours);
        frames
    }

    /// User frames of process `pid`: `symbol`, `module` (the file mapped) and `offset` (the
    /// address within the module's ELF image, as `addr2line -e <module>` takes it).
    pub fn user(&self, pid: u32, addrs: &[u64]) -> Vec<StackTraceEntry> {
        let mut process = Process::new(Pid::from(pid));
        process.debug_syms = false;
        process.perf_map = false;
        let src = Source::Process(process);
        self.entries(&src, addrs, |sym| sym.addr + sym.offset as u64)
    }

    fn entries(
        &self,
        src: &Source<'_>,
        addrs: &[u64],
        offset: impl Fn(&blazesym::symbolize::Sym<'_>) -> u64,
    ) -> Vec<StackTraceEntry> {
        let addrs: Vec<u64> = addrs.iter().copied().filter(|&a| a != 0).collect();
        if addrs.is_empty() {
            return Vec::new();
        }
        let Ok(syms) = self.symbolizer.symbolize(src, Input::AbsAddr(&addrs)) else {
            // The process is gone or its maps unreadable: nothing can be said about the frames.
            return Vec::new();
        };
        addrs
            .iter()
            .zip(syms)
            .filter_map(|(&addr, s)| match s {
                Symbolized::Sym(sym) => Some(StackTraceEntry {
                    address: if self.expose_addresses { addr } else { 0 },
                    offset: offset(&sym),
                    module: sym
                        .module
                        .as_deref()
                        .map(|m| m.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    symbol: sym.name.into_owned(),
                }),
                Symbolized::Unknown(_) => None,
            })
            .collect()
    }
}

/// Splits the stacks off the end of an event's argument bytes (see
/// [`auspex_bpf::abi::StackTrailer`]): returns the arguments, kernel frames and user frames.
pub fn split_stacks(args: &[u8], flags: u32) -> (&[u8], Vec<u64>, Vec<u64>) {
    use auspex_bpf::abi::{GENERIC_KERNEL_STACK, GENERIC_USER_STACK, StackTrailer, read_struct};

    if flags & (GENERIC_KERNEL_STACK | GENERIC_USER_STACK) == 0 {
        return (args, Vec::new(), Vec::new());
    }
    let trailer_size = std::mem::size_of::<StackTrailer>();
    let Some(at) = args.len().checked_sub(trailer_size) else {
        return (args, Vec::new(), Vec::new());
    };
    let Some(t) = read_struct::<StackTrailer>(&args[at..]) else {
        return (args, Vec::new(), Vec::new());
    };
    let (k, u) = (t.kernel_bytes as usize, t.user_bytes as usize);
    let Some(start) = at.checked_sub(k + u) else {
        return (args, Vec::new(), Vec::new());
    };
    let frames = |b: &[u8]| -> Vec<u64> {
        b.chunks_exact(8)
            .map(|c| u64::from_ne_bytes(c.try_into().unwrap_or_default()))
            .collect()
    };
    (
        &args[..start],
        frames(&args[start..start + k]),
        frames(&args[start + k..at]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use auspex_bpf::abi::{GENERIC_KERNEL_STACK, GENERIC_USER_STACK};

    fn record(args: &[u8], kernel: &[u64], user: &[u64]) -> Vec<u8> {
        let mut v = args.to_vec();
        for a in kernel.iter().chain(user) {
            v.extend_from_slice(&a.to_ne_bytes());
        }
        v.extend_from_slice(&((kernel.len() * 8) as u32).to_ne_bytes());
        v.extend_from_slice(&((user.len() * 8) as u32).to_ne_bytes());
        v
    }

    #[test]
    fn stacks_are_split_from_the_arguments() {
        let r = record(b"argbytes", &[1, 2, 3], &[7]);
        let (args, k, u) = split_stacks(&r, GENERIC_KERNEL_STACK | GENERIC_USER_STACK);
        assert_eq!((args, k, u), (&b"argbytes"[..], vec![1, 2, 3], vec![7]));
        // Without the flags the bytes are all arguments.
        assert_eq!(split_stacks(&r, 0).0, &r[..]);
        // Lengths beyond the record: left as arguments, no frames.
        let mut bad = r.clone();
        let n = bad.len();
        bad[n - 8..n - 4].copy_from_slice(&4096u32.to_ne_bytes());
        assert_eq!(
            split_stacks(&bad, GENERIC_KERNEL_STACK).1,
            Vec::<u64>::new()
        );
    }

    #[test]
    fn kernel_frames_resolve_to_kallsyms_symbols() {
        // The address of a function from kallsyms (root sees real addresses; skip otherwise).
        let Some(addr) = std::fs::read_to_string("/proc/kallsyms")
            .ok()
            .and_then(|ks| {
                ks.lines()
                    .find(|l| l.ends_with(" T do_sys_openat2") || l.ends_with(" t do_sys_openat2"))
                    .and_then(|l| u64::from_str_radix(l.split(' ').next()?, 16).ok())
            })
            .filter(|&a| a != 0)
        else {
            eprintln!("SKIP: /proc/kallsyms has no readable do_sys_openat2 address");
            return;
        };
        let s = StackSymbolizer::new(false);
        let e = s.kernel(&[addr + 5, 0]);
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(
            (e[0].symbol.as_str(), e[0].offset, e[0].address),
            ("do_sys_openat2", 5, 0)
        );
        assert_eq!(StackSymbolizer::new(true).kernel(&[addr])[0].address, addr);
    }

    #[test]
    fn user_frames_resolve_in_the_process_mappings() {
        let f = user_frames_resolve_in_the_process_mappings as *const () as u64;
        let e = StackSymbolizer::new(true).user(std::process::id(), &[f + 1]);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].symbol.contains("user_frames_resolve"), "{e:?}");
        let exe = std::fs::read_link("/proc/self/exe").expect("exe");
        assert_eq!(e[0].module, exe.to_string_lossy(), "{e:?}");
        assert_eq!(e[0].address, f + 1);
        // A process that does not exist: no frames, no error.
        assert!(
            StackSymbolizer::new(false)
                .user(u32::MAX - 1, &[f])
                .is_empty()
        );
    }
}
