//! Timestamps: kernel clock to wall clock, and RFC 3339 text like Go protojson.
//!
//! The kernel stamps events with a boot-relative clock (`bpf_ktime_get_boot_ns`
//! or `bpf_ktime_get_ns`). The agent measures once how far that clock is from
//! the wall clock (`wall - ktime`, in ns) and converts every ktime with
//! [`ktime_to_timestamp`]; the measuring itself is not done here (no I/O).

use std::fmt;

pub use prost_types::Timestamp;

const NANOS_PER_SEC: i128 = 1_000_000_000;
const SECS_PER_DAY: i64 = 86_400;

/// Converts a kernel ns timestamp to wall-clock time given `wall - ktime` in ns.
pub fn ktime_to_timestamp(ktime_ns: u64, boot_to_wall_offset_ns: i128) -> Timestamp {
    timestamp_from_unix_nanos(i128::from(ktime_ns) + boot_to_wall_offset_ns)
}

/// Converts nanoseconds since the Unix epoch to a normalized [`Timestamp`].
pub fn timestamp_from_unix_nanos(unix_ns: i128) -> Timestamp {
    let secs = unix_ns.div_euclid(NANOS_PER_SEC);
    let nanos = unix_ns.rem_euclid(NANOS_PER_SEC);
    Timestamp {
        seconds: i64::try_from(secs).unwrap_or(if secs < 0 { i64::MIN } else { i64::MAX }),
        // rem_euclid keeps this in 0..1e9.
        nanos: i32::try_from(nanos).unwrap_or(0),
    }
}

/// Nanoseconds since the Unix epoch of a [`Timestamp`].
pub fn timestamp_to_unix_nanos(ts: &Timestamp) -> i128 {
    i128::from(ts.seconds) * NANOS_PER_SEC + i128::from(ts.nanos)
}

/// Displays a [`Timestamp`] as RFC 3339 UTC the way Go protojson does:
/// `2025-10-22T11:39:42.437624780Z`, with 0, 3, 6 or 9 fractional digits.
pub struct Rfc3339<'a>(pub &'a Timestamp);

/// The parts of an RFC 3339 text: year, month, day, seconds of the day, and the fraction of a
/// second in the fewest of 0/3/6/9 digits that hold it (value, digits).
struct Rfc3339Fields {
    year: i64,
    month: u32,
    day: u32,
    secs_of_day: i64,
    fraction: Option<(u64, usize)>,
}

impl Rfc3339<'_> {
    fn fields(&self) -> Rfc3339Fields {
        let ts = timestamp_from_unix_nanos(timestamp_to_unix_nanos(self.0));
        let (year, month, day) = civil_from_days(ts.seconds.div_euclid(SECS_PER_DAY));
        let nanos = u64::try_from(ts.nanos).unwrap_or(0);
        let fraction = match nanos {
            0 => None,
            n if n % 1_000_000 == 0 => Some((n / 1_000_000, 3)),
            n if n % 1_000 == 0 => Some((n / 1_000, 6)),
            n => Some((n, 9)),
        };
        Rfc3339Fields {
            year,
            month,
            day,
            secs_of_day: ts.seconds.rem_euclid(SECS_PER_DAY),
            fraction,
        }
    }

    /// Writes the text into `buf` and returns it: the JSON encoder prints several timestamps per
    /// event, and `fmt` machinery for each of their fields cost a tenth of the agent's time.
    /// Years outside 0..=9999 (garbage clocks) go through `Display` instead.
    pub fn encode<'b>(&self, buf: &'b mut [u8; 32]) -> Option<&'b str> {
        let f = self.fields();
        if !(0..=9999).contains(&f.year) {
            return None;
        }
        let mut put = |at: usize, value: u64, width: usize| {
            let mut v = value;
            for i in (at..at + width).rev() {
                buf[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, f.year as u64, 4);
        put(5, u64::from(f.month), 2);
        put(8, u64::from(f.day), 2);
        put(11, (f.secs_of_day / 3600) as u64, 2);
        put(14, (f.secs_of_day % 3600 / 60) as u64, 2);
        put(17, (f.secs_of_day % 60) as u64, 2);
        let mut len = 19;
        if let Some((value, width)) = f.fraction {
            put(20, value, width);
            buf[19] = b'.';
            len = 20 + width;
        }
        for (at, c) in [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')] {
            buf[at] = c;
        }
        buf[len] = b'Z';
        std::str::from_utf8(&buf[..=len]).ok()
    }
}

impl fmt::Display for Rfc3339<'_> {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(text) = self.encode(&mut [0; 32]) {
            return out.write_str(text);
        }
        let f = self.fields();
        let s = f.secs_of_day;
        write!(
            out,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            f.year,
            f.month,
            f.day,
            s / 3600,
            s % 3600 / 60,
            s % 60
        )?;
        if let Some((value, width)) = f.fraction {
            write!(out, ".{value:0width$}")?;
        }
        out.write_str("Z")
    }
}

/// Formats a [`Timestamp`] as RFC 3339 UTC (see [`Rfc3339`]).
pub fn format_rfc3339(ts: &Timestamp) -> String {
    Rfc3339(ts).to_string()
}

/// Parses an RFC 3339 timestamp (`Z` or `±hh:mm` offset, up to 9 fractional digits).
pub fn parse_rfc3339(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let num = |from: usize, len: usize| -> Option<i64> {
        let digits = b.get(from..from + len)?;
        digits.iter().try_fold(0i64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    };
    let sep = |at: usize, c: &[u8]| b.get(at).is_some_and(|x| c.contains(x));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let year = num(0, 4)?;
    let month = u32::try_from(num(5, 2)?).ok()?;
    let day = u32::try_from(num(8, 2)?).ok()?;
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut pos = 19;
    let mut nanos: i64 = 0;
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        let start = pos;
        while b.get(pos).is_some_and(u8::is_ascii_digit) {
            pos += 1;
        }
        let len = pos - start;
        if len == 0 || len > 9 {
            return None;
        }
        nanos = num(start, len)? * 10i64.pow(u32::try_from(9 - len).ok()?);
    }
    let offset_secs = match b.get(pos)? {
        b'Z' | b'z' if pos + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if pos + 6 == b.len() && b[pos + 3] == b':' => {
            let (oh, om) = (num(pos + 1, 2)?, num(pos + 4, 2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let off = oh * 3600 + om * 60;
            if *sign == b'+' { off } else { -off }
        }
        _ => return None,
    };
    let seconds =
        days_from_civil(year, month, day) * SECS_PER_DAY + hour * 3600 + minute * 60 + second
            - offset_secs;
    Some(Timestamp {
        seconds,
        nanos: i32::try_from(nanos).ok()?,
    })
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Proleptic Gregorian date (year, month 1..=12, day 1..=31) of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // day is 1..=31 and month 1..=12 by construction.
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(seconds: i64, nanos: i32) -> Timestamp {
        Timestamp { seconds, nanos }
    }

    #[test]
    fn formats_like_go_protojson() {
        assert_eq!(format_rfc3339(&ts(0, 0)), "1970-01-01T00:00:00Z");
        assert_eq!(
            format_rfc3339(&ts(1_696_629_161, 0)),
            "2023-10-06T21:52:41Z"
        );
        assert_eq!(
            format_rfc3339(&ts(1_761_133_182, 437_624_780)),
            "2025-10-22T11:39:42.437624780Z"
        );
        assert_eq!(
            format_rfc3339(&ts(1, 120_000_000)),
            "1970-01-01T00:00:01.120Z"
        );
        assert_eq!(
            format_rfc3339(&ts(1, 123_456_000)),
            "1970-01-01T00:00:01.123456Z"
        );
        assert_eq!(format_rfc3339(&ts(1, 1)), "1970-01-01T00:00:01.000000001Z");
        assert_eq!(format_rfc3339(&ts(951_782_400, 0)), "2000-02-29T00:00:00Z");
        assert_eq!(format_rfc3339(&ts(-1, 0)), "1969-12-31T23:59:59Z");
        assert_eq!(
            format_rfc3339(&ts(253_402_300_799, 999_999_999)),
            "9999-12-31T23:59:59.999999999Z"
        );
    }

    #[test]
    fn parses_and_round_trips() {
        for s in [
            "1970-01-01T00:00:00Z",
            "2025-10-22T11:39:42.437624780Z",
            "2023-10-06T21:52:41Z",
            "2000-02-29T00:00:00.120Z",
            "1969-12-31T23:59:59.000001Z",
            "0001-01-01T00:00:00Z",
        ] {
            let parsed = parse_rfc3339(s).unwrap_or_else(|| panic!("parse {s}"));
            assert_eq!(format_rfc3339(&parsed), s);
        }
        assert_eq!(
            parse_rfc3339("2025-10-22T13:39:42.5+02:00"),
            parse_rfc3339("2025-10-22T11:39:42.500Z")
        );
        for bad in [
            "",
            "2025-10-22",
            "2025-13-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2025-10-22T11:39:42",
            "2025-10-22T11:39:42.Z",
            "2025-10-22T11:39:42.1234567890Z",
            "2025-10-22T11:39:42Zjunk",
            "2025-10-22T24:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn ktime_conversion() {
        // ktime 381227340000000 ns after boot, boot at 2025-10-18T01:45:55.097624780Z.
        let boot_wall_ns = 1_760_751_955_097_624_780_i128;
        let t = ktime_to_timestamp(381_227_340_000_000, boot_wall_ns);
        assert_eq!(format_rfc3339(&t), "2025-10-22T11:39:42.437624780Z");
        let t = ktime_to_timestamp(5, -10);
        assert_eq!((t.seconds, t.nanos), (-1, 999_999_995));
        assert_eq!(timestamp_to_unix_nanos(&t), -5);
    }

    /// The byte encoder agrees with chrono's RFC 3339 (sub-seconds in 0/3/6/9 digits) over
    /// years 1..9999 and every fraction width; other years fall back to `Display`.
    #[test]
    fn fast_encoding_matches_chrono() {
        let mut seconds: i64 = -62_135_596_800; // 0001-01-01
        let mut nanos: i32 = 0;
        while seconds < 253_402_300_799 {
            let t = ts(seconds, nanos);
            let want = chrono::DateTime::from_timestamp(seconds, nanos as u32)
                .expect("in range")
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
            assert_eq!(format_rfc3339(&t), want);
            seconds += 7_777_777_777 / 13;
            nanos = match nanos {
                0 => 120_000_000,
                120_000_000 => 120_034_000,
                120_034_000 => 120_034_567,
                _ => 0,
            };
        }
        let far = ts(253_402_300_800, 5); // year 10000
        assert_eq!(Rfc3339(&far).encode(&mut [0; 32]), None);
        assert_eq!(format_rfc3339(&far), "10000-01-01T00:00:00.000000005Z");
    }
}
