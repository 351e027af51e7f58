//! The API's messages: Tetragon's field numbers on the wire, protojson for the request types
//! (FieldMask and Duration included), and the service's name and methods.
use auspex_api::tetragon::{
    AggregationOptions, EventType, FieldFilter, FieldFilterAction, Filter, GetEventsRequest,
    TracingPolicyStatus,
};
use prost::Message;

#[test]
fn field_masks_and_durations_use_protojson_forms() {
    let req = GetEventsRequest {
        allow_list: vec![Filter {
            binary_regex: vec!["^/bin/".into()],
            health_check: Some(false),
            event_set: vec![EventType::ProcessExec as i32],
            ..Default::default()
        }],
        aggregation_options: Some(AggregationOptions {
            window_size: Some(prost_types::Duration {
                seconds: 1,
                nanos: 500_000_000,
            }),
            channel_buffer_size: 7,
        }),
        field_filters: vec![FieldFilter {
            fields: Some(prost_types::FieldMask {
                paths: vec!["process.exec_id".into(), "parent".into()],
            }),
            action: FieldFilterAction::Exclude as i32,
            invert_event_set: Some(true),
            ..Default::default()
        }],
        ..Default::default()
    };
    let text = serde_json::to_string(&req).expect("serialize");
    assert_eq!(
        text,
        r#"{"allow_list":[{"binary_regex":["^/bin/"],"health_check":false,"event_set":["PROCESS_EXEC"]}],"aggregation_options":{"window_size":"1.500s","channel_buffer_size":"7"},"field_filters":[{"fields":"process.execId,parent","action":"EXCLUDE","invert_event_set":true}]}"#
    );
    let back: GetEventsRequest = serde_json::from_str(&text).expect("parse");
    assert_eq!(back, req);
}

#[test]
fn durations_parse_like_protojson() {
    let parse = |s: &str| {
        serde_json::from_str::<AggregationOptions>(&format!(r#"{{"windowSize":{s}}}"#))
            .map(|o| o.window_size)
    };
    let d = |seconds, nanos| Some(prost_types::Duration { seconds, nanos });
    assert_eq!(parse(r#""15s""#).unwrap(), d(15, 0));
    assert_eq!(parse(r#""0.000000001s""#).unwrap(), d(0, 1));
    assert_eq!(parse(r#""-2.5s""#).unwrap(), d(-2, -500_000_000));
    assert_eq!(parse("null").unwrap(), None);
    for bad in [r#""15""#, r#""s""#, r#""1.0000000001s""#, r#""x1s""#, "15"] {
        assert!(parse(bad).is_err(), "{bad}");
    }
    let o = AggregationOptions {
        window_size: d(0, 1_000),
        channel_buffer_size: 0,
    };
    assert_eq!(
        serde_json::to_string(&o).unwrap(),
        r#"{"window_size":"0.000001s"}"#
    );
}

/// Hand-encoded bytes with Tetragon's field numbers decode into our messages.
#[test]
fn wire_numbers_match_tetragon() {
    // Filter: binary_regex=1 "a", pid=4 [5] (packed), ancestor_binary_regex=17 "b".
    let bytes = [0x0a, 0x01, b'a', 0x22, 0x01, 0x05, 0x8a, 0x01, 0x01, b'b'];
    let f = Filter::decode(&bytes[..]).expect("decode");
    assert_eq!(f.binary_regex, ["a"]);
    assert_eq!(f.pid, [5]);
    assert_eq!(f.ancestor_binary_regex, ["b"]);
    // TracingPolicyStatus: id=1, name=2, state=9, mode=11.
    let bytes = [0x08, 0x03, 0x12, 0x01, b'p', 0x48, 0x02, 0x58, 0x01];
    let s = TracingPolicyStatus::decode(&bytes[..]).expect("decode");
    assert_eq!((s.id, s.name.as_str(), s.state, s.mode), (3, "p", 2, 1));
    // GetEventsRequest: field_filters=4 { action=3 EXCLUDE }.
    let bytes = [0x22, 0x02, 0x18, 0x01];
    let r = GetEventsRequest::decode(&bytes[..]).expect("decode");
    assert_eq!(r.field_filters[0].action, FieldFilterAction::Exclude as i32);
}

#[test]
fn service_name_is_tetragons() {
    use tonic::server::NamedService;
    struct Nothing;
    assert_eq!(
        <auspex_api::FineGuidanceSensorsServer<Nothing> as NamedService>::NAME,
        "tetragon.FineGuidanceSensors"
    );
    assert_eq!(auspex_api::SERVICE_NAME, "tetragon.FineGuidanceSensors");
}
