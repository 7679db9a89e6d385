//! The county change batches: each transaction of a state's county days writes, with the days,
//! the changes it made (every county day it added, revised or withdrew, with the value before
//! and after), so `/v1/revisions` can list the county changes of a vintage without reading a
//! county partition.
//!
//! | item | `pk` | `sk` | attributes |
//! |---|---|---|---|
//! | a county change batch | `countychanges#<YYYY-MM>` (the vintage's month) | `<vintage>#<NN>#<UTC time>-<random>` (`NN`: the state's place in `Region::all()`, `01`…`55`) | `vintage` S, `state` S, `changes` B (gzipped lines `<date> <id> <before> <after>`, each value `cases:deaths` with deaths empty when not reported, or `-` for absent) |
//!
//! **Why a partition per month.** The changes are read in the order `/v1/revisions` lists them
//! (vintage, then region, in `Region::all()`'s order), from any vintage and state on: a month's
//! partition holds its vintages' batches in that order (then by write time), so one `Query`
//! reads a page of them, and reading from any vintage costs at most one request per month. A
//! reader stops at the end of a vintage's state: one state's changes in one vintage is the most
//! read beyond what is asked. A daily run writes one batch a state it changed (Texas's new day: 255
//! changes, about 2 KB gzipped); a whole history written in one vintage is larger, each batch
//! of at most [`MAX_COUNTY_WRITES_PER_BATCH`](super::MAX_COUNTY_WRITES_PER_BATCH) days.
//!
//! Being written in the days' transaction, a batch exists exactly when its days were written:
//! a refused or repeated transaction writes none, so the changes are never missing or counted
//! twice, whatever fails.

use std::collections::HashMap;
use std::io::{Read as _, Write as _};

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{Datelike, NaiveDate, Utc};
use covid_model::{CountyCounts, Region};

use crate::StoreError;
use crate::attr::s;
use crate::item::Item;
use crate::keys::{PK, SK};

/// One change of one county day: its value before and after (`None`: absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountyChange<'a> {
    pub id: &'a str,
    pub date: NaiveDate,
    pub before: Option<CountyCounts>,
    pub after: Option<CountyCounts>,
}

/// The changes one transaction of a state's county days made, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountyChangeBatch {
    pub vintage: NaiveDate,
    pub state: Region,
    /// Its sort key: batches of one vintage and state sort in the order they were written.
    pub key: String,
    /// `(id, date, before, after)`, by date, then id.
    pub changes: Vec<(
        String,
        NaiveDate,
        Option<CountyCounts>,
        Option<CountyCounts>,
    )>,
}

impl CountyChangeBatch {
    /// The batch of `changes` that `state`'s transaction of `vintage` writes now.
    pub(crate) fn of(vintage: NaiveDate, state: Region, changes: &[CountyChange<'_>]) -> Self {
        let mut changes: Vec<_> = changes
            .iter()
            .map(|c| (c.id.to_string(), c.date, c.before, c.after))
            .collect();
        changes.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
        let key = format!(
            "{}#{}",
            group_key(vintage, state),
            crate::changes::record_id(Utc::now())
        );
        Self {
            vintage,
            state,
            key,
            changes,
        }
    }
}

/// The batches a reader takes, in key order: to the end of the vintage's state in which
/// `enough` changes were read (both stores' one rule).
pub(crate) struct Taken {
    pub batches: Vec<CountyChangeBatch>,
    read: usize,
    enough: usize,
}

impl Taken {
    pub fn new(enough: usize) -> Self {
        Self {
            batches: Vec::new(),
            read: 0,
            enough,
        }
    }

    /// Takes `batch`; `false` (not taken): enough were read, and it begins another vintage's
    /// state.
    pub fn take(&mut self, batch: CountyChangeBatch) -> bool {
        let group = |b: &CountyChangeBatch| (b.vintage, b.state);
        if self.read >= self.enough
            && self
                .batches
                .last()
                .is_some_and(|b| group(b) != group(&batch))
        {
            return false;
        }
        self.read += batch.changes.len();
        self.batches.push(batch);
        true
    }
}

/// Where a read of the batches from `vintage` (its states from `state`, or all) starts.
pub(crate) fn start_key(vintage: NaiveDate, state: Option<Region>) -> String {
    state.map_or_else(|| vintage.to_string(), |s| group_key(vintage, s))
}

/// The start of the keys of `state`'s batches of `vintage`: `2021-07-08#34`.
fn group_key(vintage: NaiveDate, state: Region) -> String {
    format!("{vintage}#{:02}", state.index())
}

/// The partition of a month's batches: `countychanges#2021-07`.
pub(crate) fn month_pk(vintage: NaiveDate) -> String {
    format!("countychanges#{:04}-{:02}", vintage.year(), vintage.month())
}

/// The first day of the month after `vintage`'s.
pub(crate) fn next_month(vintage: NaiveDate) -> NaiveDate {
    let first = vintage.with_day(1).expect("every month has a first day");
    first
        .checked_add_months(chrono::Months::new(1))
        .expect("a date far from the calendar's end")
}

fn push_counts(text: &mut String, value: Option<CountyCounts>) {
    match value {
        None => text.push('-'),
        Some(v) => {
            text.push_str(&v.cases.to_string());
            text.push(':');
            if let Some(deaths) = v.deaths {
                text.push_str(&deaths.to_string());
            }
        }
    }
}

fn parse_counts(text: &str) -> Option<Option<CountyCounts>> {
    if text == "-" {
        return Some(None);
    }
    let (cases, deaths) = text.split_once(':')?;
    Some(Some(CountyCounts {
        cases: cases.parse().ok()?,
        deaths: match deaths {
            "" => None,
            d => Some(d.parse().ok()?),
        },
    }))
}

pub(crate) fn batch_item(batch: &CountyChangeBatch) -> HashMap<String, AttributeValue> {
    let mut text = String::with_capacity(batch.changes.len() * 32);
    for (id, date, before, after) in &batch.changes {
        text.push_str(&format!("{date} {id} "));
        push_counts(&mut text, *before);
        text.push(' ');
        push_counts(&mut text, *after);
        text.push('\n');
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).expect("gzip in memory");
    let changes = gz.finish().expect("gzip in memory");
    HashMap::from([
        (PK.to_string(), s(month_pk(batch.vintage))),
        (SK.to_string(), s(&batch.key)),
        ("vintage".to_string(), s(batch.vintage.to_string())),
        ("state".to_string(), s(batch.state.id)),
        (
            "changes".to_string(),
            AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(changes)),
        ),
    ])
}

pub(crate) fn parse_batch(
    table: &str,
    item: &HashMap<String, AttributeValue>,
) -> Result<CountyChangeBatch, StoreError> {
    let item = Item::keyed(table, item);
    let state = item.string("state")?;
    let state = Region::by_id(state)
        .filter(|r| !r.is_us())
        .ok_or_else(|| item.corrupt("state", format!("is not a state: {state:?}")))?;
    let gz = match item.item.get("changes") {
        Some(AttributeValue::B(blob)) => blob.as_ref(),
        _ => return Err(item.corrupt("changes", "is not binary")),
    };
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_string(&mut text)
        .map_err(|e| item.corrupt("changes", format!("is not gzipped text: {e}")))?;
    let changes = text
        .lines()
        .map(|line| {
            let mut fields = line.split(' ');
            let date = fields.next()?.parse().ok()?;
            let id = fields.next()?.to_string();
            let before = parse_counts(fields.next()?)?;
            let after = parse_counts(fields.next()?)?;
            fields.next().is_none().then_some((id, date, before, after))
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| item.corrupt("changes", "holds a line that is not a change"))?;
    Ok(CountyChangeBatch {
        vintage: item.date("vintage")?,
        state,
        key: item.string(SK)?.to_string(),
        changes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_round_trips_through_its_item_in_its_months_partition() {
        let ny = Region::by_id("NY").unwrap();
        let counts = |cases, deaths| Some(CountyCounts { cases, deaths });
        let date: NaiveDate = "2021-07-01".parse().unwrap();
        let changes = [
            CountyChange {
                id: "36UNK",
                date,
                before: counts(3, None),
                after: None,
            },
            CountyChange {
                id: "36047",
                date,
                before: None,
                after: counts(10, Some(1)),
            },
        ];
        let batch = CountyChangeBatch::of("2021-07-08".parse().unwrap(), ny, &changes);
        // New York is the 34th of `Region::all()` after the nation.
        assert!(batch.key.starts_with("2021-07-08#34#"), "{}", batch.key);
        assert_eq!(batch.changes[0].0, "36047", "by date, then id");
        let item = batch_item(&batch);
        assert_eq!(item[PK].as_s().unwrap(), "countychanges#2021-07");
        assert_eq!(parse_batch("t", &item).unwrap(), batch);
        assert_eq!(
            next_month("2021-12-31".parse().unwrap()).to_string(),
            "2022-01-01"
        );
    }
}
