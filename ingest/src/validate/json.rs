//! Borrowed access to a JSON object's fields without building a `serde_json::Value`.
//!
//! The object is parsed once into `(key, raw value)` pairs that point into the message; each
//! field is then classified by its first byte and decoded only when a rule needs it.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// The JSON type of a raw value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl Kind {
    pub(super) fn of(raw: &RawValue) -> Kind {
        // serde_json hands out raw values without surrounding white space.
        match raw.get().as_bytes().first() {
            Some(b'n') => Kind::Null,
            Some(b't' | b'f') => Kind::Bool,
            Some(b'"') => Kind::String,
            Some(b'[') => Kind::Array,
            Some(b'{') => Kind::Object,
            _ => Kind::Number,
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Array => "an array",
            Kind::Object => "an object",
        }
    }
}

/// A JSON object's fields in document order; a repeated key's last value wins.
pub(super) struct Object<'a> {
    fields: Vec<(Cow<'a, str>, &'a RawValue)>,
}

impl<'a> Object<'a> {
    /// Parses `text` as one JSON object; `None` if it is not valid JSON or not an object.
    pub(super) fn parse(text: &'a str) -> Option<Self> {
        let mut de = serde_json::Deserializer::from_str(text);
        let fields = de.deserialize_map(FieldsVisitor).ok()?;
        de.end().ok()?;
        Some(Object { fields })
    }

    /// The raw value of `key`, treating `null` as absent.
    pub(super) fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.fields
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| *v)
            .filter(|v| Kind::of(v) != Kind::Null)
    }

    /// The fields in order with repeated keys collapsed to their last value.
    pub(super) fn entries(&self) -> impl Iterator<Item = (&Cow<'a, str>, &'a RawValue)> {
        self.fields
            .iter()
            .enumerate()
            .filter(|(i, (k, _))| !self.fields[i + 1..].iter().any(|(k2, _)| k2 == k))
            .map(|(_, (k, v))| (k, *v))
    }
}

/// Decodes a raw JSON string value, borrowing when it has no escapes.
pub(super) fn decode_str(raw: &RawValue) -> Option<Cow<'_, str>> {
    let text = raw.get();
    // The object parse already checked the string; without a backslash its content is the
    // text between the quotes, so it need not be scanned a second time.
    if let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"'))
        && !inner.contains('\\')
    {
        return Some(Cow::Borrowed(inner));
    }
    let mut de = serde_json::Deserializer::from_str(text);
    de.deserialize_str(StrVisitor).ok()
}

struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = Vec<(Cow<'de, str>, &'de RawValue)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = Vec::with_capacity(16);
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let value: &'de RawValue = map.next_value()?;
            fields.push((key, value));
        }
        Ok(fields)
    }
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(StrVisitor)
    }
}

struct StrVisitor;

impl<'de> Visitor<'de> for StrVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}
