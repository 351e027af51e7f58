//! Proves the Rust twins in `src/abi.rs` match the C structs of `bpf/lib/abi.h` as compiled: for
//! each struct, the size, the member names in order and every member offset are read from the
//! BTF of the built object and compared with `size_of`/`offset_of!`. Runs without root.
use std::mem::{offset_of, size_of};

use auspex_bpf::abi::*;
use libbpf_rs::btf::types::{MemberAttr, Struct};
use libbpf_rs::btf::{Btf, HasSize};

fn btf_layout(btf: &Btf<'_>, name: &str) -> (usize, Vec<(String, usize)>) {
    let s: Struct<'_> = btf
        .type_by_name(name)
        .unwrap_or_else(|| panic!("struct {name} missing from the object's BTF"));
    let members = s
        .iter()
        .map(|m| {
            let off = match m.attr {
                MemberAttr::Normal { offset } => offset,
                MemberAttr::BitField { .. } => {
                    panic!("{name}: bitfields are not allowed in the ABI")
                }
            };
            assert_eq!(off % 8, 0, "{name}: member not byte aligned");
            (
                m.name
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                off as usize / 8,
            )
        })
        .collect();
    (s.size(), members)
}

macro_rules! check {
    ($btf:expr, $rust:ty, $c:literal, [$($field:ident),* $(,)?]) => {{
        let (size, members) = btf_layout(&$btf, $c);
        assert_eq!(size, size_of::<$rust>(), "size of {} vs {}", $c, stringify!($rust));
        let rust: Vec<(String, usize)> = vec![$((stringify!($field).to_string(), offset_of!($rust, $field))),*];
        assert_eq!(members, rust, "members of {} vs {}", $c, stringify!($rust));
    }};
}

#[test]
fn abi_structs_match_compiled_btf() {
    let btf = Btf::from_path(auspex_bpf::PROCESS_OBJECT_PATH).expect("parse BTF of process.bpf.o");
    check!(
        btf,
        MsgHeader,
        "auspex_msg_header",
        [op, pad0, pad1, size, ktime]
    );
    check!(btf, ProcessKey, "auspex_process_key", [pid, pad, ktime]);
    check!(
        btf,
        Creds,
        "auspex_creds",
        [
            uid,
            gid,
            euid,
            egid,
            suid,
            sgid,
            fsuid,
            fsgid,
            securebits,
            pad,
            cap_permitted,
            cap_effective,
            cap_inheritable,
            userns_level,
            userns_uid,
            userns_gid,
            userns_inum
        ]
    );
    check!(
        btf,
        Namespaces,
        "auspex_namespaces",
        [
            uts,
            ipc,
            mnt,
            pid,
            pid_for_children,
            net,
            time,
            time_for_children,
            cgroup,
            user
        ]
    );
    check!(
        btf,
        ExecEvent,
        "auspex_exec_event",
        [
            hdr,
            process,
            parent,
            tid,
            flags,
            auid,
            nspid,
            creds,
            ns,
            filename_len,
            args_len,
            cwd_len,
            pad
        ]
    );
    check!(
        btf,
        CloneEvent,
        "auspex_clone_event",
        [hdr, process, parent, tid, flags, nspid, pad]
    );
    check!(
        btf,
        ExitEvent,
        "auspex_exit_event",
        [hdr, process, tid, exit_code]
    );
    check!(
        btf,
        ProcessEntry,
        "auspex_process_entry",
        [
            key,
            parent,
            flags,
            nspid,
            uid,
            euid,
            auid,
            binary_len,
            cap_permitted,
            cap_effective,
            cap_inheritable,
            ns,
            binary
        ]
    );
}

#[test]
fn policy_engine_structs_match_compiled_btf() {
    let btf = Btf::from_path(auspex_bpf::GENERIC_TRACEPOINT_OBJECT_PATH)
        .expect("parse BTF of generic_tracepoint.bpf.o");
    check!(
        btf,
        ArgSpec,
        "auspex_arg_spec",
        [
            offset,
            size,
            kind,
            size_width,
            size_offset,
            nsteps,
            from_task,
            resolve_from,
            max_data,
            resolve_user,
            pad,
            steps
        ]
    );
    check!(btf, ResolveStep, "auspex_resolve_step", [offset, load, pad]);
    check!(
        btf,
        BpfProgInfo,
        "auspex_bpf_prog_info",
        [prog_type, insn_cnt, name]
    );
    check!(
        btf,
        BpfMapInfo,
        "auspex_bpf_map_info",
        [map_type, key_size, value_size, max_entries, name]
    );
    check!(
        btf,
        UserNsInfo,
        "auspex_user_ns_info",
        [level, uid, gid, inum]
    );
    check!(
        btf,
        ModuleInfo,
        "auspex_module_info",
        [name, sig_ok, pad, taints]
    );
    check!(
        btf,
        PerfEventInfo,
        "auspex_perf_event_info",
        [event_type, pad, config, probe_offset, kprobe_func]
    );
    check!(
        btf,
        HookConfig,
        "auspex_hook_config",
        [
            nargs,
            nselectors,
            record_size,
            msg_op,
            args,
            selectors,
            flags,
            return_copy,
            filter_args,
            ret
        ]
    );
    check!(
        btf,
        MatchArg,
        "auspex_match_arg",
        [arg, op, nvalues, pad0, set_id, values]
    );
    check!(
        btf,
        MatchPids,
        "auspex_match_pids",
        [op, flags, nvalues, pad0, values]
    );
    check!(
        btf,
        MatchBinary,
        "auspex_match_binary",
        [op, flags, pad1, set_id]
    );
    check!(
        btf,
        MatchNs,
        "auspex_match_ns",
        [kind, op, nvalues, pad0, values]
    );
    check!(
        btf,
        MatchCaps,
        "auspex_match_caps",
        [set, op, changes, pad0, user_ns, mask]
    );
    check!(btf, Action, "auspex_action", [kind, arg, rate_limit_ns]);
    check!(
        btf,
        Selector,
        "auspex_selector",
        [
            nmatch_args,
            nactions,
            npids,
            pad_pids,
            pids,
            binary,
            parent_binary,
            nns,
            ncaps,
            ns_changes_op,
            pad0,
            ns_changes_mask,
            match_args,
            ns,
            caps,
            actions,
            nmatch_return,
            nreturn_actions,
            match_return,
            return_actions
        ]
    );
    check!(btf, Substring, "auspex_substring", [len, pad, s, mask]);
    check!(btf, CelInsn, "auspex_cel_insn", [op, arg, pad0, pad1, imm]);
    check!(btf, CelProg, "auspex_cel_prog", [n, pad, insns]);
    check!(
        btf,
        ReturnTrailer,
        "auspex_return_trailer",
        [ret, action, pad, entry_ktime]
    );
    check!(btf, ImaTrailer, "auspex_ima_trailer", [algo, pad, hash]);
    check!(
        btf,
        StackTrailer,
        "auspex_stack_trailer",
        [kernel_bytes, user_bytes]
    );
    check!(btf, StringKey, "auspex_string_key", [set_id, len, s]);
    check!(
        btf,
        LongStringKey,
        "auspex_long_string_key",
        [set_id, len, s]
    );
    check!(btf, LpmKey, "auspex_lpm_key", [prefixlen, set_id, s]);
    check!(btf, IntKey, "auspex_int_key", [set_id, pad, value]);
    check!(btf, AddrKey, "auspex_addr_key", [prefixlen, set_id, addr]);
    check!(
        btf,
        SockInfo,
        "auspex_sock_info",
        [
            family, sock_type, protocol, state, sport, dport, mark, priority, len, cookie, saddr,
            daddr
        ]
    );
    check!(
        btf,
        DataMsg,
        "auspex_data_msg",
        [hdr, tid, arg, offset, len]
    );
    check!(
        btf,
        GenericEvent,
        "auspex_generic_event",
        [
            hdr, process, tid, hook_id, selector, action, flags, args_len
        ]
    );
    check!(
        btf,
        ProcessEntry,
        "auspex_process_entry",
        [
            key,
            parent,
            flags,
            nspid,
            uid,
            euid,
            auid,
            binary_len,
            cap_permitted,
            cap_effective,
            cap_inheritable,
            ns,
            binary
        ]
    );
}

/// libbpf's USDT spec as our programs are compiled with it: the agent reads the specs libbpf
/// wrote (Set action checks) at the offsets of `abi::usdt_spec`.
#[test]
fn usdt_spec_offsets_match_compiled_btf() {
    let btf = Btf::from_path(auspex_bpf::GENERIC_TRACEPOINT_OBJECT_PATH)
        .expect("parse BTF of generic_tracepoint.bpf.o");
    let bits = |s: &Struct<'_>, name: &str| -> usize {
        let m = s
            .iter()
            .find(|m| m.name.map(|n| n.to_string_lossy() == name).unwrap_or(false))
            .unwrap_or_else(|| panic!("member {name} missing"));
        match m.attr {
            MemberAttr::Normal { offset } => offset as usize,
            MemberAttr::BitField { offset, .. } => offset as usize,
        }
    };
    let spec: Struct<'_> = btf
        .type_by_name("__bpf_usdt_spec")
        .expect("__bpf_usdt_spec");
    let arg: Struct<'_> = btf
        .type_by_name("__bpf_usdt_arg_spec")
        .expect("__bpf_usdt_arg_spec");
    assert_eq!(spec.size(), usdt_spec::SIZE);
    assert_eq!(arg.size(), usdt_spec::ARG_SPEC_SIZE);
    assert_eq!(bits(&spec, "args"), 0);
    assert_eq!(bits(&spec, "usdt_cookie") / 8, usdt_spec::COOKIE_AT);
    assert_eq!(bits(&spec, "arg_cnt") / 8, usdt_spec::ARG_CNT_AT);
    assert_eq!(
        usdt_spec::ARGS * usdt_spec::ARG_SPEC_SIZE,
        usdt_spec::COOKIE_AT
    );
    // arg_type: the low 8 bits of the word after val_off (a bitfield on newer libbpf).
    assert_eq!(bits(&arg, "arg_type"), usdt_spec::ARG_TYPE_AT * 8);
}
