//! The key design: partition and sort keys of every item of the layout (`lib.rs`).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::NaiveDate;
use covid_model::Region;

use crate::item::s;

/// Partition key attribute.
pub const PK: &str = "pk";
/// Sort key attribute.
pub const SK: &str = "sk";
/// TTL attribute (epoch seconds) for short-lived records.
pub const TTL_ATTRIBUTE: &str = "expires_at";

/// The national partition, which also holds the alerts, change records and run records.
pub(crate) const SERIES_PK: &str = "series#US";
pub(crate) const DAY_PREFIX: &str = "day#";
pub(crate) const META_SK: &str = "meta";
pub(crate) const OUTBOX_PREFIX: &str = "outbox#";
/// Alerts moved aside after too many refused publishes (`outbox#` < `parked#` < `pending#`).
pub(crate) const PARKED_PREFIX: &str = "parked#";
pub(crate) const CHANGE_PREFIX: &str = "pending#";
/// Sorts after every non-day key of the series partition (`meta`, `outbox#…`, `parked#…`,
/// `pending#…`).
pub(crate) const STATE_END: &str = "pending$";
pub(crate) const EVENT_PREFIX: &str = "event#";
pub(crate) const LIMIT_PREFIX: &str = "limit#";
pub(crate) const LIMIT_SK: &str = "limit";
pub(crate) const EVENT_SK: &str = "event";

/// The sort key of a day.
pub(crate) fn day_sk(date: NaiveDate) -> String {
    format!("{DAY_PREFIX}{date}")
}

/// The partition of a region's days and meta: `series#US`, `series#NY`, …
pub(crate) fn series_pk(region: Region) -> String {
    format!("series#{}", region.id)
}

/// The key of a region's meta item.
pub(crate) fn meta_key(pk: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([(PK.to_string(), s(pk)), (SK.to_string(), s(META_SK))])
}
