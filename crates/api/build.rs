//! Build script of `auspex-api`: generates the tonic client and server of the
//! `tetragon.FineGuidanceSensors` service from `crates/events/proto` (parsed
//! with `protox`, no `protoc`). Every message of package `tetragon` is mapped
//! to `auspex_events::tetragon` (`extern_path`), so the service uses the one
//! definition of each message that the rest of Auspex uses.

const PROTO_ROOT: &str = "../events/proto";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed={PROTO_ROOT}");
    println!("cargo:rerun-if-changed=build.rs");
    let fds = protox::compile(["tetragon/sensors.proto"], [PROTO_ROOT])?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .build_transport(true)
        .extern_path(".tetragon", "::auspex_events::tetragon")
        .compile_fds(fds)?;
    Ok(())
}
