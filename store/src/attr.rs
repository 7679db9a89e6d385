//! Attribute values: the constructors of the layout's attribute types.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

pub(crate) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(crate) fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub(crate) fn epoch_millis(t: DateTime<Utc>) -> AttributeValue {
    n(t.timestamp_millis().max(0) as u64)
}

pub(crate) fn time(at: DateTime<Utc>) -> AttributeValue {
    s(at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

/// Epoch seconds, the unit of the table's TTL attribute.
pub(crate) fn epoch_seconds(t: DateTime<Utc>) -> AttributeValue {
    n(t.timestamp().max(0) as u64)
}
