//! Exec ids: the cluster-wide unique id of a process execution.
//!
//! `exec_id = base64(standard alphabet, padded)("<node>:<ktime>:<pid>")` with
//! ktime (ns) and pid (host TGID) in decimal. The parent of a process with
//! parent pid 0 gets [`kernel_exec_id`] (ktime 1, pid 0).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// ktime used for the exec id of the pid-0 pseudo process.
pub const KERNEL_KTIME: u64 = 1;

/// The exec id of process `pid` started at `ktime` on node `node`.
pub fn exec_id(node: &str, ktime: u64, pid: u32) -> String {
    // "<node>:" + up to 20 digits + ":" + up to 10 digits.
    let mut raw = String::with_capacity(node.len() + 33);
    raw.push_str(node);
    raw.push(':');
    push_decimal(&mut raw, ktime);
    raw.push(':');
    push_decimal(&mut raw, u64::from(pid));
    STANDARD.encode(raw.as_bytes())
}

/// The exec id of the pid-0 pseudo process (`base64("<node>:1:0")`).
pub fn kernel_exec_id(node: &str) -> String {
    exec_id(node, KERNEL_KTIME, 0)
}

/// Splits an exec id into `(node, ktime, pid)`; `None` if it is not one.
///
/// The node name may itself contain `:`, so the id is split from the right.
pub fn decode_exec_id(id: &str) -> Option<(String, u64, u32)> {
    let raw = STANDARD.decode(id).ok()?;
    let raw = String::from_utf8(raw).ok()?;
    let mut parts = raw.rsplitn(3, ':');
    let pid = parse_decimal(parts.next()?)?;
    let ktime = parse_decimal(parts.next()?)?;
    let node = parts.next()?;
    Some((node.to_owned(), ktime, u32::try_from(pid).ok()?))
}

fn push_decimal(out: &mut String, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        // v % 10 < 10, so the cast is lossless.
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for &d in &buf[i..] {
        out.push(char::from(d));
    }
}

fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_ids() {
        assert_eq!(
            exec_id("linux", 381_227_340_000_000, 19882),
            "bGludXg6MzgxMjI3MzQwMDAwMDAwOjE5ODgy"
        );
        assert_eq!(
            decode_exec_id("bGludXg6MzgxMjI3MzQwMDAwMDAwOjE5ODgy"),
            Some(("linux".to_owned(), 381_227_340_000_000, 19882))
        );
        assert_eq!(kernel_exec_id("linux"), "bGludXg6MTow");
        assert_eq!(
            exec_id("linux", 4_410_000_000, 639),
            "bGludXg6NDQxMDAwMDAwMDo2Mzk="
        );
        assert_eq!(
            exec_id("localhost.localdomain", 8_316_108_243_920, 3510),
            "bG9jYWxob3N0LmxvY2FsZG9tYWluOjgzMTYxMDgyNDM5MjA6MzUxMA=="
        );
        assert_eq!(
            exec_id("node1", 1_234_567_890, 42),
            STANDARD.encode("node1:1234567890:42")
        );
    }

    #[test]
    fn node_with_colons_and_edges() {
        let id = exec_id("a:b:c", u64::MAX, u32::MAX);
        assert_eq!(
            decode_exec_id(&id),
            Some(("a:b:c".to_owned(), u64::MAX, u32::MAX))
        );
        let id = exec_id("", 0, 0);
        assert_eq!(decode_exec_id(&id), Some((String::new(), 0, 0)));
        assert_eq!(decode_exec_id("not base64!"), None);
        assert_eq!(decode_exec_id(&STANDARD.encode("node:12")), None);
        assert_eq!(decode_exec_id(&STANDARD.encode("node:x:1")), None);
        assert_eq!(decode_exec_id(&STANDARD.encode("node:1:+1")), None);
        assert_eq!(decode_exec_id(&STANDARD.encode("node:1:4294967296")), None);
    }
}
