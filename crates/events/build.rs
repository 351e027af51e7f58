//! Build script of `auspex-events`.
//!
//! 1. Parses `proto/tetragon/*.proto` with `protox` (pure Rust, no `protoc`).
//! 2. Generates the message types with `prost-build` (`$OUT_DIR/tetragon.rs`).
//! 3. Generates protojson-compatible `serde::Serialize` / `serde::Deserialize`
//!    impls for every message (`$OUT_DIR/tetragon.json.rs`), see `JsonGen`,
//!    except those of the gRPC service file (`NO_JSON_FILES`).
//!
//! The gRPC service `tetragon.FineGuidanceSensors` (`sensors.proto`) is not
//! generated here: the `auspex-api` crate generates it with tonic and maps
//! every message to this crate's types (`extern_path`), so the messages have
//! one definition.
//!
//! The serde impls are generated here rather than with pbjson because the
//! output must match Go's protojson byte for byte: keys in declaration order
//! (a oneof is printed where it is declared, not after the other fields) and
//! timestamps with a `Z` suffix and 0/3/6/9 fractional digits.

/// Shared with the crate: proto ↔ JSON field-name spellings.
#[allow(dead_code)]
#[path = "src/json_names.rs"]
mod json_names;
use json_names::lower_camel;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::PathBuf;

use heck::{ToSnakeCase, ToUpperCamelCase};
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, FieldDescriptorProto, FileDescriptorSet};

const PROTO_ROOT: &str = "proto";
const PROTO_FILES: &[&str] = &[
    "tetragon/capabilities.proto",
    "tetragon/bpf.proto",
    "tetragon/tetragon.proto",
    "tetragon/events.proto",
    "tetragon/sensors.proto",
];
/// Files whose messages get no serde impls: the request/response messages of
/// the gRPC service use shapes the JSON generator does not support (nested
/// messages, `google.protobuf.Any`, `map<string, int32>`, proto3 `optional`).
const NO_JSON_FILES: &[&str] = &["tetragon/sensors.proto"];
const PACKAGE: &str = "tetragon";

type BuildResult<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> BuildResult<()> {
    println!("cargo:rerun-if-changed={PROTO_ROOT}");
    println!("cargo:rerun-if-changed=build.rs");

    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let fds = protox::compile(PROTO_FILES, [PROTO_ROOT])?;

    prost_build::Config::new()
        .btree_map(["."])
        .compile_fds(fds.clone())?;

    let code = JsonGen::new(&fds).generate()?;
    std::fs::write(out_dir.join("tetragon.json.rs"), code)?;
    Ok(())
}

/// Same identifier rules as prost-build (`ident.rs`), so the generated impls
/// name the fields and types exactly as prost does.
fn sanitize(ident: String) -> String {
    match ident.as_str() {
        "as" | "break" | "const" | "continue" | "else" | "enum" | "false" | "fn" | "for" | "if"
        | "impl" | "in" | "let" | "loop" | "match" | "mod" | "move" | "mut" | "pub" | "ref"
        | "return" | "static" | "struct" | "trait" | "true" | "type" | "unsafe" | "use"
        | "where" | "while" | "dyn" | "abstract" | "become" | "box" | "do" | "final" | "macro"
        | "override" | "priv" | "typeof" | "unsized" | "virtual" | "yield" | "async" | "await"
        | "try" | "gen" => format!("r#{ident}"),
        "_" | "super" | "self" | "Self" | "extern" | "crate" => format!("{ident}_"),
        s if s.starts_with(|c: char| c.is_numeric()) => format!("_{ident}"),
        _ => ident,
    }
}

fn rust_field(name: &str) -> String {
    sanitize(name.to_snake_case())
}

fn rust_type(name: &str) -> String {
    sanitize(name.to_upper_camel_case())
}

/// JSON-relevant shape of one (non-repeated) value.
#[derive(Clone, Debug)]
enum Kind {
    Str,
    Bytes,
    Bool,
    /// 32-bit integer (`i32` or `u32`): a JSON number.
    Int32(&'static str),
    /// 64-bit integer (`i64` or `u64`): a JSON string.
    Int64(&'static str),
    /// An enum; holds the Rust type name.
    Enum(String),
    /// A message; holds the Rust type name.
    Msg(String),
    /// google.protobuf.Timestamp.
    Timestamp,
    /// google.protobuf.FieldMask (a string of comma-separated lowerCamel paths).
    FieldMask,
    /// google.protobuf.Duration (a string such as `"1.5s"`).
    Duration,
    /// A google.protobuf wrapper, mapped by prost to `Option<primitive>`.
    Wrapper(Box<Kind>),
}

#[derive(Clone, Debug)]
enum Shape {
    Single(Kind),
    Repeated(Kind),
    /// `map<string, string>`.
    StringMap,
}

struct JsonGen<'a> {
    /// Fully-qualified message name (`.tetragon.Process`) -> descriptor.
    messages: HashMap<String, &'a DescriptorProto>,
    /// Fully-qualified enum name -> Rust type name.
    enums: HashMap<String, String>,
    /// Top-level messages of our package, in file order.
    ordered: Vec<&'a DescriptorProto>,
    /// Rust enum type names of our package.
    our_enums: Vec<String>,
}

impl<'a> JsonGen<'a> {
    fn new(fds: &'a FileDescriptorSet) -> Self {
        let mut messages = HashMap::new();
        let mut enums = HashMap::new();
        let mut ordered = Vec::new();
        let mut our_enums = Vec::new();
        for file in &fds.file {
            let pkg = file.package();
            let json = pkg == PACKAGE && !NO_JSON_FILES.contains(&file.name());
            for msg in &file.message_type {
                let fq = format!(".{pkg}.{}", msg.name());
                for nested in &msg.nested_type {
                    messages.insert(format!("{fq}.{}", nested.name()), nested);
                }
                if !msg.enum_type.is_empty() && pkg == PACKAGE {
                    panic!("nested enums are not supported: {fq}");
                }
                messages.insert(fq, msg);
                if json {
                    ordered.push(msg);
                }
            }
            for e in &file.enum_type {
                let rust = rust_type(e.name());
                enums.insert(format!(".{pkg}.{}", e.name()), rust.clone());
                if pkg == PACKAGE {
                    our_enums.push(rust);
                }
            }
        }
        JsonGen {
            messages,
            enums,
            ordered,
            our_enums,
        }
    }

    fn kind_of(&self, field: &FieldDescriptorProto) -> Kind {
        match field.r#type() {
            Type::String => Kind::Str,
            Type::Bytes => Kind::Bytes,
            Type::Bool => Kind::Bool,
            Type::Int32 | Type::Sint32 | Type::Sfixed32 => Kind::Int32("i32"),
            Type::Uint32 | Type::Fixed32 => Kind::Int32("u32"),
            Type::Int64 | Type::Sint64 | Type::Sfixed64 => Kind::Int64("i64"),
            Type::Uint64 | Type::Fixed64 => Kind::Int64("u64"),
            Type::Enum => Kind::Enum(
                self.enums
                    .get(field.type_name())
                    .unwrap_or_else(|| panic!("unknown enum {}", field.type_name()))
                    .clone(),
            ),
            Type::Message => match field.type_name() {
                ".google.protobuf.Timestamp" => Kind::Timestamp,
                ".google.protobuf.FieldMask" => Kind::FieldMask,
                ".google.protobuf.Duration" => Kind::Duration,
                ".google.protobuf.BoolValue" => Kind::Wrapper(Box::new(Kind::Bool)),
                ".google.protobuf.Int32Value" => Kind::Wrapper(Box::new(Kind::Int32("i32"))),
                ".google.protobuf.UInt32Value" => Kind::Wrapper(Box::new(Kind::Int32("u32"))),
                ".google.protobuf.Int64Value" => Kind::Wrapper(Box::new(Kind::Int64("i64"))),
                ".google.protobuf.UInt64Value" => Kind::Wrapper(Box::new(Kind::Int64("u64"))),
                ".google.protobuf.StringValue" => Kind::Wrapper(Box::new(Kind::Str)),
                ".google.protobuf.BytesValue" => Kind::Wrapper(Box::new(Kind::Bytes)),
                name if name.starts_with(&format!(".{PACKAGE}.")) => {
                    let short = &name[PACKAGE.len() + 2..];
                    assert!(!short.contains('.'), "nested message type {name}");
                    Kind::Msg(rust_type(short))
                }
                other => panic!("unsupported message type {other}"),
            },
            other => panic!("unsupported field type {other:?} ({})", field.name()),
        }
    }

    fn shape_of(&self, field: &FieldDescriptorProto) -> Shape {
        assert!(
            !field.proto3_optional(),
            "proto3 optional is not supported ({})",
            field.name()
        );
        if field.label() == Label::Repeated {
            if field.r#type() == Type::Message
                && let Some(entry) = self.messages.get(field.type_name())
                && entry.options.as_ref().is_some_and(|o| o.map_entry())
            {
                let ok = entry.field.len() == 2
                    && entry.field.iter().all(|f| f.r#type() == Type::String);
                assert!(ok, "only map<string, string> is supported");
                return Shape::StringMap;
            }
            let kind = self.kind_of(field);
            assert!(
                !matches!(kind, Kind::Wrapper(_) | Kind::FieldMask | Kind::Duration),
                "repeated wrapper/FieldMask/Duration fields are not supported"
            );
            Shape::Repeated(kind)
        } else {
            Shape::Single(self.kind_of(field))
        }
    }

    fn generate(&self) -> BuildResult<String> {
        let mut out = String::new();
        writeln!(
            out,
            "// @generated by auspex-events/build.rs: protojson serde impls.\n"
        )?;
        for e in &self.our_enums {
            writeln!(
                out,
                "impl crate::json::rt::ProtoEnum for {e} {{\n\
                 \x20   fn name_of(value: i32) -> ::core::option::Option<&'static str> {{\n\
                 \x20       Self::try_from(value).ok().map(|v| v.as_str_name())\n\
                 \x20   }}\n\
                 \x20   fn value_of(name: &str) -> ::core::option::Option<i32> {{\n\
                 \x20       Self::from_str_name(name).map(|v| v as i32)\n\
                 \x20   }}\n\
                 }}\n"
            )?;
        }
        for msg in &self.ordered {
            self.gen_serialize(&mut out, msg)?;
            self.gen_deserialize(&mut out, msg)?;
        }
        out.push_str(WKT_ADAPTERS);
        Ok(out)
    }

    /// Expression serializing the value behind reference `v` of kind `k`.
    fn ser_single(k: &Kind, v: &str) -> String {
        match k {
            Kind::Str | Kind::Bool | Kind::Int32(_) | Kind::Msg(_) => v.to_string(),
            Kind::Bytes => format!("&crate::json::rt::Base64({v})"),
            Kind::Int64(_) => format!("&crate::json::rt::Quoted(*{v})"),
            Kind::Enum(e) => format!("&crate::json::rt::EnumName::<{e}>::new(*{v})"),
            Kind::Timestamp => format!("&crate::json::rt::Rfc3339({v})"),
            Kind::FieldMask => format!("&__json_wkt::FieldMaskSer({v})"),
            Kind::Duration => format!("&__json_wkt::DurationSer({v})"),
            Kind::Wrapper(inner) => Self::ser_single(inner, v),
        }
    }

    fn ser_repeated(k: &Kind, v: &str) -> String {
        match k {
            Kind::Str | Kind::Bool | Kind::Int32(_) | Kind::Msg(_) => v.to_string(),
            Kind::Bytes => format!("&crate::json::rt::Base64Seq({v})"),
            Kind::Int64(_) => format!("&crate::json::rt::QuotedSeq({v})"),
            Kind::Enum(e) => format!("&crate::json::rt::EnumSeq::<{e}>::new({v})"),
            Kind::Timestamp => format!("&crate::json::rt::Rfc3339Seq({v})"),
            Kind::Wrapper(_) | Kind::FieldMask | Kind::Duration => {
                unreachable!("checked in shape_of")
            }
        }
    }

    /// Type of the deserialization adapter for one value of kind `k`.
    fn de_single(k: &Kind) -> String {
        match k {
            Kind::Str => "crate::json::rt::Str".into(),
            Kind::Bytes => "crate::json::rt::Bytes".into(),
            Kind::Bool => "crate::json::rt::Bool".into(),
            Kind::Int32(t) | Kind::Int64(t) => format!("crate::json::rt::Int<{t}>"),
            Kind::Enum(e) => format!("crate::json::rt::Enum<{e}>"),
            Kind::Msg(m) => format!("crate::json::rt::Msg<{m}>"),
            Kind::Timestamp => "crate::json::rt::Ts".into(),
            Kind::FieldMask => "crate::json::rt::Opt<__json_wkt::FieldMaskDe>".into(),
            Kind::Duration => "crate::json::rt::Opt<__json_wkt::DurationDe>".into(),
            Kind::Wrapper(inner) => format!("crate::json::rt::Opt<{}>", Self::de_single(inner)),
        }
    }

    /// Adapter for one element of a repeated field (null not allowed).
    fn de_element(k: &Kind) -> String {
        match k {
            Kind::Msg(m) => format!("crate::json::rt::Plain<{m}>"),
            Kind::Timestamp => "crate::json::rt::TsRequired".into(),
            other => Self::de_single(other),
        }
    }

    /// Adapter for a oneof member: yields `Option<value>`, None for null.
    fn de_oneof_member(k: &Kind) -> String {
        match k {
            Kind::Msg(_) | Kind::Timestamp | Kind::FieldMask | Kind::Duration => Self::de_single(k),
            other => format!("crate::json::rt::Opt<{}>", Self::de_single(other)),
        }
    }

    fn gen_serialize(&self, out: &mut String, msg: &DescriptorProto) -> BuildResult<()> {
        let ty = rust_type(msg.name());
        let module = rust_field(msg.name());
        let mut body = String::new();
        let mut done_oneofs = Vec::new();
        for field in &msg.field {
            let rf = rust_field(field.name());
            let key = field.name();
            if let Some(idx) = field.oneof_index {
                if done_oneofs.contains(&idx) {
                    continue;
                }
                done_oneofs.push(idx);
                let decl = &msg.oneof_decl[idx as usize];
                let of = rust_field(decl.name());
                let oty = rust_type(decl.name());
                writeln!(
                    body,
                    "        if let ::core::option::Option::Some(o) = &self.{of} {{"
                )?;
                writeln!(body, "            match o {{")?;
                for member in msg.field.iter().filter(|f| f.oneof_index == Some(idx)) {
                    let kind = self.kind_of(member);
                    let variant = rust_type(member.name());
                    writeln!(
                        body,
                        "                {module}::{oty}::{variant}(v) => map.serialize_entry(\"{}\", {})?,",
                        member.name(),
                        Self::ser_single(&kind, "v")
                    )?;
                }
                writeln!(body, "            }}\n        }}")?;
                continue;
            }
            match self.shape_of(field) {
                Shape::Single(kind) => match &kind {
                    Kind::Str | Kind::Bytes => writeln!(
                        body,
                        "        if !self.{rf}.is_empty() {{ map.serialize_entry(\"{key}\", {})?; }}",
                        Self::ser_single(&kind, &format!("&self.{rf}"))
                    )?,
                    Kind::Bool => writeln!(
                        body,
                        "        if self.{rf} {{ map.serialize_entry(\"{key}\", &true)?; }}"
                    )?,
                    Kind::Int32(_) | Kind::Int64(_) | Kind::Enum(_) => writeln!(
                        body,
                        "        if self.{rf} != 0 {{ map.serialize_entry(\"{key}\", {})?; }}",
                        Self::ser_single(&kind, &format!("&self.{rf}"))
                    )?,
                    Kind::Msg(_)
                    | Kind::Timestamp
                    | Kind::FieldMask
                    | Kind::Duration
                    | Kind::Wrapper(_) => writeln!(
                        body,
                        "        if let ::core::option::Option::Some(v) = &self.{rf} {{ map.serialize_entry(\"{key}\", {})?; }}",
                        Self::ser_single(&kind, "v")
                    )?,
                },
                Shape::Repeated(kind) => writeln!(
                    body,
                    "        if !self.{rf}.is_empty() {{ map.serialize_entry(\"{key}\", {})?; }}",
                    Self::ser_repeated(&kind, &format!("&self.{rf}"))
                )?,
                Shape::StringMap => writeln!(
                    body,
                    "        if !self.{rf}.is_empty() {{ map.serialize_entry(\"{key}\", &self.{rf})?; }}"
                )?,
            }
        }
        let map_binding = if msg.field.is_empty() {
            "map"
        } else {
            "mut map"
        };
        writeln!(
            out,
            "impl ::serde::Serialize for {ty} {{\n\
             \x20   fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {{\n\
             \x20       use ::serde::ser::SerializeMap as _;\n\
             \x20       let {map_binding} = serializer.serialize_map(::core::option::Option::None)?;\n\
             {body}\
             \x20       map.end()\n\
             \x20   }}\n\
             }}\n"
        )?;
        Ok(())
    }

    fn gen_deserialize(&self, out: &mut String, msg: &DescriptorProto) -> BuildResult<()> {
        let ty = rust_type(msg.name());
        let module = rust_field(msg.name());
        let mut arms = String::new();
        // Accept the proto name, the JSON (lowerCamel) name and, if set, the
        // descriptor's json_name, like protojson does.
        for field in &msg.field {
            let rf = rust_field(field.name());
            let mut names: BTreeMap<String, ()> = BTreeMap::new();
            names.insert(field.name().to_string(), ());
            names.insert(lower_camel(field.name()), ());
            if let Some(j) = &field.json_name {
                names.insert(j.clone(), ());
            }
            let pattern = names
                .keys()
                .map(|n| format!("\"{n}\""))
                .collect::<Vec<_>>()
                .join(" | ");
            if let Some(idx) = field.oneof_index {
                let decl = &msg.oneof_decl[idx as usize];
                let of = rust_field(decl.name());
                let oty = rust_type(decl.name());
                let variant = rust_type(field.name());
                let kind = self.kind_of(field);
                writeln!(
                    arms,
                    "                        {pattern} => {{\n\
                     \x20                           if let ::core::option::Option::Some(v) = crate::json::rt::value::<{}, _>(&mut map)? {{\n\
                     \x20                               msg.{of} = ::core::option::Option::Some({module}::{oty}::{variant}(v));\n\
                     \x20                           }}\n\
                     \x20                       }}",
                    Self::de_oneof_member(&kind)
                )?;
                continue;
            }
            let adapter = match self.shape_of(field) {
                Shape::Single(kind) => Self::de_single(&kind),
                Shape::Repeated(kind) => {
                    format!("crate::json::rt::Seq<{}>", Self::de_element(&kind))
                }
                Shape::StringMap => "crate::json::rt::StrMap".into(),
            };
            writeln!(
                arms,
                "                        {pattern} => msg.{rf} = crate::json::rt::value::<{adapter}, _>(&mut map)?,"
            )?;
        }
        let msg_binding = if msg.field.is_empty() {
            "msg"
        } else {
            "mut msg"
        };
        writeln!(
            out,
            "impl<'de> ::serde::Deserialize<'de> for {ty} {{\n\
             \x20   fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {{\n\
             \x20       struct V;\n\
             \x20       impl<'de> ::serde::de::Visitor<'de> for V {{\n\
             \x20           type Value = {ty};\n\
             \x20           fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {{\n\
             \x20               f.write_str(\"a JSON object for tetragon.{name}\")\n\
             \x20           }}\n\
             \x20           fn visit_map<A: ::serde::de::MapAccess<'de>>(self, mut map: A) -> ::core::result::Result<{ty}, A::Error> {{\n\
             \x20               let {msg_binding} = {ty}::default();\n\
             \x20               while let ::core::option::Option::Some(key) = map.next_key::<crate::json::rt::Key<'de>>()? {{\n\
             \x20                   match key.as_str() {{\n\
             {arms}\
             \x20                       _ => {{ map.next_value::<::serde::de::IgnoredAny>()?; }}\n\
             \x20                   }}\n\
             \x20               }}\n\
             \x20               ::core::result::Result::Ok(msg)\n\
             \x20           }}\n\
             \x20       }}\n\
             \x20       deserializer.deserialize_map(V)\n\
             \x20   }}\n\
             }}\n",
            name = msg.name()
        )?;
        Ok(())
    }
}

/// protojson adapters of the well-known types FieldMask and Duration, emitted
/// once into the generated file (module `__json_wkt` of `tetragon`).
const WKT_ADAPTERS: &str = r#"
/// protojson forms of `google.protobuf.FieldMask` and `google.protobuf.Duration`.
mod __json_wkt {
    use ::core::fmt;

    use crate::json_names::{lower_camel as camel, snake_case as snake};

    /// A FieldMask printed as `"a.bC,d"` (paths joined by commas, segments in lowerCamelCase).
    pub struct FieldMaskSer<'a>(pub &'a ::prost_types::FieldMask);

    impl ::serde::Serialize for FieldMaskSer<'_> {
        fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
            let text = self
                .0
                .paths
                .iter()
                .map(|p| p.split('.').map(camel).collect::<::std::vec::Vec<_>>().join("."))
                .collect::<::std::vec::Vec<_>>()
                .join(",");
            s.serialize_str(&text)
        }
    }

    /// A FieldMask from its string form (segments converted to snake_case).
    pub struct FieldMaskDe(::prost_types::FieldMask);

    impl<'de> ::serde::Deserialize<'de> for FieldMaskDe {
        fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
            let text = <::std::string::String as ::serde::Deserialize>::deserialize(d)?;
            let paths = text
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| p.split('.').map(snake).collect::<::std::vec::Vec<_>>().join("."))
                .collect();
            ::core::result::Result::Ok(FieldMaskDe(::prost_types::FieldMask { paths }))
        }
    }

    impl crate::json::rt::FromJson<'_> for FieldMaskDe {
        type Out = ::prost_types::FieldMask;
        fn into_out(self) -> ::prost_types::FieldMask {
            self.0
        }
    }

    /// A Duration printed as seconds with 0, 3, 6 or 9 fractional digits and an `s` suffix.
    pub struct DurationSer<'a>(pub &'a ::prost_types::Duration);

    impl fmt::Display for DurationSer<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            let (secs, nanos) = (self.0.seconds, self.0.nanos);
            if secs < 0 || nanos < 0 {
                f.write_str("-")?;
            }
            write!(f, "{}", secs.unsigned_abs())?;
            let n = nanos.unsigned_abs();
            if n == 0 {
            } else if n % 1_000_000 == 0 {
                write!(f, ".{:03}", n / 1_000_000)?;
            } else if n % 1_000 == 0 {
                write!(f, ".{:06}", n / 1_000)?;
            } else {
                write!(f, ".{n:09}")?;
            }
            f.write_str("s")
        }
    }

    impl ::serde::Serialize for DurationSer<'_> {
        fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
            s.collect_str(self)
        }
    }

    /// A Duration from `"<seconds>[.<fraction>]s"`.
    pub struct DurationDe(::prost_types::Duration);

    fn parse_duration(text: &str) -> ::core::option::Option<::prost_types::Duration> {
        let body = text.strip_suffix('s')?;
        let (neg, body) = match body.strip_prefix('-') {
            ::core::option::Option::Some(rest) => (true, rest),
            ::core::option::Option::None => (false, body),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
            return ::core::option::Option::None;
        }
        if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return ::core::option::Option::None;
        }
        let seconds: i64 = int.parse().ok()?;
        let nanos: i32 = if frac.is_empty() {
            0
        } else {
            format!("{frac:0<9}").parse().ok()?
        };
        ::core::option::Option::Some(if neg {
            ::prost_types::Duration { seconds: -seconds, nanos: -nanos }
        } else {
            ::prost_types::Duration { seconds, nanos }
        })
    }

    impl<'de> ::serde::Deserialize<'de> for DurationDe {
        fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
            let text = <::std::string::String as ::serde::Deserialize>::deserialize(d)?;
            parse_duration(&text).map(DurationDe).ok_or_else(|| {
                <D::Error as ::serde::de::Error>::custom(format!(
                    "invalid duration {text:?} (expected e.g. \"1.5s\")"
                ))
            })
        }
    }

    impl crate::json::rt::FromJson<'_> for DurationDe {
        type Out = ::prost_types::Duration;
        fn into_out(self) -> ::prost_types::Duration {
            self.0
        }
    }
}
"#;
