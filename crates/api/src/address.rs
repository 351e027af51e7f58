//! `--server-address` values, shared by the agent (listen) and the CLI (connect).
//!
//! * `unix:///var/run/auspex/auspex.sock`: a Unix socket (the default);
//! * `localhost:54321`, `127.0.0.1:54321`, `[::1]:54321`: TCP (plaintext);
//!   `:54321` listens on every interface (and connects to the loopback);
//! * `""`: the API is disabled.
use std::fmt;
use std::path::PathBuf;

/// Default `--server-address` of the agent and of the client subcommands.
pub const DEFAULT_SERVER_ADDRESS: &str = "unix:///var/run/auspex/auspex.sock";

/// Where the API is served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerAddress {
    /// A Unix socket at this path.
    Unix(PathBuf),
    /// TCP: host (name, IPv4, or bracketed IPv6; empty = any) and port.
    Tcp {
        /// Host part as given (`localhost`, `127.0.0.1`, `[::1]`, or empty).
        host: String,
        /// Port (0 = any free port, for listening).
        port: u16,
    },
}

impl ServerAddress {
    /// Parses a `--server-address` value; `Ok(None)` for `""` (disabled).
    pub fn parse(text: &str) -> Result<Option<Self>, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        if let Some(path) = text.strip_prefix("unix://") {
            if path.is_empty() {
                return Err(format!(
                    "{text:?}: no socket path after unix:// (e.g. unix:///var/run/auspex/auspex.sock)"
                ));
            }
            return Ok(Some(Self::Unix(PathBuf::from(path))));
        }
        if text.contains("://") {
            return Err(format!(
                "{text:?}: unsupported scheme; use unix:///PATH for a Unix socket or HOST:PORT for TCP"
            ));
        }
        let Some((host, port)) = text.rsplit_once(':') else {
            return Err(format!(
                "{text:?}: expected unix:///PATH or HOST:PORT (e.g. localhost:54321)"
            ));
        };
        if host.contains(':') && !(host.starts_with('[') && host.ends_with(']')) {
            return Err(format!(
                "{text:?}: put an IPv6 address in brackets, e.g. [::1]:54321"
            ));
        }
        let port = port
            .parse::<u16>()
            .map_err(|_| format!("{text:?}: {port:?} is not a port number (0-65535)"))?;
        Ok(Some(Self::Tcp {
            host: host.to_string(),
            port,
        }))
    }

    /// Address to bind a TCP listener to (`host:port`; empty host = all interfaces).
    pub fn tcp_bind_addr(&self) -> Option<String> {
        match self {
            Self::Tcp { host, port } if host.is_empty() => Some(format!("0.0.0.0:{port}")),
            Self::Tcp { host, port } => Some(format!("{host}:{port}")),
            Self::Unix(_) => None,
        }
    }

    /// `http://host:port` URI a client connects to (empty host = loopback).
    pub fn tcp_uri(&self) -> Option<String> {
        match self {
            Self::Tcp { host, port } if host.is_empty() => Some(format!("http://127.0.0.1:{port}")),
            Self::Tcp { host, port } => Some(format!("http://{host}:{port}")),
            Self::Unix(_) => None,
        }
    }
}

impl fmt::Display for ServerAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unix(path) => write!(f, "unix://{}", path.display()),
            Self::Tcp { host, port } => write!(f, "{host}:{port}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms() {
        assert_eq!(ServerAddress::parse("").unwrap(), None);
        assert_eq!(ServerAddress::parse("  ").unwrap(), None);
        assert_eq!(
            ServerAddress::parse(DEFAULT_SERVER_ADDRESS).unwrap(),
            Some(ServerAddress::Unix("/var/run/auspex/auspex.sock".into()))
        );
        let tcp = ServerAddress::parse("localhost:54321").unwrap().unwrap();
        assert_eq!(tcp.tcp_bind_addr().as_deref(), Some("localhost:54321"));
        assert_eq!(tcp.tcp_uri().as_deref(), Some("http://localhost:54321"));
        assert_eq!(tcp.to_string(), "localhost:54321");
        let any = ServerAddress::parse(":54321").unwrap().unwrap();
        assert_eq!(any.tcp_bind_addr().as_deref(), Some("0.0.0.0:54321"));
        assert_eq!(any.tcp_uri().as_deref(), Some("http://127.0.0.1:54321"));
        let v6 = ServerAddress::parse("[::1]:1").unwrap().unwrap();
        assert_eq!(v6.tcp_uri().as_deref(), Some("http://[::1]:1"));
    }

    #[test]
    fn rejects_nonsense() {
        for bad in [
            "unix://",
            "localhost",
            "localhost:http",
            "localhost:70000",
            "::1:5",
            "http://x:1",
        ] {
            assert!(ServerAddress::parse(bad).is_err(), "{bad}");
        }
    }
}
