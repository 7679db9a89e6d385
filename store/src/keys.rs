//! The key design: partition and sort keys of every item of the layout (`lib.rs`).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, NaiveDate, Utc};
use covid_model::Region;

use crate::attr::s;

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
/// The listing item: `~` sorts after every other key of the partition, so neither the read of
/// the series (`day#…` to `meta`) nor of the state (`meta` to `pending$`) meets it.
pub(crate) const LISTING_SK: &str = "~listing";
pub(crate) const EVENT_PREFIX: &str = "event#";
pub(crate) const LIMIT_PREFIX: &str = "limit#";
pub(crate) const LIMIT_SK: &str = "limit";
pub(crate) const EVENT_SK: &str = "event";
/// The audiences registry (`audiences.rs`): its partition and sort key.
pub(crate) const AUDIENCES: &str = "audiences";

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

/// The key of the listing item.
pub(crate) fn listing_key() -> HashMap<String, AttributeValue> {
    HashMap::from([
        (PK.to_string(), s(SERIES_PK)),
        (SK.to_string(), s(LISTING_SK)),
    ])
}

/// The key of an alert waiting in the outbox.
pub(crate) fn outbox_key(id: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (PK.to_string(), s(SERIES_PK)),
        (SK.to_string(), s(format!("{OUTBOX_PREFIX}{id}"))),
    ])
}

/// The key of an alert moved aside.
pub(crate) fn parked_key(id: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (PK.to_string(), s(SERIES_PK)),
        (SK.to_string(), s(format!("{PARKED_PREFIX}{id}"))),
    ])
}

/// The key of a change record.
pub(crate) fn change_key(id: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (PK.to_string(), s(SERIES_PK)),
        (SK.to_string(), s(format!("{CHANGE_PREFIX}{id}"))),
    ])
}

/// The key of a Lambda event's idempotency record.
pub(crate) fn event_key(id: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (PK.to_string(), s(format!("{EVENT_PREFIX}{id}"))),
        (SK.to_string(), s(EVENT_SK)),
    ])
}

/// The key of a counter in a window: `limit#<counter>#<window end, epoch s>`.
pub(crate) fn limit_key(counter: &str, window_end: DateTime<Utc>) -> String {
    format!("{LIMIT_PREFIX}{counter}#{}", window_end.timestamp())
}
