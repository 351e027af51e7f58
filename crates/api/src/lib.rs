//! `auspex-api`: the agent's gRPC API, wire-compatible with Cilium Tetragon's
//! (`tetragon.FineGuidanceSensors`, `proto/tetragon/sensors.proto` of the
//! `auspex-events` crate), so that existing Tetragon clients work unchanged.
//!
//! * [`tetragon`]: the message types (re-exported from `auspex-events`, the
//!   single definition of every message).
//! * [`service`]: the tonic server trait and client generated from the proto
//!   files ([`FineGuidanceSensors`], [`FineGuidanceSensorsServer`],
//!   [`FineGuidanceSensorsClient`]).
//! * [`address`]: `--server-address` values (`unix:///path`, `host:port`, `""`).
//! * [`client`]: connecting to a running agent, with errors written for people.
//!
//! The server itself (event fan-out to clients, policy RPCs) lives in the agent
//! (`auspex_agent::grpc`).

pub mod address;
pub mod client;

pub use auspex_events::tetragon;

/// tonic client and server of `tetragon.FineGuidanceSensors` (generated).
#[allow(missing_docs, deprecated, clippy::all, clippy::pedantic)]
pub mod service {
    include!(concat!(env!("OUT_DIR"), "/tetragon.rs"));
}

pub use address::{DEFAULT_SERVER_ADDRESS, ServerAddress};
pub use service::fine_guidance_sensors_client::FineGuidanceSensorsClient;
pub use service::fine_guidance_sensors_server::{FineGuidanceSensors, FineGuidanceSensorsServer};

/// Full name of the service (`tetragon.FineGuidanceSensors`).
pub const SERVICE_NAME: &str = "tetragon.FineGuidanceSensors";
