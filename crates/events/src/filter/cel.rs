//! The `cel_expression` filter key: CEL expressions over the event.
//!
//! As in Tetragon, the event is bound to a variable named by its type key (`process_exec`,
//! `process_kprobe`, …) with proto field names; an expression that reads another event type,
//! or a field the event does not carry, fails to evaluate and so does not match. Values have
//! their proto types: 64-bit integers and enums are numbers, timestamps are CEL timestamps.
//! The expressions of one filter are alternatives (any true one matches). Kubernetes' IP and
//! CIDR functions are available: `ip()`, `isIP()`, `cidr()`, `isCIDR()`, and on the values
//! `family()`, `isUnspecified()`, `isLoopback()`, `isLinkLocalMulticast()`,
//! `isLinkLocalUnicast()`, `isGlobalUnicast()`, `containsIP()`, `containsCIDR()`, `ip()`,
//! `masked()`, `prefixLength()`.
//!
//! Unset (zero) scalar fields are not carried (protojson omits them): test them with `has()`.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use cel::objects::{Key, Opaque};
use cel::{Context, ExecutionError, FunctionContext, Program, Value, extractors::This};

use crate::tetragon::GetEventsResponse;

/// Compiled CEL expressions of one filter.
#[derive(Clone, Default)]
pub(crate) struct CelExpressions {
    programs: Vec<Arc<Program>>,
    sources: Vec<String>,
}

impl fmt::Debug for CelExpressions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.sources).finish()
    }
}

impl CelExpressions {
    /// Parses each expression; the error names the expression and what is wrong with it.
    pub(crate) fn compile(sources: Vec<String>) -> Result<Self, (String, String)> {
        let mut programs = Vec::with_capacity(sources.len());
        for s in &sources {
            let program = Program::compile(s).map_err(|e| (s.clone(), e.to_string()))?;
            programs.push(Arc::new(program));
        }
        Ok(CelExpressions { programs, sources })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.programs.is_empty()
    }

    /// Whether any expression evaluates to `true` for `ev`.
    pub(crate) fn matches(&self, ev: &GetEventsResponse) -> bool {
        let Some(key) = super::event_key(ev) else {
            return false;
        };
        let value = crate::json::rt::native_values(|| cel::to_value(ev));
        let Ok(Value::Map(map)) = value else {
            return false;
        };
        let Some(event) = map.map.get(&Key::String(Arc::new(key.to_string()))) else {
            return false;
        };
        ROOT.with(|root| {
            let mut ctx = root.new_inner_scope();
            ctx.add_variable_from_value(key, event.clone());
            self.programs
                .iter()
                .any(|p| matches!(p.execute(&ctx), Ok(Value::Bool(true))))
        })
    }
}

thread_local! {
    /// The functions, built once per thread (the context is neither Send nor cheap to build).
    static ROOT: Context<'static, 'static> = context();
}

/// The standard environment with the IP and CIDR functions.
fn context() -> Context<'static, 'static> {
    let mut ctx = Context::default();
    // The names are not in the standard library, so these cannot fail.
    let _ = ctx.add_function("ip", ip);
    let _ = ctx.add_function("isIP", |s: Arc<String>| s.parse::<IpAddr>().is_ok());
    let _ = ctx.add_function("cidr", cidr);
    let _ = ctx.add_function("isCIDR", |s: Arc<String>| Cidr::parse(&s).is_some());
    let _ = ctx.add_function("family", |ftx: &FunctionContext, This(v): This<Value>| {
        Ok::<_, ExecutionError>(if as_ip(ftx, &v)?.is_ipv4() { 4i64 } else { 6 })
    });
    let _ = ctx.add_function("isUnspecified", ip_test(|a| a.is_unspecified()));
    let _ = ctx.add_function("isLoopback", ip_test(|a| a.is_loopback()));
    let _ = ctx.add_function("isLinkLocalMulticast", ip_test(is_link_local_multicast));
    let _ = ctx.add_function("isLinkLocalUnicast", ip_test(is_link_local_unicast));
    let _ = ctx.add_function("isGlobalUnicast", ip_test(is_global_unicast));
    let _ = ctx.add_function(
        "containsIP",
        |ftx: &FunctionContext, This(c): This<Value>, other: Value| {
            let c = as_cidr(ftx, &c)?;
            let ip = match &other {
                Value::String(s) => s
                    .parse()
                    .map_err(|_| ftx.error(format!("{s} is not an IP address")))?,
                v => as_ip(ftx, v)?,
            };
            Ok::<_, ExecutionError>(c.contains(ip))
        },
    );
    let _ = ctx.add_function(
        "containsCIDR",
        |ftx: &FunctionContext, This(c): This<Value>, other: Value| {
            let c = as_cidr(ftx, &c)?;
            let o = match &other {
                Value::String(s) => {
                    Cidr::parse(s).ok_or_else(|| ftx.error(format!("{s} is not a CIDR")))?
                }
                v => as_cidr(ftx, v)?,
            };
            Ok::<_, ExecutionError>(o.len >= c.len && c.contains(o.addr))
        },
    );
    let _ = ctx.add_function(
        "prefixLength",
        |ftx: &FunctionContext, This(c): This<Value>| {
            Ok::<_, ExecutionError>(i64::from(as_cidr(ftx, &c)?.len))
        },
    );
    let _ = ctx.add_function("masked", |ftx: &FunctionContext, This(c): This<Value>| {
        let c = as_cidr(ftx, &c)?;
        Ok::<_, ExecutionError>(Value::Opaque(Arc::new(Cidr {
            addr: c.network(),
            len: c.len,
        })))
    });
    ctx
}

/// `ip("10.0.0.1")`, or `cidr.ip()`: the address of a CIDR.
fn ip(ftx: &FunctionContext, This(v): This<Value>) -> Result<Value, ExecutionError> {
    let addr = match &v {
        Value::String(s) => s
            .parse::<IpAddr>()
            .map_err(|_| ftx.error(format!("{s} is not an IP address")))?,
        v => as_cidr(ftx, v)?.addr,
    };
    Ok(Value::Opaque(Arc::new(Ip(addr))))
}

fn cidr(ftx: &FunctionContext, s: Arc<String>) -> Result<Value, ExecutionError> {
    let c = Cidr::parse(&s).ok_or_else(|| ftx.error(format!("{s} is not a CIDR")))?;
    Ok(Value::Opaque(Arc::new(c)))
}

fn ip_test(
    test: fn(IpAddr) -> bool,
) -> impl Fn(&FunctionContext, This<Value>) -> Result<bool, ExecutionError> + Send + Sync + 'static
{
    move |ftx: &FunctionContext, This(v): This<Value>| Ok(test(as_ip(ftx, &v)?))
}

fn as_ip(ftx: &FunctionContext, v: &Value) -> Result<IpAddr, ExecutionError> {
    match v {
        Value::Opaque(o) => o
            .downcast_ref::<Ip>()
            .map(|ip| ip.0)
            .ok_or_else(|| ftx.error("not an IP address")),
        _ => Err(ftx.error("not an IP address")),
    }
}

fn as_cidr(ftx: &FunctionContext, v: &Value) -> Result<Cidr, ExecutionError> {
    match v {
        Value::Opaque(o) => o
            .downcast_ref::<Cidr>()
            .copied()
            .ok_or_else(|| ftx.error("not a CIDR")),
        _ => Err(ftx.error("not a CIDR")),
    }
}

fn is_link_local_multicast(a: IpAddr) -> bool {
    match a {
        IpAddr::V4(v) => v.octets()[..3] == [224, 0, 0],
        IpAddr::V6(v) => v.segments()[0] & 0xff0f == 0xff02,
    }
}

fn is_link_local_unicast(a: IpAddr) -> bool {
    match a {
        IpAddr::V4(v) => v.is_link_local(),
        IpAddr::V6(v) => v.segments()[0] & 0xffc0 == 0xfe80,
    }
}

/// Go's `IsGlobalUnicast`: not unspecified, loopback, multicast, link-local or broadcast.
fn is_global_unicast(a: IpAddr) -> bool {
    !(a.is_unspecified()
        || a.is_loopback()
        || a.is_multicast()
        || is_link_local_unicast(a)
        || matches!(a, IpAddr::V4(v) if v.is_broadcast()))
}

/// An IP address value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ip(IpAddr);

impl Opaque for Ip {
    fn runtime_type_name(&self) -> &str {
        "net.IP"
    }
}

/// A CIDR value: an address (as written) and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cidr {
    addr: IpAddr,
    len: u8,
}

impl Opaque for Cidr {
    fn runtime_type_name(&self) -> &str {
        "net.CIDR"
    }
}

impl Cidr {
    fn parse(s: &str) -> Option<Cidr> {
        let (addr, len) = s.split_once('/')?;
        let addr: IpAddr = addr.parse().ok()?;
        let len: u8 = len.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        (len <= max).then_some(Cidr { addr, len })
    }

    fn bits(a: IpAddr) -> (u128, u32) {
        match a {
            IpAddr::V4(v) => (u128::from(u32::from(v)), 32),
            IpAddr::V6(v) => (u128::from(v), 128),
        }
    }

    fn mask(&self) -> u128 {
        let (_, width) = Self::bits(self.addr);
        let host = u32::from(self.len).min(width);
        let all = if width == 32 {
            u128::from(u32::MAX)
        } else {
            u128::MAX
        };
        all & !(all.checked_shr(host).unwrap_or(0))
    }

    fn network(&self) -> IpAddr {
        let (b, _) = Self::bits(self.addr);
        let n = b & self.mask();
        match self.addr {
            IpAddr::V4(_) => IpAddr::V4((n as u32).into()),
            IpAddr::V6(_) => IpAddr::V6(n.into()),
        }
    }

    fn contains(&self, ip: IpAddr) -> bool {
        if ip.is_ipv4() != self.addr.is_ipv4() {
            return false;
        }
        let (a, _) = Self::bits(ip);
        let (n, _) = Self::bits(self.addr);
        a & self.mask() == n & self.mask()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_arithmetic() {
        let c = Cidr::parse("10.1.2.3/8").unwrap();
        assert!(c.contains("10.200.0.1".parse().unwrap()));
        assert!(!c.contains("11.0.0.1".parse().unwrap()));
        assert!(!c.contains("::1".parse().unwrap()));
        assert_eq!(c.network(), "10.0.0.0".parse::<IpAddr>().unwrap());
        let all = Cidr::parse("0.0.0.0/0").unwrap();
        assert!(all.contains("192.168.1.1".parse().unwrap()));
        let v6 = Cidr::parse("fd00::/8").unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        assert!(!v6.contains("fe80::1".parse().unwrap()));
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(Cidr::parse("10.0.0.0").is_none());
    }
}
