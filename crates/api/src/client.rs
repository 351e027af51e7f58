//! Connecting to a running agent, with errors that tell a person what to do.
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use hyper_util::rt::TokioIo;
use tonic::transport::{Channel, Endpoint, Uri};

use crate::address::ServerAddress;
use crate::service::fine_guidance_sensors_client::FineGuidanceSensorsClient;

/// A connected client of `tetragon.FineGuidanceSensors`.
pub type Client = FineGuidanceSensorsClient<Channel>;

/// Largest message a client accepts (events with big arguments, long policy lists).
pub const MAX_DECODING_MESSAGE_SIZE: usize = 64 * 1024 * 1024;

/// Why a client could not connect.
#[derive(Debug)]
pub enum ConnectError {
    /// Nothing is listening: the socket is missing, stale, or the port is closed.
    NotRunning {
        /// Where we tried.
        address: ServerAddress,
        /// What was found there.
        detail: String,
    },
    /// The socket exists but this user may not open it.
    PermissionDenied {
        /// The socket (or the directory on its path).
        path: PathBuf,
    },
    /// Anything else (timeout, bad address, …).
    Other {
        /// Where we tried.
        address: ServerAddress,
        /// The error.
        detail: String,
    },
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotRunning { address, detail } => write!(
                f,
                "the Auspex agent is not running at {address} ({detail}): start it with `sudo auspex agent`, \
                 or point --server-address at the address it serves"
            ),
            Self::PermissionDenied { path } => write!(
                f,
                "permission denied on {}: the agent's socket is only open to root; run this command as root (sudo)",
                path.display()
            ),
            Self::Other { address, detail } => {
                write!(
                    f,
                    "cannot connect to the Auspex agent at {address}: {detail}"
                )
            }
        }
    }
}

impl std::error::Error for ConnectError {}

/// The first `io::Error` in an error's source chain.
fn io_error<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a io::Error> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            return Some(io);
        }
        cur = e.source();
    }
    None
}

fn classify(
    address: &ServerAddress,
    path: Option<&Path>,
    err: &tonic::transport::Error,
) -> ConnectError {
    let io = io_error(err);
    match io.map(io::Error::kind) {
        Some(io::ErrorKind::PermissionDenied) => ConnectError::PermissionDenied {
            path: path.map(Path::to_path_buf).unwrap_or_default(),
        },
        Some(io::ErrorKind::ConnectionRefused) => ConnectError::NotRunning {
            address: address.clone(),
            detail: match path {
                Some(_) => "connection refused: stale socket".into(),
                None => "connection refused".into(),
            },
        },
        Some(io::ErrorKind::NotFound) => ConnectError::NotRunning {
            address: address.clone(),
            detail: "no such socket".into(),
        },
        _ => ConnectError::Other {
            address: address.clone(),
            detail: match io {
                Some(io) => io.to_string(),
                None => {
                    let mut s = err.to_string();
                    let mut cur = std::error::Error::source(err);
                    while let Some(e) = cur {
                        s.push_str(": ");
                        s.push_str(&e.to_string());
                        cur = e.source();
                    }
                    s
                }
            },
        },
    }
}

/// Connects to the agent at `address` (within `timeout`).
pub async fn connect(address: &ServerAddress, timeout: Duration) -> Result<Client, ConnectError> {
    let channel = match address {
        ServerAddress::Unix(path) => {
            match std::fs::symlink_metadata(path) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    return Err(ConnectError::NotRunning {
                        address: address.clone(),
                        detail: "no such socket".into(),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                    return Err(ConnectError::PermissionDenied { path: path.clone() });
                }
                _ => {}
            }
            let socket = path.clone();
            // The URI is required by the API but unused: the connector dials the socket.
            Endpoint::from_static("http://localhost")
                .connect_timeout(timeout)
                .connect_with_connector(tower::service_fn(move |_: Uri| {
                    let socket = socket.clone();
                    async move {
                        let stream = tokio::net::UnixStream::connect(socket).await?;
                        Ok::<_, io::Error>(TokioIo::new(stream))
                    }
                }))
                .await
                .map_err(|e| classify(address, Some(path), &e))?
        }
        ServerAddress::Tcp { .. } => {
            let uri = address.tcp_uri().unwrap_or_default();
            let endpoint = Endpoint::from_shared(uri).map_err(|e| ConnectError::Other {
                address: address.clone(),
                detail: e.to_string(),
            })?;
            let endpoint = endpoint.connect_timeout(timeout);
            match tokio::time::timeout(timeout + Duration::from_secs(1), endpoint.connect()).await {
                Ok(r) => r.map_err(|e| classify(address, None, &e))?,
                Err(_) => {
                    return Err(ConnectError::Other {
                        address: address.clone(),
                        detail: format!("no answer within {} s", timeout.as_secs()),
                    });
                }
            }
        }
    };
    Ok(
        FineGuidanceSensorsClient::new(channel)
            .max_decoding_message_size(MAX_DECODING_MESSAGE_SIZE),
    )
}
