//! The county items' encoding (the layout in `mod.rs`): a state's county day and the county
//! window, each encoder beside its decoder.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use covid_model::{CountyCounts, Region};

use super::{CountyListing, CountyRevision, CountyValues, CountyWindow, StoredCountyDay};
use crate::StoreError;
use crate::attr::{n, s};
use crate::item::Item;
use crate::keys::{PK, SERIES_PK, SK, day_sk};

/// The county window's sort key in the national partition: after `meta`, before `outbox#`.
pub(crate) const COUNTY_WINDOW_SK: &str = "meta#counties";

/// The partition of a state's county days: `counties#NY`.
pub(crate) fn counties_pk(state: Region) -> String {
    format!("counties#{}", state.id)
}

/// The sort key of a state's county listing: after every `day#…`.
pub(crate) const LISTING_SK: &str = "listing";

pub(crate) fn county_listing_key(state: Region) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (PK.to_string(), s(counties_pk(state))),
        (SK.to_string(), s(LISTING_SK)),
    ])
}

/// The sort key of a state's county write counter: after its listing (`listing` <
/// `listing#writes`), so a read from a day to it returns the days, the listing and the counter.
pub(crate) const COUNTER_SK: &str = "listing#writes";

/// The counter's increment, in every transaction of the state's county days: its `n` is how
/// many such transactions ever committed, and a listing made when it was `n` says so (`rev`).
pub(crate) fn county_counter_key(state: Region) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (PK.to_string(), s(counties_pk(state))),
        (SK.to_string(), s(COUNTER_SK)),
    ])
}

pub(crate) fn county_counter_bump(
    table: &str,
    state: Region,
) -> aws_sdk_dynamodb::types::TransactWriteItem {
    let update = aws_sdk_dynamodb::types::Update::builder()
        .table_name(table)
        .set_key(Some(county_counter_key(state)))
        .update_expression("ADD #n :one")
        .expression_attribute_names("#n", "n")
        .expression_attribute_values(":one", n(1))
        .build()
        .expect("an update has its table, key and expression");
    aws_sdk_dynamodb::types::TransactWriteItem::builder()
        .update(update)
        .build()
}

pub(crate) fn parse_county_counter(
    table: &str,
    item: &HashMap<String, AttributeValue>,
) -> Result<u64, StoreError> {
    Item::keyed(table, item).number("n")
}

/// A listing's entries are JSON, gzipped, in a binary attribute: each daily run rewrites every
/// state's listing, and DynamoDB bills the stored bytes (`BENCHMARKS.md`, issue 36).
pub(crate) fn county_listing_item(
    state: Region,
    listing: &CountyListing,
) -> HashMap<String, AttributeValue> {
    use std::io::Write as _;
    let mut item = county_listing_key(state);
    let json = serde_json::to_vec(&listing.counties).expect("entries serialise");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&json).expect("gzip in memory");
    let entries = gz.finish().expect("gzip in memory");
    item.extend([
        ("vintage".to_string(), s(listing.vintage.to_string())),
        ("rev".to_string(), n(listing.rev)),
        (
            "counties".to_string(),
            AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(entries)),
        ),
    ]);
    item
}

pub(crate) fn parse_county_listing(
    table: &str,
    item: &HashMap<String, AttributeValue>,
) -> Result<CountyListing, StoreError> {
    let item = Item::keyed(table, item);
    let gz = match item.item.get("counties") {
        Some(AttributeValue::B(blob)) => blob.as_ref(),
        Some(other) => return Err(item.corrupt("counties", format!("is not binary: {other:?}"))),
        None => return Err(item.corrupt("counties", "is missing")),
    };
    let mut json = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gz), &mut json)
        .map_err(|e| item.corrupt("counties", format!("is not gzip: {e}")))?;
    Ok(CountyListing {
        vintage: item.date("vintage")?,
        rev: item.optional_number("rev")?.unwrap_or(0),
        counties: serde_json::from_slice(&json).map_err(|e| {
            item.corrupt("counties", format!("is not a state's county entries: {e}"))
        })?,
    })
}

pub(crate) fn county_window_key() -> HashMap<String, AttributeValue> {
    HashMap::from([
        (PK.to_string(), s(SERIES_PK)),
        (SK.to_string(), s(COUNTY_WINDOW_SK)),
    ])
}

/// `36061:1234:56`, deaths empty when not reported; `-` for an absent county in a revision.
fn push_value(text: &mut String, id: &str, value: Option<&CountyCounts>) {
    text.push_str(id);
    match value {
        None => text.push_str(":-"),
        Some(v) => {
            text.push(':');
            text.push_str(&v.cases.to_string());
            text.push(':');
            if let Some(deaths) = v.deaths {
                text.push_str(&deaths.to_string());
            }
        }
    }
}

fn encode_values<'a>(
    values: impl Iterator<Item = (&'a String, Option<&'a CountyCounts>)>,
) -> String {
    let mut text = String::new();
    for (i, (id, value)) in values.enumerate() {
        if i > 0 {
            text.push(',');
        }
        push_value(&mut text, id, value);
    }
    text
}

/// One `id:cases:deaths` (or `id:-`) entry; `None`: not of that form.
fn decode_value(entry: &str) -> Option<(String, Option<CountyCounts>)> {
    let mut parts = entry.split(':');
    let id = parts.next().filter(|id| !id.is_empty())?.to_string();
    let cases = parts.next()?;
    if cases == "-" {
        return parts.next().is_none().then_some((id, None));
    }
    let deaths = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    let value = CountyCounts {
        cases: cases.parse().ok()?,
        deaths: match deaths {
            "" => None,
            d => Some(d.parse().ok()?),
        },
    };
    Some((id, Some(value)))
}

fn decode_values(text: &str) -> Option<CountyValues> {
    if text.is_empty() {
        return Some(CountyValues::new());
    }
    text.split(',')
        .map(|entry| match decode_value(entry)? {
            (id, Some(value)) => Some((id, value)),
            (_, None) => None,
        })
        .collect()
}

/// Each revision on a line: `<vintage> <entries>`.
fn encode_revisions(revisions: &[CountyRevision]) -> String {
    let mut text = String::new();
    for (i, revision) in revisions.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        text.push_str(&revision.vintage.to_string());
        text.push(' ');
        text.push_str(&encode_values(
            revision.before.iter().map(|(id, v)| (id, v.as_ref())),
        ));
    }
    text
}

fn decode_revisions(text: &str) -> Option<Vec<CountyRevision>> {
    text.split('\n')
        .map(|line| {
            let (vintage, entries) = line.split_once(' ')?;
            let before = if entries.is_empty() {
                BTreeMap::new()
            } else {
                entries
                    .split(',')
                    .map(decode_value)
                    .collect::<Option<_>>()?
            };
            Some(CountyRevision {
                vintage: vintage.parse().ok()?,
                before,
            })
        })
        .collect()
}

/// The item `day` of `state` is stored as: public for the bench's floor, which puts the same
/// items without conditions (`etl/examples/county_floor.rs`).
pub fn county_day_item(state: Region, day: &StoredCountyDay) -> HashMap<String, AttributeValue> {
    let mut item = HashMap::from([
        (PK.to_string(), s(counties_pk(state))),
        (SK.to_string(), s(day_sk(day.date))),
        ("date".to_string(), s(day.date.to_string())),
        (
            "counties".to_string(),
            s(encode_values(
                day.counties.iter().map(|(id, v)| (id, Some(v))),
            )),
        ),
        ("rev".to_string(), n(day.rev)),
        ("created".to_string(), s(day.created.to_string())),
    ]);
    if !day.revisions.is_empty() {
        item.insert("history".to_string(), s(encode_revisions(&day.revisions)));
    }
    item
}

pub(crate) fn parse_county_day(
    table: &str,
    item: &HashMap<String, AttributeValue>,
) -> Result<StoredCountyDay, StoreError> {
    let item = Item::keyed(table, item);
    let shown = |text: &str| text.chars().take(60).collect::<String>();
    let text = item.string("counties")?;
    let counties = decode_values(text).ok_or_else(|| {
        item.corrupt(
            "counties",
            format!("is not a state's county values: {:?}", shown(text)),
        )
    })?;
    let revisions = match item.item.get("history") {
        None => Vec::new(),
        Some(_) => {
            let text = item.string("history")?;
            decode_revisions(text).ok_or_else(|| {
                item.corrupt(
                    "history",
                    format!("is not a county day's history: {:?}", shown(text)),
                )
            })?
        }
    };
    Ok(StoredCountyDay {
        date: item.date("date")?,
        counties,
        rev: item.number("rev")?,
        created: item.date("created")?,
        revisions,
    })
}

pub(crate) fn county_window_item(window: &CountyWindow) -> HashMap<String, AttributeValue> {
    let mut item = county_window_key();
    item.extend([
        ("fingerprint".to_string(), s(&window.fingerprint)),
        ("vintage".to_string(), s(window.vintage.to_string())),
        ("first_date".to_string(), s(window.first_date.to_string())),
        ("last_date".to_string(), s(window.last_date.to_string())),
        ("rows".to_string(), n(window.rows)),
    ]);
    item
}

pub(crate) fn parse_county_window(
    table: &str,
    item: &HashMap<String, AttributeValue>,
) -> Result<CountyWindow, StoreError> {
    let item = Item::keyed(table, item);
    Ok(CountyWindow {
        fingerprint: item.string("fingerprint")?.to_string(),
        vintage: item.date("vintage")?,
        first_date: item.date("first_date")?,
        last_date: item.date("last_date")?,
        rows: item.number("rows")?,
    })
}

/// An item's size as DynamoDB bills it: each attribute's name and value in bytes (a number
/// as its digits, about; DynamoDB's own rule stores it in at most 21 bytes). A write costs one
/// WRU per KB begun, twice that in a transaction.
pub fn item_size(item: &HashMap<String, AttributeValue>) -> usize {
    item.iter()
        .map(|(name, value)| {
            name.len()
                + match value {
                    AttributeValue::S(s) | AttributeValue::N(s) => s.len(),
                    AttributeValue::B(b) => b.as_ref().len(),
                    _ => 1,
                }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn a_county_day_round_trips_through_its_item() {
        let date: NaiveDate = "2021-07-01".parse().unwrap();
        let value = |cases, deaths| CountyCounts { cases, deaths };
        let first = CountyValues::from([
            ("72001".to_string(), value(3_000, None)),
            ("36NYC".to_string(), value(950_000, Some(33_000))),
        ]);
        let mut second = first.clone();
        second.remove("72001");
        second.insert("36UNK".to_string(), value(0, Some(0)));
        let day = StoredCountyDay::first(date, first, date)
            .revised(second, "2021-07-02".parse().unwrap())
            .revised(CountyValues::new(), "2021-07-03".parse().unwrap());
        let ny = Region::by_id("NY").unwrap();
        let item = county_day_item(ny, &day);
        assert_eq!(parse_county_day("t", &item).unwrap(), day);
        assert_eq!(
            item["history"].as_s().unwrap(),
            "2021-07-02 36UNK:-,72001:3000:\n2021-07-03 36NYC:950000:33000,36UNK:0:0"
        );
        let mut bad = item.clone();
        bad.insert("counties".to_string(), s("36NYC:1:2:3"));
        let error = parse_county_day("t", &bad).unwrap_err().to_string();
        assert!(
            error.contains("`counties`") && error.contains("36NYC:1:2:3"),
            "{error}"
        );
    }
}
