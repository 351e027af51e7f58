//! Conversion of kernel boot-time nanoseconds (`bpf_ktime_get_boot_ns`, /proc starttime) to wall
//! time. The offset is re-measured periodically so that wall-clock steps are followed.
use nix::time::{ClockId, clock_gettime};
use prost_types::Timestamp;

/// Boot-time → wall-clock converter.
#[derive(Debug, Clone, Copy)]
pub struct BootClock {
    offset_ns: i128,
}

fn now_ns(id: ClockId) -> i128 {
    clock_gettime(id)
        .map(|t| t.tv_sec() as i128 * 1_000_000_000 + t.tv_nsec() as i128)
        .unwrap_or(0)
}

impl BootClock {
    /// Measures the current offset between CLOCK_REALTIME and CLOCK_BOOTTIME.
    pub fn measure() -> Self {
        let boot = now_ns(ClockId::CLOCK_BOOTTIME);
        let wall = now_ns(ClockId::CLOCK_REALTIME);
        Self {
            offset_ns: wall - boot,
        }
    }

    /// Current boot-time ns.
    pub fn boot_now_ns() -> u64 {
        now_ns(ClockId::CLOCK_BOOTTIME).max(0) as u64
    }

    /// Wall time of a boot-time ns value.
    pub fn to_timestamp(&self, ktime_ns: u64) -> Timestamp {
        let wall = ktime_ns as i128 + self.offset_ns;
        Timestamp {
            seconds: wall.div_euclid(1_000_000_000) as i64,
            nanos: wall.rem_euclid(1_000_000_000) as i32,
        }
    }
}
