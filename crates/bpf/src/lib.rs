//! Auspex's kernel side as seen from Rust: the generated libbpf skeletons of the C programs under
//! `bpf/` (one per sensor) and the Rust twins of the kernel/user ABI structs of `bpf/lib/abi.h`.
//!
//! The agent crate owns loading and attaching; this crate only builds and describes the objects.

pub mod abi;

/// Skeleton of `bpf/process.bpf.c`: exec/fork/exit tracepoints and the live-process map.
pub mod process {
    #![allow(
        clippy::all,
        missing_docs,
        non_camel_case_types,
        non_snake_case,
        unsafe_op_in_unsafe_fn
    )]
    include!(concat!(env!("OUT_DIR"), "/process.skel.rs"));
}

/// Path of the compiled `process.bpf.o` (used by the ABI layout test to read its BTF).
pub const PROCESS_OBJECT_PATH: &str = concat!(env!("OUT_DIR"), "/process.bpf.o");
