//! Exit status and terminating signal of a task exit code.
//!
//! The kernel's `task->exit_code` holds the exit status in bits 8..16 and,
//! for a signal death, the signal number in the low 7 bits plus 0x80 when a
//! core was dumped.

/// Names of signals 0..=64 (index = number); real-time ones as `kill -l` names them.
const NAMES: [Option<&str>; 65] = [
    None,
    Some("SIGHUP"),
    Some("SIGINT"),
    Some("SIGQUIT"),
    Some("SIGILL"),
    Some("SIGTRAP"),
    Some("SIGABRT"),
    Some("SIGBUS"),
    Some("SIGFPE"),
    Some("SIGKILL"),
    Some("SIGUSR1"),
    Some("SIGSEGV"),
    Some("SIGUSR2"),
    Some("SIGPIPE"),
    Some("SIGALRM"),
    Some("SIGTERM"),
    Some("SIGSTKFLT"),
    Some("SIGCHLD"),
    Some("SIGCONT"),
    Some("SIGSTOP"),
    Some("SIGTSTP"),
    Some("SIGTTIN"),
    Some("SIGTTOU"),
    Some("SIGURG"),
    Some("SIGXCPU"),
    Some("SIGXFSZ"),
    Some("SIGVTALRM"),
    Some("SIGPROF"),
    Some("SIGWINCH"),
    Some("SIGIO"),
    Some("SIGPWR"),
    Some("SIGSYS"),
    // 32 and 33 are reserved by glibc (NPTL) and have no `kill -l` name.
    Some("SIG32"),
    Some("SIG33"),
    Some("SIGRTMIN"),
    Some("SIGRTMIN+1"),
    Some("SIGRTMIN+2"),
    Some("SIGRTMIN+3"),
    Some("SIGRTMIN+4"),
    Some("SIGRTMIN+5"),
    Some("SIGRTMIN+6"),
    Some("SIGRTMIN+7"),
    Some("SIGRTMIN+8"),
    Some("SIGRTMIN+9"),
    Some("SIGRTMIN+10"),
    Some("SIGRTMIN+11"),
    Some("SIGRTMIN+12"),
    Some("SIGRTMIN+13"),
    Some("SIGRTMIN+14"),
    Some("SIGRTMIN+15"),
    Some("SIGRTMAX-14"),
    Some("SIGRTMAX-13"),
    Some("SIGRTMAX-12"),
    Some("SIGRTMAX-11"),
    Some("SIGRTMAX-10"),
    Some("SIGRTMAX-9"),
    Some("SIGRTMAX-8"),
    Some("SIGRTMAX-7"),
    Some("SIGRTMAX-6"),
    Some("SIGRTMAX-5"),
    Some("SIGRTMAX-4"),
    Some("SIGRTMAX-3"),
    Some("SIGRTMAX-2"),
    Some("SIGRTMAX-1"),
    Some("SIGRTMAX"),
];

/// Core-dump bit in the low byte of an exit code.
pub const CORE_DUMP_BIT: u32 = 0x80;

/// `(status, signal)` of a task exit code: status = code >> 8, signal from the
/// low byte (low 7 bits when the core-dump bit is set); no signal gives `None`.
pub fn exit_status_and_signal(exit_code: u32) -> (u32, Option<&'static str>) {
    let low = exit_code & 0xff;
    let signo = if low & CORE_DUMP_BIT != 0 {
        low & 0x7f
    } else {
        low
    };
    (exit_code >> 8, signal_name(signo))
}

/// Linux (x86/arm64 numbering) name of signal `signo`; `None` for 0 and out of range.
pub fn signal_name(signo: u32) -> Option<&'static str> {
    NAMES.get(usize::try_from(signo).ok()?).copied().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes() {
        assert_eq!(exit_status_and_signal(0), (0, None));
        assert_eq!(exit_status_and_signal(1 << 8), (1, None));
        assert_eq!(exit_status_and_signal(255 << 8), (255, None));
        assert_eq!(exit_status_and_signal(9), (0, Some("SIGKILL")));
        assert_eq!(exit_status_and_signal(15), (0, Some("SIGTERM")));
        // SIGSEGV with core dump.
        assert_eq!(exit_status_and_signal(0x80 | 11), (0, Some("SIGSEGV")));
        assert_eq!(exit_status_and_signal(0x80 | 6), (0, Some("SIGABRT")));
        assert_eq!(exit_status_and_signal(0x80), (0, None));
    }

    #[test]
    fn names() {
        assert_eq!(signal_name(0), None);
        assert_eq!(signal_name(1), Some("SIGHUP"));
        assert_eq!(signal_name(31), Some("SIGSYS"));
        assert_eq!(signal_name(34), Some("SIGRTMIN"));
        assert_eq!(signal_name(35), Some("SIGRTMIN+1"));
        assert_eq!(signal_name(50), Some("SIGRTMAX-14"));
        assert_eq!(signal_name(64), Some("SIGRTMAX"));
        assert_eq!(signal_name(65), None);
        assert_eq!(signal_name(u32::MAX), None);
    }
}
