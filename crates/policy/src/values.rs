//! Parsers for the values written in selectors: integers, ranges, ports,
//! addresses, protocol / family / TCP-state names, capability names, file
//! types and rate limits. The validator uses them to check values; a selector
//! compiler can use them to obtain the numbers it writes to BPF maps.

use std::net::IpAddr;

/// Parses an integer the way Go's `strconv.ParseInt(s, 0, 64)` does: optional
/// sign, then `0x`/`0X` hex, `0o`/`0O` or leading-`0` octal, `0b`/`0B` binary,
/// or decimal. Returns the value widened to `i128` so that both the `i64` and
/// `u64` ranges fit.
pub fn parse_int(s: &str) -> Option<i128> {
    let s = s.trim();
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let (radix, digits) =
        if let Some(r) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (16, r)
        } else if let Some(r) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
            (8, r)
        } else if let Some(r) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
            (2, r)
        } else if body.len() > 1 && body.starts_with('0') {
            (8, &body[1..])
        } else {
            (10, body)
        };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let v = u128::from_str_radix(digits, radix).ok()?;
    if v > u64::MAX as u128 {
        return None;
    }
    let v = v as i128;
    Some(if neg { -v } else { v })
}

/// Parses an integer that must fit a signed (`i64`) or unsigned (`u64`) 64-bit value.
pub fn parse_int_for(s: &str, signed: bool) -> Option<i128> {
    let v = parse_int(s)?;
    let ok = if signed {
        v >= i64::MIN as i128 && v <= i64::MAX as i128
    } else {
        v >= 0 && v <= u64::MAX as i128
    };
    ok.then_some(v)
}

/// Parses `min:max` (both integers, `min <= max`).
pub fn parse_range(s: &str) -> Option<(i128, i128)> {
    let (a, b) = s.split_once(':')?;
    let a = parse_int(a)?;
    let b = parse_int(b)?;
    (a <= b).then_some((a, b))
}

/// Parses a port (`0..=65535`) or port range `a:b`.
pub fn parse_port_or_range(s: &str) -> Option<(u16, u16)> {
    let port = |p: &str| -> Option<u16> {
        let v = parse_int(p)?;
        u16::try_from(v).ok()
    };
    match s.split_once(':') {
        Some((a, b)) => {
            let (a, b) = (port(a)?, port(b)?);
            (a <= b).then_some((a, b))
        }
        None => port(s).map(|p| (p, p)),
    }
}

/// Parses an IP address or CIDR (`10.0.0.0/8`, `::1/128`, `127.0.0.1`) into
/// (address, prefix length). A bare address gets the full prefix length.
pub fn parse_cidr(s: &str) -> Option<(IpAddr, u8)> {
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    let ip: IpAddr = addr.trim().parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len = match len {
        Some(l) => {
            if l.is_empty() || !l.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let n: u8 = l.parse().ok()?;
            if n > max {
                return None;
            }
            n
        }
        None => max,
    };
    Some((ip, len))
}

/// Linux capabilities by number (`CAP_CHOWN` = 0 … `CAP_CHECKPOINT_RESTORE` = 40).
pub const CAPABILITIES: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// Capability number for a `CAP_*` name (ASCII case-insensitive).
pub fn capability_number(name: &str) -> Option<u32> {
    CAPABILITIES
        .iter()
        .position(|c| c.eq_ignore_ascii_case(name.trim()))
        .map(|i| i as u32)
}

const PROTOCOLS: &[(&str, u64)] = &[
    ("IPPROTO_IP", 0),
    ("IPPROTO_ICMP", 1),
    ("IPPROTO_IGMP", 2),
    ("IPPROTO_IPIP", 4),
    ("IPPROTO_TCP", 6),
    ("IPPROTO_EGP", 8),
    ("IPPROTO_PUP", 12),
    ("IPPROTO_UDP", 17),
    ("IPPROTO_IDP", 22),
    ("IPPROTO_TP", 29),
    ("IPPROTO_DCCP", 33),
    ("IPPROTO_IPV6", 41),
    ("IPPROTO_RSVP", 46),
    ("IPPROTO_GRE", 47),
    ("IPPROTO_ESP", 50),
    ("IPPROTO_AH", 51),
    ("IPPROTO_ICMPV6", 58),
    ("IPPROTO_MTP", 92),
    ("IPPROTO_BEETPH", 94),
    ("IPPROTO_ENCAP", 98),
    ("IPPROTO_PIM", 103),
    ("IPPROTO_COMP", 108),
    ("IPPROTO_L2TP", 115),
    ("IPPROTO_SCTP", 132),
    ("IPPROTO_UDPLITE", 136),
    ("IPPROTO_MPLS", 137),
    ("IPPROTO_ETHERNET", 143),
    ("IPPROTO_RAW", 255),
    ("IPPROTO_MPTCP", 262),
];

const FAMILIES: &[(&str, u64)] = &[
    ("AF_UNSPEC", 0),
    ("AF_UNIX", 1),
    ("AF_LOCAL", 1),
    ("AF_INET", 2),
    ("AF_AX25", 3),
    ("AF_IPX", 4),
    ("AF_APPLETALK", 5),
    ("AF_NETROM", 6),
    ("AF_BRIDGE", 7),
    ("AF_ATMPVC", 8),
    ("AF_X25", 9),
    ("AF_INET6", 10),
    ("AF_ROSE", 11),
    ("AF_DECnet", 12),
    ("AF_NETBEUI", 13),
    ("AF_SECURITY", 14),
    ("AF_KEY", 15),
    ("AF_NETLINK", 16),
    ("AF_ROUTE", 16),
    ("AF_PACKET", 17),
    ("AF_ASH", 18),
    ("AF_ECONET", 19),
    ("AF_ATMSVC", 20),
    ("AF_RDS", 21),
    ("AF_SNA", 22),
    ("AF_IRDA", 23),
    ("AF_PPPOX", 24),
    ("AF_WANPIPE", 25),
    ("AF_LLC", 26),
    ("AF_IB", 27),
    ("AF_MPLS", 28),
    ("AF_CAN", 29),
    ("AF_TIPC", 30),
    ("AF_BLUETOOTH", 31),
    ("AF_IUCV", 32),
    ("AF_RXRPC", 33),
    ("AF_ISDN", 34),
    ("AF_PHONET", 35),
    ("AF_IEEE802154", 36),
    ("AF_CAIF", 37),
    ("AF_ALG", 38),
    ("AF_NFC", 39),
    ("AF_VSOCK", 40),
    ("AF_KCM", 41),
    ("AF_QIPCRTR", 42),
    ("AF_SMC", 43),
    ("AF_XDP", 44),
    ("AF_MCTP", 45),
];

const TCP_STATES: &[(&str, u64)] = &[
    ("TCP_ESTABLISHED", 1),
    ("TCP_SYN_SENT", 2),
    ("TCP_SYN_RECV", 3),
    ("TCP_FIN_WAIT1", 4),
    ("TCP_FIN_WAIT2", 5),
    ("TCP_TIME_WAIT", 6),
    ("TCP_CLOSE", 7),
    ("TCP_CLOSE_WAIT", 8),
    ("TCP_LAST_ACK", 9),
    ("TCP_LISTEN", 10),
    ("TCP_CLOSING", 11),
    ("TCP_NEW_SYN_RECV", 12),
    ("TCP_BOUND_INACTIVE", 13),
];

fn lookup_or_number(table: &[(&str, u64)], s: &str, max: u64) -> Option<u64> {
    if let Some((_, v)) = table.iter().find(|(n, _)| *n == s) {
        return Some(*v);
    }
    let v = parse_int(s)?;
    u64::try_from(v).ok().filter(|v| *v <= max)
}

/// `IPPROTO_*` name or number (0–65535).
pub fn parse_protocol(s: &str) -> Option<u64> {
    lookup_or_number(PROTOCOLS, s, u16::MAX as u64)
}

/// `AF_*` name or number (0–65535).
pub fn parse_family(s: &str) -> Option<u64> {
    lookup_or_number(FAMILIES, s, u16::MAX as u64)
}

/// `TCP_*` state name or number (0–255).
pub fn parse_tcp_state(s: &str) -> Option<u64> {
    lookup_or_number(TCP_STATES, s, u8::MAX as u64)
}

/// File-type names of `FileType` / `NotFileType`, mapped to their `S_IFMT` bits.
pub fn parse_file_type(s: &str) -> Option<u32> {
    Some(match s.to_ascii_lowercase().as_str() {
        "sock" | "socket" => 0o140000,
        "lnk" | "link" => 0o120000,
        "reg" | "regular" => 0o100000,
        "blk" | "block" => 0o060000,
        "dir" => 0o040000,
        "chr" | "char" => 0o020000,
        "fifo" | "pipe" => 0o010000,
        _ => return None,
    })
}

/// Parses a `rateLimit` (`30`, `5s`, `1m`, `2h`) into milliseconds.
pub fn parse_rate_limit_ms(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, mult) = match s.chars().last()? {
        's' | 'S' => (&s[..s.len() - 1], 1_000u64),
        'm' | 'M' => (&s[..s.len() - 1], 60_000),
        'h' | 'H' => (&s[..s.len() - 1], 3_600_000),
        _ => (s, 1_000),
    };
    if num.is_empty() || !num.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    num.parse::<u64>().ok()?.checked_mul(mult)
}

/// Splits a `list:NAME` reference.
pub fn list_reference(s: &str) -> Option<&str> {
    s.strip_prefix("list:")
}

/// Maximum length (bytes) of a Kubernetes object name (DNS-1123 subdomain).
pub const MAX_NAME_LEN: usize = 253;

/// Checks a DNS-1123 subdomain (`metadata.name`); returns the broken rule.
pub fn check_dns1123_subdomain(s: &str) -> Result<(), &'static str> {
    if s.is_empty() {
        return Err("must not be empty");
    }
    if s.len() > MAX_NAME_LEN {
        return Err("must be at most 253 characters");
    }
    for label in s.split('.') {
        check_label_chars(label)?;
    }
    Ok(())
}

/// Checks a DNS-1123 label (`metadata.namespace`); returns the broken rule.
pub fn check_dns1123_label(s: &str) -> Result<(), &'static str> {
    if s.is_empty() {
        return Err("must not be empty");
    }
    if s.len() > 63 {
        return Err("must be at most 63 characters");
    }
    check_label_chars(s)
}

fn check_label_chars(label: &str) -> Result<(), &'static str> {
    const RULE: &str = "must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    if label.is_empty()
        || !label.chars().all(|c| ok_char(c) || c == '-')
        || !label.chars().next().is_some_and(ok_char)
        || !label.chars().last().is_some_and(ok_char)
    {
        return Err(RULE);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_like_go() {
        assert_eq!(parse_int("42"), Some(42));
        assert_eq!(parse_int("-9"), Some(-9));
        assert_eq!(parse_int("0x40"), Some(64));
        assert_eq!(parse_int("010"), Some(8));
        assert_eq!(parse_int("0b101"), Some(5));
        assert_eq!(parse_int("0"), Some(0));
        assert_eq!(parse_int("18446744073709551615"), Some(u64::MAX as i128));
        assert_eq!(parse_int("18446744073709551616"), None);
        assert_eq!(parse_int("12a"), None);
        assert_eq!(parse_int(""), None);
        assert_eq!(parse_int("-"), None);
        assert_eq!(parse_int_for("-1", false), None);
        assert_eq!(parse_int_for("-1", true), Some(-1));
    }

    #[test]
    fn ranges_ports_addrs() {
        assert_eq!(parse_range("0:187904818"), Some((0, 187904818)));
        assert_eq!(parse_range("5:1"), None);
        assert_eq!(parse_port_or_range("80"), Some((80, 80)));
        assert_eq!(parse_port_or_range("1024:2048"), Some((1024, 2048)));
        assert_eq!(parse_port_or_range("70000"), None);
        assert!(parse_cidr("127.0.0.1/8").is_some());
        assert_eq!(parse_cidr("::1/128").map(|(_, l)| l), Some(128));
        assert_eq!(parse_cidr("127.0.0.1").map(|(_, l)| l), Some(32));
        assert!(parse_cidr("10.0.0.0/33").is_none());
        assert!(parse_cidr("${PODCIDR}").is_none());
    }

    #[test]
    fn names() {
        assert_eq!(parse_protocol("IPPROTO_UDP"), Some(17));
        assert_eq!(parse_protocol("6"), Some(6));
        assert_eq!(parse_protocol("IPPROTO_FOO"), None);
        assert_eq!(parse_family("AF_INET6"), Some(10));
        assert_eq!(parse_family("10"), Some(10));
        assert_eq!(parse_tcp_state("TCP_SYN_RECV"), Some(3));
        assert_eq!(capability_number("CAP_SYS_ADMIN"), Some(21));
        assert_eq!(capability_number("cap_bpf"), Some(39));
        assert_eq!(capability_number("CAP_FOO"), None);
        assert_eq!(parse_file_type("regular"), Some(0o100000));
    }

    #[test]
    fn rate_limits() {
        assert_eq!(parse_rate_limit_ms("5"), Some(5_000));
        assert_eq!(parse_rate_limit_ms("5s"), Some(5_000));
        assert_eq!(parse_rate_limit_ms("1m"), Some(60_000));
        assert_eq!(parse_rate_limit_ms("2h"), Some(7_200_000));
        assert_eq!(parse_rate_limit_ms("1d"), None);
        assert_eq!(parse_rate_limit_ms("-1m"), None);
        assert_eq!(parse_rate_limit_ms("m"), None);
    }

    #[test]
    fn dns_names() {
        assert!(check_dns1123_subdomain("process.credentials.changes.at.syscalls").is_ok());
        assert!(check_dns1123_subdomain("cve-2023-2460-overlayfs-ubuntu").is_ok());
        assert!(check_dns1123_subdomain("Bad_Name").is_err());
        assert!(check_dns1123_subdomain("-x").is_err());
        assert!(check_dns1123_label("a.b").is_err());
        assert!(check_dns1123_label("kube-system").is_ok());
    }
}
