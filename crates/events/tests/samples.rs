//! The encoder against real Tetragon JSON from the field notes.
//!
//! For three samples the event is built by hand (the way the agent will build
//! it: exec ids from node/ktime/pid, flags from bits, arguments from argv) and
//! the encoded line must equal the sample: as JSON values, key by key, in key
//! order, and byte for byte against the minified sample. All samples must
//! also survive JSON -> struct -> JSON unchanged.
//!
//! The samples were captured with an older Tetragon that still printed the
//! flag word `auid` for bit 0x20 (`"procFS auid"`). Current Tetragon prints
//! no word for that bit, so the expected text drops `auid` from the flags
//! strings (see `modern_flags`).

#[path = "data/field_notes.rs"]
mod field_notes;

use auspex_events::Timestamp;
use auspex_events::args::format_arguments;
use auspex_events::flags::{self, flags_string};
use auspex_events::json::{from_json_line, to_json_line};
use auspex_events::process_id::{decode_exec_id, exec_id, kernel_exec_id};
use auspex_events::tetragon::get_events_response::Event;
use auspex_events::tetragon::{GetEventsResponse, Process, ProcessExec, ProcessExit};
use auspex_events::time::parse_rfc3339;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// Rewrites the obsolete `auid` flag word out of a sample (see module docs).
fn modern_flags(sample: &str) -> String {
    sample
        .replace(
            r#""flags": "procFS auid rootcwd""#,
            r#""flags": "procFS rootcwd""#,
        )
        .replace(r#""flags": "procFS auid""#, r#""flags": "procFS""#)
}

fn ts(s: &str) -> Option<Timestamp> {
    Some(parse_rfc3339(s).unwrap_or_else(|| panic!("bad timestamp {s}")))
}

/// Removes insignificant whitespace, giving Go protojson's compact form.
fn minify(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_str, mut esc) = (false, false);
    for c in json.chars() {
        if in_str {
            out.push(c);
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_str = false;
            }
        } else if !c.is_whitespace() {
            if c == '"' {
                in_str = true;
            }
            out.push(c);
        }
    }
    out
}

/// Every object key as a `/`-joined path, in document order.
fn key_paths(json: &str) -> Vec<String> {
    struct Walk<'a> {
        path: String,
        out: &'a mut Vec<String>,
    }
    impl<'de> DeserializeSeed<'de> for Walk<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Walk<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(k) = map.next_key::<String>()? {
                let path = format!("{}/{k}", self.path);
                self.out.push(path.clone());
                map.next_value_seed(Walk {
                    path,
                    out: &mut *self.out,
                })?;
            }
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut i = 0;
            while seq
                .next_element_seed(Walk {
                    path: format!("{}[{i}]", self.path),
                    out: &mut *self.out,
                })?
                .is_some()
            {
                i += 1;
            }
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
    }
    let mut out = Vec::new();
    let mut de = serde_json::Deserializer::from_str(json);
    Walk {
        path: String::new(),
        out: &mut out,
    }
    .deserialize(&mut de)
    .expect("valid JSON");
    out
}

/// Asserts that `event` encodes exactly to `expected` (a pretty-printed sample).
fn assert_encodes_to(event: &GetEventsResponse, expected: &str) {
    let line = to_json_line(event);
    assert!(!line.contains('\n') && !line.ends_with('\n'));

    let got: Value = serde_json::from_str(&line).expect("encoder output is JSON");
    let want: Value = serde_json::from_str(expected).expect("sample is JSON");
    assert_eq!(got, want, "values differ\n got: {line}");

    assert_eq!(key_paths(&line), key_paths(expected), "key order differs");

    assert_eq!(line, minify(expected), "bytes differ");
}

/// Asserts JSON -> struct -> JSON is lossless and, if given, equals `built`.
fn assert_round_trip(sample: &str, built: Option<&GetEventsResponse>) {
    let parsed = from_json_line(sample).expect("sample parses");
    if let Some(built) = built {
        assert_eq!(
            &parsed, built,
            "parsed sample differs from the hand-built event"
        );
    }
    assert_eq!(to_json_line(&parsed), minify(sample));
}

fn node_exec_id(id: &str, node: &str, ktime: u64, pid: u32) -> String {
    let built = exec_id(node, ktime, pid);
    assert_eq!(built, id);
    assert_eq!(decode_exec_id(id), Some((node.to_owned(), ktime, pid)));
    built
}

#[test]
fn vim_exec_matches_sample() {
    let process = Process {
        exec_id: node_exec_id(
            "bGludXg6MzgxMjI3MzQwMDAwMDAwOjE5ODgy",
            "linux",
            381_227_340_000_000,
            19882,
        ),
        pid: Some(19882),
        uid: Some(0),
        cwd: "/etc/tetragon/tetragon.tp.d".into(),
        binary: "/usr/bin/vim".into(),
        arguments: format_arguments(&[b"/tmp/network-monitoring.yaml"]),
        flags: flags_string(flags::PROCFS),
        start_time: ts("2025-10-22T11:39:42.437624780Z"),
        auid: Some(1000),
        parent_exec_id: exec_id("linux", 381_201_720_000_000, 19808),
        tid: Some(19882),
        in_init_tree: Some(false),
        ..Default::default()
    };
    let parent = Process {
        exec_id: node_exec_id(
            "bGludXg6MzgxMjAxNzIwMDAwMDAwOjE5ODA4",
            "linux",
            381_201_720_000_000,
            19808,
        ),
        pid: Some(19808),
        uid: Some(0),
        cwd: "/var/log/tetragon".into(),
        binary: "/usr/bin/bash".into(),
        flags: flags_string(flags::PROCFS),
        start_time: ts("2025-10-22T11:39:16.817624791Z"),
        auid: Some(1000),
        parent_exec_id: node_exec_id(
            "bGludXg6MzgxMjAxNzIwMDAwMDAwOjE5ODA3",
            "linux",
            381_201_720_000_000,
            19807,
        ),
        tid: Some(19808),
        in_init_tree: Some(false),
        ..Default::default()
    };
    let event = GetEventsResponse {
        event: Some(Event::ProcessExec(ProcessExec {
            process: Some(process),
            parent: Some(parent),
            ancestors: vec![],
        })),
        node_name: "linux".into(),
        time: ts("2025-10-22T11:39:42.437624740Z"),
        ..Default::default()
    };
    let expected = modern_flags(field_notes::VIM_EXEC);
    assert!(expected.contains(r#""flags": "procFS","#));
    assert_encodes_to(&event, &expected);
    assert_round_trip(&expected, Some(&event));
}

#[test]
fn exit_with_ancestors_matches_sample() {
    let process = Process {
        exec_id: node_exec_id(
            "bGludXg6NDM4OTU1MjEyNDA5NjI5OjI0NjU0",
            "linux",
            438_955_212_409_629,
            24654,
        ),
        pid: Some(24654),
        uid: Some(0),
        cwd: "/".into(),
        binary: "/usr/lib/systemd/systemd-nsresourcework".into(),
        arguments: format_arguments(&[b"xxxxxxxxxxxxxxxx"]),
        flags: flags_string(flags::EXECVE | flags::ROOT_CWD | flags::CLONE),
        start_time: ts("2025-10-23T03:41:50.310034580Z"),
        auid: Some(u32::MAX),
        parent_exec_id: exec_id("linux", 4_410_000_000, 639),
        tid: Some(24654),
        in_init_tree: Some(false),
        ..Default::default()
    };
    let parent = Process {
        exec_id: node_exec_id("bGludXg6NDQxMDAwMDAwMDo2Mzk=", "linux", 4_410_000_000, 639),
        pid: Some(639),
        uid: Some(0),
        cwd: "/".into(),
        binary: "/usr/lib/systemd/systemd-nsresourced".into(),
        flags: flags_string(flags::PROCFS | flags::ROOT_CWD),
        start_time: ts("2025-10-18T01:45:59.507624780Z"),
        auid: Some(u32::MAX),
        parent_exec_id: exec_id("linux", 300_000_000, 1),
        tid: Some(639),
        in_init_tree: Some(false),
        ..Default::default()
    };
    let init = Process {
        exec_id: node_exec_id("bGludXg6MzAwMDAwMDAwOjE=", "linux", 300_000_000, 1),
        pid: Some(1),
        uid: Some(0),
        cwd: "/".into(),
        binary: "/usr/lib/systemd/systemd".into(),
        arguments: format_arguments(&[b"--switched-root", b"--system", b"--deserialize=47"]),
        flags: flags_string(flags::PROCFS | flags::ROOT_CWD),
        start_time: ts("2025-10-18T01:45:55.397624980Z"),
        auid: Some(u32::MAX),
        parent_exec_id: kernel_exec_id("linux"),
        tid: Some(1),
        in_init_tree: Some(false),
        ..Default::default()
    };
    assert_eq!(init.parent_exec_id, "bGludXg6MTow");
    // Exit code 0: no status, no signal (both omitted).
    let (status, signal) = auspex_events::signal::exit_status_and_signal(0);
    let event = GetEventsResponse {
        event: Some(Event::ProcessExit(ProcessExit {
            process: Some(process),
            parent: Some(parent),
            signal: signal.unwrap_or_default().into(),
            status,
            time: ts("2025-10-23T03:46:51.359816431Z"),
            ancestors: vec![init],
        })),
        node_name: "linux".into(),
        time: ts("2025-10-23T03:46:51.359816222Z"),
        ..Default::default()
    };
    let expected = modern_flags(field_notes::NSRESOURCEWORK_EXIT);
    assert!(!expected.contains("auid rootcwd"));
    assert_encodes_to(&event, &expected);
    assert_round_trip(&expected, Some(&event));
}

#[test]
fn kthreadd_exit_with_refcnt_matches_sample() {
    let node = "localhost.localdomain";
    let process = Process {
        exec_id: node_exec_id(
            "bG9jYWxob3N0LmxvY2FsZG9tYWluOjgzMTYxMDgyNDM5MjA6MzUxMA==",
            node,
            8_316_108_243_920,
            3510,
        ),
        pid: Some(3510),
        uid: Some(0),
        binary: "[kthreadd]".into(),
        flags: flags_string(flags::EXECVE),
        start_time: ts("2025-10-18T04:04:22.329706699Z"),
        auid: Some(u32::MAX),
        parent_exec_id: exec_id(node, 300_000_000, 2),
        refcnt: 1,
        tid: Some(3510),
        in_init_tree: Some(false),
        ..Default::default()
    };
    let parent = Process {
        exec_id: node_exec_id(
            "bG9jYWxob3N0LmxvY2FsZG9tYWluOjMwMDAwMDAwMDoy",
            node,
            300_000_000,
            2,
        ),
        pid: Some(2),
        uid: Some(0),
        binary: "[kthreadd]".into(),
        flags: flags_string(flags::PROCFS),
        start_time: ts("2025-10-18T01:45:46.521461396Z"),
        auid: Some(u32::MAX),
        parent_exec_id: kernel_exec_id(node),
        tid: Some(2),
        in_init_tree: Some(false),
        ..Default::default()
    };
    let event = GetEventsResponse {
        event: Some(Event::ProcessExit(ProcessExit {
            process: Some(process),
            parent: Some(parent),
            time: ts("2025-10-18T04:14:57.209243030Z"),
            ..Default::default()
        })),
        node_name: node.into(),
        time: ts("2025-10-18T04:14:57.209241777Z"),
        ..Default::default()
    };
    // This sample has no `auid` flag word; it is used unchanged.
    let expected = field_notes::KTHREADD_EXIT;
    assert_encodes_to(&event, expected);
    assert_round_trip(expected, Some(&event));
}

#[test]
fn kubernetes_samples_round_trip() {
    // Pods, containers, images, label maps, `"security_context": {}` (an empty
    // but present message), node_labels after time, timestamps without
    // fractional digits.
    for sample in [field_notes::XWING_CURL_EXEC, field_notes::ELASTIC_NC_EXIT] {
        assert_round_trip(sample, None);
        let event = from_json_line(sample).expect("sample parses");
        assert_eq!(key_paths(&to_json_line(&event)), key_paths(sample));
    }
    let event = from_json_line(field_notes::XWING_CURL_EXEC).expect("sample parses");
    let Some(Event::ProcessExec(exec)) = &event.event else {
        panic!("not an exec event")
    };
    let parent = exec.parent.as_ref().expect("parent");
    assert_eq!(
        parent.arguments,
        format_arguments(&[b"-c", b"curl https://ebpf.io/applications/#..."])
    );
    let container = parent
        .pod
        .as_ref()
        .and_then(|p| p.container.as_ref())
        .expect("container");
    assert_eq!(container.pid, Some(49));
    assert_eq!(container.start_time, ts("2023-10-06T21:52:41Z"));
}

#[test]
fn all_samples_are_modern_after_flag_fix() {
    for sample in [
        field_notes::VIM_EXEC,
        field_notes::NSRESOURCEWORK_EXIT,
        field_notes::KTHREADD_EXIT,
        field_notes::XWING_CURL_EXEC,
        field_notes::ELASTIC_NC_EXIT,
    ] {
        let event = from_json_line(&modern_flags(sample)).expect("sample parses");
        let line = to_json_line(&event);
        let processes = serde_json::from_str::<Value>(&line).expect("JSON");
        let mut stack = vec![&processes];
        while let Some(v) = stack.pop() {
            match v {
                Value::Object(m) => {
                    if let Some(Value::String(f)) = m.get("flags") {
                        let bits = flags::parse_flags(f)
                            .unwrap_or_else(|| panic!("unknown flag word in {f:?}"));
                        assert_eq!(&flags_string(bits), f);
                    }
                    stack.extend(m.values());
                }
                Value::Array(a) => stack.extend(a),
                _ => {}
            }
        }
    }
}
