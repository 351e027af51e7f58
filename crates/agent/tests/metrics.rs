//! `auspex_agent::metrics`: events fed through the sink, the exposition fetched from a real
//! `/metrics` server on loopback and parsed with a Prometheus text parser.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use auspex_agent::export::EventSink;
use auspex_agent::metrics::{CONTENT_TYPE, LossReason, Metrics, MetricsLabelFilter, MetricsServer};
use auspex_agent::stats::LossSnapshot;
use auspex_events::tetragon::get_events_response::Event;
use auspex_events::tetragon::{
    GetEventsResponse, KprobeAction, Pod, Process, ProcessExec, ProcessExit, ProcessKprobe,
    ProcessLsm, ProcessTracepoint, ProcessUprobe, ProcessUsdt, RateLimitInfo,
};
use prometheus_parse::{Scrape, Value};

fn process(binary: &str, pod: Option<(&str, &str, &str)>) -> Process {
    Process {
        binary: binary.into(),
        pod: pod.map(|(namespace, workload, name)| Pod {
            namespace: namespace.into(),
            workload: workload.into(),
            name: name.into(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn ev(event: Event) -> GetEventsResponse {
    GetEventsResponse {
        node_name: "node1".into(),
        event: Some(event),
        ..Default::default()
    }
}

const XWING: Option<(&str, &str, &str)> = Some(("default", "xwing", "xwing-6b9d8c6f5-abcde"));

fn exec(binary: &str, pod: Option<(&str, &str, &str)>) -> GetEventsResponse {
    ev(Event::ProcessExec(ProcessExec {
        process: Some(process(binary, pod)),
        ..Default::default()
    }))
}

fn kprobe(policy: &str, function: &str, action: KprobeAction) -> GetEventsResponse {
    ev(Event::ProcessKprobe(ProcessKprobe {
        process: Some(process("/usr/bin/curl", XWING)),
        function_name: function.into(),
        policy_name: policy.into(),
        action: action as i32,
        ..Default::default()
    }))
}

/// Events: 2 execs of curl in xwing, 1 exec of a host binary, 1 exit, 3 kprobes (2 policies),
/// 1 tracepoint, 1 uprobe, 1 lsm, 1 usdt, 1 rate_limit_info.
fn feed(metrics: &Metrics) {
    let mut sink = metrics.sink();
    let events = vec![
        exec("/usr/bin/curl", XWING),
        exec("/usr/bin/curl", XWING),
        exec("/usr/sbin/sshd", None),
        ev(Event::ProcessExit(ProcessExit {
            process: Some(process("/usr/bin/curl", XWING)),
            ..Default::default()
        })),
        kprobe(
            "file-monitoring",
            "security_file_permission",
            KprobeAction::Post,
        ),
        kprobe(
            "file-monitoring",
            "security_file_permission",
            KprobeAction::Post,
        ),
        kprobe("block-write", "__x64_sys_write", KprobeAction::Sigkill),
        ev(Event::ProcessTracepoint(ProcessTracepoint {
            process: Some(process("/usr/bin/curl", XWING)),
            subsys: "raw_syscalls".into(),
            event: "sys_enter".into(),
            policy_name: "syscalls".into(),
            action: KprobeAction::Post as i32,
            ..Default::default()
        })),
        ev(Event::ProcessUprobe(ProcessUprobe {
            process: Some(process("/usr/bin/curl", XWING)),
            path: "/usr/lib/libssl.so.3".into(),
            symbol: "SSL_write".into(),
            policy_name: "ssl".into(),
            action: KprobeAction::Post as i32,
            ..Default::default()
        })),
        ev(Event::ProcessLsm(ProcessLsm {
            process: Some(process("/usr/bin/curl", XWING)),
            function_name: "file_open".into(),
            policy_name: "lsm-open".into(),
            action: KprobeAction::Override as i32,
            ..Default::default()
        })),
        ev(Event::ProcessUsdt(ProcessUsdt {
            process: Some(process("/usr/bin/python3", XWING)),
            path: "/usr/bin/python3".into(),
            provider: "python".into(),
            name: "function__entry".into(),
            policy_name: "usdt".into(),
            ..Default::default()
        })),
        ev(Event::RateLimitInfo(RateLimitInfo {
            number_of_dropped_process_events: 5,
        })),
    ];
    for e in &events {
        sink.emit(e).unwrap();
    }
    sink.flush().unwrap();
}

/// Sends a raw request, returns (status line, headers, body).
fn http(addr: SocketAddr, request: &str) -> (String, String, String) {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let (head, body) = resp.split_once("\r\n\r\n").expect("response head");
    let (status, headers) = head.split_once("\r\n").unwrap_or((head, ""));
    (status.to_owned(), headers.to_owned(), body.to_owned())
}

fn scrape(addr: SocketAddr) -> Scrape {
    let (status, headers, body) = http(
        addr,
        "GET /metrics HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n",
    );
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(
        headers.contains(&format!("Content-Type: {CONTENT_TYPE}")),
        "{headers}"
    );
    assert!(
        headers.contains(&format!("Content-Length: {}", body.len())),
        "{headers}"
    );
    assert!(body.ends_with("# EOF\n"), "{body}");
    Scrape::parse(body.lines().map(|l| Ok(l.to_owned()))).unwrap()
}

fn value(v: &Value) -> f64 {
    match v {
        Value::Counter(x) | Value::Gauge(x) | Value::Untyped(x) => *x,
        other => panic!("unexpected value {other:?}"),
    }
}

/// The value of the sample `name` whose labels are exactly `labels`.
fn sample(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let want: HashMap<String, String> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut found = scrape
        .samples
        .iter()
        .filter(|s| s.metric == name && *s.labels == want)
        .map(|s| value(&s.value));
    let v = found.next();
    assert!(found.next().is_none(), "duplicate sample {name} {labels:?}");
    v
}

fn samples_named<'a>(
    scrape: &'a Scrape,
    name: &'a str,
) -> impl Iterator<Item = &'a prometheus_parse::Sample> {
    scrape.samples.iter().filter(move |s| s.metric == name)
}

fn event_labels<'a>(
    ty: &'a str,
    ns: &'a str,
    workload: &'a str,
    pod: &'a str,
    binary: &'a str,
) -> [(&'a str, &'a str); 5] {
    [
        ("type", ty),
        ("namespace", ns),
        ("workload", workload),
        ("pod", pod),
        ("binary", binary),
    ]
}

#[test]
fn metrics_are_send_sync_clone() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<Metrics>();
    fn send<T: Send>() {}
    send::<auspex_agent::metrics::MetricsSink>();
}

#[test]
fn counters_over_a_real_http_scrape() {
    let metrics = Metrics::new(MetricsLabelFilter::default());
    feed(&metrics);
    metrics.set_exported(11);
    metrics.set_lost(LossReason::ExportRatelimit, 5);
    metrics.set_loss_snapshot(&LossSnapshot {
        kernel_exec: 1,
        kernel_exit: 2,
        kernel_clone: 3,
        kernel_generic: 4,
        kernel_data: 0,
        kernel_pending_full: 6,
        kernel_heap_busy: 9,
        kernel_process_map_full: 100,
        queue_overflow: 7,
        decode_errors: 8,
    });
    metrics.set_process_cache(42, 3);
    metrics.set_map("execve_map", 17, 32768);
    metrics.set_map("auspex_policy_filter", 0, 1024);

    let server = MetricsServer::start("127.0.0.1:0", metrics.clone()).unwrap();
    let addr = server.local_addr();
    assert!(addr.ip().is_loopback());
    assert_ne!(addr.port(), 0);
    let s = scrape(addr);

    let (ns, wl, pod) = ("default", "xwing", "xwing-6b9d8c6f5-abcde");
    let events = "auspex_events_total";
    let curl = "/usr/bin/curl";
    assert_eq!(
        sample(&s, events, &event_labels("PROCESS_EXEC", ns, wl, pod, curl)),
        Some(2.0)
    );
    assert_eq!(
        sample(
            &s,
            events,
            &event_labels("PROCESS_EXEC", "", "", "", "/usr/sbin/sshd")
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(&s, events, &event_labels("PROCESS_EXIT", ns, wl, pod, curl)),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &s,
            events,
            &event_labels("PROCESS_KPROBE", ns, wl, pod, curl)
        ),
        Some(3.0)
    );
    for ty in ["PROCESS_TRACEPOINT", "PROCESS_UPROBE", "PROCESS_LSM"] {
        assert_eq!(
            sample(&s, events, &event_labels(ty, ns, wl, pod, curl)),
            Some(1.0),
            "{ty}"
        );
    }
    assert_eq!(
        sample(
            &s,
            events,
            &event_labels("PROCESS_USDT", ns, wl, pod, "/usr/bin/python3")
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(&s, events, &event_labels("RATE_LIMIT_INFO", "", "", "", "")),
        Some(1.0)
    );
    let total: f64 = samples_named(&s, events).map(|x| value(&x.value)).sum();
    assert_eq!(total, 12.0);

    let policy = |policy: &str, hook: &str, binary: &str| {
        sample(
            &s,
            "auspex_policy_events_total",
            &[
                ("policy", policy),
                ("hook", hook),
                ("namespace", ns),
                ("workload", wl),
                ("pod", pod),
                ("binary", binary),
            ],
        )
    };
    assert_eq!(
        policy("file-monitoring", "security_file_permission", curl),
        Some(2.0)
    );
    assert_eq!(policy("block-write", "__x64_sys_write", curl), Some(1.0));
    assert_eq!(
        policy("syscalls", "raw_syscalls/sys_enter", curl),
        Some(1.0)
    );
    assert_eq!(
        policy("ssl", "/usr/lib/libssl.so.3:SSL_write", curl),
        Some(1.0)
    );
    assert_eq!(policy("lsm-open", "file_open", curl), Some(1.0));
    assert_eq!(
        policy(
            "usdt",
            "/usr/bin/python3:python:function__entry",
            "/usr/bin/python3"
        ),
        Some(1.0)
    );
    assert_eq!(samples_named(&s, "auspex_policy_events_total").count(), 6);

    let action = |policy: &str, action: &str| {
        sample(
            &s,
            "auspex_policy_actions_total",
            &[("policy", policy), ("action", action)],
        )
    };
    assert_eq!(action("file-monitoring", "post"), Some(2.0));
    assert_eq!(action("block-write", "sigkill"), Some(1.0));
    assert_eq!(action("syscalls", "post"), Some(1.0));
    assert_eq!(action("ssl", "post"), Some(1.0));
    assert_eq!(action("lsm-open", "override"), Some(1.0));
    assert_eq!(action("usdt", "unknown"), Some(1.0));

    assert_eq!(sample(&s, "auspex_events_exported_total", &[]), Some(11.0));
    let lost = |reason: &str| sample(&s, "auspex_events_lost_total", &[("reason", reason)]);
    assert_eq!(lost("kernel_ringbuf"), Some(10.0));
    assert_eq!(lost("kernel_pending"), Some(6.0));
    assert_eq!(lost("kernel_heap_busy"), Some(9.0));
    assert_eq!(lost("user_queue"), Some(7.0));
    assert_eq!(lost("export_ratelimit"), Some(5.0));
    assert_eq!(lost("decode"), Some(8.0));
    assert_eq!(sample(&s, "auspex_process_cache_size", &[]), Some(42.0));
    assert_eq!(
        sample(&s, "auspex_process_cache_evictions_total", &[]),
        Some(3.0)
    );
    assert_eq!(
        sample(&s, "auspex_map_entries", &[("map", "execve_map")]),
        Some(17.0)
    );
    assert_eq!(
        sample(&s, "auspex_map_capacity", &[("map", "execve_map")]),
        Some(32768.0)
    );
    assert_eq!(
        sample(&s, "auspex_map_entries", &[("map", "auspex_policy_filter")]),
        Some(0.0)
    );
    assert_eq!(
        sample(
            &s,
            "auspex_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        Some(1.0)
    );

    // Later updates show in the next scrape; totals are set, not added.
    metrics.set_exported(12);
    metrics.set_lost(LossReason::Decode, 9);
    metrics.set_process_cache(40, 5);
    metrics.sink().emit(&exec("/usr/bin/curl", XWING)).unwrap();
    let s = scrape(addr);
    assert_eq!(sample(&s, "auspex_events_exported_total", &[]), Some(12.0));
    assert_eq!(
        sample(&s, "auspex_events_lost_total", &[("reason", "decode")]),
        Some(9.0)
    );
    assert_eq!(sample(&s, "auspex_process_cache_size", &[]), Some(40.0));
    assert_eq!(
        sample(&s, "auspex_process_cache_evictions_total", &[]),
        Some(5.0)
    );
    assert_eq!(
        sample(&s, events, &event_labels("PROCESS_EXEC", ns, wl, pod, curl)),
        Some(3.0)
    );
}

#[test]
fn exposition_declares_types_and_help() {
    let metrics = Metrics::new(MetricsLabelFilter::default());
    // Families without series are left out of the exposition; the loss reasons are always there.
    let text = metrics.encode();
    assert!(!text.contains("auspex_events_total"), "{text}");
    assert!(
        text.contains("auspex_events_lost_total{reason=\"decode\"} 0"),
        "{text}"
    );
    feed(&metrics);
    metrics.set_map("execve_map", 1, 2);
    let text = metrics.encode();
    for line in [
        "# TYPE auspex_events counter",
        "# TYPE auspex_policy_events counter",
        "# TYPE auspex_policy_actions counter",
        "# TYPE auspex_events_exported counter",
        "# TYPE auspex_events_lost counter",
        "# TYPE auspex_process_cache_size gauge",
        "# TYPE auspex_process_cache_evictions counter",
        "# TYPE auspex_map_entries gauge",
        "# TYPE auspex_map_capacity gauge",
        "# TYPE auspex_build_info gauge",
        "auspex_events_exported_total 0",
        "auspex_events_lost_total{reason=\"kernel_ringbuf\"} 0",
        "auspex_events_lost_total{reason=\"kernel_pending\"} 0",
        "auspex_events_lost_total{reason=\"kernel_heap_busy\"} 0",
        "auspex_events_lost_total{reason=\"user_queue\"} 0",
        "auspex_events_lost_total{reason=\"export_ratelimit\"} 0",
        "auspex_events_lost_total{reason=\"decode\"} 0",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    assert!(text.contains("# HELP auspex_events "), "{text}");
    assert!(text.ends_with("# EOF\n"));
}

#[test]
fn label_values_are_escaped() {
    let metrics = Metrics::new(MetricsLabelFilter::default());
    metrics
        .sink()
        .emit(&exec("/tmp/we\"ird\\bin\nx", None))
        .unwrap();
    let text = metrics.encode();
    assert!(text.contains(r#"binary="/tmp/we\"ird\\bin\nx""#), "{text}");
}

#[test]
fn label_filter_drops_labels() {
    let filter = MetricsLabelFilter::parse("namespace, binary").unwrap();
    assert_eq!(
        filter,
        MetricsLabelFilter {
            namespace: true,
            workload: false,
            pod: false,
            binary: true,
        }
    );
    let metrics = Metrics::new(filter);
    assert_eq!(metrics.label_filter(), filter);
    feed(&metrics);
    let server = MetricsServer::start("127.0.0.1:0", metrics).unwrap();
    let s = scrape(server.local_addr());
    assert_eq!(
        sample(
            &s,
            "auspex_events_total",
            &event_labels("PROCESS_EXEC", "default", "", "", "/usr/bin/curl")
        ),
        Some(2.0)
    );
    assert_eq!(
        sample(
            &s,
            "auspex_policy_events_total",
            &[
                ("policy", "file-monitoring"),
                ("hook", "security_file_permission"),
                ("namespace", "default"),
                ("workload", ""),
                ("pod", ""),
                ("binary", "/usr/bin/curl"),
            ]
        ),
        Some(2.0)
    );
    for x in samples_named(&s, "auspex_events_total") {
        assert_eq!(x.labels.get("workload"), Some(""), "{x:?}");
        assert_eq!(x.labels.get("pod"), Some(""), "{x:?}");
    }

    // Nothing kept: one series per event type.
    let metrics = Metrics::new(MetricsLabelFilter::parse("").unwrap());
    feed(&metrics);
    let server = MetricsServer::start("127.0.0.1:0", metrics).unwrap();
    let s = scrape(server.local_addr());
    assert_eq!(
        sample(
            &s,
            "auspex_events_total",
            &event_labels("PROCESS_EXEC", "", "", "", "")
        ),
        Some(3.0)
    );
    assert_eq!(
        sample(
            &s,
            "auspex_events_total",
            &event_labels("PROCESS_KPROBE", "", "", "", "")
        ),
        Some(3.0)
    );
    assert_eq!(samples_named(&s, "auspex_events_total").count(), 8);

    assert_eq!(
        MetricsLabelFilter::parse("namespace,workload,pod,binary").unwrap(),
        MetricsLabelFilter::ALL
    );
    assert!(MetricsLabelFilter::parse("node_name").is_err());
}

#[test]
fn http_other_paths_methods_and_head() {
    let metrics = Metrics::new(MetricsLabelFilter::default());
    let server = MetricsServer::start("127.0.0.1:0", metrics).unwrap();
    let addr = server.local_addr();
    let (status, _, body) = http(addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    assert_eq!(body, "404 page not found\n");
    let (status, _, _) = http(addr, "GET /metricsx HTTP/1.0\r\n\r\n");
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    let (status, _, _) = http(addr, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(status, "HTTP/1.1 405 Method Not Allowed");
    let (status, headers, body) = http(addr, "HEAD /metrics HTTP/1.1\r\n\r\n");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(headers.contains("Content-Length: "), "{headers}");
    assert_eq!(body, "");
    // A query string is ignored.
    let (status, _, body) = http(addr, "GET /metrics?x=1 HTTP/1.1\r\n\r\n");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(body.contains("auspex_build_info"));
    // A client that connects and says nothing does not wedge the server for others for long.
    let _idle = TcpStream::connect(addr).unwrap();
    let (status, _, _) = http(addr, "GET /metrics HTTP/1.1\r\n\r\n");
    assert_eq!(status, "HTTP/1.1 200 OK");
}

#[test]
fn server_stops_on_drop_and_port_is_reusable() {
    let metrics = Metrics::new(MetricsLabelFilter::default());
    let server = MetricsServer::start("127.0.0.1:0", metrics.clone()).unwrap();
    let addr = server.local_addr();
    assert!(!scrape(addr).samples.is_empty());
    drop(server);
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err());
    // The same port can be bound again.
    let again = MetricsServer::start(&addr.to_string(), metrics).unwrap();
    assert_eq!(again.local_addr(), addr);
}

#[test]
fn all_interfaces_address_form() {
    let metrics = Metrics::new(MetricsLabelFilter::default());
    let server = MetricsServer::start(":0", metrics).unwrap();
    let addr = server.local_addr();
    assert!(addr.ip().is_unspecified(), "{addr}");
    assert_ne!(addr.port(), 0);
    // Reachable over IPv4 loopback (dual stack or IPv4 wildcard).
    let v4: SocketAddr = format!("127.0.0.1:{}", addr.port()).parse().unwrap();
    assert!(!scrape(v4).samples.is_empty());
    drop(server);

    assert!(MetricsServer::start(":notaport", Metrics::new(MetricsLabelFilter::ALL)).is_err());
    assert!(MetricsServer::start("nonsense", Metrics::new(MetricsLabelFilter::ALL)).is_err());
}
