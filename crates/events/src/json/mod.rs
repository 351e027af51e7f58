//! JSON encoding and decoding of events, compatible with Tetragon's export.
//!
//! The encoding is Go protojson with `UseProtoNames: true`, compact (one line,
//! no spaces): keys are proto field names in declaration order (for
//! [`GetEventsResponse`] the event key comes first, then `node_name`, `time`),
//! unset and zero fields are omitted, wrapper fields are bare values printed
//! whenever they are `Some`, 64-bit integers are strings, enums are names,
//! bytes are standard base64, timestamps are RFC 3339 in UTC with 0, 3, 6 or
//! 9 fractional digits, map keys are sorted. String escaping is the same as
//! Go's (`"`, `\` and control characters only).
//!
//! All generated types implement `serde::Serialize`, so
//! `serde_json::to_writer(w, &msg)` gives the same bytes for any message.

pub(crate) mod rt;

use crate::tetragon::GetEventsResponse;

/// Initial buffer size for one encoded event; a typical exec event fits.
const LINE_CAPACITY: usize = 1024;

/// Encodes one event as a single JSON line (no trailing newline).
pub fn to_json_line(event: &GetEventsResponse) -> String {
    let mut buf = Vec::with_capacity(LINE_CAPACITY);
    append_json_line(event, &mut buf);
    // serde_json only writes UTF-8; the fallback is never taken.
    String::from_utf8(buf).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Appends one event as JSON (no trailing newline) to `buf`, reusing its allocation.
pub fn append_json_line(event: &GetEventsResponse, buf: &mut Vec<u8>) {
    // Writing to a Vec cannot fail and the generated impls never fail.
    let result = serde_json::to_writer(&mut *buf, event);
    debug_assert!(result.is_ok(), "JSON encoding failed: {result:?}");
}

/// Parses one JSON event (as printed by Tetragon or [`to_json_line`]).
///
/// Accepts proto and lowerCamelCase key names, `null` for unset fields,
/// integers as numbers or strings and enums as names or numbers; unknown keys
/// and unknown enum names are ignored (enum names map to 0).
pub fn from_json_line(line: &str) -> Result<GetEventsResponse, serde_json::Error> {
    serde_json::from_str(line)
}

/// Parses one JSON event from bytes; see [`from_json_line`].
pub fn from_json_slice(bytes: &[u8]) -> Result<GetEventsResponse, serde_json::Error> {
    serde_json::from_slice(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tetragon::get_events_response::Event;
    use crate::tetragon::kprobe_argument::Arg;
    use crate::tetragon::{
        BpfCmd, Capabilities, CapabilitiesType, EnvVar, KprobeAction, KprobeArgument, KprobeSock,
        KprobeTruncatedBytes, Process, ProcessCredentials, ProcessKprobe, RateLimitInfo,
        SecureBitsType, UserNamespace,
    };
    use prost_types::Timestamp;

    fn arg(arg: Arg, label: &str) -> KprobeArgument {
        KprobeArgument {
            arg: Some(arg),
            label: label.into(),
        }
    }

    #[test]
    fn empty_event_is_empty_object() {
        assert_eq!(to_json_line(&GetEventsResponse::default()), "{}");
        assert_eq!(
            from_json_line("{}").ok(),
            Some(GetEventsResponse::default())
        );
    }

    #[test]
    fn kprobe_event_encoding() {
        let kprobe = ProcessKprobe {
            process: Some(Process {
                pid: Some(0),
                in_init_tree: Some(true),
                ..Default::default()
            }),
            function_name: "tcp_connect".into(),
            args: vec![
                // Oneof members are printed even when zero/empty.
                arg(Arg::IntArg(0), ""),
                arg(Arg::StringArg(String::new()), "empty"),
                arg(Arg::SizeArg(u64::MAX), ""),
                arg(Arg::LongArg(-5), ""),
                arg(Arg::BytesArg(b"hi\x00".to_vec()), ""),
                arg(Arg::BpfCmdArg(BpfCmd::BpfProgLoad as i32), ""),
                arg(
                    Arg::SockArg(KprobeSock {
                        r#type: "SOCK_STREAM".into(),
                        cookie: 18_446_744_073_709_551_615,
                        dport: 443,
                        ..Default::default()
                    }),
                    "",
                ),
                arg(
                    Arg::TruncatedBytesArg(KprobeTruncatedBytes {
                        bytes_arg: vec![1, 2, 3],
                        orig_size: 4096,
                    }),
                    "",
                ),
                arg(
                    Arg::ProcessCredentialsArg(ProcessCredentials {
                        uid: Some(0),
                        securebits: vec![SecureBitsType::SecBitNoRoot as i32, 4242],
                        caps: Some(Capabilities {
                            permitted: vec![
                                CapabilitiesType::CapChown as i32,
                                CapabilitiesType::DacOverride as i32,
                            ],
                            ..Default::default()
                        }),
                        user_ns: Some(UserNamespace {
                            level: Some(0),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }),
                    "",
                ),
            ],
            r#return: Some(arg(Arg::IntArg(-1), "")),
            action: KprobeAction::Post as i32,
            policy_name: "connect".into(),
            return_action: 99,
            tags: vec!["a".into(), "b".into()],
            envs: vec![EnvVar {
                key: "K".into(),
                value: "V".into(),
            }],
            ..Default::default()
        };
        let event = GetEventsResponse {
            event: Some(Event::ProcessKprobe(kprobe)),
            node_name: "n1".into(),
            time: Some(Timestamp {
                seconds: 1_704_067_200,
                nanos: 123_000_000,
            }),
            node_labels: [
                ("z".to_string(), "1".to_string()),
                ("a".to_string(), "2".to_string()),
            ]
            .into_iter()
            .collect(),
            ..Default::default()
        };
        let line = to_json_line(&event);
        let expected = concat!(
            r#"{"process_kprobe":{"process":{"pid":0,"in_init_tree":true},"function_name":"tcp_connect","args":["#,
            r#"{"int_arg":0},{"string_arg":"","label":"empty"},{"size_arg":"18446744073709551615"},"#,
            r#"{"long_arg":"-5"},{"bytes_arg":"aGkA"},{"bpf_cmd_arg":"BPF_PROG_LOAD"},"#,
            r#"{"sock_arg":{"type":"SOCK_STREAM","dport":443,"cookie":"18446744073709551615"}},"#,
            r#"{"truncated_bytes_arg":{"bytes_arg":"AQID","orig_size":"4096"}},"#,
            r#"{"process_credentials_arg":{"uid":0,"securebits":["SecBitNoRoot",4242],"#,
            r#""caps":{"permitted":["CAP_CHOWN","DAC_OVERRIDE"]},"user_ns":{"level":0}}}],"#,
            r#""return":{"int_arg":-1},"action":"KPROBE_ACTION_POST","policy_name":"connect","#,
            r#""return_action":99,"tags":["a","b"],"envs":[{"Key":"K","Value":"V"}]},"#,
            r#""node_name":"n1","time":"2024-01-01T00:00:00.123Z","node_labels":{"a":"2","z":"1"}}"#,
        );
        assert_eq!(line, expected);
        assert_eq!(from_json_line(&line).ok(), Some(event));
    }

    #[test]
    fn string_escaping_matches_go() {
        let event = GetEventsResponse {
            node_name: "q\"b\\s/\n\t\r\u{8}\u{c}\u{1}\u{1f}\u{7f}\u{e9}\u{2028}<>&".into(),
            ..Default::default()
        };
        assert_eq!(
            to_json_line(&event),
            "{\"node_name\":\"q\\\"b\\\\s/\\n\\t\\r\\b\\f\\u0001\\u001f\u{7f}\u{e9}\u{2028}<>&\"}"
        );
    }

    #[test]
    fn lenient_parsing() {
        let line = r#"{"processExec":{"process":{"execId":"x","pid":"7","startTime":"2024-01-01T02:00:00+02:00",
            "auid":null,"cwd":null,"refcnt":3.0,"unknownField":{"a":[1,2]}},"ancestors":null},
            "nodeName":"n","nodeLabels":{"k":"v"},"aggregation_info":{"count":"5"},"future":1}"#;
        let event = from_json_line(line).expect("parses");
        let Some(Event::ProcessExec(exec)) = &event.event else {
            panic!("not exec")
        };
        let p = exec.process.as_ref().expect("process");
        assert_eq!(p.exec_id, "x");
        assert_eq!(p.pid, Some(7));
        assert_eq!(p.auid, None);
        assert_eq!(p.refcnt, 3);
        assert_eq!(
            p.start_time,
            Some(Timestamp {
                seconds: 1_704_067_200,
                nanos: 0
            })
        );
        assert_eq!(event.node_name, "n");
        assert_eq!(event.aggregation_info.map(|a| a.count), Some(5));
        assert_eq!(event.node_labels.get("k").map(String::as_str), Some("v"));

        let k = from_json_line(
            r#"{"process_kprobe":{"action":"KPROBE_ACTION_FROM_THE_FUTURE","return_action":3,
               "args":[{"bytes_arg":"aGk"},{"bytes_arg":"-_8="},{"size_arg":12}]}}"#,
        )
        .expect("parses");
        let Some(Event::ProcessKprobe(k)) = k.event else {
            panic!("not kprobe")
        };
        assert_eq!(k.action, 0);
        assert_eq!(k.return_action, KprobeAction::Sigkill as i32);
        assert_eq!(k.args[0].arg, Some(Arg::BytesArg(b"hi".to_vec())));
        assert_eq!(k.args[1].arg, Some(Arg::BytesArg(vec![0xfb, 0xff])));
        assert_eq!(k.args[2].arg, Some(Arg::SizeArg(12)));

        assert!(from_json_line(r#"{"process_exec":{"process":{"pid":-1}}}"#).is_err());
        assert!(from_json_line(r#"{"process_exec":{"process":{"pid":1.5}}}"#).is_err());
        assert!(from_json_line(r#"{"time":"yesterday"}"#).is_err());
        assert!(from_json_line(r#"{"process_exec":[]}"#).is_err());
    }

    #[test]
    fn rate_limit_and_append() {
        let event = GetEventsResponse {
            event: Some(Event::RateLimitInfo(RateLimitInfo {
                number_of_dropped_process_events: 12,
            })),
            ..Default::default()
        };
        let mut buf = b"prefix ".to_vec();
        append_json_line(&event, &mut buf);
        assert_eq!(
            buf,
            br#"prefix {"rate_limit_info":{"number_of_dropped_process_events":"12"}}"#
        );
        assert_eq!(from_json_slice(&buf[7..]).ok(), Some(event));
    }
}
