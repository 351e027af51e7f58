//! Adapters used by the generated serde impls (`$OUT_DIR/tetragon.json.rs`).
//!
//! Serialization adapters wrap a borrowed value and print it the protojson
//! way without allocating (`collect_str` streams `Display` output straight
//! into the writer). Deserialization adapters implement [`FromJson`]: they
//! accept everything protojson accepts for that kind and yield the value
//! prost stores.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use prost_types::Timestamp;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};
use serde::ser::{Serialize, SerializeSeq, Serializer};

thread_local! {
    /// Set while [`native_values`] runs: the adapters then give proto-typed values (numbers for
    /// 64-bit integers and enums, timestamps as timestamps) instead of protojson's strings, for
    /// serializers that evaluate rather than print (CEL filters).
    static NATIVE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with the adapters in native mode (see [`NATIVE`]) on this thread.
pub(crate) fn native_values<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            NATIVE.with(|n| n.set(self.0));
        }
    }
    let _reset = Reset(NATIVE.with(|n| n.replace(true)));
    f()
}

fn native() -> bool {
    NATIVE.with(|n| n.get())
}

/// Name/value lookup implemented for every generated enum.
pub trait ProtoEnum {
    /// Proto name of a value, `None` if the value is unknown.
    fn name_of(value: i32) -> Option<&'static str>;
    /// Value of a proto name, `None` if the name is unknown.
    fn value_of(name: &str) -> Option<i32>;
}

// ---------------------------------------------------------------------------
// Serialization
// ---------------------------------------------------------------------------

/// A 64-bit integer printed as a JSON string.
pub struct Quoted<T>(pub T);

impl<T: fmt::Display + Serialize> Serialize for Quoted<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if native() {
            return self.0.serialize(s);
        }
        s.collect_str(&self.0)
    }
}

/// Repeated 64-bit integers, each printed as a JSON string.
#[allow(dead_code)] // used when the schema has such repeated fields
pub struct QuotedSeq<'a, T>(pub &'a [T]);

impl<T: fmt::Display + Serialize> Serialize for QuotedSeq<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for v in self.0 {
            seq.serialize_element(&Quoted(v))?;
        }
        seq.end()
    }
}

/// Bytes printed as standard base64 with padding.
pub struct Base64<'a>(pub &'a [u8]);

impl Serialize for Base64<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&base64::display::Base64Display::new(self.0, &STANDARD))
    }
}

/// Repeated bytes, each printed as base64.
#[allow(dead_code)] // used when the schema has such repeated fields
pub struct Base64Seq<'a>(pub &'a [Vec<u8>]);

impl Serialize for Base64Seq<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for v in self.0 {
            seq.serialize_element(&Base64(v))?;
        }
        seq.end()
    }
}

/// An enum value printed as its name (or as a number if unknown, like Go).
pub struct EnumName<E>(i32, PhantomData<E>);

impl<E> EnumName<E> {
    /// Wraps a raw enum value.
    pub fn new(value: i32) -> Self {
        EnumName(value, PhantomData)
    }
}

impl<E: ProtoEnum> Serialize for EnumName<E> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if native() {
            return s.serialize_i32(self.0);
        }
        match E::name_of(self.0) {
            Some(name) => s.serialize_str(name),
            None => s.serialize_i32(self.0),
        }
    }
}

/// Repeated enum values printed as names.
pub struct EnumSeq<'a, E>(&'a [i32], PhantomData<E>);

impl<'a, E> EnumSeq<'a, E> {
    /// Wraps raw enum values.
    pub fn new(values: &'a [i32]) -> Self {
        EnumSeq(values, PhantomData)
    }
}

impl<E: ProtoEnum> Serialize for EnumSeq<'_, E> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for &v in self.0 {
            seq.serialize_element(&EnumName::<E>::new(v))?;
        }
        seq.end()
    }
}

/// A timestamp printed as RFC 3339 (see [`crate::time::Rfc3339`]).
pub struct Rfc3339<'a>(pub &'a Timestamp);

impl Serialize for Rfc3339<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if native()
            && let Some(t) = chrono::DateTime::from_timestamp(
                self.0.seconds,
                u32::try_from(self.0.nanos).unwrap_or(0),
            )
        {
            return cel::Timestamp(t.fixed_offset()).serialize(s);
        }
        let text = crate::time::Rfc3339(self.0);
        match text.encode(&mut [0; 32]) {
            Some(t) => s.serialize_str(t),
            None => s.collect_str(&text),
        }
    }
}

/// Repeated timestamps.
#[allow(dead_code)] // used when the schema has such repeated fields
pub struct Rfc3339Seq<'a>(pub &'a [Timestamp]);

impl Serialize for Rfc3339Seq<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for v in self.0 {
            seq.serialize_element(&Rfc3339(v))?;
        }
        seq.end()
    }
}

// ---------------------------------------------------------------------------
// Deserialization
// ---------------------------------------------------------------------------

/// A deserialization adapter that yields the value prost stores.
pub trait FromJson<'de>: Deserialize<'de> {
    /// The stored value.
    type Out;
    /// Unwraps the stored value.
    fn into_out(self) -> Self::Out;
}

/// Reads the next map value through adapter `W`.
pub fn value<'de, W: FromJson<'de>, A: MapAccess<'de>>(map: &mut A) -> Result<W::Out, A::Error> {
    Ok(map.next_value::<W>()?.into_out())
}

/// An object key, borrowed from the input when possible.
pub struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    /// The key text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A string; `null` gives "".
pub struct Str(String);

impl<'de> Deserialize<'de> for Str {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Str;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Str, E> {
                Ok(Str(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Str, E> {
                Ok(Str(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Str, E> {
                Ok(Str(String::new()))
            }
        }
        d.deserialize_any(V)
    }
}

impl FromJson<'_> for Str {
    type Out = String;
    fn into_out(self) -> String {
        self.0
    }
}

/// A boolean; `null` gives false.
pub struct Bool(bool);

impl<'de> Deserialize<'de> for Bool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Bool;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a boolean")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Bool, E> {
                Ok(Bool(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Bool, E> {
                Ok(Bool(false))
            }
        }
        d.deserialize_any(V)
    }
}

impl FromJson<'_> for Bool {
    type Out = bool;
    fn into_out(self) -> bool {
        self.0
    }
}

/// Integer types a proto field can have.
pub trait IntLike: Sized + Default + TryFrom<i64> + TryFrom<u64> + FromStr {}
impl IntLike for i32 {}
impl IntLike for u32 {}
impl IntLike for i64 {}
impl IntLike for u64 {}

/// An integer from a JSON number or a string holding one; `null` gives 0.
pub struct Int<T>(T);

impl<'de, T: IntLike> Deserialize<'de> for Int<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<T: IntLike> Visitor<'_> for V<T> {
            type Value = Int<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer (number or string)")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Int<T>, E> {
                T::try_from(v)
                    .map(Int)
                    .map_err(|_| E::invalid_value(Unexpected::Signed(v), &self))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Int<T>, E> {
                T::try_from(v)
                    .map(Int)
                    .map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Int<T>, E> {
                // protojson accepts integral floats such as 1e3 or 5.0.
                let bad = || E::invalid_value(Unexpected::Float(v), &self);
                if !v.is_finite() || v.fract() != 0.0 {
                    return Err(bad());
                }
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let converted = if v >= 0.0 {
                    (v <= u64::MAX as f64)
                        .then(|| T::try_from(v as u64).ok())
                        .flatten()
                } else {
                    (v >= i64::MIN as f64)
                        .then(|| T::try_from(v as i64).ok())
                        .flatten()
                };
                converted.map(Int).ok_or_else(bad)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Int<T>, E> {
                v.parse::<T>()
                    .map(Int)
                    .map_err(|_| E::invalid_value(Unexpected::Str(v), &self))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Int<T>, E> {
                Ok(Int(T::default()))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

impl<T: IntLike> FromJson<'_> for Int<T> {
    type Out = T;
    fn into_out(self) -> T {
        self.0
    }
}

/// Bytes from base64 (standard or URL alphabet, padding optional); `null` gives empty.
pub struct Bytes(Vec<u8>);

const LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
const URL_LENIENT: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Bytes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a base64 string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Bytes, E> {
                let engine = if v.contains(['-', '_']) {
                    &URL_LENIENT
                } else {
                    &STANDARD_LENIENT
                };
                engine
                    .decode(v)
                    .map(Bytes)
                    .map_err(|_| E::invalid_value(Unexpected::Str(v), &self))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Bytes, E> {
                Ok(Bytes(Vec::new()))
            }
        }
        d.deserialize_any(V)
    }
}

impl FromJson<'_> for Bytes {
    type Out = Vec<u8>;
    fn into_out(self) -> Vec<u8> {
        self.0
    }
}

/// An enum from its name or number; `null` and unknown names give 0.
pub struct Enum<E>(i32, PhantomData<E>);

impl<'de, En: ProtoEnum> Deserialize<'de> for Enum<En> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<En>(PhantomData<En>);
        impl<En: ProtoEnum> Visitor<'_> for V<En> {
            type Value = Enum<En>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an enum name or number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Enum<En>, E> {
                Ok(Enum(En::value_of(v).unwrap_or(0), PhantomData))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Enum<En>, E> {
                i32::try_from(v)
                    .map(|v| Enum(v, PhantomData))
                    .map_err(|_| E::invalid_value(Unexpected::Signed(v), &self))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Enum<En>, E> {
                i32::try_from(v)
                    .map(|v| Enum(v, PhantomData))
                    .map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Enum<En>, E> {
                Ok(Enum(0, PhantomData))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

impl<En: ProtoEnum> FromJson<'_> for Enum<En> {
    type Out = i32;
    fn into_out(self) -> i32 {
        self.0
    }
}

/// A message field; `null` gives `None`.
pub struct Msg<T>(Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Msg<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(d).map(Msg)
    }
}

impl<'de, T: Deserialize<'de>> FromJson<'de> for Msg<T> {
    type Out = Option<T>;
    fn into_out(self) -> Option<T> {
        self.0
    }
}

/// An element of a repeated message field.
pub struct Plain<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Plain<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Plain)
    }
}

impl<'de, T: Deserialize<'de>> FromJson<'de> for Plain<T> {
    type Out = T;
    fn into_out(self) -> T {
        self.0
    }
}

/// A wrapper-typed field (bare value); `null` gives `None`.
pub struct Opt<W>(Option<W>);

impl<'de, W: FromJson<'de>> Deserialize<'de> for Opt<W> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<W>::deserialize(d).map(Opt)
    }
}

impl<'de, W: FromJson<'de>> FromJson<'de> for Opt<W> {
    type Out = Option<W::Out>;
    fn into_out(self) -> Option<W::Out> {
        self.0.map(W::into_out)
    }
}

/// A timestamp (RFC 3339 string), never `null`.
pub struct TsRequired(Timestamp);

impl<'de> Deserialize<'de> for TsRequired {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = TsRequired;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 timestamp string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TsRequired, E> {
                crate::time::parse_rfc3339(v)
                    .map(TsRequired)
                    .ok_or_else(|| E::invalid_value(Unexpected::Str(v), &self))
            }
        }
        d.deserialize_str(V)
    }
}

impl FromJson<'_> for TsRequired {
    type Out = Timestamp;
    fn into_out(self) -> Timestamp {
        self.0
    }
}

/// A timestamp field; `null` gives `None`.
pub type Ts = Opt<TsRequired>;

/// A repeated field; `null` gives an empty list.
pub struct Seq<W>(Vec<W>);

impl<'de, W: FromJson<'de>> Deserialize<'de> for Seq<W> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<W>(PhantomData<W>);
        impl<'de, W: FromJson<'de>> Visitor<'de> for V<W> {
            type Value = Seq<W>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Seq<W>, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while let Some(v) = seq.next_element::<W>()? {
                    out.push(v);
                }
                Ok(Seq(out))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Seq<W>, E> {
                Ok(Seq(Vec::new()))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

impl<'de, W: FromJson<'de>> FromJson<'de> for Seq<W> {
    type Out = Vec<W::Out>;
    fn into_out(self) -> Vec<W::Out> {
        self.0.into_iter().map(W::into_out).collect()
    }
}

/// A `map<string, string>` field; `null` gives an empty map.
pub struct StrMap(BTreeMap<String, String>);

impl<'de> Deserialize<'de> for StrMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StrMap;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StrMap, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((k, v)) = map.next_entry::<String, Str>()? {
                    out.insert(k, v.0);
                }
                Ok(StrMap(out))
            }
            fn visit_unit<E: de::Error>(self) -> Result<StrMap, E> {
                Ok(StrMap(BTreeMap::new()))
            }
        }
        d.deserialize_any(V)
    }
}

impl FromJson<'_> for StrMap {
    type Out = BTreeMap<String, String>;
    fn into_out(self) -> BTreeMap<String, String> {
        self.0
    }
}
