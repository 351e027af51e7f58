//! The export rate limit (`--export-rate-limit`) and its `rate_limit_info`
//! report.

use std::time::{Duration, Instant};

use prost_types::Timestamp;

use crate::tetragon::get_events_response::Event;
use crate::tetragon::{GetEventsResponse, RateLimitInfo};

/// Token units per token: one token is refilled every `60 s / N`, i.e. after
/// `NANOS_PER_MINUTE` units when N units arrive per nanosecond.
const NANOS_PER_MINUTE: u128 = 60_000_000_000;

/// Token bucket of N events per minute with a burst of N, counting drops.
///
/// * N = −1 (or any negative value, as Tetragon treats invalid values):
///   unlimited, nothing is ever dropped.
/// * N = 0: every event is dropped (and counted).
/// * N > 0: the bucket starts full; one token comes back every `60 s / N`.
///
/// The clock is passed in, so tests can drive it.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    /// `None` = unlimited.
    per_minute: Option<u64>,
    /// Tokens × `NANOS_PER_MINUTE`.
    units: u128,
    last_refill: Instant,
    last_report: Instant,
    pending: u64,
    total: u64,
}

impl RateLimiter {
    /// How often [`take_report`](Self::take_report) hands out the drops.
    pub const REPORT_INTERVAL: Duration = Duration::from_secs(60);

    /// A limiter of `events_per_minute` (see the type docs), started at `now`.
    pub fn new(events_per_minute: i64, now: Instant) -> Self {
        let per_minute = u64::try_from(events_per_minute).ok();
        Self {
            per_minute,
            units: per_minute.map_or(0, |n| u128::from(n) * NANOS_PER_MINUTE),
            last_refill: now,
            last_report: now,
            pending: 0,
            total: 0,
        }
    }

    /// A limiter that never drops.
    pub fn unlimited(now: Instant) -> Self {
        Self::new(-1, now)
    }

    /// The limit in events per minute (`None` = unlimited).
    pub fn limit(&self) -> Option<u64> {
        self.per_minute
    }

    /// A limit is set (without one, [`Self::allow`] always admits).
    pub fn limits(&self) -> bool {
        self.per_minute.is_some()
    }

    /// Takes a token for one event at `now`: `true` = export it, `false` =
    /// drop it (counted).
    pub fn allow(&mut self, now: Instant) -> bool {
        let Some(n) = self.per_minute else {
            return true;
        };
        let n = u128::from(n);
        let capacity = n * NANOS_PER_MINUTE;
        let elapsed = now.saturating_duration_since(self.last_refill);
        if !elapsed.is_zero() {
            self.units = self
                .units
                .saturating_add(elapsed.as_nanos().saturating_mul(n))
                .min(capacity);
            self.last_refill = now;
        }
        if self.units >= NANOS_PER_MINUTE {
            self.units -= NANOS_PER_MINUTE;
            true
        } else {
            self.pending = self.pending.saturating_add(1);
            self.total = self.total.saturating_add(1);
            false
        }
    }

    /// Drops since the limiter was created (the `..._events_dropped_total` metric).
    pub fn dropped_total(&self) -> u64 {
        self.total
    }

    /// Drops not yet handed out by [`take_report`](Self::take_report).
    pub fn dropped_pending(&self) -> u64 {
        self.pending
    }

    /// Once per [`REPORT_INTERVAL`](Self::REPORT_INTERVAL): the number of
    /// events dropped since the previous report, when it is > 0 (the caller
    /// then writes [`rate_limit_info_event`]). `None` before the interval
    /// has passed or when nothing was dropped.
    pub fn take_report(&mut self, now: Instant) -> Option<u64> {
        if now.saturating_duration_since(self.last_report) < Self::REPORT_INTERVAL {
            return None;
        }
        self.last_report = now;
        let dropped = std::mem::take(&mut self.pending);
        (dropped > 0).then_some(dropped)
    }
}

impl RateLimiter {
    /// At shutdown: the drops not reported yet, whatever the interval (`None` when none).
    pub fn take_final_report(&mut self) -> Option<u64> {
        let dropped = std::mem::take(&mut self.pending);
        (dropped > 0).then_some(dropped)
    }
}

/// The `rate_limit_info` event reporting `dropped` events:
/// `{"rate_limit_info":{"number_of_dropped_process_events":"<n>"},"node_name":…,"time":…}`.
pub fn rate_limit_info_event(
    dropped: u64,
    node_name: impl Into<String>,
    time: Timestamp,
) -> GetEventsResponse {
    GetEventsResponse {
        event: Some(Event::RateLimitInfo(RateLimitInfo {
            number_of_dropped_process_events: dropped,
        })),
        node_name: node_name.into(),
        time: Some(time),
        ..Default::default()
    }
}
