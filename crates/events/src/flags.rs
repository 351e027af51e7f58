//! Process flag bits (shared with the BPF side) and their flag-word string.
//!
//! The `Process.flags` JSON field is the space-separated list of the words of
//! the set bits, always in the order of [`FLAG_WORDS`] (Tetragon's order, which
//! is not bit order). Bits without a word are never printed. Older Tetragon
//! releases printed `auid` for 0x20 and `taskWalk` for 0x80; current ones do not.

/// Event comes from an execve.
pub const EXECVE: u32 = 0x1;
/// Environment data follows the args (no flag word).
pub const DATA_ENVS: u32 = 0x2;
/// Process found by the /proc scan at startup.
pub const PROCFS: u32 = 0x4;
/// Reading the environment failed.
pub const ERROR_ENVS: u32 = 0x8;
/// Arguments were truncated.
pub const TRUNC_ARGS: u32 = 0x10;
/// Parent not found in the kernel-side cache.
pub const MISS: u32 = 0x40;
/// Reading the filename failed.
pub const ERROR_FILENAME: u32 = 0x100;
/// Reading the arguments failed.
pub const ERROR_ARGS: u32 = 0x200;
/// The cwd still has to be resolved (internal, no flag word).
pub const NEEDS_CWD: u32 = 0x400;
/// No room for the cwd in the event.
pub const NO_CWD_SUPPORT: u32 = 0x800;
/// The cwd is `/`.
pub const ROOT_CWD: u32 = 0x1000;
/// Reading the cwd failed.
pub const ERROR_CWD: u32 = 0x2000;
/// The process was cloned before the exec.
pub const CLONE: u32 = 0x4000;
/// Reading the cgroup name failed.
pub const ERROR_CGROUP_NAME: u32 = 0x10000;
/// Reading the cgroup subsystem's cgroup failed.
pub const ERROR_CGROUP_SUBSYS_CGRP: u32 = 0x40000;
/// Reading the cgroup subsystem failed.
pub const ERROR_CGROUP_SUBSYS: u32 = 0x80000;
/// Reading the cgroups failed.
pub const ERROR_CGROUPS: u32 = 0x100000;
/// Reading the cgroup id failed.
pub const ERROR_CGROUP_ID: u32 = 0x200000;
/// Some cwd path components could not be resolved.
pub const ERROR_PATH_COMPONENTS: u32 = 0x400000;
/// The filename comes in a separate data event.
pub const DATA_FILENAME: u32 = 0x800000;
/// The arguments come in a separate data event.
pub const DATA_ARGS: u32 = 0x1000000;
/// Containerized and a descendant of the container's PID 1.
pub const IN_INIT_TREE: u32 = 0x2000000;

/// Flags string of a process synthesised because it was missing from the cache.
pub const UNKNOWN: &str = "unknown";

/// Flag bits with words, in the order Tetragon prints them.
pub const FLAG_WORDS: [(u32, &str); 20] = [
    (EXECVE, "execve"),
    (PROCFS, "procFS"),
    (ERROR_ENVS, "errorEnvs"),
    (TRUNC_ARGS, "truncArgs"),
    (MISS, "miss"),
    (ERROR_FILENAME, "errorFilename"),
    (ERROR_ARGS, "errorArgs"),
    (NO_CWD_SUPPORT, "nocwd"),
    (ROOT_CWD, "rootcwd"),
    (ERROR_CWD, "errorCWD"),
    (CLONE, "clone"),
    (ERROR_CGROUP_NAME, "errorCgroupName"),
    (ERROR_CGROUP_ID, "errorCgroupID"),
    (ERROR_CGROUP_SUBSYS_CGRP, "errorCgroupSubsysCgrp"),
    (ERROR_CGROUP_SUBSYS, "errorCgroupSubsys"),
    (ERROR_CGROUPS, "errorCgroups"),
    (ERROR_PATH_COMPONENTS, "errorPathResolutionCwd"),
    (DATA_FILENAME, "dataFilename"),
    (DATA_ARGS, "dataArgs"),
    (IN_INIT_TREE, "inInitTree"),
];

/// The space-separated flag words of `bits`, e.g. `"execve rootcwd clone"`.
pub fn flags_string(bits: u32) -> String {
    let mut out = String::new();
    write_flags(bits, &mut out);
    out
}

/// Appends the flag words of `bits` to `out` (see [`flags_string`]).
pub fn write_flags(bits: u32, out: &mut String) {
    let mut first = true;
    for &(bit, word) in &FLAG_WORDS {
        if bits & bit != 0 {
            if !first {
                out.push(' ');
            }
            out.push_str(word);
            first = false;
        }
    }
}

/// The bits of a flags string; `None` if it has an unknown word.
pub fn parse_flags(s: &str) -> Option<u32> {
    s.split_ascii_whitespace().try_fold(0u32, |acc, word| {
        FLAG_WORDS
            .iter()
            .find(|(_, w)| *w == word)
            .map(|(bit, _)| acc | bit)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typical_strings() {
        assert_eq!(flags_string(0), "");
        assert_eq!(flags_string(EXECVE), "execve");
        assert_eq!(flags_string(EXECVE | CLONE), "execve clone");
        assert_eq!(
            flags_string(CLONE | ROOT_CWD | EXECVE),
            "execve rootcwd clone"
        );
        assert_eq!(flags_string(PROCFS | ROOT_CWD), "procFS rootcwd");
        assert_eq!(flags_string(EXECVE | PROCFS), "execve procFS");
    }

    #[test]
    fn order_is_tetragons_not_bit_order() {
        // errorCgroupID (0x200000) is printed before errorCgroupSubsysCgrp (0x40000).
        assert_eq!(
            flags_string(ERROR_CGROUP_ID | ERROR_CGROUP_SUBSYS_CGRP | ERROR_CGROUP_NAME),
            "errorCgroupName errorCgroupID errorCgroupSubsysCgrp"
        );
        let all = FLAG_WORDS.iter().fold(0, |acc, (b, _)| acc | b);
        let words: Vec<&str> = FLAG_WORDS.iter().map(|(_, w)| *w).collect();
        assert_eq!(flags_string(all), words.join(" "));
    }

    #[test]
    fn bits_without_words_are_silent() {
        // 0x20 was `auid` and 0x80 `taskWalk` in old releases.
        assert_eq!(
            flags_string(0x20 | 0x80 | DATA_ENVS | NEEDS_CWD | 0x8000 | 0x20000),
            ""
        );
        assert_eq!(flags_string(PROCFS | 0x20 | ROOT_CWD), "procFS rootcwd");
    }

    #[test]
    fn parse_round_trip() {
        assert_eq!(
            parse_flags("execve rootcwd clone"),
            Some(EXECVE | ROOT_CWD | CLONE)
        );
        assert_eq!(parse_flags(""), Some(0));
        assert_eq!(parse_flags("procFS auid"), None);
        for (bit, _) in FLAG_WORDS {
            assert_eq!(parse_flags(&flags_string(bit | EXECVE)), Some(bit | EXECVE));
        }
    }
}
