//! Compiles every `bpf/<name>.bpf.c` of the repository with clang (CO-RE) into `OUT_DIR`, and
//! generates `<name>.skel.rs` skeletons. `vmlinux.h` is generated from the build machine's kernel BTF
//! with bpftool (override the BTF file with `AUSPEX_BTF`); CO-RE relocations make the objects run on
//! other kernels.
use std::path::{Path, PathBuf};
use std::process::Command;

const SENSORS: &[&str] = &["process", "generic_tracepoint", "feature_probe"];

fn main() {
    let manifest =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let bpf_dir = manifest.join("../../bpf");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    println!("cargo:rerun-if-env-changed=AUSPEX_BTF");
    for entry in std::fs::read_dir(bpf_dir.join("lib")).expect("read bpf/lib") {
        let path = entry.expect("bpf/lib entry").path();
        println!("cargo:rerun-if-changed={}", path.display());
    }

    generate_vmlinux_h(&out);
    let arch = match std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() {
        Ok("aarch64") => "arm64",
        _ => "x86",
    };
    for name in SENSORS {
        let src = bpf_dir.join(format!("{name}.bpf.c"));
        println!("cargo:rerun-if-changed={}", src.display());
        let obj = out.join(format!("{name}.bpf.o"));
        let skel = out.join(format!("{name}.skel.rs"));
        let result = libbpf_cargo::SkeletonBuilder::new()
            .source(&src)
            .obj(&obj)
            .clang_args([
                format!("-I{}", out.display()),
                format!("-I{}", bpf_dir.display()),
                format!("-I{}", bpf_dir.join("include").display()),
                format!("-D__TARGET_ARCH_{arch}"),
                "-Wall".to_string(),
                "-Wno-unused-function".to_string(),
                "-O2".to_string(),
                // 32-bit jumps and ALU: bounds checks on u32 stay visible to the verifier.
                "-mcpu=v3".to_string(),
                "-g".to_string(),
            ])
            .build_and_generate(&skel);
        if let Err(err) = result {
            // Show clang's diagnostics as they are; cargo would otherwise bury them.
            panic!("building {}: {err:#}", src.display());
        }
    }
}

fn generate_vmlinux_h(out: &Path) {
    let btf = std::env::var("AUSPEX_BTF").unwrap_or_else(|_| "/sys/kernel/btf/vmlinux".to_string());
    let dst = out.join("vmlinux.h");
    let output = Command::new("bpftool")
        .args(["btf", "dump", "file", &btf, "format", "c"])
        .output()
        .unwrap_or_else(|e| panic!("running bpftool (apt-get install bpftool): {e}"));
    if !output.status.success() {
        panic!(
            "bpftool btf dump file {btf} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    std::fs::write(&dst, &output.stdout).expect("write vmlinux.h");
}
