//! Export-side event processing with Tetragon's semantics: allow/deny
//! filters, field filters, redaction and the export rate limit.
//!
//! Everything here is pure (no I/O, no global state, the clock is passed in),
//! so the exporter, the CLI and the tests share one implementation.
//!
//! # Allow/deny filters ([`EventFilter`], [`ExportFilter`])
//!
//! A filter list (`--export-allowlist`, `--export-denylist`) is a stream of
//! JSON objects separated by whitespace/newlines, parsed with
//! [`EventFilter::parse_stream`]. Keys are accepted in snake_case and in
//! lowerCamelCase (`binary_regex` / `binaryRegex`); an unknown key, a value of
//! the wrong type, an invalid RE2 regex, an unknown event type or capability
//! name and an invalid label selector are errors ([`FilterError`]). `null`
//! and an empty list mean "not set".
//!
//! * All keys set in one filter must match (AND); the values of one list key
//!   are alternatives (OR); an empty filter `{}` matches every event.
//! * An event is exported when the allow list is empty or any allow filter
//!   matches, and no deny filter matches ([`ExportFilter::admits`]).
//! * "The process" is the `process` of the event (exec, exit, kprobe,
//!   tracepoint, uprobe, lsm, usdt, loader); "the parent" its `parent`, "the
//!   ancestors" its `ancestors` list (without the parent). Events without a
//!   process (throttle, test, rate_limit_info) fail every process-based key.
//!
//! | key | matches when |
//! |---|---|
//! | `event_set` | the event type (`PROCESS_EXEC`, …, names or numbers) is listed |
//! | `binary_regex` | a regex matches `process.binary` |
//! | `parent_binary_regex` | a regex matches `parent.binary` (no parent: no match) |
//! | `ancestor_binary_regex` | a regex matches the binary of any entry of `ancestors` |
//! | `arguments_regex` / `parent_arguments_regex` | a regex matches `process.arguments` / `parent.arguments` |
//! | `pid` | `process.pid` is listed |
//! | `pid_set` | `process.pid`, `parent.pid` or the pid of any ancestor is listed (stateless: only the processes carried by the event are looked at) |
//! | `namespace` | `process.pod.namespace` is listed; `""` matches a process without pod (host) |
//! | `namespace_regex` / `pod_regex` / `container_name_regex` | a regex matches `pod.namespace` / `pod.name` / `pod.container.name` (no pod: no match) |
//! | `labels` | any k8s label selector (`app=foo,env in (a,b),!x`, `k!=v`, `k notin (..)`, `k`, `k>1`) matches `pod.pod_labels` (no pod: no match) |
//! | `container_id` | a regex matches `process.docker` |
//! | `policy_names` | the `policy_name` of a kprobe/tracepoint/uprobe/lsm/usdt event is listed |
//! | `health_check` | `true`: process or parent has `pod.container.maybe_exec_probe`; `false`: neither has |
//! | `in_init_tree` | `process.in_init_tree` (unset = false) equals the value |
//! | `capabilities` | `{permitted,effective,inheritable: {any|all|exactly|none: [CAP_…]}}` against `process.cap`; each given set must define exactly one of the four; the sets are ANDed; no `process.cap`: no match |
//! | `cel_expression` | any CEL expression is true for the event, bound to a variable named by its type key (`process_exec.process.pid == 1`; see the `cel` module for the value types and the IP/CIDR functions) |
//!
//! Regexes are RE2 syntax (the `regex` crate) and unanchored, like Go's
//! `MatchString`.
//!
//! # Field filters ([`FieldFilter`], [`FieldFilters`])
//!
//! `{"fields":"process.binary,parent","event_set":[...],"invert_event_set":bool,"action":"INCLUDE"|"EXCLUDE"}`
//! (`action` defaults to `INCLUDE`). Paths are relative to the event's inner
//! message (`process.exec_id`, `parent.binary`, `args`, `status`), in
//! snake_case or lowerCamelCase; a path through a list applies to every
//! element. A filter applies to every event when `event_set` is empty,
//! otherwise to the listed types, or to all other types with
//! `invert_event_set`. For one event, with the applicable filters: if any is
//! an INCLUDE, only the union of the included paths is kept; then every
//! EXCLUDE path is removed (EXCLUDE wins over INCLUDE). `node_name`, `time`
//! and the other top-level keys and the event key itself are always kept.
//!
//! # Redaction ([`RedactionFilter`], [`Redactor`])
//!
//! `{"binary_regex":[...],"redact":[...]}` (`match` is a deprecated alias of
//! `binary_regex`). When the process binary matches any `binary_regex` (or
//! none is given), every capture group of every match of each `redact` regex
//! in `arguments` is replaced with `*****`. Environment variables are
//! redacted as `KEY=VALUE` strings, the first `redact` regex that changes a
//! variable wins.
//!
//! # Rate limit ([`RateLimiter`])
//!
//! Token bucket of N events per minute with burst N (N = −1: unlimited,
//! 0: drop everything); the number of drops since the last report is handed
//! out once per minute for the `rate_limit_info` event
//! ([`rate_limit_info_event`]).

mod cel;
mod event;
mod fields;
mod labels;
mod parse;
mod ratelimit;
mod redact;

pub use event::{CapFilter, CapSetFilter, EventFilter, ExportFilter};
pub use fields::{FieldAction, FieldFilter, FieldFilters};
pub use labels::LabelSelector;
pub use parse::{FilterError, FilterErrorKind};
pub use ratelimit::{RateLimiter, rate_limit_info_event};
pub use redact::{REDACTED, RedactionFilter, Redactor};

use crate::tetragon::get_events_response::Event;
use crate::tetragon::{EventType, GetEventsResponse, Process};

/// The [`EventType`] of an event (`Undef` when the event is empty).
pub fn event_type(ev: &GetEventsResponse) -> EventType {
    match &ev.event {
        None => EventType::Undef,
        Some(Event::ProcessExec(_)) => EventType::ProcessExec,
        Some(Event::ProcessExit(_)) => EventType::ProcessExit,
        Some(Event::ProcessKprobe(_)) => EventType::ProcessKprobe,
        Some(Event::ProcessTracepoint(_)) => EventType::ProcessTracepoint,
        Some(Event::ProcessLoader(_)) => EventType::ProcessLoader,
        Some(Event::ProcessUprobe(_)) => EventType::ProcessUprobe,
        Some(Event::ProcessThrottle(_)) => EventType::ProcessThrottle,
        Some(Event::ProcessLsm(_)) => EventType::ProcessLsm,
        Some(Event::ProcessUsdt(_)) => EventType::ProcessUsdt,
        Some(Event::Test(_)) => EventType::Test,
        Some(Event::RateLimitInfo(_)) => EventType::RateLimitInfo,
    }
}

/// The JSON key of the event's oneof (`"process_exec"`, …).
pub fn event_key(ev: &GetEventsResponse) -> Option<&'static str> {
    Some(match ev.event.as_ref()? {
        Event::ProcessExec(_) => "process_exec",
        Event::ProcessExit(_) => "process_exit",
        Event::ProcessKprobe(_) => "process_kprobe",
        Event::ProcessTracepoint(_) => "process_tracepoint",
        Event::ProcessLoader(_) => "process_loader",
        Event::ProcessUprobe(_) => "process_uprobe",
        Event::ProcessThrottle(_) => "process_throttle",
        Event::ProcessLsm(_) => "process_lsm",
        Event::ProcessUsdt(_) => "process_usdt",
        Event::Test(_) => "test",
        Event::RateLimitInfo(_) => "rate_limit_info",
    })
}

/// The event's `process`, for every event kind that carries one.
pub fn event_process(ev: &GetEventsResponse) -> Option<&Process> {
    match ev.event.as_ref()? {
        Event::ProcessExec(e) => e.process.as_ref(),
        Event::ProcessExit(e) => e.process.as_ref(),
        Event::ProcessKprobe(e) => e.process.as_ref(),
        Event::ProcessTracepoint(e) => e.process.as_ref(),
        Event::ProcessLoader(e) => e.process.as_ref(),
        Event::ProcessUprobe(e) => e.process.as_ref(),
        Event::ProcessLsm(e) => e.process.as_ref(),
        Event::ProcessUsdt(e) => e.process.as_ref(),
        Event::ProcessThrottle(_) | Event::Test(_) | Event::RateLimitInfo(_) => None,
    }
}

/// The event's `parent`, for every event kind that carries one.
pub fn event_parent(ev: &GetEventsResponse) -> Option<&Process> {
    match ev.event.as_ref()? {
        Event::ProcessExec(e) => e.parent.as_ref(),
        Event::ProcessExit(e) => e.parent.as_ref(),
        Event::ProcessKprobe(e) => e.parent.as_ref(),
        Event::ProcessTracepoint(e) => e.parent.as_ref(),
        Event::ProcessLoader(e) => e.parent.as_ref(),
        Event::ProcessUprobe(e) => e.parent.as_ref(),
        Event::ProcessLsm(e) => e.parent.as_ref(),
        Event::ProcessUsdt(e) => e.parent.as_ref(),
        Event::ProcessThrottle(_) | Event::Test(_) | Event::RateLimitInfo(_) => None,
    }
}

/// The event's `ancestors` (beyond the parent); empty when not carried.
pub fn event_ancestors(ev: &GetEventsResponse) -> &[Process] {
    match ev.event.as_ref() {
        Some(Event::ProcessExec(e)) => &e.ancestors,
        Some(Event::ProcessExit(e)) => &e.ancestors,
        Some(Event::ProcessKprobe(e)) => &e.ancestors,
        Some(Event::ProcessTracepoint(e)) => &e.ancestors,
        Some(Event::ProcessLoader(e)) => &e.ancestors,
        Some(Event::ProcessUprobe(e)) => &e.ancestors,
        Some(Event::ProcessLsm(e)) => &e.ancestors,
        Some(Event::ProcessUsdt(e)) => &e.ancestors,
        _ => &[],
    }
}

/// The `policy_name` of a kprobe, tracepoint, uprobe, lsm or usdt event
/// (`None` for other kinds and for an empty name).
pub fn event_policy_name(ev: &GetEventsResponse) -> Option<&str> {
    let name = match ev.event.as_ref()? {
        Event::ProcessKprobe(e) => &e.policy_name,
        Event::ProcessTracepoint(e) => &e.policy_name,
        Event::ProcessUprobe(e) => &e.policy_name,
        Event::ProcessLsm(e) => &e.policy_name,
        Event::ProcessUsdt(e) => &e.policy_name,
        _ => return None,
    };
    (!name.is_empty()).then_some(name.as_str())
}

/// Mutable `process`, `parent` and `ancestors` of an event (for redaction).
pub(crate) fn event_processes_mut(ev: &mut GetEventsResponse) -> Vec<&mut Process> {
    fn collect<'a>(
        process: &'a mut Option<Process>,
        parent: &'a mut Option<Process>,
        ancestors: &'a mut [Process],
    ) -> Vec<&'a mut Process> {
        process
            .iter_mut()
            .chain(parent.iter_mut())
            .chain(ancestors.iter_mut())
            .collect()
    }
    match ev.event.as_mut() {
        Some(Event::ProcessExec(e)) => collect(&mut e.process, &mut e.parent, &mut e.ancestors),
        Some(Event::ProcessExit(e)) => collect(&mut e.process, &mut e.parent, &mut e.ancestors),
        Some(Event::ProcessKprobe(e)) => collect(&mut e.process, &mut e.parent, &mut e.ancestors),
        Some(Event::ProcessTracepoint(e)) => {
            collect(&mut e.process, &mut e.parent, &mut e.ancestors)
        }
        Some(Event::ProcessLoader(e)) => collect(&mut e.process, &mut e.parent, &mut e.ancestors),
        Some(Event::ProcessUprobe(e)) => collect(&mut e.process, &mut e.parent, &mut e.ancestors),
        Some(Event::ProcessLsm(e)) => collect(&mut e.process, &mut e.parent, &mut e.ancestors),
        Some(Event::ProcessUsdt(e)) => collect(&mut e.process, &mut e.parent, &mut e.ancestors),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests;
